"""Bytes -> text: BOMs, strict UTF-8, a declared charset, GB18030, Big5; rejects empty and binary data.

Chinese reports come as UTF-8, as GB2312/GBK/GB18030 (all read as GB18030, their superset) and,
from mirror sites, as Big5. Order of trust: a byte-order mark, then bytes that are valid UTF-8, then
the charset the file declares, then GB18030 and Big5 when they decode strictly, and last the
candidate that needs the fewest replacement characters.
"""
from __future__ import annotations

import codecs
import re
from typing import Optional

from ..model.errors import LoadError

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_GB_NAMES = frozenset({
    "gb2312", "gb_2312", "gb-2312", "gb_2312-80", "gb2312-80", "csgb2312", "gbk", "x-gbk", "cp936",
    "ms936", "windows-936", "936", "gb18030", "gb-18030", "euc-cn", "euccn", "x-euc-cn", "chinese",
    "iso-ir-58", "csiso58gb231280",
})
_BIG5_NAMES = frozenset({
    "big5", "big-5", "cn-big5", "csbig5", "x-x-big5", "cp950", "ms950", "windows-950", "big5-hkscs",
    "big5hkscs",
})
# Declared charsets that decode any byte string: a Chinese page mislabelled with one of them would
# become mojibake, so they are tried only after GB18030 and Big5.
_WEAK_NAMES = frozenset({"latin_1", "iso8859-1", "cp1252", "ascii"})

_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9][a-z0-9_.:\-]*)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"<\?xml\b[^>]*?encoding\s*=\s*[\"']([a-z0-9][a-z0-9_.:\-]*)", re.IGNORECASE)

# C0 controls that do not occur in text (tab, LF, CR, FF and ESC do).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_SAMPLE = 65536
_CONTROL_RATIO = 0.10


def sniff_html_charset(head: bytes) -> Optional[str]:
    """The charset a page declares in its first 4 KB (``<meta charset>``, ``http-equiv`` or ``<?xml``)."""
    head = head[:4096]
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not found:
        return None
    return found.group(1).decode("ascii", "ignore").lower() or None


def _codec_for(declared: Optional[str]) -> Optional[str]:
    """A Python codec name for a declared charset: the GB family -> gb18030, Big5 family -> big5."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    if name in _GB_NAMES or name.startswith("gb"):
        return "gb18030"
    if name in _BIG5_NAMES:
        return "big5hkscs" if "hkscs" in name else "big5"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")):
        return None  # a charset readable in ASCII bytes cannot be UTF-16/32; the BOM decides those
    return codec


def _strict(data: bytes, codec: str) -> Optional[str]:
    """Decode without errors, except that a character cut off at the very end (a truncated
    download) becomes U+FFFD instead of sending the whole file to another encoding."""
    try:
        decoder = codecs.getincrementaldecoder(codec)()
        text = decoder.decode(data, final=False)
    except (UnicodeDecodeError, LookupError):
        return None
    return text + "\ufffd" if decoder.getstate()[0] else text


def _utf16_without_bom(data: bytes) -> tuple[Optional[str], str]:
    """UTF-16 text without a BOM: ASCII markup leaves a NUL in every other byte."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 4 or len(data) % 2:
        return None, ""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return _strict(data, "utf-16-le"), "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return _strict(data, "utf-16-be"), "utf-16-be"
    return None, ""


def _binary_error() -> LoadError:
    return LoadError("file-binary", "文件是二进制数据，不是文本或网页", "the file is binary data, not text or a web page")


def _empty_error() -> LoadError:
    return LoadError("file-empty", "文件为空", "the file is empty")


def _check_text(text: str, controls_checked: bool = False) -> str:
    """Reject decoded text that is empty, or (unless the bytes were checked) mostly control characters."""
    if not text.strip():
        raise _empty_error()
    if controls_checked:
        return text
    sample = text[:_SAMPLE]
    controls = len(_CONTROL_CHARS.findall(sample))
    if "\x00" in sample or controls > _CONTROL_RATIO * len(sample):
        raise _binary_error()
    return text


def decode_bytes(data: bytes, declared: Optional[str] = None) -> tuple[str, str]:
    """Decode a report's bytes; returns ``(text, encoding)`` with a Python codec name.

    ``declared`` is a charset from outside (an HTTP header, a caller); without it, a ``<meta>``
    charset in the first 4 KB is used. Raises LoadError "file-empty" or "file-binary".
    """
    if not data or not data.strip():
        raise _empty_error()

    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            text = _strict(body, codec)
            if text is None:
                text = body.decode(codec, errors="replace")
            return _check_text(text), ("utf-8-sig" if codec == "utf-8" else codec)

    if b"\x00" in data[:_SAMPLE]:
        text, codec = _utf16_without_bom(data)
        if text is None:
            raise _binary_error()
        return _check_text(text), codec
    sample = data[:_SAMPLE]
    if len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > _CONTROL_RATIO * len(sample):
        raise _binary_error()

    # From here on the bytes are an ASCII-compatible encoding whose control bytes were checked above.
    text = _strict(data, "utf-8")
    if text is not None:
        return _check_text(text, True), "utf-8"

    codec = _codec_for(declared or sniff_html_charset(data))
    if codec is not None and codec not in _WEAK_NAMES and codec != "utf-8":
        text = _strict(data, codec)
        if text is None and codec == "big5":
            codec, text = "big5hkscs", _strict(data, "big5hkscs")
        if text is not None:
            return _check_text(text, True), codec

    for candidate in ("gb18030", "big5"):
        text = _strict(data, candidate)
        if text is not None:
            return _check_text(text, True), candidate

    if codec in _WEAK_NAMES:
        text = _strict(data, codec)
        if text is not None:
            return _check_text(text, True), codec

    # Last resort: the reading that needs the fewest replacement characters (UTF-8 on a tie, or the
    # declared charset when there is one).
    candidates = [c for c in (codec, "utf-8", "gb18030") if c]
    best_text, best_codec = None, "utf-8"
    for candidate in dict.fromkeys(candidates):
        decoded = data.decode(candidate, errors="replace")
        if best_text is None or decoded.count("\ufffd") < best_text.count("\ufffd"):
            best_text, best_codec = decoded, candidate
    return _check_text(best_text, True), best_codec


__all__ = ["decode_bytes", "sniff_html_charset", "LoadError"]
