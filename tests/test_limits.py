"""Limits on one input file: each crafted input is refused quickly with its LIMIT-* code, the
message names the file, and a real report within the limits is audited as before."""
from __future__ import annotations

import io
import os
import signal
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from auditor.pipeline import audit_file
from auditor.corpus.batch import BatchOptions, run_batch
from auditor.policy import RunConfig
from auditor.limits import Limits
from auditor.ruleset import load_default_rules
from auditor.corpus.store import Store
from conftest import report_path

RULES = list(load_default_rules())


def audit(name: str, data: bytes, limits: Limits = Limits()):
    started = time.perf_counter()
    result = audit_file(name, RULES, RunConfig(limits=limits), data=data)
    return result, time.perf_counter() - started


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def zip_bomb(megabytes: int, name: str = "word/document.xml") -> bytes:
    """A DOCX-shaped package whose one member unpacks to ``megabytes`` MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(name, "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(megabytes):
                member.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = zip_bomb(12)
    assert len(bomb) < 100_000  # 12 MB of zeros packs to a few KB: a ratio far over 200:1
    result, seconds = audit("bomb.docx", bomb)
    assert codes(result) == ["LIMIT-ZIP-BOMB"] and seconds < 2
    assert "bomb.docx" in result.findings[0].message and "压缩比" in result.findings[0].message
    # the total unpacked size is limited too, ratio aside
    result, _ = audit("bomb.xlsx", zip_bomb(3, "xl/workbook.xml"), Limits(unpacked_bytes=2 * 1024 * 1024))
    assert codes(result) == ["LIMIT-ZIP-BOMB"]


def test_a_zip_member_that_lies_about_its_size_is_damaged():
    """A member declaring fewer bytes than it holds fails its checksum: not handed to a loader
    that might unpack it in full."""
    data = bytearray(zip_bomb(1))
    # the central directory and local header both declare the size; shrink the declared size
    declared = struct.pack("<I", 1 << 20)
    assert data.count(declared) >= 1
    data = data.replace(declared, struct.pack("<I", 1000))
    result, _ = audit("liar.docx", bytes(data))
    assert codes(result) in (["FILE-UNREADABLE"], ["LIMIT-ZIP-BOMB"])


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``×``height`` pixels (a decompression bomb's disguise)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_an_image_over_the_pixel_limit_is_not_decoded():
    pytest.importorskip("PIL")
    result, seconds = audit("scan.png", png_header_only(100_000, 100_000))
    assert codes(result) == ["LIMIT-IMAGE-PIXELS"] and seconds < 2
    assert "100000×100000" in result.findings[0].message


def test_deep_html_nesting_is_a_limit_finding():
    page = b"<html><body>" + b"<div>" * 50_000 + b"x" + b"</div>" * 50_000 + b"</body></html>"
    result, seconds = audit("deep.html", page)
    assert codes(result) == ["LIMIT-NESTING"] and seconds < 5
    shallow, _ = audit("shallow.html", page, Limits(nesting=100_000))
    assert "LIMIT-NESTING" not in codes(shallow)


def test_a_row_or_a_document_over_the_table_size_is_refused():
    wide = b"<table><tr>" + b"<td>1</td>" * 3000 + b"</tr></table>"
    result, _ = audit("wide.html", wide)
    assert codes(result) == ["LIMIT-TABLE-SIZE"] and "3000" in result.findings[0].message
    report = report_path("shanghai-bgt-2019.html").read_bytes()
    result, _ = audit("small-limit.html", report, Limits(table_cells=100))
    assert codes(result) == ["LIMIT-TABLE-SIZE"]


def test_file_size_limit_applies_to_bytes_and_paths(tmp_path):
    data = report_path("tianshui-2020.txt").read_bytes()
    result, _ = audit("t.txt", data, Limits(file_bytes=len(data) - 1))
    assert codes(result) == ["FILE-TOO-LARGE"]
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    result = audit_file(path, RULES, RunConfig(limits=Limits(file_bytes=1000)))
    assert codes(result) == ["FILE-TOO-LARGE"] and str(path) in result.findings[0].message


def test_pdf_page_limit():
    data = report_path("hongze-2023.pdf").read_bytes()
    result, _ = audit("hongze-2023.pdf", data, Limits(pages=2))
    assert codes(result) == ["LIMIT-PAGES"] and "上限 2 页" in result.findings[0].message
    within, _ = audit("hongze-2023.pdf", data)
    assert "LIMIT-PAGES" not in codes(within) and "T4-GROUP-TOTAL" in codes(within)


def test_an_overlong_number_is_text_and_flagged_not_guessed():
    page = report_path("shanghai-bgt-2019.html").read_bytes()
    long_number = b"8" * 40
    changed = page.replace(b">821<", b">" + long_number + b"<", 1)
    assert changed != page
    result, _ = audit("long.html", changed)
    notes = [f for f in result.findings if f.code == "LIMIT-NUMBER-LENGTH"]
    assert len(notes) == 1 and notes[0].severity.value == "warning" and "40 位" in notes[0].message
    assert "“自然人”列" in notes[0].message
    cell = result.tables["table3"].rows["new"]["natural_person"]
    assert cell.state.value == "text" and cell.value is None
    # the relations through that cell are not assessable, not failed
    failed_on_cell = [f for f in result.findings if f.status.value == "failed"
                      and any(c.row == "new" and c.column == "natural_person" for c in f.cells)]
    assert not failed_on_cell


def test_a_file_over_its_time_is_abandoned_and_the_timer_is_cleared():
    data = report_path("tianshui-2020.txt").read_bytes()
    result, seconds = audit("slow.txt", data * 20, Limits(seconds=0.02))  # 400 KB: well over 0.02 s
    assert codes(result) == ["LIMIT-TIME"] and seconds < 1
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)
    normal, _ = audit("normal.txt", data)
    assert "LIMIT-TIME" not in codes(normal)


def stuck_in_c(path, rules, config, data=None):
    """A file on which the audit never returns to Python: SIGALRM blocked, as inside a C call."""
    if Path(path).name == "stuck.txt":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)
    return audit_file(path, rules, config, data=data)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the batch watchdog test forks workers")
def test_a_worker_stuck_in_c_code_is_ended_and_only_that_file_is_lost(tmp_path, monkeypatch):
    import auditor.corpus.worker as worker_module

    monkeypatch.setattr(worker_module, "audit_file", stuck_in_c)  # forked workers inherit it
    text = report_path("tianshui-2020.txt").read_bytes()
    for name in ("a.txt", "b.txt", "stuck.txt", "c.txt"):
        (tmp_path / name).write_bytes(text)
    db = tmp_path / "audit.sqlite"
    started = time.perf_counter()
    summary = run_batch([tmp_path], db, BatchOptions(jobs=2, chunk_size=2, limits=Limits(seconds=1)))
    assert time.perf_counter() - started < 60
    assert summary.audited == 3 and summary.errors == 1
    with Store(db) as store:
        lost = [(f["path"], f["code"]) for f in store.findings_of() if f["kind"] == "internal"]
    assert lost == [(str(tmp_path / "stuck.txt"), "WORKER-LOST")]


def test_damaged_pdf_pages_are_named_and_the_rest_audited():
    """Bits flipped in a real PDF until PDFium cannot load a page: that page is named in
    FILE-DAMAGED-PAGES (or, with nothing left, the file is FILE-UNREADABLE), never an internal error."""
    import random

    data = report_path("hongze-2024.pdf").read_bytes()
    seen = set()
    for seed in range(12):
        rng = random.Random(seed)
        flipped = bytearray(data)
        for _ in range(len(data) // 200):
            position = rng.randrange(64, len(data))
            flipped[position] ^= 1 << rng.randrange(8)
        result, _ = audit("flipped.pdf", bytes(flipped))
        found = set(codes(result))
        assert "internal-error" not in found
        seen |= found & {"FILE-DAMAGED-PAGES", "FILE-UNREADABLE"}
        damaged = [f for f in result.findings if f.code == "FILE-DAMAGED-PAGES"]
        for finding in damaged:
            assert "页已损坏" in finding.message and finding.severity.value == "warning"
    assert "FILE-DAMAGED-PAGES" in seen


def test_limits_from_the_configuration_file(tmp_path):
    from auditor.config import ConfigError, load_config

    config = tmp_path / ".auditor.toml"
    config.write_text("[limits]\nfile-mb = 2\npages = 10\nseconds = 0\n", encoding="utf-8")
    limits = load_config(str(config)).limits
    assert (limits.file_bytes, limits.pages, limits.seconds) == (2 * 1024 * 1024, 10, 0)
    assert limits.nesting == Limits().nesting  # the others keep their defaults
    for bad in ("pages = -1", "pages = true", 'seconds = "60"', "size = 3"):
        config.write_text(f"[limits]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as raised:
            load_config(str(config))
        assert raised.value.code in ("CONFIG-VALUE", "CONFIG-UNKNOWN-KEY") and "limits." in raised.value.message_en


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_alarm_swallowed_by_a_finalizer_fires_again():
    """Python ignores an exception raised while a finalizer runs (garbage collection in the middle of
    an audit): the timer repeats, so the next alarm ends the work all the same."""
    from auditor.limits import TimeLimitExceeded, deadline

    calls = []

    class Finalized:
        def __del__(self):
            calls.append(1)
            time.sleep(0.05)  # the first alarm lands here, and is swallowed

    started = time.perf_counter()
    with pytest.raises(TimeLimitExceeded):
        with deadline(0.01):
            Finalized()  # collected at once
            time.sleep(2)
    assert calls == [1] and time.perf_counter() - started < 0.5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_loader_notes_are_findings_that_the_run_can_disable_or_reclassify():
    """A misnamed file's FORMAT-MISMATCH comes from the loader as a note, like extraction's notes:
    --disable and --severity apply to it."""
    data = report_path("guidong-2020.txt").read_bytes()
    result = audit_file("report.pdf", RULES, RunConfig(), data=data)
    assert [(f.code, f.severity.value) for f in result.findings] == [("FORMAT-MISMATCH", "warning")]
    assert "内容却是纯文本" in result.findings[0].message
    assert audit_file("report.pdf", RULES, RunConfig(disabled=frozenset({"FORMAT-MISMATCH"})), data=data).findings == []
    from auditor.model.findings import Severity

    raised = audit_file("report.pdf", RULES, RunConfig(severity_overrides={"FORMAT-MISMATCH": Severity.error}), data=data)
    assert [f.severity.value for f in raised.findings] == ["error"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_work_that_ends_after_its_deadline_is_over_time_even_if_every_alarm_was_swallowed():
    """The first alarm lands in a finalizer and the work ends before the timer repeats (50 ms): the
    time is over all the same, so the block raises on leaving instead of passing for on time."""
    from auditor.limits import TimeLimitExceeded, deadline

    class Finalized:
        def __del__(self):
            time.sleep(0.03)  # the alarm at 10 ms lands here, and is swallowed

    with pytest.raises(TimeLimitExceeded):
        with deadline(0.01):
            Finalized()
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_error_raised_past_the_deadline_is_the_time_limit():
    """A library that turns the alarm into its own exception does not make the file an internal error."""
    from auditor.limits import TimeLimitExceeded, deadline

    with pytest.raises(TimeLimitExceeded):
        with deadline(0.01):
            try:
                time.sleep(0.2)
            except BaseException as error:  # noqa: BLE001 - what a careless library does
                raise ValueError("wrapped") from error
    with pytest.raises(ValueError), deadline(5):  # within the time an error stays itself
        raise ValueError("own")


def test_checkpoints_end_the_work_where_no_timer_can_run():
    """Off the main thread there is no SIGALRM: the loaders' checkpoints still end the file."""
    import threading

    from auditor.limits import TimeLimitExceeded, checkpoint, deadline

    outcome = []

    def work():
        try:
            with deadline(0.02) as timer:
                outcome.append(timer)
                while True:
                    checkpoint()
        except TimeLimitExceeded:
            outcome.append("over")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(2)
    assert outcome == [False, "over"]
    checkpoint()  # no deadline outside the block


def test_the_time_limit_fixture_is_deterministic():
    """The LIMIT-TIME fixture (guidong-2020, 1 ms) run many times: always LIMIT-TIME, alone, quickly."""
    data = report_path("guidong-2020.txt").read_bytes()
    started = time.perf_counter()
    outcomes = [tuple(codes(audit("guidong-2020.txt", data, Limits(seconds=0.001))[0])) for _ in range(100)]
    assert set(outcomes) == {("LIMIT-TIME",)}
    assert time.perf_counter() - started < 10
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
