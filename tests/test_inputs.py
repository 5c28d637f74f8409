"""No silence on inputs, errors before work: a missing path, an unmatched glob or a named file of
unknown type stops check, baseline, memo, extract and batch (exit 2, naming it) before any audit;
files in folders that are no report are listed as skipped with the reason; -o is checked first;
memo stops on a file it cannot read; each PDF failure says what failed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.load.inputs import InputError, collect_inputs
from auditor.corpus.batch import run_batch
from auditor.cli.main import main
from auditor.load import LoadError, load_bytes
from auditor.corpus.store import Store
from conftest import report_path

REPORT = "某县2021年政府信息公开工作年度报告\n一、总体情况\n"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit))
    return result


@pytest.fixture
def folder(tmp_path):
    """A corpus folder as users have them: one report and what comes with it."""
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "report.txt").write_text(REPORT, encoding="utf-8")
    (root / "README.md").write_text("# 报告目录\n政府信息公开年度报告的下载记录\n", encoding="utf-8")
    (root / "LICENSE").write_text("MIT License\n", encoding="utf-8")
    (root / "CHANGELOG.txt").write_text("v1\n", encoding="utf-8")
    (root / "MANIFEST.tsv").write_text("file\tagency\n", encoding="utf-8")
    (root / "notes.txt").write_text("下载于 2024 年 3 月，待整理。\n", encoding="utf-8")
    (root / "traditional.txt").write_text("桂林市2020年政府資訊公開工作年度報告\n", encoding="utf-8")  # not a sign yet
    (root / "trad-ok.txt").write_text("桂林市2020年政府信息公開工作年度報告\n", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")  # judged by the audit (FILE-EMPTY), not skipped
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    return root


def test_folder_files_that_are_no_report_are_skipped_with_their_reason(folder):
    inputs = collect_inputs([folder])
    assert sorted(p.name for p in inputs.files) == ["empty.txt", "report.txt", "trad-ok.txt"]
    reasons = {Path(s.path).name: s.reason for s in inputs.skipped}
    assert reasons == {".git": "hidden", "README.md": "name", "LICENSE": "name", "CHANGELOG.txt": "name",
                       "MANIFEST.tsv": "name", "notes.txt": "no-sign", "traditional.txt": "no-sign"}


def test_check_lists_the_skipped_files_in_the_text_and_on_stderr_for_machine_formats(folder):
    result = run("check", folder)
    assert result.exit_code == 1  # empty.txt: FILE-EMPTY
    assert "未审核 7 个文件（不是报告）" in result.stdout
    assert f"{folder / 'notes.txt'}：文本中没有“信息公开”" in result.stdout
    assert f"{folder / 'README.md'}：文件名表明不是报告" in result.stdout
    # a hidden folder is counted, not listed (as files of other types would be)
    assert "  另有 1 个隐藏文件或目录，未逐一列出；如需审核，请直接指定该文件" in result.stdout
    assert f"{folder / '.git'}" not in result.stdout
    english = run("check", "--lang", "en", folder)
    assert "7 file(s) not audited (no report):" in english.stdout and "its name says it is no report" in english.stdout
    assert "  and 1 hidden file(s) or folder(s), not listed; name a file to audit it anyway" in english.stdout
    machine = run("check", "--format", "json", folder)
    data = json.loads(machine.stdout)  # stdout stays JSON
    assert sorted(Path(r["file"]).name for r in data["reports"]) == ["empty.txt", "report.txt", "trad-ok.txt"]
    assert "未审核 7 个文件" in machine.stderr and "MANIFEST.tsv" in machine.stderr


def test_a_named_file_is_audited_whatever_its_name(folder):
    result = run("check", "--format", "json", folder / "README.md", folder / "notes.txt")
    assert sorted(Path(r["file"]).name for r in json.loads(result.stdout)["reports"]) == ["README.md", "notes.txt"]


@pytest.mark.parametrize("command", [["check"], ["baseline", "-o", "{tmp}/base.json"], ["memo", "-o", "{tmp}/memo.md"],
                                     ["batch", "--db", "{tmp}/audit.sqlite"], ["extract"]])
def test_a_missing_file_stops_every_command_and_is_named(tmp_path, command):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    missing = tmp_path / "gone" / "report-2021.txt"
    result = run(*args, missing)
    assert result.exit_code == 2
    assert f"错误[USAGE-NOT-FOUND]：文件或目录不存在：{missing}" in result.output
    assert run(*args, "--lang", "en", missing).output.strip().endswith(f"no such file or folder: {missing}")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written: no store, no memo, no baseline


def test_an_unmatched_glob_and_a_missing_folder_stop_batch_before_the_store(tmp_path):
    good = tmp_path / "good.txt"
    good.write_bytes(report_path("yichun-2021.txt").read_bytes())
    db = tmp_path / "audit.sqlite"
    for missing in (tmp_path / "no-such-folder", str(tmp_path / "mirror" / "*.html")):
        result = run("batch", "--db", db, good, missing)
        assert result.exit_code == 2 and str(missing) in result.output
        assert "USAGE-NOT-FOUND" in result.output
    assert not db.exists()
    with pytest.raises(InputError):
        run_batch([good, tmp_path / "no-such-folder"], db)
    assert not db.exists()


def test_a_named_file_of_unknown_type_is_a_usage_error(tmp_path):
    data = tmp_path / "export.json"
    data.write_text('{"year": 2021}', encoding="utf-8")
    result = run("check", data)
    assert result.exit_code == 2 and f"错误[USAGE-FILE-TYPE]：无法识别的文件类型（.json），不能作为报告审核：{data}" in result.output
    # a web page saved under a server's extension is known by its content, and audited
    page = tmp_path / "report.jsp"
    page.write_text("<html><body><p>2021年政府信息公开工作年度报告</p></body></html>", encoding="utf-8")
    assert run("check", page).exit_code == 0


def test_batch_summary_lists_the_skipped_files_and_counts_unread_tables(folder, tmp_path):
    (folder / "empty.txt").unlink()
    db = tmp_path / "audit.sqlite"
    result = run("batch", "--db", db, "--jobs", "1", folder)
    assert result.exit_code == 0, result.output
    assert "表格无法核对的报告 2" in result.output and "不是报告 7" in result.output
    assert f"{folder / 'LICENSE'}：文件名表明不是报告" in result.output
    with Store(db) as store:
        paths = sorted(Path(p).name for (p,) in store.db.execute("SELECT path FROM reports"))
    assert paths == ["report.txt", "trad-ok.txt"]
    english = run("batch", "--db", db, "--jobs", "1", "--lang", "en", folder)
    assert "7 not a report" in english.output and "reports with a table not assessable" in english.output


def test_output_folder_is_created_before_the_audit_and_a_blocked_output_stops_it(tmp_path):
    report = report_path("yichun-2021.txt")
    out = tmp_path / "ci" / "results" / "audit.sarif"
    assert run("check", "--format", "sarif", "-o", out, report).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["version"] == "2.1.0"
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    for command in (["check", "-o"], ["memo", "-o"], ["baseline", "-o"], ["extract", "-o"]):
        result = run(*command, blocker / "out.md", report)
        assert result.exit_code == 2, command
        assert f"错误[USAGE-OUTPUT]：无法写入输出文件 {blocker / 'out.md'}" in result.output, command
        assert "已写出" not in result.output and "已记录" not in result.output
    memo = tmp_path / "letters" / "memo.md"
    assert run("memo", "-o", memo, report).exit_code == 0 and memo.exists()


@pytest.mark.parametrize("name, content, code, words", [
    ("empty.txt", b"", "FILE-EMPTY", "文件为空"),
    ("binary.txt", bytes(range(256)) * 8, "FILE-BINARY", "二进制"),
])
def test_memo_on_a_file_it_cannot_read_exits_2_and_writes_no_letter(tmp_path, name, content, code, words):
    path = tmp_path / name
    path.write_bytes(content)
    memo = tmp_path / "memo.md"
    result = run("memo", "-o", memo, path)
    assert result.exit_code == 2 and f"错误[{code}]：" in result.output and words in result.output
    assert str(path) in result.output and "未写出更正建议函" in result.output
    assert not memo.exists()


# ------------------------------------------------------------------ PDF failures, each named

def _pdf(objects: list[str], trailer: str = "") -> bytes:
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {trailer}>>\nstartxref\n{xref}\n%%EOF\n".encode()


PAGE = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
# The standard security handler with a user password (the /U entry does not match the empty one).
LOCKED = _pdf(PAGE + ["<< /Filter /Standard /V 1 /R 2 /O <" + "11" * 32 + "> /U <" + "22" * 32 + "> /P -4 >>"],
              "/Encrypt 4 0 R /ID [<" + "33" * 16 + "><" + "33" * 16 + ">] ")


def _scanned() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(buffer, format="PDF")
    return buffer.getvalue()


@pytest.mark.parametrize("data, code, zh, en", [
    (LOCKED, "file-unreadable", "PDF 已加密，需要密码才能打开", "the PDF is encrypted: it needs a password"),
    (_pdf(PAGE)[:60], "file-unreadable", "PDF 已损坏或不完整", "the PDF is damaged or incomplete"),
    (b"%PDF-1.7\n%broken\n" + bytes(range(256)), "file-unreadable", "PDF 已损坏或不完整", "damaged"),
    (bytes(range(256)) * 8, "file-binary", "文件扩展名为 .pdf，内容却不是PDF", "the file is named .pdf but is not a PDF"),
    (_pdf(PAGE), "file-empty", "PDF 中没有可读取的文字", "the PDF holds no text"),
])
def test_each_pdf_failure_says_what_failed(data, code, zh, en):
    with pytest.raises(LoadError) as raised:
        load_bytes(data, "bad.pdf")
    assert raised.value.code == code
    assert zh in raised.value.message_zh and raised.value.message_zh.endswith("：bad.pdf")
    assert en in raised.value.message_en and raised.value.message_en.endswith(": bad.pdf")


def test_a_scanned_pdf_without_ocr_says_so(monkeypatch):
    import auditor.load.image as image

    monkeypatch.setattr(image, "ocr_available", lambda: False)
    with pytest.raises(LoadError) as raised:
        load_bytes(_scanned(), "scan.pdf")
    assert raised.value.code == "format-unsupported"
    assert "没有文字层（第1页），需要安装 OCR 组件" in raised.value.message_zh
    assert "no text layer (scanned pages 1)" in raised.value.message_en


def test_a_pdf_failure_is_a_finding_naming_the_file_and_the_batch_goes_on(tmp_path):
    (tmp_path / "locked.pdf").write_bytes(LOCKED)
    (tmp_path / "good.txt").write_bytes(report_path("yichun-2021.txt").read_bytes())
    result = run("check", "--format", "json", tmp_path)
    reports = {Path(r["file"]).name: r for r in json.loads(result.stdout)["reports"]}
    assert [f["code"] for f in reports["locked.pdf"]["findings"]] == ["FILE-UNREADABLE"]
    assert "已加密" in reports["locked.pdf"]["findings"][0]["message"]
    assert not [f for f in reports["good.txt"]["findings"] if f["severity"] == "error"]
    assert result.exit_code == 1


def test_a_link_back_to_a_parent_folder_is_walked_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [p.name for p in collect_inputs([tmp_path]).files] == ["r.txt"]


def test_a_long_text_report_cut_mid_character_still_shows_its_sign(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(REPORT + "数据" * 200_000, encoding="utf-8")  # 1.2 MB: the sample ends inside a character
    assert [p.name for p in collect_inputs([tmp_path]).files] == ["long.txt"]
