"""``auditor batch``: inputs, skipping what is done, per-file errors, local processes, the CLI, and a
batch killed three times at random moments and resumed (scripts/kill_resume.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.corpus import batch as batch_module
from auditor.corpus.batch import BatchOptions, Batch, expand_inputs, run_batch
from auditor.cli.main import main
from auditor.model.findings import Severity
from auditor.corpus.store import Store

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))
from bench_batch import build_corpus  # noqa: E402
from kill_resume import kill_resume, store_contents  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    manifest = build_corpus(folder, 30, seed=5, error_share=0.3)
    return folder, manifest


def test_expand_inputs_files_directories_globs(tmp_path):
    report = "政府信息公开工作年度报告"  # a text file found in a folder must look like a report
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text(report, encoding="utf-8")
    (tmp_path / "a" / "y.html").write_text("y", encoding="utf-8")
    (tmp_path / "a" / "notes.json").write_text("{}", encoding="utf-8")
    (tmp_path / "a" / ".hidden.txt").write_text("h", encoding="utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text(report, encoding="utf-8")
    found = expand_inputs([tmp_path / "a", str(tmp_path / "**" / "*.txt"), tmp_path / "a" / "x.txt"])
    assert [p.name for p in found] == ["x.txt", "y.html", "z.txt"]
    assert all(p.is_absolute() for p in found)
    assert expand_inputs([str(tmp_path / "nothing-*.txt")]) == []


def test_done_files_are_skipped_and_changes_reaudited(corpus, tmp_path):
    folder, manifest = corpus
    db = tmp_path / "audit.sqlite"
    first = run_batch([folder], db)
    assert first.audited == manifest["count"] and first.skipped == 0 and first.errors == 0
    assert first.pairs > 0
    again = run_batch([folder], db)
    assert (again.audited, again.skipped, again.pairs) == (0, manifest["count"], 0)
    english = run_batch([folder], db, BatchOptions(lang="en"))  # other settings: another rule version
    assert english.audited == manifest["count"] and english.rule_version != first.rule_version
    with Store(db) as store:
        assert store.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == manifest["count"]
        assert store.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 3
        injected = {path for path, info in manifest["files"].items() if info["injected"]}
        flagged = {f["path"] for f in store.findings_of() if f["severity"] == "error" and not f["cross_report"]}
    assert flagged == injected  # every injected error found, nothing else


def test_per_file_errors_are_recorded_and_the_batch_goes_on(tmp_path):
    good = tmp_path / "good.txt"
    build = build_corpus(tmp_path / "c", 1, seed=2, error_share=0)
    good.write_bytes(Path(next(iter(build["files"]))).read_bytes())
    (tmp_path / "broken.html").write_bytes(b"\x00\xff\xfe" * 50 + bytes(range(256)))
    db = tmp_path / "audit.sqlite"
    summary = run_batch([good, tmp_path / "broken.html"], db)
    assert summary.audited == 2 and summary.errors == 0
    with Store(db) as store:
        by_path = {}
        for finding in store.findings_of():
            by_path.setdefault(Path(finding["path"]).name, []).append(finding["code"])
        # generated reports hold tables 3 and 4 only, under parts 一, 三 and 四 (二, 五, 六 are missing)
        assert sorted(by_path["good.txt"]) == ["DOC-PART-MISSING"] * 3 + ["TABLE-ABSENT"]
        assert by_path["broken.html"] == ["FILE-BINARY"]
        assert store.db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 2
    # both were read (a binary file is read, then found no report): the next run has nothing to do
    assert run_batch([good, tmp_path / "broken.html"], db).audited == 0


def test_a_failed_worker_is_recorded_and_retried(corpus, tmp_path, monkeypatch):
    folder, manifest = corpus
    real = batch_module.audit_chunk
    calls = []

    def flaky(tasks, spec=None):
        calls.append(len(tasks))
        if len(calls) == 1:
            raise MemoryError("worker ran out of memory")
        return real(tasks, spec)

    monkeypatch.setattr(batch_module, "audit_chunk", flaky)
    db = tmp_path / "audit.sqlite"
    first = run_batch([folder], db, BatchOptions(chunk_size=10))
    assert first.errors == 10 and first.audited == manifest["count"] - 10
    with Store(db) as store:
        assert {f["code"] for f in store.findings_of() if f["kind"] == "internal"} == {"internal-error"}
        assert store.summary()["totals"]["worker_errors"] == 10
    second = run_batch([folder], db, BatchOptions(chunk_size=10))
    assert second.audited == 10 and second.errors == 0
    with Store(db) as store:
        assert store.summary()["totals"]["worker_errors"] == 0


_REAL_AUDIT_CHUNK = batch_module.audit_chunk


def crash_on_first_agency(tasks, spec=None):
    """A worker that dies (as on a segfault) on the chunk holding the first agency's reports."""
    if any("a00000-" in path for path, _, _ in tasks):
        os._exit(3)
    return _REAL_AUDIT_CHUNK(tasks, spec)


def test_a_dead_worker_process_loses_only_the_files_that_kill_it(corpus, tmp_path, monkeypatch):
    folder, manifest = corpus
    killers = {p for p in manifest["files"] if "a00000-" in p}
    monkeypatch.setattr(batch_module, "audit_chunk", crash_on_first_agency)  # forked workers inherit it
    db = tmp_path / "audit.sqlite"
    first = run_batch([folder], db, BatchOptions(jobs=2, chunk_size=3))
    # the lost chunks are retried file by file: only the killers are lost, each with WORKER-LOST
    assert first.errors == len(killers) and first.audited + first.errors == manifest["count"]
    with Store(db) as store:
        lost = {f["path"] for f in store.findings_of() if f["code"] == "WORKER-LOST"}
    assert lost == killers
    monkeypatch.undo()
    second = run_batch([folder], db, BatchOptions(jobs=2, chunk_size=3))
    assert second.audited == first.errors and second.errors == 0


