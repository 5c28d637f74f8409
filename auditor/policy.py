"""What the run decides rather than the rule: the fail level (``--fail-on``) and which findings fail.

One meaning everywhere: a finding *fails* when its severity (after ``--severity``) is at or above the
fail level; the exit status is 1 exactly when some finding fails. The CLI, batch and every output
format ask this module.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Limits
from .model.findings import AuditResult, Finding, Severity, Status
from .model.report import Report

DEFAULT_FAIL_ON = "error"  # the CLI's default; formatters called without fail_on use it too
FAIL_LEVELS = ("error", "warning", "review", "info", "never")


def threshold(fail_on: Optional[str]) -> Optional[Severity]:
    """The lowest failing severity; None for "never"."""
    level = fail_on or DEFAULT_FAIL_ON
    return None if level == "never" else Severity(level)


def fails(finding: Finding, fail_on: Optional[str]) -> bool:
    lowest = threshold(fail_on)
    return lowest is not None and finding.severity.rank >= lowest.rank


def result_fails(result: AuditResult, fail_on: Optional[str]) -> bool:
    """Some finding of the report fails the run."""
    return any(fails(f, fail_on) for f in result.findings)


def failing_count(results, fail_on: Optional[str]) -> int:
    """Findings at or above the fail level: the exit status is 1 exactly when this is > 0."""
    return sum(fails(f, fail_on) for r in results for f in r.findings)


UNREAD_KINDS = frozenset({"file", "limit", "internal"})  # findings that say a file was not (fully) read
ALL = "ALL"


def matches(pattern: str, code: str) -> bool:
    """A selector (``ALL``, a code, or a code prefix such as ``T3`` or ``T3-``) covers ``code``."""
    return pattern == ALL or code.upper().startswith(pattern.upper())


def _specificity(pattern: str) -> int:
    return -1 if pattern == ALL else len(pattern)


@dataclass(frozen=True)
class SelectLayer:
    """One layer of selectors: the configuration file's, then the command line's."""

    select: Optional[tuple[str, ...]] = None  # None: keep what the layers before selected
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    """Which codes a run reports, as ruff selects rules (``select``, ``extend-select``, ``ignore``).

    Everything is selected to begin with. Each layer in turn: a ``select`` starts afresh from its
    selectors alone; then the most specific selector of the layer that covers a code decides
    (``T3-BALANCE`` wins over ``T3`` wins over ``ALL``; at equal length ``ignore`` wins). A code no
    selector of a layer covers keeps its state, or is left out when the layer has a ``select``.
    A finding saying its file was not read (kinds file, limit, internal) is left out only by an
    ``ignore`` naming it (a code or prefix, not ``ALL``): a run must not pass a file it never read."""

    layers: tuple[SelectLayer, ...] = ()

    def _decide(self, code: str, unread: bool) -> bool:
        selected = True
        for layer in self.layers:
            best: Optional[tuple[int, int, bool]] = None
            picks = [(p, True) for p in (*(layer.select or ()), *layer.extend_select)] + \
                    [(p, False) for p in layer.ignore]
            for pattern, keep in picks:
                if unread and pattern == ALL:
                    continue
                if matches(pattern, code):
                    rank = (_specificity(pattern), 0 if keep else 1, keep)
                    best = rank if best is None or rank[:2] > best[:2] else best
            if best is not None:
                selected = best[2]
            elif layer.select is not None and not unread:
                selected = False
        return selected

    def selected(self, code: str, kind: str = "table") -> bool:
        return not self.layers or self._decide(code, kind in UNREAD_KINDS)

    def to_data(self) -> list:
        """Plain data (a batch's worker spec and rule version): [[select or None, extend, ignore], …]."""
        return [[None if layer.select is None else list(layer.select), list(layer.extend_select), list(layer.ignore)]
                for layer in self.layers]

    @classmethod
    def from_data(cls, data) -> "Selection":
        return cls(tuple(SelectLayer(None if select is None else tuple(select), tuple(extend), tuple(ignore))
                         for select, extend, ignore in data or ()))

    def patterns(self) -> list[str]:
        """Every selector named, for checking them against the known codes."""
        return [p for layer in self.layers for p in (*(layer.select or ()), *layer.extend_select, *layer.ignore)]


@dataclass
class RunConfig:
    """What the run decides rather than the rule: language, severities, disabled codes, per-file
    ignores. The stages emit findings at their default severity; ``apply`` stamps the run's
    decisions on them once, after checking, for every command alike."""

    lang: str = "zh"
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    # glob -> codes left out for the files it matches (``[per-file-ignores]``)
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Error localisation (locate.py): report -> {CellKey or (table, row, column): weight}; a cell
    # confirmed elsewhere (another table, last year's report) weighs more, so costs more to change.
    cell_weights: Optional[Callable[[Report], dict]] = None
    limits: Limits = DEFAULT_LIMITS  # what one input file may cost (limits.py)
    selection: Selection = Selection()  # --select/--ignore/--extend-select and the file's keys
    # Publication dates (``--published``, the batch manifest): a file's path or name -> date; "*" for
    # every file. The document checks compare them with the statutory deadline (DOC-LATE).
    published: dict[str, dt.date] = field(default_factory=dict)

    def published_on(self, file: str) -> Optional[dt.date]:
        """The publication date given for this file, if any."""
        if not self.published:
            return None
        for key in (file, Path(file).name, "*"):
            if key in self.published:
                return self.published[key]
        return None

    def severity(self, code: str, default: Severity) -> Severity:
        return self.severity_overrides.get(code, default)

    def enabled(self, code: str) -> bool:
        """Whether a check is worth running at all (a disabled or unselected one is skipped, not just hidden)."""
        return code not in self.disabled and self.selection.selected(code)

    def ignored(self, file: str) -> set[str]:
        """Codes left out for this file by the per-file-ignores globs (matched on the path or the name)."""
        codes: set[str] = set()
        for pattern, listed in self.per_file_ignores.items():
            if fnmatch.fnmatch(file, pattern) or fnmatch.fnmatch(Path(file).name, pattern):
                codes.update(listed)
        return codes

    def apply(self, findings: list[Finding], file: Optional[str] = None) -> list[Finding]:
        """The findings as this run reports them: disabled, unselected and per-file-ignored codes left out, each
        severity overridden where the run says so. A relation that is only *not filled* stays at most
        a warning and one *not assessable* stays info, whatever the override (they accuse no number)."""
        left_out = self.disabled | (self.ignored(file) if file and self.per_file_ignores else set())
        out = []
        for finding in findings:
            if finding.code in left_out or not self.selection.selected(finding.code, finding.kind):
                continue
            override = self.severity_overrides.get(finding.code)
            if override is not None and finding.status != Status.not_assessable:
                if finding.status == Status.not_filled:
                    override = min(override, Severity.warning, key=lambda s: s.rank)
                if override != finding.severity:
                    finding = finding.model_copy(update={"severity": override})
            out.append(finding)
        return out
