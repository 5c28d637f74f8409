"""Reads images by OCR: PNG/JPEG/BMP/TIFF/WebP/GIF files, scanned PDF pages, pictures in Word files.

An optional extra: ``pip install 'auditor[ocr]'`` brings rapidocr (PP-OCR models, which ship
inside its wheel: nothing is downloaded at run time) and onnxruntime. Without it, reading an
image raises LoadError("format-unsupported") naming what to install.

How a page is read (one core, about 2-4 s for a page of tables 3 and 4 at 144 dpi):

0. A page tilted by 0.15-3 degrees (a scan fed askew) is straightened first (skew_angle).
1. Ruling lines are found with OpenCV (long horizontal and vertical runs of dark pixels) and
   rebuilt into cells by the same lattice as PDF pages (pdf.find_tables). Two parallel rules
   closer than a character (a browser's double ``<table border>``) are one border.
2. Inside each cell the text lines are found by projection (no neural detector needed) and
   each line is recognised by the PP-OCR recogniser: an empty cell is a real blank cell, and a
   label printed one character per line comes back as one label.
3. Outside the tables, the PP-OCR text detector finds the text lines (titles, headings, page
   numbers, tables without rules), which are then recognised. A detected line is cut where its
   ink leaves a gap wider than a character, so each number of a rule-less table keeps its own
   box, and character-sized ink the detector missed (a lone "1") is recognised too.
4. The recognised lines become glyphs and go through pdf.page_rows, as a PDF page's characters
   do: same tables, same page-number and vertical-label handling.

Pieces read this way carry ``Source.path = "ocr"``, the page (1 for an image file) and the box
in the image's pixels (PDF points for a scanned PDF page; of the straightened page). Extraction
marks every number read this way ``uncertain`` until the arithmetic confirms it
(fused.confirm_by_arithmetic). Pieces of rows that no found grid separated into cells carry
``path = "ocr-line"``: their columns come from reading order only, so table 4's (whose relations
never cross rows) are not confirmed, and a split of their digits is never a plain number.
"""
from __future__ import annotations

import importlib.util
import io
import os
import re
import struct
import threading
import warnings
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, Optional

from ..limits import check_pixels
from ..model.errors import LoadError
from ..model.report import Document
from .ocr_cache import Reading, content_hash, entry_key, load as cached_reading, store as keep_reading
from .geometry import OCR_LINE, OCR_MARK, Edge, Glyph, page_rows

RENDER_SCALE = 2.0  # PDF pages are rendered at 144 dpi for OCR
DET_LIMIT = 960  # the detector sees the page scaled so that its longer side is at most this
_ENGINE = None
_LOCK = threading.Lock()
_DIGITS_AND_O = re.compile(r"^[0-9Oo]*[Oo][0-9Oo]*$")
_MODELS = ("PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx")
# What a cached reading depends on (ocr_cache.py): bump the revision when read_glyphs reads differently.
OCR_REVISION = 1
OCR_SETTINGS = f"r{OCR_REVISION}:{','.join(_MODELS)}:det{DET_LIMIT}:scale{RENDER_SCALE}"
JOBS_ENV = "AUDITOR_OCR_JOBS"
MAX_DEFAULT_JOBS = 4


def _missing() -> list[str]:
    """What the OCR extra lacks on this machine (empty when OCR can run)."""
    missing = [name for name in ("rapidocr", "onnxruntime", "cv2", "numpy", "PIL")
               if importlib.util.find_spec(name) is None]
    if not missing:
        spec = importlib.util.find_spec("rapidocr")
        models = Path(spec.origin).parent / "models" if spec and spec.origin else None
        for model in _MODELS:
            if models is None or not (models / model).is_file():
                missing.append(f"rapidocr/models/{model}")
    return missing


def ocr_available() -> bool:
    return not _missing()


