"""The static HTML report (``--format html``) at scale: bytes of the page for many reports.

Synthetic reports (auditor/synth.py: consistent tables 3 and 4, random per report) are set in the
frame of a real clean report (tests/data/tianshui-2020.txt: its title, overview, table 2 and closing
parts), so a report without a slip audits clean. A realistic mix: ``--clean`` of them as drawn, the
rest split between a slipped digit in a table 3 total (findings), table 4 left out (not assessable)
and an empty file (failed). Each is audited for real; the page is written for the first 10, 100 and
``--reports`` of them, and its size is reported with the bytes per clean report and per report with
findings. The target is 2 MB for 1,000 reports.

    PYTHONPATH=$PWD python scripts/bench_html.py [--reports 1000] [--clean 0.8] [--out out/bench_html.json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_BYTES = 2_000_000  # 2 MB (decimal: the stricter reading)
FRAME = ROOT / "tests" / "data" / "tianshui-2020.txt"
MIX = (("findings", 0.75), ("not_assessable", 0.15), ("failed", 0.10))  # shares of the reports not clean


def framed_report(rng: random.Random, number: int, kind: str) -> str:
    """One synthetic report's text: the frame's parts around synthetic tables 3 and 4."""
    from auditor.synth import random_series, render_text
    if kind == "failed":
        return ""
    year, template, table3, table4 = random_series(rng, [2020])[0]
    if kind == "findings":  # a slipped digit: a total no longer adds up
        row = rng.choice([r for r, cols in table3.items() if cols.get("total")])
        table3[row]["total"] += rng.choice((1, 9, 10, -1))
    agency = f"合成县{number:04d}人民政府"
    tables = render_text(table3, table4, template=template, year=year, agency=agency)
    tables = tables[tables.index("三、"):tables.index("五、")]
    if kind == "not_assessable":
        tables = tables[:tables.index("四、政府信息公开行政复议")]
    frame = FRAME.read_text(encoding="utf-8").replace("天水市", agency)
    # the frame's overview quotes its own figures: a neutral overview instead
    overview = "一、总体情况\n\n本机关认真贯彻落实《条例》，依法做好政府信息公开工作。\n\n"
    return (frame[:frame.index("一、总体情况")] + overview + frame[frame.index("二、行政机关主动公开"):frame.index("三、行政机关收到")]
            + tables + frame[frame.index("五、政府信息公开工作存在"):])


def kinds(count: int, clean: float, rng: random.Random) -> list[str]:
    out = []
    for _ in range(count):
        if rng.random() < clean:
            out.append("clean")
        else:
            pick, edge = rng.random(), 0.0
            for kind, share in MIX:
                edge += share
                if pick < edge:
                    out.append(kind)
                    break
            else:
                out.append(MIX[-1][0])
    return out


def audited(count: int, clean: float, seed: int) -> list:
    from auditor.pipeline import audit_file
    from auditor.policy import RunConfig
    from auditor.ruleset import load_default_rules
    rules, config, rng = load_default_rules(), RunConfig(), random.Random(seed)
    results = []
    for number, kind in enumerate(kinds(count, clean, rng)):
        text = framed_report(rng, number, kind)
        path = Path(f"/synthetic/{number:05d}-{kind}.txt")
        results.append(audit_file(path, rules, config, data=text.encode("utf-8")))
    return results


def measure(count: int, clean: float, seed: int) -> dict:
    from auditor.model.findings import REPORT_STATUSES, report_status
    from auditor.write.html_report import write_html
    started = time.perf_counter()
    results = audited(count, clean, seed)
    audit_seconds = time.perf_counter() - started
    statuses = [report_status(r) for r in results]
    record: dict = {"reports": count, "statuses": {s: statuses.count(s) for s in REPORT_STATUSES},
                    "audit_seconds": round(audit_seconds, 1), "pages": {}}
    for n in sorted({10, 100, count} - {0}):
        if n > count:
            continue
        started = time.perf_counter()
        page = write_html(results[:n]).encode("utf-8")
        record["pages"][n] = {"bytes": len(page), "write_ms": round((time.perf_counter() - started) * 1000, 1)}
    # bytes each kind of report adds: the page of one report of a kind, less the empty page
    empty = len(write_html([]).encode("utf-8"))
    for status in REPORT_STATUSES:
        sample = [r for r, s in zip(results, statuses) if s == status]
        if sample:
            record[f"bytes_per_{status}"] = round((len(write_html(sample).encode("utf-8")) - empty) / len(sample))
    record["empty_page_bytes"] = empty
    whole = record["pages"][count]["bytes"]
    record["target_bytes"] = TARGET_BYTES
    record["meets_target"] = whole <= TARGET_BYTES * count / 1000
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--clean", type=float, default=0.8, help="share of clean reports (default 0.8)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    record = measure(args.reports, args.clean, args.seed)
    text = json.dumps(record, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
