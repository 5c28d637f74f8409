"""Fuzz every input surface: the loaders (text, Markdown, HTML, PDF, DOCX, XLSX, image), the
rule-file parser and the expression evaluator. Not a test: the suite's short version is
tests/test_fuzz.py.

    python scripts/fuzz.py --target all --runs 2000
    python scripts/fuzz.py --target html --runs 100000 --timeout 5 --rss-limit-mb 1024
    python scripts/fuzz.py --target text,markdown --runs 100000 --stage extract --summary out.md
    python scripts/fuzz.py --plan long --restarts 3 --corpus /tmp/fuzz-long/corpus \
        --artifacts /tmp/fuzz-long/artifacts --log-dir /tmp/fuzz-long --summary /tmp/fuzz-long/summary.md

Each target runs in a child process, one after another. With atheris installed (``pip install
'auditor[fuzz]'``) the child is libFuzzer driving the instrumented ``auditor`` package (coverage
guided; ``-runs``, ``-timeout``, ``-rss_limit_mb``, ``-artifact_prefix``, a dictionary of report
tokens, and format-aware mutators for DOCX/XLSX members and PNG chunks). Without atheris, or with
``--engine random``, the child mutates the seeds at random (the same mutators, no coverage
feedback), with a watchdog for hangs and a check of its peak RSS after every input.

Seeds are written to a temporary folder: the real reports of tests/data, the files of
tests/data/fuzz, one-page cuts of the PDFs of ../shared/corpus (skipped when it is absent), the
shipped and fixture rule files and every ``expr`` they hold. The targets themselves are in
scripts/fuzz_targets.py: a target raises only for a crash (an exception the product should not
raise, an ``internal-error`` finding, a finding code no catalogue knows).

Per target it prints: inputs run, crashes, timeouts, out-of-memory, peak RSS, seconds, exec/s.
Reproducers (``crash-*``, ``timeout-*``, ``oom-*``) and each child's log go to --artifacts
(default /tmp/fuzz-artifacts); replay one with ``--replay FILE --target NAME``. The exit status
is 1 when any target crashed, hung or went over the memory limit.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("AUDITOR_OCR_CACHE", "off")  # fuzzed images never fill the user's OCR cache

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = Path(__file__).resolve().parent
ALL_TARGETS = ("text", "markdown", "html", "pdf", "docx", "xlsx", "image", "rules", "expr")
# Third-party modules worth instrumenting with the package for a target (pure-Python parsers).
# Longest input per target unless --max-len says (the largest real seed is 111 KB of HTML).
DEFAULT_MAX_LEN = {"text": 128 * 1024, "markdown": 128 * 1024, "html": 128 * 1024, "rules": 64 * 1024, "expr": 4096}
EXTRA_INSTRUMENT = {"rules": ["yaml", "tomllib"], "docx": ["docx"], "markdown": [], "text": [], "html": []}


def have_atheris() -> bool:
    return importlib.util.find_spec("atheris") is not None


# ------------------------------------------------------------------------------- parent


@dataclass
class Outcome:
    target: str
    stage: str
    engine: str
    inputs: int = 0
    crashes: int = 0
    timeouts: int = 0
    ooms: int = 0
    peak_rss_mb: float = 0.0
    seconds: float = 0.0
    exit_code: int = 0
    artifacts: list[str] = field(default_factory=list)
    log: str = ""
    first_error: str = ""

    @property
    def ok(self) -> bool:
        return not (self.crashes or self.timeouts or self.ooms) and self.exit_code == 0

    @property
    def rate(self) -> float:
        return self.inputs / self.seconds if self.seconds else 0.0


def libfuzzer_dict(tokens: list[bytes]) -> str:
    """A libFuzzer dictionary: one quoted token per line, bytes outside printable ASCII escaped."""
    lines = []
    for token in dict.fromkeys(tokens):
        if not token or len(token) > 64:
            continue
        escaped = "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\x{b:02x}" for b in token)
        lines.append(f'"{escaped}"')
    return "\n".join(lines) + "\n"


def prepare_seeds(name: str, folder: Path) -> int:
    sys.path.insert(0, str(SCRIPTS))
    import fuzz_targets

    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for seed_name, data in fuzz_targets.seeds(name):
        (folder / re.sub(r"[^\w.-]", "_", seed_name)).write_bytes(data)
        count += 1
    for seed_name, make in fuzz_targets.GENERATED.get(name, []):
        data = make()
        if len(data) <= 256 * 1024:  # the monsters of 1 MB are for the test suite: they slow every mutation
            (folder / f"gen-{seed_name}").write_bytes(data)
            count += 1
    return count


def parse_log(text: str, outcome: Outcome, artifacts: Path, since: float) -> None:
    stats = dict(re.findall(r"^stat::(\w+):\s*(\S+)", text, re.M))
    if "number_of_executed_units" in stats:
        outcome.inputs += int(stats["number_of_executed_units"])
    else:
        done = re.findall(r"^Done (\d+) runs", text, re.M) or re.findall(r"^#(\d+)\s", text, re.M)
        outcome.inputs += int(done[-1]) if done else 0
    if "peak_rss_mb" in stats:
        outcome.peak_rss_mb = max(outcome.peak_rss_mb, float(stats["peak_rss_mb"]))
    timeout = bool(re.search(r"ERROR: libFuzzer: timeout|^Timeout \(\d", text, re.M))
    oom = bool(re.search(r"ERROR: libFuzzer: out-of-memory|^OOM: ", text, re.M))
    crash = bool(re.search(r"Uncaught Python exception|ERROR: libFuzzer: (deadly signal|fuzz target exited)"
                           r"|^CRASH: ", text, re.M))
    outcome.timeouts += timeout
    outcome.ooms += oom
    outcome.crashes += crash and not (timeout or oom)
    if crash or timeout or oom:
        head = re.search(r"(=== Uncaught Python exception: ===|^CRASH: |ERROR: libFuzzer: \S+|^Timeout \(|^OOM: )"
                         r"(.*\n){0,40}", text, re.M)
        if head and not outcome.first_error:
            outcome.first_error = head.group(0).strip()
    for path in sorted(artifacts.glob(f"{outcome.target}-*")):
        if path.stat().st_mtime >= since and path.suffix != ".log" and str(path) not in outcome.artifacts \
                and re.match(rf"{re.escape(outcome.target)}-(crash|timeout|oom|slow-unit|leak)-", path.name):
            outcome.artifacts.append(str(path))


def run_target(name: str, args, tmp: Path) -> Outcome:
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if have_atheris() else "random"
    document = name in ("text", "markdown", "html", "pdf", "docx", "xlsx", "image")
    outcome = Outcome(name, args.stage if document or args.stage == "load" else "full", engine)
    seeds = tmp / f"seeds-{name}"
    count = prepare_seeds(name, seeds)
    corpus = Path(args.corpus) / name if args.corpus else tmp / f"corpus-{name}"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts = Path(args.artifacts)
    artifacts.mkdir(parents=True, exist_ok=True)
    log_path = Path(args.log_dir or artifacts) / (f"{name}-{outcome.stage}.log" if outcome.stage in ("extract", "load") else f"{name}.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    outcome.log = str(log_path)
    print(f"== {name}: {count} seeds, {args.runs} runs, engine {engine}, stage {outcome.stage}; log {log_path}",
          flush=True)
    remaining, attempts = args.runs, 0
    start = time.time()
    with open(log_path, "w") as log:
        while remaining > 0 and attempts <= args.restarts:
            attempts += 1
            command = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--engine", engine,
                       "--stage", args.stage, "--runs", str(remaining), "--timeout", str(args.timeout),
                       "--rss-limit-mb", str(args.rss_limit_mb), "--artifacts", str(artifacts),
                       "--seed", str(args.seed + attempts - 1), str(corpus), str(seeds)]
            if args.plant:
                command[-2:-2] = ["--plant", args.plant]
            max_len = args.max_len or DEFAULT_MAX_LEN.get(name, 0)
            if max_len:
                command[-2:-2] = ["--max-len", str(max_len)]
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            since = time.time()
            env = dict(os.environ, PYTHONPATH=str(ROOT), AUDITOR_OCR_THREADS="1", OMP_NUM_THREADS="1")
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT))
            _pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            log.flush()
            text = log_path.read_text(errors="replace").split(f"$ {' '.join(command)}\n", 1)[-1]
            if engine == "random" and re.search(r"^Timeout \(\d", text, re.M):
                save_timeout_artifact(name, artifacts)
            before = outcome.inputs
            parse_log(text, outcome, artifacts, since - 1)
            outcome.peak_rss_mb = max(outcome.peak_rss_mb, usage.ru_maxrss / 1024)
            outcome.exit_code = process.returncode
            remaining -= max(outcome.inputs - before, 1)
            if process.returncode == 0:
                break
            if not (outcome.crashes or outcome.timeouts or outcome.ooms):
                outcome.crashes += 1  # died without saying why
                outcome.first_error = outcome.first_error or f"child exited with {process.returncode}"
                break
            if attempts <= args.restarts and remaining > 0:
                log.write(f"\n# restarting after a failure ({remaining} runs left)\n")
    outcome.seconds = time.time() - start
    if not outcome.ok and outcome.exit_code == 0:
        outcome.exit_code = 1
    return outcome


def format_table(outcomes: list[Outcome], args) -> str:
    lines = [f"Fuzz run: timeout {args.timeout} s per input, RSS limit {args.rss_limit_mb} MB, "
             f"{time.strftime('%Y-%m-%d %H:%M:%S')}", "",
             "| target | stage | engine | inputs | crashes | timeouts | OOM | peak RSS MB | seconds | exec/s | result |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for o in outcomes:
        lines.append(f"| {o.target} | {o.stage} | {o.engine} | {o.inputs} | {o.crashes} | {o.timeouts} | {o.ooms} "
                     f"| {o.peak_rss_mb:.0f} | {o.seconds:.0f} | {o.rate:.1f} | {'ok' if o.ok else 'FAILED'} |")
    for o in outcomes:
        if not o.ok:
            lines += ["", f"### {o.target}: {', '.join(o.artifacts) or 'no reproducer saved'}", "", "```",
                      o.first_error[:3000], "```", f"log: {o.log}"]
    return "\n".join(lines) + "\n"


# The long run of the hardening issue. At the measured speed (2 shared cores, atheris: 6-15
# inputs/s for a whole audit of a real report) 100,000 whole audits per text surface would take
# many hours, so those surfaces get 100,000 inputs of load + extract and 10,000 whole audits.
LONG_PLAN = ("pdf:2000,docx:2000,xlsx:2000,image:2000,text:10000,markdown:10000,html:10000,"
             "expr:100000,rules:100000,text@extract:100000,markdown@extract:100000,html@extract:100000")


def parse_plan(text: str, default_stage: str) -> list[tuple[str, str, int]]:
    """``target[@stage]:runs,…`` (``long`` for LONG_PLAN) -> [(target, stage, runs)]."""
    plan = []
    for item in (LONG_PLAN if text == "long" else text).split(","):
        spec, _, runs = item.strip().partition(":")
        name, _, stage = spec.partition("@")
        if name not in ALL_TARGETS or stage not in ("", "audit", "extract", "load") or not runs.isdigit():
            raise SystemExit(f"bad plan item {item!r}: target[@audit|@extract]:runs")
        plan.append((name, stage or default_stage, int(runs)))
    return plan


def parent(args) -> int:
    if args.plan:
        plan = parse_plan(args.plan, args.stage)
    else:
        names = ALL_TARGETS if args.target == "all" else tuple(args.target.split(","))
        unknown = [n for n in names if n not in ALL_TARGETS]
        if unknown:
            raise SystemExit(f"unknown target(s): {', '.join(unknown)}; choose from {', '.join(ALL_TARGETS)} or all")
        plan = [(name, args.stage, args.runs) for name in names]
    if args.engine == "atheris" and not have_atheris():
        raise SystemExit("atheris is not installed: pip install 'auditor[fuzz]' (or use --engine random)")
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        for name, stage, runs in plan:
            outcome = run_target(name, argparse.Namespace(**{**vars(args), "stage": stage, "runs": runs}), Path(tmp))
            outcomes.append(outcome)
            print(f"   {name}: {outcome.inputs} inputs, {outcome.crashes} crashes, {outcome.timeouts} timeouts, "
                  f"{outcome.ooms} OOM, peak RSS {outcome.peak_rss_mb:.0f} MB, {outcome.seconds:.0f} s "
                  f"({outcome.rate:.1f}/s){'' if outcome.ok else '  FAILED: ' + ', '.join(outcome.artifacts)}",
                  flush=True)
            if args.summary:
                Path(args.summary).write_text(format_table(outcomes, args))
    table = format_table(outcomes, args)
    print(table)
    if args.summary:
        Path(args.summary).write_text(table)
    return 0 if all(o.ok for o in outcomes) else 1


# ------------------------------------------------------------------------------- child: atheris


def planted(target, fault: str | None):
    """The target with a planted fault, to check the harness itself: ``crash`` raises, ``hang``
    sleeps past any timeout, ``oom`` holds 400 MB (test with --rss-limit-mb 256), on about one input in five."""
    if not fault:
        return target

    def run(data: bytes):
        if len(data) % 5 == 2:
            if fault == "crash":
                raise RuntimeError(f"planted fault on {len(data)} bytes")
            if fault == "hang":
                time.sleep(3600)
            if fault == "oom":
                hog = bytearray(400 * 1024 * 1024)
                hog[::4096] = b"x" * len(hog[::4096])
                run.hog = hog
        return target(data)

    return run


def _instrumented_import(name: str) -> None:
    """Import the auditor package (every submodule: the loaders import theirs lazily) under
    atheris's instrumentation, and the pure-Python parsers the target leans on."""
    import atheris
    import pkgutil

    include = ["auditor"] + EXTRA_INSTRUMENT.get(name, [])
    with atheris.instrument_imports(include=include):
        import auditor

        for module in pkgutil.walk_packages(auditor.__path__, "auditor."):
            if module.name.startswith("auditor.corpus.scale") or module.name.endswith("__main__"):
                continue
            try:
                __import__(module.name)
            except Exception:  # an optional extra this machine lacks
                pass
        for extra in EXTRA_INSTRUMENT.get(name, []):
            try:
                __import__(extra)
            except ImportError:
                pass