def _require() -> None:
    missing = _missing()
    if missing:
        shown = ", ".join(missing)
        raise LoadError(
            "format-unsupported",
            f"读取图片（OCR）需要安装 OCR 组件：pip install 'auditor[ocr]'（缺少：{shown}）",
            f"reading images (OCR) needs the OCR extra: pip install 'auditor[ocr]' (missing: {shown})")


def engine():
    """The shared RapidOCR engine (models from the wheel; threads from AUDITOR_OCR_THREADS)."""
    global _ENGINE
    if _ENGINE is None:
        with _LOCK:
            if _ENGINE is None:
                _require()
                from rapidocr import RapidOCR

                threads = int(os.environ.get("AUDITOR_OCR_THREADS", "-1") or -1)
                _ENGINE = RapidOCR(params={
                    "Global.log_level": "error",
                    "Global.use_cls": False,
                    "Det.limit_type": "max",
                    "Det.limit_side_len": DET_LIMIT,
                    # a short width lets narrow crops (numbers) stay narrow: 5x faster than padding to 320
                    "Rec.rec_img_shape": [3, 48, 48],
                    "Rec.rec_batch_num": 1,
                    "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": threads,
                })
    return _ENGINE


# ------------------------------------------------------------------ pixels

def _ruling(binary, np, cv2) -> tuple[list[Edge], object]:
    """Horizontal and vertical ruling lines of a binarised page, and their mask."""
    height, width = binary.shape
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, width // 40), 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(20, height // 60))))
    edges: list[Edge] = []
    for mask, orientation in ((horizontal, "h"), (vertical, "v")):
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for x, y, w, h, _ in stats[1:count]:
            if orientation == "h":
                edges.append(Edge("h", y + h / 2, float(x), float(x + w)))
            else:
                edges.append(Edge("v", x + w / 2, float(y), float(y + h)))
    return edges, cv2.bitwise_or(horizontal, vertical)


MAX_SKEW = 3.0  # degrees: a scan tilted more than this is not straightened (nor is it a table rule)


def skew_angle(gray, np, cv2) -> float:
    """The tilt of the page in degrees (positive: its rules go down to the right), from the pixels of
    its near-horizontal rules: the angle whose projection piles them into the sharpest rows
    (coarse then fine search). 0 when the page has too few rule pixels to say."""
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    # short horizontal runs survive a tilt of a few degrees; text strokes mostly do not
    runs = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 1)))
    ys, xs = np.nonzero(runs)
    if len(xs) < 2000:
        return 0.0
    if len(xs) > 200_000:  # enough to judge: a sample keeps this quick on big pages
        pick = np.random.default_rng(0).choice(len(xs), 200_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    xs = xs.astype(np.float64) - xs.mean()
    ys = ys.astype(np.float64)

    def sharpness(angle: float) -> float:
        offsets = np.round(ys - xs * np.tan(np.radians(angle))).astype(np.int64)
        counts = np.bincount(offsets - offsets.min())
        return float((counts.astype(np.float64) ** 2).sum())

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.1), key=sharpness)
    fine = max(np.arange(coarse - 0.1, coarse + 0.1 + 1e-9, 0.02), key=sharpness)
    return float(fine)


def deskew(array, np, cv2):
    """The page turned upright when its rules lean by 0.1-3 degrees (a scan fed slightly askew):
    a leaning rule breaks the grid into pieces and mixes neighbouring rows and columns."""
    gray = cv2.cvtColor(array, cv2.COLOR_RGB2GRAY)
    angle = skew_angle(gray, np, cv2)
    if abs(angle) < 0.15:
        return array
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(array, matrix, (width, height), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))


