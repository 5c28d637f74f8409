"""A report of the same agency and year stored again with other tables: the earlier one is kept as a
version, the new one flagged XY-CHANGED ("发布后有变动"), and `auditor diff --store` shows the cells."""
from __future__ import annotations

import json
import shutil
import sqlite3

from click.testing import CliRunner

from auditor.cli.main import main
from auditor.corpus.batch import BatchOptions, run_batch
from auditor.corpus.store import MIGRATIONS, Store
from conftest import report_path


def changed_findings(db) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT file, message FROM findings WHERE code = 'XY-CHANGED'").fetchall()


def test_a_report_changed_after_publication_is_a_new_version_and_flagged(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    report = folder / "yichun-2021.txt"
    shutil.copy(report_path("yichun-2021.txt"), report)
    db = tmp_path / "store.db"
    run_batch([folder], db, BatchOptions(jobs=1))
    assert changed_findings(db) == []
    run_batch([folder], db, BatchOptions(jobs=1))  # the same content again: skipped, nothing flagged
    assert changed_findings(db) == []

    text = report.read_text(encoding="utf-8").split("\n")
    text[text.index("530")] = "531"
    report.write_text("\n".join(text), encoding="utf-8")
    run_batch([folder], db, BatchOptions(jobs=1))
    flagged = changed_findings(db)
    assert len(flagged) == 1 and flagged[0][0] == str(report)
    assert "1 个单元格不同" in flagged[0][1] and "version:1" in flagged[0][1]
    with Store(db) as store:
        assert [v[1] for v in store.versions("宜春市", 2021)] == [str(report)]

    result = CliRunner().invoke(main, ["diff", "--store", str(db), "--format", "json", "version:1", str(report)])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert [(c["table"], c["row"], c["column"], c["old_value"], c["new_value"]) for c in data["cells"]] == [
        ("table3", "new", "natural_person", 530, 531)]
    assert data["text_compared"] is False


def test_the_same_tables_under_another_path_are_no_new_version(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(report_path("yichun-2021.txt"), folder / "a.txt")
    text = report_path("yichun-2021.txt").read_text(encoding="utf-8")
    (folder / "b.txt").write_text(text + "\n访问量：12345\n", encoding="utf-8")  # a re-crawled page: other bytes
    db = tmp_path / "store.db"
    run_batch([folder], db, BatchOptions(jobs=1))
    assert changed_findings(db) == []
    with Store(db) as store:
        assert store.versions("宜春市", 2021) == []


def test_a_version_1_store_gains_the_versions_table(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as connection:
        for statement in MIGRATIONS[0]:
            connection.execute(statement)
        connection.execute("PRAGMA user_version = 1")
    with Store(db) as store:
        assert store.version == len(MIGRATIONS)
        assert store.versions("x", 2020) == [] and store.snapshot("version:1") is None
