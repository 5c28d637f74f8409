"""The one place the workbench calls the memo builder (auditor/memo): one letter per agency and year from
the findings a reviewer confirmed, as Markdown or DOCX bytes."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..memo import MemoOptions, build_memos, write_memo
from ..model.findings import AuditResult

ALL_SEVERITIES = ("error", "warning", "review", "info")  # the reviewer chose the findings: keep every one


def memo_bytes(results: list[AuditResult], fmt: str, lang: str = "zh", signature: str = "") -> bytes:
    """The memo of ``results`` (each holding only confirmed findings) as ``md`` or ``docx`` bytes. Hints
    are included: a finding the reviewer confirmed is told to the agency, whatever its section."""
    options = MemoOptions(lang=lang, include=ALL_SEVERITIES, include_hints=True, signature=signature)
    letters = build_memos(results, options)
    with tempfile.TemporaryDirectory(prefix="auditor-memo-") as folder:
        return write_memo(letters, Path(folder) / f"memo.{fmt}").read_bytes()