def _text_height(binary, lines_mask, cv2) -> float:
    """The usual height of a character on the page (median of the ink blobs off the rules), in pixels."""
    text = cv2.bitwise_and(binary, cv2.bitwise_not(lines_mask))
    count, _, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    heights = sorted(int(h) for _, _, w, h, area in stats[1:count] if 4 <= h <= 200 and area >= 6)
    return float(heights[len(heights) // 2]) if len(heights) >= 5 else 12.0


def merge_double_rules(edges: list[Edge], gap: float) -> list[Edge]:
    """Two parallel rules closer than ``gap`` are one border drawn double (a browser's default
    ``<table border>``: every cell its own box, the spacing between them): one edge at their
    middle, spanning both, with the short breaks where the cells' boxes meet joined."""
    out: list[Edge] = []
    for orientation in ("h", "v"):
        group = sorted((e for e in edges if e.orientation == orientation), key=lambda e: e.position)
        clusters: list[list[Edge]] = []
        for edge in group:
            if clusters and edge.position - clusters[-1][-1].position <= gap:
                clusters[-1].append(edge)
            else:
                clusters.append([edge])
        for cluster in clusters:
            position = (cluster[0].position + cluster[-1].position) / 2
            spread = cluster[-1].position - cluster[0].position
            pieces = sorted(cluster, key=lambda e: e.start)
            # a cell's rule stops short of the crossing rules by the spacing: reach across it
            reach = spread / 2 + 2 if spread else 0
            current = Edge(orientation, position, pieces[0].start - reach, pieces[0].end + reach)
            for edge in pieces[1:]:
                if edge.start - reach <= current.end + gap:
                    current.end = max(current.end, edge.end + reach)
                else:
                    out.append(current)
                    current = Edge(orientation, position, edge.start - reach, edge.end + reach)
            out.append(current)
    return out


def _bands(profile, gap: int = 1) -> list[tuple[int, int]]:
    """Runs of non-zero entries (joining gaps of at most ``gap``)."""
    runs: list[tuple[int, int]] = []
    start = None
    last = None
    for index, value in enumerate(profile):
        if value:
            if start is None:
                start = index
            elif last is not None and index - last > gap + 1:
                runs.append((start, last + 1))
                start = index
            last = index
    if start is not None:
        runs.append((start, last + 1))
    return runs


def _cell_lines(text_mask, box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """Text lines inside a cell (pixel boxes), found by projection; parts of one line further
    apart than twice its height are separate pieces."""
    x0, y0, x1, y1 = box
    inset = 3
    sub = text_mask[y0 + inset:y1 - inset, x0 + inset:x1 - inset]
    if sub.size == 0 or not sub.any():
        return []
    lines = []
    for top, bottom in _bands(sub.any(axis=1)):
        if bottom - top < 3:
            continue
        band = sub[top:bottom]
        height = bottom - top
        for left, right in _bands(band.any(axis=0), gap=max(2, 2 * height)):
            if right - left < 2:
                continue
            lines.append((x0 + inset + left, y0 + inset + top, x0 + inset + right, y0 + inset + bottom))
    return lines


def _split_at_wide_gaps(text_mask, box: tuple[int, int, int, int], text_height: float) -> list[tuple[int, int, int, int]]:
    """A detected line cut where its ink leaves a gap wider than a character: in a table with no
    rules the detector takes a whole row of numbers as one line, and the recogniser, reading it
    whole, may drop one of "0   0" — read apart, every number keeps its own box and x-position."""
    x0, y0, x1, y1 = box
    columns = text_mask[y0:y1, x0:x1].any(axis=0)
    parts = _bands(columns, gap=max(2, int(1.2 * text_height)))
    if len(parts) < 2:
        return [box]
    return [(x0 + left, y0, x0 + right, y1) for left, right in parts if right - left >= 2]


def _missed_by_detector(text_mask, grids, detected: list[tuple[int, int, int, int]],
                        text_height: float) -> list[tuple[int, int, int, int]]:
    """Character-sized runs of ink outside the tables that no detected box covers. The detector,
    seeing the page scaled down, misses a lone narrow "1" or "0" of a table with no rules: a
    missed number shifts every number after it by a column. Specks (under half a character's
    height) and anything taller than a line are left alone."""
    mask = text_mask.copy()
    for grid in grids:
        gx0, gy0, gx1, gy1 = (int(v) for v in grid.box)
        mask[max(0, gy0 - 2):gy1 + 3, max(0, gx0 - 2):gx1 + 3] = 0
    height, width = mask.shape
    found = []
    pieces = [part for line in _cell_lines(mask, (0, 0, width, height))
              for part in _split_at_wide_gaps(mask, line, text_height)]
    for x0, top, x1, bottom in pieces:
        rows = mask[top:bottom, x0:x1].any(axis=1).nonzero()[0]
        if not len(rows):
            continue
        y0, y1 = top + int(rows[0]), top + int(rows[-1]) + 1
        if not 0.5 * text_height <= y1 - y0 <= 1.6 * text_height:
            continue
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if any(bx0 - 2 <= cx <= bx1 + 2 and by0 - 2 <= cy <= by1 + 2 for bx0, by0, bx1, by1 in detected):
            continue
        found.append((x0, y0, x1, y1))
    return found


def _recognise(crops: list) -> list[tuple[str, float]]:
    if not crops:
        return []
    from rapidocr.ch_ppocr_rec import TextRecInput

    # pixel-identical crops (a rendered page repeats its "0" cells exactly) are read once
    unique: dict[tuple, int] = {}
    order: list[int] = []
    distinct: list = []
    for crop in crops:
        key = (crop.shape, crop.tobytes())
        if key not in unique:
            unique[key] = len(distinct)
            distinct.append(crop)
        order.append(unique[key])
    result = engine()._load_rec_model()(TextRecInput(img=distinct))
    read = list(zip(result.txts or [""] * len(distinct), result.scores or [0.0] * len(distinct)))
    return [read[i] for i in order]


def read_glyphs(image) -> tuple[list[Glyph], list[Edge], tuple[int, int]]:
    """OCR one page image (PIL or ndarray) -> glyphs (a recognised line each) and ruling edges,
    in pixels, and the image size."""
    _require()
    import cv2
    import numpy as np

    from .geometry import Grid, find_tables

    array = np.asarray(image.convert("RGB")) if hasattr(image, "convert") else np.asarray(image)
    if array.ndim == 2:
        array = cv2.cvtColor(array, cv2.COLOR_GRAY2RGB)
    array = deskew(np.ascontiguousarray(array), np, cv2)  # boxes are in the straightened page's pixels
    gray = cv2.cvtColor(array, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    edges, lines_mask = _ruling(binary, np, cv2)
    text_height = _text_height(binary, lines_mask, cv2)
    if edges:
        # rules closer than 0.7 of a character are one border drawn double (no real cell is that thin)
        edges = merge_double_rules(edges, 0.7 * text_height)
    text_mask = cv2.bitwise_and(binary, cv2.bitwise_not(cv2.dilate(lines_mask, np.ones((3, 3), np.uint8))))
    grids = [Grid(cells) for cells in find_tables(edges)] if edges else []
    grids = [g for g in grids if g.columns >= 2]
    boxes: list[tuple[int, int, int, int]] = []
    for grid in grids:
        for x0, y0, x1, y1 in grid.cells:
            boxes.extend(_cell_lines(text_mask, (int(x0), int(y0), int(x1), int(y1))))
    # text outside the tables: the detector, on the page with the tables blanked
    outside_from = len(boxes)
    outside = array.copy()
    for grid in grids:
        gx0, gy0, gx1, gy1 = (int(v) for v in grid.box)
        outside[max(0, gy0 - 2):gy1 + 3, max(0, gx0 - 2):gx1 + 3] = 255
    dark_rows = (outside.min(axis=2) < 160).any(axis=1)
    if dark_rows.any():
        detector = engine()._load_det_model()
        # the detector only sees the bands of the page that hold text (quicker than the whole page)
        for top, bottom in _bands(dark_rows, gap=40):
            top, bottom = max(0, top - 8), min(height, bottom + 8)
            band = np.ascontiguousarray(outside[top:bottom, :, ::-1])
            detected = detector(band)
            for quad in (detected.boxes if detected.boxes is not None else ()):
                xs, ys = quad[:, 0], quad[:, 1] + top
                boxes.extend(_split_at_wide_gaps(text_mask, (
                    max(0, int(xs.min())), max(0, int(ys.min())), min(width, int(xs.max()) + 1),
                    min(height, int(ys.max()) + 1)), text_height))
        boxes.extend(_missed_by_detector(text_mask, grids, boxes[outside_from:], text_height))
    crops, kept = [], []
    bgr = array[:, :, ::-1]
    for index, (x0, y0, x1, y1) in enumerate(boxes):
        pad = 2
        crop = bgr[max(0, y0 - pad):min(height, y1 + pad), max(0, x0 - pad):min(width, x1 + pad)]
        if crop.size:
            crops.append(np.ascontiguousarray(crop))
            kept.append((x0, y0, x1, y1, index < outside_from))
    glyphs = []
    for (x0, y0, x1, y1, in_grid), (text, _score) in zip(kept, _recognise(crops)):
        text = text.strip()
        if not text and in_grid and y1 - y0 >= 0.5 * text_height:
            # ink of a character's size in a cell, read as nothing: the cell is not blank, it is
            # unread ("?" is text, never a value), so no finding takes it for an empty cell
            text = "?"
        if _DIGITS_AND_O.match(text):  # "O", "1O": the recogniser's letter O for a zero; still uncertain
            text = text.replace("O", "0").replace("o", "0")
        if text:
            glyphs.append(Glyph(text, float(x0), float(y0), float(x1), float(y1)))
    return glyphs, edges, (width, height)


def ocr_jobs() -> int:
    """How many pages of one file are read at once: AUDITOR_OCR_JOBS, else the cores (at most 4).
    Batch workers set it to 1: their processes already share the cores."""
    setting = os.environ.get(JOBS_ENV, "").strip()
    if setting.isdigit() and int(setting) >= 1:
        return int(setting)
    return max(1, min(MAX_DEFAULT_JOBS, os.cpu_count() or 1))


def read_page(content: Optional[str], page: str, image: Callable[[], object]) -> Reading:
    """What OCR reads on one page, from the cache when this page of this content was read before
    with these settings. ``image`` makes the page image (only on a miss: a PDF page is not even
    rendered when its reading is cached)."""
    key = entry_key(content, page, OCR_SETTINGS) if content else None
    if key:
        cached = cached_reading(key)
        if cached is not None:
            return cached
    reading = read_glyphs(image())
    if key:
        keep_reading(key, reading)
    return reading


def _scaled(glyphs: list[Glyph], edges: list[Edge], factor: float) -> tuple[list[Glyph], list[Edge]]:
    if factor == 1:
        return glyphs, edges
    return ([Glyph(g.text, g.x0 * factor, g.top * factor, g.x1 * factor, g.bottom * factor) for g in glyphs],
            [Edge(e.orientation, e.position * factor, e.start * factor, e.end * factor) for e in edges])


def _mark_lines(rows: list[dict]) -> list[dict]:
    """Pieces of rows that no found grid separated into cells say so (``Source.path = "ocr-line"``):
    their columns come from the order of what was read, which the layout has not confirmed."""
    for row in rows:
        if row["kind"] == "line":
            for piece in row["pieces"]:  # "ocr" -> "ocr-line", "ocr:word/media/1.png" -> "ocr-line:word/media/1.png"
                path = piece["source"].get("path") or OCR_MARK
                piece["source"]["path"] = OCR_LINE + path[len(OCR_MARK):] if path.startswith(OCR_MARK) else path
    return rows


def _header_only(data: bytes):
    """The image with PIL's own pixel check off, only to read its size (it is not decoded)."""
    from PIL import Image

    with _PIL_LIMIT_LOCK:
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            return Image.open(io.BytesIO(data))
        finally:
            Image.MAX_IMAGE_PIXELS = saved


_PIL_LIMIT_LOCK = threading.Lock()


def image_rows(data: bytes, file: str, page: int = 1, path: str = OCR_MARK) -> list[dict]:
    """The rows of one image (bytes of any format Pillow reads)."""
    _require()
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # PIL's DecompressionBombWarning: our own limit decides, just below
            warnings.simplefilter("ignore")
            try:
                image = Image.open(io.BytesIO(data))
            except Image.DecompressionBombError:  # over twice PIL's own limit: read the size from the header
                image = _header_only(data)
        check_pixels(*image.size, file)  # before decoding: the header alone gives the size
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError,
            struct.error, EOFError) as exc:
        raise LoadError("file-unreadable", f"图片无法解析（{exc}）：{file}", f"the image cannot be read ({exc}): {file}") from None
    rows: list[dict] = []
    frames = getattr(image, "n_frames", 1)
    content = content_hash(data)
    for frame in range(min(frames, 50)):
        if frames > 1:
            image.seek(frame)
        glyphs, edges, (_, height) = read_page(content, f"frame {frame}", lambda: image)
        rows.extend(_mark_lines(page_rows(glyphs, edges, file, page + frame, height, path=path)))
    return rows


def ocr_page_job(page, file: str, number: int, content: Optional[str] = None) -> Callable[[], list[dict]]:
    """A scanned PDF page (a pypdfium2 page) -> the work that reads it (boxes in PDF points).

    The page is rendered now, in the caller's thread (pdfium is not thread-safe), unless its
    reading is cached; the returned function, which recognises it, may run in another thread."""
    _require()
    width, height = page.get_size()
    check_pixels(round(width * RENDER_SCALE), round(height * RENDER_SCALE), file,
                 f"第 {number} 页渲染后", f"page {number} as rendered")
    page_height = page.get_height()
    label = f"pdf page {number}"
    key = entry_key(content, label, OCR_SETTINGS) if content else None
    cached = cached_reading(key) if key else None
    image = None if cached is not None else page.render(scale=RENDER_SCALE).to_pil()

    def read() -> list[dict]:
        glyphs, edges, _ = cached if cached is not None else read_page(content, label, lambda: image)
        glyphs, edges = _scaled(glyphs, edges, 1 / RENDER_SCALE)
        return _mark_lines(page_rows(glyphs, edges, file, number, page_height, path=OCR_MARK))
    return read


def ocr_page_rows(page, file: str, number: int, content: Optional[str] = None) -> list[dict]:
    """A scanned PDF page read now."""
    return ocr_page_job(page, file, number, content)()


class PagePool:
    """Pages of one file recognised in parallel threads (onnxruntime releases the GIL while it
    works), at most ``ocr_jobs()`` at once; ``result`` keeps the pages' order to the caller."""

    def __init__(self, jobs: Optional[int] = None):
        self.jobs = jobs or ocr_jobs()
        self._executor = None
        self._running: list[Future] = []

    def submit(self, work: Callable[[], list[dict]]) -> Future:
        if self.jobs <= 1:
            done: Future = Future()
            try:
                done.set_result(work())
            except BaseException as error:  # raised again by result(), in the page's order
                done.set_exception(error)
            return done
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.jobs, thread_name_prefix="auditor-ocr")
        # a rendered page waiting its turn holds its image: at most two per thread wait, so that a
        # long scanned PDF is not rendered whole into memory ahead of the recogniser
        self._running = [f for f in self._running if not f.done()]
        while len(self._running) >= 2 * self.jobs:
            wait(self._running, return_when=FIRST_COMPLETED)
            self._running = [f for f in self._running if not f.done()]
        future = self._executor.submit(work)
        self._running.append(future)
        return future

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def load_image(data: bytes, file: str) -> Document:
    rows = image_rows(data, file)
    if not rows:
        raise LoadError("file-empty", f"图片中没有识别出文字：{file}", f"no text recognised in the image: {file}")
    return Document.model_validate({"file": file, "format": "image", "rows": rows,
                                    "metadata": {"ocr_pages": "1"}})
