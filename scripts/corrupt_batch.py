"""A batch of reports with a share of corrupted files: every good file must be audited, every bad
one recorded as a finding with its error code, and ``auditor batch`` must exit 1.

    python scripts/corrupt_batch.py --count 1000 --bad-share 0.1 --jobs 2

Good files: synthetic reports (text, HTML, DOCX) with consistent tables, copies of the real text,
Markdown and HTML reports in tests/data, and the real PDFs of ../shared/corpus when present.
Bad files, in equal shares of four kinds:

* truncated  — a PDF or DOCX cut at 5–60 % of its length;
* bit-flipped — a DOCX or PDF with 0.5 % of its bytes (after the header) flipped at random;
* wrong-ext  — a good report under another format's extension (PDF as .html, DOCX as .pdf, HTML
  as .docx, text as .xlsx): read by its content, with a FORMAT-MISMATCH warning;
* zip-bomb   — a DOCX or XLSX whose member unpacks to hundreds of MB.

The run is `auditor batch` in a child process (its exit code is what is checked); the store is
then read back. Prints a table per kind and exits 1 when any expectation fails.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from auditor.catalogue import CATALOGUE  # noqa: E402
from auditor.corpus.store import Store  # noqa: E402
from auditor.synth import random_series, render_docx, render_html, render_text  # noqa: E402
from bench_batch import agency_name  # noqa: E402

DATA = ROOT / "tests" / "data"
CORPUS = ROOT.parent / "shared" / "corpus"
KINDS = ("truncated", "bit-flipped", "wrong-ext", "zip-bomb")
# What a bad file must get: a finding of one of these codes (wrong-ext: the mismatch warning).
EXPECTED = {
    "truncated": None,  # any file-level code (unreadable, empty, table absent…)
    "bit-flipped": None,
    "wrong-ext": {"FORMAT-MISMATCH"},
    "zip-bomb": {"LIMIT-ZIP-BOMB"},
}
FILE_LEVEL_KINDS = {"file", "limit", "extraction", "template"}


def _real_reports() -> list[tuple[str, bytes]]:
    reports = [(p.name, p.read_bytes()) for p in sorted(DATA.glob("*"))
               if p.suffix in {".txt", ".md", ".html"} and p.is_file()]
    if CORPUS.is_dir():
        reports += [(p.name, p.read_bytes()) for p in sorted(CORPUS.glob("*.pdf"))]
    return reports


def _synthetic(rng: random.Random, index: int) -> list[tuple[str, bytes]]:
    """A short series of one synthetic agency, as text, HTML or DOCX."""
    # python-docx takes about a second a document: a few Word series are enough among the good files
    fmt = rng.choice(["txt", "html", "docx"] if index < 40 else ["txt", "html"])
    agency = agency_name(index)  # no digits: identity reading rejects them, and the series pair up
    out = []
    for year, template, table3, table4 in random_series(rng, [2021, 2022, 2023]):
        if fmt == "txt":
            data = render_text(table3, table4, template=template, year=year, agency=agency).encode("utf-8")
        elif fmt == "html":
            data = render_html(table3, table4, template=template, year=year, agency=agency).encode("utf-8")
        else:
            data = render_docx(table3, table4, template=template, year=year, agency=agency)
        out.append((f"s{index:04d}-{year}.{fmt}", data))
    return out


def zip_bomb(kind: str, megabytes: int = 400) -> bytes:
    member = "word/document.xml" if kind == "docx" else "xl/worksheets/sheet1.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml" if kind == "xlsx" else "word/_rels/document.xml.rels", "<x/>")
        with archive.open(member, "w", force_zip64=True) as stream:
            block = b"<t>0</t>" * (1 << 17)
            for _ in range(megabytes):
                stream.write(block)
    return buffer.getvalue()


def _flip(data: bytes, rng: random.Random, share: float = 0.005) -> bytes:
    out = bytearray(data)
    start = min(len(out) - 1, 64)  # keep the magic number: the format is still recognised
    for _ in range(max(8, int(len(out) * share))):
        position = rng.randrange(start, len(out))
        out[position] ^= 1 << rng.randrange(8)
    return bytes(out)


def build(folder: Path, count: int, bad_share: float, seed: int = 7, bomb_mb: int = 400) -> dict:
    """Write ``count`` files under ``folder``; returns the manifest {name: {"kind", "source"}}."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    real = _real_reports()
    binaries = [(n, d) for n, d in real if n.endswith(".pdf")]
    bombs = {"docx": zip_bomb("docx", bomb_mb), "xlsx": zip_bomb("xlsx", bomb_mb)}
    manifest: dict[str, dict] = {}
    bad_count = round(count * bad_share)
    good: list[tuple[str, bytes, str]] = []
    index = 0
    while len(good) < count - bad_count:
        if index < len(real) and index % 2 == 0:
            name, data = real[index]
            good.append((f"r{index:04d}-{name}", data, "real"))
        else:
            good += [(n, d, "synthetic") for n, d in _synthetic(rng, index)]
        index += 1
    good = good[: count - bad_count]
    for name, data, source in good:
        (folder / name).write_bytes(data)
        manifest[name] = {"kind": "good", "source": source}
    docx_pool = [(n, d) for n, d, _ in good if n.endswith(".docx")]
    for number in range(bad_count):
        kind = KINDS[number % len(KINDS)]
        if kind == "truncated":
            name, data = rng.choice(docx_pool + binaries)
            cut = int(len(data) * rng.uniform(0.05, 0.6))
            name, data = f"bad{number:04d}-truncated-{name}", data[:cut]
        elif kind == "bit-flipped":
            name, data = rng.choice(docx_pool + binaries)
            name, data = f"bad{number:04d}-flipped-{name}", _flip(data, rng)
        elif kind == "wrong-ext":
            choices = [(n, d, ".pdf") for n, d in docx_pool[:20]] + [(n, d, ".html") for n, d in binaries]
            choices += [(n, d, ".docx") for n, d, _ in good if n.endswith(".html")][:20]
            choices += [(n, d, ".xlsx") for n, d, _ in good if n.endswith(".txt")][:20]
            name, data, suffix = rng.choice(choices)
            name = f"bad{number:04d}-wrongext-{Path(name).stem}{suffix}"
        else:
            fmt = rng.choice(["docx", "xlsx"])
            name, data = f"bad{number:04d}-bomb.{fmt}", bombs[fmt]
        (folder / name).write_bytes(data)
        manifest[name] = {"kind": kind}
    (folder.parent / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def run(folder: Path, db: Path, jobs: int) -> tuple[int, float, str]:
    started = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "auditor", "batch", str(folder), "--db", str(db),
                              "--jobs", str(jobs), "--no-progress"],
                             capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return process.returncode, time.perf_counter() - started, process.stdout + process.stderr


