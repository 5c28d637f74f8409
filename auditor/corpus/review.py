"""The reviewer's side of the store (``auditor serve``): fingerprints of stored findings, decisions
carried to a new version of a report, findings a newer version fixed, and the reports list.

A stored finding gets its baseline fingerprint (version 2: the report's content hash, agency, year,
code, status, cells with their values) once, in ``finding_prints``, with two shorter keys:

* ``identity``: the fingerprint without the report part. A new version of a report (other bytes)
  that prints the same finding with the same values gets the decision taken on the old one.
* ``place``: the code and the cells named (no values, no report). A confirmed finding is ``fixed``
  when a newer version of the same report (same agency and year, other content) or the agency's
  next year's report has no finding at that place.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional

from ..baseline import report_key, stored_fingerprint, without_report
from ..model.findings import Finding
from .store import SEVERITIES, STATES, Store

CARRIED_NOTE = "carried"  # the history note of a decision taken over from an earlier version
FIXED_NOTE = "fixed-by-newer"


def stored_finding(message: str, cells_json: str, data_json: str) -> Finding:
    """A ``Finding`` from its stored row (``store.finding_row``)."""
    return Finding.model_validate({**json.loads(data_json), "message": message, "cells": json.loads(cells_json)})


def place_of(finding: Finding) -> str:
    """Where a finding stands, without values: code and cells (or the rule's bindings)."""
    cells = ";".join(sorted(f"{c.table}.{c.row}.{c.column}" for c in finding.cells))
    if not cells:
        cells = json.dumps(finding.bindings, sort_keys=True, ensure_ascii=False) if finding.bindings else \
            (finding.relation or "")
    return f"{finding.code}|{cells}"


@dataclass
class Refreshed:
    printed: int = 0
    carried: int = 0
    fixed: list[str] = field(default_factory=list)


def refresh(store: Store) -> Refreshed:
    """Fingerprint the findings stored since the last call, carry decisions over to new versions, and
    mark the confirmed findings a newer version fixed. Cheap when nothing is new."""
    out = Refreshed()
    rows = store.unprinted()
    prints = []
    for (finding_id, report_id, path, content_hash, agency, year, _code, severity, _status, _kind,
         message, cells, _file, data) in rows:
        finding = stored_finding(message, cells, data)
        fingerprint = stored_fingerprint(report_key(content_hash, path), path, agency, year, finding)
        prints.append((finding_id, report_id, severity, fingerprint, without_report(fingerprint), place_of(finding)))
    if prints:
        store.write_prints(prints)
        out.printed = len(prints)
        out.carried = _carry(store, [p[3] for p in prints])
    out.fixed = _fixes(store)
    return out


def _carry(store: Store, fingerprints: list[str]) -> int:
    """New fingerprints with no decision whose identity has one (an earlier version's): take it over."""
    known = store.decisions_of(fingerprints)
    carried = 0
    for fingerprint in dict.fromkeys(fingerprints):
        if fingerprint in known:
            continue
        earlier = store.db.execute(
            "SELECT d.decision, d.reason, d.note, d.reviewer, d.decided_at, d.fingerprint FROM finding_prints p"
            " CROSS JOIN decisions d WHERE p.identity = ? AND d.fingerprint = p.fingerprint AND d.fingerprint != ?"
            " ORDER BY d.decided_at DESC LIMIT 1",
            (without_report(fingerprint), fingerprint)).fetchone()
        if earlier is None:
            continue
        store.decide(fingerprint, earlier[0], earlier[1], earlier[2] or "", earlier[3] or "")
        state = store.states([earlier[5]]).get(earlier[5])
        if state:
            store.set_state([fingerprint], state, note=CARRIED_NOTE)
        carried += 1
    return carried


def _fixes(store: Store) -> list[str]:
    """Confirmed findings, open or sent, that a newer version or next year's report no longer has."""
    found = [row[0] for row in store.db.execute(
        "SELECT DISTINCT p.fingerprint FROM decisions d CROSS JOIN finding_prints p CROSS JOIN reports r"
        " LEFT JOIN finding_states s ON s.fingerprint = p.fingerprint"
        " WHERE d.decision = 'confirmed' AND p.fingerprint = d.fingerprint AND r.id = p.report_id"
        " AND COALESCE(s.state, 'open') IN ('open', 'sent') AND r.agency IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM reports n WHERE n.agency = r.agency AND n.model IS NOT NULL"
        "   AND ((n.year = r.year AND n.id > r.id AND n.content_hash IS NOT r.content_hash) OR n.year = r.year + 1)"
        "   AND NOT EXISTS (SELECT 1 FROM finding_prints np WHERE np.report_id = n.id AND np.place = p.place))")]
    if found:
        store.set_state(found, "fixed", note=FIXED_NOTE)
    return found


# -------------------------------------------------------------------- the reports list

STATUSES = ("clean", "findings", "not_assessable", "failed")
SORTS = {"agency": "agency", "year": "year", "template": "template", "status": "status_rank",
         "findings": "total", "errors": "n_error", "audited": "audited_at", "file": "path"}
DECISION_FILTERS = ("undecided", "confirmed", "dismissed", "needs_info")


@dataclass
class ListQuery:
    agency: str = ""
    year: Optional[int] = None
    with_code: str = ""  # reports with a finding of this code
    status: str = ""
    decision: str = ""
    search: str = ""
    sort: str = "status"
    descending: bool = True
    page: int = 1
    size: int = 50


_SUMMARY = (
    "SELECT r.id, r.path, COALESCE(r.agency_read, r.agency) AS agency, r.year, r.template, r.status AS stored_status,"
    " r.audited_at, "
    + ", ".join(f"COALESCE(c.n_{s}, 0) AS n_{s}" for s in SEVERITIES)
    + ", COALESCE(c.total, 0) AS total, COALESCE(c.n_not_assessable, 0) AS n_not_assessable,"
    " COALESCE(c.n_failed, 0) AS n_failed, COALESCE(c.n_flagged, 0) AS n_flagged FROM reports r LEFT JOIN report_counts c ON c.report_id = r.id {where}")
# Findings on the content come before "not assessable": a report with a wrong total and a table not
# read has findings (the list also marks the table not read).
_STATUS = ("CASE WHEN stored_status != 'audited' OR n_failed > 0 THEN 'failed'"
           " WHEN n_flagged > 0 THEN 'findings'"
           " WHEN n_not_assessable > 0 THEN 'not_assessable' ELSE 'clean' END")
_STATUS_RANK = ("CASE WHEN stored_status != 'audited' OR n_failed > 0 THEN 4 WHEN n_flagged > 0 THEN 3"
                " WHEN n_not_assessable > 0 THEN 2 ELSE 0 END * 1000000"
                " + n_error * 10000 + n_warning * 100 + n_review")


def list_reports(store: Store, query: ListQuery) -> tuple[list[dict], int]:
    """One page of the reports list and how many reports match. Filters on findings and decisions
    are subqueries driven by their indexes (code, decision), not a scan per report."""
    where, args = [], []
    if query.agency:
        where.append("(r.agency_read LIKE ? OR r.agency LIKE ?)")
        args += [f"%{query.agency}%"] * 2
    if query.year:
        where.append("r.year = ?")
        args.append(query.year)
    if query.search:
        where.append("(r.path LIKE ? OR r.agency_read LIKE ? OR r.id IN (SELECT s.report_id FROM findings s"
                     " WHERE s.code LIKE ?))")
        args += [f"%{query.search}%"] * 3
    if query.with_code:
        where.append("r.id IN (SELECT report_id FROM findings WHERE code = ?)")
        args.append(query.with_code)
    if query.decision in DECISION_FILTERS:
        if query.decision == "undecided":
            where.append("r.id IN (SELECT up.report_id FROM finding_prints up WHERE up.severity != 'info'"
                         " AND NOT EXISTS (SELECT 1 FROM decisions ud WHERE ud.fingerprint = up.fingerprint))")
        else:
            where.append("r.id IN (SELECT up.report_id FROM decisions ud CROSS JOIN finding_prints up"
                         " WHERE ud.decision = ? AND up.fingerprint = ud.fingerprint)")
            args.append(query.decision)
    summary = _SUMMARY.format(where=("WHERE " + " AND ".join(where)) if where else "")
    outer = f"SELECT *, {_STATUS} AS status, {_STATUS_RANK} AS status_rank FROM ({summary})"
    outer_args = list(args)
    if query.status in STATUSES:
        outer = f"SELECT * FROM ({outer}) WHERE status = ?"
        outer_args.append(query.status)
    column = SORTS.get(query.sort, "status_rank")
    direction = "DESC" if query.descending else "ASC"
    size = max(1, min(query.size, 500))
    page = max(1, query.page)
    # one pass: the window counts every match before the page is cut
    cursor = store.db.execute(f"SELECT *, COUNT(*) OVER () AS matching FROM ({outer})"
                              f" ORDER BY {column} IS NULL, {column} {direction}, id LIMIT ? OFFSET ?",
                              [*outer_args, size, (page - 1) * size])
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor]
    _decided_counts(store, rows)
    if rows:
        return rows, rows[0]["matching"]
    return rows, store.db.execute(f"SELECT COUNT(*) FROM ({outer})", outer_args).fetchone()[0]


