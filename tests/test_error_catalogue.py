"""Every catalogued error code has a fixture (tests/fixtures/errors/) that triggers it through the CLI.

Stopping kinds (rule, config, usage): exit 2, ``错误[CODE]：`` with a Chinese message by default,
``error[CODE]:`` with an English one under ``--lang en``, no traceback. Finding kinds (file, limit,
extraction, template, internal): an ``auditor check --format json`` run exits 1 (or the fixture's
``exit``) and the code is among the findings. See the folder's README.md.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from auditor.catalogue import FINDING_KINDS, KINDS, STOPPING_KINDS, builtin, everything, markdown
from auditor.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "errors"
DATA = Path(__file__).parent / "data"
CATALOGUE = everything()
# The codes of rules/catalogue.yaml; rule-file codes (T3-BALANCE…) are tested by their rule cases.
BUILTIN = builtin()
CJK = re.compile(r"[\u4e00-\u9fff]")


def fixture_path(code: str) -> Path | None:
    for path in (FIXTURES / f"{code}.yaml", FIXTURES / code / "case.yaml"):
        if path.is_file():
            return path
    return None


def prepare(code: str, tmp_path: Path) -> tuple[dict, list[str]]:
    """Lay the fixture's files out in ``tmp_path``; (the fixture, its args with {tmp} filled in)."""
    path = fixture_path(code)
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    if path.name == "case.yaml":  # a folder fixture: its other files as they are (bytes)
        for item in path.parent.iterdir():
            if item.name != "case.yaml":
                shutil.copy(item, tmp_path / item.name)
    for folder in case.get("dirs", []):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    for name, text in (case.get("files") or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name, size in (case.get("sparse") or {}).items():
        with (tmp_path / name).open("wb") as handle:
            handle.truncate(size)
    for name, source in (case.get("copy") or {}).items():
        shutil.copy(DATA / source, tmp_path / name)
    return case, [str(arg).replace("{tmp}", str(tmp_path)) for arg in case["args"]]


def error_line(output: str, label: str, code: str) -> str:
    lines = [line for line in output.splitlines() if f"{label}[{code}]" in line]
    assert lines, f"no {label}[{code}] in:\n{output[-1500:]}"
    return lines[0]


def stopping_case(code: str, tmp_path: Path, monkeypatch) -> None:
    case, args = prepare(code, tmp_path)
    monkeypatch.chdir(tmp_path)  # configuration discovery starts here, not in the repository
    expected = case.get("exit", 2)
    runner = CliRunner()
    for lang, label, separator in (("zh", "错误", "："), ("en", "error", ": ")):
        result = runner.invoke(main, args + (["--lang", "en"] if lang == "en" else []))
        assert result.exit_code == expected, (lang, result.output[-1500:], result.exception)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        if code == "RULE-REDUNDANT":  # a lint warning, not an error
            label = "警告" if lang == "zh" else "warning"
        line = error_line(result.output, label, code)
        message = line.split(f"{label}[{code}]{separator}", 1)[1]
        if lang == "zh":
            assert CJK.search(message), f"not Chinese: {line}"
        else:
            assert not CJK.search(message), f"not English: {line}"


def finding_case(code: str, tmp_path: Path, monkeypatch) -> None:
    case, args = prepare(code, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == case.get("exit", 1), (result.output[-1500:], result.exception)
    assert "Traceback" not in result.output
    data = json.loads(result.output)
    codes = {finding["code"] for report in data["reports"] for finding in report["findings"]}
    assert code in codes, sorted(codes)


def covered_case(code: str, reference: str) -> None:
    """A code that needs an injected fault or a corpus PDF is tested in Python: the named test must
    exist and assert on the code."""
    file, _, name = reference.partition("::")
    source = (ROOT / file).read_text(encoding="utf-8")
    match = re.search(rf"^def {re.escape(name)}\(.*?(?=^def |\Z)", source, re.S | re.M)
    assert match, f"{reference} does not exist"
    assert code in match.group(0), f"{reference} does not mention {code}"


@pytest.mark.parametrize("code", sorted(code for code, problem in BUILTIN.items()
                                        if problem.kind in STOPPING_KINDS | FINDING_KINDS))
def test_every_code_is_triggered_by_its_fixture(code, tmp_path, monkeypatch):
    problem = CATALOGUE[code]
    if fixture_path(code) is None:
        pytest.fail(f"{code} ({problem.kind}) has no fixture: add tests/fixtures/errors/{code}.yaml")
    case = yaml.safe_load(fixture_path(code).read_text(encoding="utf-8"))
    if "covered_by" in case:
        covered_case(code, case["covered_by"])
    elif problem.kind in STOPPING_KINDS:
        stopping_case(code, tmp_path, monkeypatch)
    else:
        finding_case(code, tmp_path, monkeypatch)


def test_every_fixture_is_a_catalogued_code():
    names = {path.stem for path in FIXTURES.glob("*.yaml")} | {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    assert sorted(names - set(CATALOGUE)) == []


def test_every_stopping_code_has_a_fixture():
    missing = [code for code, problem in BUILTIN.items()
               if problem.kind in STOPPING_KINDS | FINDING_KINDS and fixture_path(code) is None]
    assert missing == []


def test_codes_and_kinds():
    for code, problem in CATALOGUE.items():
        assert problem.kind in KINDS, code
        assert problem.title_zh and problem.title_en and CJK.search(problem.title_zh), code
        assert not CJK.search(problem.title_en), code
    for code, problem in BUILTIN.items():  # the catalogue file also gives short help in both languages
        assert CJK.search(problem.help_zh) and problem.help_en and not CJK.search(problem.help_en), code
    prefixes = {"rule": "RULE-", "config": "CONFIG-", "usage": "USAGE-"}
    for code, problem in CATALOGUE.items():
        if problem.kind in prefixes:
            assert code.startswith(prefixes[problem.kind]), code


def test_docs_errors_md_is_current():
    committed = (ROOT / "docs" / "ERRORS.md").read_text(encoding="utf-8")
    assert committed == markdown(), "run: PYTHONPATH=. python -m auditor.catalogue (docs/ERRORS.md is stale)"


@pytest.fixture(scope="module")
def clean_run_codes():
    """Every code a run over clean reports reports: examples/ files whose tables add up, read whole."""
    clean = [ROOT / "examples" / name for name in ("yichun-2021.txt", "tianshui-2020.txt", "shuyang-fgj-2023.html")]
    result = CliRunner().invoke(main, ["check", "--format", "json", "--fail-on", "never", *map(str, clean)])
    assert result.exit_code == 0, result.output
    return {f["code"] for report in json.loads(result.output)["reports"] for f in report["findings"]}


@pytest.mark.parametrize("code", sorted(code for code, problem in BUILTIN.items() if problem.kind in FINDING_KINDS))
def test_no_file_or_extraction_code_fires_on_clean_reports(code, clean_run_codes):
    """The passing case of every file, limit, extraction and internal code: readable, complete reports
    within every limit get none of them (their failing cases are the fixtures above)."""
    assert code not in clean_run_codes
