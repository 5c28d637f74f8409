"""Benchmark (not a test): time per report for the examples, and for HTML the ratio to lxml's own parse.

Whole audit = load + extract + rules + engine, on one core. Aims: within 3x of lxml's parse of the
same page, and under 10 ms for a 100 KB page.

    python scripts/bench.py [--repeat N] [PATH ...]
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.audit import audit_file  # noqa: E402
from auditor.engine import RunConfig  # noqa: E402
from auditor.ruleset import load_default_rules  # noqa: E402
from auditor.synth import random_table3, random_table4, render_html  # noqa: E402


def best_of(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="*", default=[str(p) for p in sorted((ROOT / "examples").iterdir()) if p.is_file()])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rules = load_default_rules()
    config = RunConfig()
    rows = []
    for raw in args.paths:
        path = Path(raw)
        data = path.read_bytes()
        best, median = best_of(lambda: audit_file(path, rules, config, data=data), args.repeat)
        ratio = ""
        if path.suffix.lower() in (".html", ".htm"):
            lxml_best, _ = best_of(lambda: lxml.html.document_fromstring(data), args.repeat)
            ratio = f"{best / lxml_best:5.1f}x lxml ({lxml_best * 1000:.2f} ms)"
        rows.append((path.name, len(data) / 1024, best * 1000, median * 1000, ratio))
    # A synthetic page padded with site chrome to about 100 KB.
    rng = random.Random(7)
    page = render_html(random_table3(rng), random_table4(rng))
    filler = "<div class='nav'>" + "".join(f"<p>栏目{i} 新闻 政务公开 办事服务 互动交流</p>" for i in range(1800)) + "</div>"
    page = page.replace("<body>", "<body>" + filler, 1).encode("utf-8")
    best, median = best_of(lambda: audit_file("synthetic-100k.html", rules, config, data=page), args.repeat)
    lxml_best, _ = best_of(lambda: lxml.html.document_fromstring(page), args.repeat)
    rows.append(("synthetic-100k.html", len(page) / 1024, best * 1000, median * 1000,
                 f"{best / lxml_best:5.1f}x lxml ({lxml_best * 1000:.2f} ms)"))
    print(f"{'file':28} {'KB':>7} {'best ms':>8} {'median':>8}  html vs lxml")
    for name, size, best_ms, median_ms, ratio in rows:
        print(f"{name:28} {size:7.1f} {best_ms:8.2f} {median_ms:8.2f}  {ratio}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
