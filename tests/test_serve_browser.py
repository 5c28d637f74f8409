"""The workbench end to end in headless Chromium (selenium), the server run by uvicorn: upload the
examples, filter to findings, open a report, confirm one finding and dismiss another, generate the
memo (only the confirmed one in it), re-upload a corrected copy and see the finding fixed; the
decisions survive a restart of the server; a hostile report's script never runs."""
from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

from conftest import browser_paths  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BLANK_TOTAL = "| 四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 |  |"


class Server:
    """The workbench on a free local port, in a thread; stop() ends it (a restart is a new one)."""

    def __init__(self, store: Path):
        import uvicorn

        from auditor.serve.app import create_app
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("the workbench did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path):
    chromium, driver_path = browser_paths()
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-extensions", "--no-first-run", "--window-size=1280,800",
                     f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except WebDriverException as error:
        pytest.skip(f"headless chromium does not start here: {error.msg}")
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    yield driver
    driver.quit()


def wait(condition, seconds: float = 120, step: float = 0.2):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def upload(driver, base: str, files: list[Path]) -> None:
    from selenium.webdriver.common.by import By
    driver.get(base + "/add")
    driver.find_element(By.ID, "files").send_keys("\n".join(str(f) for f in files))
    go(driver, driver.find_element(By.ID, "upload"))
    wait(lambda: driver.find_elements(By.CSS_SELECTOR, '.job-state[data-state="finished"]'))


def go(driver, element) -> None:
    """Click something that loads a new page, and wait until the new page has replaced the old."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 60).until(expected_conditions.staleness_of(page))
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")


def finding(driver, code: str):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, f'article.finding[data-code="{code}"]')


def tag(driver, code: str, selector: str = ".decision-tag") -> str:
    """The text of a finding's tag, read again if the page was replaced under the reader."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    def read():
        try:
            return finding(driver, code).find_element(By.CSS_SELECTOR, selector).text or None
        except (NoSuchElementException, StaleElementReferenceException):
            return None
    return wait(read, seconds=30)


def test_review_loop_in_a_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    reports = tmp_path / "reports"
    reports.mkdir()
    for path in EXAMPLES.iterdir():
        if path.is_file() and path.suffix != ".yml":
            shutil.copy(path, reports / path.name)
    store = tmp_path / "workbench.sqlite"
    server = Server(store)
    try:
        upload(driver, server.url, sorted(reports.iterdir()))
        assert len(driver.find_elements(By.CSS_SELECTOR, "ul.audited li")) == 8

        # filter the list to reports with findings
        driver.get(server.url + "/")
        Select(driver.find_element(By.ID, "status-filter")).select_by_value("findings")
        go(driver, driver.find_element(By.ID, "apply-filter"))
        agencies = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table.reports a.open")]
        assert sorted(agencies) == ["上海市人民政府办公厅", "上海市科委", "宜春市", "桂林市"]  # 宜春, 桂林: document checks

        # open a report; clicking a flagged cell shows its finding
        go(driver, driver.find_element(By.LINK_TEXT, "上海市科委"))
        cell = driver.find_element(By.CSS_SELECTOR, 'td[data-row="carried_forward"][data-column="total"]')
        assert "flagged" in cell.get_attribute("class")
        cell.click()
        assert driver.find_elements(By.CSS_SELECTOR, "article.finding.active")

        # confirm one finding, dismiss another
        form = finding(driver, "T3-ROW-TOTAL").find_element(By.CSS_SELECTOR, "form.decide")
        form.find_element(By.CSS_SELECTOR, "input[value=confirmed]").click()
        form.find_element(By.NAME, "reviewer").clear()
        form.find_element(By.NAME, "reviewer").send_keys("王五")
        go(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        form = finding(driver, "N-LIST-SUM").find_element(By.CSS_SELECTOR, "form.decide")
        form.find_element(By.CSS_SELECTOR, "input[value=dismissed]").click()
        Select(form.find_element(By.NAME, "reason")).select_by_value("not_an_error")
        form.find_element(By.NAME, "note").send_keys("口径不同")
        go(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        assert "确认有误" in tag(driver, "T3-ROW-TOTAL")
        assert "并非错误" in tag(driver, "N-LIST-SUM")
        old_report = driver.current_url.split("#")[0]

        # the memo for the agency lists the confirmed finding only
        driver.get(server.url + "/agencies")
        go(driver, driver.find_element(By.LINK_TEXT, "上海市科委"))
        driver.find_element(By.ID, "memo-md").click()  # a download: the page stays
        memo = wait(lambda: [p for p in driver.downloads.iterdir() if p.suffix == ".md"])[0]
        text = wait(lambda: memo.read_text(encoding="utf-8"))
        assert "T3-ROW-TOTAL" in text and "N-LIST-SUM" not in text and "T3-BALANCE" not in text

        # a corrected copy: the confirmed finding becomes fixed
        corrected = tmp_path / "corrected" / "shanghai-kewei-2024.md"
        corrected.parent.mkdir()
        original = (EXAMPLES / "shanghai-kewei-2024.md").read_text(encoding="utf-8")
        corrected.write_text(original.replace(BLANK_TOTAL, BLANK_TOTAL[:-3] + " 1 |"), encoding="utf-8")
        upload(driver, server.url, [corrected])
        driver.get(old_report)
        assert "已更正" in tag(driver, "T3-ROW-TOTAL", ".state")
        assert driver.find_elements(By.CSS_SELECTOR, ".note.newer a")

        # a hostile report: its script never runs
        hostile = tmp_path / "hostile" / "hostile.md"
        hostile.parent.mkdir()
        lines = original.splitlines()
        lines[1] = "<script>window.pwned=true</script>上海市科委2024年度政府信息公开工作年度报告"
        hostile.write_text("\n".join(lines).replace("| 3.其他 | 4 |", "| 3.其他 | <img src=x onerror=window.pwned=true> |"),
                           encoding="utf-8")
        upload(driver, server.url, [hostile])
        go(driver, driver.find_element(By.CSS_SELECTOR, "ul.audited a"))
        assert "<script>window.pwned=true</script>" in driver.find_element(By.CSS_SELECTOR, "h1.report-title").text
        assert driver.execute_script("return window.pwned === undefined")
        driver.get(server.url + "/?q=hostile")
        assert driver.execute_script("return window.pwned === undefined")
    finally:
        server.stop()

    # the decisions survive a restart
    server = Server(store)
    try:
        driver.get(old_report.replace(old_report.split("/reports/")[0], server.url))
        assert "确认有误" in tag(driver, "T3-ROW-TOTAL")
        assert "并非错误" in tag(driver, "N-LIST-SUM")
        assert driver.execute_script("return window.pwned === undefined")
    finally:
        server.stop()
