"""The reviewer's workbench (auditor serve) through Starlette's TestClient: every route, decisions by
fingerprint with their history, fix tracking over a corrected version, memos from confirmed findings
only, and the security points (escaping, CSRF, upload limits, zip paths)."""
from __future__ import annotations

import io
import re
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from auditor.corpus.batch import run_batch  # noqa: E402
from auditor.corpus.review import ListQuery, list_reports, refresh  # noqa: E402
from auditor.corpus.store import Store  # noqa: E402
from auditor.serve.app import CSRF_COOKIE, create_app  # noqa: E402
from auditor.serve.intake import UploadLimits, safe_name, unsafe_member  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KEWEI = EXAMPLES / "shanghai-kewei-2024.md"
BLANK_TOTAL = "| 四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 0 |  |"  # the total cell left blank in the example


@pytest.fixture(scope="module")
def examples_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("serve-store")
    files = folder / "reports"
    files.mkdir()
    for path in EXAMPLES.iterdir():
        if path.is_file():
            shutil.copy(path, files / path.name)
    store = folder / "examples.sqlite"
    run_batch([files], store)
    return store


@pytest.fixture
def store_path(examples_store, tmp_path) -> Path:
    """A private copy of the examples' store for one test."""
    target = tmp_path / "store.sqlite"
    source = sqlite3.connect(examples_store)
    copy = sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()
    return target


def client_for(store_path: Path, **limits) -> TestClient:
    client = TestClient(create_app(store_path, UploadLimits(**limits) if limits else UploadLimits()))
    client.get("/")  # the CSRF cookie
    return client


def token(client: TestClient) -> str:
    return client.cookies.get(CSRF_COOKIE)


def report_id(store_path: Path, name: str) -> int:
    with Store(store_path) as store:
        return store.db.execute("SELECT id FROM reports WHERE path LIKE ? ORDER BY id DESC", (f"%{name}",)).fetchone()[0]


def listed(page: str) -> list[str]:
    """The agencies of the reports list's rows, in order."""
    return re.findall(r'<a class="open" href="/reports/\d+">([^<]*)</a>', page)


def findings_on_page(client: TestClient, rid: int) -> dict[str, list[str]]:
    """code -> fingerprints of the report page's decision forms."""
    page = client.get(f"/reports/{rid}").text
    out: dict[str, list[str]] = {}
    for article in re.findall(r'<article class="finding.*?</article>', page, re.S):
        code = re.search(r'data-code="([^"]+)"', article).group(1)
        fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', article)
        if fingerprint:
            out.setdefault(code, []).append(fingerprint.group(1).replace("&amp;", "&").replace("&#34;", '"')
                                            .replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">"))
    return out


def decide(client: TestClient, rid: int, fingerprint: str, decision: str, reason: str = "", note: str = "",
           reviewer: str = "李四"):
    return client.post("/decide", data={"csrf": token(client), "fingerprint": fingerprint, "decision": decision,
                                        "reason": reason, "note": note, "reviewer": reviewer, "report": str(rid),
                                        "anchor": "1"}, follow_redirects=False)


def wait_for(client: TestClient, location: str, seconds: float = 120) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        page = client.get(location).text
        if 'data-state="finished"' in page:
            return page
        time.sleep(0.2)
    raise AssertionError(f"job {location} did not finish")


