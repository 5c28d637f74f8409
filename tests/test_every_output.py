"""Every output format over every real report: examples/ and the text, HTML, Markdown, PDF and DOCX
reports of ../shared/corpus. No traceback, the exit status by the fail level (README "Exit codes"),
and each output valid against its schema: SARIF 2.1.0 (OASIS), JUnit (tests/schemas/junit.xsd),
JSON (docs/schema/check.schema.json); the DOCX memo opens in python-docx.

Each report is audited once and its results fed to the formatters under every fail level; one real
CLI run per format (all reports at once) checks the exit status and that the CLI prints the same."""
from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
from pathlib import Path

import docx
import jsonschema
import pytest
from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html

from auditor.load.inputs import REPORT_SUFFIXES
from auditor.pipeline import audit_file
from auditor.cli.main import main
from auditor.policy import RunConfig
from auditor.model.findings import AuditResult
from auditor.memo import build_memo, build_memos, render_docx, render_markdown
from auditor.memo.markdown import md_escape
from auditor.ruleset import load_default_rules
from auditor.write import FORMATTERS
from auditor.write.rule_catalogue import code_catalogue
from conftest import CORPUS, SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("full", "text", "concise", "grouped", "json", "jsonl", "csv", "sarif", "junit", "github", "html")
FAIL_LEVELS = ("error", "warning", "review", "info", "never")
CORPUS_SUFFIXES = {".txt", ".html", ".htm", ".md", ".pdf", ".docx"}

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
CORPUS_REPORTS = sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES
                        and p.name != "README.md") if CORPUS.is_dir() else []
REPORTS = EXAMPLES + CORPUS_REPORTS

# What the formats must say, written out here rather than taken from auditor.write.levels.
RANK = {"error": 3, "warning": 2, "review": 1, "info": 0}
SARIF_LEVEL = {"error": "error", "warning": "warning", "review": "note", "info": "note"}
GITHUB = {"error": "::error", "warning": "::warning", "note": "::notice"}

SARIF_VALIDATOR = jsonschema.Draft4Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text("utf-8")))
CHECK_SCHEMA = json.loads((ROOT / "docs" / "schema" / "check.schema.json").read_text("utf-8"))
CHECK_VALIDATOR = jsonschema.validators.validator_for(CHECK_SCHEMA)(CHECK_SCHEMA)
JUNIT_SCHEMA = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit.xsd")))


@lru_cache(maxsize=None)
def rules():
    return tuple(load_default_rules())


@lru_cache(maxsize=None)
def audited(path: Path, lang: str = "zh") -> AuditResult:
    return audit_file(path, list(rules()), RunConfig(lang=lang))


def fails(severity: str, fail_on: str) -> bool:
    return fail_on != "never" and RANK[severity] >= RANK[fail_on]


def failing(results, fail_on: str) -> list:
    return [f for r in results for f in r.findings if fails(f.severity.value, fail_on)]


def shown(severity: str, fail_on: str) -> str:
    """The level a finding is shown at: error exactly when it fails the run, else at most warning."""
    return "error" if fails(severity, fail_on) else {"error": "warning"}.get(severity, SARIF_LEVEL[severity])


def exit_status(results, fail_on: str) -> int:
    return 1 if failing(results, fail_on) else 0


# ------------------------------------------------------------------ per-format checks


def check_text(output, results, fail_on, lang):
    last = output.rstrip("\n").splitlines()[-1]
    status = exit_status(results, fail_on)
    if fail_on == "never":
        assert last.endswith("（退出码 0）" if lang == "zh" else "(exit status 0)")
    elif lang == "zh":
        assert last.endswith(f"：{len(failing(results, fail_on))} 条问题达到或高于该级别（退出码 {status}）"), last
    else:
        assert last.endswith(f": {len(failing(results, fail_on))} finding(s) at or above it (exit status {status})")
    for finding in (f for r in results for f in r.findings):
        assert finding.code in output


def _fail_footer(output, results, fail_on, lang):
    """The last two lines of full, concise and grouped: the counts and the exit status with its reason."""
    *_, counted, last = output.rstrip("\n").splitlines()
    findings = [f for r in results for f in r.findings]
    errors = sum(f.severity.value == "error" for f in findings)
    assert counted.startswith(f"共 {len(results)} 份报告：错误 {errors}，" if lang == "zh"
                              else f"{len(results)} report(s): {errors} error(s), "), counted
    status = exit_status(results, fail_on)
    assert last.endswith(f"（退出码 {status}）" if lang == "zh" else f"(exit status {status})"), last


CONCISE = re.compile(r"^(?P<path>.+?):(?:(?P<line>\d+):(?:(?P<column>\d+):)?)? (?P<code>[A-Z0-9][A-Z0-9-]*) "
                     r"\[(?P<severity>error|warning|review|info)\] (?P<message>.+)$")


