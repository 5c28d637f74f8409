"""The memo as a Word file laid out as a 公文 after GB/T 9704-2012 (python-docx).

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm); 22 lines of 28
characters (the section's line-and-character grid, and an exact line pitch that LibreOffice keeps);
发文机关标志 in red, 发文字号, a red rule; title in 小标宋 二号 (22 pt); body in 仿宋_GB2312 三号 (16 pt),
level-1 headings in 黑体; 主送机关; 附件说明; 署名 and 成文日期; page numbers "— 1 —" in 宋体 四号,
odd pages right and even pages left; then the 附件 with the item table.

Fonts: the styles name the 公文 fonts; the document's font table gives each an ``altName`` (仿宋,
宋体, 黑体, 楷体 — on every Chinese Windows), which Word and WPS use when the 公文 font is not installed.
Every text comes from ``memo.labels`` (texts.py, replaceable by ``--template-dir``/texts.yaml).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional, Union

from .letter import MemoData
from .texts import MemoTemplateError

# GB/T 9704-2012, in millimetres and points
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES, CHARS = 22, 28
BODY_PT, TITLE_PT, PAGE_NUMBER_PT, TABLE_PT = 16, 22, 14, 10.5  # 三号, 二号, 四号, 五号
CODE_PT = 9  # the reviewer's rule codes in the appendix
LINE_PITCH_TWIPS = 579  # 225 mm / 22 lines = 28.95 pt
# 28 characters of 16 pt in 156 mm (442.2 pt) need each character 0.25 pt narrower. A character grid
# (docGrid linesAndChars, charSpace) would say so too, but LibreOffice gives a CJK character wider than
# the grid's cell two cells (14 characters a line): the spacing is set on the text instead.
CHAR_SPACING_TWIPS = -5
RED = "FF0000"

# style id -> (name, east-asian font, size in points, bold)
FONTS = {
    "body": "仿宋_GB2312",
    "title": "方正小标宋简体",
    "heading": "黑体",
    "subheading": "楷体_GB2312",
    "page": "宋体",
    "latin": "Times New Roman",
}
# font -> (the font Word and WPS take when it is missing, its family: serif "roman", sans "swiss")
ALT_NAMES = {"仿宋_GB2312": ("仿宋", "roman"), "方正小标宋简体": ("宋体", "roman"), "黑体": ("SimHei", "swiss"),
             "楷体_GB2312": ("楷体", "roman"), "宋体": ("SimSun", "roman")}


def _mm(value: float):
    from docx.shared import Mm

    return Mm(value)


def _fonts(target, east_asian: str) -> None:
    """Name the fonts of a style or run: Latin text in Times New Roman, Chinese in ``east_asian``."""
    from docx.oxml.ns import qn

    element = target.element if hasattr(target, "element") else target._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), FONTS["latin"])
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _char_spacing(style) -> None:
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = rpr.makeelement(qn("w:spacing"), {})
        rpr.append(spacing)
    spacing.set(qn("w:val"), str(CHAR_SPACING_TWIPS))


def _style(document, name: str, font: str, size: float, bold: bool = False, base: str = "Normal"):
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    try:
        style = document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles[base]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.name = FONTS["latin"]
    _fonts(style, font)
    return style


def _font_table(document) -> None:
    """Add the 公文 fonts to word/fontTable.xml with an ``altName`` Word and WPS fall back to."""
    from lxml import etree

    part = next((p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    namespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(part.blob)
    known = {f.get(f"{{{namespace}}}name") for f in root}
    for name, (alt, family) in ALT_NAMES.items():
        if name in known:
            continue
        font = etree.SubElement(root, f"{{{namespace}}}font", {f"{{{namespace}}}name": name})
        etree.SubElement(font, f"{{{namespace}}}altName", {f"{{{namespace}}}val": alt})
        etree.SubElement(font, f"{{{namespace}}}charset", {f"{{{namespace}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{namespace}}}family", {f"{{{namespace}}}val": family})
        etree.SubElement(font, f"{{{namespace}}}pitch", {f"{{{namespace}}}val": "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_setup(section) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn

    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = _mm(PAGE_MM[0]), _mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = _mm(MARGINS_MM["top"]), _mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = _mm(MARGINS_MM["left"]), _mm(MARGINS_MM["right"])
    section.header_distance = _mm(15)
    section.footer_distance = _mm(24)  # the page number's line 7 mm under the text block
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = sect.makeelement(qn("w:docGrid"), {})
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    numbers = sect.find(qn("w:pgNumType"))
    if numbers is None:
        numbers = sect.makeelement(qn("w:pgNumType"), {})
        grid.addprevious(numbers)
    numbers.set(qn("w:start"), "1")  # each letter counts its own pages


def _page_number(footer, words: dict, odd: bool) -> None:
    """— 1 —: 宋体 四号, odd pages right with one character's space, even pages left."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    for run in list(paragraph.runs):
        run._element.getparent().remove(run._element)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    format_ = paragraph.paragraph_format
    format_.right_indent = Pt(PAGE_NUMBER_PT) if odd else None
    format_.left_indent = None if odd else Pt(PAGE_NUMBER_PT)
    before, _, after = words["page_number"].partition("{page}")

    def run(text: str = ""):
        made = paragraph.add_run(text)
        made.font.size = Pt(PAGE_NUMBER_PT)
        _fonts(made, FONTS["page"])
        return made

    run(before)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        made = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            made._element.append(char)
        elif text.strip() == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            made._element.append(instr)
        else:
            made.text = text
    run(after)


