"""Baselines do not depend on where the command runs or where the report lies: a finding's
fingerprint rests on the report's content, agency and year, the code and the cells."""
from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from auditor.baseline import legacy_fingerprint
from auditor.cli.main import main
from test_machine_formats import changed_copy


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_baseline_works_from_another_directory_and_for_a_moved_renamed_report(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    reports.mkdir()
    path = changed_copy(reports)
    monkeypatch.chdir(reports)
    assert run("check", path.name)[0] == 1  # the changed number fails
    assert run("baseline", path.name, "-o", tmp_path / "baseline.json")[0] == 0
    prints = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert prints["version"] == 2 and prints["fingerprints"]
    assert not any("tianshui" in p or str(tmp_path) in p for p in prints["fingerprints"])
    monkeypatch.chdir(tmp_path)  # the same report, named from elsewhere
    assert run("check", "--baseline", "baseline.json", "reports/" + path.name)[0] == 0
    moved = tmp_path / "elsewhere" / "renamed.txt"
    moved.parent.mkdir()
    shutil.move(path, moved)
    monkeypatch.chdir(moved.parent)
    assert run("check", "--baseline", tmp_path / "baseline.json", moved.name)[0] == 0
    # another report with the same findings is another report: its findings are new
    other = changed_copy(tmp_path / "elsewhere")
    other.write_text(other.read_text(encoding="utf-8") + "\n附：\n", encoding="utf-8")
    code, output = run("check", "--baseline", tmp_path / "baseline.json", other.name)
    assert code == 1 and "T3-" in output


def test_a_version_1_baseline_still_matches_from_its_directory(tmp_path, monkeypatch):
    from auditor.pipeline import audit_file
    from auditor.policy import RunConfig
    from auditor.ruleset import load_default_rules

    path = changed_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = audit_file(path.name, load_default_rules(), RunConfig())
    assert result.findings
    old = {"version": 1, "tool": "auditor",
           "fingerprints": sorted({legacy_fingerprint(result.file, f) for f in result.findings})}
    assert old["fingerprints"][0].startswith("tianshui-2020.txt|")
    (tmp_path / "old.json").write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    assert run("check", "--baseline", "old.json", path.name)[0] == 0
    assert run("check", "--baseline", "old.json", "--disable", "T3-BALANCE", path.name)[0] == 0


def test_an_unknown_baseline_version_is_a_usage_error_in_both_languages(tmp_path):
    path = changed_copy(tmp_path)
    (tmp_path / "b.json").write_text('{"version": 3, "fingerprints": []}', encoding="utf-8")
    code, output = run("check", "--baseline", tmp_path / "b.json", path)
    assert code == 2 and "USAGE-BASELINE" in output and "不是 auditor 基线文件" in output
    code, output = run("check", "--lang", "en", "--baseline", tmp_path / "b.json", path)
    assert code == 2 and "not an auditor baseline file" in output
