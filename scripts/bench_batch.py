"""Benchmark of ``auditor batch`` (not a test): a synthetic corpus, reports per second, peak memory, Dask.

Builds a corpus of COUNT reports (default 10,000; half text, half HTML), rendered from the national
templates with random consistent values: agencies with a series of consecutive years (2020 in the
2019 template, 2021 on in the 2021 template, carried-over equal to last year's carried-forward),
and a known share with an injected error (a changed outcome cell). Then, each run in a fresh
process and a fresh store (whole audit: load, extract, rules, locate, store writes, cross-year pass):

* text reports with ``--jobs 1`` and ``--jobs 2``; HTML reports with ``--jobs 1`` and ``--jobs 2``;
* the whole corpus with ``--jobs 2`` and on a Dask LocalCluster of 2 worker processes (Dask's overhead);

and prints reports per second, peak RSS of the coordinator and of the largest worker, and the
overhead of Dask against local processes. Aims: 500 text and 200 HTML reports per second per core;
peak memory under 300 MB at 10,000 reports; Dask within 20% of local processes.

    python scripts/bench_batch.py [--count N] [--corpus DIR] [--keep] [--no-dask] [--repeat N] [--no-formats]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.synth import random_series, render_html, render_text  # noqa: E402
from auditor.templates import template_view  # noqa: E402

_NAME_CHARS = "东南西北中安平宁康泰和丰华兴隆昌盛福寿长永新春江河湖海山川林木石田云青白金玉明光清远"
FIRST_YEAR, YEARS = 2020, 5


def agency_name(index: int) -> str:
    """A distinct county name per index (no digits: identity reading rejects them)."""
    n = len(_NAME_CHARS)
    return f"{_NAME_CHARS[index % n]}{_NAME_CHARS[(index // n) % n]}{_NAME_CHARS[(index // n // n) % n]}县人民政府"


def build_corpus(folder: Path, count: int, seed: int = 1, error_share: float = 0.1, html_share: float = 0.5,
                 years: int = YEARS, first_year: int = FIRST_YEAR) -> dict:
    """Write ``count`` reports under folder/text and folder/html; returns a manifest
    ``{"files": {path: {"agency", "year", "format", "injected"}}, ...}``. Deterministic for a seed."""
    rng = random.Random(seed)
    folder = Path(folder)
    (folder / "text").mkdir(parents=True, exist_ok=True)
    (folder / "html").mkdir(parents=True, exist_ok=True)
    files: dict[str, dict] = {}
    agency_index = 0
    while len(files) < count:
        agency = agency_name(agency_index)
        fmt = "html" if rng.random() < html_share else "text"
        span = min(years, count - len(files))
        for year, template, table3, table4 in random_series(rng, list(range(first_year, first_year + span))):
            injected = rng.random() < error_share
            if injected:
                view = template_view("table3", template)
                row = rng.choice(view.row_groups["outcomes"])
                column = rng.choice(view.column_groups["applicants"])
                table3[row][column] += rng.randint(1, 9)
            render = render_html if fmt == "html" else render_text
            path = folder / fmt / f"a{agency_index:05d}-{year}.{'html' if fmt == 'html' else 'txt'}"
            path.write_text(render(table3, table4, template=template, year=year, agency=agency), encoding="utf-8")
            files[str(path)] = {"agency": agency, "year": year, "format": fmt, "injected": injected}
        agency_index += 1
    manifest = {"count": len(files), "seed": seed, "error_share": error_share, "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest


# -------------------------------------------------------------------- one measured run (in a child process)


def _measure(args) -> None:
    """Run one batch in this process and print its figures as JSON (called by ``main`` in a child)."""
    from auditor.corpus.batch import BatchOptions, run_batch

    options = BatchOptions(jobs=args.jobs, chunk_size=args.chunk_size)
    cluster = None
    if args.dask:
        from distributed import Client, LocalCluster

        started = time.perf_counter()
        cluster = LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        options.dask = client
        cluster_seconds = time.perf_counter() - started
    started = time.perf_counter()
    summary = run_batch([args.measure], args.db, options)
    seconds = time.perf_counter() - started
    figures = {"files": summary.files, "audited": summary.audited, "seconds": seconds,
               "audit_seconds": summary.audit_seconds, "cross_seconds": summary.cross_seconds,
               "pairs": summary.pairs, "findings": summary.findings, "cross_findings": summary.cross_findings,
               "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    if cluster is not None:
        figures["cluster_seconds"] = cluster_seconds
        workers = options.dask.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        figures["children_rss_mb"] = max(workers.values())
        options.dask.close()
        cluster.close()
    print(json.dumps(figures))


def _run(target: Path, db: Path, jobs: int, chunk_size: int, dask: bool = False) -> dict:
    command = [sys.executable, __file__, "--measure", str(target), "--db", str(db), "--jobs", str(jobs),
               "--chunk-size", str(chunk_size)] + (["--dask"] if dask else [])
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise SystemExit(f"benchmark run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--corpus", type=Path, help="Build (or reuse) the corpus here instead of a temp folder.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of the local/Dask comparison (best taken).")
    parser.add_argument("--formats", action=argparse.BooleanOptionalAction, default=True,
                        help="Measure text and HTML separately with --jobs 1 and 2 (default on).")
    parser.add_argument("--keep", action="store_true", help="Keep the temp folder.")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--dask", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args)
        return
    work = Path(tempfile.mkdtemp(prefix="auditor-bench-"))
    corpus = args.corpus or work / "corpus"
    manifest_file = corpus / "manifest.json"
    started = time.perf_counter()
    if manifest_file.exists() and json.loads(manifest_file.read_text())["count"] == args.count:
        manifest = json.loads(manifest_file.read_text())
    else:
        manifest = build_corpus(corpus, args.count, seed=args.seed)
    formats = {fmt: sum(1 for f in manifest["files"].values() if f["format"] == fmt) for fmt in ("text", "html")}
    injected = sum(f["injected"] for f in manifest["files"].values())
    print(f"corpus: {manifest['count']} reports ({formats['text']} text, {formats['html']} HTML; "
          f"{injected} with an injected error) built in {time.perf_counter() - started:.1f} s; "
          f"{os.cpu_count()} CPU(s)")
    print(f"{'reports':8} {'runner':16} {'files':>6} {'seconds':>8} {'reports/s':>10} {'per core':>9} "
          f"{'audit s':>8} {'pairs s':>8} {'RSS MB':>7} {'worker MB':>9}", flush=True)

    def show(fmt: str, runner: str, f: dict) -> dict:
        cores = 1 if "jobs 1" in runner else 2
        rate = f["files"] / f["seconds"]
        print(f"{fmt:8} {runner:16} {f['files']:6d} {f['seconds']:8.1f} {rate:10.1f} {rate / cores:9.1f} "
              f"{f['audit_seconds']:8.1f} {f['cross_seconds']:8.1f} {f['rss_mb']:7.0f} {f['children_rss_mb']:9.0f}",
              flush=True)
        return f

    for fmt in ("text", "html") if args.formats else ():
        for jobs in (1, 2):
            show(fmt, f"local --jobs {jobs}", _run(corpus / fmt, work / f"{fmt}-{jobs}.sqlite", jobs, args.chunk_size))
    # Local processes against Dask, alternately (the machine may be shared): the best of --repeat runs each.
    local = dask = None
    for attempt in range(args.repeat):
        run = _run(corpus, work / f"all-local-{attempt}.sqlite", 2, args.chunk_size)
        local = show("all", "local --jobs 2", run) if local is None or run["seconds"] < local["seconds"] else local
        if not args.no_dask:
            run = _run(corpus, work / f"all-dask-{attempt}.sqlite", 2, args.chunk_size, dask=True)
            dask = show("all", "dask 2 workers", run) if dask is None or run["seconds"] < dask["seconds"] else dask
    if dask is not None:
        overhead = dask["seconds"] / local["seconds"] - 1
        print(f"Dask overhead against local processes: {overhead * 100:+.1f}% "
              f"(cluster start-up {dask['cluster_seconds']:.1f} s not counted)")
    print("aims: 500 text and 200 HTML reports/s per core; peak memory < 300 MB; Dask within 20%")
    if not args.keep and not args.corpus:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept: {work}")


if __name__ == "__main__":
    main()
