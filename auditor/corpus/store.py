"""The results store: an embedded SQLite database (WAL) of audited reports, findings and runs.

One writer (the batch coordinator) and any number of readers (``auditor report``). The schema is
versioned with ``PRAGMA user_version``; ``MIGRATIONS[n]`` brings a database from version n to n+1 in
one transaction, so a store is always at a version this code knows, and a newer one is refused.

Tables (version 1):

* ``runs``: one row per batch (start, end, rule version, counts).
* ``reports``: one row per file path (``UNIQUE(path)``): content hash, rule version, status
  (``audited``; ``worker-error`` when the worker itself failed, retried by the next run), the
  agency key and year used by cross-report rules (``agency_read``: as printed), the template, and
  the parsed model (``Report.model_dump_json()``, zlib-compressed: ``Store.load_report``).
* ``findings``: one row per finding: code, severity, status, kind, message, cells (JSON, each
  with its ``file`` on cross-report findings), file, and the rest of the finding as JSON (``data``).
  ``link_id`` is NULL for the report's own findings.
* ``report_versions`` (version 2): an earlier version of a report kept when the same agency's report
  of the same year comes again with other content (``Store.archive``); ``auditor diff --store`` reads
  it as ``version:ID``.
* ``links`` + ``link_members``: one cross-report evaluation (``pair``: a report and last year's;
  ``aggregate``: a parent and its components) whose findings are filed under ``report_id``
  (the later report, the parent).

Tables (version 2, the reviewer's workbench, ``auditor serve``):

* ``decisions``: the reviewer's decision on a finding, keyed by its baseline fingerprint (version 2,
  ``baseline.fingerprint``): ``confirmed``, ``dismissed`` (reason ``reading_error``,
  ``not_an_error``, ``accepted``) or ``needs_info``, a note and the reviewer's name. A fingerprint
  holds the report's content, not its path or row id, so a decision survives a re-audit.
* ``finding_states``: where a finding stands in the fix workflow (``open`` → ``sent`` → ``fixed`` →
  ``verified``); a finding with no row is open.
* ``decision_history``: every change of a decision or a state (``field``: ``decision`` | ``state``).
* ``report_counts``: each report's findings counted by severity, with the not-assessable and
  failed marks, kept by triggers on ``findings`` (the workbench's list reads it).
* ``finding_prints``: each stored finding's fingerprint, its fingerprint without the report part
  (``identity``: the same finding in another version) and its ``place`` (code and cells, no
  values: what a corrected version no longer has), filled by ``corpus/review.py``.

Crash safety: every write is one transaction (``Store.write_reports`` takes a whole chunk), so a
SIGKILL loses at most the chunk in flight and a rerun never duplicates a row: a path is unique, and
re-auditing it replaces the row, its findings and every link it was a member of.
"""
from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence, Union

from . import SEVERITIES
from ..model.findings import FAILED_KINDS, NOT_ASSESSABLE_CODES, YearOnYearClaim
from ..model.report import Cell, CellState, Report, Source, Table, TemplateGuess

# The codes of a table that cannot be checked and the kinds of a file that could not be audited
# (auditor/model/findings.py, shared with the HTML report's list), as SQL lists.
_NOT_ASSESSABLE = ",".join(f"'{c}'" for c in NOT_ASSESSABLE_CODES)
_FAILED = ",".join(f"'{k}'" for k in FAILED_KINDS)
# a finding about the report's content (error, warning or review), not about what could not be read
_FLAGGED = ("{row}.severity IN ('error', 'warning', 'review') AND {row}.code NOT IN (" + _NOT_ASSESSABLE + ")"
            " AND {row}.kind NOT IN (" + _FAILED + ")")
_COUNT_CHANGE = (
    "n_error = n_error {sign} ({row}.severity = 'error'), n_warning = n_warning {sign} ({row}.severity = 'warning'),"
    " n_review = n_review {sign} ({row}.severity = 'review'), n_info = n_info {sign} ({row}.severity = 'info'),"
    " total = total {sign} 1, n_not_assessable = n_not_assessable {sign} ({row}.code IN (" + _NOT_ASSESSABLE + ")),"
    " n_failed = n_failed {sign} ({row}.kind IN (" + _FAILED + ") AND {row}.link_id IS NULL),"
    " n_flagged = n_flagged {sign} (" + _FLAGGED.format(row="{row}") + ")")