def upload(client: TestClient, files: list[tuple[str, bytes]]) -> str:
    response = client.post("/add", data={"csrf": token(client)},
                           files=[("files", (name, data, "application/octet-stream")) for name, data in files],
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return wait_for(client, response.headers["location"])


# ------------------------------------------------------------------ pages


def test_list_shows_every_report_with_its_status(store_path):
    client = client_for(store_path)
    page = client.get("/").text
    assert page.count('<tr class="status-') == 8
    assert re.search(r'status-findings" data-report="\d+">\s*<td><a class="open" href="/reports/\d+">上海市科委', page)
    assert re.search(r'status-not_assessable" data-report="\d+">\s*<td><a class="open" href="/reports/\d+">益阳市人民政府', page)
    assert re.search(r'status-clean" data-report="\d+">\s*<td><a class="open" href="/reports/\d+">天水市', page)
    assert "共 8 份报告" in page


def test_list_filters_search_sort_and_pages(store_path):
    client = client_for(store_path)
    # 宜春市 and 桂林市: the document checks (a government's parts, part 六 missing)
    assert sorted(listed(client.get("/?status=findings").text)) == ["上海市人民政府办公厅", "上海市科委", "宜春市", "桂林市"]
    assert client.get("/?year=2020").text.count('<tr class="status-') == 3
    assert client.get("/?code=N-LIST-SUM").text.count('<tr class="status-') == 1
    assert client.get("/?q=tianshui").text.count('<tr class="status-') == 1
    assert sorted(listed(client.get("/?agency=上海").text)) == ["上海市人民政府办公厅", "上海市科委"]
    assert "没有符合条件的报告" in client.get("/?q=nothing-like-this").text
    by_year = client.get("/?sort=year&dir=asc").text
    years = [int(y) for y in re.findall(r"</a></td>\s*<td>(\d{4})</td>", by_year)]
    assert years == sorted(years) and years[0] == 2018
    assert client.get("/?year=abc").status_code == 400
    with Store(store_path) as store:
        rows, total = list_reports(store, ListQuery(sort="file", descending=False, page=2, size=3))
    assert total == 8 and [Path(r["path"]).name for r in rows] == ["shanghai-kewei-2024.md", "shuyang-fgj-2023.html",
                                                                 "tianshui-2020.txt"]


def test_report_view_draws_the_tables_and_the_evidence(store_path):
    client = client_for(store_path)
    page = client.get(f"/reports/{report_id(store_path, 'shanghai-kewei-2024.md')}").text
    assert 'data-table="table3"' in page and 'data-table="table4"' in page
    flagged = re.findall(r'<td class="([^"]*flagged[^"]*)" data-report="r0" data-table="table3" data-row="carried_forward"'
                         r' data-column="total"', page)
    assert flagged and "cell-blank" in flagged[0]
    assert "每行总计等于各类申请人之和" in page  # the relation in words (the catalogue's title)
    assert '<div class="line pointed"><span class="ln">178</span>' in page  # the source line of the cell
    assert "<mark>" in page  # the narrative finding's sentence marked
    assert client.get("/reports/99999").status_code == 404


def test_english_with_lang_and_a_cookie(store_path):
    client = client_for(store_path)
    assert "Reports" in client.get("/?lang=en").text
    assert "Reports" in client.get("/agencies").text  # the cookie keeps it
    rid = report_id(store_path, "shanghai-kewei-2024.md")
    english = client.get(f"/reports/{rid}?lang=en").text
    assert "Findings and decisions" in english and "表三“四、结转下年度继续办理”行" not in english
    assert "表三“四、结转下年度继续办理”行" in client.get(f"/reports/{rid}?lang=zh").text
    assert "报告列表" in client.get("/?lang=zh").text


def test_only_this_machines_names_are_answered(store_path):
    """DNS rebinding: a page elsewhere whose name now points at 127.0.0.1 gets nothing."""
    from auditor.serve.app import allowed_hosts
    app = create_app(store_path, hosts=allowed_hosts("127.0.0.1"))
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/").status_code == 200
    assert TestClient(app, base_url="http://localhost:8000").get("/").status_code == 200
    assert TestClient(app, base_url="http://evil.example").get("/").status_code == 400
    assert allowed_hosts("0.0.0.0") == ["*"]
    assert "192.168.1.5" in allowed_hosts("192.168.1.5")


def test_security_headers(store_path):
    response = client_for(store_path).get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"].split("style-src")[0]


# ------------------------------------------------------------------ decisions and fix tracking


def test_decisions_need_a_csrf_token(store_path):
    client = client_for(store_path)
    rid = report_id(store_path, "shanghai-kewei-2024.md")
    fingerprint = findings_on_page(client, rid)["T3-BALANCE"][0]
    response = client.post("/decide", data={"fingerprint": fingerprint, "decision": "confirmed", "report": str(rid)})
    assert response.status_code == 403
    response = client.post("/decide", data={"csrf": "x" * 43, "fingerprint": fingerprint, "decision": "confirmed",
                                            "report": str(rid)})
    assert response.status_code == 403
    with Store(store_path) as store:
        assert store.decisions() == {}


def test_decide_change_history_and_restart(store_path):
    client = client_for(store_path)
    rid = report_id(store_path, "shanghai-kewei-2024.md")
    fingerprint = findings_on_page(client, rid)["T3-BALANCE"][0]
    assert decide(client, rid, fingerprint, "dismissed").status_code == 400  # a dismissal needs a reason
    assert decide(client, rid, fingerprint, "needs_info", note="问一下").status_code == 303
    assert decide(client, rid, fingerprint, "dismissed", "reading_error", "OCR").status_code == 303
    with Store(store_path) as store:
        assert store.decisions()[fingerprint]["decision"] == "dismissed"
        assert store.decisions()[fingerprint]["reason"] == "reading_error"
        assert [(h["value"], h["reviewer"]) for h in store.history(fingerprint)] == [
            ("needs_info", "李四"), ("dismissed", "李四")]
    restarted = client_for(store_path)  # a new app on the same store: the decision is still there
    page = restarted.get(f"/reports/{rid}").text
    assert "排除 · 读取错误（本工具读错）" in page


def confirm_one_dismiss_another(store_path) -> tuple[TestClient, dict[str, list[str]]]:
    """上海市科委's report: T3-ROW-TOTAL confirmed, N-LIST-SUM dismissed (not an error)."""
    client = client_for(store_path)
    rid = report_id(store_path, "shanghai-kewei-2024.md")
    prints = findings_on_page(client, rid)
    decide(client, rid, prints["T3-ROW-TOTAL"][0], "confirmed")
    decide(client, rid, prints["N-LIST-SUM"][0], "dismissed", "not_an_error")
    return client, prints


def test_memo_lists_only_confirmed_findings_and_marks_them_sent(store_path):
    client, prints = confirm_one_dismiss_another(store_path)
    listing = client.get("/?agency=上海市科委").text
    assert re.search(r'<td class="n decided">2/4 <span class="confirmed"[^>]*>✔1</span></td>', listing)
    agencies = client.get("/agencies").text
    assert "上海市科委" in agencies
    chosen = client.get("/agencies", params={"agency": "上海市科委"}).text
    assert "T3-ROW-TOTAL" in chosen and "N-LIST-SUM" not in chosen
    assert client.post("/memo", data={"agency": "上海市科委", "format": "md"}).status_code == 403
    memo = client.post("/memo", data={"csrf": token(client), "agency": "上海市科委", "format": "md"})
    assert memo.status_code == 200 and "attachment" in memo.headers["content-disposition"]
    text = memo.text
    assert "T3-ROW-TOTAL" in text and "N-LIST-SUM" not in text and "T3-BALANCE" not in text
    with Store(store_path) as store:
        assert store.states() == {prints["T3-ROW-TOTAL"][0]: "sent"}
    docx = client.post("/memo", data={"csrf": token(client), "agency": "上海市科委", "format": "docx"})
    assert docx.content[:2] == b"PK"
    from python_calamine import CalamineWorkbook
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(client.get("/export.xlsx").content)).get_sheet_by_index(0)
    table = sheet.to_python()
    assert table[0][:4] == ["agency", "year", "path", "code"] and len(table) == 3
    assert {(r[3], r[5], r[10]) for r in table[1:]} == {("T3-ROW-TOTAL", "confirmed", "sent"),
                                                       ("N-LIST-SUM", "dismissed", "open")}
    csv_text = client.get("/export.csv").text
    assert "T3-ROW-TOTAL" in csv_text and "confirmed" in csv_text and "sent" in csv_text and "not_an_error" in csv_text
    assert client.post("/memo", data={"csrf": token(client), "agency": "天水市", "format": "md"}).status_code == 404


