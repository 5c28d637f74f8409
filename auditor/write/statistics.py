"""``auditor check --statistics``: how many findings of each code, most first, with the code's title."""
from __future__ import annotations

from collections import Counter

import tabulate as tabulate_module
from tabulate import tabulate

from ..model.findings import AuditResult
from .levels import DEFAULT_FAIL_ON, SEVERITY_LABELS
from .rule_catalogue import code_catalogue
from .text_format import fail_line

tabulate_module.WIDE_CHARS_MODE = True  # align Chinese text (was set by importing text_format)

_HEAD = {"zh": ["数量", "代码", "级别", "标题"], "en": ["count", "code", "severity", "title"]}


def write_statistics(results: list[AuditResult], lang: str = "zh", fail_on: str = DEFAULT_FAIL_ON, rules=(),
                     **_) -> str:
    counts = Counter((f.code, f.severity.value) for r in results for f in r.findings)
    catalogue = code_catalogue(rules)
    rows = []
    for (code, severity), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        info = catalogue.get(code)
        title = (info.title_zh if lang == "zh" else info.title_en) if info else ""
        rows.append([count, code, SEVERITY_LABELS[lang][severity], title])
    out = [tabulate(rows, headers=_HEAD[lang], tablefmt="simple", disable_numparse=True) if rows else
           ("未发现问题" if lang == "zh" else "no findings")]
    out.append(fail_line(results, fail_on or DEFAULT_FAIL_ON, lang))
    return "\n".join(out) + "\n"
