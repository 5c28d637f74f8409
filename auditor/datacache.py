"""A cache of plain data derived from files (parsed YAML, rule files checked), so that a run need not
parse and check the same rules and templates again: ``auditor check`` on one file starts faster.

Entries are JSON (never pickle: nothing read back can run code) in the user cache directory
(``platformdirs.user_cache_dir("auditor")``, or ``AUDITOR_CACHE_DIR``), one file per entry, named by
a hash of everything the entry depends on (the auditor version and the bytes of the files it was
derived from) — a changed file is a new key, never a stale hit. The cache is never trusted blindly: an
entry that cannot be read, is not JSON, or does not carry its own key is ignored (and rewritten). It
is safe to delete at any time; ``AUDITOR_NO_CACHE=1`` turns it off (the test suite does).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from . import __version__

NO_CACHE_ENV = "AUDITOR_NO_CACHE"
CACHE_DIR_ENV = "AUDITOR_CACHE_DIR"


def enabled() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() in ("", "0", "false", "no")


def cache_base() -> Path:
    """auditor's cache folder: ``AUDITOR_CACHE_DIR``, else the user cache folder (every cache lives under it)."""
    base = os.environ.get(CACHE_DIR_ENV)
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("auditor")
    return Path(base)


def cache_root() -> Path:
    """The folder of this version's entries."""
    return cache_base() / f"data-{__version__}"


def key_of(*parts: object) -> str:
    """A hash of the parts (bytes as they are, anything else as its text) and the auditor version."""
    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _path(kind: str, key: str) -> Path:
    return cache_root() / kind / f"{key}.json"


def read(kind: str, key: str) -> Optional[object]:
    """The data stored under ``key``; None when there is none, the cache is off, or the entry is damaged."""
    if not enabled():
        return None
    try:
        envelope = json.loads(_path(kind, key).read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(envelope, dict) or envelope.get("key") != key or "data" not in envelope:
        return None
    return envelope["data"]


def round_trips(data: object) -> bool:
    """Whether JSON gives ``data`` back equal (YAML can hold dates, int keys, tuples JSON changes)."""
    try:
        return json.loads(json.dumps(data, ensure_ascii=False)) == data
    except (TypeError, ValueError, RecursionError):
        return False


def write(kind: str, key: str, data: object) -> None:
    """Store ``data`` (JSON-able, checked by the caller with ``round_trips``) under ``key``; a cache that
    cannot be written (read-only home, full disk) is no error: the next run derives the data again."""
    if not enabled():
        return
    target = _path(kind, key)
    try:
        text = json.dumps({"key": key, "data": data}, ensure_ascii=False, separators=(",", ":"))
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, target)  # whole or not at all: a reader never sees half an entry
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, TypeError, ValueError, RecursionError):
        pass