def child_atheris(args) -> None:
    import random

    import atheris

    _instrumented_import(args.child)
    sys.path.insert(0, str(SCRIPTS))
    import fuzz_targets

    target = planted(fuzz_targets.target(args.child, args.stage), args.plant)
    fuzz_targets.warm_up(args.child)
    dictionary = Path(args.artifacts) / f".{args.child}.dict"
    dictionary.write_text(libfuzzer_dict(fuzz_targets.tokens_for(args.child)))

    def test_one_input(data: bytes) -> None:
        target(data)

    structured = fuzz_targets.structured_mutator(args.child)
    kwargs = {}
    if structured is not None:
        def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
            rng = random.Random(seed)

            def inner(chunk: bytes) -> bytes:
                return atheris.Mutate(chunk, max(len(chunk) * 2, 64))

            return structured(data, rng, inner)[:max_size]

        kwargs["custom_mutator"] = custom_mutator
    argv = [sys.argv[0], f"-runs={args.runs}", f"-timeout={args.timeout}", f"-rss_limit_mb={args.rss_limit_mb}",
            f"-artifact_prefix={Path(args.artifacts) / (args.child + '-')}", "-print_final_stats=1",
            f"-dict={dictionary}", f"-seed={args.seed}", "-report_slow_units=1000000"]
    if args.max_len:
        argv.append(f"-max_len={args.max_len}")
    argv += args.dirs
    atheris.Setup(argv, test_one_input, **kwargs)
    atheris.Fuzz()