def _decided_counts(store: Store, rows: list[dict]) -> None:
    """Each row's findings to decide (not info), how many are decided and how many confirmed."""
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        row.update(to_decide=0, decided=0, confirmed=0)
    if not by_id:
        return
    for report_id, to_decide, decided, confirmed in store.db.execute(
            "SELECT p.report_id, COUNT(*), COUNT(d.fingerprint), COALESCE(SUM(d.decision = 'confirmed'), 0)"
            " FROM finding_prints p LEFT JOIN decisions d ON d.fingerprint = p.fingerprint"
            f" WHERE p.severity != 'info' AND p.report_id IN ({','.join('?' * len(by_id))}) GROUP BY p.report_id",
            list(by_id)):
        by_id[report_id].update(to_decide=to_decide, decided=decided, confirmed=confirmed)


def agencies(store: Store, limit: int = -1) -> list[str]:
    return [row[0] for row in store.db.execute(
        "SELECT DISTINCT COALESCE(agency_read, agency) FROM reports WHERE agency IS NOT NULL ORDER BY 1 LIMIT ?",
        (limit,))]


def years(store: Store) -> list[int]:
    return [row[0] for row in store.db.execute("SELECT DISTINCT year FROM reports WHERE year IS NOT NULL ORDER BY 1 DESC")]


