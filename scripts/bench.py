"""Benchmark (not a test): every speed and memory figure auditor is held to, in one run, as one record.

    python scripts/bench.py [--quick] [--repeat N] [--pages N] [--batch N] [--out FILE]
    python scripts/bench.py --compare OLD.json NEW.json

Measured on the same files in the same run:

* **per report, by stage** (load, extract, rules, locate, narrative, document), median of ``--repeat`` runs, for
  every text/Markdown/HTML example and every corpus PDF (../shared/corpus, skipped when absent);
* **HTML against lxml**: ``--pages`` synthetic pages (tables of random consistent values inside site
  chrome of varied size), auditor's whole audit against lxml's bare parse of the same bytes;
* **batch**: reports per second with ``--jobs 1`` and ``--jobs 2`` on ``--batch`` synthetic text and
  HTML reports (fresh store and process each), and the peak RSS of the coordinator and workers;
* **start-up**: wall time of ``auditor --version`` and ``auditor check`` on one file (fresh processes).

The record (JSON, ``--out``, default ``out/bench.json``) carries the commit, so two commits compare with
``--compare`` (``make bench-compare OLD=... NEW=...``). Targets are printed beside each figure; they
are not asserted: timing belongs to this script, not to the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
for entry in (ROOT, ROOT / "scripts"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

# What the performance issue asks for (ms per report, reports/s per core, seconds, MB).
TARGETS = {
    "text_median_ms": ("<=", 5.0), "html_median_ms": ("<=", 7.0), "html_vs_lxml": ("<=", 3.0),
    "batch_text_per_core": (">=", 200.0), "batch_html_per_core": (">=", 120.0),
    "startup_check_s": ("<=", 0.30), "startup_version_s": ("<=", 0.15), "batch_peak_rss_mb": ("<=", 300.0),
}
STAGES = ("load", "extract", "rules", "locate", "narrative", "document")


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def stage_times(path: Path, data: bytes, rules, config, repeat: int) -> dict:
    """Median milliseconds of each stage of one report's audit (the stages ``audit_file`` runs)."""
    from auditor.check.engine import run_rules
    from auditor.extract.tables import extract
    from auditor.load import load_bytes
    from auditor.locate.search import locate_errors
    from auditor.check.narrative import check_narrative
    from auditor.check.document import check_document
    from auditor.check.document.sameness import narrative_paragraphs

    samples: dict[str, list[float]] = {stage: [] for stage in STAGES + ("total",)}
    for _ in range(repeat):
        marks = [time.perf_counter()]
        document = load_bytes(data, str(path))
        marks.append(time.perf_counter())
        report = extract(document)
        marks.append(time.perf_counter())
        relations: list = []
        run_rules(report, rules, config, relations)
        marks.append(time.perf_counter())
        locate_errors(report, relations, config)
        marks.append(time.perf_counter())
        check_narrative(report, document, config)
        marks.append(time.perf_counter())
        check_document(report, document, config)  # the document checks and the paragraphs the store keeps,
        narrative_paragraphs(document, report)  # as audit_report runs them
        marks.append(time.perf_counter())
        for index, stage in enumerate(STAGES):
            samples[stage].append(marks[index + 1] - marks[index])
        samples["total"].append(marks[-1] - marks[0])
    return {stage: _median_ms(values) for stage, values in samples.items()}


