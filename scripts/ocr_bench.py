"""OCR bench: tables 3 and 4 of real reports (gold files) and of synthesised consistent tables,
drawn in several looks (auditor/synth_image.py), read back through the image loader, extracted
and audited. Per look it counts the cells

* right: the value read is the true one (``sure`` of them not marked uncertain/inferred),
* wrong but marked: uncertain or inferred (the report asks to check the source),
* unread: missing or text (no value claimed),
* WRONG UNMARKED: a plain number, blank or dash that is not the truth — a silent misread,

and the failed table findings that do not rest on an uncertain cell and that the true tables do
not have: error findings caused by a misread (false accusations). Prints a table, writes JSON.

    nice -n 10 python scripts/ocr_bench.py --gold 2 --synth 1 --out out/ocr-bench.json
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import zlib
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("AUDITOR_OCR_CACHE", "off")  # every image is read afresh: a cached reading would time nothing

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.pipeline import audit_report  # noqa: E402
from auditor.policy import RunConfig  # noqa: E402
from auditor.extract.tables import extract  # noqa: E402
from auditor.load import load_bytes  # noqa: E402
from auditor.model.report import Cell, CellState, Report, Table, TemplateGuess  # noqa: E402
from auditor.ruleset import load_default_rules  # noqa: E402
from auditor.synth import gold_tables, random_table3, random_table4  # noqa: E402
from auditor.synth_image import degrade, png_bytes, render_tables  # noqa: E402

GOLD = ROOT.parent.parent / "shared" / "corpus" / "gold"
if not GOLD.is_dir():
    GOLD = Path("/work/shared/corpus/gold")
# (name, look, scale, degraded)
DEFAULT_LOOKS = [(f"{look}-{scale}x", look, scale, False) for look in ("single", "double", "borderless", "grey")
                 for scale in (1, 2)] + [("single-2x-scan", "single", 2, True), ("grey-2x-scan", "grey", 2, True),
                                         ("double-1x-scan", "double", 1, True), ("double-2x-scan", "double", 2, True),
                                         ("borderless-2x-scan", "borderless", 2, True)]
_SURE = (CellState.number, CellState.blank, CellState.dash)
_MARKED = (CellState.uncertain, CellState.inferred)


def cases(gold: int, synth: int, seed: int) -> list[dict]:
    out = []
    for path in sorted(GOLD.glob("*.json"))[:gold]:
        data = json.loads(path.read_text(encoding="utf-8"))
        t3, t4 = gold_tables(data)
        out.append({"name": path.stem, "template": data.get("template_table3") or "2021",
                    "year": data.get("year") or 2022, "table3": t3, "table4": t4})
    rng = random.Random(seed)
    for index in range(synth):
        template = "2021" if index % 2 == 0 else "2019"
        out.append({"name": f"synth-{index}", "template": template, "year": 2022,
                    "table3": random_table3(rng, template, scale=rng.choice((20, 300))),
                    "table4": random_table4(rng, scale=rng.choice((10, 60)))})
    return out


def truth_report(case: dict) -> Report:
    tables = {}
    for table_id in ("table3", "table4"):
        rows = {}
        for row, values in case[table_id].items():
            rows[row] = {c: (Cell(state=CellState.blank) if v is None else
                             Cell(state=CellState.number, value=Decimal(v), raw=str(v))) for c, v in values.items()}
        tables[table_id] = Table(id=table_id, found=True, rows=rows)
    template = case["template"]
    return Report(file="truth", year=case["year"], tables=tables,
                  template=TemplateGuess(table3=template, overall=template, confidence=1.0))


def accusations(report: Report, rules) -> set:
    """Failed table findings that blame the agency (not resting on a doubtful cell)."""
    findings = audit_report(report, rules, RunConfig()).findings
    return {(f.code, tuple(sorted(f.bindings.items()))) for f in findings
            if f.kind == "table" and f.status.value == "failed" and not f.rests_on_uncertain
            and f.severity.value in ("error", "warning")}


def score(report: Report, case: dict) -> dict:
    counts = {"cells": 0, "right": 0, "right_sure": 0, "wrong_marked": 0, "unread": 0, "wrong_unmarked": 0}
    silent = []
    for table_id in ("table3", "table4"):
        table = report.table(table_id)
        for row, values in case[table_id].items():
            for column, truth in values.items():
                cell = table.cell(row, column)
                counts["cells"] += 1
                got = int(cell.value) if cell.has_value else None
                if cell.state in (CellState.missing, CellState.text):
                    counts["unread"] += 1
                elif got == truth and (truth is not None or cell.state in (CellState.blank, CellState.dash)):
                    counts["right"] += 1
                    counts["right_sure"] += cell.state in _SURE
                elif cell.state in _MARKED:
                    counts["wrong_marked"] += 1
                else:
                    counts["wrong_unmarked"] += 1
                    silent.append(f"{table_id}.{row}.{column}: {truth} read {cell.raw!r} ({cell.state.value})")
    counts["silent"] = silent
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=int, default=2, help="gold reports to draw (first N by name)")
    parser.add_argument("--synth", type=int, default=1, help="synthesised reports to draw")
    parser.add_argument("--looks", default="", help="comma-separated look names (default: all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="out/ocr-bench.json")
    parser.add_argument("--save-images", default="", help="folder to keep the drawn images in")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every silent misread")
    args = parser.parse_args(argv)
    wanted = set(filter(None, args.looks.split(",")))
    looks = [entry for entry in DEFAULT_LOOKS if not wanted or entry[0] in wanted]
    rules = load_default_rules()
    results = []
    for case in cases(args.gold, args.synth, args.seed):
        expected = accusations(truth_report(case), rules)
        for name, look, scale, scanned in looks:
            image = render_tables(case["table3"], case["table4"], look, scale, case["template"], case["year"])
            if scanned:
                image = degrade(image, seed=zlib.crc32(case["name"].encode()) % 1000)  # same scan every run
            data = png_bytes(image, "JPEG" if scanned else "PNG")
            if args.save_images:
                Path(args.save_images).mkdir(parents=True, exist_ok=True)
                (Path(args.save_images) / f"{case['name']}-{name}.{'jpg' if scanned else 'png'}").write_bytes(data)
            started = time.perf_counter()
            report = extract(load_bytes(data, f"{case['name']}-{name}.{'jpg' if scanned else 'png'}"))
            seconds = time.perf_counter() - started
            counts = score(report, case)
            misread = sorted(accusations(report, rules) - expected)
            results.append({"case": case["name"], "look": name, "seconds": round(seconds, 2), **counts,
                            "misread_findings": len(misread), "misread_codes": [m[0] for m in misread]})
            print(f"  {case['name']:<22} {name:<20} right {counts['right']:>3}/{counts['cells']}  "
                  f"wrong-unmarked {counts['wrong_unmarked']:>3}  misread findings {len(misread):>2}  {seconds:.1f}s",
                  file=sys.stderr, flush=True)
            if args.verbose:
                for line in counts["silent"]:
                    print("      " + line, file=sys.stderr)
    summary = {}
    for entry in results:
        row = summary.setdefault(entry["look"], {k: 0 for k in ("pages", "cells", "right", "right_sure", "wrong_marked",
                                                                 "unread", "wrong_unmarked", "misread_findings", "seconds")})
        row["pages"] += 1
        for key in row:
            if key != "pages":
                row[key] += entry[key]
    header = f"{'look':<20}{'cells':>7}{'right':>8}{'sure':>7}{'wrong(marked)':>15}{'unread':>8}" \
             f"{'WRONG-UNMARKED':>16}{'misread-findings':>18}{'s/page':>8}"
    print(header)
    for look, row in summary.items():
        print(f"{look:<20}{row['cells']:>7}{100 * row['right'] / max(row['cells'], 1):>7.1f}%"
              f"{100 * row['right_sure'] / max(row['cells'], 1):>6.1f}%{row['wrong_marked']:>15}{row['unread']:>8}"
              f"{row['wrong_unmarked']:>16}{row['misread_findings']:>18}{row['seconds'] / row['pages']:>8.1f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"summary": summary, "pages": results}, ensure_ascii=False, indent=1),
                              encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
