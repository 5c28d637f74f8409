"""Synthetic reports: consistent tables drawn at random and rendered as the formats we read.

Used by the property tests and the benchmark; the layout follows the national templates, the
labels come from rules/templates, so a synthetic report is read by the same code as a real one.
"""
from __future__ import annotations

import html
import random
from typing import Optional

from .templates import template_view

Table = dict[str, dict[str, int]]


def random_table3(rng: random.Random, template: str = "2021", scale: int = 20, sparsity: float = 0.6) -> Table:
    """A table 3 whose every relation holds (S1, I1, I2, non-negative integers)."""
    view = template_view("table3", template)
    applicants = view.column_groups["applicants"]
    outcomes = view.row_groups["outcomes"]

    def draw() -> int:
        return 0 if rng.random() < sparsity else rng.randint(1, scale)

    table: Table = {row: {} for row in view.row_ids}
    for column in applicants:
        for row in outcomes:
            table[row][column] = draw()
        handled = sum(table[row][column] for row in outcomes)
        table["total"][column] = handled
        table["carried_forward"][column] = draw() // 3
        available = handled + table["carried_forward"][column]
        table["carried_over"][column] = rng.randint(0, available) if available and rng.random() < 0.3 else 0
        table["new"][column] = available - table["carried_over"][column]
    for row in view.row_ids:
        table[row]["total"] = sum(table[row][c] for c in applicants)
    return table


def random_table4(rng: random.Random, scale: int = 10) -> Table:
    view = template_view("table4", "2021")
    table: Table = {}
    for row in view.row_ids:
        parts = {c: (rng.randint(0, scale) if rng.random() < 0.5 else 0) for c in view.column_groups["parts"]}
        table[row] = {**parts, "total": sum(parts.values())}
    return table


def row_label(view, row_id: str) -> str:
    return view.row(row_id).zh.split(" ")[-1]


def render_text(table3: Table, table4: Table, template: str = "2021", year: int = 2022,
                agency: str = "示例县人民政府", blanks: Optional[set[tuple[str, str]]] = None) -> str:
    """One cell per line with blank lines between, as text copied from a web page."""
    view3, view4 = template_view("table3", template), template_view("table4", template)
    blanks = blanks or set()
    lines = [f"{agency}{year}年政府信息公开工作年度报告",
             f"本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。",
             "三、收到和处理政府信息公开申请情况",
             "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
             "申请人情况", "自然人", "法人或其他组织", "总计"]
    lines += [c.zh for c in view3.columns[1:-1]]
    for row_id in view3.row_ids:
        lines.append(row_label(view3, row_id))
        lines += ["" if (row_id, column) in blanks else str(table3[row_id][column]) for column in view3.column_ids]
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    lines += ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
              "未经复议直接起诉", "复议后起诉"]
    lines += [str(table4[row_id][column]) for row_id in view4.row_ids for column in view4.column_ids]
    lines += ["五、存在的主要问题及改进情况", "无。"]
    return "\n\n".join(lines) + "\n"


def render_html(table3: Table, table4: Table, template: str = "2021", year: int = 2022,
                agency: str = "示例县人民政府", blanks: Optional[set[tuple[str, str]]] = None) -> str:
    """An HTML page with site chrome and the tables as <table>, blanks as &nbsp;."""
    view3, view4 = template_view("table3", template), template_view("table4", template)
    blanks = blanks or set()

    def td(value: str, **attrs) -> str:
        extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
        return f"<td{extra}><p>{value}</p></td>"

    rows3 = []
    for row_id in view3.row_ids:
        cells = "".join(td("&nbsp;" if (row_id, c) in blanks else str(table3[row_id][c])) for c in view3.column_ids)
        rows3.append(f"<tr>{td(html.escape(row_label(view3, row_id)), colspan=2)}{cells}</tr>")
    head3 = ("<tr><td colspan=\"2\" rowspan=\"3\">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
             "<td colspan=\"7\">申请人情况</td></tr><tr><td rowspan=\"2\">自然人</td><td colspan=\"5\">法人或其他组织</td>"
             "<td rowspan=\"2\">总计</td></tr><tr>" + "".join(td(c.zh) for c in view3.columns[1:-1]) + "</tr>")
    values4 = "".join(td(str(table4[r][c])) for r in view4.row_ids for c in view4.column_ids)
    head4 = ("<tr><td colspan=\"5\">行政复议</td><td colspan=\"10\">行政诉讼</td></tr>"
             "<tr>" + "".join(td(x) for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")) +
             "<td colspan=\"5\">未经复议直接起诉</td><td colspan=\"5\">复议后起诉</td></tr>")
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + f"{agency}{year}年政府信息公开工作年度报告"
        + "</title></head><body><div class=\"nav\"><a href=\"/\">首页</a> | <a href=\"/zwgk\">政务公开</a></div>"
        + f"<h1>{agency}{year}年政府信息公开工作年度报告</h1>"
        + f"<p>本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。</p>"
        + "<p>三、收到和处理政府信息公开申请情况</p><table border=\"1\"><tbody>" + head3 + "".join(rows3)
        + "</tbody></table><p>四、政府信息公开行政复议、行政诉讼情况</p><table border=\"1\"><tbody>" + head4
        + "<tr>" + values4 + "</tr></tbody></table><p>五、存在的主要问题及改进情况</p><p>无。</p>"
        + "<div class=\"footer\">主办单位：示例县人民政府办公室</div></body></html>"
    )