# ------------------------------------------------------------------------------- child: own mutation


def child_random(args) -> int:
    import faulthandler
    import random
    import resource
    import traceback

    sys.path.insert(0, str(SCRIPTS))
    import fuzz_targets

    target = planted(fuzz_targets.target(args.child, args.stage), args.plant)
    fuzz_targets.warm_up(args.child)
    corpus = []
    for folder in args.dirs:
        corpus += [p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()]
    if not corpus:
        corpus = [b""]
    rng = random.Random(args.seed)
    artifacts = Path(args.artifacts)
    current = artifacts / f".{args.child}.current"
    prefix = artifacts / f"{args.child}-"
    limit_kb = args.rss_limit_mb * 1024
    start = time.time()
    executed = 0
    slowest = 0.0
    status = 0
    for index in range(args.runs):
        data = corpus[index] if index < len(corpus) else \
            fuzz_targets.random_mutation(args.child, rng.choice(corpus), rng, corpus)
        if args.max_len:
            data = data[:args.max_len]
        current.write_bytes(data)
        faulthandler.dump_traceback_later(args.timeout, exit=True)
        began = time.time()
        try:
            target(data)
        except Exception:
            faulthandler.cancel_dump_traceback_later()
            digest = hashlib.sha1(data).hexdigest()
            path = Path(f"{prefix}crash-{digest}")
            path.write_bytes(data)
            print(f"CRASH: input #{index} ({len(data)} bytes) saved to {path}")
            traceback.print_exc(file=sys.stdout)
            executed += 1
            status = 1
            break
        faulthandler.cancel_dump_traceback_later()
        slowest = max(slowest, time.time() - began)
        executed += 1
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if rss > limit_kb:
            digest = hashlib.sha1(data).hexdigest()
            path = Path(f"{prefix}oom-{digest}")
            path.write_bytes(data)
            print(f"OOM: peak RSS {rss // 1024} MB after input #{index} ({len(data)} bytes), saved to {path}")
            status = 1
            break
        if executed % 1000 == 0:
            print(f"#{executed} rss {rss // 1024} MB, {executed / (time.time() - start):.1f}/s", flush=True)
    seconds = time.time() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"Done {executed} runs in {seconds:.0f} second(s)")
    print(f"stat::number_of_executed_units: {executed}")
    print(f"stat::average_exec_per_sec:     {executed / seconds if seconds else 0:.0f}")
    print(f"stat::slowest_unit_time_sec:    {slowest:.2f}")
    print(f"stat::peak_rss_mb:              {rss // 1024}")
    sys.stdout.flush()
    current.unlink(missing_ok=True)
    return status


