"""The reviewer HTML report: the page's cells and marks (lxml), then the page in headless Chromium."""
from __future__ import annotations

import os
import shutil
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
from auditor.write.html_report import flagged_cells, write_html
from conftest import DATA, report_path

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


def marked_cells(tree) -> list[tuple[str, str, str, str]]:
    return [(td.get("data-report"), td.get("data-table"), td.get("data-row"), td.get("data-column"))
            for td in tree.xpath('//td[contains(concat(" ", normalize-space(@class), " "), " flagged ")]')]


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
    for td in tree.xpath("//td[@data-findings]"):
        ids = td.get("data-findings").split()
        report = int(td.get("data-report")[1:])
        findings = [results[report].findings[int(fid.split("-f")[1])] for fid in ids]
        key = (td.get("data-table"), td.get("data-row"), td.get("data-column"))
        for finding in findings:
            assert key in {(c.table, c.row, c.column) for c in finding.cells}
            assert tree.get_element_by_id(f"finding-{ids[0]}") is not None
        worst = max((f.severity for f in findings), key=lambda s: s.rank)
        assert f"sev-{worst.value}" in td.get("class").split()


def test_every_cell_carries_its_coordinates_and_state(page):
    tree = lxml_html.fromstring(page)
    cells = tree.xpath('//td[contains(concat(" ", @class, " "), " cell ")]')
    assert cells
    for td in cells:
        assert td.get("data-table") in ("table2", "table3", "table4")
        assert td.get("data-row") and td.get("data-column") and td.get("data-report")
        assert f"cell-{td.get('data-state')}" in td.get("class").split()


def test_blank_cells_are_marked_blank_not_zero(results, page):
    tree = lxml_html.fromstring(page)
    index = next(i for i, r in enumerate(results) if r.file.endswith("shanghai-kewei-2024.md"))
    td = tree.xpath(f'//td[@data-report="r{index}"][@data-table="table3"][@data-row="carried_forward"]'
                    f'[@data-column="total"]')[0]
    assert "cell-blank" in td.get("class").split() and "flagged" in td.get("class").split()
    assert td.text_content().strip() == "空"
    zero = tree.xpath(f'//td[@data-report="r{index}"][@data-table="table3"][@data-row="carried_forward"]'
                      f'[@data-column="commercial"]')[0]
    assert zero.text_content().strip() == "0" and "cell-number" in zero.get("class").split()


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
    assert {"other_1", "other_2", "other_3"} <= {td.get("data-row") for td in t3.xpath(".//td")}
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
    tree = lxml_html.fromstring(write_html([AuditResult(file="x.txt", tables={"table4": table})]))
    state = {td.get("data-column"): td for td in tree.xpath('//td[@data-row="review"]')}
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


# ------------------------------------------------------------------ headless Chromium


def _browser_paths() -> tuple[str, str]:
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (pip install selenium)")
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or \
        ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    if not chromium:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    if not driver:
        pytest.skip("chromedriver is not installed (apt-get install chromium-driver)")
    return chromium, driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_path = _browser_paths()
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

    marked = browser.execute_script(
        "return Array.from(document.querySelectorAll('td.flagged')).map(function(td){"
        "return [td.dataset.report, td.dataset.table, td.dataset.row, td.dataset.column];});")
    assert len(marked) == len({tuple(m) for m in marked})
    assert {tuple(m) for m in marked} == expected_cells(results)
    # flagged cells look flagged: the browser applied the stylesheet
    colours = Counter(browser.execute_script(
        "return Array.from(document.querySelectorAll('td.flagged.sev-error')).map(function(td){"
        "return getComputedStyle(td).backgroundColor;});"))
    assert colours and all(c not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)") for c in colours)

    # click the slipped cell: the panel shows its findings
    cell = browser.find_element(By.CSS_SELECTOR, 'td[data-report="r0"][data-table="table3"]'
                                                 '[data-row="granted"][data-column="natural_person"]')
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
        "return Array.from(document.querySelectorAll('td.active')).map(function(td){"
        "return [td.dataset.table, td.dataset.row, td.dataset.column];});")
    assert {tuple(a) for a in active} == {(c.table, c.row, c.column) for c in results[0].findings[0].cells}
    assert _errors(browser.get_log("browser")) == []
