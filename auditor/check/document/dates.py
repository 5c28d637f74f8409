"""Year and dates: the year of the title against the statistics period, the parts' headings and the
tables' titles; the statistics period against the calendar year; the publication (or 成文) date against
the statutory deadline of the agency's kind (条例 第四十九条, rules/document/document.yaml)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from ...model.findings import Finding
from ...model.report import Source
from .context import Context
from .structure import recognised

YEAR_MISMATCH = "DOC-YEAR-MISMATCH"
PERIOD = "DOC-PERIOD"
LATE = "DOC-LATE"

_DATE = r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
_DATE_RE = re.compile(_DATE)
_PERIOD_RANGE = re.compile(rf"{_DATE}[^0-9]{{0,6}}?(?:至|到|－|-|—|~|～)\s*(?:((?:19|20)\d{{2}})\s*年)?\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DATE_ONLY = re.compile(rf"^\s*{_DATE}\s*$")


def _date(year: str, month: str, day: str) -> Optional[dt.date]:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def years_apply(ctx: Context) -> bool:
    """A year to compare with, and a stated period, a recognised part heading or a table title."""
    return ctx.report.year is not None and (
        ctx.knowledge.period_words.search(ctx.text.text) is not None or recognised(ctx)
        or any(t.found and t.title for t in ctx.report.tables.values()))


def deadline_applies(ctx: Context) -> bool:
    return ctx.report.year is not None and publication_date(ctx)[0] is not None


def check_years(ctx: Context) -> list[Finding]:
    report, text = ctx.report, ctx.text
    if report.year is None:
        return []
    findings: list[Finding] = []
    for match in ctx.knowledge.period_words.finditer(text.text):
        window = text.text[match.end():match.end() + 60]
        period = _PERIOD_RANGE.search(window)
        if period is None:
            continue
        start = _date(*period.group(1, 2, 3))
        end = _date(period.group(4) or period.group(1), period.group(5), period.group(6))
        if start is None or end is None:
            continue
        source, printed = text.source_at(match.start()), text.excerpt(match.start(), match.end() + period.end())
        if start.year != report.year or end.year != report.year:
            findings.append(ctx.finding(
                YEAR_MISMATCH, f"标题为{report.year}年度，统计期限为{start.isoformat()}至{end.isoformat()}",
                f"the title says {report.year}, the statistics period runs {start.isoformat()} to {end.isoformat()}",
                source=source, sentence=printed))
        elif (start.month, start.day, end.month, end.day) != (1, 1, 12, 31):
            findings.append(ctx.finding(
                PERIOD, f"统计期限为{start.isoformat()}至{end.isoformat()}，不是{report.year}年1月1日至12月31日",
                f"the statistics period runs {start.isoformat()} to {end.isoformat()}, not the calendar year {report.year}",
                source=source, sentence=printed))
        break  # the first stated period is the report's
    if recognised(ctx):
        for heading in ctx.parts:
            years = {int(y) for y in _YEAR.findall(heading.heading)}
            if years and report.year not in years:
                findings.append(ctx.finding(
                    YEAR_MISMATCH, f"标题为{report.year}年度，部分标题“{heading.heading}”写的是{min(years)}年",
                    f"the title says {report.year}, the part heading says {min(years)}",
                    source=text.source_at(heading.start), sentence=heading.heading))
    for table in report.tables.values():
        years = {int(y) for y in _YEAR.findall(table.title or "")}
        if table.found and years and report.year not in years:
            findings.append(ctx.finding(
                YEAR_MISMATCH, f"标题为{report.year}年度，表格标题“{table.title}”写的是{min(years)}年",
                f"the title says {report.year}, the table's title says {min(years)}", source=table.source,
                sentence=table.title))
    return findings


def publication_date(ctx: Context) -> tuple[Optional[dt.date], str, str, Optional[Source]]:
    """(date, where zh, where en, source): --published / the manifest, else a labelled date in the
    document, else a date on a line of its own among the last lines (the signature's)."""
    if ctx.published is not None:
        return ctx.published, "所给的发布日期", "the publication date given", None
    text = ctx.text
    for match in ctx.knowledge.date_labels.finditer(text.text):
        found = _DATE_RE.search(text.text, match.end(), match.end() + 16)
        if found and found.start() - match.end() <= 4:
            date = _date(*found.group(1, 2, 3))
            if date:
                return date, f"文中“{match.group(0)}”", f"the document's {match.group(0)}", text.source_at(match.start())
    for line in reversed(text.lines[-ctx.knowledge.signature_lines:]):
        found = _DATE_ONLY.match(line.text)
        if found:
            date = _date(*found.group(1, 2, 3))
            if date:
                return date, "文末成文日期", "the date under the signature", line.source
    return None, "", "", None


def check_deadline(ctx: Context) -> list[Finding]:
    report = ctx.report
    if report.year is None:
        return []
    date, where_zh, where_en, source = publication_date(ctx)
    if date is None:
        return []
    deadline_kind = ctx.knowledge.deadline(report.agency, report.year)
    month, day = (deadline_kind.month, deadline_kind.day) if deadline_kind else ctx.knowledge.lenient
    deadline = dt.date(report.year + 1, month, day)
    if date <= deadline:
        return []
    kind_zh = deadline_kind.zh if deadline_kind else "机关类别不明，按较晚的期限"
    kind_en = deadline_kind.en if deadline_kind else "an agency of unknown kind, held to the later deadline"
    return [ctx.finding(
        LATE, f"{where_zh}为{date.isoformat()}，晚于{report.year}年度报告的法定期限{deadline.year}年{month}月{day}日"
              f"（{kind_zh}，《政府信息公开条例》第四十九条）",
        f"{where_en} is {date.isoformat()}, after the statutory deadline {deadline.isoformat()} for the {report.year} "
        f"report ({kind_en}; Regulations on Open Government Information, art. 49)", source=source)]
