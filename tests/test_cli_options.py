"""The ruff-like command line (issue 19): --output-format concise/grouped/full, --select/--ignore/
--extend-select (and the same [tool.auditor] keys), --statistics, -q, -v, check - from stdin,
extract's recovered values, batch progress per report, shell completion.

Reports: examples/ (text), a copy of examples/shuyang-fgj-2023.html with one number changed (so it
has findings) as printed (multi-line) and folded onto one line, and ../shared/corpus/hongze-2023.pdf."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from auditor.cli.main import main
from auditor.policy import SelectLayer, Selection
from auditor.write.text_format import wrap_message
from conftest import CORPUS

ROOT = Path(__file__).resolve().parents[1]
GUILIN = ROOT / "examples" / "guilin-2020.txt"
SHUYANG = ROOT / "examples" / "shuyang-fgj-2023.html"
HONGZE = CORPUS / "hongze-2023.pdf"
PINGTAN = ROOT / "tests" / "data" / "pingtan-2021.txt"
CONCISE = re.compile(r"^(?P<path>.+?):(?:(?P<line>\d+):(?:(?P<column>\d+):)?)? (?P<code>[A-Z0-9][A-Z0-9-]*) "
                     r"\[(?P<severity>error|warning|review|info)\] (?P<message>.+)$")


def run(*args, input=None, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input, env=env or {})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


@pytest.fixture(autouse=True)
def _no_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configuration file of the working directory applies


@pytest.fixture(scope="module")
def html_reports(tmp_path_factory):
    """The shuyang report with 予以公开/自然人 printed 25 instead of 26: as published, and on one line."""
    folder = tmp_path_factory.mktemp("html")
    lines = SHUYANG.read_text(encoding="utf-8").split("\n")
    assert ">26<" in lines[472]  # the cell 表三（一）予以公开 / 自然人
    lines[472] = lines[472].replace(">26<", ">25<", 1)
    multi, one = folder / "multi.html", folder / "one.html"
    multi.write_text("\n".join(lines), encoding="utf-8")
    one.write_text(" ".join(line.strip() for line in lines), encoding="utf-8")
    return multi, one


def concise_lines(output: str) -> list[re.Match]:
    lines = output.rstrip("\n").splitlines()[:-2]  # the counts and the exit status close the output
    matches = [CONCISE.match(line) for line in lines]
    assert all(matches), lines
    return matches


# ------------------------------------------------------------------ concise


def test_concise_on_a_text_report():
    result = run("check", GUILIN, "--output-format", "concise")
    assert result.exit_code == 0
    found = concise_lines(result.stdout)
    assert [(m["path"], m["line"], m["column"], m["code"], m["severity"]) for m in found] == [
        (str(GUILIN), "52", "1", "TABLE-ABSENT", "warning"), (str(GUILIN), "55", "1", "TABLE-ABSENT", "warning"),
        (str(GUILIN), "60", "1", "TABLE-ABSENT", "warning"),
        (str(GUILIN), None, None, "DOC-PART-MISSING", "warning")]  # part 六: the whole text, no line
    text = GUILIN.read_text(encoding="utf-8").splitlines()
    # the headings of the sections the tables belong under (the report is in traditional characters)
    assert text[51].startswith("二、主動公開") and text[54].startswith("三、收到和處理") and text[59].startswith("四、")
    assert found[0]["message"].startswith("表二无法核对：")


@pytest.mark.parametrize("which", ["multi", "one"])
def test_concise_on_html_gives_the_cell_line_column_and_path(which, html_reports):
    path = html_reports[0 if which == "multi" else 1]
    result = run("check", path, "--output-format", "concise")
    assert result.exit_code == 1  # T3-OUTCOME-TOTAL is an error
    found = {m["code"]: m for m in concise_lines(result.stdout)}
    assert set(found) == {"T3-ROW-TOTAL", "T3-OUTCOME-TOTAL"}
    source = path.read_text(encoding="utf-8").split("\n")
    tree = etree.parse(str(path), etree.HTMLParser())
    for code, match in found.items():
        line, column = int(match["line"]), int(match["column"])
        if which == "one":
            assert line == 1 and column > 1000  # one line: the column tells the cells apart
        assert source[line - 1][column - 1:].startswith("<td"), (code, source[line - 1][column - 1:column + 20])
        element_path = re.search(r"\((/html/[^)]+)\)$", match["message"])[1]
        cell = tree.xpath(re.sub(r"\[@(row|col)span=\d+\]", "", element_path))
        assert len(cell) == 1 and cell[0].sourceline == line, (code, element_path)
    # the total row's cell is 26 where its parts add up to 25
    assert "".join(tree.xpath(re.search(r"\((/html/[^)]+)\)$", found["T3-OUTCOME-TOTAL"]["message"])[1] +
                              "//text()")).strip() == "26"
    multi = run("check", html_reports[0], "--output-format", "concise").stdout
    one = run("check", html_reports[1], "--output-format", "concise").stdout
    assert [m["code"] for m in concise_lines(multi)] == [m["code"] for m in concise_lines(one)]


def test_concise_on_a_pdf_gives_the_page():
    if not HONGZE.is_file():
        pytest.skip(f"needs {HONGZE} (../shared/corpus)")
    result = run("check", HONGZE, "--output-format", "concise")
    assert result.exit_code == 1
    found = concise_lines(result.stdout)
    pages = [(m["line"], m["column"], m["code"]) for m in found]
    assert pages == [("4", None, "T4-GROUP-TOTAL"), ("4", None, "T4-GROUP-TOTAL"), (None, None, "TPL-TABLE3-YEAR"),
                     (None, None, "DOC-GOV-CONTENT"), (None, None, "DOC-GOV-CONTENT")]
    boxes = [f["source"]["box"] for r in json.loads(run("check", HONGZE, "--output-format", "json").stdout)["reports"]
             for f in r["findings"] if f["code"] == "T4-GROUP-TOTAL"]
    assert len(boxes) == 2 and all(len(box) == 4 for box in boxes)  # the box is in the JSON


def test_the_problem_matcher_of_the_ci_example_reads_concise(html_reports):
    """examples/ci/auditor-problem-matcher.json turns each concise line into an annotation."""
    matcher = json.loads((ROOT / "examples" / "ci" / "auditor-problem-matcher.json").read_text("utf-8"))
    pattern = matcher["problemMatcher"][0]["pattern"][0]
    regexp = re.compile(pattern["regexp"])
    lines = run("check", html_reports[1], GUILIN, "--output-format", "concise").stdout.splitlines()
    read = [regexp.match(line) for line in lines[:-2]]
    assert all(read) and not any(regexp.match(line) for line in lines[-2:])  # the summary is no finding
    first = read[0]
    assert (first[pattern["file"]], first[pattern["code"]], first[pattern["severity"]]) == (
        str(html_reports[1]), "T3-ROW-TOTAL", "warning")
    assert first[pattern["line"]] == "1" and int(first[pattern["column"]]) > 1000
    assert [m[pattern["severity"]] for m in read].count("error") == 1  # T3-OUTCOME-TOTAL


def test_grouped_heads_each_file_once(html_reports):
    result = run("check", GUILIN, html_reports[0], "--output-format", "grouped", "--lang", "en")
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.endswith(":") and not line.startswith(" ")] == [
        f"{GUILIN}:", f"{html_reports[0]}:"]
    assert sum(line.startswith("  ") for line in lines) == 6
    assert lines[-1] == "fail level error: 1 finding(s) at or above it (exit status 1)"


def test_format_is_the_older_name_of_output_format_and_text_of_full(html_reports):
    new = run("check", html_reports[0], "--output-format", "full")
    old = run("check", html_reports[0], "--format", "text")
    assert new.stdout == old.stdout and new.exit_code == old.exit_code == 1
    assert run("check", GUILIN, "--output-format", "nope").exit_code == 2


def test_the_configuration_file_chooses_the_format(tmp_path):
    (tmp_path / ".auditor.toml").write_text('format = "concise"\n', encoding="utf-8")
    result = run("check", GUILIN)
    assert [m["code"] for m in concise_lines(result.stdout)] == ["TABLE-ABSENT"] * 3 + ["DOC-PART-MISSING"]
    assert run("check", GUILIN, "--output-format", "full").stdout.startswith(f"== {GUILIN}")  # the option wins
    (tmp_path / ".auditor.toml").write_text('format = "fancy"\n', encoding="utf-8")
    bad = run("check", GUILIN)
    assert bad.exit_code == 2 and "错误[USAGE-FORMAT]：未知的输出格式 fancy" in bad.stderr


def test_full_wraps_at_spaces_and_between_chinese_characters_only():
    path = "/very/long/path/to/a/report/folder/with/many/parts/广州市某某区人民政府2023年度报告.pdf"
    message = "表三“（七）总计”行“自然人”列等，左边 1234567，右边 7654321，相差 -6419754；见 " + path
    lines = wrap_message(message, 40).splitlines()
    assert len(lines) > 2
    joined = "".join(lines)
    for token in ("1234567", "7654321", "-6419754", "/very/long/path/to/a/report/folder/with/many/parts/"):
        assert any(token in line for line in lines), (token, lines)
    assert joined.replace(" ", "") == message.replace(" ", "")
    assert not any(line[0] in "，。；：）" for line in lines)
    english = "the relation fails at table3 total/natural_person: left 1234567, right 7654321"
    assert all(word in english.split() for line in wrap_message(english, 20).splitlines() for word in line.split())


# ------------------------------------------------------------------ select, ignore, extend-select


def codes(*args) -> list[str]:
    result = run("check", *args, "--output-format", "jsonl")
    return [json.loads(line)["code"] for line in result.stdout.splitlines()]


def test_select_ignore_and_extend_select_on_the_command_line(html_reports):
    both = [html_reports[0], GUILIN]
    assert sorted(set(codes(*both))) == ["DOC-PART-MISSING", "T3-OUTCOME-TOTAL", "T3-ROW-TOTAL", "TABLE-ABSENT"]
    assert set(codes(*both, "--select", "T3")) == {"T3-OUTCOME-TOTAL", "T3-ROW-TOTAL"}
    assert set(codes(*both, "--select", "t3-row")) == {"T3-ROW-TOTAL"}  # a prefix, any case
    assert set(codes(*both, "--select", "ALL", "--ignore", "T3")) == {"TABLE-ABSENT", "DOC-PART-MISSING"}
    assert set(codes(*both, "--ignore", "T3,TABLE,DOC")) == set()
    # the more specific selector wins, whichever list it is in
    assert set(codes(*both, "--ignore", "T3", "--extend-select", "T3-OUTCOME")) == {"T3-OUTCOME-TOTAL",
                                                                                     "TABLE-ABSENT", "DOC-PART-MISSING"}
    assert set(codes(*both, "--select", "T3-ROW-TOTAL", "--extend-select", "TABLE-ABSENT")) == {
        "T3-ROW-TOTAL", "TABLE-ABSENT"}
    # the exit status follows what is reported
    assert run("check", html_reports[0], "--ignore", "T3-OUTCOME-TOTAL", "-q").exit_code == 0


def test_an_unknown_selector_is_a_usage_error(html_reports):
    result = run("check", html_reports[0], "--select", "T9")
    assert result.exit_code == 2
    assert "错误[USAGE-UNKNOWN-CODE]：--select：未知的代码 T9" in result.stderr


def test_select_keeps_the_findings_of_a_file_not_read(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert codes(empty, "--select", "T3") == ["FILE-EMPTY"]
    assert codes(empty, "--ignore", "FILE") == []  # named: left out


def test_select_and_ignore_in_the_configuration_file(tmp_path, html_reports):
    (tmp_path / ".auditor.toml").write_text('select = ["T3"]\nignore = ["T3-ROW"]\n', encoding="utf-8")
    assert set(codes(html_reports[0], GUILIN)) == {"T3-OUTCOME-TOTAL"}
    # the command line is a later layer: its select starts afresh, its extend-select adds
    assert set(codes(html_reports[0], GUILIN, "--select", "TABLE")) == {"TABLE-ABSENT"}
    assert set(codes(html_reports[0], GUILIN, "--extend-select", "T3-ROW-TOTAL")) == {"T3-OUTCOME-TOTAL",
                                                                                    "T3-ROW-TOTAL"}
    (tmp_path / ".auditor.toml").write_text('extend-select = ["X9"]\n', encoding="utf-8")
    result = run("check", GUILIN)
    assert result.exit_code == 2 and "错误[CONFIG-UNKNOWN-CODE]" in result.stderr and "X9" in result.stderr


def test_selection_semantics():
    layer = SelectLayer(select=("T3",), ignore=("T3-ROW",))
    selection = Selection((layer,))
    assert selection.selected("T3-BALANCE") and not selection.selected("T3-ROW-TOTAL")
    assert not selection.selected("T4-GROUP-TOTAL")
    assert selection.selected("FILE-EMPTY", "file")  # a file not read is not unselected by select
    tie = Selection((SelectLayer(select=("T3",), ignore=("T3",)),))
    assert not tie.selected("T3-BALANCE")  # at equal specificity ignore wins
    later = Selection((layer, SelectLayer(extend_select=("T3-ROW-TOTAL",))))
    assert later.selected("T3-ROW-TOTAL") and not later.selected("T4-GROUP-TOTAL")
    assert Selection.from_data(later.to_data()) == later


# ------------------------------------------------------------------ statistics, quiet, verbose


def test_statistics_counts_per_code(html_reports):
    result = run("check", html_reports[0], GUILIN, "--statistics", "--lang", "en")
    assert result.exit_code == 1
    rows = [line.split(None, 3) for line in result.stdout.splitlines()[2:-1]]
    assert [(count, code, severity) for count, code, severity, _ in rows] == [
        ("3", "TABLE-ABSENT", "warning"), ("1", "DOC-PART-MISSING", "warning"), ("1", "T3-OUTCOME-TOTAL", "error"),
        ("1", "T3-ROW-TOTAL", "warning")]
    assert all(title for *_, title in rows)  # the code's title in the run's language


def test_quiet_prints_nothing_and_keeps_the_exit_status(html_reports):
    result = run("check", html_reports[0], "-q")
    assert result.exit_code == 1 and result.stdout == ""
    assert run("check", GUILIN, "--quiet").stdout == ""
    written = run("check", html_reports[0], "-q", "--output-format", "concise", "-o", html_reports[0].with_suffix(".out"))
    assert written.stdout == "" and written.exit_code == 1
    assert html_reports[0].with_suffix(".out").read_text("utf-8").count("[error]") == 1  # -o is still written


def test_verbose_gives_the_setup_and_the_seconds_of_each_stage(html_reports):
    result = run("check", html_reports[0], GUILIN, "-v", "--output-format", "concise", "--lang", "en")
    lines = result.stderr.splitlines()
    assert lines[0].startswith("configuration file: none; ") and "output format concise" in lines[0]
    for path, count in ((html_reports[0], 2), (GUILIN, 4)):
        line = next(line for line in lines if line.startswith(f"{path}: "))
        assert re.fullmatch(rf"{re.escape(str(path))}: load \d+\.\d\d s · extract \d+\.\d\d s · check \d+\.\d\d s; "
                            rf"{count} finding\(s\)", line), line
    assert result.stdout == run("check", html_reports[0], GUILIN, "--output-format", "concise", "--lang", "en").stdout


# ------------------------------------------------------------------ stdin


def test_check_reads_a_report_from_stdin(html_reports):
    data = html_reports[0].read_bytes()
    named = run("check", "-", "--stdin-filename", "shuyang.html", "--output-format", "concise", input=data)
    from_file = run("check", html_reports[0], "--output-format", "concise")
    assert named.exit_code == from_file.exit_code == 1
    assert named.stdout == from_file.stdout.replace(str(html_reports[0]), "shuyang.html")
    unnamed = run("check", "-", "--output-format", "concise", input=data)  # the content says it is HTML
    assert [m["code"] for m in concise_lines(unnamed.stdout)] == ["T3-ROW-TOTAL", "T3-OUTCOME-TOTAL"]
    assert all(m["path"] == "-" for m in concise_lines(unnamed.stdout))
    assert run("check", "-", input=b"").exit_code == 1  # an empty input is that file's finding
    assert "FILE-EMPTY" in run("check", "-", "--output-format", "concise", input=b"").stdout


def test_stdin_goes_alone(html_reports):
    assert run("check", "-", html_reports[0], input=b"x").exit_code == 2
    assert run("check", html_reports[0], "--stdin-filename", "x.html").exit_code == 2


# ------------------------------------------------------------------ extract


def test_extract_text_shows_recovered_values_and_the_printed_text_on_verbose():
    plain = run("extract", PINGTAN, "--format", "text").stdout
    verbose = run("extract", PINGTAN, "--format", "text", "-v").stdout
    row = next(line for line in plain.splitlines() if line.startswith("5.属于三类内部事务信息"))
    # fused "1000001" split into its cells; the only split into seven columns, so inferred ("?")
    assert row.split()[1:] == ["1?", "0?", "0?", "0?", "0?", "0?", "1?"]
    assert "1000001" not in plain
    row = next(line for line in verbose.splitlines() if line.startswith("5.属于三类内部事务信息"))
    assert row.split()[1:3] == ["1?", "«1000001»"]


# ------------------------------------------------------------------ batch progress, completion


def test_batch_progress_moves_per_report(tmp_path, monkeypatch):
    from auditor.corpus import batch as batch_module

    steps = []
    monkeypatch.setattr(batch_module._Progress, "advance",
                        lambda self, task, amount=1, current=None: steps.append((amount, current)))
    files = [ROOT / "examples" / name for name in ("guilin-2020.txt", "yichun-2021.txt", "tianshui-2020.txt")]
    options = batch_module.BatchOptions(jobs=1, chunk_size=100, progress=True)
    summary = batch_module.run_batch(files, tmp_path / "a.sqlite", options)
    assert summary.audited == 3
    audit_steps = [step for step in steps if step[1] is not None]
    assert [amount for amount, _ in audit_steps] == [1, 1, 1]
    assert [Path(current).name for _, current in audit_steps] == [f.name for f in files]


def test_shell_completion_script_and_completions():
    script = CliRunner().invoke(main, [], prog_name="auditor", env={"_AUDITOR_COMPLETE": "bash_source"})
    assert script.exit_code == 0 and "_auditor_completion" in script.stdout
    words = CliRunner().invoke(main, [], prog_name="auditor", env={
        "_AUDITOR_COMPLETE": "bash_complete", "COMP_WORDS": "auditor check --output-", "COMP_CWORD": "2"})
    assert "plain,--output-format" in words.stdout
    formats = CliRunner().invoke(main, [], prog_name="auditor", env={
        "_AUDITOR_COMPLETE": "bash_complete", "COMP_WORDS": "auditor check --output-format c", "COMP_CWORD": "3"})
    assert formats.stdout.split() == ["plain,concise", "plain,csv"]


def test_the_memo_follows_the_configuration_file_s_selection(tmp_path, html_reports):
    (tmp_path / ".auditor.toml").write_text('ignore = ["T3-OUTCOME"]\n', encoding="utf-8")
    memo = tmp_path / "memo.md"
    assert run("memo", html_reports[0], "-o", memo).exit_code == 0
    text = memo.read_text("utf-8")
    assert "（一）予以公开" in text and "（七）总计" not in text  # T3-ROW-TOTAL stays, T3-OUTCOME-TOTAL is ignored