MIGRATIONS: list[tuple[str, ...]] = [
    (  # 0 -> 1
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            auditor_version TEXT NOT NULL,
            rule_version TEXT NOT NULL,
            command TEXT NOT NULL DEFAULT '',
            files INTEGER NOT NULL DEFAULT 0,
            audited INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            pairs INTEGER NOT NULL DEFAULT 0,
            aggregates INTEGER NOT NULL DEFAULT 0)""",
        """CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            content_hash TEXT,
            rule_version TEXT NOT NULL,
            status TEXT NOT NULL,
            agency TEXT,
            agency_read TEXT,
            year INTEGER,
            template TEXT,
            model BLOB,
            run_id INTEGER REFERENCES runs(id),
            audited_at TEXT NOT NULL)""",
        "CREATE INDEX reports_agency_year ON reports(agency, year)",
        """CREATE TABLE links (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            UNIQUE(kind, report_id, key))""",
        """CREATE TABLE link_members (
            link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
            report_id INTEGER NOT NULL REFERENCES reports(id),
            PRIMARY KEY(link_id, report_id))""",
        "CREATE INDEX link_members_report ON link_members(report_id)",
        """CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            link_id INTEGER REFERENCES links(id) ON DELETE CASCADE,
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'table',
            message TEXT NOT NULL,
            cells TEXT NOT NULL DEFAULT '[]',
            file TEXT,
            data TEXT NOT NULL DEFAULT '{}')""",
        "CREATE INDEX findings_report ON findings(report_id)",
        "CREATE INDEX findings_link ON findings(link_id)",
        "CREATE INDEX findings_code ON findings(code)",
    ),
    (  # 1 -> 2: earlier versions of a report (issue 18, "发布后有变动"); additive
        """CREATE TABLE report_versions (
            id INTEGER PRIMARY KEY,
            agency TEXT,
            year INTEGER,
            path TEXT NOT NULL,
            content_hash TEXT,
            model BLOB,
            audited_at TEXT NOT NULL,
            superseded_at TEXT NOT NULL)""",
        "CREATE INDEX report_versions_agency_year ON report_versions(agency, year)",
        # the narrative's paragraphs (zlib-compressed JSON list) for the copied-text pair check
        "ALTER TABLE reports ADD COLUMN narrative BLOB",
    ),
    (  # 2 -> 3: the reviewer's decisions and the fix state of findings (auditor serve)
        """CREATE TABLE decisions (
            fingerprint TEXT PRIMARY KEY,
            decision TEXT NOT NULL,
            reason TEXT,
            note TEXT,
            reviewer TEXT,
            decided_at TEXT)""",
        """CREATE TABLE finding_states (
            fingerprint TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            changed_at TEXT NOT NULL)""",
        """CREATE TABLE decision_history (
            id INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            field TEXT NOT NULL,
            value TEXT NOT NULL,
            reason TEXT,
            note TEXT,
            reviewer TEXT,
            changed_at TEXT NOT NULL)""",
        "CREATE INDEX decision_history_print ON decision_history(fingerprint)",
        """CREATE TABLE finding_prints (
            finding_id INTEGER PRIMARY KEY REFERENCES findings(id) ON DELETE CASCADE,
            report_id INTEGER NOT NULL,
            severity TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            identity TEXT NOT NULL,
            place TEXT NOT NULL)""",
        "CREATE INDEX finding_prints_print ON finding_prints(fingerprint)",
        "CREATE INDEX finding_prints_identity ON finding_prints(identity)",
        "CREATE INDEX finding_prints_report ON finding_prints(report_id, place)",
        "CREATE INDEX decisions_decision ON decisions(decision)",
        "CREATE INDEX findings_code_report ON findings(code, report_id)",  # the list's filter by code
        # Each report's counts, kept by triggers as findings come and go: the reports list reads
        # them instead of counting every report's findings for every page.
        """CREATE TABLE report_counts (
            report_id INTEGER PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
            n_error INTEGER NOT NULL DEFAULT 0,
            n_warning INTEGER NOT NULL DEFAULT 0,
            n_review INTEGER NOT NULL DEFAULT 0,
            n_info INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 0,
            n_not_assessable INTEGER NOT NULL DEFAULT 0,
            n_failed INTEGER NOT NULL DEFAULT 0,
            n_flagged INTEGER NOT NULL DEFAULT 0)""",
        f"""CREATE TRIGGER findings_counted AFTER INSERT ON findings BEGIN
            INSERT OR IGNORE INTO report_counts(report_id) VALUES (NEW.report_id);
            UPDATE report_counts SET {_COUNT_CHANGE.format(sign="+", row="NEW")} WHERE report_id = NEW.report_id;
        END""",
        f"""CREATE TRIGGER findings_uncounted AFTER DELETE ON findings BEGIN
            UPDATE report_counts SET {_COUNT_CHANGE.format(sign="-", row="OLD")} WHERE report_id = OLD.report_id;
        END""",
        f"""INSERT INTO report_counts(report_id, n_error, n_warning, n_review, n_info, total, n_not_assessable, n_failed,
            n_flagged)
            SELECT report_id, SUM(severity = 'error'), SUM(severity = 'warning'), SUM(severity = 'review'),
            SUM(severity = 'info'), COUNT(*), SUM(code IN ({_NOT_ASSESSABLE})),
            SUM(kind IN ({_FAILED}) AND link_id IS NULL), SUM({_FLAGGED.format(row="findings")})
            FROM findings GROUP BY report_id""",
    ),
    (  # 3 -> 4: the narrative's year-on-year claims (zlib-compressed JSON list), checked at the pair stage
        "ALTER TABLE reports ADD COLUMN year_on_year BLOB",
    ),
]
SCHEMA_VERSION = len(MIGRATIONS)

DECISIONS = ("confirmed", "dismissed", "needs_info")
DISMISS_REASONS = ("reading_error", "not_an_error", "accepted")
STATES = ("open", "sent", "fixed", "verified")  # a finding's place in the fix workflow
FindingRow = tuple  # (code, severity, status, kind, message, cells_json, file, data_json)


class StoreError(Exception):
    """A store this code cannot use (newer schema, not a database)."""


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def finding_row(finding: dict) -> FindingRow:
    """A finding as JSON data (``Finding.model_dump(mode="json")``) -> a ``findings`` row."""
    data = {k: v for k, v in finding.items() if k not in ("cells", "message")}
    return (finding["code"], finding["severity"], finding.get("status", "failed"), finding.get("kind", "table"),
            finding.get("message", ""), json.dumps(finding.get("cells", []), ensure_ascii=False),
            finding.get("file"), json.dumps(data, ensure_ascii=False))


def compress_model(report_json: str) -> bytes:
    return zlib.compress(report_json.encode("utf-8"), 1)


@dataclass
class ReportRow:
    """One audited file, ready to be written."""

    path: str
    content_hash: Optional[str]
    status: str  # audited | worker-error
    agency: Optional[str] = None  # the key cross-report rules use
    agency_read: Optional[str] = None
    year: Optional[int] = None
    template: Optional[str] = None
    model: Optional[bytes] = None  # compress_model(Report JSON)
    findings: list[FindingRow] = field(default_factory=list)
    narrative: Optional[bytes] = None  # compress_model(JSON list of the narrative's paragraphs)
    year_on_year: Optional[bytes] = None  # compress_model(JSON list of YearOnYearClaim)


@dataclass
class LinkRow:
    """One cross-report evaluation and its findings, filed under ``report_id``."""

    kind: str  # pair | aggregate
    report_id: int
    key: str
    members: Sequence[int]
    findings: list[FindingRow] = field(default_factory=list)


@dataclass(frozen=True)
class StoredReport:
    id: int
    path: str
    agency: Optional[str]
    year: Optional[int]


class Store:
    """A results store at ``path`` (created and migrated on open)."""

    def __init__(self, path: Union[str, Path], timeout: float = 60.0):
        self.path = str(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a usable SQLite database: {error}") from None
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable against process kills
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    # ---------------------------------------------------------------- schema

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        """Bring the schema to ``SCHEMA_VERSION``, one transaction per step."""
        while True:
            with self.transaction():
                version = self.version
                if version > SCHEMA_VERSION:
                    raise StoreError(f"{self.path} has schema version {version}; this auditor knows "
                                     f"{SCHEMA_VERSION} at most: upgrade auditor")
                if version == SCHEMA_VERSION:
                    return
                for statement in MIGRATIONS[version]:
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {version + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- runs

    def start_run(self, auditor_version: str, rule_version: str, command: str, files: int) -> int:
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO runs(started_at, auditor_version, rule_version, command, files) VALUES (?,?,?,?,?)",
                (_now(), auditor_version, rule_version, command, files))
            return cursor.lastrowid

    def finish_run(self, run_id: int, **counts: int) -> None:
        allowed = ("audited", "skipped", "errors", "pairs", "aggregates")
        sets = ", ".join(f"{name} = ?" for name in counts if name in allowed)
        values = [counts[name] for name in counts if name in allowed]
        with self.transaction():
            self.db.execute(f"UPDATE runs SET finished_at = ?{', ' + sets if sets else ''} WHERE id = ?",
                            [_now(), *values, run_id])

    # ---------------------------------------------------------------- reports

    def done(self, path: str) -> Optional[tuple[Optional[str], str, str]]:
        """(content hash, rule version, status) of a stored path, or None."""
        return self.db.execute("SELECT content_hash, rule_version, status FROM reports WHERE path = ?",
                               (path,)).fetchone()

    def _forget(self, report_id: int) -> None:
        """Remove a report, its findings and every cross-report evaluation it took part in."""
        self.db.execute("DELETE FROM links WHERE id IN (SELECT link_id FROM link_members WHERE report_id = ?)",
                        (report_id,))
        self.db.execute("DELETE FROM reports WHERE id = ?", (report_id,))

    def write_reports(self, rows: Iterable[ReportRow], rule_version: str, run_id: Optional[int]) -> int:
        """Write audited files and their findings in one transaction (replacing earlier rows)."""
        count = 0
        now = _now()
        with self.transaction():
            for row in rows:
                old = self.db.execute("SELECT id FROM reports WHERE path = ?", (row.path,)).fetchone()
                if old is not None:
                    self._forget(old[0])
                cursor = self.db.execute(
                    "INSERT INTO reports(path, content_hash, rule_version, status, agency, agency_read, year,"
                    " template, model, run_id, audited_at, narrative, year_on_year)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (row.path, row.content_hash, rule_version, row.status, row.agency, row.agency_read, row.year,
                     row.template, row.model, run_id, now, row.narrative, row.year_on_year))
                report_id = cursor.lastrowid
                self.db.executemany(
                    "INSERT INTO findings(report_id, code, severity, status, kind, message, cells, file, data)"
                    " VALUES (?,?,?,?,?,?,?,?,?)", [(report_id, *f) for f in row.findings])
                count += 1
        return count

    def load_report(self, report_id: int) -> Optional[Report]:
        """The parsed model of a stored report (None when the file could not be read)."""
        found = self.db.execute("SELECT model FROM reports WHERE id = ?", (report_id,)).fetchone()
        if found is None or found[0] is None:
            return None
        return report_from_json(zlib.decompress(found[0]))

    # ---------------------------------------------------------------- versions

    def same_report(self, agency: str, year: int) -> list[tuple[int, str, Optional[str]]]:
        """(id, path, content hash) of the audited reports stored for an agency and year."""
        return self.db.execute("SELECT id, path, content_hash FROM reports WHERE agency = ? AND year = ?"
                               " AND status = 'audited' AND model IS NOT NULL ORDER BY id", (agency, year)).fetchall()

    def archive(self, report_id: int) -> Optional[int]:
        """Keep the stored report as an earlier version (before a new one replaces or joins it); its id."""
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO report_versions(agency, year, path, content_hash, model, audited_at, superseded_at)"
                " SELECT agency, year, path, content_hash, model, audited_at, ? FROM reports WHERE id = ?",
                (_now(), report_id))
            return cursor.lastrowid if cursor.rowcount else None

    def versions(self, agency: str, year: int) -> list[tuple[int, str, Optional[str], str]]:
        """(version id, path, content hash, superseded at) of the earlier versions, oldest first."""
        return self.db.execute("SELECT id, path, content_hash, superseded_at FROM report_versions"
                               " WHERE agency = ? AND year = ? ORDER BY id", (agency, year)).fetchall()

    def snapshot(self, reference: str) -> Optional[Report]:
        """A stored report's model: ``version:ID`` for an earlier version, else a stored path (as given or
        made absolute); None when the store holds no such report."""
        if reference.startswith("version:"):
            number = reference.partition(":")[2]
            found = self.db.execute("SELECT model FROM report_versions WHERE id = ?",
                                    (int(number) if number.isdigit() else -1,)).fetchone()
        else:
            found = None
            for path in dict.fromkeys([reference, str(Path(reference).resolve())]):
                found = found or self.db.execute("SELECT model FROM reports WHERE path = ?", (path,)).fetchone()
        if found is None or found[0] is None:
            return None
        return report_from_json(zlib.decompress(found[0]))

    def load_narrative(self, report_id: int) -> Optional[list[str]]:
        """The narrative paragraphs of a stored report (None when not kept: no text, or an older store row)."""
        found = self.db.execute("SELECT narrative FROM reports WHERE id = ?", (report_id,)).fetchone()
        if found is None or found[0] is None:
            return None
        return json.loads(zlib.decompress(found[0]))

    def load_year_on_year(self, report_id: int) -> list[YearOnYearClaim]:
        """The year-on-year claims kept from a stored report's narrative (none when not kept)."""
        found = self.db.execute("SELECT year_on_year FROM reports WHERE id = ?", (report_id,)).fetchone()
        if found is None or found[0] is None:
            return []
        return [YearOnYearClaim.model_validate(item) for item in json.loads(zlib.decompress(found[0]))]

    def report_ids(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT path, id FROM reports"))

    def identified(self) -> list[StoredReport]:
        """Reports with a model, an agency and a year: those cross-report rules can use."""
        return [StoredReport(*row) for row in self.db.execute(
            "SELECT id, path, agency, year FROM reports WHERE model IS NOT NULL AND agency IS NOT NULL"
            " AND year IS NOT NULL ORDER BY agency, year, id")]

    # ---------------------------------------------------------------- cross-report links

    def pending_pairs(self, aliases: Optional[dict[str, str]] = None) -> list[tuple[int, int]]:
        """(later id, earlier id) of every same-agency pair of consecutive years not evaluated yet.

        ``aliases`` (``agency.pairing_plan``) maps agency keys to the key they pair under."""
        if aliases:
            by_key: dict[tuple[str, int], list[int]] = {}
            for report in self.identified():
                by_key.setdefault((aliases.get(report.agency, report.agency), report.year), []).append(report.id)
            done = {(row[0], row[1]) for row in self.db.execute("SELECT report_id, key FROM links WHERE kind = 'pair'")}
            return sorted(((cur, prev) for (agency, year), ids in by_key.items() for cur in ids
                           for prev in by_key.get((agency, year - 1), ()) if (cur, str(prev)) not in done),
                          key=lambda ids: ids)
        return self.db.execute(
            "SELECT cur.id, prev.id FROM reports cur JOIN reports prev"
            " ON prev.agency = cur.agency AND prev.year = cur.year - 1"
            " WHERE cur.model IS NOT NULL AND prev.model IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM links l WHERE l.kind = 'pair' AND l.report_id = cur.id"
            "                 AND l.key = CAST(prev.id AS TEXT))"
            " ORDER BY cur.agency, cur.year, cur.id, prev.id").fetchall()

    def has_link(self, kind: str, report_id: int, key: str) -> bool:
        return self.db.execute("SELECT 1 FROM links WHERE kind = ? AND report_id = ? AND key = ?",
                               (kind, report_id, key)).fetchone() is not None

    def write_links(self, links: Iterable[LinkRow], run_id: Optional[int], replace_kind: bool = False) -> int:
        """Write cross-report evaluations and their findings in one transaction. With ``replace_kind``,
        earlier links of the same kind filed under the same report are dropped first (an aggregate
        whose component set changed)."""
        count = 0
        with self.transaction():
            for link in links:
                if replace_kind:
                    self.db.execute("DELETE FROM links WHERE kind = ? AND report_id = ? AND key != ?",
                                    (link.kind, link.report_id, link.key))
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO links(kind, report_id, key, run_id) VALUES (?,?,?,?)",
                    (link.kind, link.report_id, link.key, run_id))
                if not cursor.rowcount:
                    continue  # written already (a rerun): never twice
                link_id = cursor.lastrowid
                self.db.executemany("INSERT OR IGNORE INTO link_members(link_id, report_id) VALUES (?,?)",
                                    [(link_id, member) for member in {link.report_id, *link.members}])
                self.db.executemany(
                    "INSERT INTO findings(report_id, link_id, code, severity, status, kind, message, cells, file,"
                    " data) VALUES (?,?,?,?,?,?,?,?,?,?)", [(link.report_id, link_id, *f) for f in link.findings])
                count += 1
        return count

    # ---------------------------------------------------------------- summaries

    def summary(self, top: int = 10) -> dict:
        """Totals and the tables ``auditor report`` prints."""
        counts = ", ".join(f"SUM(f.severity = '{s}')" for s in SEVERITIES)

        def rows(query: str, key: str) -> list[dict]:
            out = []
            for row in self.db.execute(query):
                item = {key: row[0], "reports": row[1], "findings": row[2]}
                item.update({s: row[3 + i] or 0 for i, s in enumerate(SEVERITIES)})
                out.append(item)
            return out

        totals = {"reports": self.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0],
                  "findings": self.db.execute("SELECT COUNT(*) FROM findings").fetchone()[0],
                  "runs": self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0],
                  "worker_errors": self.db.execute(
                      "SELECT COUNT(*) FROM reports WHERE status != 'audited'").fetchone()[0],
                  "pairs": self.db.execute("SELECT COUNT(*) FROM links WHERE kind = 'pair'").fetchone()[0],
                  "aggregates": self.db.execute(
                      "SELECT COUNT(*) FROM links WHERE kind = 'aggregate'").fetchone()[0]}
        order = ", ".join(f"{s} DESC" for s in ("error_count", "warning_count"))
        from .agency import pairing_plan
        unpaired = pairing_plan((r.agency, r.year) for r in self.identified())[1]
        return {
            "totals": totals,
            "unpaired": [{"agency": u.agency, "reason_zh": u.message_zh, "reason_en": u.message_en} for u in unpaired],
            "per_rule": rows(f"SELECT f.code, COUNT(DISTINCT f.report_id), COUNT(*), {counts} FROM findings f"
                             " GROUP BY f.code ORDER BY COUNT(*) DESC, f.code", "code"),
            "per_agency": rows(f"SELECT COALESCE(r.agency, '?'), COUNT(DISTINCT r.id), COUNT(f.id), {counts}"
                               " FROM reports r LEFT JOIN findings f ON f.report_id = r.id"
                               " GROUP BY r.agency ORDER BY COUNT(f.id) DESC, r.agency", "agency"),
            "per_year": rows(f"SELECT r.year, COUNT(DISTINCT r.id), COUNT(f.id), {counts}"
                             " FROM reports r LEFT JOIN findings f ON f.report_id = r.id"
                             " GROUP BY r.year ORDER BY r.year", "year"),
            "worst_reports": [
                {"path": row[0], "agency": row[1], "year": row[2], "findings": row[3],
                 **{s: row[4 + i] or 0 for i, s in enumerate(SEVERITIES)}}
                for row in self.db.execute(
                    f"SELECT r.path, r.agency, r.year, COUNT(f.id), {counts},"
                    " SUM(f.severity = 'error') AS error_count, SUM(f.severity = 'warning') AS warning_count"
                    " FROM reports r JOIN findings f ON f.report_id = r.id"
                    f" GROUP BY r.id ORDER BY {order}, COUNT(f.id) DESC, r.path LIMIT ?", (top,))],
        }

    def failing_paths(self, paths: Sequence[str], severities: Sequence[str]) -> list[str]:
        """Those of ``paths`` whose stored report has a finding (its own or cross-report) at one of
        ``severities``: what a batch's exit code rests on, skipped files included."""
        if not severities:
            return []
        marks = ",".join("?" * len(severities))
        failing: list[str] = []
        for start in range(0, len(paths), 500):
            part = list(paths[start:start + 500])
            failing += [row[0] for row in self.db.execute(
                f"SELECT DISTINCT r.path FROM reports r JOIN findings f ON f.report_id = r.id"
                f" WHERE r.path IN ({','.join('?' * len(part))}) AND f.severity IN ({marks})",
                (*part, *severities))]
        return failing

    def findings_of(self, path: Optional[str] = None) -> list[dict]:
        """Stored findings (with the report's path), for tests and tools; all when ``path`` is None."""
        query = ("SELECT r.path, f.code, f.severity, f.status, f.kind, f.message, f.cells, f.file, f.data,"
                 " f.link_id FROM findings f JOIN reports r ON r.id = f.report_id")
        args: tuple = ()
        if path is not None:
            query += " WHERE r.path = ?"
            args = (path,)
        out = []
        for row in self.db.execute(query + " ORDER BY r.path, f.id", args):
            out.append({"path": row[0], "code": row[1], "severity": row[2], "status": row[3], "kind": row[4],
                        "message": row[5], "cells": json.loads(row[6]), "file": row[7], "data": json.loads(row[8]),
                        "cross_report": row[9] is not None})
        return out


    # ---------------------------------------------------------------- decisions and fix states (version 2)

    def decide(self, fingerprint: str, decision: str, reason: Optional[str] = None, note: str = "",
               reviewer: str = "", at: Optional[str] = None) -> None:
        """Record (or change) the decision on the finding ``fingerprint``; every change is kept in
        ``decision_history``. A dismissal needs a reason (``DISMISS_REASONS``)."""
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r} (one of {', '.join(DECISIONS)})")
        if decision == "dismissed" and reason not in DISMISS_REASONS:
            raise ValueError(f"a dismissal needs a reason (one of {', '.join(DISMISS_REASONS)})")
        reason = reason if decision == "dismissed" else None
        at = at or _now()
        with self.transaction():
            self.db.execute(
                "INSERT INTO decisions(fingerprint, decision, reason, note, reviewer, decided_at) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(fingerprint) DO UPDATE SET decision = excluded.decision, reason = excluded.reason,"
                " note = excluded.note, reviewer = excluded.reviewer, decided_at = excluded.decided_at",
                (fingerprint, decision, reason, note, reviewer, at))
            self.db.execute("INSERT INTO decision_history(fingerprint, field, value, reason, note, reviewer, changed_at)"
                            " VALUES (?, 'decision', ?, ?, ?, ?, ?)", (fingerprint, decision, reason, note, reviewer, at))

    def decisions(self) -> dict[str, dict]:
        """Every decision by fingerprint: decision, reason, note, reviewer, decided_at."""
        return {row[0]: {"decision": row[1], "reason": row[2], "note": row[3], "reviewer": row[4],
                         "decided_at": row[5]}
                for row in self.db.execute("SELECT fingerprint, decision, reason, note, reviewer, decided_at"
                                           " FROM decisions")}

    def decisions_of(self, fingerprints: Iterable[str]) -> dict[str, dict]:
        prints = list(fingerprints)
        out: dict[str, dict] = {}
        for start in range(0, len(prints), 500):
            part = prints[start:start + 500]
            for row in self.db.execute(
                    "SELECT fingerprint, decision, reason, note, reviewer, decided_at FROM decisions"
                    f" WHERE fingerprint IN ({','.join('?' * len(part))})", part):
                out[row[0]] = {"decision": row[1], "reason": row[2], "note": row[3], "reviewer": row[4],
                               "decided_at": row[5]}
        return out

    def history(self, fingerprint: str) -> list[dict]:
        """Every change of the finding's decision and state, oldest first."""
        return [{"field": row[0], "value": row[1], "reason": row[2], "note": row[3], "reviewer": row[4],
                 "at": row[5]}
                for row in self.db.execute("SELECT field, value, reason, note, reviewer, changed_at"
                                           " FROM decision_history WHERE fingerprint = ? ORDER BY id", (fingerprint,))]

    def set_state(self, fingerprints: Iterable[str], state: str, reviewer: str = "", note: str = "",
                  at: Optional[str] = None) -> int:
        """Move findings to ``state`` (``STATES``); a finding already there is left alone (no history)."""
        if state not in STATES:
            raise ValueError(f"unknown state {state!r} (one of {', '.join(STATES)})")
        at = at or _now()
        changed = 0
        with self.transaction():
            for fingerprint in dict.fromkeys(fingerprints):
                old = self.db.execute("SELECT state FROM finding_states WHERE fingerprint = ?",
                                      (fingerprint,)).fetchone()
                if (old[0] if old else "open") == state:
                    continue
                self.db.execute("INSERT INTO finding_states(fingerprint, state, changed_at) VALUES (?,?,?)"
                                " ON CONFLICT(fingerprint) DO UPDATE SET state = excluded.state,"
                                " changed_at = excluded.changed_at", (fingerprint, state, at))
                self.db.execute("INSERT INTO decision_history(fingerprint, field, value, note, reviewer, changed_at)"
                                " VALUES (?, 'state', ?, ?, ?, ?)", (fingerprint, state, note, reviewer, at))
                changed += 1
        return changed

    def states(self, fingerprints: Optional[Iterable[str]] = None) -> dict[str, str]:
        """The state of each finding with one recorded (a finding with none is open)."""
        if fingerprints is None:
            return dict(self.db.execute("SELECT fingerprint, state FROM finding_states"))
        prints = list(fingerprints)
        out: dict[str, str] = {}
        for start in range(0, len(prints), 500):
            part = prints[start:start + 500]
            out.update(self.db.execute("SELECT fingerprint, state FROM finding_states"
                                       f" WHERE fingerprint IN ({','.join('?' * len(part))})", part))
        return out

    # ------------------------------------------------------------ fingerprints of stored findings

    def unprinted(self) -> list[tuple]:
        """Findings with no fingerprint yet: (finding id, report id, report path, content hash,
        agency as read, year, code, severity, status, kind, message, cells JSON, file, data JSON)."""
        return self.db.execute(
            "SELECT f.id, r.id, r.path, r.content_hash, r.agency_read, r.year, f.code, f.severity, f.status, f.kind,"
            " f.message, f.cells, f.file, f.data FROM findings f JOIN reports r ON r.id = f.report_id"
            " WHERE NOT EXISTS (SELECT 1 FROM finding_prints p WHERE p.finding_id = f.id) ORDER BY f.id").fetchall()

    def write_prints(self, rows: Iterable[tuple[int, int, str, str, str, str]]) -> None:
        """(finding id, report id, severity, fingerprint, identity, place) rows."""
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO finding_prints(finding_id, report_id, severity, fingerprint,"
                                " identity, place) VALUES (?,?,?,?,?,?)", rows)

    def prints_behind(self) -> bool:
        """Findings were stored after the last fingerprinting (by this process or another one, such as
        ``auditor batch`` writing into a store the workbench has open): a new finding has a higher id."""
        found = self.db.execute("SELECT (SELECT MAX(id) FROM findings), (SELECT MAX(finding_id) FROM finding_prints)"
                                ).fetchone()
        return found[0] is not None and (found[1] is None or found[0] > found[1])

    def content_hashes(self) -> dict[str, Optional[str]]:
        return dict(self.db.execute("SELECT path, content_hash FROM reports"))


