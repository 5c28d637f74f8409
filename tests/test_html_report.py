"""The reviewer HTML report: the page's cells and marks (lxml), then the page in headless Chromium."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from auditor.load.inputs import expand_paths
from auditor.pipeline import audit_file
from auditor.policy import RunConfig
from auditor.extract.tables import extract
from auditor.model.findings import AuditResult, Finding, FindingCell, Severity
from auditor.load import load_path
from auditor.model.report import Cell, CellState, Table
from auditor.ruleset import load_default_rules
from auditor.write import FORMATTERS
from auditor.model.findings import report_status
from auditor.write.html_report import flagged_cells, write_html
from conftest import DATA, browser_paths, report_path

RULES = load_default_rules()
CONFIG = RunConfig()


def slipped_tianshui() -> AuditResult:
    """tianshui-2020 with 予以公开/自然人 printed 76 instead of 67 (in memory): two error findings."""
    path = report_path("tianshui-2020.txt")
    cell = extract(load_path(path)).table("table3").cell("granted", "natural_person")
    assert cell.raw == "67" and cell.source is not None
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[cell.source.line - 1].strip() == "67"
    lines[cell.source.line - 1] = lines[cell.source.line - 1].replace("67", "76")
    result = audit_file(path, RULES, CONFIG, data="\n".join(lines).encode("utf-8"))
    assert [f for f in result.findings if f.severity == Severity.error], "the slip must give an error"
    return result


@pytest.fixture(scope="module")
def results() -> list[AuditResult]:
    """A directory of real reports (tests/data), plus one with a slipped digit."""
    return [slipped_tianshui()] + [audit_file(path, RULES, CONFIG) for path in expand_paths([DATA])]


@pytest.fixture(scope="module")
def page(results) -> str:
    return write_html(results)


def expected_cells(results: list[AuditResult]) -> set[tuple[str, str, str, str]]:
    """Every cell of every finding, as (report, table, row, column): what the page must mark."""
    return {(f"r{i}", c.table, c.row, c.column)
            for i, result in enumerate(results) for f in result.findings for c in f.cells
            if not c.file or c.file == result.file}


def grid_cells(tree) -> dict[tuple[str, str, str, str], object]:
    """Every drawn cell of the tables by (report, table, row, column). A cell names its place itself,
    or (the lean page of many reports) through its <tr data-row> and its place in the table's
    data-columns; table 4's single body row: place p is data-rows[p // len(columns)], data-columns[p % ...]."""
    cells = {}
    for table in tree.xpath('//table[contains(concat(" ", @class, " "), " grid ")]'):
        report = table.xpath("ancestor::*[@data-report][1]")[0].get("data-report")
        places = (table.get("data-columns") or "").split()
        rows = (table.get("data-rows") or "").split()
        for tr in table.xpath("./tbody/tr"):
            for position, td in enumerate(tr.xpath("./td")):
                if "na" in (td.get("class") or "").split():
                    continue
                if td.get("data-column"):
                    row, column = td.get("data-row"), td.get("data-column")
                else:
                    row = rows[position // len(places)] if rows else tr.get("data-row")
                    column = places[position % len(places)] if rows else places[position]
                key = (td.get("data-report") or report, td.get("data-table") or table.get("data-table"), row, column)
                assert key not in cells, f"{key} drawn twice"
                cells[key] = td
    return cells


def marked_cells(tree) -> list[tuple[str, str, str, str]]:
    return [key for key, td in grid_cells(tree).items() if "flagged" in (td.get("class") or "").split()]


# ------------------------------------------------------------------ the HTML string


def test_registered_as_the_html_format():
    assert FORMATTERS["html"] is write_html


def test_every_finding_cell_is_marked_and_nothing_else(results, page):
    tree = lxml_html.fromstring(page)
    marked = marked_cells(tree)
    assert len(marked) == len(set(marked)), "a cell is drawn twice"
    expected = expected_cells(results)
    assert expected, "the corpus must give findings with cells"
    assert set(marked) == expected == flagged_cells(results)


def test_marked_cells_name_their_findings_and_worst_severity(results, page):
    tree = lxml_html.fromstring(page)
    flagged = [(place, td) for place, td in grid_cells(tree).items() if td.get("data-findings")]
    assert len(flagged) == len(tree.xpath("//td[@data-findings]"))
    for (rid, *key), td in flagged:
        ids = td.get("data-findings").split()
        findings = [results[int(rid[1:])].findings[int(fid.split("-f")[1])] for fid in ids]
        key = tuple(key)
        for finding in findings:
            assert key in {(c.table, c.row, c.column) for c in finding.cells}
            assert tree.get_element_by_id(f"finding-{ids[0]}") is not None
        worst = max((f.severity for f in findings), key=lambda s: s.rank)
        assert f"sev-{worst.value}" in td.get("class").split()


def test_every_cell_has_its_coordinates_and_shows_what_was_read(results, page):
    tree = lxml_html.fromstring(page)
    cells = grid_cells(tree)
    assert len(cells) > 500 and {key[1] for key in cells} == {"table2", "table3", "table4"}
    assert len(cells) == len(tree.xpath('//table[contains(@class, "grid")]/tbody/tr/td[not(@class="na")]'))
    for (rid, table_id, row, column), td in cells.items():
        assert row and column
        cell = results[int(rid[1:])].tables[table_id].cell(row, column)
        classes = (td.get("class") or "").split()
        if cell.state == CellState.number:  # the lean page: a number is a cell without a state class
            assert not [c for c in classes if c.startswith("cell-") and c != "cell-number"]
            assert td.xpath("string(text())") == cell.raw.strip()
        else:
            assert f"cell-{cell.state.value}" in classes, (rid, table_id, row, column)


def test_blank_cells_are_marked_blank_not_zero(results, page):
    tree = lxml_html.fromstring(page)
    index = next(i for i, r in enumerate(results) if r.file.endswith("shanghai-kewei-2024.md"))
    cells = grid_cells(tree)
    td = cells[(f"r{index}", "table3", "carried_forward", "total")]
    assert "cell-blank" in td.get("class").split() and "flagged" in td.get("class").split()
    assert td.text_content().strip() == "空"
    zero = cells[(f"r{index}", "table3", "carried_forward", "commercial")]
    assert zero.text_content().strip() == "0"
    assert not [c for c in (zero.get("class") or "").split() if c.startswith("cell-")]  # a number: no state class


def test_table_layouts_follow_the_template(results, page):
    tree = lxml_html.fromstring(page)
    index = next(i for i, r in enumerate(results) if r.file.endswith("yichun-2021.txt"))
    section = tree.get_element_by_id(f"report-r{index}")
    t3 = section.xpath('.//table[@data-table="table3"]')[0]
    head = t3.xpath("./thead/tr")
    assert len(head) == 3
    texts = [th.text_content() for th in t3.xpath("./thead//th")]
    assert "申请人情况" in texts and "法人或其他组织" in texts and "自然人" in texts and "总计" in texts
    assert "三、本年度办理结果" in [th.text_content() for th in t3.xpath("./tbody//th")]
    assert "（三）不予公开" in [th.text_content() for th in t3.xpath("./tbody//th")]
    # the 2021 template's three 其他处理 rows
    assert {"other_1", "other_2", "other_3"} <= {tr.get("data-row") for tr in t3.xpath("./tbody/tr")}
    t4 = section.xpath('.//table[@data-table="table4"]')[0]
    assert len(t4.xpath("./tbody/tr")) == 1 and len(t4.xpath("./tbody/tr/td")) == 15
    assert [th.text_content() for th in t4.xpath("./thead/tr[1]/th")] == ["行政复议", "行政诉讼"]
    t2 = section.xpath('.//table[@data-table="table2"]')
    assert len(t2) >= 3 and "本年制发件数" in t2[0].text_content()


def test_self_contained_no_external_resource(page):
    tree = lxml_html.fromstring(page)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("src", "href", "action", "data", "poster"):
            value = element.get(attribute)
            if value is not None:
                assert value.startswith(("#", "data:")), (element.tag, attribute, value)
    assert "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page  # the CSP forbids any fetch
    assert not tree.xpath("//script[@src]") and not tree.xpath("//link[@rel='stylesheet']")


def test_text_from_the_report_is_escaped():
    evil = '<img src=x onerror="alert(1)">'
    table = Table(id="table4", found=True, rows={"review": {
        "upheld": Cell(state=CellState.text, raw=evil), "total": Cell(state=CellState.number, value=1, raw="1")}})
    finding = Finding(code="X-1", severity=Severity.error, message=f"bad {evil}", relation=evil,
                      cells=[FindingCell(table="table4", row="review", column="upheld", raw=evil, label=evil)],
                      suspects=[{"table": "table4", "row": "review", "column": "upheld", "current": 3,
                                 "proposed": 0, "reason": evil, "label": evil, "unique": True}])
    result = AuditResult(file=f"{evil}.txt", agency=evil, year=2024, findings=[finding], tables={"table4": table})
    page = write_html([result])
    assert "<img" not in page and "onerror=\"" not in page
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//img")
    assert marked_cells(tree) == [("r0", "table4", "review", "upheld")]


def test_uncertain_dash_and_missing_cells_look_different():
    table = Table(id="table4", found=True, rows={"review": {
        "upheld": Cell(state=CellState.uncertain, value=3, raw="3"),
        "corrected": Cell(state=CellState.dash, raw="/"),
        "other": Cell(state=CellState.inferred, value=1, raw="1"),
        "pending": Cell(state=CellState.blank)}})
    # a finding elsewhere, so the report's tables are drawn (a clean report is one line)
    finding = Finding(code="X-1", severity=Severity.warning, message="m",
                      cells=[FindingCell(table="table4", row="litigation_direct", column="total")])
    tree = lxml_html.fromstring(write_html([AuditResult(file="x.txt", tables={"table4": table}, findings=[finding])]))
    state = {key[3]: td for key, td in grid_cells(tree).items() if key[1:3] == ("table4", "review")}
    assert "cell-uncertain" in state["upheld"].get("class") and "?" in state["upheld"].text_content()
    assert "cell-inferred" in state["other"].get("class") and "?" in state["other"].text_content()
    assert "cell-dash" in state["corrected"].get("class") and state["corrected"].text_content() == "/"
    assert "cell-blank" in state["pending"].get("class")
    assert "cell-missing" in state["total"].get("class")  # not read at all


def test_english_labels():
    result = slipped_tianshui()
    page = write_html([result], lang="en")
    tree = lxml_html.fromstring(page)
    assert tree.get("lang") == "en"
    assert "Applicants" in page and "Administrative review" in page and "申请人情况" not in page
    assert set(marked_cells(tree)) == expected_cells([result])


def test_results_without_tables_still_render():
    result = AuditResult(file="empty.txt", findings=[Finding(code="FILE-EMPTY", severity=Severity.error,
                                                             message="文件为空")])
    tree = lxml_html.fromstring(write_html([result]))
    assert tree.get_element_by_id("finding-r0-f0") is not None and not marked_cells(tree)


# ------------------------------------------------------------------ the list of reports, at scale


def failed_result() -> AuditResult:
    return audit_file(Path("empty.txt"), RULES, CONFIG, data=b"")


def list_rows(tree) -> list:
    return tree.xpath('//table[@id="reports"]/tbody/tr')


def test_the_list_has_one_row_per_report_with_its_status_and_counts(results):
    everything = results + [failed_result()]
    tree = lxml_html.fromstring(write_html(everything))
    rows = list_rows(tree)
    assert len(rows) == len(everything)
    status = {Path(r.file).name: row.get("data-status") for r, row in zip(everything[1:], rows[1:])}
    # real reports whose status we know: a slipped digit, clean ones, a pre-2019 one, an empty file
    assert rows[0].get("data-status") == "findings" and rows[0].get("data-report") == "r0"
    assert status["tianshui-2020.txt"] == "clean" and status["shanghai-kewei-2024.md"] == "findings"
    assert status["guidong-2020.txt"] == status["shuyang-fgj-2023.html"] == "clean"
    assert status["pingtan-2018.txt"] == status["yiyang-2018.txt"] == "not_assessable"
    assert status["empty.txt"] == "failed"
    words = {"clean": "无问题", "findings": "有问题", "not_assessable": "无法核对", "failed": "未能审核"}
    for number, (result, row) in enumerate(zip(everything, rows)):
        cells = [td.text_content() for td in row.xpath("./td")]
        counts = Counter(f.severity.value for f in result.findings)
        worst = next((word for s, word in (("error", "错误"), ("warning", "警告"), ("review", "复核")) if counts[s]), "")
        status_text = words[report_status(result)] + (f"（最重：{worst}）" if report_status(result) == "findings" else "")
        assert cells[:6] == [str(number + 1), result.file, result.agency or "", str(result.year or ""),
                             result.template.overall, status_text]
        assert cells[6:] == [str(counts[s]) if counts[s] else "" for s in ("error", "warning", "review", "info")]
    totals = [th.text_content() for th in tree.xpath('//table[@id="reports"]/tfoot/tr/th')][1:]
    assert totals == [str(sum(f.severity.value == s for r in everything for f in r.findings))
                      for s in ("error", "warning", "review", "info")]
    assert tree.xpath('string(//select[@id="filter-status"]/option[@value="clean"])').startswith("无问题 (")
    # without script the controls (which need it) stay hidden; the list and the reports are plain HTML
    assert tree.get_element_by_id("list-controls").get("hidden") is not None


def test_only_reports_with_findings_draw_tables(results):
    everything = results + [failed_result()]
    tree = lxml_html.fromstring(write_html(everything))
    statuses = [report_status(r) for r in everything]
    assert {"clean", "findings", "not_assessable", "failed"} == set(statuses)
    for number, (result, status) in enumerate(zip(everything, statuses)):
        section = tree.xpath(f'//details[@id="report-r{number}"]')
        link = tree.xpath(f'//table[@id="reports"]//a[@href="#report-r{number}"]')
        if status == "clean" and not result.findings:  # its row in the list is its one line
            assert not section and not link
            continue
        assert len(section) == 1 and len(link) == 1
        tables = section[0].xpath(".//table")
        if status == "findings":  # its tables as read (none for a report whose tables were not found)
            assert section[0].get("open") is not None and bool(tables) == bool(result.tables), result.file
        else:  # one closed line with its findings: no table markup at all
            assert not tables and section[0].get("open") is None
            assert len(section[0].xpath(".//li[@data-finding]")) == len(result.findings)


def test_each_clean_report_adds_a_small_row_only():
    """Bytes a clean report adds to the page: its row (measured 157 bytes of markup plus its file
    name and agency, tests/data/guidong-2020.txt); the bound allows 200."""
    clean = audit_file(report_path("guidong-2020.txt"), RULES, CONFIG)
    assert report_status(clean) == "clean" and not clean.findings

    def page(copies: int) -> int:
        return len(write_html([clean.model_copy(update={"file": f"/报告/湖南省/郴州市/桂东县-{n:05d}.txt"})
                               for n in range(copies)]).encode("utf-8"))

    name = len(f"/报告/湖南省/郴州市/桂东县-{0:05d}.txt".encode("utf-8")) + len(clean.agency.encode("utf-8"))
    per_report = (page(210) - page(10)) / 200
    assert per_report <= 200 + name, per_report
    assert write_html([clean]).count("<table") == 1  # the list; no table of the report


# ------------------------------------------------------------------ headless Chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_path = browser_paths()
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--disable-extensions", "--no-first-run",
                     "--no-default-browser-check", "--window-size=1400,1000",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except WebDriverException as error:
        pytest.skip(f"headless chromium does not start here: {error.msg}")
    yield driver
    driver.quit()


def _errors(log: list[dict]) -> list[dict]:
    return [entry for entry in log if entry.get("level") in ("SEVERE", "ERROR")]


def test_page_in_headless_chromium(browser, results, page, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    browser.get(path.resolve().as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title == "政府信息公开工作年度报告审核结果"
    assert _errors(browser.get_log("browser")) == []

    tree = lxml_html.fromstring(page)
    marked = browser.execute_script(
        "return Array.from(document.querySelectorAll('td.flagged')).map(function(td){"
        "return [td.closest('[data-report]').dataset.report, td.dataset.findings];});")
    assert sorted(map(tuple, marked)) == sorted((key[0], td.get("data-findings"))
                                                for key, td in grid_cells(tree).items() if td.get("data-findings"))
    # flagged cells look flagged: the browser applied the stylesheet
    colours = Counter(browser.execute_script(
        "return Array.from(document.querySelectorAll('td.flagged.sev-error')).map(function(td){"
        "return getComputedStyle(td).backgroundColor;});"))
    assert colours and all(c not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)") for c in colours)

    # click the slipped cell: the panel shows its findings
    place = list(results[0].tables["table3"].rows and
                 tree.xpath('//*[@id="report-r0"]//table[@data-table="table3"]')[0].get("data-columns").split())
    cell = browser.find_element(By.CSS_SELECTOR, '#report-r0 table[data-table="table3"] tr[data-row="granted"]'
                                                 f' > td:nth-of-type({place.index("natural_person") + 1})')
    assert "flagged" in cell.get_attribute("class") and "sev-error" in cell.get_attribute("class")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    panel = browser.find_element(By.ID, "panel")
    assert not panel.is_displayed()
    cell.click()
    assert panel.is_displayed()
    codes = {f.code for f in results[0].findings
             if any((c.table, c.row, c.column) == ("table3", "granted", "natural_person") for c in f.cells)}
    assert codes
    shown = {e.text for e in panel.find_elements(By.CSS_SELECTOR, "code.code")}
    assert shown == codes
    assert "76" in panel.text
    screenshot = tmp_path / "report.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # clicking a finding in the list marks its cells in the tables
    browser.find_element(By.CSS_SELECTOR, "#panel .close").click()
    assert not panel.is_displayed()
    item = browser.find_element(By.ID, "finding-r0-f0")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", item)
    item.click()
    active = browser.execute_script(
        "return Array.from(document.querySelectorAll('td.active')).map(function(td){return td.dataset.findings;});")
    cells = {(c.table, c.row, c.column) for c in results[0].findings[0].cells}
    assert len(active) == len(cells) and all("r0-f0" in ids.split() for ids in active)
    assert _errors(browser.get_log("browser")) == []


def test_list_sorts_filters_and_fits_1280_in_headless_chromium(browser, results, tmp_path):
    """Sorting by status and by file, the status filter (rows and reports below hidden), and no
    horizontal scrolling at 1280×800."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    everything = results + [failed_result()]
    statuses = [report_status(r) for r in everything]
    path = tmp_path / "reports.html"
    path.write_text(write_html(everything), encoding="utf-8")
    browser.set_window_size(1280, 800)
    try:
        browser.get(path.resolve().as_uri())
        assert _errors(browser.get_log("browser")) == []
        width = browser.execute_script("return window.innerWidth")
        assert 1200 <= width <= 1280
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        assert browser.find_element(By.ID, "list-controls").is_displayed()  # the script shows the controls

        def column(index: int) -> list[str]:
            return browser.execute_script(
                "return Array.from(document.querySelectorAll('#reports tbody tr')).filter(function(r){return !r.hidden;})"
                ".map(function(r){return r.cells[index].textContent;});".replace("index", str(index)))

        def status_order() -> list[str]:
            return browser.execute_script(
                "return Array.from(document.querySelectorAll('#reports tbody tr')).map(function(r){return r.dataset.status;});")

        browser.find_element(By.CSS_SELECTOR, '#reports button[data-sort="status"]').click()
        rank = {"failed": 4, "findings": 3, "not_assessable": 2, "clean": 0}
        order = status_order()
        assert order[0] == "failed" and [rank[s] for s in order] == sorted((rank[s] for s in statuses), reverse=True)
        assert sorted(order) == sorted(statuses)
        files = browser.find_elements(By.CSS_SELECTOR, '#reports thead button[data-sort="text"]')[0]
        files.click()
        ascending = column(1)
        assert sorted(ascending) == sorted(r.file for r in everything) and ascending != [r.file for r in everything]
        assert ascending.index("/".join((str(DATA), "guidong-2020.txt"))) < ascending.index(
            "/".join((str(DATA), "yiyang-2018.txt")))
        files.click()
        assert column(1) == ascending[::-1]

        Select(browser.find_element(By.ID, "filter-status")).select_by_value("not_assessable")
        shown = column(0)
        assert len(shown) == statuses.count("not_assessable") == int(browser.find_element(By.ID, "shown").text)
        hidden = browser.execute_script(
            "return Array.from(document.querySelectorAll('details.report')).filter(function(d){return d.hidden;})"
            ".map(function(d){return d.id;});")
        drawn = {f"report-r{n}" for n, r in enumerate(everything) if r.findings or statuses[n] != "clean"}
        assert set(hidden) == {f"report-r{n}" for n, s in enumerate(statuses) if s != "not_assessable"} & drawn
        browser.find_element(By.ID, "filter-text").send_keys("pingtan")
        assert sorted(Path(name).name for name in column(1)) == ["pingtan-2018.txt", "pingtan-2019.txt",
                                                                 "pingtan-dishuiju-2013.txt"]
        Select(browser.find_element(By.ID, "filter-status")).select_by_value("")
        browser.find_element(By.ID, "filter-text").clear()
        browser.execute_script("document.getElementById('filter-text').dispatchEvent(new Event('input'));")
        assert len(column(0)) == len(everything)
        # a report with findings, its tables scrolled into view: still no horizontal scrolling
        browser.execute_script("document.getElementById('report-r0').scrollIntoView();")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        screenshot = tmp_path / "list.png"
        assert browser.save_screenshot(str(screenshot))
        assert _errors(browser.get_log("browser")) == []
    finally:
        browser.set_window_size(1400, 1000)