def verify(folder: Path, db: Path, manifest: dict) -> dict:
    """Per kind: files, files as expected, and the failures (name, codes)."""
    with Store(db) as store:
        by_name: dict[str, list[dict]] = {}
        for finding in store.findings_of():
            by_name.setdefault(Path(finding["path"]).name, []).append(finding)
        stored = {Path(row[0]).name: row[1] for row in store.db.execute("SELECT path, status FROM reports")}
    table: dict[str, dict] = {}
    for name, entry in manifest.items():
        kind = entry["kind"]
        row = table.setdefault(kind, {"files": 0, "ok": 0, "codes": {}, "failures": []})
        row["files"] += 1
        findings = by_name.get(name, [])
        codes = sorted({f["code"] for f in findings})
        for code in codes:
            row["codes"][code] = row["codes"].get(code, 0) + 1
        if kind == "good":
            trouble = [f["code"] for f in findings if f["kind"] in {"file", "limit", "internal"}]
            ok = stored.get(name) == "audited" and not trouble
        else:
            expected = EXPECTED[kind]
            known = [f for f in findings if f["code"] in CATALOGUE and f["kind"] in FILE_LEVEL_KINDS]
            ok = bool(known) and (expected is None or expected & set(codes)) \
                and not any(f["kind"] == "internal" for f in findings)
        row["ok"] += bool(ok)
        if not ok:
            row["failures"].append((name, codes))
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--bad-share", type=float, default=0.1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args(argv)
    import tempfile

    work = args.work or Path(tempfile.mkdtemp(prefix="corrupt-batch-"))
    folder, db = work / "reports", work / "audit.sqlite"
    manifest = build(folder, args.count, args.bad_share, args.seed)
    code, seconds, output = run(folder, db, args.jobs)
    table = verify(folder, db, manifest)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{len(manifest)} files in {work}; auditor batch exit {code} in {seconds:.1f} s "
          f"({len(manifest) / seconds:.1f} files/s), peak RSS of a child {peak:.0f} MB")
    print(output.strip().splitlines()[-1] if output.strip() else "")
    print(f"{'kind':12} {'files':>6} {'as expected':>12}  codes")
    for kind, row in sorted(table.items()):
        top = ", ".join(f"{c}×{n}" for c, n in sorted(row["codes"].items(), key=lambda x: -x[1])[:6])
        print(f"{kind:12} {row['files']:6d} {row['ok']:12d}  {top}")
        for name, codes in row["failures"][:10]:
            print(f"    not as expected: {name}: {codes}")
    failed = code != 1 or any(row["ok"] != row["files"] for row in table.values())
    print("FAILED" if failed else "OK: every good file audited, every bad file recorded with its code, exit 1")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
