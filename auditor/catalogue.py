"""The error catalogue: every user-facing error auditor reports, with a stable code, a kind, a
default severity and zh/en titles. Findings about a file (FILE-*, LIMIT-*, TABLE-ABSENT…) and
errors that stop a run (RULE-*, CONFIG-*, USAGE-*) are listed here alike, so one table documents
them all (docs/ERRORS.md, written by ``python -m auditor.catalogue``) and one test checks that each
code has a fixture that triggers it (tests/fixtures/errors/).

Kinds and what they mean for the run:

| kind        | reported as                          | exit |
|-------------|--------------------------------------|------|
| file        | a finding on that file; batch goes on | 1    |
| limit       | a finding on that file; batch goes on | 1    |
| extraction  | a finding on that file               | 1 at error |
| template    | a finding on that file               | by severity |
| internal    | a finding on that file; batch goes on | 1    |
| rule        | ``file:line`` message; run stops      | 2    |
| config      | ``file`` message; run stops           | 2    |
| usage       | message; run stops                   | 2    |
"""
from __future__ import annotations

from dataclasses import dataclass

FINDING_KINDS = frozenset({"file", "limit", "extraction", "template", "internal"})
STOPPING_KINDS = frozenset({"rule", "config", "usage"})


@dataclass(frozen=True)
class Problem:
    code: str
    name: str
    severity: str  # "error" | "warning" | "review" | "info" (a finding's default; the run may override)
    kind: str
    title_zh: str
    title_en: str

    @property
    def is_finding(self) -> bool:
        return self.kind in FINDING_KINDS


def _table(kind: str, severity: str, rows: tuple[tuple[str, str, str, str], ...]) -> list[Problem]:
    return [Problem(code, name, severity, kind, zh, en) for code, name, zh, en in rows]


_PROBLEMS: list[Problem] = [
    *_table("file", "error", (
        ("FILE-EMPTY", "file.empty", "文件为空", "empty file"),
        ("FILE-BINARY", "file.binary", "不是文本文件", "not a text file"),
        ("FILE-UNREADABLE", "file.unreadable", "无法读取文件", "file cannot be read"),
        ("FORMAT-UNSUPPORTED", "file.format_unsupported", "暂不支持的格式", "unsupported format"),
    )),
    *_table("file", "warning", (
        ("FORMAT-MISMATCH", "file.format_mismatch", "文件内容与扩展名不符", "content does not match the file extension"),
        ("FILE-DAMAGED-PAGES", "file.damaged_pages", "部分页面已损坏，未能读取", "some pages are damaged and were not read"),
    )),
    *_table("limit", "error", (
        ("FILE-TOO-LARGE", "limit.file_size", "文件过大", "file too large"),
        ("LIMIT-PAGES", "limit.pages", "页数过多", "too many pages"),
        ("LIMIT-ZIP-BOMB", "limit.zip_bomb", "压缩包解压后过大（疑似压缩炸弹）", "archive expands too far (zip bomb)"),
        ("LIMIT-IMAGE-PIXELS", "limit.image_pixels", "图片像素过多", "image has too many pixels"),
        ("LIMIT-NESTING", "limit.nesting", "文档嵌套层级过深", "document nested too deep"),
        ("LIMIT-TABLE-SIZE", "limit.table_size", "表格过大", "table too large"),
        ("LIMIT-TIME", "limit.time", "处理超时，已放弃该文件", "time limit exceeded: file abandoned"),
    )),
    *_table("limit", "warning", (
        ("LIMIT-NUMBER-LENGTH", "limit.number_length", "数字过长，未按数值读取", "number too long: not read as a number"),
    )),
    *_table("extraction", "warning", (
        # A statutory table not found or not read (reason in the message): its relations were not
        # checked. A warning, not an error: it says nothing about the report's numbers, and CI sees it.
        ("TABLE-ABSENT", "extract.table_absent", "统计表无法核对（未找到或未读出）",
         "statutory table not assessable (not found or not read)"),
        ("ROW-WIDTH", "extract.row_width", "行的数值个数不符", "row has the wrong number of values"),
    )),
    # Inputs and outputs checked before any work (cli.py, cli_batch.py): the run stops, exit 2.
    *_table("usage", "error", (
        ("USAGE-NOT-FOUND", "usage.not_found", "文件或目录不存在，或没有与通配符匹配的文件",
         "no such file or folder, or no file matches the pattern"),
        ("USAGE-FILE-TYPE", "usage.file_type", "无法识别的文件类型", "unknown file type"),
        ("USAGE-OUTPUT", "usage.output", "输出文件无法写入", "the output file cannot be written"),
    )),
    Problem("PRE-2019", "template.pre_2019", "info", "template",
            "2019年以前的报告，不适用国家统一表格", "pre-2019 report: no national tables"),
    # The spelling DESIGN.md gives this code: a fault in our own code, not in the file.
    Problem("internal-error", "internal.error", "error", "internal", "审核程序内部错误", "internal error in auditor"),
    Problem("WORKER-LOST", "internal.worker_lost", "error", "internal",
            "处理该文件时工作进程意外退出", "the worker process died while auditing this file"),
]

CATALOGUE: dict[str, Problem] = {}


def register(*problems: Problem) -> None:
    """Add codes (rule, config and usage modules register theirs); a code is defined once."""
    for problem in problems:
        known = CATALOGUE.get(problem.code)
        if known is not None and known != problem:
            raise ValueError(f"error code {problem.code} is defined twice")
        CATALOGUE[problem.code] = problem


register(*_PROBLEMS)


def lookup(code: str) -> Problem | None:
    return CATALOGUE.get(code)


def title(code: str, lang: str = "zh") -> str:
    problem = CATALOGUE.get(code)
    if problem is None:
        return code
    return problem.title_zh if lang == "zh" else problem.title_en


def everything() -> dict[str, Problem]:
    """The whole catalogue, with every module that registers codes imported."""
    from . import cli, config  # noqa: F401  (their registrations)
    from .ruleset import errors  # noqa: F401

    return dict(CATALOGUE)


def markdown() -> str:
    lines = ["# Error codes", "",
             "Every error auditor reports has a stable code. Generated by `python -m auditor.catalogue`; "
             "do not edit by hand.", "",
             "| code | kind | default severity | 中文 | English |", "|---|---|---|---|---|"]
    for problem in sorted(everything().values(), key=lambda p: (sorted(FINDING_KINDS | STOPPING_KINDS).index(p.kind)
                                                                  if p.kind in FINDING_KINDS | STOPPING_KINDS else 99,
                                                                  p.code)):
        if problem.is_finding:
            severity = problem.severity
        else:  # a stopping error exits 2; a lint warning (RULE-REDUNDANT) only informs
            severity = "— (exit 2)" if problem.severity == "error" else f"{problem.severity} (exit 0)"
        lines.append(f"| `{problem.code}` | {problem.kind} | {severity} | {problem.title_zh} | {problem.title_en} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - writes docs/ERRORS.md
    from pathlib import Path

    # Run as -m this file is __main__, a second copy: the registering modules fill auditor.catalogue.
    from auditor.catalogue import markdown as registered_markdown

    target = Path(__file__).resolve().parents[1] / "docs" / "ERRORS.md"
    target.write_text(registered_markdown(), encoding="utf-8")
    print(f"wrote {target}")