def check_concise(output, results, fail_on, lang):
    lines = output.rstrip("\n").splitlines()
    findings = [(f, f.file or r.file) for r in results for f in r.findings]
    assert len(lines) == len(findings) + 2  # one line per finding, then the counts and the exit status
    for line, (finding, file) in zip(lines, findings):
        match = CONCISE.match(line)
        assert match, line
        assert (match["path"], match["code"], match["severity"]) == (file, finding.code, finding.severity.value)
        source = finding.source
        expected = (None, None) if source is None else \
            (str(source.page), None) if source.page is not None else \
            (str(source.line) if source.line else None, str(source.column) if source.line and source.column else None)
        assert (match["line"], match["column"]) == expected, line
    _fail_footer(output, results, fail_on, lang)


def check_grouped(output, results, fail_on, lang):
    lines = output.rstrip("\n").splitlines()
    headings = [line[:-1] for line in lines if line.endswith(":") and not line.startswith(" ")]
    assert headings == [r.file for r in results if r.findings]
    items = [line for line in lines if line.startswith("  ")]
    assert [re.match(r"  \S+: (\S+) \[", line)[1] for line in items] == [f.code for r in results for f in r.findings]
    _fail_footer(output, results, fail_on, lang)


def check_json(output, results, fail_on, lang):
    data = json.loads(output)
    CHECK_VALIDATOR.validate(data)
    assert data["fail_on"] == fail_on and data["failing"] == len(failing(results, fail_on))
    assert [[f["code"] for f in r["findings"]] for r in data["reports"]] == [[f.code for f in r.findings]
                                                                             for r in results]


def check_jsonl(output, results, fail_on, lang):
    records = [json.loads(line) for line in output.splitlines()]
    expected = [(f.code, fails(f.severity.value, fail_on)) for r in results for f in r.findings]
    assert [(r["code"], r["fails"]) for r in records] == expected


def check_csv(output, results, fail_on, lang):
    rows = list(csv.DictReader(io.StringIO(output)))
    expected = [(f.code, f.severity.value, "true" if fails(f.severity.value, fail_on) else "false")
                for r in results for f in r.findings]
    assert [(r["code"], r["severity"], r["fails"]) for r in rows] == expected


def check_sarif(output, results, fail_on, lang):
    document = json.loads(output)
    SARIF_VALIDATOR.validate(document)
    run = document["runs"][0]
    descriptors = run["tool"]["driver"]["rules"]
    catalogue = code_catalogue(rules())
    findings = [f for r in results for f in r.findings]
    for descriptor in descriptors:  # the code's default severity, whatever the run made of it
        if descriptor["id"] in catalogue:
            default = catalogue[descriptor["id"]].severity
        else:  # not catalogued (yet): the worst severity its findings have
            default = max((f.severity.value for f in findings if f.code == descriptor["id"]), key=RANK.get)
        assert descriptor["defaultConfiguration"]["level"] == SARIF_LEVEL[default], descriptor["id"]
    assert {f.code for f in findings} <= {d["id"] for d in descriptors}
    assert len(run["results"]) == len(findings)
    for result, finding in zip(run["results"], findings):
        assert result["ruleId"] == finding.code == descriptors[result["ruleIndex"]]["id"]
        assert result["level"] == shown(finding.severity.value, fail_on), (finding.code, fail_on)
        assert result["properties"]["severity"] == finding.severity.value
    assert run["invocations"][0]["exitCode"] == exit_status(results, fail_on)


def check_junit(output, results, fail_on, lang):
    root = etree.fromstring(output.encode("utf-8"))
    JUNIT_SCHEMA.assertValid(root)
    findings = [f for r in results for f in r.findings]
    assert int(root.get("failures")) == len(root.findall(".//failure")) == len(failing(results, fail_on))
    assert int(root.get("tests")) == len(root.findall(".//testcase"))
    below = "\n".join(node.text for node in root.iter("system-out"))
    passing = [f for f in findings if not fails(f.severity.value, fail_on)]
    assert sorted(node.get("type") for node in root.iter("failure")) == sorted(f.code for f in findings
                                                                                if f not in passing)
    for finding in passing:  # below the fail level: in the output, not lost
        assert f"[{finding.severity.value}] {finding.code}: " in below
    headed = [line for line in below.splitlines() if re.match(r"\[(error|warning|review|info)\] \S+: ", line)]
    assert len(headed) == len(passing)


def check_github(output, results, fail_on, lang):
    commands = [line.split(" ", 1)[0] for line in output.splitlines()]
    assert commands == [GITHUB[shown(f.severity.value, fail_on)] for r in results for f in r.findings]


def check_html(output, results, fail_on, lang):
    page = lxml_html.document_fromstring(output)
    items = page.xpath("//li[starts-with(@id, 'finding-')]")
    # worst first, so compared as a multiset
    assert sorted(item.get("data-code") for item in items) == sorted(f.code for r in results for f in r.findings)


CHECKS = {"full": check_text, "text": check_text, "concise": check_concise, "grouped": check_grouped, "json": check_json, "jsonl": check_jsonl, "csv": check_csv, "sarif": check_sarif,
          "junit": check_junit, "github": check_github, "html": check_html}


