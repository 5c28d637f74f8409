"""The run's fail level (``--fail-on``) and severities as every output format shows them.

One meaning everywhere: a finding *fails* when its severity (after ``--severity``) is at or above
the fail level; the exit status is 1 exactly when some finding fails. A failing finding is an
``error`` in SARIF and GitHub annotations and a ``<failure>`` in JUnit; a finding below the fail
level is at most a ``warning`` there, so CI tools that gate on those levels agree with the exit
status. The finding's own severity is kept beside it (SARIF ``properties.severity``, JSON).
"""
from __future__ import annotations

from typing import Optional

from ..model.findings import Finding, Severity
from ..policy import DEFAULT_FAIL_ON, failing_count, fails, threshold  # noqa: F401 - the formats' one import

SEVERITY_LABELS = {"zh": {"error": "错误", "warning": "警告", "review": "复核", "info": "提示"},
                   "en": {"error": "error", "warning": "warning", "review": "review", "info": "info"}}
def shown_level(finding: Finding, fail_on: Optional[str]) -> str:
    """error (fails the run) | warning (error or warning below the fail level) | note (review, info)."""
    if fails(finding, fail_on):
        return "error"
    return "warning" if finding.severity in (Severity.error, Severity.warning) else "note"


def default_level(severity: str) -> str:
    """A code's default severity as a SARIF level under the default fail level."""
    return {"error": "error", "warning": "warning"}.get(severity, "note")
