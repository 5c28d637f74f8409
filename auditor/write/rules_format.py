"""Output of ``auditor rules list``: every code, from the rule files and the catalogue."""
from __future__ import annotations

import json

import tabulate as tabulate_module
from tabulate import tabulate

tabulate_module.WIDE_CHARS_MODE = True


def _row_json(problem, rule) -> dict:
    entry = {"code": problem.code, "name": problem.name, "kind": problem.kind, "severity": problem.severity,
             "title": {"zh": problem.title_zh, "en": problem.title_en},
             "help": {"zh": problem.help_zh, "en": problem.help_en}, "source": problem.source}
    if rule is not None:  # the keys rule files have always had here
        entry.update({"relation": rule.relation, "templates": list(rule.templates), "expr": rule.expr,
                      "file": str(rule.file), "line": rule.line})
    return entry


def rules_text(problems, rules_by_code, lang: str = "zh") -> str:
    """One line per code: code, kind, default severity, templates (rules), title."""
    rows = [[p.code, p.kind, p.severity, "/".join(rules_by_code[p.code].templates) if p.code in rules_by_code else "",
             p.title(lang)] for p in problems]
    headers = ["代码", "类别", "默认级别", "模板", "说明"] if lang == "zh" else ["code", "kind", "severity", "templates", "title"]
    return tabulate(rows, headers=headers, tablefmt="simple") + "\n"


def rules_json(problems, rules_by_code) -> str:
    return json.dumps([_row_json(p, rules_by_code.get(p.code)) for p in problems], ensure_ascii=False, indent=2) + "\n"