def test_corrected_version_fixes_a_confirmed_finding_and_keeps_other_decisions(store_path):
    client = client_for(store_path)
    rid = report_id(store_path, "shanghai-kewei-2024.md")
    prints = findings_on_page(client, rid)
    decide(client, rid, prints["T3-ROW-TOTAL"][0], "confirmed")
    decide(client, rid, prints["N-LIST-SUM"][0], "dismissed", "not_an_error")
    text = KEWEI.read_text(encoding="utf-8")
    assert BLANK_TOTAL in text
    corrected = text.replace(BLANK_TOTAL, BLANK_TOTAL[:-3] + " 1 |").encode("utf-8")
    page = upload(client, [("shanghai-kewei-2024.md", corrected)])
    assert "未能审核的文件" not in page
    new_id = report_id(store_path, "shanghai-kewei-2024.md")
    assert new_id != rid
    with Store(store_path) as store:
        assert store.states()[prints["T3-ROW-TOTAL"][0]] == "fixed"
    old_page = client.get(f"/reports/{rid}").text
    assert "已更正" in old_page and f'href="/reports/{new_id}"' in old_page
    new_prints = findings_on_page(client, new_id)
    assert "T3-ROW-TOTAL" not in new_prints
    new_page = client.get(f"/reports/{new_id}").text
    assert "排除 · 并非错误" in new_page  # the narrative finding is unchanged: its dismissal carried over
    # the reviewer verifies the fix
    response = client.post("/state", data={"csrf": token(client), "fingerprint": prints["T3-ROW-TOTAL"][0],
                                           "state": "verified", "next": f"/reports/{rid}"}, follow_redirects=False)
    assert response.status_code == 303
    with Store(store_path) as store:
        assert store.states()[prints["T3-ROW-TOTAL"][0]] == "verified"
        assert [h["value"] for h in store.history(prints["T3-ROW-TOTAL"][0])] == ["confirmed", "fixed", "verified"]