def per_report(repeat: int) -> list[dict]:
    from auditor.policy import RunConfig
    from auditor.ruleset import load_default_rules

    rules, config = load_default_rules(), RunConfig()
    paths = sorted(p for p in (ROOT / "examples").iterdir() if p.is_file())
    if CORPUS.is_dir():
        paths += sorted(CORPUS.glob("*.pdf"))
    rows = []
    for path in paths:
        data = path.read_bytes()
        kind = {".htm": "html", ".html": "html", ".md": "text", ".txt": "text", ".pdf": "pdf"}.get(path.suffix.lower())
        if kind is None:
            continue
        times = stage_times(path, data, rules, config, max(1, repeat // 5) if kind == "pdf" else repeat)
        rows.append({"file": path.name, "kind": kind, "kb": round(len(data) / 1024, 1), **times})
    return rows


def synthetic_pages(count: int, seed: int = 11) -> list[bytes]:
    """HTML pages of random consistent tables inside site chrome from a few hundred bytes to ~100 KB."""
    from auditor.synth import random_series, render_html

    rng = random.Random(seed)
    pages = []
    while len(pages) < count:
        for year, template, table3, table4 in random_series(rng, [2020, 2021, 2022]):
            page = render_html(table3, table4, template=template, year=year)
            paragraphs = rng.choice((0, 50, 300, 1500))
            chrome = "".join(f"<li><a href='/n/{i}'>栏目{i} 政务公开 办事服务 互动交流</a></li>" for i in range(paragraphs))
            pages.append(page.replace("<body>", f"<body><ul class='nav'>{chrome}</ul>", 1).encode("utf-8"))
    return pages[:count]


def html_against_lxml(count: int) -> dict:
    import lxml.html

    from auditor.pipeline import audit_file
    from auditor.policy import RunConfig
    from auditor.ruleset import load_default_rules

    rules, config = load_default_rules(), RunConfig()
    pages = synthetic_pages(count)
    ours = bare = 0.0
    for index, page in enumerate(pages):
        # Best of three per page for both, so a scheduler hiccup does not decide the ratio.
        ours += min(_timed(lambda: audit_file(f"page{index}.html", rules, config, data=page)) for _ in range(3))
        bare += min(_timed(lambda: lxml.html.document_fromstring(page)) for _ in range(3))
    return {"pages": count, "kb_mean": round(sum(map(len, pages)) / count / 1024, 1),
            "auditor_ms_per_page": round(ours / count * 1000, 3), "lxml_ms_per_page": round(bare / count * 1000, 3),
            "ratio": round(ours / bare, 2)}


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def batch(count: int) -> dict:
    """Reports per second for one and two jobs, text and HTML, via bench_batch's child-process runner."""
    from bench_batch import _run, build_corpus

    figures: dict = {"reports": count}
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as folder:
        corpus = Path(folder) / "corpus"
        build_corpus(corpus, count)
        peak = 0.0
        for fmt in ("text", "html"):
            files = len(list((corpus / fmt).iterdir()))
            for jobs in (1, 2):
                run = _run(corpus / fmt, Path(folder) / f"{fmt}{jobs}.sqlite", jobs, 100)
                per_second = run["audited"] / run["seconds"]
                figures[f"{fmt}_jobs{jobs}_per_s"] = round(per_second, 1)
                figures[f"{fmt}_jobs{jobs}_per_core"] = round(per_second / jobs, 1)
                peak = max(peak, run["rss_mb"], run["children_rss_mb"])
            figures[f"{fmt}_files"] = files
        whole = _run(corpus, Path(folder) / "all.sqlite", 2, 100)
        figures["all_jobs2_per_s"] = round(whole["audited"] / whole["seconds"], 1)
        figures["peak_rss_mb"] = round(max(peak, whole["rss_mb"], whole["children_rss_mb"]), 1)
    return figures


def startup(repeat: int) -> dict:
    """Wall seconds of fresh ``auditor`` processes (median), as a CI step pays them, and their CPU
    seconds (median; less moved by other work on a shared machine).

    As an installed auditor runs: bytecode compiled once (``PYTHONDONTWRITEBYTECODE`` would make every
    process compile every module from source; the bytecode goes to a temporary folder) and the data
    cache of parsed rules filled by a first run (a cache folder of this benchmark's own). ``cold``
    figures are the first run: no bytecode and an empty cache."""
    report = ROOT / "examples" / "tianshui-2020.txt"
    figures = {}
    with tempfile.TemporaryDirectory(prefix="auditor-startup-") as folder:
        env = {key: value for key, value in os.environ.items()
               if key not in ("PYTHONDONTWRITEBYTECODE", "AUDITOR_NO_CACHE")}
        env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(Path(folder) / "pyc"),
                   AUDITOR_CACHE_DIR=str(Path(folder) / "cache"))
        for name, args in (("version", ["--version"]), ("check", ["check", "--fail-on", "never", str(report)])):
            walls, cpus = [], []
            for run in range(repeat + 1):
                before = os.times()
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "auditor", *args], env=env, capture_output=True, check=True)
                wall = time.perf_counter() - start
                after = os.times()
                cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
                if run == 0:
                    figures[f"{name}_cold_s"] = round(wall, 3)
                    continue
                walls.append(wall)
                cpus.append(cpu)
            figures[f"{name}_s"] = round(statistics.median(walls), 3)
            figures[f"{name}_cpu_s"] = round(statistics.median(cpus), 3)
    return figures


