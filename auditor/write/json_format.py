"""JSON output of ``auditor check``: {"tool", "version", "reports": [AuditResult...]}."""
from __future__ import annotations

from .. import __version__
from ..findings import AuditResult, AuditRun
from . import register


@register("json")
def write_json(results: list[AuditResult], lang: str = "zh", **_) -> str:
    run = AuditRun(version=__version__, reports=results)
    return run.model_dump_json(indent=2, exclude_none=False) + "\n"