# ------------------------------------------------------------------ uploads and security


def hostile_report() -> bytes:
    text = KEWEI.read_text(encoding="utf-8").splitlines()
    text[1] = "<script>window.pwned=true</script>上海市科委2024年度政府信息公开工作年度报告"
    body = "\n".join(text).replace("| 3.其他 | 4 |", "| 3.其他 | <img src=x onerror=window.pwned=true> |")
    return body.encode("utf-8")


def test_report_content_is_escaped_everywhere(store_path):
    client = client_for(store_path)
    page = upload(client, [("<b>evil</b>.md", hostile_report())])
    rid = int(re.search(r'href="/reports/(\d+)"', page).group(1))
    listing = client.get("/?agency=script").text
    assert "&lt;script&gt;window.pwned=true&lt;/script&gt;上海市科委" in listing
    for body in (listing, client.get(f"/reports/{rid}").text, client.get("/agencies").text, page):
        assert "<script>window" not in body and "<img src=x" not in body
        assert not re.search(r"<script(?! src=\"/static/app.js\")", body)
    report = client.get(f"/reports/{rid}").text
    assert "&lt;img src=x onerror=window.pwned=true&gt;" in report


def test_uploads_refuse_types_sizes_and_zip_traversal(store_path, tmp_path):
    client = client_for(store_path, file_bytes=200_000)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../escape.txt", "x")
        z.writestr("/absolute.txt", "x")
        z.writestr("a/../../up.txt", "x")
        z.writestr("tool.exe", "MZ")
        z.writestr("reports/tianshui.txt", (EXAMPLES / "tianshui-2020.txt").read_bytes())
        z.writestr("__MACOSX/._tianshui.txt", "x")
    page = upload(client, [("batch.zip", archive.getvalue()), ("big.txt", b"9" * 300_000),
                           ("run.sh", b"echo"), ("../../etc/passwd.txt", (EXAMPLES / "yichun-2021.txt").read_bytes())])
    refused = page.split("未接收的文件")[1]
    assert refused.count("压缩包内路径越出目录") == 3
    assert "tool.exe</b>: 不是可审核的文件类型" in refused and "run.sh</b>: 不是可审核的文件类型" in refused
    assert "big.txt</b>: 文件过大" in refused
    audited = re.findall(r'<li><a href="/reports/\d+">([^<]+)</a></li>', page)
    assert sorted(audited) == ["passwd.txt", "tianshui.txt"]
    files_root = store_path.with_name(store_path.name + ".files")
    written = sorted(p.relative_to(files_root).parts[1:] for p in files_root.rglob("*") if p.is_file())
    assert written == [("passwd.txt",), ("tianshui.txt",)]
    assert not (tmp_path / "escape.txt").exists() and not Path("/absolute.txt").exists()
    assert client.post("/add", data={"folder": str(EXAMPLES)}).status_code == 403  # no token


