"""The document checks' knowledge, read from ``rules/document/document.yaml``: the parts of the national
format, the government-only contents, the statutory deadlines, the fee words and the sameness
thresholds. Patterns are compiled here once; the checks only ask."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ...resources import read_yaml_resource

KNOWLEDGE_FILE = "document/document.yaml"


def _any(words) -> re.Pattern:
    """One pattern matching any of ``words`` (each a regular expression); never matches when empty."""
    return re.compile("|".join(f"(?:{w})" for w in words) or r"(?!)")


@dataclass(frozen=True)
class Part:
    number: int
    zh: str
    en: str
    heading: re.Pattern
    evidence: re.Pattern
    table: Optional[str] = None  # the table the part holds

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Content:
    id: str
    zh: str
    en: str
    words: re.Pattern


@dataclass(frozen=True)
class Deadline:
    kind: str
    zh: str
    en: str
    author: re.Pattern
    month: int
    day: int
    from_year: int


@dataclass(frozen=True)
class Knowledge:
    heading_reach: int
    parts_from_year: int
    min_parts_found: int
    parts: tuple[Part, ...]
    empty_below: int
    government_author: re.Pattern
    government_from_year: int
    government_contents: tuple[Content, ...]
    deadlines: tuple[Deadline, ...]
    lenient: tuple[int, int]
    date_labels: re.Pattern
    signature_lines: int
    period_words: re.Pattern
    fee_subject: re.Pattern
    fee_none: re.Pattern
    fee_amount: re.Pattern
    fee_notice_cell: tuple[str, str, str]
    fee_notice_words: re.Pattern
    part_six_none: re.Pattern
    all_zero_tables: tuple[str, ...]
    all_zero_required: tuple[str, ...]
    near_max_changed: int
    near_min_distinct: int
    copied_min_length: int
    copied_similarity: float
    copied_min_paragraphs: int
    boilerplate: re.Pattern

    def deadline(self, agency: Optional[str], year: int) -> Optional[Deadline]:
        """The deadline of the agency's kind for a report of ``year``; None when its kind is not known
        from its name (or its deadline did not apply yet)."""
        for deadline in self.deadlines:
            if agency and deadline.author.search(agency):
                return deadline if year >= deadline.from_year else None
        return None

    def is_government(self, agency: Optional[str]) -> bool:
        return bool(agency) and self.government_author.search(agency) is not None


def _title(entry: dict) -> tuple[str, str]:
    return str(entry["title"]["zh"]), str(entry["title"]["en"])


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    data = read_yaml_resource(KNOWLEDGE_FILE)["document"]
    parts = tuple(Part(int(p["number"]), *_title(p), _any(p["heading"]), _any(p["evidence"]), p.get("table"))
                  for p in data["parts"])
    government = data["government"]
    contents = tuple(Content(str(c["id"]), *_title(c), _any(c["words"])) for c in government["contents"])
    deadlines = tuple(Deadline(str(d["kind"]), *_title(d), _any(d["author"]), int(d["month"]), int(d["day"]),
                               int(d["from_year"])) for d in data["deadlines"])
    fees, near, copied = data["fees"], data["near_identical"], data["copied_text"]
    table, row, column = str(fees["notice_cell"]).split(".")
    return Knowledge(
        heading_reach=int(data["heading_reach"]), parts_from_year=int(data["parts_from_year"]),
        min_parts_found=int(data["min_parts_found"]), parts=parts,
        empty_below=int(data["empty_below"]), government_author=_any(government["author"]),
        government_from_year=int(government["from_year"]), government_contents=contents, deadlines=deadlines,
        lenient=(int(data["lenient"]["month"]), int(data["lenient"]["day"])),
        date_labels=_any(data["date_labels"]), signature_lines=int(data["signature_lines"]),
        period_words=_any(data["period_words"]),
        fee_subject=_any(fees["subject"]), fee_none=_any(fees["none"]), fee_amount=re.compile(fees["amount"]),
        fee_notice_cell=(table, row, column), fee_notice_words=_any(fees["notice_words"]),
        part_six_none=_any(fees["part_six_none"]), all_zero_tables=tuple(data["all_zero"]["tables"]),
        all_zero_required=tuple(data["all_zero"]["required"]),
        near_max_changed=int(near["max_changed"]), near_min_distinct=int(near["min_distinct_nonzero"]),
        copied_min_length=int(copied["min_length"]), copied_similarity=float(copied["similarity"]),
        copied_min_paragraphs=int(copied["min_paragraphs"]), boilerplate=_any(copied["boilerplate"]),
    )
