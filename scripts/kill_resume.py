"""Kill a batch at random moments, rerun it, and compare with an uninterrupted run (not a test).

Builds a synthetic corpus (scripts/bench_batch.py), runs ``auditor batch`` into a reference store
without interruption, then into a second store: started as a child process and killed with SIGKILL
(its whole process group: the coordinator and its workers) at a random moment, KILLS times, then
run to the end. Checks that the second store has exactly one row per report, one link per pair,
and the same findings as the reference.

    python scripts/kill_resume.py [--count 2000] [--kills 3] [--jobs 2] [--seed 7] [--keep]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import build_corpus  # noqa: E402


def batch_command(corpus: Path, db: Path, jobs: int, chunk_size: int) -> list[str]:
    return [sys.executable, "-m", "auditor.cli.batch", "batch", str(corpus), "--db", str(db), "--jobs", str(jobs),
            "--chunk-size", str(chunk_size), "--no-progress"]


class Child:
    """A batch in a process of its own group: ``auditor batch`` as a command (mode "cli"), or a fork
    of this process calling ``run_batch`` (mode "fork": no interpreter start-up, for the tests)."""

    def __init__(self, corpus: Path, db: Path, jobs: int, chunk_size: int, mode: str = "cli"):
        self.returncode = None
        if mode == "cli":
            env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
            self.process = subprocess.Popen(batch_command(corpus, db, jobs, chunk_size), stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
            self.pid = self.process.pid
            return
        self.process = None
        from auditor.corpus.batch import BatchOptions, run_batch

        self.pid = os.fork()
        if self.pid == 0:  # the child: its own process group, so a kill takes its workers too
            code = 1
            try:
                os.setsid()
                run_batch([corpus], db, BatchOptions(jobs=jobs, chunk_size=chunk_size))
                code = 0
            finally:
                os._exit(code)

    def poll(self):
        if self.process is not None:
            return self.process.poll()
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        os.killpg(self.pid, signal.SIGKILL)
        self.wait()

    def wait(self) -> int:
        if self.process is not None:
            return self.process.wait()
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode


def _count(db: Path, query: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            return connection.execute(query).fetchone()[0]
    except sqlite3.Error:  # not created yet, or being migrated
        return 0


def _stored(db: Path) -> int:
    return _count(db, "SELECT COUNT(*) FROM reports")


def killed_run(child: Child, db: Path, target: int, rng: random.Random, timeout: float = 300) -> str:
    """Wait until ``target`` reports are stored (or the batch ends), wait a random moment more, and
    SIGKILL the batch's process group (coordinator and workers). Returns what happened."""
    deadline = time.monotonic() + timeout
    while child.poll() is None and _stored(db) < target and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.3))
    if child.poll() is not None:
        return f"finished before the kill (exit {child.returncode})"
    child.kill()
    return f"killed at {_stored(db)} stored report(s)"


def store_contents(db: Path) -> dict:
    """Rows per path, pairs evaluated, and the findings as a multiset of comparable tuples."""
    with sqlite3.connect(db) as connection:
        rows = Counter(path for (path,) in connection.execute("SELECT path FROM reports"))
        pair_paths = Counter(connection.execute(
            "SELECT cur.path, prev.path FROM links l JOIN reports cur ON cur.id = l.report_id"
            " JOIN reports prev ON CAST(prev.id AS TEXT) = l.key WHERE l.kind = 'pair'"))
        findings = Counter(connection.execute(
            "SELECT r.path, f.code, f.severity, f.status, f.message, f.cells, f.link_id IS NOT NULL"
            " FROM findings f JOIN reports r ON r.id = f.report_id"))
        statuses = Counter(status for (status,) in connection.execute("SELECT status FROM reports"))
    return {"rows": rows, "pairs": pair_paths, "findings": findings, "statuses": statuses}


def compare(reference: dict, resumed: dict, files: int) -> list[str]:
    problems = []
    duplicated = [path for path, n in resumed["rows"].items() if n != 1]
    if duplicated:
        problems.append(f"{len(duplicated)} path(s) with more than one row, e.g. {duplicated[0]}")
    if len(resumed["rows"]) != files:
        problems.append(f"{len(resumed['rows'])} report rows for {files} files")
    if resumed["statuses"] != Counter({"audited": files}):
        problems.append(f"statuses {dict(resumed['statuses'])}")
    if any(n != 1 for n in resumed["pairs"].values()):
        problems.append("a pair evaluated more than once")
    if resumed["pairs"] != reference["pairs"]:
        problems.append(f"pairs differ: {sum(resumed['pairs'].values())} vs {sum(reference['pairs'].values())}")
    if resumed["findings"] != reference["findings"]:
        missing = reference["findings"] - resumed["findings"]
        extra = resumed["findings"] - reference["findings"]
        problems.append(f"findings differ: {sum(missing.values())} missing, {sum(extra.values())} extra")
    return problems


def kill_resume(corpus: Path, work: Path, files: int, kills: int = 3, jobs: int = 2, chunk_size: int = 20,
                seed: int = 7, mode: str = "cli", log=print) -> list[str]:
    """The whole experiment; returns the problems found (empty: the resumed store equals the reference)."""
    rng = random.Random(seed)
    reference_db, resumed_db = work / "reference.sqlite", work / "resumed.sqlite"
    started = time.perf_counter()
    if Child(corpus, reference_db, jobs, chunk_size, mode).wait() != 0:
        return ["the reference run failed"]
    log(f"reference run: {time.perf_counter() - started:.1f} s")
    # Kill targets: random points of the audit, the last one at or past the end (the cross-year pass).
    targets = sorted(rng.randint(1, max(1, files - 1)) for _ in range(kills - 1)) + [files]
    for number, target in enumerate(targets, 1):
        outcome = killed_run(Child(corpus, resumed_db, jobs, chunk_size, mode), resumed_db, target, rng)
        log(f"run {number}: target {target} -> {outcome}")
    if Child(corpus, resumed_db, jobs, chunk_size, mode).wait() != 0:
        return ["the final run failed"]
    log(f"final run done: {_stored(resumed_db)} report(s) stored")
    return compare(store_contents(reference_db), store_contents(resumed_db), files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="auditor-kill-"))
    manifest = build_corpus(work / "corpus", args.count, seed=args.seed)
    problems = kill_resume(work / "corpus", work, manifest["count"], args.kills, args.jobs, args.chunk_size, args.seed)
    print(json.dumps({"reports": manifest["count"], "kills": args.kills, "problems": problems}, ensure_ascii=False))
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept: {work}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
