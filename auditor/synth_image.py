"""Tables 3 and 4 drawn as images (Pillow), in the looks reports are published in, for the OCR
bench (scripts/ocr_bench.py) and tests/test_ocr.py.

Looks: ``single`` (Word: one thin black rule per border, serif), ``double`` (a browser's default
``<table border=1>``: every cell its own box, two lines between neighbours), ``borderless``
(columns aligned by white space), ``grey`` (light grey hairlines). ``scale`` 1 is a screenshot at
100% (14 px text), 2 a high-DPI one. ``degrade`` gives a copy as a poor scan: a slight rotation,
blur, Gaussian noise and JPEG quality 60.
"""
from __future__ import annotations

import io
import random
import subprocess
from functools import lru_cache
from typing import Optional

from .synth import Table, row_label
from .templates import template_view

LOOKS = ("single", "double", "borderless", "grey")


@lru_cache(maxsize=4)
def cjk_font_path(serif: bool = False) -> Optional[str]:
    """A font file with CJK glyphs (fontconfig), or None when the machine has none."""
    for pattern in ((":lang=zh:style=Regular:family=Noto Serif CJK SC",) if serif else ()) + (":lang=zh",):
        try:
            out = subprocess.run(["fc-list", pattern, "file"], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
        regular = [f for f in files if "Regular" in f] or files
        if regular:
            return regular[0]
    return None


def _font(size: int, serif: bool):
    from PIL import ImageFont

    path = cjk_font_path(serif) or cjk_font_path(False)
    if path is None:
        raise RuntimeError("no CJK font on this machine (fc-list :lang=zh is empty)")
    index = 2 if path.endswith(".ttc") else 0  # Noto CJK collections: SC is face 2
    try:
        return ImageFont.truetype(path, size, index=index)
    except OSError:
        return ImageFont.truetype(path, size)


class _Layout:
    """Cells as (column start, column end, row start, row end, text) on a column/row lattice."""

    def __init__(self, widths: list[int]):
        self.widths = widths
        self.rows: list[int] = []  # heights
        self.cells: list[tuple[int, int, int, int, str]] = []

    def add_row(self, height: int) -> int:
        self.rows.append(height)
        return len(self.rows) - 1

    def cell(self, c0: int, c1: int, r0: int, r1: int, text: str) -> None:
        self.cells.append((c0, c1, r0, r1, text))


def _wrap(text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if line and font.getlength(line + char) > width:
            lines.append(line)
            line = char
        else:
            line += char
    return lines + ([line] if line else [])


def _table3_layout(table3: Table, template: str, em: int, font) -> _Layout:
    view = template_view("table3", template)
    widths = [int(6.5 * em), int(11 * em)] + [int(4.2 * em)] * 7
    layout = _Layout(widths)
    line = int(em * 1.5)
    h = [layout.add_row(line + em) for _ in range(3)]
    layout.cell(0, 2, h[0], h[2] + 1, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    layout.cell(2, 9, h[0], h[0] + 1, "申请人情况")
    layout.cell(2, 3, h[1], h[2] + 1, "自然人")
    layout.cell(3, 8, h[1], h[1] + 1, "法人或其他组织")
    layout.cell(8, 9, h[1], h[2] + 1, "总计")
    layout.rows[h[2]] = 2 * line + em  # "社会公益组织" wraps in a narrow column
    for index, spec in enumerate(view.columns[1:-1]):
        layout.cell(3 + index, 4 + index, h[2], h[2] + 1, spec.zh)
    groups: dict[str, list[int]] = {}
    for row_id in view.row_ids:
        zh = view.row(row_id).zh
        width = widths[1] if " " in zh else widths[0] + widths[1]
        lines = max(len(_wrap(row_label(view, row_id) if " " in zh else zh, font, width - em // 2)), 1)
        r = layout.add_row(lines * line + em)
        values = table3[row_id]
        if " " in zh:
            groups.setdefault(zh.split(" ")[0], []).append(r)
            layout.cell(1, 2, r, r + 1, row_label(view, row_id))
        else:
            layout.cell(0, 2, r, r + 1, zh)
        for index, column in enumerate(view.column_ids):
            value = values.get(column)
            layout.cell(2 + index, 3 + index, r, r + 1, "" if value is None else str(value))
    for label, members in groups.items():
        layout.cell(0, 1, members[0], members[-1] + 1, label)
    return layout


def _table4_layout(table4: Table, em: int) -> _Layout:
    view = template_view("table4", "2021")
    layout = _Layout([int(3.2 * em)] * 15)
    line = int(em * 1.5)
    r0, r1, r2, r3 = (layout.add_row(2 * line + em) for _ in range(4))
    layout.rows[r0] = line + em
    layout.rows[r3] = line + em
    layout.cell(0, 5, r0, r1, "行政复议")
    layout.cell(5, 15, r0, r1, "行政诉讼")
    for index, name in enumerate(("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")):
        layout.cell(index, index + 1, r1, r3, name)
    layout.cell(5, 10, r1, r2, "未经复议直接起诉")
    layout.cell(10, 15, r1, r2, "复议后起诉")
    for group in range(2):
        for index, name in enumerate(("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")):
            layout.cell(5 + 5 * group + index, 6 + 5 * group + index, r2, r3, name)
    columns = view.column_ids
    for k, row_id in enumerate(view.row_ids):
        for index, column in enumerate(columns):
            value = table4[row_id].get(column)
            layout.cell(5 * k + index, 5 * k + index + 1, r3, r3 + 1, "" if value is None else str(value))
    return layout


def _draw_table(draw, layout: _Layout, left: int, top: int, look: str, font, em: int, scale: int) -> int:
    """Draws the table at (left, top); returns its bottom."""
    xs = [left]
    for w in layout.widths:
        xs.append(xs[-1] + w)
    ys = [top]
    for h in layout.rows:
        ys.append(ys[-1] + h)
    ink = (0, 0, 0)
    rule = (190, 190, 190) if look == "grey" else ink
    thick = max(1, scale) if look != "grey" else 1
    spacing = 2 * scale  # a browser's default cellspacing
    if look == "double":
        draw.rectangle((xs[0], ys[0], xs[-1], ys[-1]), outline=ink, width=thick)
    for c0, c1, r0, r1, text in layout.cells:
        x0, x1, y0, y1 = xs[c0], xs[c1], ys[r0], ys[r1]
        if look == "double":
            draw.rectangle((x0 + spacing + thick, y0 + spacing + thick, x1 - spacing, y1 - spacing),
                           outline=ink, width=thick)
        elif look in ("single", "grey"):
            draw.rectangle((x0, y0, x1, y1), outline=rule, width=thick)
        lines = _wrap(text, font, x1 - x0 - em // 2) if text else []
        line_height = int(em * 1.5)
        y = (y0 + y1) / 2 - len(lines) * line_height / 2
        for line in lines:
            draw.text(((x0 + x1) / 2, y + line_height / 2), line, fill=ink, font=font, anchor="mm")
            y += line_height
    return ys[-1]


def render_tables(table3: Table, table4: Table, look: str = "single", scale: int = 1, template: str = "2021",
                  year: int = 2022, agency: str = "示例县人民政府"):
    """A page image (PIL, RGB) with the report's title, tables 3 and 4 and the headings around them."""
    from PIL import Image, ImageDraw

    if look not in LOOKS:
        raise ValueError(f"look must be one of {LOOKS}")
    em = 14 * scale
    font = _font(em, serif=look == "single")
    heading = _font(int(em * 1.15), serif=look == "single")
    layout3 = _table3_layout(table3, template, em, font)
    layout4 = _table4_layout(table4, em)
    margin = 3 * em
    width = max(sum(layout3.widths), sum(layout4.widths)) + 2 * margin
    height = sum(layout3.rows) + sum(layout4.rows) + 16 * em + 2 * margin
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    y = margin
    draw.text((margin, y), f"{agency}{year}年政府信息公开工作年度报告", fill=(0, 0, 0), font=heading)
    y += 3 * em
    draw.text((margin, y), "三、收到和处理政府信息公开申请情况", fill=(0, 0, 0), font=heading)
    y += 2 * em
    y = _draw_table(draw, layout3, margin, y, look, font, em, scale) + 2 * em
    draw.text((margin, y), "四、政府信息公开行政复议、行政诉讼情况", fill=(0, 0, 0), font=heading)
    y += 2 * em
    y = _draw_table(draw, layout4, margin, y, look, font, em, scale) + 2 * em
    draw.text((margin, y), "五、存在的主要问题及改进情况", fill=(0, 0, 0), font=heading)
    y += 3 * em
    return image.crop((0, 0, width, min(height, y + margin)))


def degrade(image, seed: int = 0, angle: Optional[float] = None):
    """A poor scan of the image: rotated 0.5-1 degree, blurred, Gaussian noise, JPEG quality 60."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    if angle is None:
        angle = rng.choice((-1, 1)) * rng.uniform(0.5, 1.0)
    rotated = image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor="white")
    blurred = rotated.filter(ImageFilter.GaussianBlur(0.6))
    array = np.asarray(blurred).astype(np.float32)
    noise = np.random.default_rng(seed).normal(0, 8, array.shape)
    noisy = Image.fromarray(np.clip(array + noise, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    noisy.save(buffer, "JPEG", quality=60)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def png_bytes(image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"quality": 60} if fmt == "JPEG" else {}))
    return buffer.getvalue()
