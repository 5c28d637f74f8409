"""Baselines for gradual adoption: record today's findings, then fail only on new ones.

A finding's fingerprint is its file, code and every cell with the value printed there, so a
changed number inside an already failing relation makes a new finding.
"""
from __future__ import annotations

import json
from pathlib import Path

from .findings import AuditResult, Finding

FORMAT_VERSION = 1


def _file_key(file: str) -> str:
    path = Path(file)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def fingerprint(file: str, finding: Finding) -> str:
    cells = ";".join(f"{c.table}.{c.row}.{c.column}={c.raw.strip()}" for c in finding.cells)
    if not cells:  # narrative and file findings: the sentence and the values stand for the cells
        cells = f"{getattr(finding, 'sentence', None) or ''}|{finding.reported}|{finding.computed}|{finding.message_zh}"
    return f"{_file_key(finding.file or file)}|{finding.code}|{finding.status.value}|{cells}"


def build_baseline(results: list[AuditResult]) -> dict:
    prints = sorted({fingerprint(r.file, f) for r in results for f in r.findings})
    return {"version": FORMAT_VERSION, "tool": "auditor", "fingerprints": prints}


def write_baseline(results: list[AuditResult], path: Path) -> int:
    data = build_baseline(results)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return len(data["fingerprints"])


def read_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: 基线文件无法读取 / baseline cannot be read: {error}") from error
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or \
            not isinstance(data.get("fingerprints"), list):
        raise ValueError(f"{path}: 不是 auditor 基线文件 / not an auditor baseline (version {FORMAT_VERSION})")
    return set(data["fingerprints"])


def apply_baseline(results: list[AuditResult], known: set[str]) -> int:
    """Drop the findings already in the baseline; returns how many were dropped."""
    dropped = 0
    for result in results:
        kept = [f for f in result.findings if fingerprint(result.file, f) not in known]
        dropped += len(result.findings) - len(kept)
        result.findings = kept
    return dropped
