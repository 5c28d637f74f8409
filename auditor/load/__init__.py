"""Loaders: bytes of one file -> a Document. The format is chosen by content, then by extension.

| content (magic)                          | loader                                  |
|------------------------------------------|-----------------------------------------|
| ``%PDF``                                 | pdf.py (PDFium; OCR for scanned pages)  |
| zip with ``word/document.xml``           | docx.py (python-docx)                   |
| zip with ``xl/workbook.xml``, ODS        | sheet.py (python-calamine)              |
| OLE2 with a ``Workbook``/``Book`` stream | sheet.py (.xls)                         |
| OLE2 with ``WordDocument``, RTF, ODT     | office.py (LibreOffice -> .docx)        |
| PNG, JPEG, BMP, TIFF, WebP, GIF          | image.py (OCR, the ``auditor[ocr]`` extra) |
| HTML, Markdown, plain text               | html.py, text.py                        |

Anything else raises LoadError.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from .. import limits
from ..model.report import Document, ExtractionNote
from .encoding import decode_bytes, sniff_html_charset
from ..model.errors import LoadError

_TEXT_EXTENSIONS = {".txt", ".text", ".md", ".markdown", ".htm", ".html", ".xhtml", ".shtml", ""}
_MAGIC = (
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rtf", "rtf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"BM", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
)
# What content each extension may hold without a FORMAT-MISMATCH warning (Word and Excel open HTML
# saved as .doc/.xls, and web pages often come as .txt, so those are not mismatches).
_WEB = {"html", "text", "markdown"}
_SUFFIX_KINDS = {
    ".pdf": {"pdf"}, ".docx": {"docx"}, ".doc": {"doc", "docx", "rtf", "odt", *_WEB}, ".wps": {"doc", "docx", "rtf"},
    ".xlsx": {"xlsx"}, ".xls": {"xls", "xlsx", *_WEB}, ".ods": {"ods"}, ".odt": {"odt"}, ".rtf": {"rtf"},
    ".png": {"image"}, ".jpg": {"image"}, ".jpeg": {"image"}, ".bmp": {"image"}, ".tif": {"image"},
    ".tiff": {"image"}, ".gif": {"image"}, ".webp": {"image"},
    ".html": _WEB, ".htm": _WEB, ".shtml": _WEB, ".xhtml": _WEB, ".txt": _WEB, ".text": _WEB,
    ".md": _WEB, ".markdown": _WEB,
}
FORMAT_LABELS = {  # kind -> (zh, en), for messages
    "pdf": ("PDF", "a PDF"), "docx": ("Word 文档（.docx）", "a Word document (.docx)"),
    "doc": ("Word 97-2003 文档", "a Word 97-2003 document"), "rtf": ("RTF 文档", "an RTF document"),
    "odt": ("OpenDocument 文本", "an OpenDocument text"), "xlsx": ("Excel 表格（.xlsx）", "an Excel workbook (.xlsx)"),
    "xls": ("Excel 97-2003 表格", "an Excel 97-2003 workbook"), "ods": ("OpenDocument 表格", "an OpenDocument sheet"),
    "image": ("图片", "an image"), "html": ("网页（HTML）", "a web page (HTML)"), "text": ("纯文本", "plain text"),
    "markdown": ("Markdown 文本", "Markdown text"), "zip": ("zip 压缩包", "a zip archive"),
    "ole": ("Office 97-2003 文件", "an Office 97-2003 file"),
}
READABLE_SUFFIXES = frozenset(_SUFFIX_KINDS)  # the extensions a loader reads
_PACKAGES = {"docx", "xlsx", "ods", "odt"}
_PACKAGE_NAMES = {".docx": ("Word 文件", "Word file"), ".xlsx": ("Excel 文件", "Excel file"),
                  ".ods": ("表格文件", "spreadsheet"), ".odt": ("文档", "document")}  # zip packages: unpacked size checked first
_LABELS = {
    "pdf": "PDF", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "ods": "OpenDocument 表格", "xls": "Excel 97-2003 (.xls)",
    "doc": "Word 97-2003 / WPS (.doc/.wps)", "odt": "OpenDocument 文本", "rtf": "RTF", "image": "图片",
    "zip": "zip 压缩包", "ole": "Office 97-2003 文件",
}


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except Exception:  # zipfile raises half a dozen kinds (NotImplementedError for a garbled version…)
        return "broken-zip"  # a zip without a readable directory: cut short, or damaged
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    if b"opendocument.text" in mimetype:
        return "odt"
    return "zip"


def _ole_kind(data: bytes, suffix: str) -> str:
    """Word or Excel 97-2003 by the stream names in the compound file's directory."""
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
        return "xls"
    if suffix in {".doc", ".wps", ".dot", ".wpt"}:
        return "doc"
    if suffix in {".xls", ".et"}:
        return "xls"
    return "ole"