def save_timeout_artifact(name: str, artifacts: Path) -> None:
    """After the watchdog killed a random-engine child, keep the input it was working on."""
    current = artifacts / f".{name}.current"
    if current.exists():
        data = current.read_bytes()
        shutil.copyfile(current, artifacts / f"{name}-timeout-{hashlib.sha1(data).hexdigest()}")
        current.unlink()


# ------------------------------------------------------------------------------- replay


def replay(args) -> int:
    import traceback

    sys.path.insert(0, str(SCRIPTS))
    import fuzz_targets

    names = ALL_TARGETS if args.target == "all" else tuple(args.target.split(","))
    data = Path(args.replay).read_bytes()
    status = 0
    for name in names:
        started = time.time()
        try:
            result = fuzz_targets.target(name, args.stage)(data)
            summary = sorted({f.code for f in result.findings}) if hasattr(result, "findings") else type(result).__name__
            print(f"{name}: ok in {time.time() - started:.2f} s: {summary}")
        except Exception:
            print(f"{name}: CRASH after {time.time() - started:.2f} s")
            traceback.print_exc()
            status = 1
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="all", help=f"one of {', '.join(ALL_TARGETS)}, a comma list, or all")
    parser.add_argument("--runs", type=int, default=1000, help="inputs per target (seeds included)")
    parser.add_argument("--plan", default=None,
                        help="several runs in a row: 'target[@stage]:runs,…', or 'long' for the hardening run")
    parser.add_argument("--timeout", type=int, default=5, help="seconds per input before it counts as a hang")
    parser.add_argument("--rss-limit-mb", type=int, default=1024, help="peak RSS of a child that counts as a crash")
    parser.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    parser.add_argument("--stage", choices=("audit", "extract", "load"), default="audit",
                        help="document targets: the whole audit_file, or only load_bytes + extract (faster)")
    parser.add_argument("--artifacts", default="/tmp/fuzz-artifacts", help="folder for reproducers")
    parser.add_argument("--log-dir", default=None, help="folder for the per-target logs (default: --artifacts)")
    parser.add_argument("--summary", default=None, help="write the summary table (Markdown) here")
    parser.add_argument("--corpus", default=None, help="keep the growing corpus here (per target), not in a temp dir")
    parser.add_argument("--max-len", type=int, default=0, help="longest input (default: libFuzzer's guess from seeds)")
    parser.add_argument("--restarts", type=int, default=0, help="after a crash, go on with the remaining runs this many times")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replay", default=None, help="run one saved input through --target and show the outcome")
    parser.add_argument("--plant", choices=("crash", "hang", "oom"), default=None,
                        help="plant a fault in the target, to check that the harness reports it")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("dirs", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args)
    if args.child:
        if args.engine == "atheris":
            child_atheris(args)
            return 0
        return child_random(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