def codes(store: Store) -> list[str]:
    return [row[0] for row in store.db.execute("SELECT DISTINCT code FROM findings ORDER BY 1")]


def agency_counts(store: Store) -> dict[str, dict[str, int]]:
    """Confirmed findings per agency by state (the per-agency view)."""
    counts: dict[str, dict[str, int]] = {}
    for agency, state, count in store.db.execute(
            "SELECT COALESCE(r.agency_read, r.agency, '?'), COALESCE(s.state, 'open'), COUNT(DISTINCT d.fingerprint)"
            " FROM decisions d CROSS JOIN finding_prints p CROSS JOIN reports r"
            " LEFT JOIN finding_states s ON s.fingerprint = d.fingerprint"
            " WHERE d.decision = 'confirmed' AND p.fingerprint = d.fingerprint AND r.id = p.report_id GROUP BY 1, 2"):
        counts.setdefault(agency, {state: 0 for state in STATES})[state] = count
    return counts


def report_findings(store: Store, report_id: int) -> list[dict]:
    """A report's stored findings (its own and cross-report ones) with fingerprint, decision and state."""
    rows = store.db.execute(
        "SELECT f.id, f.message, f.cells, f.data, p.fingerprint, d.decision, d.reason, d.note, d.reviewer,"
        " d.decided_at, COALESCE(s.state, 'open'), f.link_id FROM findings f"
        " LEFT JOIN finding_prints p ON p.finding_id = f.id LEFT JOIN decisions d ON d.fingerprint = p.fingerprint"
        " LEFT JOIN finding_states s ON s.fingerprint = p.fingerprint WHERE f.report_id = ? ORDER BY f.id",
        (report_id,)).fetchall()
    return [{"id": row[0], "finding": stored_finding(row[1], row[2], row[3]), "fingerprint": row[4],
             "decision": row[5], "reason": row[6], "note": row[7], "reviewer": row[8], "decided_at": row[9],
             "state": row[10], "cross_report": row[11] is not None} for row in rows]


def review_rows(store: Store, agency: str = "", only_open: bool = False) -> list[dict]:
    """Every decided finding with its report, decision and state (the export, the per-agency view)."""
    where, args = ["d.decision IS NOT NULL"], []
    if agency:
        where.append("COALESCE(r.agency_read, r.agency) = ?")
        args.append(agency)
    if only_open:
        where.append("d.decision = 'confirmed' AND COALESCE(s.state, 'open') IN ('open', 'sent')")
    rows = store.db.execute(
        "SELECT r.id, r.path, COALESCE(r.agency_read, r.agency), r.year, f.code, f.severity, f.message, p.fingerprint,"
        " d.decision, d.reason, d.note, d.reviewer, d.decided_at, COALESCE(s.state, 'open'), s.changed_at"
        " FROM decisions d CROSS JOIN finding_prints p CROSS JOIN findings f CROSS JOIN reports r"
        " LEFT JOIN finding_states s ON s.fingerprint = p.fingerprint"
        " WHERE p.fingerprint = d.fingerprint AND f.id = p.finding_id AND r.id = p.report_id"
        f" AND {' AND '.join(where)} ORDER BY 3, r.year, r.id, f.id", args)
    names = ("report_id", "path", "agency", "year", "code", "severity", "message", "fingerprint", "decision",
             "reason", "note", "reviewer", "decided_at", "state", "state_changed_at")
    return [dict(zip(names, row)) for row in rows]