def test_upload_over_the_request_limit_is_refused_before_reading(store_path):
    client = client_for(store_path, upload_bytes=1000)
    response = client.post("/add", data={"csrf": token(client)}, files=[("files", ("a.txt", b"x" * 3_000_000))])
    assert response.status_code == 413


def test_failures_are_listed_with_their_reason(store_path):
    client = client_for(store_path)
    page = upload(client, [("empty.txt", b""), ("binary.pdf", b"%PDF-1.4 not really")])
    failures = page.split("未能审核的文件")[1]
    assert "empty.txt" in failures and "binary.pdf" in failures
    assert "未记录原因" not in failures
    assert client.get("/?status=failed").text.count('<tr class="status-') == 2


def test_folder_path_is_audited_in_place(store_path, tmp_path):
    folder = tmp_path / "more"
    folder.mkdir()
    shutil.copy(EXAMPLES / "yichun-2021.txt", folder / "yichun-copy-2021.txt")
    client = client_for(store_path)
    response = client.post("/add", data={"csrf": token(client), "folder": str(folder)}, follow_redirects=False)
    page = wait_for(client, response.headers["location"])
    assert "yichun-copy-2021.txt" in page
    missing = client.post("/add", data={"csrf": token(client), "folder": str(tmp_path / "nope")},
                          follow_redirects=False)
    assert "目录不存在或无法读取" in wait_for(client, missing.headers["location"])


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\report.txt", "report.txt"), ("..", None),
    (".hidden.txt", "hidden.txt"), ("a\x00b.txt", "ab.txt"), ("报告 2020.txt", "报告_2020.txt")])
def test_safe_names(name, expected):
    assert safe_name(name) == expected


@pytest.mark.parametrize("name, unsafe", [("../x", True), ("/x", True), ("a/../../x", True), ("C:/x", True),
                                          ("a\\..\\x", True), ("a/b/x.txt", False), ("x..y.txt", False)])
def test_zip_members_that_climb_out(name, unsafe):
    assert unsafe_member(name) is unsafe


def test_store_refresh_prints_every_finding_once(store_path):
    with Store(store_path) as store:
        findings = store.db.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
        assert findings > 0
        assert refresh(store).printed == findings
        assert refresh(store).printed == 0
        prints = [row[0] for row in store.db.execute("SELECT fingerprint FROM finding_prints")]
    assert len(prints) == findings and all(p.startswith("v2|sha256:") for p in prints)


# ------------------------------------------------------------------ commands


