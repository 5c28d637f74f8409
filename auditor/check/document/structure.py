"""The six parts of the national format: missing, duplicated, out of order, misnumbered or empty parts,
and the contents a government's report must cover (〔2021〕30号).

Nothing is said about a report in which fewer than ``min_parts_found`` parts are recognised: its
headings were not read (an image, a layout we do not know), and a missing-part finding would accuse
the agency of our failure. A part whose heading is not found but whose words are (a heading lost in
conversion) is not reported missing.
"""
from __future__ import annotations

import re

from ...model.findings import Finding
from ...templates import PRE_TEMPLATE
from .context import Context
from .parts import NUMERALS, content_size, part_content

PART_MISSING = "DOC-PART-MISSING"
PART_ORDER = "DOC-PART-ORDER"
PART_NUMBER = "DOC-PART-NUMBER"
PART_DUPLICATE = "DOC-PART-DUPLICATE"
PART_EMPTY = "DOC-PART-EMPTY"
GOV_CONTENT = "DOC-GOV-CONTENT"

_DATE_LINE = re.compile(r"^\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")


def _numeral(number: int) -> str:
    return NUMERALS[number - 1] if 1 <= number <= 10 else str(number)


def _name(part, lang: str) -> str:
    return f"第{_numeral(part.number)}部分“{part.zh}”" if lang == "zh" else f"part {part.number} ({part.en})"


def recognised(ctx: Context) -> bool:
    """A report of the six-part format (2019 on) with enough parts recognised to speak about its
    structure at all."""
    report = ctx.report
    if report.template.overall == PRE_TEMPLATE or (report.year is not None and report.year < ctx.knowledge.parts_from_year):
        return False
    return len({h.part.number for h in ctx.parts}) >= ctx.knowledge.min_parts_found


def check_parts(ctx: Context) -> list[Finding]:
    if not recognised(ctx):
        return []
    headings, text = ctx.parts, ctx.text
    findings: list[Finding] = []
    found = {h.part.number for h in headings}
    for part in ctx.knowledge.parts:
        if part.number not in found and not part.evidence.search(text.text):
            findings.append(ctx.finding(
                PART_MISSING, f"未找到{_name(part, 'zh')}的标题或内容", f"neither the heading nor the content of "
                f"{_name(part, 'en')} was found"))
    for part in ctx.knowledge.parts:
        mine = [h for h in headings if h.part.number == part.number]
        if len(mine) > 1:
            where = text.source_at(mine[1].start)
            findings.append(ctx.finding(
                PART_DUPLICATE, f"{_name(part, 'zh')}的标题出现 {len(mine)} 次（“{mine[0].heading}”、“{mine[1].heading}”）",
                f"the heading of {_name(part, 'en')} appears {len(mine)} times", source=where, sentence=mine[1].heading))
    first = []
    for heading in headings:
        if heading.part.number not in {h.part.number for h in first}:
            first.append(heading)
    numbers = [h.part.number for h in first]
    if numbers != sorted(numbers):
        misplaced = next(h for i, h in enumerate(first) if i and h.part.number < first[i - 1].part.number)
        order_zh = "、".join(_numeral(n) for n in numbers)
        findings.append(ctx.finding(
            PART_ORDER, f"各部分标题的先后为 {order_zh}；{_name(misplaced.part, 'zh')}位置靠后",
            f"the parts stand in the order {', '.join(map(str, numbers))}; {_name(misplaced.part, 'en')} comes late",
            source=text.source_at(misplaced.start), sentence=misplaced.heading))
    wrong = [h for h in first if h.numeral is not None and h.numeral != h.part.number]
    if wrong:
        zh = "；".join(f"{_name(h.part, 'zh')}编为“{h.printed}”，国家格式为“{_numeral(h.part.number)}”" for h in wrong)
        en = "; ".join(f"{_name(h.part, 'en')} is numbered {h.numeral}" for h in wrong)
        findings.append(ctx.finding(PART_NUMBER, zh, en, source=text.source_at(wrong[0].start),
                                    sentence=wrong[0].heading))
    for index, heading in enumerate(headings):
        content = part_content(headings, index, text.text)
        if index + 1 == len(headings):
            content = _without_signature(content, ctx.report.agency)
        table = heading.part.table
        if table and not ctx.report.table(table).found:
            continue  # the part's table was not read (an image): TABLE-ABSENT says so, not "empty"
        if content_size(content) == 0:
            findings.append(ctx.finding(
                PART_EMPTY, f"{_name(heading.part, 'zh')}只有标题“{heading.heading}”，没有内容（无事项时应写明“无”）",
                f"{_name(heading.part, 'en')} has its heading and nothing else (a part with nothing to report says so)",
                source=text.source_at(heading.start), sentence=heading.heading))
    return findings


def _without_signature(content: str, agency) -> str:
    """The last part's text without the signature lines after it (the agency's name, the date)."""
    lines = content.split("\n")
    while lines and (not lines[-1].strip() or _DATE_LINE.match(lines[-1])
                     or (agency and lines[-1].strip() and lines[-1].strip() in agency)):
        lines.pop()
    return "\n".join(lines)


def government_applies(ctx: Context) -> bool:
    knowledge, report = ctx.knowledge, ctx.report
    return knowledge.is_government(report.agency) and report.year is not None \
        and report.year >= knowledge.government_from_year and recognised(ctx)


def check_government_contents(ctx: Context) -> list[Finding]:
    knowledge, report = ctx.knowledge, ctx.report
    if not government_applies(ctx):
        return []
    return [ctx.finding(GOV_CONTENT, f"{report.agency}的报告全文未见“{content.zh}”的表述",
                        f"the report of {report.agency} never mentions {content.en}")
            for content in knowledge.government_contents if not content.words.search(ctx.text.text)]
