"""Baselines for gradual adoption: record today's findings, then fail only on new ones.

A finding's fingerprint (version 2) is the report's content (SHA-256 of its bytes, the hash the
batch store keeps), the agency and year read from it, the finding's code and status, and every
cell with the value printed there. It holds no path: a baseline keeps working from another working
directory, and for a report moved or renamed. Any change to a report's bytes is a new report, so its
findings are new again, and a changed number inside an already failing relation makes a new finding
as before. A file that cannot be read (no content to hash) is known by its file name.

Version 1 baselines (whose fingerprints began with the path relative to the working directory) still
load: their fingerprints are matched by the old scheme, which works from the directory they were
recorded in; ``auditor baseline`` writes version 2.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

from .model.findings import AuditResult, Finding

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
_PREFIX = "v2|"  # a version-2 fingerprint begins with it; a version-1 one with a path


def content_hash(file: str) -> Optional[str]:
    """SHA-256 of the file's bytes (as batch.py hashes them for the store), or None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _cells(file: str, finding: Finding) -> str:
    cells = ";".join(f"{c.table}.{c.row}.{c.column}={c.raw.strip()}" for c in finding.cells)
    if not cells:  # narrative and file findings: the sentence and the values stand for the cells
        message = finding.message_zh
        for named in {file, finding.file or file}:  # a file finding's message names the path
            if named:
                message = message.replace(named, "")
        cells = f"{getattr(finding, 'sentence', None) or ''}|{finding.reported}|{finding.computed}|{message}"
    return cells


class _Keys:
    """The report key of each file of a run, read once."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def report_key(self, file: str) -> str:
        if file not in self.known:
            digest = content_hash(file)
            self.known[file] = report_key(digest, file)
        return self.known[file]


def fingerprint(result: AuditResult, finding: Finding, keys: Optional[_Keys] = None) -> str:
    """The version-2 fingerprint of one finding of ``result``: content, identity, code, cells; no path."""
    file = finding.file or result.file
    return stored_fingerprint((keys or _Keys()).report_key(file), result.file, result.agency, result.year, finding)


def report_key(content_hash: Optional[str], file: str) -> str:
    """The report part of a fingerprint from a content hash known already (the store keeps it)."""
    return f"sha256:{content_hash}" if content_hash else f"name:{Path(file).name}"


def stored_fingerprint(report: str, result_file: str, agency: Optional[str], year: Optional[int],
                       finding: Finding) -> str:
    """``fingerprint`` for a report whose key (``report_key``) is known: what the store's findings get."""
    file = finding.file or result_file
    agency, year = (agency or "", year or "") if file == result_file else ("", "")
    return f"{_PREFIX}{report}|{agency}|{year}|{finding.code}|{finding.status.value}|{_cells(result_file, finding)}"


def without_report(fingerprint_v2: str) -> str:
    """A version-2 fingerprint without its report part: the same finding in another version of the
    report (other bytes, same agency, year, code and cells with the same values)."""
    return fingerprint_v2.split("|", 2)[2] if fingerprint_v2.startswith(_PREFIX) else fingerprint_v2


def _legacy_file_key(file: str) -> str:
    path = Path(file)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def legacy_fingerprint(file: str, finding: Finding) -> str:
    """The version-1 fingerprint: the path relative to the working directory, code, status, cells."""
    cells = ";".join(f"{c.table}.{c.row}.{c.column}={c.raw.strip()}" for c in finding.cells)
    if not cells:
        cells = f"{getattr(finding, 'sentence', None) or ''}|{finding.reported}|{finding.computed}|{finding.message_zh}"
    return f"{_legacy_file_key(finding.file or file)}|{finding.code}|{finding.status.value}|{cells}"


def build_baseline(results: list[AuditResult]) -> dict:
    keys = _Keys()
    prints = sorted({fingerprint(r, f, keys) for r in results for f in r.findings})
    return {"version": FORMAT_VERSION, "tool": "auditor", "fingerprints": prints}


def write_baseline(results: list[AuditResult], path: Path) -> int:
    data = build_baseline(results)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(data["fingerprints"])


def read_baseline(path: Path) -> set[str]:
    """The fingerprints of a baseline file of any readable version (1 or 2)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: 基线文件无法读取 / baseline cannot be read: {error}") from error
    if not isinstance(data, dict) or data.get("version") not in READABLE_VERSIONS or \
            not isinstance(data.get("fingerprints"), list) or \
            not all(isinstance(p, str) for p in data["fingerprints"]):
        raise ValueError(f"{path}: 不是 auditor 基线文件 / not an auditor baseline (version "
                         f"{' or '.join(map(str, READABLE_VERSIONS))})")
    return set(data["fingerprints"])


def apply_baseline(results: list[AuditResult], known: set[str]) -> int:
    """Drop the findings already in the baseline; returns how many were dropped.

    Version-1 fingerprints in ``known`` (from an old baseline) are matched by the old scheme."""
    keys = _Keys()
    legacy = any(not p.startswith(_PREFIX) for p in known)
    dropped = 0
    for result in results:
        kept = [f for f in result.findings if fingerprint(result, f, keys) not in known
                and not (legacy and legacy_fingerprint(result.file, f) in known)]
        dropped += len(result.findings) - len(kept)
        result.findings = kept
    return dropped
