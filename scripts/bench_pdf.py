"""Benchmark of the PDF and OCR readers, page by page.

For every page of every PDF given (default: the three PDFs of ../shared/corpus):

* ours: auditor's reading of the page (PDFium characters and ruling lines -> rows), plus the
  page's share of extraction and rules (audit of the whole file minus its reading, spread over
  the pages);
* pdfplumber: pdfplumber's own extraction of the same page (extract_text + extract_tables, the
  work needed to get the same text and tables), on a freshly opened document;
* the ratio ours / pdfplumber (the aim: at most 1.5).

Then OCR seconds per page (render at 144 dpi + OCR) for the pages holding tables, pinned to one
core with one onnxruntime thread, when the auditor[ocr] extra is installed.

    .venv/bin/python scripts/bench_pdf.py [FILE.pdf ...] [--repeat N] [--ocr-pages huaian-2024.pdf:4,5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("AUDITOR_OCR_CACHE", "off")  # every image is read afresh: a cached reading would time nothing

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def our_page_times(path: Path, repeat: int) -> list[float]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from auditor.load.pdf import _objects, _page_glyphs
    from auditor.load.geometry import page_rows

    data = path.read_bytes()
    document = pdfium.PdfDocument(data)
    times = []
    for index in range(len(document)):
        def read(index=index):
            page = document[index]
            height = page.get_height()
            textpage = page.get_textpage()
            glyphs = _page_glyphs(raw, textpage, height)
            textpage.close()
            edges, _ = _objects(raw, page, height)
            page_rows(glyphs, edges, str(path), index + 1, height)
            page.close()
        times.append(best(read, repeat))
    document.close()
    return times


def plumber_page_times(path: Path, repeat: int) -> list[float]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        count = len(pdf.pages)
    times = []
    for index in range(count):
        def extract(index=index):
            with pdfplumber.open(path) as pdf:  # fresh: pdfplumber caches a page's objects
                page = pdf.pages[index]
                page.extract_text()
                page.extract_tables()
        times.append(best(extract, repeat))
    return times


def audit_time(path: Path, repeat: int) -> tuple[float, float]:
    from auditor.pipeline import audit_file
    from auditor.policy import RunConfig
    from auditor.load import load_path
    from auditor.ruleset import load_default_rules

    rules = load_default_rules()
    config = RunConfig()
    audit_file(path, rules, config)  # warm caches (templates, rules)
    total = best(lambda: audit_file(path, rules, config), repeat)
    reading = best(lambda: load_path(path), repeat)
    return total, reading


def ocr_seconds(path: Path, pages: list[int]) -> list[tuple[int, float]]:
    from auditor.load.image import ocr_available

    if not ocr_available():
        print("OCR: the auditor[ocr] extra is not installed; skipped")
        return []
    os.environ["AUDITOR_OCR_THREADS"] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import pypdfium2 as pdfium

    from auditor.load.image import engine, ocr_page_rows

    engine()._load_rec_model()  # model loading is not per page
    engine()._load_det_model()
    document = pdfium.PdfDocument(path.read_bytes())
    results = []
    for number in pages:
        page = document[number - 1]
        start = time.perf_counter()
        ocr_page_rows(page, str(path), number)
        results.append((number, time.perf_counter() - start))
        page.close()
    document.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ocr-pages", default="huaian-2024.pdf:4,5",
                        help="FILE:PAGES for the OCR timing ('' to skip)")
    args = parser.parse_args()
    files = args.files or sorted(CORPUS.glob("*.pdf"))
    if not files:
        print(f"no PDF given and none in {CORPUS}")
        return 2
    ratios = []
    print(f"{'file':<18} {'page':>4} {'ours ms':>9} {'pdfplumber ms':>14} {'ratio':>6}")
    for path in files:
        reads = our_page_times(path, args.repeat)
        plumber = plumber_page_times(path, args.repeat)
        total, reading = audit_time(path, args.repeat)
        share = max(0.0, total - reading) / len(reads)  # extraction and rules, spread over the pages
        for number, (ours, theirs) in enumerate(zip(reads, plumber), start=1):
            ours += share
            ratios.append(ours / theirs)
            print(f"{path.name:<18} {number:>4} {ours * 1000:>9.1f} {theirs * 1000:>14.1f} {ours / theirs:>6.2f}")
        print(f"{path.name:<18} {'all':>4} {total * 1000:>9.1f} {sum(plumber) * 1000:>14.1f} "
              f"{total / sum(plumber):>6.2f}   (whole audit: read + extract + rules)")
    print(f"ratio ours/pdfplumber per page: median {statistics.median(ratios):.2f}, worst {max(ratios):.2f} (aim <= 1.5)")
    if args.ocr_pages:
        name, _, numbers = args.ocr_pages.partition(":")
        target = next((p for p in files if p.name == name), CORPUS / name)
        if target.exists():
            results = ocr_seconds(target, [int(n) for n in numbers.split(",") if n])
            for number, seconds in results:
                print(f"OCR {target.name} page {number}: {seconds:.2f} s (one core, render 144 dpi + OCR)")
            if results:
                print(f"OCR mean {statistics.mean(s for _, s in results):.2f} s/page (aim < 3 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
