"""`auditor diff OLD NEW`: exactly the edited cells of an edited copy, exactly the cells two years of one
agency differ in (by their gold files), changed sentences and parts; exit 1 when numbers changed;
JSON valid against docs/schema/diff.schema.json."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from auditor.check.diff import diff_reports, sentence_changes
from auditor.cli.main import main
from auditor.extract.tables import extract
from auditor.load import load_path
from conftest import gold, report_path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "schema" / "diff.schema.json").read_text(encoding="utf-8"))


def run(*args):
    return CliRunner().invoke(main, list(map(str, args)))


def edited_copy(tmp_path: Path) -> Path:
    """yichun-2021 with two table-3 cells changed (530 → 531 and its total 553 → 554), one cell blanked
    (table 3's 上年结转 自然人 1 → "／") and one sentence of the narrative reworded."""
    lines = report_path("yichun-2021.txt").read_text(encoding="utf-8").split("\n")
    start = lines.index("一、本年新收政府信息公开申请数量")
    values = [i for i in range(start + 1, start + 16) if lines[i].strip()]
    assert [lines[i] for i in values] == ["530", "10", "9", "2", "2", "0", "553"]
    lines[values[0]], lines[values[6]] = "531", "554"
    carried = lines.index("二、上年结转政府信息公开申请数量")
    first = next(i for i in range(carried + 1, carried + 4) if lines[i].strip())
    assert lines[first] == "1"
    lines[first] = "／"
    text = "\n".join(lines)
    assert text.count("始终坚持以人民为中心") == 1
    path = tmp_path / "yichun-2021-edited.txt"
    path.write_text(text.replace("始终坚持以人民为中心", "坚持以人民为中心"), encoding="utf-8")
    return path


def test_an_edited_copy_gives_exactly_the_edited_cells(tmp_path):
    result = run("diff", "--format", "json", report_path("yichun-2021.txt"), edited_copy(tmp_path))
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    jsonschema.validate(data, SCHEMA)
    cells = {(c["table"], c["row"], c["column"]): (c["old_value"], c["new_value"], c["new_state"]) for c in data["cells"]}
    assert cells == {("table3", "new", "natural_person"): (530, 531, "number"),
                     ("table3", "new", "total"): (553, 554, "number"),
                     ("table3", "carried_over", "natural_person"): (1, None, "dash")}
    assert data["numbers_changed"] is True
    assert [s["change"] for s in data["sentences"]] == ["changed"]
    assert "始终坚持" in data["sentences"][0]["old"] and "始终坚持" not in data["sentences"][0]["new"]
    assert data["parts_added"] == [] and data["parts_removed"] == []


def test_the_same_report_twice_changes_nothing_and_exits_0():
    path = report_path("yichun-2021.txt")
    result = run("diff", path, path)
    assert result.exit_code == 0, result.output
    assert "表格：0 个单元格有变动" in result.output and "数字无变动" in result.output


def test_only_the_text_changed_exits_0(tmp_path):
    source = report_path("yichun-2021.txt")
    edited = tmp_path / "reworded.txt"
    edited.write_text(source.read_text(encoding="utf-8").replace("始终坚持以人民为中心", "坚持以人民为中心"), encoding="utf-8")
    result = run("diff", "--lang", "en", source, edited)
    assert result.exit_code == 0, result.output
    assert "tables: 0 cell(s) changed" in result.output and "text: 1 sentence change(s)" in result.output


def test_two_years_of_one_agency_give_exactly_the_cells_their_gold_files_differ_in():
    old, new = report_path("pingtan-2021.txt"), report_path("pingtan-2023.txt")
    before, after = gold(old.name), gold(new.name)
    expected = set()
    for table in ("table3", "table4"):
        assert before[table]["columns"] == after[table]["columns"]
        for row in after[table]["rows"]:
            for column, a, b in zip(after[table]["columns"], before[table]["rows"][row], after[table]["rows"][row]):
                if a != b:
                    expected.add((table, row, column))
    assert len(expected) > 10  # two real years differ in many cells
    documents = [load_path(old), load_path(new)]
    diff = diff_reports(extract(documents[0]), extract(documents[1]), *documents)
    assert {(c.table, c.row, c.column) for c in diff.cells if c.table in ("table3", "table4")} == expected
    assert diff.numbers_changed and diff.year == (2021, 2023)
    assert diff.sentences  # the narrative of another year differs


def test_a_part_removed_is_named(tmp_path):
    source = report_path("yichun-2021.txt")
    text = source.read_text(encoding="utf-8")
    start, end = text.index("六、其他需要报告的事项"), len(text)
    edited = tmp_path / "no-part-six.txt"
    edited.write_text(text[:start], encoding="utf-8")
    result = run("diff", "--format", "json", source, edited)
    data = json.loads(result.output)
    assert data["parts_removed"] == [6] and data["parts_added"] == [] and end > start
    assert run("diff", source, edited).output.count("删去部分：6 其他需要报告的事项") == 1


def test_sentences_are_compared_folded():
    assert sentence_changes(["全年收到申請3件。"], ["全年收到申请3件。"]) == []
    changes = sentence_changes(["甲。", "乙。"], ["甲。", "丙。", "丁。"])
    assert [(c.change, c.old, c.new) for c in changes] == [("changed", "乙。", "丙。"), ("added", "", "丁。")]


def test_an_unreadable_file_stops_with_exit_2(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    result = run("diff", report_path("yichun-2021.txt"), empty)
    assert result.exit_code == 2
    assert "FILE-EMPTY" in result.output
