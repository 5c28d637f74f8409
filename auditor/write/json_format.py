"""JSON output of ``auditor check``: {"tool", "version", "fail_on", "failing", "reports": [AuditResult...]}
(docs/schema/check.schema.json)."""
from __future__ import annotations

from .. import __version__
from ..model.findings import AuditResult, AuditRun
from .levels import DEFAULT_FAIL_ON, failing_count


def write_json(results: list[AuditResult], lang: str = "zh", fail_on: str = DEFAULT_FAIL_ON, **_) -> str:
    fail_on = fail_on or DEFAULT_FAIL_ON
    run = AuditRun(version=__version__, fail_on=fail_on, failing=failing_count(results, fail_on), reports=results)
    return run.model_dump_json(indent=2, exclude_none=False) + "\n"
