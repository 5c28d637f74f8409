"""Output of ``auditor rules list``."""
from __future__ import annotations

import json

import tabulate as tabulate_module
from tabulate import tabulate

tabulate_module.WIDE_CHARS_MODE = True


def rules_text(rules, lang: str = "zh") -> str:
    rows = [[r.code, r.name, r.severity, "/".join(r.templates), r.title_zh if lang == "zh" else r.title_en]
            for r in rules]
    headers = ["代码", "名称", "默认级别", "模板", "说明"] if lang == "zh" else ["code", "name", "severity", "templates", "title"]
    return tabulate(rows, headers=headers, tablefmt="simple") + "\n"


def rules_json(rules) -> str:
    return json.dumps([{"code": r.code, "name": r.name, "relation": r.relation, "severity": r.severity,
                        "templates": list(r.templates), "title": {"zh": r.title_zh, "en": r.title_en},
                        "expr": r.expr, "file": str(r.file), "line": r.line} for r in rules],
                      ensure_ascii=False, indent=2) + "\n"