# -------------------------------------------------------------------- fast model reading

_STATES = {state.value: state for state in CellState}
_VALUE_STATES = frozenset(s for s in CellState if s.value in ("number", "uncertain", "inferred"))


class StoredCell:
    """A cell read back from the store, for cross-report rules: the attributes of ``model.Cell``
    without pydantic's construction cost; ``source`` becomes a ``Source`` when first asked for."""

    __slots__ = ("state", "value", "decimals", "raw", "unit", "note", "_source")

    def __init__(self, data: dict):
        value = data.get("value")
        self.state = _STATES[data["state"]]
        self.value = None if value is None else Decimal(value)
        self.decimals = data.get("decimals", 0)
        self.raw = data.get("raw", "")
        self.unit = data.get("unit")
        self.note = data.get("note")
        self._source = data.get("source")

    @property
    def has_value(self) -> bool:
        return self.state in _VALUE_STATES and self.value is not None

    @property
    def source(self) -> Optional[Source]:
        if isinstance(self._source, dict):
            self._source = _source(self._source)
        return self._source

    def to_cell(self) -> Cell:
        return Cell(state=self.state, value=self.value, decimals=self.decimals, raw=self.raw, unit=self.unit,
                    note=self.note, source=self.source)


def _source(data: Optional[dict]) -> Optional[Source]:
    if data is None:
        return None
    if data.get("box") is not None:
        data = {**data, "box": tuple(float(x) for x in data["box"])}
    return Source.model_construct(**data)


def report_from_json(text: Union[str, bytes]) -> Report:
    """A ``Report`` from its JSON (written by ``model_dump_json``), for reading, not for writing back.

    No validation, and the cells are ``StoredCell`` objects (the attributes of ``Cell``): about ten
    times faster than ``Report.model_validate_json``, which matters when a batch reads every report
    of a corpus for the cross-year pass. Numbers are read as ``Decimal`` from their text.
    ``Report.model_validate_json`` gives the full model when that is needed.
    """
    data = json.loads(text, parse_float=Decimal)
    tables = {}
    for table_id, table in (data.get("tables") or {}).items():
        rows = {row: {column: StoredCell(cell) for column, cell in columns.items()}
                for row, columns in (table.get("rows") or {}).items()}
        tables[table_id] = Table.model_construct(id=table.get("id", table_id), found=table.get("found", False),
                                                 title=table.get("title"), source=_source(table.get("source")),
                                                 rows=rows)
    return Report.model_construct(
        file=data["file"], agency=data.get("agency"), year=data.get("year"),
        template=TemplateGuess.model_validate(data.get("template") or {}), tables=tables,
        notes=[], images=list(data.get("images") or []))