def test_export_cells_with_provenance(store_path, tmp_path):
    import csv

    from click.testing import CliRunner

    from auditor.cli import main
    out = tmp_path / "cells.csv"
    result = CliRunner().invoke(main, ["export", str(store_path), "--cells", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    kewei = [r for r in rows if r["path"].endswith("shanghai-kewei-2024.md")]
    blank = [r for r in kewei if (r["table"], r["row"], r["column"]) == ("table3", "carried_forward", "total")]
    assert blank == [{**blank[0], "value": "", "state": "blank", "agency_read": "上海市科委", "year": "2024"}]
    assert blank[0]["source"].endswith("shanghai-kewei-2024.md:178:42") and len(blank[0]["content_hash"]) == 64
    new = [r for r in kewei if (r["table"], r["row"], r["column"]) == ("table3", "new", "total")]
    assert new[0]["value"] == "34" and new[0]["state"] == "number"
    assert CliRunner().invoke(main, ["export", str(store_path)]).exit_code == 2  # --cells or --decisions
    assert CliRunner().invoke(main, ["export", str(store_path), "--cells", "--decisions"]).exit_code == 2  # one of them


def test_export_decisions(store_path):
    from click.testing import CliRunner

    from auditor.cli import main
    client = client_for(store_path)
    rid = report_id(store_path, "shanghai-kewei-2024.md")
    decide(client, rid, findings_on_page(client, rid)["T3-BALANCE"][0], "confirmed", note="=HYPERLINK(x)")
    result = CliRunner().invoke(main, ["export", str(store_path), "--decisions"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("agency,year,path,code") and len(lines) == 2
    assert "T3-BALANCE" in lines[1] and "confirmed" in lines[1] and "'=HYPERLINK(x)" in lines[1]


def test_serve_command_binds_localhost_and_prints_the_url(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import uvicorn

    from auditor.cli import main
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **_: seen.update(host=host, port=port))
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "s.sqlite"), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen == {"host": "127.0.0.1", "port": 8123}
    assert "http://127.0.0.1:8123/" in result.output
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "s.sqlite"), "--host", "0.0.0.0"])
    assert seen["host"] == "0.0.0.0" and "other machines can reach it" in result.output
    not_a_store = tmp_path / "bad.sqlite"
    not_a_store.write_bytes(b"not sqlite at all" * 100)
    result = CliRunner().invoke(main, ["serve", str(not_a_store)])
    assert result.exit_code == 2 and "USAGE-STORE" in result.output


def test_serve_without_a_store_uses_the_user_data_folder(monkeypatch, tmp_path):
    import platformdirs

    from auditor.serve import app as serve_app
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "data"))
    assert serve_app.default_store() == tmp_path / "data" / "workbench.sqlite"


def test_report_counts_follow_findings_and_set_the_status(tmp_path):
    """The counts the list reads are kept by triggers: right after a write, a rewrite and a delete."""
    from auditor.corpus.store import ReportRow

    def row(code, severity, kind="table"):
        return (code, severity, "failed", kind, "m", "[]", None, "{}")

    with Store(tmp_path / "s.sqlite") as store:
        store.write_reports([
            ReportRow("/a.txt", "1", "audited", "甲", "甲", 2022, "2021", b"x",
                      [row("TABLE-ABSENT", "warning", "extraction"), row("T3-ROW-TOTAL", "error")]),
            ReportRow("/b.txt", "2", "audited", "乙", "乙", 2022, "2021", b"x", [row("TABLE-ABSENT", "warning", "extraction")]),
            ReportRow("/c.txt", None, "audited", None, None, None, None, None, [row("file-empty", "error", "file")]),
            ReportRow("/d.txt", "4", "audited", "丁", "丁", 2022, "2021", b"x", [row("PRE-2019", "info", "template")]),
            ReportRow("/e.txt", "5", "audited", "戊", "戊", 2022, "2021", b"x", []),
        ], "v", None)
        rows, total = list_reports(store, ListQuery(sort="file", descending=False))
        assert total == 5
        assert [(Path(r["path"]).stem, r["status"], r["n_error"], r["n_warning"], r["n_not_assessable"])
                for r in rows] == [("a", "findings", 1, 1, 1), ("b", "not_assessable", 0, 1, 1),
                                   ("c", "failed", 1, 0, 0), ("d", "not_assessable", 0, 0, 1), ("e", "clean", 0, 0, 0)]
        store.write_reports([ReportRow("/a.txt", "1b", "audited", "甲", "甲", 2022, "2021", b"x", [])], "v", None)
        rows, _ = list_reports(store, ListQuery(search="/a.txt"))
        assert (rows[0]["status"], rows[0]["total"]) == ("clean", 0)
        assert list_reports(store, ListQuery(status="findings"))[1] == 0
        # the old a went with its counts; the new a and e have no finding, so no counts row
        assert [r[0] for r in store.db.execute("SELECT r.path FROM report_counts c JOIN reports r ON r.id = c.report_id"
                                               " ORDER BY 1")] == ["/b.txt", "/c.txt", "/d.txt"]


