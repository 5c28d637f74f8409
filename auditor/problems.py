"""The catalogue of findings that come from no rule file: unreadable files, absent tables,
extraction doubts, internal faults. Each has a stable code, a default severity and zh/en titles."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .findings import Finding, Severity, Status
from .model import Source


@dataclass(frozen=True)
class Problem:
    code: str
    name: str
    severity: Severity
    kind: str
    title_zh: str
    title_en: str


INTERNAL_ERROR = "internal-error"

CATALOGUE: dict[str, Problem] = {p.code: p for p in (
    Problem("FILE-EMPTY", "file.empty", Severity.error, "file", "文件为空", "empty file"),
    Problem("FILE-BINARY", "file.binary", Severity.error, "file", "不是文本文件", "not a text file"),
    Problem("FILE-UNREADABLE", "file.unreadable", Severity.error, "file", "无法读取文件", "file cannot be read"),
    Problem("FILE-TOO-LARGE", "file.too_large", Severity.error, "file", "文件过大", "file too large"),
    Problem("FORMAT-UNSUPPORTED", "file.format_unsupported", Severity.error, "file", "暂不支持的格式", "unsupported format"),
    Problem("TABLE-ABSENT", "extract.table_absent", Severity.error, "extraction", "缺少统计表", "table absent"),
    Problem("ROW-WIDTH", "extract.row_width", Severity.warning, "extraction", "行的数值个数不符", "row has the wrong number of values"),
    Problem("PRE-2019", "template.pre_2019", Severity.info, "template", "2019年以前的报告，不适用国家统一表格", "pre-2019 report: no national tables"),
    Problem("TEMPLATE-UNKNOWN", "template.unknown", Severity.warning, "template", "无法确定报告模板", "template not recognised"),
    # The spelling DESIGN.md gives this code: a fault in our own code, not in the file (exit 2).
    Problem("internal-error", "internal.error", Severity.error, "internal", "审核程序内部错误", "internal error in auditor"),
)}

# Loader and extraction codes (lower case, as raised) -> catalogue codes.
ALIASES = {
    "file-empty": "FILE-EMPTY",
    "file-binary": "FILE-BINARY",
    "file-unreadable": "FILE-UNREADABLE",
    "file-too-large": "FILE-TOO-LARGE",
    "format-unsupported": "FORMAT-UNSUPPORTED",
    "table-absent": "TABLE-ABSENT",
    "row-width": "ROW-WIDTH",
}


def problem_finding(code: str, message_zh: str, message_en: str, lang: str = "zh", file: Optional[str] = None,
                    source: Optional[Source] = None, severity: Optional[Severity] = None) -> Finding:
    problem = CATALOGUE.get(ALIASES.get(code, code)) or Problem(
        code.upper(), code.lower().replace("-", "_"), Severity.warning, "extraction", message_zh, message_en)
    return Finding(
        code=problem.code,
        name=problem.name,
        severity=severity or problem.severity,
        status=Status.problem,
        kind=problem.kind,
        message=message_zh if lang == "zh" else message_en,
        message_zh=message_zh,
        message_en=message_en,
        file=file,
        source=source,
    )
