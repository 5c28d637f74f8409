"""Text from a crafted submission reaches the outputs as data, never as markup or formulas: the
HTML report escapes it, the CSV outputs defuse spreadsheet formulas, negative numbers stay numbers."""
from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from auditor.cli.main import main
from auditor.write.rows_format import spreadsheet_safe
from conftest import report_path

MARKUP = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http:example.invalid","x")'


def crafted(tmp_path, name: str):
    """A real report whose table has an error, saved under a crafted name."""
    text = report_path("guidong-2020.txt").read_text(encoding="utf-8")
    path = tmp_path / name
    path.write_text(text.replace("\n4\n", "\n5\n", 1), encoding="utf-8")
    return path


def test_csv_defuses_formulas_but_keeps_negative_numbers(tmp_path, monkeypatch):
    crafted(tmp_path, FORMULA + ".txt")
    monkeypatch.chdir(tmp_path)  # a relative name: the file column starts with "="
    result = CliRunner().invoke(main, ["check", "--format", "csv", FORMULA + ".txt"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and all(row["file"].startswith("'") and "HYPERLINK" in row["file"] for row in rows)
    assert not any(value.startswith("=") for row in rows for value in row.values())
    assert any(row["difference"].startswith("-") for row in rows)  # numbers are not defused
    assert spreadsheet_safe("-3") == "-3" and spreadsheet_safe("-1.5") == "-1.5"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)" and spreadsheet_safe("+1+cmd") == "'+1+cmd"


def test_html_report_escapes_report_text(tmp_path):
    path = crafted(tmp_path, MARKUP + ".txt")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["check", "--format", "html", "-o", str(out), str(path)])
    assert result.exit_code == 1, result.output
    page = out.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the name is shown …
    assert MARKUP not in page  # … as text, never as live markup