def test_every_format_has_a_check():
    assert set(FORMATTERS) == set(FORMATS) == set(CHECKS)


# ------------------------------------------------------------------ every report, formatters fed directly


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_format_of_one_report(path, tmp_path):
    for fmt in FORMATS:
        for fail_on, lang in [(level, "zh") for level in FAIL_LEVELS] + [("error", "en")]:
            results = [audited(path, lang)]
            output = FORMATTERS[fmt](results, lang=lang, rules=list(rules()), fail_on=fail_on)
            # one line per finding in jsonl and github: nothing at all for a report without findings
            assert isinstance(output, str) and (output or fmt in ("jsonl", "github") and not results[0].findings)
            CHECKS[fmt](output, results, fail_on, lang)
    for lang in ("zh", "en"):
        results = [audited(path, lang)]
        memo = build_memo(results, lang=lang, include_hints=True)
        # every error and warning finding reaches the letter (review ones too, unless the run says otherwise)
        told = {id(f) for _, f in memo.included}
        assert all(id(f) in told for f in results[0].findings if f.severity.value in ("error", "warning", "review"))
        text = render_markdown(memo)
        assert md_escape(memo.title) in text and all(md_escape(item.text) in text for item in memo.items)
        document = docx.Document(str(render_docx(memo, tmp_path / f"memo-{lang}.docx")))
        paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
        assert memo.title in paragraphs and all(f"{i.number}. {i.text}" in paragraphs for i in memo.items)
        if memo.items:  # the appendix is a Word table: one row per item under the header row
            assert len(document.tables[0].rows) == len(memo.items) + 1


def test_corpus_is_present():
    if not CORPUS_REPORTS:
        pytest.skip(f"../shared/corpus ({CORPUS}) is absent: only examples/ were checked")
    assert {p.suffix for p in CORPUS_REPORTS} >= {".txt", ".html", ".md", ".pdf"}


# ------------------------------------------------------------------ the CLI, one run per format over every report

# One fail level per format, so that the CLI runs cover every level between them.
CLI_FAIL_ON = {"full": "warning", "concise": "review", "grouped": "info", "text": "error", "json": "warning", "jsonl": "review", "csv": "info", "sarif": "error",
               "junit": "warning", "github": "never", "html": "review"}


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    # a traceback for the user is a bug: the only exception allowed is click's exit
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_check_every_report(fmt, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configuration file of the working directory applies
    fail_on = CLI_FAIL_ON[fmt]
    lang = "en" if fmt in ("text", "junit", "grouped") else "zh"
    option = "--format" if fmt in ("text", "json", "csv") else "--output-format"  # --format: the older name
    result = invoke("check", option, fmt, "--fail-on", fail_on, "--lang", lang, *REPORTS)
    results = [audited(p, lang) for p in REPORTS]
    assert result.exit_code == exit_status(results, fail_on)
    assert result.stdout == FORMATTERS[fmt](results, lang=lang, rules=list(rules()), fail_on=fail_on)
    CHECKS[fmt](result.stdout, results, fail_on, lang)


def test_exit_status_follows_the_fail_level():
    # not vacuous: the reports have findings at every level, so the levels give different statuses
    if not any(p.stem == "hongze-2023" for p in REPORTS):
        pytest.skip("needs ../shared/corpus/hongze-2023.pdf: the only report held with error findings")
    results = [audited(p) for p in REPORTS]
    severities = {f.severity.value for r in results for f in r.findings}
    assert {"error", "warning", "review", "info"} <= severities
    assert [exit_status(results, level) for level in FAIL_LEVELS] == [1, 1, 1, 1, 0]
    clean = [audited(p) for p in REPORTS if not p.stem.startswith(("guilin", "hongze-2023"))]
    assert exit_status(clean, "error") == 0 and exit_status(clean, "warning") == 1


@pytest.mark.parametrize("suffix", [".md", ".docx"])
def test_cli_memo_every_report(suffix, tmp_path):
    output = tmp_path / f"memo{suffix}"
    result = invoke("memo", *REPORTS, "-o", output)
    assert result.exit_code == 0
    letters = build_memos([audited(p) for p in REPORTS])
    items = [i for letter in letters for i in letter.items]
    assert items  # the corpus has error and warning findings: the memo is not empty
    # one letter per agency and year
    assert len(letters) == len({(audited(p).agency or p.name, audited(p).year) for p in REPORTS})
    if suffix == ".docx":
        document = docx.Document(str(output))
        titles = [p.text for p in document.paragraphs if p.text.startswith("关于")]
        assert titles == [letter.title for letter in letters]
        assert len(document.sections) == len(letters)  # each letter counts its pages from 1
        assert sum(len(t.rows) - 1 for t in document.tables) == len(items)
    else:
        text = output.read_text(encoding="utf-8")
        assert re.findall(r"^# (.*)$", text, re.M) == [md_escape(letter.title) for letter in letters]
        assert len(re.findall(r"^\d+\. ", text, re.M)) == len(items)
