"""The results store: schema migrations, one row per path, links, fast model reading, summaries, and
``auditor report``."""
from __future__ import annotations

import json
import random
import sqlite3

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.extract.tables import extract
from auditor.load import load_bytes
from auditor.corpus.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    LinkRow,
    ReportRow,
    Store,
    StoreError,
    compress_model,
    finding_row,
    report_from_json,
)
from auditor.synth import random_table3, random_table4, render_html


def _finding(code: str, severity: str = "error", file: str = "a.txt") -> tuple:
    return finding_row({"code": code, "severity": severity, "status": "failed", "kind": "table",
                        "message": f"{code} 不成立", "cells": [{"table": "table3", "row": "new", "column": "total"}],
                        "file": file, "bindings": {}})


def _row(path: str, agency="甲县", year=2022, findings=(), content_hash="h1") -> ReportRow:
    return ReportRow(path=path, content_hash=content_hash, status="audited", agency=agency, agency_read=agency,
                     year=year, template="2021", model=compress_model(json.dumps({"file": path, "tables": {}})),
                     findings=list(findings))


def test_a_new_store_is_migrated_and_reopens(tmp_path):
    db = tmp_path / "s.sqlite"
    with Store(db) as store:
        assert store.version == SCHEMA_VERSION == len(MIGRATIONS)
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store(db) as store:  # a second open migrates nothing
        assert store.version == SCHEMA_VERSION
        tables = {name for (name,) in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "reports", "findings", "links", "link_members"} <= tables


def test_a_newer_store_is_refused(tmp_path):
    db = tmp_path / "s.sqlite"
    connection = sqlite3.connect(db)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StoreError, match="upgrade"):
        Store(db)


def test_not_a_database_is_refused(tmp_path):
    db = tmp_path / "s.sqlite"
    db.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        Store(db)


def test_one_row_per_path_and_replacement_drops_links(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        run = store.start_run("0", "v1", "test", 2)
        store.write_reports([_row("a.txt", year=2021, findings=[_finding("T3-BALANCE")]),
                             _row("b.txt", year=2022)], "v1", run)
        ids = store.report_ids()
        assert store.pending_pairs() == [(ids["b.txt"], ids["a.txt"])]
        link = LinkRow("pair", ids["b.txt"], str(ids["a.txt"]), (ids["a.txt"],), [_finding("XY-CARRIED-OVER")])
        assert store.write_links([link], run) == 1
        assert store.write_links([link], run) == 0  # written once, never twice
        assert store.pending_pairs() == []
        assert [f["code"] for f in store.findings_of("b.txt")] == ["XY-CARRIED-OVER"]
        assert store.done("a.txt") == ("h1", "v1", "audited")
        # a.txt changes: its row, its findings and the pair it took part in go; the pair is pending again
        store.write_reports([_row("a.txt", year=2021, content_hash="h2")], "v1", run)
        assert store.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 2
        assert store.findings_of() == []
        ids = store.report_ids()
        assert store.pending_pairs() == [(ids["b.txt"], ids["a.txt"])]
        store.finish_run(run, audited=3)
        assert store.db.execute("SELECT audited, finished_at IS NOT NULL FROM runs").fetchone() == (3, 1)


def test_a_failed_transaction_writes_nothing(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        bad = _row("b.txt")
        bad.findings = [("too", "few")]
        with pytest.raises(sqlite3.Error):
            store.write_reports([_row("a.txt"), bad], "v1", None)
        assert store.report_ids() == {}


def test_report_from_json_keeps_values_states_and_sources():
    rng = random.Random(2)
    table3 = random_table3(rng)
    table3["granted"]["research"] = 7
    report = extract(load_bytes(render_html(table3, random_table4(rng), blanks={("partial", "legal")}).encode(),
                                "r.html"))
    back = report_from_json(report.model_dump_json())
    assert back.file == "r.html" and back.year == report.year and back.template == report.template
    for table_id, table in report.tables.items():
        assert back.table(table_id).found == table.found
        for row, columns in table.rows.items():
            for column, cell in columns.items():
                other = back.table(table_id).cell(row, column)
                assert (other.state, other.value, other.raw, other.has_value) == \
                       (cell.state, cell.value, cell.raw, cell.has_value)
                assert other.source == cell.source
    assert back.table("table3").cell("partial", "legal").state.value == "blank"


def _filled(tmp_path):
    db = tmp_path / "s.sqlite"
    with Store(db) as store:
        run = store.start_run("0", "v1", "test", 3)
        store.write_reports([
            _row("a.txt", agency="甲县", year=2021, findings=[_finding("T3-BALANCE"), _finding("T3-ROW-TOTAL")]),
            _row("b.txt", agency="甲县", year=2022, findings=[_finding("T3-BALANCE", "warning")]),
            _row("c.txt", agency="乙县", year=2022)], "v1", run)
    return db


def test_summary_tables(tmp_path):
    with Store(_filled(tmp_path)) as store:
        summary = store.summary(top=2)
    assert summary["totals"]["reports"] == 3 and summary["totals"]["findings"] == 3
    per_rule = {row["code"]: row for row in summary["per_rule"]}
    assert per_rule["T3-BALANCE"]["findings"] == 2 and per_rule["T3-BALANCE"]["reports"] == 2
    assert per_rule["T3-BALANCE"]["error"] == 1 and per_rule["T3-BALANCE"]["warning"] == 1
    per_agency = {row["agency"]: row for row in summary["per_agency"]}
    assert per_agency["甲县"]["reports"] == 2 and per_agency["甲县"]["findings"] == 3
    assert per_agency["乙县"]["findings"] == 0
    assert [row["year"] for row in summary["per_year"]] == [2021, 2022]
    assert [row["path"] for row in summary["worst_reports"]] == ["a.txt", "b.txt"]


def test_report_command_formats(tmp_path):
    db = str(_filled(tmp_path))
    runner = CliRunner()
    text = runner.invoke(main, ["report", "--db", db])
    assert text.exit_code == 0, text.output
    assert "按规则" in text.output and "按机构" in text.output and "T3-BALANCE" in text.output and "甲县" in text.output
    english = runner.invoke(main, ["report", "--db", db, "--lang", "en"])
    assert "findings per rule" in english.output and "findings per agency" in english.output
    data = json.loads(runner.invoke(main, ["report", "--db", db, "--format", "json"]).output)
    assert data["totals"]["reports"] == 3 and data["totals"]["findings"] == 3
    assert {"per_rule", "per_agency", "per_year", "worst_reports"} <= set(data)
    lines = runner.invoke(main, ["report", "--db", db, "--format", "csv"]).output.splitlines()
    assert lines[0] == "table,key,reports,findings,error,warning,review,info"
    assert "per_rule,T3-BALANCE,2,2,1,1,0,0" in lines and "per_agency,乙县,1,0,0,0,0,0" in lines
    missing = runner.invoke(main, ["report", "--db", str(tmp_path / "nope.sqlite")])
    assert missing.exit_code == 2
