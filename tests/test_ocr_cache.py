"""OCR once per file: a page's reading is kept on disk (keyed by the content's hash, the page and
the OCR settings) and reused by the next run, `extract` then `check` included; corrupt entries are
read again; the cache can be turned off. Scanned PDF pages are recognised in parallel, in order.

The recogniser is replaced by a stand-in that counts its calls: these tests are about when OCR
runs, not what it reads (tests/test_ocr.py)."""
from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

import auditor.load.image as image
from auditor.cli.main import main
from auditor.load import load_bytes
from auditor.load import ocr_cache
from auditor.load.geometry import Glyph

pytest.importorskip("PIL")
needs_ocr = pytest.mark.skipif(not image.ocr_available(), reason="needs the auditor[ocr] extra")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "ocr"
    monkeypatch.setenv(ocr_cache.CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def reads(monkeypatch):
    """Stand-in recogniser: each page reads as its own title line; counts the pages read."""
    calls = []

    def fake(picture):
        calls.append(picture.size)
        width, height = picture.size
        return [Glyph(f"第{len(calls)}次读取", 10.0, 10.0, 200.0, 40.0)], [], (width, height)
    monkeypatch.setattr(image, "read_glyphs", fake)
    return calls


def png(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(picture).rectangle((10 + seed, 10, 120, 40), fill="black")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def scanned_pdf(pages: int) -> bytes:
    from PIL import Image

    images = [Image.open(io.BytesIO(png(k))).convert("RGB") for k in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return buffer.getvalue()


def texts(document) -> list[str]:
    return [p.text for row in document.rows for p in row.pieces]


@needs_ocr
def test_a_file_is_read_by_ocr_once(cache, reads):
    data = png(1)
    first = load_bytes(data, "a.png")
    again = load_bytes(data, "renamed.png")  # the content decides, not the name
    assert len(reads) == 1
    assert texts(first) == texts(again) == ["第1次读取"]
    assert again.rows[0].pieces[0].source.file == "renamed.png"
    assert len(list(cache.rglob("*.json"))) == 1
    load_bytes(png(2), "b.png")  # other content: read
    assert len(reads) == 2


@needs_ocr
def test_extract_then_check_share_one_reading(cache, reads, tmp_path):
    path = tmp_path / "scan.png"
    path.write_bytes(png(3))
    runner = CliRunner()
    extracted = runner.invoke(main, ["extract", str(path)])
    checked = runner.invoke(main, ["check", "--format", "json", "--fail-on", "never", str(path)])
    assert extracted.exit_code == 0 and checked.exit_code == 0, (extracted.output, checked.output)
    assert json.loads(extracted.output)["file"] == str(path)
    assert len(reads) == 1


@needs_ocr
def test_new_ocr_settings_read_again(cache, reads, monkeypatch):
    load_bytes(png(1), "a.png")
    monkeypatch.setattr(image, "OCR_SETTINGS", image.OCR_SETTINGS + "-changed")
    load_bytes(png(1), "a.png")
    assert len(reads) == 2


@needs_ocr
@pytest.mark.parametrize("damage", ["{not json", json.dumps({"glyphs": [["x", 1]]}), ""])
def test_a_corrupt_entry_is_read_again_and_replaced(cache, reads, damage):
    load_bytes(png(1), "a.png")
    [entry] = cache.rglob("*.json")
    entry.write_text(damage, encoding="utf-8")
    assert texts(load_bytes(png(1), "a.png")) == ["第2次读取"]
    assert texts(load_bytes(png(1), "a.png")) == ["第2次读取"]  # the entry was written anew
    assert len(reads) == 2


@needs_ocr
def test_the_cache_can_be_turned_off(tmp_path, reads, monkeypatch):
    monkeypatch.setenv(ocr_cache.CACHE_ENV, "off")
    assert ocr_cache.cache_dir() is None
    load_bytes(png(1), "a.png")
    load_bytes(png(1), "a.png")
    assert len(reads) == 2


@needs_ocr
def test_an_unwritable_cache_leaves_the_run_uncached(tmp_path, reads, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(ocr_cache.CACHE_ENV, str(blocker / "ocr"))
    assert texts(load_bytes(png(1), "a.png")) == ["第1次读取"]


def test_the_default_folder_is_the_user_cache(monkeypatch):
    platformdirs = pytest.importorskip("platformdirs")
    monkeypatch.delenv(ocr_cache.CACHE_ENV, raising=False)
    monkeypatch.delenv("AUDITOR_NO_CACHE", raising=False)
    monkeypatch.delenv("AUDITOR_CACHE_DIR", raising=False)
    assert ocr_cache.cache_dir() == __import__("pathlib").Path(platformdirs.user_cache_dir("auditor")) / "ocr"


def test_the_settings_of_every_cache_apply_to_the_ocr_cache(monkeypatch, tmp_path):
    """AUDITOR_NO_CACHE turns the OCR cache off too, AUDITOR_CACHE_DIR moves it; AUDITOR_OCR_CACHE wins."""
    monkeypatch.delenv(ocr_cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("AUDITOR_NO_CACHE", "1")
    assert ocr_cache.cache_dir() is None
    monkeypatch.setenv("AUDITOR_NO_CACHE", "0")
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path))
    assert ocr_cache.cache_dir() == tmp_path / "ocr"
    monkeypatch.setenv(ocr_cache.CACHE_ENV, str(tmp_path / "mine"))
    assert ocr_cache.cache_dir() == tmp_path / "mine"


@needs_ocr
@pytest.mark.parametrize("jobs", ["1", "3"])
def test_scanned_pages_are_read_in_parallel_and_kept_in_order(cache, reads, monkeypatch, jobs):
    monkeypatch.setenv(image.JOBS_ENV, jobs)
    data = scanned_pdf(5)
    document = load_bytes(data, "scan.pdf")
    assert document.metadata["ocr_pages"] == "1,2,3,4,5"
    assert [row.pieces[0].source.page for row in document.rows] == [1, 2, 3, 4, 5]
    assert len(reads) == 5
    again = load_bytes(data, "scan.pdf")  # every page from the cache: none rendered nor read
    assert len(reads) == 5 and texts(again) == texts(document)


@needs_ocr
def test_a_failing_page_is_reported_in_the_pages_order(cache, monkeypatch):
    monkeypatch.setenv(image.JOBS_ENV, "2")

    def broken(picture):
        raise RuntimeError("recogniser failed")
    monkeypatch.setattr(image, "read_glyphs", broken)
    with pytest.raises(RuntimeError):
        load_bytes(scanned_pdf(3), "scan.pdf")


def test_ocr_jobs_default_and_setting(monkeypatch):
    monkeypatch.setenv(image.JOBS_ENV, "2")
    assert image.ocr_jobs() == 2
    monkeypatch.setenv(image.JOBS_ENV, "nonsense")
    assert 1 <= image.ocr_jobs() <= image.MAX_DEFAULT_JOBS


def test_the_recognition_model_stays_loaded_across_files():
    if not image.ocr_available():
        pytest.skip("needs the auditor[ocr] extra")
    assert image.engine() is image.engine()


def test_pages_waiting_for_the_recogniser_are_bounded():
    """A long scan is not rendered whole ahead of the recogniser: at most two pages per thread wait."""
    import threading
    import time

    pool = image.PagePool(jobs=2)
    lock, waiting, most = threading.Lock(), [0], [0]

    def work(k):
        def run():
            time.sleep(0.01)
            with lock:
                waiting[0] -= 1
            return [k]
        return run
    futures = []
    for k in range(20):
        with lock:
            waiting[0] += 1
            most[0] = max(most[0], waiting[0])
        futures.append(pool.submit(work(k)))
    try:
        assert [f.result() for f in futures] == [[k] for k in range(20)]
    finally:
        pool.close()
    assert most[0] <= 2 * 2 + 1