def render_rows(table3: Table, table4: Table, template: str = "2021", year: int = 2022,
                agency: str = "示例县人民政府", separator: str = " ", table4_by_row: bool = False) -> str:
    """A row per line: label then the seven numbers, separated by spaces, tabs or pipes."""
    view3, view4 = template_view("table3", template), template_view("table4", template)
    join = (lambda cells: "| " + " | ".join(cells) + " |") if separator == "|" else separator.join
    lines = [f"{agency}{year}年度政府信息公开工作年度报告",
             f"本报告中所列数据统计期限为{year}年1月1日至{year}年12月31日。",
             "三、收到和处理政府信息公开申请情况",
             join(["申请人情况", "自然人"] + [c.zh for c in view3.columns[1:-1]] + ["总计"])]
    for row_id in view3.row_ids:
        lines.append(join([view3.row(row_id).zh.split(" ")[-1]] + [str(table3[row_id][c]) for c in view3.column_ids]))
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    if table4_by_row:
        lines.append(join(["", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]))
        for row_id in view4.row_ids:
            lines.append(join([view4.row(row_id).zh.split(" ")[-1]] + [str(table4[row_id][c]) for c in view4.column_ids]))
    else:
        lines.append(join([str(table4[r][c]) for r in view4.row_ids for c in view4.column_ids]))
    lines.append("五、存在的主要问题及改进情况")
    return "\n".join(lines) + "\n"


def render_docx(table3: Table, table4: Table, template: str = "2021", year: int = 2022,
                agency: str = "示例县人民政府") -> bytes:
    """A Word document: title and headings as paragraphs, tables 3 and 4 as Word tables, a row per
    template row (label, then the values)."""
    import io

    import docx

    view3, view4 = template_view("table3", template), template_view("table4", template)
    document = docx.Document()
    document.add_paragraph(f"{agency}{year}年政府信息公开工作年度报告")
    document.add_paragraph(f"本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。")
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    header = ["申请人情况", "自然人"] + [c.zh for c in view3.columns[1:-1]] + ["总计"]
    def text(value) -> str:  # gold tables hold None for a blank cell
        return "" if value is None else str(value)

    rows = [header] + [[row_label(view3, r)] + [text(table3[r][c]) for c in view3.column_ids] for r in view3.row_ids]
    word_table = document.add_table(rows=len(rows), cols=len(header))
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):  # not `text`: that would shadow the helper used for table 4
            word_table.cell(r, c).text = value
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    word_table = document.add_table(rows=3, cols=15)
    word_table.cell(0, 0).merge(word_table.cell(0, 4)).text = "行政复议"
    word_table.cell(0, 5).merge(word_table.cell(0, 14)).text = "行政诉讼"
    values = [text(table4[r][c]) for r in view4.row_ids for c in view4.column_ids]
    for column in range(15):
        word_table.cell(1, column).text = heads[column % 5]
        word_table.cell(2, column).text = values[column]
    document.add_paragraph("五、存在的主要问题及改进情况")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_from_rows(rows: list[list], merges: list[str], sheet: str = "表三") -> bytes:
    """A one-sheet workbook written by hand (the format is small): inline strings, numbers, merges."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    from .load.sheet import column_letters

    def cell(r, c, value):
        ref = f"{column_letters(c)}{r + 1}"
        if value is None or value == "":
            return ""
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    body = "".join(f'<row r="{r + 1}">' + "".join(cell(r, c, v) for c, v in enumerate(row)) + "</row>"
                   for r, row in enumerate(rows))
    merged = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
              + "</mergeCells>") if merges else ""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}"><sheets>'
        f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>{body}</sheetData>{merged}</worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def gold_tables(gold: dict) -> tuple[Table, Table]:
    """Tables of a gold file (tests/data/gold/*.json) as {row: {column: value}} (None = blank)."""
    tables = []
    for table_id in ("table3", "table4"):
        columns = gold[table_id]["columns"]
        tables.append({row: dict(zip(columns, values)) for row, values in gold[table_id]["rows"].items()})
    return tables[0], tables[1]


def random_series(rng: random.Random, years: list[int]) -> list[tuple[int, str, Table, Table]]:
    """(year, template, table3, table4) for consecutive years of one agency, consistent within each
    year and across years: carried_over(t) = carried_forward(t - 1)."""
    out = []
    previous_forward = None
    for year in years:
        template = "2019" if year <= 2020 else "2021"
        table3 = random_table3(rng, template)
        applicants = template_view("table3", template).column_groups["applicants"]
        if previous_forward is not None:
            for column in applicants:
                table3["carried_over"][column] = previous_forward[column]
                new = table3["total"][column] + table3["carried_forward"][column] - previous_forward[column]
                if new < 0:  # keep counts non-negative: carry the difference forward instead
                    table3["carried_forward"][column] -= new
                    new = 0
                table3["new"][column] = new
            for row in ("new", "carried_over", "carried_forward"):
                table3[row]["total"] = sum(table3[row][c] for c in applicants)
        previous_forward = dict(table3["carried_forward"])
        out.append((year, template, table3, random_table4(rng)))
    return out
