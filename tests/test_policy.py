"""The run's policy (auditor/policy.py) is applied once, after checking, the same for every command:
disabled codes, severity overrides and per-file ignores reach check, batch and memo alike."""
from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from auditor.cli import main
from auditor.model.findings import Finding, Severity, Status
from auditor.policy import RunConfig
from conftest import report_path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def finding(code, severity=Severity.error, status=Status.failed):
    return Finding(code=code, severity=severity, status=status, message=code)


def test_apply_overrides_disables_and_ignores_in_one_place():
    config = RunConfig(severity_overrides={"T3-BALANCE": Severity.info, "T3-ROW-TOTAL": Severity.error},
                       disabled=frozenset({"T4-NONNEGATIVE"}), per_file_ignores={"archive/*.txt": ("T3-INTEGER",)})
    found = [finding("T3-BALANCE"), finding("T4-NONNEGATIVE"), finding("T3-INTEGER"),
             finding("T3-ROW-TOTAL", Severity.warning, Status.not_filled),
             finding("T3-ROW-TOTAL", Severity.info, Status.not_assessable)]
    kept = config.apply(found, "archive/r.txt")
    assert [(f.code, f.severity, f.status) for f in kept] == [
        ("T3-BALANCE", Severity.info, Status.failed),
        ("T3-ROW-TOTAL", Severity.warning, Status.not_filled),  # not filled: at most a warning
        ("T3-ROW-TOTAL", Severity.info, Status.not_assessable),  # not assessable: info whatever the override
    ]
    assert [f.code for f in config.apply(found, "current/r.txt")].count("T3-INTEGER") == 1
    assert found[0].severity == Severity.error  # the findings themselves are not changed


def test_disable_reaches_a_file_that_cannot_be_read(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert run("check", "--format", "json", empty).exit_code == 1
    quiet = run("check", "--format", "json", "--disable", "FILE-EMPTY", empty)
    assert quiet.exit_code == 0, quiet.output
    assert json.loads(quiet.output)["reports"][0]["findings"] == []


def test_per_file_ignores_reach_batch(tmp_path, monkeypatch):
    report = tmp_path / "hongze.txt"
    report.write_bytes(report_path("shanghai-kewei-2024.md").read_bytes())
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".auditor.toml").write_text('[per-file-ignores]\n"hongze.txt" = ["T3-ROW-TOTAL", "T3-BALANCE"]\n',
                                            encoding="utf-8")
    check = json.loads(run("check", "--format", "json", "--fail-on", "never", report).output)
    codes = {f["code"] for f in check["reports"][0]["findings"]}
    assert codes and not codes & {"T3-ROW-TOTAL", "T3-BALANCE"}
    assert run("batch", report, "--db", tmp_path / "a.sqlite", "--jobs", "1", "--fail-on", "never").exit_code == 0
    with sqlite3.connect(tmp_path / "a.sqlite") as connection:
        stored = {code for (code,) in connection.execute("select code from findings")}
    assert stored == codes


def test_memo_follows_the_configuration(tmp_path, monkeypatch):
    report = tmp_path / "kewei.md"
    report.write_bytes(report_path("shanghai-kewei-2024.md").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert run("memo", report, "-o", tmp_path / "before.md").exit_code == 0
    (tmp_path / ".auditor.toml").write_text('disable = ["T3-"]\n', encoding="utf-8")
    assert run("memo", report, "-o", tmp_path / "after.md").exit_code == 0
    before = (tmp_path / "before.md").read_text(encoding="utf-8")
    after = (tmp_path / "after.md").read_text(encoding="utf-8")
    assert "T3-" in before and "T3-" not in after