def test_local_processes_give_the_same_store(corpus, tmp_path):
    folder, manifest = corpus
    run_batch([folder], tmp_path / "one.sqlite", BatchOptions(jobs=1))
    two = run_batch([folder], tmp_path / "two.sqlite", BatchOptions(jobs=2, chunk_size=4))
    assert two.audited == manifest["count"]
    one, other = store_contents(tmp_path / "one.sqlite"), store_contents(tmp_path / "two.sqlite")
    assert one["findings"] == other["findings"] and one["pairs"] == other["pairs"]


def test_rule_version_follows_rules_and_settings(tmp_path):
    base = Batch(tmp_path / "a.sqlite").version
    assert Batch(tmp_path / "b.sqlite").version == base
    assert Batch(tmp_path / "c.sqlite", BatchOptions(severity_overrides={"T3-BALANCE": Severity.warning})).version != base
    extra = tmp_path / "extra.yaml"
    extra.write_text("rules:\n  - code: X-NEW\n    name: x.new\n    title: {zh: 甲, en: a}\n    severity: info\n"
                     "    expr: table3.new.total >= 0\n", encoding="utf-8")
    from auditor.ruleset import default_rule_paths

    assert Batch(tmp_path / "d.sqlite", BatchOptions(rule_paths=default_rule_paths() + [extra])).version != base


def test_cli_batch_and_report(corpus, tmp_path):
    folder, manifest = corpus
    db = str(tmp_path / "audit.sqlite")
    runner = CliRunner()
    result = runner.invoke(main, ["batch", str(folder / "text"), str(folder / "html" / "*.html"), "--db", db,
                                  "--jobs", "1", "--lang", "en", "--progress"])
    assert result.exit_code == 1, result.output  # the corpus holds wrong tables (error_share 0.3)
    assert any(f["injected"] for f in manifest["files"].values())
    assert f"{manifest['count']} file(s): {manifest['count']} new, 0 unchanged" in result.output
    report = runner.invoke(main, ["report", "--db", db, "--lang", "en"])
    assert report.exit_code == 0
    assert "findings per rule" in report.output and "findings per agency" in report.output
    assert "T3-ROW-TOTAL" in report.output
    # a rerun skips every file but still fails on their stored errors, and says so; --fail-on new and
    # --fail-on never do not fail
    failing = len({r["path"] for r in Store(db).findings_of() if r["severity"] == "error"})
    text_files = len(list((folder / "text").iterdir()))
    again = runner.invoke(main, ["batch", str(folder / "text"), "--db", db, "--jobs", "1", "--lang", "en"])
    assert again.exit_code == 1
    assert f"{text_files} file(s): 0 new, {text_files} unchanged" in again.output
    stored = len([p for p in {r["path"] for r in Store(db).findings_of() if r["severity"] == "error"}
                  if "/text/" in p])
    assert 0 < stored <= failing
    assert again.output.rstrip().endswith(f"exit status 1 because of {stored} report(s) already stored (unchanged) "
                                          "with findings at the fail level (error); --fail-on new to ignore them")
    new_only = runner.invoke(main, ["batch", str(folder / "text"), "--db", db, "--jobs", "1", "--fail-on", "new",
                                    "--lang", "en"])
    assert new_only.exit_code == 0 and "(--fail-on new: unchanged reports do not count)" in new_only.output
    assert runner.invoke(main, ["batch", str(folder / "text"), "--db", db, "--jobs", "1",
                                "--fail-on", "never"]).exit_code == 0
    usage = runner.invoke(main, ["batch", str(tmp_path / "none-*.txt"), "--db", db])
    assert usage.exit_code == 2
    bad_rules = tmp_path / "bad.yaml"
    bad_rules.write_text("rules: [1]\n", encoding="utf-8")
    assert runner.invoke(main, ["batch", str(folder), "--db", db, "--rules", str(bad_rules)]).exit_code == 2


def test_killed_three_times_and_resumed(tmp_path):
    """SIGKILL at random moments (the last one in the cross-year pass), then a rerun: one row per
    report, every pair once, the same findings as an uninterrupted run."""
    manifest = build_corpus(tmp_path / "corpus", 200, seed=3)
    problems = kill_resume(tmp_path / "corpus", tmp_path, manifest["count"], kills=3, jobs=2, chunk_size=20,
                           seed=11, mode="fork", log=lambda *_: None)
    assert problems == []


def test_a_pool_that_breaks_between_two_waits_loses_no_chunk(corpus, tmp_path, monkeypatch):
    """A worker may die after one wait and before the next submission: ``submit`` then raises
    BrokenProcessPool (it once escaped the batch under load). The refused chunk is held and sent
    to a fresh pool; every file is audited once."""
    from concurrent.futures.process import BrokenProcessPool

    folder, manifest = corpus
    real_pool = batch_module.ProcessRunner._pool
    refusals = []

    class Refusing:
        def __init__(self, pool):
            self.pool = pool

        def submit(self, *args):
            if len(refusals) < 2:  # the first two submissions, with nothing in flight, then with one
                refusals.append(args)
                raise BrokenProcessPool("A child process terminated abruptly")
            return self.pool.submit(*args)

        def shutdown(self, **kwargs):
            self.pool.shutdown(**kwargs)

    monkeypatch.setattr(batch_module.ProcessRunner, "_pool", lambda self: Refusing(real_pool(self)))
    summary = run_batch([folder], tmp_path / "audit.sqlite", BatchOptions(jobs=2, chunk_size=4))
    assert len(refusals) == 2
    assert summary.audited == manifest["count"] and summary.errors == 0
