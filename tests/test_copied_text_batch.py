"""XY-COPIED-TEXT in batch: the store keeps each report's narrative paragraphs; a pair whose later
report copies last year's paragraphs gets the finding, naming them; one with its own text does not."""
from __future__ import annotations

import sqlite3

from auditor.corpus.batch import BatchOptions, run_batch
from auditor.corpus.store import Store
from conftest import report_path


def _copied(db) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT file, message FROM findings WHERE code = 'XY-COPIED-TEXT'").fetchall()


def test_last_years_text_under_this_years_title_is_found(tmp_path):
    source = report_path("yichun-2021.txt").read_text(encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "yichun-2021.txt").write_text(source, encoding="utf-8")
    # the 2022 report: last year's text with the years moved on (a copy "内容雷同")
    (folder / "yichun-2022.txt").write_text(source.replace("2021", "2022"), encoding="utf-8")
    db = tmp_path / "store.db"
    summary = run_batch([folder], db, BatchOptions(jobs=1))
    assert summary.pairs == 1
    [(file, message)] = _copied(db)
    assert file.endswith("yichun-2022.txt") and "yichun-2021.txt" in message
    with Store(db) as store:
        paragraphs = store.load_narrative(store.report_ids()[str(folder / "yichun-2021.txt")])
    assert any("以人民为中心" in p for p in paragraphs)


def test_two_real_consecutive_years_are_not_copies(tmp_path):
    # hongze 2024 reuses some of 2023's wording (one paragraph 94% alike), as reports do: no finding
    paths = [report_path("hongze-2023.pdf"), report_path("hongze-2024.pdf")]
    db = tmp_path / "store.db"
    summary = run_batch(paths, db, BatchOptions(jobs=1))
    assert summary.pairs == 1
    assert _copied(db) == []
    with Store(db) as store:
        assert all(store.load_narrative(i) for i in store.report_ids().values())