def _no_grid(paragraph) -> None:
    """Table text keeps its own line height: off the page's line grid."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    ppr.insert(0, snap)


def _red_rule(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "6"), ("color", RED)):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    ppr.append(borders)


def _borders(table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "000000")):
            element.set(qn(f"w:{key}"), value)
        borders.append(element)
    properties.append(borders)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


class _Writer:
    def __init__(self, document, fresh: bool):
        from docx.enum.text import WD_LINE_SPACING
        from docx.shared import Pt

        self.document = document
        normal = document.styles["Normal"]
        if fresh:
            normal.font.size = Pt(BODY_PT)
            normal.font.name = FONTS["latin"]
            _fonts(normal, FONTS["body"])
            spacing = normal.paragraph_format
            spacing.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            spacing.line_spacing = Pt(LINE_PITCH_TWIPS / 20)
            spacing.space_before = spacing.space_after = Pt(0)
            spacing.widow_control = False
            _char_spacing(normal)
        self.styles = {
            "office": _style(document, "公文发文机关标志", FONTS["title"], 26),
            "title": _style(document, "公文标题", FONTS["title"], TITLE_PT),
            "body": _style(document, "公文正文", FONTS["body"], BODY_PT),
            "heading": _style(document, "公文一级标题", FONTS["heading"], BODY_PT),
            "table": _style(document, "公文表格", FONTS["body"], TABLE_PT),
        }
        table_format = self.styles["table"].paragraph_format
        table_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        table_format.line_spacing = Pt(TABLE_PT * 1.4)
        title_format = self.styles["title"].paragraph_format
        title_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        title_format.line_spacing = Pt(LINE_PITCH_TWIPS / 20 * 1.2)
        _font_table(document)

    def paragraph(self, text: str = "", style: str = "body", align=None, indent_chars: float = 0,
                  right_chars: float = 0, left_chars: float = 0, color: Optional[str] = None):
        from docx.shared import Pt, RGBColor

        paragraph = self.document.add_paragraph(style=self.styles[style])
        size = self.styles[style].font.size.pt
        if align is not None:
            paragraph.alignment = align
        if indent_chars:
            paragraph.paragraph_format.first_line_indent = Pt(size * indent_chars)
        if right_chars:
            paragraph.paragraph_format.right_indent = Pt(size * right_chars)
        if left_chars:
            paragraph.paragraph_format.left_indent = Pt(size * left_chars)
        if text:
            run = paragraph.add_run(text)
            _fonts(run, self._font(style))
            if color:
                run.font.color.rgb = RGBColor.from_string(color)
        return paragraph

    def _font(self, style: str) -> str:
        return {"office": FONTS["title"], "title": FONTS["title"], "heading": FONTS["heading"]}.get(style, FONTS["body"])

    def letter(self, memo: MemoData) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        words = memo.labels
        center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
        # 版头: 发文机关标志 (red), 发文字号, the red rule
        self.paragraph(memo.office, "office", center, color=RED)
        self.paragraph()
        number = self.paragraph(memo.number, "body", center)
        _red_rule(number)
        self.paragraph()
        # 主体
        self.paragraph(memo.title, "title", center)
        self.paragraph()
        self.paragraph(memo.addressee + words["colon"].strip(), "body")
        self.paragraph(memo.summary, "body", indent_chars=2)
        for section in memo.sections:
            heading = self.paragraph(section.heading, "heading", indent_chars=2)
            heading.paragraph_format.keep_with_next = True
            for item in section.entries:
                self.paragraph(f"{item.number}. {item.text}" if memo.lang == "zh" else f"{item.number}. {item.text}",
                               "body", indent_chars=2)
        self.paragraph(memo.closing, "body", indent_chars=2)
        if memo.attachment:
            self.paragraph()
            self.paragraph(memo.attachment, "body", indent_chars=2)
        # 署名 and 成文日期: without a seal, the signature two characters from the right and the date's
        # first character two characters right of the signature's, one line under the text; a short signature
        # centred over the date
        self.paragraph()
        sign, date = len(memo.signature), len(memo.date)
        if memo.lang == "zh" and sign - date >= 0:
            sign_right, date_right = 2, sign - date
        elif memo.lang == "zh":
            sign_right, date_right = 4 + (date - sign) / 2, 4
        else:
            sign_right = date_right = 2
        signature = self.paragraph(memo.signature, "body", right, right_chars=sign_right)
        signature.paragraph_format.keep_with_next = True
        self.paragraph(memo.date, "body", right, right_chars=date_right)
        if memo.items:
            self.attachment(memo)

    def attachment(self, memo: MemoData) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        words = memo.labels
        label = self.paragraph(words["attachment_label"], "heading")
        label.paragraph_format.page_break_before = True  # 附件另面编排 (a break paragraph could leave a blank page)
        self.paragraph()
        self.paragraph(memo.attachment_title, "title", WD_ALIGN_PARAGRAPH.CENTER)
        self.paragraph()
        several = len(memo.reports) > 1
        keys = ["col_number", "col_section"] + (["col_report"] if several else []) + \
            ["col_where", "col_printed", "col_proposed", "col_codes"]
        widths = [9, 19] + ([22] if several else []) + ([41, 19, 30, 38] if not several else [28, 15, 26, 37])
        table = self.document.add_table(rows=1, cols=len(keys))
        try:
            table.style = self.document.styles["Table Grid"]
        except KeyError:  # a user's base document without it
            _borders(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _repeat_header(table.rows[0])
        rows = [[words[k] for k in keys]]
        for item in memo.items:
            row = [str(item.number), item.section_label]
            if several:
                row.append(memo.reports[item.report_number - 1].name)
            # a zero-width space after each separator: LibreOffice otherwise breaks inside a number ("27|2、3")
            row += [item.where, item.printed, (words["list_sep"] + "\u200b").join(item.proposed_values),
                    "\n".join(item.codes)]  # one code a line: a code's hyphens are no place to break
            rows.append(row)
        for index, values in enumerate(rows):
            cells = table.rows[0].cells if index == 0 else table.add_row().cells
            for cell, value in zip(cells, values):
                cell.text = ""
                paragraph = cell.paragraphs[0]
                paragraph.style = self.styles["table"]
                _no_grid(paragraph)
                run = paragraph.add_run(value)
                _fonts(run, FONTS["heading"] if index == 0 else FONTS["body"])
                if index and cell is cells[-1]:
                    run.font.size = Pt(CODE_PT)
                if index == 0 or cell is cells[0]:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths):  # w:gridCol, which LibreOffice follows
            column.width = _mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = _mm(width)


def render_docx(memos: Union[MemoData, Iterable[MemoData]], path: Union[str, Path],
                template_path: Optional[Union[str, Path]] = None) -> Path:
    """Write one or more letters as a 公文 DOCX; several letters each start a new section (and page 1).
    ``template_path``: a base .docx (letterhead, styles) whose content comes first."""
    from docx import Document
    from docx.enum.section import WD_SECTION

    memos = [memos] if isinstance(memos, MemoData) else list(memos)
    try:
        document = Document(str(template_path)) if template_path else Document()
    except Exception as error:  # python-docx raises several kinds for a file that is not a .docx
        raise MemoTemplateError(f"DOCX template {template_path} cannot be opened: {error}") from error
    writer = _Writer(document, fresh=not template_path)
    document.settings.odd_and_even_pages_header_footer = True
    for index, memo in enumerate(memos):
        section = document.sections[-1] if index == 0 else document.add_section(WD_SECTION.NEW_PAGE)
        _page_setup(section)
        if index == 0:
            _page_number(section.footer, memo.labels, odd=True)
            _page_number(section.even_page_footer, memo.labels, odd=False)
        writer.letter(memo)
    path = Path(path)
    document.save(str(path))
    return path
