"""`auditor check` end to end: exit codes, findings on real reports, bad input, encodings."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from conftest import report_path


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def check_json(*paths, extra=()):
    code, output = run("check", "--format", "json", *extra, *[str(p) for p in paths])
    return code, json.loads(output)


@pytest.mark.parametrize("name", ["guidong-2020.txt", "tianshui-2020.txt", "yichun-2021.txt",
                                  "shuyang-fgj-2023.html"])
def test_consistent_reports_have_no_error_and_exit_0(name):
    code, data = check_json(report_path(name))
    errors = [f for f in data["reports"][0]["findings"] if f["severity"] == "error"]
    assert errors == [] and code == 0


@pytest.mark.parametrize("name", ["shanghai-bgt-2019.html", "shanghai-kewei-2024.md"])
def test_blank_totals_are_not_filled_not_arithmetic_errors(name):
    code, data = check_json(report_path(name))
    findings = data["reports"][0]["findings"]
    assert not [f for f in findings if f["severity"] == "error"]
    blank_total = [f for f in findings if f["status"] in ("not_filled", "not_assessable")
                   and any(c["column"] == "total" and c["state"] == "blank" for c in f["cells"])]
    assert blank_total, "the blank 总计 cells must be reported"
    assert code == 0


def test_kewei_lost_carried_forward_total_is_not_filled_with_the_required_value():
    _, data = check_json(report_path("shanghai-kewei-2024.md"))
    findings = [f for f in data["reports"][0]["findings"] if f["status"] == "not_filled"]
    required = {(c["row"], c["column"]): f["required"] for f in findings for c in f["cells"]
                if c["state"] == "blank"}
    assert required.get(("carried_forward", "total")) == 1


@pytest.mark.parametrize("name", ["yiyang-2018.txt", "pingtan-2018.txt"])
def test_pre_2019_reports_are_not_broken_2019_reports(name):
    code, data = check_json(report_path(name))
    report = data["reports"][0]
    assert report["template"]["overall"] == "pre-2019"
    assert [f["code"] for f in report["findings"]] == ["PRE-2019"]
    assert code == 0


def test_image_only_report_is_not_assessable_and_names_the_images():
    # TABLE-ABSENT is a warning (an unread table says nothing about the numbers): exit 0 by default,
    # 1 under --fail-on warning.
    code, data = check_json(report_path("guilin-2020.txt"))
    findings = data["reports"][0]["findings"]
    absent = [f for f in findings if f["code"] == "TABLE-ABSENT"]
    assert len(absent) == 3 and all("QQ圖片20210325094615.png" in f["message"] for f in absent)
    assert {f["severity"] for f in absent} == {"warning"} and code == 0
    code, _ = check_json(report_path("guilin-2020.txt"), extra=("--fail-on", "warning"))
    assert code == 1


def test_bad_inputs_become_findings_and_the_good_files_are_still_audited(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    good = report_path("guidong-2020.txt")
    (tmp_path / "good.txt").write_bytes(good.read_bytes())
    html = report_path("shuyang-fgj-2023.html").read_bytes()
    (tmp_path / "truncated.html").write_bytes(html[: len(html) // 3])
    code, output = run("check", "--format", "json", str(tmp_path))
    data = json.loads(output)
    by_file = {r["file"].split("/")[-1]: r for r in data["reports"]}
    assert set(by_file) == {"empty.txt", "binary.txt", "good.txt", "truncated.html"}
    assert by_file["empty.txt"]["findings"][0]["code"] == "FILE-EMPTY"
    assert by_file["binary.txt"]["findings"][0]["code"] == "FILE-BINARY"
    assert "empty.txt" in by_file["empty.txt"]["findings"][0]["message"]
    assert not [f for f in by_file["good.txt"]["findings"] if f["severity"] == "error"]
    assert by_file["truncated.html"]["findings"], "a truncated page must not pass silently"
    assert code == 1
    assert "Traceback" not in output


def test_text_output_is_chinese_by_default_and_english_on_request():
    code, output = run("check", str(report_path("guilin-2020.txt")))
    assert "警告" in output and "TABLE-ABSENT" in output and "无法核对" in output and code == 0
    assert "· 模板未能确定" in output.splitlines()[0]  # no table to tell the template by: said in words
    code, output = run("check", "--lang", "en", str(report_path("guilin-2020.txt")))
    assert "warning" in output and "not found" in output and "无法" not in output
    assert output.splitlines()[0].endswith("· template unknown")


def test_gb18030_copy_audits_exactly_like_the_original(tmp_path):
    original = report_path("yichun-2021.txt")
    copy = tmp_path / "yichun-2021-gb.txt"
    copy.write_bytes(original.read_text(encoding="utf-8").encode("gb18030"))
    _, data_utf8 = check_json(original)
    _, data_gb = check_json(copy)
    strip = lambda r: json.dumps({k: v for k, v in r.items() if k != "file"}, sort_keys=True).replace(str(copy), "F").replace(str(original), "F")  # noqa: E731
    assert strip(data_utf8["reports"][0]) == strip(data_gb["reports"][0])


def test_fail_on_never_exits_0_even_with_errors():
    code, _ = run("check", "--fail-on", "never", str(report_path("hongze-2023.pdf")))  # two T4 errors
    assert code == 0


def test_unknown_format_is_a_usage_error():
    code, output = run("check", "--format", "nonsense", str(report_path("guidong-2020.txt")))
    assert code == 2 and "nonsense" in output


def test_a_blank_total_beside_blank_zeros_is_named_alone_with_its_required_value():
    _, data = check_json(report_path("shanghai-bgt-2019.html"))
    row_totals = {f["cells"][0]["row"]: f for f in data["reports"][0]["findings"]
                  if f["code"] == "T3-ROW-TOTAL" and f["status"] == "not_filled"}
    granted = row_totals["granted"]
    assert granted["required"] == 272 and granted["severity"] == "warning"
    assert "“（一）予以公开”行“总计”列未填写" in granted["message"] and "科研机构" not in granted["message"]


def test_a_fault_in_our_code_is_that_files_internal_error_and_exits_1(tmp_path, monkeypatch):
    import auditor.pipeline

    good = tmp_path / "good.txt"
    good.write_bytes(report_path("guidong-2020.txt").read_bytes())
    bad = tmp_path / "trigger.txt"
    bad.write_bytes(report_path("tianshui-2020.txt").read_bytes())
    real_extract = auditor.pipeline.extract

    def faulty(document):
        if document.file.endswith("trigger.txt"):
            raise ZeroDivisionError("simulated bug")
        return real_extract(document)

    monkeypatch.setattr(auditor.pipeline, "extract", faulty)
    code, output = run("check", "--format", "json", str(tmp_path))
    data = json.loads(output)
    by_file = {r["file"].split("/")[-1]: r for r in data["reports"]}
    assert [f["code"] for f in by_file["trigger.txt"]["findings"]] == ["internal-error"]
    assert "ZeroDivisionError" in by_file["trigger.txt"]["findings"][0]["message"]
    assert not [f for f in by_file["good.txt"]["findings"] if f["severity"] == "error"]
    assert code == 1  # the file's finding; 2 is only for usage and configuration errors


def test_version_answers_without_importing_the_command_line(capsys, monkeypatch):
    """``auditor --version`` is answered before click and the stages are imported, in click's words."""
    import subprocess
    import sys
    from pathlib import Path

    from auditor import __main__ as entry
    from auditor import __version__

    clicks = CliRunner().invoke(main, ["--version"]).output
    assert clicks == f"auditor {__version__}\n"
    monkeypatch.setattr(sys, "argv", ["auditor", "--version"])
    entry.run()
    assert capsys.readouterr().out == clicks
    root = Path(__file__).resolve().parents[1]
    probe = ("import runpy, sys; sys.argv = ['auditor', '--version']; runpy.run_module('auditor', run_name='__main__'); "
             "print(sorted(m for m in ('pydantic', 'click', 'auditor.cli', 'auditor.pipeline') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout == f"auditor {__version__}\n[]\n"
