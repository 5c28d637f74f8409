"""What OCR read on a page, kept on disk so that a file is read by OCR once: ``auditor extract`` then
``auditor check`` (or a second run of either) on the same file reuse the first reading.

An entry is keyed by the hash of the bytes the page comes from (the image file, the PDF, the
picture inside a Word file), the page within them and the OCR settings version (``OCR_SETTINGS``
in image.py: models, scales, the reading code's revision). It holds the recognised lines and the
ruling edges, in the page's pixels; the rows are rebuilt from them for each file name.

The folder (``platformdirs.user_cache_dir("auditor")/ocr``) is safe to delete. An entry that cannot
be read or parsed is ignored (and read again by OCR); a folder that cannot be written leaves the
run uncached. ``AUDITOR_OCR_CACHE=off`` (or ``0``) turns the cache off; any other value is the
folder to use instead of the default. Without it, the settings of every cache apply (datacache.py):
``AUDITOR_NO_CACHE=1`` turns it off too and ``AUDITOR_CACHE_DIR`` moves it (to its ``ocr`` folder).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from .. import datacache
from .geometry import Edge, Glyph

CACHE_ENV = "AUDITOR_OCR_CACHE"
_OFF = {"0", "off", "no", "false", "none"}

Reading = tuple[list[Glyph], list[Edge], tuple[int, int]]


def cache_dir() -> Optional[Path]:
    """The cache folder, or None when the cache is off."""
    setting = os.environ.get(CACHE_ENV)
    if setting is not None:
        if setting.strip().lower() in _OFF or not setting.strip():
            return None
        return Path(setting)
    if not datacache.enabled():
        return None
    return datacache.cache_base() / "ocr"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_key(content: str, page: str, settings: str) -> str:
    """The key of one page: the source's content hash, the page within it, the OCR settings."""
    return hashlib.sha256(f"{content}\0{page}\0{settings}".encode("utf-8")).hexdigest()


def _path(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.json"


def load(key: str) -> Optional[Reading]:
    """The reading stored under ``key``; None when absent, the cache is off, or the entry is corrupt."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        raw = json.loads(_path(folder, key).read_text(encoding="utf-8"))
        glyphs = [Glyph(str(t), float(x0), float(y0), float(x1), float(y1)) for t, x0, y0, x1, y1 in raw["glyphs"]]
        edges = [Edge(str(o), float(p), float(s), float(e)) for o, p, s, e in raw["edges"]]
        width, height = (int(v) for v in raw["size"])
        return glyphs, edges, (width, height)
    except (OSError, ValueError, KeyError, TypeError):  # absent, unreadable or corrupt: read the page again
        return None


def store(key: str, reading: Reading) -> None:
    """Keep a reading (written whole or not at all: a temporary file renamed into place)."""
    folder = cache_dir()
    if folder is None:
        return
    glyphs, edges, size = reading
    payload = {"glyphs": [[g.text, g.x0, g.top, g.x1, g.bottom] for g in glyphs],
               "edges": [[e.orientation, e.position, e.start, e.end] for e in edges],
               "size": list(size)}
    target = _path(folder, key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(payload, out, ensure_ascii=False)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:  # a folder we cannot write: the run goes on uncached
        return
