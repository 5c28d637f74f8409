"""Fee statements: an amount of 信息处理费 stated while another sentence says none was charged, while
part 六 says "无", or a statement that no fee notice was sent while table 3 counts requests left
because a fee notice was not paid (2021 template)."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional

from ...model.findings import Finding
from .context import Context
from .parts import part_content
from .structure import recognised
from ..narrative.claims import fold, paragraphs

FEE_CONFLICT = "DOC-FEE-CONFLICT"
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
OTHER_MATTERS = 6  # the part where fees are reported (〔2021〕30号)


def fee_sentences(ctx: Context) -> list[tuple[str, object]]:
    """(folded sentence, source) of the narrative's sentences naming a fee."""
    found = []
    for paragraph in paragraphs(ctx.document, ctx.report):
        for sentence in _SENTENCE_END.split(paragraph.text):
            folded = fold(sentence)
            if folded and ctx.knowledge.fee_subject.search(folded):
                found.append((folded, paragraph.marks[0][1] if paragraph.marks else None))
    return found


def _amount(ctx: Context, sentence: str) -> Optional[Decimal]:
    """The amount charged that a sentence states (above zero), None when it states none."""
    if ctx.knowledge.fee_none.search(sentence) or "收取" not in sentence:
        return None
    for match in ctx.knowledge.fee_amount.finditer(sentence):
        value = Decimal(match.group(1))
        if value > 0:
            return value
    return None


def fees_apply(ctx: Context) -> bool:
    return bool(fee_sentences(ctx))


def check_fees(ctx: Context) -> list[Finding]:
    knowledge = ctx.knowledge
    sentences = fee_sentences(ctx)
    charged = [(s, src, _amount(ctx, s)) for s, src in sentences]
    charged = [(s, src, a) for s, src, a in charged if a is not None]
    nones = [(s, src) for s, src in sentences if knowledge.fee_none.search(s)]
    findings: list[Finding] = []
    if charged and nones:
        (said, source, amount), (other, _) = charged[0], nones[0]
        findings.append(ctx.finding(
            FEE_CONFLICT, f"正文称收取信息处理费{amount}元（“{said}”），又称“{other}”",
            f"the text states {amount} yuan of fees charged and also that none was: “{other}”",
            source=source, sentence=said))
    if charged and recognised(ctx):
        headings = ctx.parts
        for index, heading in enumerate(headings):
            if heading.part.number != OTHER_MATTERS:
                continue
            content = part_content(headings, index, ctx.text.text).strip().split("\n")[0].strip()
            if knowledge.part_six_none.search(content):
                said, source, amount = charged[0]
                findings.append(ctx.finding(
                    FEE_CONFLICT, f"正文称收取信息处理费{amount}元，第六部分“其他需要报告的事项”却为“{content}”",
                    f"the text states {amount} yuan of fees charged while part 6 says “{content}”",
                    source=ctx.text.source_at(heading.start), sentence=said))
    table, row, column = knowledge.fee_notice_cell
    cell = ctx.report.table(table).cell(row, column)
    notices = [(s, src) for s, src in nones if knowledge.fee_notice_words.search(s)]
    if notices and cell.has_value and cell.value > 0:
        said, source = notices[0]
        findings.append(ctx.finding(
            FEE_CONFLICT, f"正文称“{said}”，表三“申请人逾期未按收费通知要求缴纳费用”为 {cell.raw}",
            f"the text says “{said}” while table 3 counts {cell.raw} requests whose fee notice was not paid",
            source=source, sentence=said))
    return findings
