"""Year-on-year claims ("较去年增长12.3%", N-YOY) checked against last year's report through the real
flows: ``auditor check`` given both years, and a batch's pair stage (the claims kept in the store).

The pair: the real examples/shanghai-bgt-2019.html (859 new requests) and tests/data/yoy/*/shanghai-bgt-2020.html,
a copy moved on a year with table 3 changed (965 new requests, 72 carried over from 2019, 232 carried
to 2021: every table relation still holds) whose narrative says "申请数量较去年增长12.3%" (right:
(965 - 859) / 859 = +12.34%) or "增长21.3%" (wrong).
"""
from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from auditor.check.narrative.check import NO_PREVIOUS_EN, NO_PREVIOUS_ZH, check_narrative
from auditor.cli.main import main
from auditor.corpus.batch import BatchOptions, run_batch
from auditor.corpus.store import MIGRATIONS, Store
from auditor.extract.tables import extract
from auditor.load import load_path
from auditor.model.findings import Severity
from auditor.model.report import CellState
from auditor.policy import RunConfig

DATA = Path(__file__).parent / "data" / "yoy"
LAST_YEAR = Path(__file__).resolve().parents[1] / "examples" / "shanghai-bgt-2019.html"
RIGHT, WRONG = DATA / "right" / "shanghai-bgt-2020.html", DATA / "wrong" / "shanghai-bgt-2020.html"


def _check(*paths: Path, lang: str = "zh") -> dict:
    result = CliRunner().invoke(main, ["check", "--format", "json", "--lang", lang, *map(str, paths)])
    data = json.loads(result.output)
    return {Path(r["file"]).name: r for r in data["reports"]}


def _yoy(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == "N-YOY"
            or f["code"] == "N-NOT-CHECKED" and "较去年" in f["message"]]


def test_check_on_both_years_finds_a_wrong_change():
    reports = _check(LAST_YEAR, WRONG)  # last year's report given first or second: the same
    assert reports == _check(WRONG, LAST_YEAR)
    later = reports["shanghai-bgt-2020.html"]
    [finding] = _yoy(later)
    assert (finding["code"], finding["severity"], finding["kind"]) == ("N-YOY", "review", "narrative")
    assert Decimal(str(finding["reported"])) == Decimal("21.3")
    assert Decimal(str(finding["computed"])) == Decimal("12.34")  # (965 - 859) / 859
    assert "本年 965，上年 859" in finding["message"] and "shanghai-bgt-2019.html" in finding["message"]
    assert finding["sentence"].startswith("市政府办公厅代表市政府共受理政府信息公开申请965件")
    claims = later["claims"]
    assert not [n for n in claims["not_checked"] if "较去年" in n["text"]]  # checked now, not left as a note
    assert claims["found"] == claims["checked"] + len(claims["not_checked"])
    # the 2019 report's own claim ("较去年回落12.3%") needs 2018, which is not given: still a note
    [note] = _yoy(reports["shanghai-bgt-2019.html"])
    assert note["code"] == "N-NOT-CHECKED" and NO_PREVIOUS_ZH in note["message"]


def test_check_on_both_years_is_silent_when_the_change_is_right():
    reports = _check(LAST_YEAR, RIGHT)
    later = reports["shanghai-bgt-2020.html"]
    assert _yoy(later) == []
    claims = later["claims"]
    assert not [n for n in claims["not_checked"] if "较去年" in n["text"]]
    assert claims["found"] == claims["checked"] + len(claims["not_checked"])


def test_one_report_alone_says_why_its_change_is_not_checked_in_both_languages():
    [note] = _yoy(_check(WRONG)["shanghai-bgt-2020.html"])
    assert note["code"] == "N-NOT-CHECKED" and note["severity"] == "info" and NO_PREVIOUS_ZH in note["message"]
    report = _check(WRONG, lang="en")["shanghai-bgt-2020.html"]
    [note] = [f for f in report["findings"] if f["code"] == "N-NOT-CHECKED" and "较去年" in f["message"]]
    assert NO_PREVIOUS_EN in note["message"]


def _stored_yoy(db: Path) -> list[tuple[str, str, str, int]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT f.code, f.severity, f.message, f.link_id IS NOT NULL FROM findings f"
            " WHERE f.code = 'N-YOY' OR (f.code = 'N-NOT-CHECKED' AND f.message LIKE '%较去年增长%')").fetchall()


def test_batch_pair_stage_finds_a_wrong_change(tmp_path):
    db = tmp_path / "store.db"
    summary = run_batch([LAST_YEAR, WRONG], db, BatchOptions(jobs=1))
    assert summary.pairs == 1
    found = _stored_yoy(db)
    # the report alone: the note; the pair (a link's finding): what the two years' tables say
    assert sorted((code, severity, cross) for code, severity, _, cross in found) == [
        ("N-NOT-CHECKED", "info", 0), ("N-YOY", "review", 1)]
    [(_, _, message, _)] = [row for row in found if row[0] == "N-YOY"]
    assert "按表格计算变化为 12.34%" in message and "本年 965，上年 859" in message
    with Store(db) as store:
        pair = [f for f in store.findings_of(str(WRONG.resolve())) if f["code"] == "N-YOY"]
        kept = store.load_year_on_year(store.report_ids()[str(WRONG.resolve())])
    assert pair[0]["cross_report"] and pair[0]["data"]["computed"] == 12.34
    assert [(k.text, k.value, k.direction, k.specs) for k in kept] == [
        ("申请数量较去年增长21.3%", Decimal("21.3"), 1, ["received"])]


def test_batch_pair_stage_is_silent_when_the_change_is_right(tmp_path):
    db = tmp_path / "store.db"
    summary = run_batch([LAST_YEAR, RIGHT], db, BatchOptions(jobs=1))
    assert summary.pairs == 1
    assert [(code, cross) for code, _, _, cross in _stored_yoy(db)] == [("N-NOT-CHECKED", 0)]


def test_a_store_of_the_previous_schema_gains_the_column(tmp_path):
    db = tmp_path / "old.db"
    connection = sqlite3.connect(db)
    for step in MIGRATIONS[:-1]:
        for statement in step:
            connection.execute(statement)
    connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
    connection.commit()
    connection.close()
    with Store(db) as store:
        columns = {row[1] for row in store.db.execute("PRAGMA table_info(reports)")}
    assert "year_on_year" in columns


def test_a_blank_count_last_year_is_not_an_accusation():
    # last year's "new requests" row left blank (total and parts): no change is computed from a 0
    document = load_path(WRONG)
    report, previous = extract(document), extract(load_path(LAST_YEAR))
    row = previous.tables["table3"].rows["new"]
    for column, cell in row.items():
        row[column] = cell.model_copy(update={"state": CellState.blank, "value": None, "raw": ""})
    findings, summary = check_narrative(report, document, RunConfig(), previous=previous)
    assert not [f for f in findings if f.code == "N-YOY"]
    [note] = [n for n in summary.not_checked if n.code == "N-YOY"]
    assert note.reason == "本年或上年的表格缺少对应数据（或单元格空白）"
    [finding] = [f for f in findings if f.code == "N-YOY" or f.name == "narrative.yoy"]
    assert finding.code == "N-NOT-CHECKED" and finding.severity == Severity.info
