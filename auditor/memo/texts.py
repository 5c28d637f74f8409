"""Every word of the memo, per language, in one place; a user's ``texts.yaml`` (``--template-dir``)
replaces any of them for Markdown and DOCX alike (docs/MEMO.md lists the keys).

Also the date as a 公文 writes it: 成文日期 in Chinese numerals (二〇二六年十二月六日).
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Optional

TEXTS_FILE = "texts.yaml"

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        # the letter
        "title_one": "关于《{agency}{year}政府信息公开工作年度报告》有关问题的整改建议函",
        "title_many": "关于{agency}{year}政府信息公开工作年度报告有关问题的整改建议函",
        "year": "{year}年",
        "agency_unknown": "（报送单位）",
        "office_placeholder": "（发文机关）",
        "number_placeholder": "（发文字号）",
        "report": "《{agency}{year}政府信息公开工作年度报告》",
        "report_own": "《{year}政府信息公开工作年度报告》",
        "summary": "经对贵单位{reports}表二至表四的数据和正文的相关表述逐项核对，发现{counts}。{unchecked}现函告如下：",
        "summary_none": "经对贵单位{reports}表二至表四的数据和正文的相关表述逐项核对，未发现需要整改或核实的问题。{unchecked}",
        "count_correct": "需整改的问题{n}项",
        "count_verify": "建议核实的事项{n}项",
        "count_hint": "格式方面的提示{n}项",
        "count_last": "、",
        "unchecked": "{tables}未能读出数据，未作核对。",
        "closing": "根据《中华人民共和国政府信息公开条例》第四十七条，请贵单位{asks}。{answer}",
        "closing_correct": "对需整改的问题逐项更正并重新发布年度报告",
        "closing_verify": "对建议核实的事项逐项核实，数据无误的请说明理由",
        "closing_hint": "参照提示规范表格填写",
        "closing_and": "；",
        "closing_answer": "整改和核实情况请书面反馈。",
        "closing_none": "特此函告。",
        "attachment_line": "附件：{title}",
        "attachment_label": "附件",
        "attachment_title": "问题清单",
        "section_correct": "需整改的问题",
        "section_verify": "建议核实的事项",
        "section_hint": "提示",
        "kind_correct": "需整改", "kind_verify": "建议核实", "kind_hint": "提示",
        "section_number": "{number}、",
        "numerals": "一二三四五六七八九十",
        "page_number": "— {page} —",
        "colon": "：",
        # the appendix table
        "col_number": "序号", "col_section": "类别", "col_report": "报告", "col_where": "位置",
        "col_printed": "报告所列", "col_proposed": "建议值", "col_codes": "规则代码",
        # one item
        "item_correct": "{where}：报告所列为{printed}，建议{proposal}。{relation}{reason}",
        "item_verify": "{where}：{problem}{check}",
        "item_hint": "{where}：{problem}{check}",
        "item_fill": "{where}，{problem}",
        "fill_where_one": "{cell}为空白",
        "fill_problem_one": "按勾稽关系应填写{value}（{title}）。",
        "report_prefix": "报告{n}",
        "blank": "空白", "missing": "未读到", "line": "第{}行", "page": "第{}页",
        "cell": "{table}“{row}”行“{column}”列",
        "cell_short": "“{row}”行“{column}”列",
        "group_sum": "{group}“{column}”列之和", "row_group_sum": "“{row}”行{group}之和",
        "integer": "{cell}为整数",
        "relation": "依据：{title}（按所列数据，左边为{left}，右边为{right}）。",
        "relation_title": "依据：{title}。",
        "suspect": "将{label}由{current}更正为{proposed}",
        "suspect_here": "更正为{proposed}",
        "and": "，并", "sep": "；", "list_sep": "、", "stop": "。",
        "reason_slip": "{reason}。",
        "alternative": "另一种可能的更正是{alternatives}，请以原始台账为准。",
        "item_narrative": "{problem}{check}",
        "alternatives_check": "可能的更正有：{alternatives}。请以原始台账为准核实后更正。",
        "option": "（{n}）{text}",
        "or": "；",
        "fill_where": "{table}以下{n}个单元格为空白",
        "fill_where_column": "{table}“{column}”列以下{n}个单元格为空白",
        "fill_problem": "按勾稽关系应分别填写：{cells}。",
        "fill_cell": "{cell} {value}",
        "fill_printed": "空白",
        "fill_proposal": "补填{n}个空白单元格",
        "zero_where": "{table}以下{n}个单元格为空白",
        "zero_problem": "按统一格式，无数据的单元格应填写 0 或“—”：{cells}。",
        "zero_row": "{row}（{columns}）",
        "joint_problem": "{cells}为空白，按所列数据{title}不成立（相差{diff}），无法确定各单元格应填的数值。",
        "joint_check": "请按原始台账补填。",
        "total_problem": "报告所列为{current}，按其余各项计算为{value}，相差{diff}（{title}）。",
        "total_check": "如各分项数据无误，应将其更正为{value}；否则请核对各分项数据。",
        "uncertain_problem": "读取原文时该处数字不够清晰（{message}）。",
        "uncertain_check": "请对照原件核对该处数字；确有错误的，{proposal}。",
        "uncertain_check_plain": "请对照原件核对有关数字。",
        "cells_problem": "{message}。",
        "cells_check": "请核对{cells}的数据。",
        "narrative_check": "请核对正文表述与表格数据是否一致。",
        "template_check": "请核实是否按现行统一格式编制。",
        "extraction_check": "建议以可复制的文字表格发布。",
        "problem_check": "请核实。",
        "whole": "全文",
        "table_whole": "{table}",
        "narrative_where": "正文",
    },
    "en": {
        "title_one": "Corrections to the {year} government information-disclosure annual report of {agency}",
        "title_many": "Corrections to the {year} government information-disclosure annual reports of {agency}",
        "year": "{year}",
        "agency_unknown": "(reporting agency)",
        "office_placeholder": "(issuing office)",
        "number_placeholder": "(document number)",
        "report": "the {year} annual report of {agency}",
        "report_own": "your {year} annual report",
        "summary": "We checked tables 2 to 4 and the statements of the text in {reports} and found {counts}. "
                   "{unchecked}The details follow.",
        "summary_none": "We checked tables 2 to 4 and the statements of the text in {reports} and found nothing to "
                        "correct or verify. {unchecked}",
        "count_correct": "{n} problem(s) to correct",
        "count_verify": "{n} point(s) to verify",
        "count_hint": "{n} note(s) on the format",
        "count_last": " and ",
        "unchecked": "{tables} could not be read and were not checked. ",
        "closing": "Under Article 47 of the Regulations on Open Government Information, please {asks}. {answer}",
        "closing_correct": "correct the problems listed and republish the report",
        "closing_verify": "check each point to verify and explain any figure that is right",
        "closing_hint": "follow the notes on the format",
        "closing_and": "; ",
        "closing_answer": "Please let us know in writing what was corrected and checked.",
        "closing_none": "For your information.",
        "attachment_line": "Attachment: {title}",
        "attachment_label": "Attachment",
        "attachment_title": "List of items",
        "section_correct": "Problems to correct",
        "section_verify": "Points to verify",
        "section_hint": "Notes",
        "kind_correct": "correct", "kind_verify": "verify", "kind_hint": "note",
        "section_number": "{number}. ",
        "numerals": "",
        "page_number": "— {page} —",
        "colon": ": ",
        "col_number": "No.", "col_section": "Kind", "col_report": "Report", "col_where": "Where",
        "col_printed": "Printed", "col_proposed": "Proposed", "col_codes": "Rule codes",
        "item_correct": "{where}: the report prints {printed}; please {proposal}. {relation}{reason}",
        "item_verify": "{where}: {problem}{check}",
        "item_hint": "{where}: {problem}{check}",
        "item_fill": "{where}; {problem}",
        "fill_where_one": "{cell} is blank",
        "fill_problem_one": "the relations require {value} ({title}). ",
        "report_prefix": "report {n}",
        "blank": "blank", "missing": "not found", "line": "line {}", "page": "p. {}",
        "cell": "{table} row “{row}”, column “{column}”",
        "cell_short": "row “{row}”, column “{column}”",
        "group_sum": "sum of {group} in column “{column}”", "row_group_sum": "sum of {group} in row “{row}”",
        "integer": "{cell} is a whole number",
        "relation": "Rule: {title} (as printed: left {left}, right {right}). ",
        "relation_title": "Rule: {title}. ",
        "suspect": "change {label} from {current} to {proposed}",
        "suspect_here": "change it to {proposed}",
        "and": ", and ", "sep": "; ", "list_sep": ", ", "stop": ". ",
        "reason_slip": "{reason}. ",
        "alternative": "Another possible correction: {alternatives}; please check the records.",
        "item_narrative": "{problem}{check}",
        "alternatives_check": "Possible corrections: {alternatives}. Please check the records and correct.",
        "option": "({n}) {text}",
        "or": "; ",
        "fill_where": "{table}: {n} blank cell(s)",
        "fill_where_column": "{table}, column “{column}”: {n} blank cell(s)",
        "fill_problem": "the relations require: {cells}. ",
        "fill_cell": "{cell} {value}",
        "fill_printed": "blank",
        "fill_proposal": "fill in {n} blank cell(s)",
        "zero_where": "{table}: {n} blank cell(s)",
        "zero_problem": "the national format fills a cell without data with 0 or “—”: {cells}. ",
        "zero_row": "{row} ({columns})",
        "joint_problem": "{cells} are blank; as printed, {title} does not hold (difference {diff}) and the "
                         "values of the cells cannot be determined. ",
        "joint_check": "Please fill them in from the records.",
        "total_problem": "the report prints {current}, the other cells compute {value}, difference {diff} ({title}). ",
        "total_check": "If the parts are right it should be {value}; otherwise please check the parts.",
        "uncertain_problem": "the figure was not clearly legible in the source ({message}). ",
        "uncertain_check": "Please check it against the original; if it is wrong, {proposal}.",
        "uncertain_check_plain": "Please check the figures against the original.",
        "cells_problem": "{message}. ",
        "cells_check": "Please check {cells}.",
        "narrative_check": "Please check whether the text agrees with the tables.",
        "template_check": "Please check that the current national format is used.",
        "extraction_check": "Please publish the tables as text that can be copied.",
        "problem_check": "Please check.",
        "whole": "whole report",
        "table_whole": "{table}",
        "narrative_where": "text",
    },
}

_DIGITS = "〇一二三四五六七八九"


class MemoTemplateError(Exception):
    """A memo template or texts file that cannot be read or used (the CLI reports it as a usage error)."""


def texts(lang: str, template_dir: Optional[Path] = None) -> dict[str, str]:
    """The words of ``lang``, with the overrides of ``template_dir/texts.yaml`` (``{zh: {key: text}, en: …}``)."""
    words = dict(TEXT.get(lang, TEXT["zh"]))
    if template_dir is None:
        return words
    path = Path(template_dir) / TEXTS_FILE
    if not path.is_file():
        return words
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise MemoTemplateError(f"{path}: {error}") from error
    section = data.get(lang) if isinstance(data, dict) else None
    if section is None:
        return words
    if not isinstance(section, dict) or not all(isinstance(v, str) for v in section.values()):
        raise MemoTemplateError(f"{path}: “{lang}” must map keys to texts")
    unknown = sorted(set(section) - set(words))
    if unknown:
        raise MemoTemplateError(f"{path}: unknown key(s) {', '.join(unknown)} (docs/MEMO.md lists the keys)")
    words.update(section)
    return words


def chinese_number(n: int) -> str:
    """1..99 as 一, 十, 十二, 二十三 (section numbers 一、二、三)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[ones] if ones else "")


def chinese_date(day: _dt.date) -> str:
    """成文日期 as GB/T 9704 writes it: 二〇二六年十二月六日."""
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{chinese_number(day.month)}月{chinese_number(day.day)}日"


def english_date(day: _dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"