def sniff_format(data: bytes, suffix: str) -> str:
    """"pdf", "docx", "xlsx", "ods", "xls", "doc", "odt", "rtf", "image", "html", "markdown",
    "text", "zip"/"ole" for containers this build cannot read, or "broken-zip"."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            if name == "zip":
                return _zip_kind(data)
            if name == "ole":
                return _ole_kind(data, suffix)
            if name == "image" and magic == b"BM" and suffix not in {".bmp", ".dib"}:
                break  # "BM" also starts plain text
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image"
    if b"%PDF-" in data[:1024] and b"%%EOF" in data[-4096:]:  # the header may follow some junk
        return "pdf"
    head = data[:4096].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<table" in data[:200000].lower() \
            or b"<p" in head[:200] or b"<div" in head[:200] or suffix in {".htm", ".html", ".xhtml", ".shtml"}:
        return "html"
    if suffix in {".md", ".markdown"}:
        return "markdown"
    return "text"


def load_bytes(data: bytes, file: str) -> Document:
    """The Document of one file's bytes, within the current limits (``limits.current()``)."""
    limits.check_file_size(len(data), file)
    if not data.strip():
        raise LoadError("file-empty", f"文件为空：{file}", f"file is empty: {file}")
    suffix = Path(file).suffix.lower()
    kind = sniff_format(data, suffix)
    try:
        document = _load(data, file, kind)
    except LoadError as error:
        raise _named(error, file, suffix, kind) from None
    limits.check_document(document.rows, file)
    if suffix in _SUFFIX_KINDS and kind not in _SUFFIX_KINDS[suffix]:
        # Read by its content all the same; the note tells the publisher the name is wrong.
        label_zh, label_en = FORMAT_LABELS.get(kind, (kind, kind))
        document.notes.append(ExtractionNote(
            code="FORMAT-MISMATCH",
            message_zh=f"文件扩展名为 {suffix}，内容却是{label_zh}；已按内容读取，请更正文件名：{file}",
            message_en=f"the file is named {suffix} but holds {label_en}; read by its content, please correct the name: {file}",
            details={"suffix": suffix, "content": kind}))
    return document


def _named(error: LoadError, file: str, suffix: str, kind: str) -> LoadError:
    """A load error that names the file, and says so when the content is not what the name promised
    (a ".pdf" holding binary junk is "not a PDF", not merely "not a text file")."""
    zh, en = error.message_zh, error.message_en
    promised = _SUFFIX_KINDS.get(suffix)
    if promised and kind not in promised and kind not in ("zip", "broken-zip"):  # a damaged package is still one
        named = suffix.lstrip(".") if suffix.lstrip(".") in promised else sorted(promised)[0]
        label_zh, label_en = FORMAT_LABELS.get(named, (suffix, suffix))
        zh, en = f"文件扩展名为 {suffix}，内容却不是{label_zh}：{zh}", f"the file is named {suffix} but is not {label_en}: {en}"
    if file not in zh:
        zh, en = f"{zh}：{file}", f"{en}: {file}"
    return LoadError(error.code, zh, en)


def _load(data: bytes, file: str, kind: str) -> Document:
    if kind in _PACKAGES:
        limits.check_package(data, file)
    if kind == "pdf":
        from .pdf import load_pdf

        return load_pdf(data, file)
    if kind == "docx":
        from .docx import load_docx

        return load_docx(data, file)
    if kind in {"xlsx", "xls", "ods"}:
        from .sheet import load_sheet

        return load_sheet(data, file, kind)
    if kind in {"doc", "odt", "rtf"}:
        from .docx import load_docx
        from .office import convert_to_docx

        document = load_docx(convert_to_docx(data, file, kind), file)
        return document.model_copy(update={"format": kind})
    if kind == "image":
        from .image import load_image

        return load_image(data, file)
    if kind == "zip" and Path(file).suffix.lower() in _PACKAGE_NAMES:
        label_zh, label_en = _PACKAGE_NAMES[Path(file).suffix.lower()]
        raise LoadError("file-unreadable", f"{label_zh}已损坏：压缩包中缺少正文部分，无法读取：{file}",
                        f"the {label_en} is damaged: the package lacks its main part: {file}")
    if kind == "broken-zip":
        label_zh, label_en = _PACKAGE_NAMES.get(Path(file).suffix.lower(), ("压缩包", "package"))
        raise LoadError("file-unreadable",
                        f"{label_zh}已损坏或不完整（文件可能被截断或下载未完成），无法读取：{file}",
                        f"the {label_en} is damaged or incomplete (cut short, or not fully downloaded): {file}")
    if kind in {"zip", "ole"}:
        label = _LABELS[kind]
        raise LoadError(
            "format-unsupported",
            f"暂不支持读取此格式（{label}）：{file}",
            f"this format ({label}) cannot be read: {file}",
        )
    if kind == "html":
        from .html import load_html

        return load_html(data, file)
    text, encoding = decode_bytes(data)
    from .text import load_text

    return load_text(text, file, encoding=encoding, markdown=(kind == "markdown"))


def read_capped(path: Path) -> bytes:
    """A regular file's bytes, never more than the size limit allows (a file that grows, or a device
    like /dev/zero, cannot fill memory)."""
    if not path.exists():  # named, or found a moment ago and gone since
        raise LoadError("file-unreadable", f"文件不存在：{path}", f"no such file: {path}")
    if not path.is_file():
        raise LoadError("file-unreadable", f"不是普通文件（目录、设备或管道）：{path}",
                        f"not a regular file (a directory, device or pipe): {path}")
    limit = limits.current().file_bytes
    limits.check_file_size(path.stat().st_size, str(path))
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    limits.check_file_size(len(data), str(path))
    return data


def load_path(path: str | Path) -> Document:
    path = Path(path)
    try:
        data = read_capped(path)
    except OSError as exc:
        raise LoadError("file-unreadable", f"无法读取文件 {path}：{exc.strerror or exc}",
                        f"cannot read {path}: {exc.strerror or exc}") from exc
    return load_bytes(data, str(path))


__all__ = ["FORMAT_LABELS", "READABLE_SUFFIXES", "LoadError", "read_capped", "load_bytes", "load_path", "sniff_format", "decode_bytes", "sniff_html_charset"]
