"""The document checks (auditor/check/document) on every report we hold: the new findings of each,
none at error level (precision first), each code listed and explained; --published and the batch
manifest. The per-code fixtures are in tests/fixtures/codes/DOC-*.yaml."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.catalogue import everything
from auditor.check.document import CHECKS
from auditor.cli.main import main
from auditor.corpus.batch import BatchOptions, run_batch
from auditor.corpus.manifest import ManifestError, read_manifest
from auditor.pipeline import audit_file
from auditor.policy import RunConfig
from auditor.ruleset import load_default_rules
from conftest import CORPUS, DATA, report_path

ROOT = Path(__file__).resolve().parents[1]
NEW_CODES = sorted({code for check in CHECKS.values() for code in check.codes}
                   | {"XY-NEAR-IDENTICAL", "XY-COPIED-TEXT", "XY-CHANGED", "AGG-INCOMPLETE"})
RULES = list(load_default_rules())

# Every new finding on every report we hold, each judged in /work/notes/docchecks.note.md:
# guilin-2020 has no part 六 at all (the page ends after 五 with site links); shanghai-kewei-2024
# numbers parts 二–四 and 六 as 一–三 and 五 (its 总体情况 has sub-parts numbered 二–六); the
# governments' reports of 2021 on never mention 工作要点 or 上年度问题整改.
EXPECTED = {
    "guidong-2020.txt": [], "tianshui-2020.txt": [], "yiyang-2018.txt": [], "pingtan-2018.txt": [],
    "pingtan-2019.txt": [], "pingtan-dishuiju-2013.txt": [], "shanghai-bgt-2019.html": [],
    "shuyang-fgj-2023.html": [],
    "guilin-2020.txt": ["DOC-PART-MISSING"],
    "shanghai-kewei-2024.md": ["DOC-PART-NUMBER"],
    "yichun-2021.txt": ["DOC-GOV-CONTENT", "DOC-GOV-CONTENT"],
    "pingtan-2021.txt": ["DOC-GOV-CONTENT", "DOC-GOV-CONTENT"],
    "pingtan-2023.txt": ["DOC-GOV-CONTENT", "DOC-GOV-CONTENT"],
    "pingtan-2025.txt": ["DOC-GOV-CONTENT", "DOC-GOV-CONTENT"],
}
PDFS = {name: ["DOC-GOV-CONTENT", "DOC-GOV-CONTENT"] for name in ("hongze-2023.pdf", "hongze-2024.pdf", "huaian-2024.pdf")}


def run(*args):
    return CliRunner().invoke(main, list(map(str, args)))


def _new_findings(name: str):
    result = audit_file(report_path(name), RULES, RunConfig())
    return [f for f in result.findings if f.code in NEW_CODES]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_new_findings_of_every_text_report(name):
    found = _new_findings(name)
    assert sorted(f.code for f in found) == EXPECTED[name]
    assert all(f.severity.value != "error" for f in found)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PDFS))
def test_the_new_findings_of_every_pdf_report(name):
    if not (CORPUS / name).exists():
        pytest.skip(f"{name} is not in ../shared/corpus")
    found = _new_findings(name)
    assert sorted(f.code for f in found) == PDFS[name]
    assert all(f.severity.value == "review" for f in found)


def test_every_report_we_hold_is_judged():
    held = {p.name for p in DATA.iterdir() if p.suffix in (".txt", ".html", ".md")}
    assert held <= set(EXPECTED)


def test_every_new_code_is_catalogued_listed_and_explained():
    catalogue = everything()
    listed = run("rules", "list", "--format", "json").output
    for code in NEW_CODES:
        assert code in catalogue and catalogue[code].severity != "error", code
        assert f'"{code}"' in listed, code
        explained = run("explain", code)
        assert explained.exit_code == 0 and code in explained.output, code
    assert {catalogue[c].kind for check in CHECKS.values() for c in check.codes} == {"document"}


def test_published_names_the_deadline(tmp_path):
    report = report_path("shuyang-fgj-2023.html")  # 沭阳县发展和改革局: a department, 1月31日
    late = run("check", "--published", "2024-02-15", "--format", "json", report)
    assert '"DOC-LATE"' in late.output and "2024年1月31日" in late.output
    assert '"DOC-LATE"' not in run("check", "--published", "2024-01-30", "--format", "json", report).output
    bad = run("check", "--published", "2024/13/01", report)
    assert bad.exit_code == 2


def test_the_batch_manifest_gives_publication_dates(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "shuyang.html").write_bytes(report_path("shuyang-fgj-2023.html").read_bytes())
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("file\tpublished\nin/shuyang.html\t2024-03-01\nother.pdf\t\n", encoding="utf-8")
    dates = read_manifest(manifest)
    assert {Path(k).name: v.isoformat() for k, v in dates.items()} == {"shuyang.html": "2024-03-01"}
    db = tmp_path / "store.db"
    run_batch([folder], db, BatchOptions(jobs=1, published=dates))
    with sqlite3.connect(db) as connection:
        late = connection.execute("SELECT message FROM findings WHERE code = 'DOC-LATE'").fetchall()
    assert len(late) == 1 and "2024-03-01" in late[0][0]
    broken = tmp_path / "broken.tsv"
    broken.write_text("file\tpublished\na.pdf\tMarch\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="broken.tsv:2"):
        read_manifest(broken)
    result = run("batch", "--db", tmp_path / "x.db", "-j", "1", "--manifest", broken, folder)
    assert result.exit_code == 2 and "broken.tsv:2" in result.output
