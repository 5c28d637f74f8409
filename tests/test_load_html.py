"""load_html: real saved reports, encodings, span soup, rowspan/colspan grids, broken and empty pages."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from lxml import etree

from auditor.model.errors import LoadError
from auditor.load.html import load_html

DATA = Path(__file__).parent / "data"


def load(name: str):
    return load_html((DATA / name).read_bytes(), name)


def html(markup: str, encoding: str = "utf-8"):
    return load_html(markup.encode(encoding), "page.html")


def texts(document) -> list[list[str]]:
    return [[piece.text for piece in row.pieces] for row in document.rows]


def row_starting(document, label: str):
    return next(row for row in document.rows if row.pieces[0].text == label)


# ------------------------------------------------------------------ real reports


def test_shanghai_table3_new_applications_row():
    document = load("shanghai-bgt-2019.html")
    assert (document.format, document.encoding) == ("html", "utf-8")
    row = row_starting(document, "一、本年新收政府信息公开申请数量")
    assert row.kind == "cells"
    assert [p.text for p in row.pieces] == ["一、本年新收政府信息公开申请数量", "821", "35", "", "", "2", "1", "859"]
    # The label spans three grid columns; the seven numbers sit in columns 3..9 of grid row 3.
    assert [p.origin for p in row.pieces] == [(3, 0)] + [(3, column) for column in range(3, 10)]
    # The saved page is a single line, so every element is on line 1.
    assert b"\n" not in (DATA / "shanghai-bgt-2019.html").read_bytes().rstrip()
    assert {p.source.line for p in row.pieces} == {1}
    assert row.pieces[0].source.path == "/html/body/table[2]/tbody/tr[4]/td[1][@colspan=3]"
    assert row.pieces[1].source.path == "/html/body/table[2]/tbody/tr[4]/td[2]"
    assert all(p.source.file == "shanghai-bgt-2019.html" for p in row.pieces)


def test_shanghai_header_tree_and_rowspan_column():
    document = load("shanghai-bgt-2019.html")
    header = row_starting(document, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    assert [(p.text, p.origin) for p in header.pieces] == [
        ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", (0, 0)), ("申请人情况", (0, 3))]
    assert header.pieces[0].source.path.endswith("td[1][@rowspan=3][@colspan=3]")
    second = row_starting(document, "自然人")
    assert [(p.text, p.origin) for p in second.pieces] == [("自然人", (1, 3)), ("法人或其他组织", (1, 4)), ("总计", (1, 9))]
    third = row_starting(document, "商业企业")
    assert [p.origin for p in third.pieces] == [(2, 4), (2, 5), (2, 6), (2, 7), (2, 8)]
    # 三、本年度办理结果 spans 20 rows: it appears once, the rows below start one column to the right.
    outcome = row_starting(document, "三、本年度办理结果")
    assert [(p.text, p.origin) for p in outcome.pieces[:3]] == [
        ("三、本年度办理结果", (5, 0)), ("（一）予以公开", (5, 1)), ("258", (5, 3))]
    partial = row_starting(document, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")
    assert [(p.text, p.origin) for p in partial.pieces[:2]] == [
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (6, 1)), ("3", (6, 3))]
    assert sum(p.text == "三、本年度办理结果" for row in document.rows for p in row.pieces) == 1
    # The 总计 column is left blank (&nbsp;) in the outcome rows: a real blank cell, not a missing one.
    assert [p.text for p in partial.pieces] == [
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "3", "", "", "", "", "", ""]


def test_shanghai_narrative_lines():
    document = load("shanghai-bgt-2019.html")
    lines = [row.pieces[0].text for row in document.rows if row.kind == "line"]
    assert lines[:2] == ["2019年上海市人民政府办公厅政府信息公开工作年度报告", "发布日期：2020-01-31"]
    assert "三、收到和处理政府信息公开申请情况" in lines
    assert any(line.startswith("市政府办公厅代表市政府共受理政府信息公开申请859件") for line in lines)
    assert document.images == []
    assert document.metadata == {}


def test_shuyang_table3_row_with_source_lines():
    document = load("shuyang-fgj-2023.html")
    row = row_starting(document, "一、本年新收政府信息公开申请数量")  # "一</span><span>、本年新收…" joined
    assert [p.text for p in row.pieces] == ["一、本年新收政府信息公开申请数量", "26", "", "", "", "", "", "26"]
    assert [p.source.line for p in row.pieces] == [414, 417, 420, 423, 426, 429, 432, 435]
    lines = (DATA / "shuyang-fgj-2023.html").read_text(encoding="utf-8").splitlines()
    assert lines[414 - 1].strip().startswith('<td colspan="3"')
    assert lines[418 - 1].strip().endswith('<span style="font-family: 微软雅黑;">26</span>'
                                           '<span style="font-family: 微软雅黑;"><o:p></o:p></span></p>')
    assert [p.origin for p in row.pieces] == [(3, 0)] + [(3, column) for column in range(3, 10)]


def test_shuyang_headers_split_across_spans_and_paragraphs():
    document = load("shuyang-fgj-2023.html")
    # "申请人情</span><span>况"; "<p><o:p> </o:p></p><p>自然</span><span>人</p>"; "商业</p><p>企业"
    assert [p.text for p in row_starting(document, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）").pieces] \
        == ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"]
    assert [p.text for p in row_starting(document, "自然人").pieces] == ["自然人", "法人或其他组织", "总计"]
    assert [p.text for p in row_starting(document, "商业企业").pieces] == [
        "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    table4 = [p.text for p in document.rows[[t[0] for t in texts(document)].index("四、政府信息公开行政复议、行政诉讼情况") + 4].pieces]
    assert table4 == ["0", "0", "0", "1", "1"] + ["0"] * 10


def test_shuyang_site_chrome_metadata_and_images():
    document = load("shuyang-fgj-2023.html")
    assert document.metadata["title"] == "沭阳县发展和改革局2023年政府信息公开年度报告-沭阳县发改局"
    assert document.metadata["SiteName"] == "沭阳县人民政府"
    assert document.metadata["keywords"].startswith("花乡沭阳,")
    assert document.images == ["logo_emblem.png", "logo.png"]
    every_text = " ".join(t for row in texts(document) for t in row)
    assert "function time()" not in every_text and "border-collapse" not in every_text  # script, style
    assert "沭阳县人民政府" not in [t[0] for t in texts(document)]  # the second <title> is not text
    narrative = next(row for row in document.rows if row.pieces[0].text.startswith("2023年度我局共收到依申请信息公开26件"))
    assert narrative.kind == "line" and narrative.pieces[0].source.line == 236
    # The metadata table keeps its blank cell and joins "信息公开年报&nbsp;&nbsp;其他&nbsp;&nbsp;报告" with spaces.
    assert texts(document)[[t[0] for t in texts(document)].index("索引号")] == [
        "索引号", "014314799/2024-00002", "分类", "信息公开年报 其他 报告"]
    assert texts(document)[[t[0] for t in texts(document)].index("文号")] == ["文号", "", "关键词", ""]


@pytest.mark.parametrize("name", ["shanghai-bgt-2019.html", "shuyang-fgj-2023.html"])
def test_every_cell_path_selects_its_cell(name):
    """Paths are lxml getpath strings (plus span predicates): each selects exactly its element."""
    document = load(name)
    root = etree.fromstring((DATA / name).read_text(encoding="utf-8"), etree.HTMLParser(remove_comments=True))
    cells = [p for row in document.rows if row.kind == "cells" for p in row.pieces]
    assert len(cells) > 150
    for piece in cells:
        found = root.xpath(piece.source.path)
        assert len(found) == 1, piece.source.path
        assert found[0].tag in ("td", "th")
        assert found[0].sourceline == piece.source.line


# ------------------------------------------------------------------ encodings

GB_PAGE = """<html><head>{meta}<title>年度报告</title></head><body>
<p>二、上年结转政府信息公开申请数量</p>
<table><tr><td>一、本年新收政府信息公开申请数量</td><td>12</td></tr></table>
</body></html>"""


@pytest.mark.parametrize("meta", [
    '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
    '<meta charset="GBK">',
    "",
])
def test_gb18030_page_with_and_without_meta_charset(meta):
    document = html(GB_PAGE.format(meta=meta), encoding="gb18030")
    plain = html(GB_PAGE.format(meta=""))
    assert document.encoding == "gb18030"
    assert texts(document) == texts(plain) == [
        ["二、上年结转政府信息公开申请数量"], ["一、本年新收政府信息公开申请数量", "12"]]
    assert document.metadata == {"title": "年度报告"}


def test_utf16_page_with_bom():
    document = load_html(codecs.BOM_UTF16_LE + GB_PAGE.format(meta="").encode("utf-16-le"), "u16.html")
    assert document.encoding == "utf-16-le"
    assert texts(document)[1] == ["一、本年新收政府信息公开申请数量", "12"]


def test_xml_declaration_and_control_characters_do_not_stop_parsing():
    document = html('<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>总\x0b计\x01</p></body></html>')
    assert texts(document) == [["总 计"]]


# ------------------------------------------------------------------ cell and line text


def test_word_span_soup_joins_digits_and_labels():
    document = html("<table><tr><td><span>20</span><span>23</span></td>"
                    "<td>本年新<br/>制作数量</td><td><p>&nbsp;</p></td><td>&nbsp;&nbsp;</td>"
                    "<td><p>商业</p>\n  <p>企业</p></td><td><p>1</p><p>2</p></td><td> 不予 公开 </td></tr></table>"
                    "<p>20<span>23</span>年</p>")
    assert texts(document) == [
        ["2023", "本年新制作数量", "", "", "商业企业", "1 2", "不予 公开"],  # block-split digits stay apart
        ["2023年"],
    ]


def test_lines_follow_blocks_and_breaks():
    document = html("<body>intro<div>甲<div>乙</div>丙<br>丁</div><ul><li>一</li><li>二</li></ul>"
                    "<script>var x = '不要';</script><style>p {}</style><noscript>不要</noscript>"
                    "<template><p>不要</p></template><!-- 注释 --><h2>标\n题</h2><td>orphan</td></body>")
    assert texts(document) == [["intro"], ["甲"], ["乙"], ["丙"], ["丁"], ["一"], ["二"], ["标题"], ["orphan"]]
    assert all(row.kind == "line" for row in document.rows)
    paths = [row.pieces[0].source.path for row in document.rows]
    assert paths[:5] == ["/html/body", "/html/body/div", "/html/body/div/div", "/html/body/div", "/html/body/div"]
    assert paths[5:7] == ["/html/body/ul/li[1]", "/html/body/ul/li[2]"]


def test_source_lines_of_lines_and_cells():
    document = html("<html>\n<body>\n<p>第一段</p>\n<table>\n<tr>\n<td>a</td>\n<td>b</td>\n</tr>\n</table>\n</body></html>")
    assert [(p.text, p.source.line) for row in document.rows for p in row.pieces] == [
        ("第一段", 3), ("a", 6), ("b", 7)]


# ------------------------------------------------------------------ grids


def test_rowspan_and_colspan_origins():
    document = html("""<table>
      <tr><td rowspan="2" colspan="2">A</td><td>B</td><td rowspan="3">C</td></tr>
      <tr><td>D</td></tr>
      <tr><td>E</td><td colspan="2">F</td></tr>
      <tr><td>G</td><td>H</td><td>I</td><td>J</td></tr>
    </table>""")
    assert [[(p.text, p.origin) for p in row.pieces] for row in document.rows] == [
        [("A", (0, 0)), ("B", (0, 2)), ("C", (0, 3))],
        [("D", (1, 2))],
        [("E", (2, 0)), ("F", (2, 1))],
        [("G", (3, 0)), ("H", (3, 1)), ("I", (3, 2)), ("J", (3, 3))],
    ]
    a, b, c = document.rows[0].pieces
    assert a.source.path == "/html/body/table/tr[1]/td[1][@rowspan=2][@colspan=2]"
    assert b.source.path == "/html/body/table/tr[1]/td[2]"
    assert c.source.path == "/html/body/table/tr[1]/td[3][@rowspan=3]"
    assert document.rows[2].pieces[1].source.path == "/html/body/table/tr[3]/td[2][@colspan=2]"


def test_a_row_covered_by_rowspans_emits_nothing_but_counts_in_the_grid():
    document = html("<table><tr><td rowspan=3>L</td><td rowspan=2>M</td></tr><tr></tr><tr><td>N</td></tr></table>")
    assert [[(p.text, p.origin) for p in row.pieces] for row in document.rows] == [
        [("L", (0, 0)), ("M", (0, 1))], [("N", (2, 1))]]


def test_bad_span_values_count_as_one():
    document = html('<table><tr><td colspan="x">a</td><td rowspan="0">b</td><td colspan=" 2 ">c</td><td>d</td></tr></table>')
    assert [(p.text, p.origin) for p in document.rows[0].pieces] == [("a", (0, 0)), ("b", (0, 1)), ("c", (0, 2)), ("d", (0, 4))]


def test_nested_table_gives_its_own_rows_without_double_counting():
    document = html("<table><tr><td>外层说明<table><tr><td>内1</td><td>内2</td></tr></table>表后</td>"
                    "<td>右</td></tr></table><p>后记</p>")
    assert [(row.kind, [p.text for p in row.pieces]) for row in document.rows] == [
        ("cells", ["", "右"]),  # the layout cell keeps its grid place; its text is in the lines below
        ("line", ["外层说明"]),
        ("cells", ["内1", "内2"]),
        ("line", ["表后"]),
        ("line", ["后记"]),
    ]
    inner = document.rows[2].pieces
    assert [p.origin for p in inner] == [(0, 0), (0, 1)]
    assert inner[0].source.path == "/html/body/table/tr/td[1]/table/tr/td[1]"
    all_text = [t for row in texts(document) for t in row]
    assert all_text.count("内1") == 1 and sum("内1" in t for t in all_text) == 1


# ------------------------------------------------------------------ images, metadata


def test_images_and_metadata():
    document = html("""<html><head><title> 2023年 报告 </title>
      <meta name="ArticleTitle" content="某局2023年政府信息公开工作年度报告">
      <meta name="PubDate" content="2024-01-20 09:00">
      <meta name="ContentSource" content="某局">
      <meta name="viewport" content="width=device-width"></head>
      <body><p>见下图<img src="/upload/2024/%E8%A1%A8%E4%B8%89.png?w=1"></p>
      <table><tr><td><img src="images\\table4.jpg"></td></tr></table><img src="data:image/png;base64,AAAA"></body></html>""")
    assert document.images == ["表三.png", "table4.jpg"]
    assert document.metadata == {
        "title": "2023年 报告",
        "ArticleTitle": "某局2023年政府信息公开工作年度报告",
        "PubDate": "2024-01-20 09:00",
        "ContentSource": "某局",
    }


def test_a_page_with_only_an_image_table_still_loads():
    document = html('<html><body><img src="nb2020_03.png"></body></html>')
    assert document.rows == [] and document.images == ["nb2020_03.png"]


# ------------------------------------------------------------------ broken and empty input


def test_truncated_page_still_loads():
    data = (DATA / "shuyang-fgj-2023.html").read_bytes()
    cut = data[: data.index("属于国家秘密".encode("utf-8")) + 5]  # mid-table, mid-character
    document = load_html(cut, "cut.html")
    assert document.encoding == "utf-8"  # the cut character does not make it look like GB18030
    row = row_starting(document, "一、本年新收政府信息公开申请数量")
    assert [p.text for p in row.pieces] == ["一、本年新收政府信息公开申请数量", "26", "", "", "", "", "", "26"]
    assert texts(document)[-1] == ["（三）不予公开", "1.属\ufffd"]


def test_unclosed_tags_recover():
    document = html("<div>残缺<table><tr><td>一、本年新收<td>8")
    assert texts(document) == [["残缺"], ["一、本年新收", "8"]]


@pytest.mark.parametrize("data", [b"", b"  \r\n ", b"<html><body></body></html>",
                                  b"<html><head><title>t</title></head><body><script>x()</script><!-- -->&nbsp;</body></html>"])
def test_empty_page_is_file_empty(data):
    with pytest.raises(LoadError) as raised:
        load_html(data, "empty.html")
    assert raised.value.code == "file-empty"
    assert "empty.html" in raised.value.message and "empty.html" in raised.value.message_en


def test_binary_data_is_file_binary():
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    with pytest.raises(LoadError) as raised:
        load_html(data, "table.png")
    assert raised.value.code == "file-binary"
    assert "table.png" in raised.value.message


def test_markup_nested_past_the_limit_is_a_limit_error():
    with pytest.raises(LoadError) as raised:
        load_html(b"<div>" * 5000 + "<p>正文</p>".encode(), "deep.html")
    assert raised.value.code == "LIMIT-NESTING" and "2000" in raised.value.message_zh
