"""A document as folded lines with their sources, joined into one text the document checks search."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Optional

from ...model.report import Document, Source
from ..narrative.claims import fold


@dataclass
class Line:
    text: str  # folded (claims.fold): simplified, full-width folded
    start: int  # offset in DocumentText.text
    source: Optional[Source]


def _start(line: Line) -> int:
    return line.start


@dataclass
class DocumentText:
    """The document's rows (every kind: a layout table's cells hold headings too) as folded lines,
    joined by newlines into one text."""

    lines: list[Line] = field(default_factory=list)
    text: str = ""

    @classmethod
    def of(cls, document: Document) -> "DocumentText":
        lines, offset = [], 0
        for raw, source in document.text_lines():
            folded = fold(raw)
            if not folded:
                continue
            lines.append(Line(folded, offset, source))
            offset += len(folded) + 1
        return cls(lines, "\n".join(line.text for line in lines))

    def line_at(self, offset: int) -> Optional[Line]:
        """The last line starting at or before ``offset`` (lines are in order of their start)."""
        index = bisect_right(self.lines, offset, key=_start)
        return self.lines[index - 1] if index else None

    def source_at(self, offset: int) -> Optional[Source]:
        line = self.line_at(offset)
        return line.source if line else None

    def excerpt(self, start: int, end: int, width: int = 60) -> str:
        text = self.text[start:end].replace("\n", " ").strip()
        return text if len(text) <= width else text[:width] + "…"
