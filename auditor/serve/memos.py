"""The one place the workbench calls the memo builder (auditor/memo): a memo per agency from the
findings a reviewer confirmed, as Markdown or DOCX bytes."""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..memo.letter import build_memo, render_docx, render_markdown
from ..model.findings import AuditResult

ALL_SEVERITIES = ("error", "warning", "review", "info")  # the reviewer chose the findings: keep every one


def memo_bytes(results: list[AuditResult], fmt: str, lang: str = "zh", sender: str = "") -> bytes:
    """The memo of ``results`` (each holding only confirmed findings) as ``md`` or ``docx`` bytes."""
    memo = build_memo(results, lang=lang, include=ALL_SEVERITIES, sender=sender)
    if fmt == "docx":
        with tempfile.TemporaryDirectory(prefix="auditor-memo-") as folder:
            path = render_docx(memo, Path(folder) / "memo.docx")
            return Path(path).read_bytes()
    return render_markdown(memo).encode("utf-8")