def _commit() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def headline(record: dict) -> dict:
    """The figures the targets speak of, flat, for printing and comparing."""
    rows = record["reports"]

    def median_of(kind: str) -> float | None:
        values = [r["total"] for r in rows if r["kind"] == kind]
        return round(statistics.median(values), 3) if values else None

    flat = {"text_median_ms": median_of("text"), "html_median_ms": median_of("html"),
            "pdf_median_ms": median_of("pdf"), "html_vs_lxml": record["html"]["ratio"],
            "startup_check_s": record["startup"]["check_s"], "startup_version_s": record["startup"]["version_s"],
            "startup_check_cpu_s": record["startup"].get("check_cpu_s"),
            "startup_version_cpu_s": record["startup"].get("version_cpu_s")}
    if record.get("batch"):
        flat.update({"batch_text_per_core": record["batch"]["text_jobs1_per_core"],
                     "batch_html_per_core": record["batch"]["html_jobs1_per_core"],
                     "batch_peak_rss_mb": record["batch"]["peak_rss_mb"]})
    return flat


def _meets(name: str, value) -> str:
    if name not in TARGETS or value is None:
        return ""
    op, target = TARGETS[name]
    ok = value <= target if op == "<=" else value >= target
    return f"target {op} {target:g}: {'met' if ok else 'NOT met'}"


def show(record: dict) -> None:
    print(f"commit {record['commit']}  python {record['python']}  {record['machine']}  "
          f"load average before {record.get('load_before')} after {record.get('load_after')}")
    print(f"\n{'report':28} {'kind':5} {'KB':>6} " + " ".join(f"{s:>9}" for s in STAGES) + f" {'total ms':>9}")
    for row in record["reports"]:
        print(f"{row['file']:28} {row['kind']:5} {row['kb']:6.1f} " + " ".join(f"{row[s]:9.2f}" for s in STAGES)
              + f" {row['total']:9.2f}")
    html = record["html"]
    print(f"\nHTML: {html['pages']} pages of {html['kb_mean']} KB on average: auditor {html['auditor_ms_per_page']} ms, "
          f"lxml {html['lxml_ms_per_page']} ms per page")
    if record.get("batch"):
        b = record["batch"]
        print(f"batch of {b['reports']}: text {b['text_jobs1_per_s']}/s (1 job), {b['text_jobs2_per_s']}/s (2 jobs); "
              f"HTML {b['html_jobs1_per_s']}/s, {b['html_jobs2_per_s']}/s; all, 2 jobs: {b['all_jobs2_per_s']}/s; "
              f"peak RSS {b['peak_rss_mb']} MB")
    print()
    for name, value in headline(record).items():
        print(f"{name:22} {value!s:>10}  {_meets(name, value)}")


def compare(old_path: Path, new_path: Path) -> None:
    old, new = (json.loads(Path(p).read_text(encoding="utf-8")) for p in (old_path, new_path))
    print(f"{'figure':22} {old['commit']:>14} {new['commit']:>14} {'change':>8}")
    before, after = headline(old), headline(new)
    for name in after:
        a, b = before.get(name), after[name]
        change = f"{(b - a) / a * 100:+.0f}%" if a and b is not None else ""
        print(f"{name:22} {a!s:>14} {b!s:>14} {change:>8}")
    old_rows = {r["file"]: r["total"] for r in old["reports"]}
    print()
    for row in new["reports"]:
        if row["file"] in old_rows:
            print(f"{row['file']:28} {old_rows[row['file']]:9.2f} -> {row['total']:9.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20, help="Runs per report (median taken; PDFs a fifth).")
    parser.add_argument("--pages", type=int, default=300, help="Synthetic HTML pages against lxml.")
    parser.add_argument("--batch", type=int, default=2000, help="Reports in the batch runs (0: skip).")
    parser.add_argument("--startup", type=int, default=5, help="Fresh processes per start-up figure.")
    parser.add_argument("--quick", action="store_true", help="Small sizes: --repeat 3 --pages 20 --batch 0.")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench.json")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    if args.quick:
        args.repeat, args.pages, args.batch, args.startup = 3, 20, 0, 2
    record = {"commit": _commit(), "python": platform.python_version(), "machine": f"{platform.machine()} "
              f"{os.cpu_count()} cores", "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "load_before": [round(x, 2) for x in os.getloadavg()],
              "reports": per_report(args.repeat), "html": html_against_lxml(args.pages),
              "batch": batch(args.batch) if args.batch else None, "startup": startup(args.startup)}
    record["load_after"] = [round(x, 2) for x in os.getloadavg()]  # other work on the machine, 1/5/15 min
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    show(record)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