CORPUS = ROOT.parent / "shared" / "corpus"


def test_pdf_evidence_is_the_page_with_the_cells_boxed(tmp_path):
    pdf = CORPUS / "hongze-2023.pdf"
    if not pdf.exists():
        pytest.skip("the corpus PDFs are not here (../shared/corpus)")
    pytest.importorskip("pypdfium2")
    from PIL import Image
    store_path = tmp_path / "pdf.sqlite"
    run_batch([pdf], store_path)
    client = client_for(store_path)
    rid = report_id(store_path, "hongze-2023.pdf")
    page = client.get(f"/reports/{rid}").text
    images = re.findall(r'src="(/reports/\d+/page/(\d+)\.png\?finding=(\d+))"', page)
    assert images and all(number == "4" for _, number, _ in images)  # table 4 is on page 4
    response = client.get(images[0][0])
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert image.width == 1000
    colours = image.getcolors(maxcolors=1 << 20)
    assert any(rgb == (198, 40, 40) for _, rgb in colours)  # the failing relation's cells, boxed in red
    assert client.get(images[0][0].replace("page/4", "page/99")).status_code == 404
    assert client.get(f"/reports/{rid}/page/4.png?finding=999999").status_code == 404
    assert client.get(f"/reports/{rid}/page/4.png?finding=x").status_code == 400


def test_a_cross_report_finding_shows_the_other_reports_cell():
    from auditor.model.findings import Finding, FindingCell, Severity
    from auditor.serve.views import other_report_cells
    finding = Finding(code="X-CARRY", severity=Severity.error, message="m", cells=[
        FindingCell(table="table3", row="carried_over", column="total", raw="18", file="/r/a-2024.txt"),
        FindingCell(table="table3", row="carried_forward", column="total", label="四、结转下年度继续办理 / 总计",
                    raw="12", file="/r/a-2023.txt")])
    assert other_report_cells(finding, "/r/a-2024.txt") == [("a-2023.txt", "四、结转下年度继续办理 / 总计", "12")]


def test_reports_another_process_adds_get_fingerprints_when_shown(store_path, tmp_path):
    client = client_for(store_path)  # the app is open; then a batch writes into the same store
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(KEWEI, extra / "kewei-copy-2024.md")
    run_batch([extra], store_path)
    with Store(store_path) as store:
        assert store.prints_behind()
    assert "上海市科委" in listed(client.get("/?q=kewei-copy").text)
    with Store(store_path) as store:
        assert not store.prints_behind()
    prints = findings_on_page(client, report_id(store_path, "kewei-copy-2024.md"))
    assert set(prints) == {"T3-BALANCE", "T3-ROW-TOTAL", "N-LIST-SUM", "DOC-PART-NUMBER"}


def test_memo_command_writes_only_the_confirmed_findings_and_marks_them_sent(store_path, tmp_path):
    """``auditor memo --store --confirmed-only``: the decisions taken in the workbench choose the items."""
    from click.testing import CliRunner

    from auditor.cli import main

    _, prints = confirm_one_dismiss_another(store_path)
    memo = tmp_path / "memo.md"
    result = CliRunner().invoke(main, ["memo", str(KEWEI), "--store", str(store_path), "--confirmed-only",
                                       "-o", str(memo)])
    assert result.exit_code == 0, result.output
    text = memo.read_text(encoding="utf-8")
    # the one confirmed blank total (its T3-BALANCE shares the cell, so the item names both codes)
    assert "T3-ROW-TOTAL" in text and "N-LIST-SUM" not in text and "DOC-PART-NUMBER" not in text
    assert "“四、结转下年度继续办理”行“总计”列" in text
    with Store(store_path) as store:
        assert store.states() == {prints["T3-ROW-TOTAL"][0]: "sent"}
    without = CliRunner().invoke(main, ["memo", str(KEWEI), "--confirmed-only", "-o", str(memo)])
    assert without.exit_code == 2 and "--store" in without.output
