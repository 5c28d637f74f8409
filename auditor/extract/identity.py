"""Reads who published a report and for which year: from its title, metadata and statistics period."""
from __future__ import annotations

import re
from collections import Counter
from itertools import islice
from dataclasses import dataclass
from typing import Optional

from ..model.report import Document
from ..model.text import to_simplified

_TITLE = re.compile(r"信息公开(?:工作)?(?:年度)?报告|政务公开(?:工作)?年度报告|信息公开年报")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
_PERIOD = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_TITLE_PREFIX = re.compile(r"^[\s•·●*#>-]*(?:标题|名称|题目)?[:：]?\s*")
_AGENCY_BEFORE = re.compile(r"^(?P<agency>[^\s:：，,。（(]{2,40}?)\s*(?:(?:19|20)\d{2})\s*年(?:度)?")
_AGENCY_AFTER = re.compile(r"(?:19|20)\d{2}\s*年(?:度)?\s*(?P<agency>[^\s，,。]{2,40}?)(?:政府信息公开|政务公开|信息公开)")
_AGENCY_ONLY = re.compile(r"^(?P<agency>[^\s:：，,。（(\d]{2,40}?)(?:政府信息公开|政务公开)")
_META_AGENCY = re.compile(r"(?:发文机关|发布机构|发布单位|编制单位)[:：\s]\s*(?P<agency>[\u4e00-\u9fff（）()]{2,40})")
_NOT_AGENCIES = {"政府", "本机关", "本单位", "我局", "我委"}
_YEAR_FIRST = re.compile(r"^\s*(?:19|20)\d{2}\s*年")
_AGENCY_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}$")
TITLE_SEARCH_ROWS = 60
# Spaces between two Chinese characters of a title ("洪泽区 人民政府", letter-spaced PDF headings) are layout
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000\xa0]+(?=[\u4e00-\u9fff])")


@dataclass
class Identity:
    agency: Optional[str] = None
    year: Optional[int] = None
    year_source: str = "none"  # title | period | text | none


def _title_lines(document: Document, keys: list[str]) -> list[str]:
    lines = [to_simplified(v) for k, v in document.metadata.items() if "title" in k.lower()]
    head = [_CJK_GAP.sub("", _TITLE_PREFIX.sub("", to_simplified(text), count=1).strip())
            for text, _ in islice(document.text_lines(), TITLE_SEARCH_ROWS)]
    for index, line in enumerate(head):
        if _TITLE.search(line) and len(line) <= 80:
            previous = head[index - 1] if index else ""
            if _YEAR_FIRST.match(line) and _AGENCY_LINE.match(previous):
                lines.append(previous + line)  # the agency printed on the line above the title
            lines.append(line)
        elif index + 1 < len(head) and not _TITLE.search(head[index + 1]) and _TITLE.search(line + head[index + 1]) and len(line + head[index + 1]) <= 80:
            lines.append(line + head[index + 1])  # a title wrapped over two lines
    return lines


def _clean_agency(name: str) -> str:
    name = re.sub(r"^(?:关于)?", "", name).strip(" ：:")
    return name.rstrip("的")


def _head(document: Document, count: int) -> list[str]:
    return [to_simplified(t) for t, _ in islice(document.text_lines(), count)]


def read_identity(document: Document, keys: list[str]) -> Identity:
    identity = Identity()
    titles = _title_lines(document, keys)
    for title in titles:
        match = _YEAR_IN_TITLE.search(title)
        if match:
            identity.year, identity.year_source = int(match.group(1)), "title"
            break
    head = None  # the first lines, simplified: only when the title settles neither the year nor the agency
    if identity.year is None:
        head = _head(document, 200)
        for line in head:
            match = _PERIOD.search(line)
            if match:
                identity.year, identity.year_source = int(match.group(1)), "period"
                break
    if identity.year is None:
        counts = Counter(int(y) for line in head for y in re.findall(r"((?:19|20)\d{2})\s*年", line))
        if counts:
            identity.year, identity.year_source = counts.most_common(1)[0][0], "text"
    for title in titles:
        for pattern in (_AGENCY_BEFORE, _AGENCY_AFTER, _AGENCY_ONLY):
            match = pattern.search(title)
            if match and not re.search(r"\d", match.group("agency")) and match.group("agency") not in _NOT_AGENCIES:
                identity.agency = _clean_agency(match.group("agency"))
                break
        if identity.agency:
            return identity
    for line in head[:40] if head is not None else _head(document, 40):
        match = _META_AGENCY.search(line)
        if match:
            identity.agency = match.group("agency")
            break
    return identity
