"""Loaders: bytes of one file -> a Document. The format is chosen by content, then by extension."""
from __future__ import annotations

from pathlib import Path

from ..model import Document
from .encoding import decode_bytes, sniff_html_charset
from .errors import LoadError

MAX_FILE_BYTES = 50 * 1024 * 1024

_TEXT_EXTENSIONS = {".txt", ".text", ".md", ".markdown", ".htm", ".html", ".xhtml", ".shtml", ""}
_UNSUPPORTED = {
    b"%PDF": ("pdf", "PDF"),
    b"PK\x03\x04": ("zip", "Word/Excel (zip)"),
    b"\xd0\xcf\x11\xe0": ("ole", "Word/Excel 97-2003"),
    b"\x89PNG": ("image", "PNG image"),
    b"\xff\xd8\xff": ("image", "JPEG image"),
    b"GIF8": ("image", "GIF image"),
}


def sniff_format(data: bytes, suffix: str) -> str:
    """"html", "markdown", "text", or the name of a format this build cannot read yet."""
    for magic, (name, _) in _UNSUPPORTED.items():
        if data.startswith(magic):
            return name
    head = data[:4096].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<table" in data[:200000].lower() \
            or b"<p" in head[:200] or b"<div" in head[:200] or suffix in {".htm", ".html", ".xhtml", ".shtml"}:
        return "html"
    if suffix in {".md", ".markdown"}:
        return "markdown"
    return "text"


def load_bytes(data: bytes, file: str) -> Document:
    suffix = Path(file).suffix.lower()
    if not data.strip():
        raise LoadError("file-empty", f"文件为空：{file}", f"file is empty: {file}")
    kind = sniff_format(data, suffix)
    if kind in {"pdf", "zip", "ole", "image"}:
        label = next(v[1] for v in _UNSUPPORTED.values() if v[0] == kind)
        raise LoadError(
            "format-unsupported",
            f"暂不支持读取此格式（{label}）：{file}",
            f"this format ({label}) cannot be read yet: {file}",
        )
    if kind == "html":
        from .html import load_html

        return load_html(data, file)
    text, encoding = decode_bytes(data)
    from .text import load_text

    return load_text(text, file, encoding=encoding, markdown=(kind == "markdown"))


def load_path(path: str | Path) -> Document:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError("file-too-large", f"文件过大（{size} 字节）：{path}", f"file too large ({size} bytes): {path}")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError("file-unreadable", f"无法读取文件 {path}：{exc.strerror or exc}",
                        f"cannot read {path}: {exc.strerror or exc}") from exc
    return load_bytes(data, str(path))


__all__ = ["LoadError", "load_bytes", "load_path", "sniff_format", "decode_bytes", "sniff_html_charset"]
