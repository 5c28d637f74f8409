"""What ``auditor diff OLD NEW`` reports: two versions of one report compared. Plain data."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field

from .report import JsonDecimal, Source


class CellChange(BaseModel):
    """A cell whose reading differs: its value, or its state (blank, "/", 0 and missing differ)."""

    table: str
    row: str
    column: str
    label: str = ""  # the row and column as printed in the template
    old_raw: str = ""
    new_raw: str = ""
    old_value: Optional[JsonDecimal] = None
    new_value: Optional[JsonDecimal] = None
    old_state: str = "missing"
    new_state: str = "missing"
    new_source: Optional[Source] = None


class SentenceChange(BaseModel):
    """A narrative sentence added, removed or changed (as printed)."""

    change: Literal["added", "removed", "changed"]
    old: str = ""
    new: str = ""


class ReportDiff(BaseModel):
    """Two versions of one report: every changed cell, the narrative's changed sentences, the parts of
    the national format added or removed. ``numbers_changed`` decides the exit status (1)."""

    old_file: str
    new_file: str
    agency: tuple[Optional[str], Optional[str]] = (None, None)  # (old, new)
    year: tuple[Optional[int], Optional[int]] = (None, None)
    template: tuple[str, str] = ("unknown", "unknown")  # overall template guess (old, new)
    numbers_changed: bool = False
    cells: list[CellChange] = Field(default_factory=list)
    sentences: list[SentenceChange] = Field(default_factory=list)
    text_compared: bool = True  # False for a stored snapshot (the store keeps tables, not text)
    parts_added: list[int] = Field(default_factory=list)  # part numbers of the national format (1–6)
    parts_removed: list[int] = Field(default_factory=list)
