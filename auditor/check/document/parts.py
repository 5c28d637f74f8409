"""The parts of the national format found by their headings, in every format.

A heading is a part's title after a Chinese numbering (``一、``, ``三.``) — anywhere in a line, since
some pages flatten the whole report into one line — or a short line that begins with the title (a
Markdown heading without numbering). A numbered title directly after another of the same part is a
sub-heading (``五、存在的主要问题… 一、存在问题``), not a second heading; a run of headings at the start
with no text between them that all come again is a table of contents and is left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .knowledge import Knowledge, Part
from .text import DocumentText

NUMERALS = "一二三四五六七八九十"
_NUMBERED = re.compile(rf"(?<![\u4e00-\u9fff])([{NUMERALS}]{{1,3}})\s*[、.]\s*")
_LINE_HEADING = re.compile(r"^[#\s]*")
_CLAUSE_END = re.compile(r"[。；;\n]")
_NOT_CONTENT = re.compile(r"[^\w\u4e00-\u9fff]+")
MAX_LINE_HEADING = 24  # an unnumbered heading is a short line
MAX_HEADING_LINE = 40  # a numbered heading taking its whole line: the content starts on the next one


def numeral_value(text: str) -> Optional[int]:
    """一 → 1 … 十 → 10, 十一 → 11, 二十 → 20; None for anything else."""
    if not text or any(c not in NUMERALS for c in text):
        return None
    if text == "十":
        return 10
    if "十" in text:
        tens, _, units = text.partition("十")
        return (NUMERALS.index(tens) + 1 if tens else 1) * 10 + (NUMERALS.index(units) + 1 if units else 0)
    return NUMERALS.index(text) + 1 if len(text) == 1 else None


@dataclass
class PartHeading:
    part: Part
    numeral: Optional[int]  # as printed; None for an unnumbered heading
    printed: str  # the numbering as printed ("一")
    start: int  # offset in DocumentText.text
    content_start: int  # where the part's content begins
    heading: str  # the heading as folded


def _which_part(text: str, position: int, knowledge: Knowledge) -> Optional[tuple[Part, int]]:
    """The part whose title begins closest to ``position`` (within the reach, in one clause), with the
    title's end."""
    best: Optional[tuple[int, Part, int]] = None
    window = text[position:position + knowledge.heading_reach + 30]
    for part in knowledge.parts:
        match = part.heading.search(window)
        if match is None or match.start() > knowledge.heading_reach or _CLAUSE_END.search(window, 0, match.start()):
            continue
        if best is None or match.start() < best[0]:
            best = (match.start(), part, position + match.end())
    return (best[1], best[2]) if best else None


def _candidates(document: DocumentText, knowledge: Knowledge) -> list[PartHeading]:
    found: list[PartHeading] = []
    text = document.text
    for match in _NUMBERED.finditer(text):
        hit = _which_part(text, match.end(), knowledge)
        if hit is None:
            continue
        part, end = hit
        line = document.line_at(match.start())
        content = end
        if line is not None and line.start == match.start() and len(line.text) <= MAX_HEADING_LINE:
            content = line.start + len(line.text)  # the heading is its whole line
        found.append(PartHeading(part, numeral_value(match.group(1)), match.group(1), match.start(), content,
                                 text[match.start():end]))
    numbered = {heading.start for heading in found}
    for line in document.lines:
        if len(line.text) > MAX_LINE_HEADING or "。" in line.text or line.start in numbered:
            continue
        lead = _LINE_HEADING.match(line.text).end()
        if _NUMBERED.match(line.text, lead):
            continue
        for part in knowledge.parts:
            if part.heading.match(line.text, lead):
                found.append(PartHeading(part, None, "", line.start, line.start + len(line.text), line.text))
                break
    return sorted(found, key=lambda heading: heading.start)


def content_size(text: str) -> int:
    """Letters, digits and Chinese characters: what counts as content."""
    return len(_NOT_CONTENT.sub("", text))


def _without_contents_table(headings: list[PartHeading], text: str) -> list[PartHeading]:
    """Drop a table of contents: at least three headings in a row with nothing between them, each of
    whose parts has a heading again later."""
    run = 0
    while run + 1 < len(headings) and content_size(text[headings[run].content_start:headings[run + 1].start]) == 0 \
            and headings[run + 1].part.number not in {h.part.number for h in headings[:run + 1]}:
        run += 1  # a table of contents names each part once
    if run + 1 >= 3:
        later = {h.part.number for h in headings[run + 1:]}
        if all(h.part.number in later for h in headings[:run + 1]):
            return headings[run + 1:]
    return headings


def find_parts(document: DocumentText, knowledge: Knowledge) -> list[PartHeading]:
    """The headings of the parts, in the order they stand (sub-headings and a table of contents left out)."""
    headings: list[PartHeading] = []
    for heading in _candidates(document, knowledge):
        if headings and headings[-1].part.number == heading.part.number:
            continue  # a sub-heading repeating the part's words
        headings.append(heading)
    return _without_contents_table(headings, document.text)


def part_content(headings: list[PartHeading], index: int, text: str) -> str:
    """The text of a part: from its heading to the next part's heading (or the end)."""
    end = headings[index + 1].start if index + 1 < len(headings) else len(text)
    return text[headings[index].content_start:end]
