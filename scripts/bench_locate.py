"""Benchmark (not a test): time to localise errors in a report with 10 failing hard relations.

Random consistent tables (auditor.synth) get cells changed until exactly 10 hard relations fail
(error, status failed); the engine runs once, then ``locate_errors`` is timed on its relations.
Three mixes: errors in table 3 only, table 3 + table 4, and scattered (more cells than the search
allows, so the answer is "no solution within 3 cells" for a group). Aim: under 50 ms each.

    python scripts/bench_locate.py [--reports N] [--repeat N] [--seed N]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor.check.engine import run_rules  # noqa: E402
from auditor.policy import RunConfig
from auditor.model.findings import Severity, Status  # noqa: E402
from auditor.locate.search import locate_errors  # noqa: E402
from auditor.model.report import Cell, CellState, Report, Table, TemplateGuess  # noqa: E402
from auditor.ruleset import load_default_rules  # noqa: E402
from auditor.synth import random_table3, random_table4  # noqa: E402

TARGET = 10


def as_report(table3: dict, table4: dict, template: str) -> Report:
    def table(table_id: str, values: dict) -> Table:
        rows = {row: {column: Cell(state=CellState.number, value=Decimal(v), raw=str(v))
                      for column, v in columns.items()} for row, columns in values.items()}
        return Table(id=table_id, found=True, rows=rows)
    guess = TemplateGuess(table3=template, table2="unknown", overall=template, confidence=1.0)
    return Report(file="bench", year=2020 if template == "2019" else 2022, template=guess,
                  tables={"table3": table("table3", table3), "table4": table("table4", table4)})


def failing(report: Report, rules, config) -> tuple[int, list]:
    relations: list = []
    findings, _ = run_rules(report, rules, config, relations)
    count = sum(1 for f in findings if f.status == Status.failed and f.severity == Severity.error
                and f.relation and "==" in f.relation)
    return count, relations


def make_case(rng: random.Random, mix: str, rules, config):
    """A report with exactly TARGET failing hard relations, or None when the draw overshoots."""
    template = rng.choice(["2019", "2021"])
    table3, table4 = random_table3(rng, template), random_table4(rng)
    report = as_report(table3, table4, template)
    tables = ["table3"] if mix == "table3" else ["table3", "table4"]
    for _ in range(40):
        count, relations = failing(report, rules, config)
        if count == TARGET:
            return report, relations
        if count > TARGET:
            return None
        table_id = rng.choice(tables)
        rows = report.tables[table_id].rows
        row = rng.choice(sorted(rows))
        column = rng.choice(sorted(rows[row]))
        value = int(rows[row][column].value) + rng.randint(1, 40)
        rows[row][column] = Cell(state=CellState.number, value=Decimal(value), raw=str(value))
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=30, help="reports per mix")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rules, config = load_default_rules(), RunConfig()
    rng = random.Random(args.seed)
    print(f"{'mix':10} {'reports':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  corrections (groups solved / all)")
    worst = 0.0
    for mix in ("table3", "table3+4"):
        times, solved, groups = [], 0, 0
        while len(times) < args.reports:
            case = make_case(rng, mix, rules, config)
            if case is None:
                continue
            report, relations = case
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                corrections = locate_errors(report, relations, config)
                best = min(best, time.perf_counter() - start)
            times.append(best * 1000)
            top = [c for c in corrections if c.rank == 1]
            groups += len(top)
            solved += sum(1 for c in top if c.cells)
        times.sort()
        worst = max(worst, times[-1])
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{mix:10} {len(times):7d} {statistics.median(times):10.2f} {p95:8.2f} {times[-1]:8.2f}  {solved}/{groups}")
    print(f"worst {worst:.2f} ms (aim: under 50 ms)")


if __name__ == "__main__":
    main()
