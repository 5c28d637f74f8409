"""What one batch worker does, in a local process or on a Dask worker: compile the rules of a spec
once, audit a chunk of files, and return plain rows (identity, findings, the compressed model).
A watchdog ends a worker held past the hard time limit by one file (C code a signal cannot stop).
"""
from __future__ import annotations

import os
import datetime as dt
import json
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional, Sequence

from ..limits import Limits
from ..load.image import JOBS_ENV
from ..model.findings import Severity
from ..model.report import Report
from ..pipeline import audit_file
from ..policy import RunConfig, Selection
from ..ruleset import add_templates, load_rule_files
from .store import compress_model, finding_row

Task = tuple[str, Optional[str], Optional[bytes]]  # (path, content hash, content)

_WORKER_STATE: dict[str, tuple[list, RunConfig]] = {}
_STATE_LOCK = threading.Lock()


def prime(version: str, rules: list, config: RunConfig) -> None:
    """Rules the coordinator compiled already: this process (and forked workers) need not compile them again."""
    with _STATE_LOCK:
        _WORKER_STATE.setdefault(version, (rules, config))


def _state(spec: dict) -> tuple[list, RunConfig]:
    """The compiled rules and run config of a spec, built once per process (per version)."""
    with _STATE_LOCK:
        state = _WORKER_STATE.get(spec["version"])
        if state is None:
            folder = tempfile.mkdtemp(prefix="auditor-rules-")
            try:
                templates = []
                for name, text in spec.get("templates", ()):
                    path = Path(folder) / name
                    path.write_text(text, encoding="utf-8")
                    templates.append(path)
                add_templates(templates)  # the coordinator checked them: they add the same templates here
                paths = []
                for name, text in spec["rules"]:
                    path = Path(folder) / name
                    path.write_text(text, encoding="utf-8")
                    paths.append(path)
                rules = load_rule_files(paths)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            config = RunConfig(lang=spec["lang"], severity_overrides={k: Severity(v) for k, v in spec["severity"].items()},
                               disabled=frozenset(spec["disabled"]), limits=Limits(**spec.get("limits", {})),
                               per_file_ignores={k: tuple(v) for k, v in spec.get("per_file_ignores", {}).items()},
                               selection=Selection.from_data(spec.get("selection")),
                               published={k: dt.date.fromisoformat(v) for k, v in spec.get("published", {}).items()})
            state = _WORKER_STATE[spec["version"]] = (rules, config)
        return state


# The file a worker is auditing and since when (monotonic seconds), for the worker's watchdog.
_BUSY: list = [None, 0.0]
WATCHDOG_EXIT = 70  # a worker that ended itself over a file stuck past its hard time limit


def hard_time_limit(limits: Limits) -> float:
    """When the watchdog ends a worker stuck on one file: the soft limit (a signal, which cannot
    interrupt C code) has had its chance by then."""
    return 2 * limits.seconds + 5 if limits.seconds else 0.0


def init_worker(spec: dict) -> None:
    """Process-pool initializer: compile the rules once; exit if the coordinator goes away, or if
    one file holds the worker past the hard time limit (the coordinator then retries the chunk's
    files one by one and records the one that stops a worker again)."""
    _state(spec)
    globals()["_SPEC"] = spec
    # the worker processes share the cores already: one page of a scanned file at a time in each
    # (the OCR models, loaded on a worker's first scanned page, stay loaded for its later files)
    os.environ.setdefault(JOBS_ENV, "1")
    parent = os.getppid()
    hard_limit = hard_time_limit(Limits(**spec.get("limits", {})))

    def watch() -> None:  # a killed coordinator leaves no worker behind; a stuck file ends its worker
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)
            if hard_limit and _BUSY[0] is not None and time.monotonic() - _BUSY[1] > hard_limit:
                os._exit(WATCHDOG_EXIT)

    threading.Thread(target=watch, daemon=True).start()


def audit_chunk(tasks: Sequence[Task], spec: Optional[dict] = None) -> list[dict]:
    """Audit a chunk of files; each result is plain data: identity, findings rows, compressed model."""
    rules, config = _state(spec if spec is not None else globals()["_SPEC"])
    out = []
    for path, content_hash, data in tasks:
        _BUSY[:] = [path, time.monotonic()]
        try:
            result = audit_file(path, rules, config, data=data)
        finally:
            _BUSY[0] = None
        model = None
        if result.tables:
            report = Report.model_construct(file=result.file, agency=result.agency, year=result.year,
                                            template=result.template, tables=result.tables, notes=[], images=[])
            model = compress_model(report.model_dump_json())
        out.append({
            "path": path, "hash": content_hash, "status": "audited",
            "agency": result.agency, "year": result.year, "template": result.template.overall,
            "model": model,
            "narrative": compress_model(json.dumps(result.narrative, ensure_ascii=False)) if result.narrative else None,
            "year_on_year": compress_model(json.dumps([c.model_dump(mode="json") for c in result.claims.year_on_year],
                                                      ensure_ascii=False)) if result.claims.year_on_year else None,
            "findings": [finding_row(f.model_dump(mode="json")) for f in result.findings],
        })
    return out


