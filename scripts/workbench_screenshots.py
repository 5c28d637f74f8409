"""Screenshots of the workbench (auditor serve) at 1280x800 for the docs: the reports list and the
report view of the example with the most findings, one finding confirmed.

    PYTHONPATH=$PWD python scripts/workbench_screenshots.py docs/
"""
from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slipped_report(folder: Path) -> Path:
    """A synthetic report (示例县, consistent tables) with two digits swapped in one cell of table 3:
    the report view then shows a suspect cell and the value it needs."""
    import random

    from auditor.synth import random_table3, random_table4, render_text
    rng = random.Random(5)
    while True:
        table3 = random_table3(rng, "2021", scale=40, sparsity=0.3)
        candidates = [(row, column) for row, columns in table3.items() for column, value in columns.items()
                      if column != "total" and 10 <= value <= 99 and value % 10 != value // 10 and value % 10]
        if candidates:
            break
    row, column = candidates[0]
    value = table3[row][column]
    table3[row][column] = int(str(value)[::-1])
    path = folder / "示例县人民政府-2022.txt"
    path.write_text(render_text(table3, random_table4(rng), template="2021", year=2022), encoding="utf-8")
    return path


def main(out: Path) -> None:
    import uvicorn
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    from auditor.corpus.batch import run_batch
    from auditor.serve.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="auditor-shots-"))
    store = folder / "store.sqlite"
    run_batch(sorted(p for p in (ROOT / "examples").iterdir() if p.is_file()) + [slipped_report(folder)], store)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800", "--hide-scrollbars",
                 f"--user-data-dir={folder / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    try:
        driver.set_window_size(1280, 800)
        base = f"http://127.0.0.1:{port}"
        driver.get(base + "/")
        driver.save_screenshot(str(out / "workbench-list.png"))
        driver.find_element(By.LINK_TEXT, "示例县人民政府").click()
        first = driver.find_element(By.CSS_SELECTOR, "article.finding form.decide")
        first.find_element(By.CSS_SELECTOR, "input[value=confirmed]").click()
        first.find_element(By.NAME, "reviewer").send_keys("张三")
        first.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        cell = driver.find_elements(By.CSS_SELECTOR, "td.suspect") or driver.find_elements(By.CSS_SELECTOR, "td.flagged")
        if cell:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell[0])
            cell[0].click()
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(out / "workbench-report.png"))
    finally:
        driver.quit()
        server.should_exit = True
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
