"""Fuzzing, short version: every input surface (the seven loaders through the whole audit, the
rule-file parser, the expression evaluator) on mutations of the real reports, rule files and
expressions, and on generated monsters (deep nesting, huge spans, 10,000-cell tables, enormous
numbers). The long run is a script: ``python scripts/fuzz.py --target all --runs 100000``.

A target (scripts/fuzz_targets.py) raises only for a crash: an exception other than LoadError /
RuleError, an ``internal-error`` finding, or a finding code no catalogue knows. Each test also
checks that the outcome makes sense, and that no input takes more than HANG seconds.
"""
from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))

import fuzz_targets as ft  # noqa: E402

from auditor.pipeline import audit_file  # noqa: E402
from auditor.catalogue import CATALOGUE  # noqa: E402
from auditor.model.findings import AuditResult  # noqa: E402
from auditor.load import LoadError  # noqa: E402
from auditor.model.report import Report  # noqa: E402
from auditor.ruleset import RuleError  # noqa: E402
from auditor.ruleset.loader import Rule  # noqa: E402

HANG = 5.0  # seconds: an input taking longer is a hang (as in the long run's -timeout)
FAST = settings(deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Examples per target in the suite, and in the slow (-m slow) run.
EXAMPLES = {"text": 60, "markdown": 30, "html": 40, "pdf": 15, "docx": 20, "xlsx": 40, "image": 12,
            "rules": 100, "expr": 300}
SLOW_FACTOR = 10


_SEEDS: dict[str, list[tuple[str, bytes]]] = {}


def seeds(name: str) -> list[tuple[str, bytes]]:
    if name not in _SEEDS:
        _SEEDS[name] = ft.seeds(name)
    return _SEEDS[name]


@st.composite
def mutated(draw, name: str) -> bytes:
    """A seed of the target with one to four mutations (format-aware for DOCX/XLSX/PNG)."""
    found = seeds(name)
    _, base = draw(st.sampled_from(found))
    rng = draw(st.randoms(use_true_random=False))
    return ft.random_mutation(name, base, rng, [data for _, data in found])


def run(name: str, data: bytes, stage: str = "audit"):
    started = time.perf_counter()
    outcome = ft.target(name, stage)(data)
    elapsed = time.perf_counter() - started
    assert elapsed < HANG, f"{name}: {len(data)} bytes took {elapsed:.1f} s"
    return outcome


def check_audit(result: AuditResult, suffix: str) -> None:
    """What an audit of any bytes looks like: a result for the file, every finding with a message;
    a file that could not be read is that one finding, no table and no relation checked."""
    assert isinstance(result, AuditResult)
    assert result.file == f"fuzz{suffix}"
    unreadable = [f for f in result.findings if f.kind in ("file", "limit") and f.code != "FORMAT-MISMATCH"
                  and f.severity.value == "error"]
    if unreadable:
        assert result.findings == unreadable[:1] and not result.tables, result.findings
    for finding in result.findings:
        assert finding.message and finding.severity


def check_loader(outcome) -> None:
    """The loader stage: a Report, or a LoadError with a catalogue code (None: nesting too deep)."""
    assert outcome is None or isinstance(outcome, (Report, LoadError))
    if isinstance(outcome, LoadError):
        assert outcome.code.upper() in CATALOGUE and outcome.message and outcome.message_en


# ------------------------------------------------------------------------------- the registry


def test_every_surface_has_a_target_and_seeds():
    assert set(ft.TARGETS) == {"text", "markdown", "html", "pdf", "docx", "xlsx", "image", "rules", "expr"}
    for name in ft.TARGETS:
        assert seeds(name), name
    assert len(seeds("expr")) >= 15  # every expr of rules/checks and the hand-written ones


def test_binary_seeds_in_tests_data_fuzz_are_current_and_readable():
    """The DOCX/XLSX/PNG seeds load; the office ones carry the gold tables (no finding on yichun)."""
    for name in ("docx", "xlsx"):
        for seed_name, data in seeds(name):
            result = run(name, data)
            # the seeds hold tables 3 and 4 only: table 2 is reported not assessable, and nothing else
            assert not [f for f in result.findings if f.kind == "file" or f.code == "TABLE-ABSENT"
                        and not f.message_en.startswith("table2 ")], seed_name
            if seed_name.startswith("yichun"):
                # and, as a document: parts 三, 四 and an empty 五 only (一, 二, 六 missing), no 工作要点 or 整改
                assert [f.message_en[:25] for f in result.findings if f.code == "TABLE-ABSENT"] == \
                    ["table2 not assessable: no"]
                assert sorted(f.code for f in result.findings) == ["DOC-GOV-CONTENT"] * 2 + ["DOC-PART-EMPTY"] + \
                    ["DOC-PART-MISSING"] * 3 + ["TABLE-ABSENT"]
    for seed_name, data in seeds("image"):
        assert data.startswith(b"\x89PNG"), seed_name


# ------------------------------------------------------------------------------- unmodified seeds


def _shape(result: AuditResult) -> list[tuple]:
    return [(f.code, f.status, f.relation, tuple(sorted(f.bindings.items()))) for f in result.findings]


@pytest.mark.parametrize("name", ["text", "markdown", "html"])
def test_an_unmodified_seed_audits_as_the_original_file(name):
    rules = list(ft.rules())
    for seed_name, data in seeds(name):
        path = ft.DATA / seed_name
        if not path.exists():
            continue
        assert _shape(run(name, data)) == _shape(audit_file(path, rules, ft.CONFIG)), seed_name


def test_shipped_rule_files_load_and_broken_fixtures_do_not():
    shipped = {path.name for path in (ft.ROOT / "rules" / "checks").glob("*.yaml")}
    for seed_name, data in seeds("rules"):
        outcome = run("rules", data)
        assert len(outcome) == 2  # the bytes as .yaml and as .toml
        if seed_name in shipped:
            assert all(isinstance(rule, Rule) for rule in outcome[0]) and outcome[0]
            assert isinstance(outcome[1], RuleError)  # YAML is no TOML
        if seed_name.startswith(("bad_", "unclosed", "alias_bomb")):
            assert isinstance(outcome[0 if seed_name.endswith(".yaml") else 1], RuleError)


def test_shipped_expressions_compile_and_hold_on_the_real_reports():
    """Every expr of rules/checks builds into a rule; both real reports pass every relation."""
    checks = ft.rule_expressions([ft.ROOT / "rules" / "checks"])
    assert checks
    for text in checks:
        findings = run("expr", text.encode())
        assert findings is not None, text
        assert [f for f in findings if f.status.value == "failed"] == [], text


# ------------------------------------------------------------------------------- mutations


def _mutation_test(name: str, examples: int):
    suffix = ft.SUFFIXES[name]

    @settings(FAST, max_examples=examples)
    @given(data=mutated(name), loader_too=st.booleans())
    def test(data, loader_too):
        check_audit(run(name, data), suffix)
        if loader_too:
            check_loader(run(name, data, stage="extract"))

    return test


@pytest.mark.parametrize("name", ft.DOCUMENT_TARGETS)
def test_mutated_documents_never_crash_the_audit(name):
    _mutation_test(name, EXAMPLES[name])()


@pytest.mark.slow
@pytest.mark.parametrize("name", ft.DOCUMENT_TARGETS)
def test_mutated_documents_never_crash_the_audit_long(name):
    _mutation_test(name, EXAMPLES[name] * SLOW_FACTOR)()


def _rules_test(examples: int):
    @settings(FAST, max_examples=examples)
    @given(data=mutated("rules"))
    def test(data):
        outcome = run("rules", data)
        for parsed in outcome:
            if isinstance(parsed, RuleError):
                assert str(parsed)
                if parsed.code.startswith("RULE-"):
                    assert parsed.code in CATALOGUE
            else:
                assert all(isinstance(rule, Rule) for rule in parsed)

    return test


def _expr_test(examples: int):
    @settings(FAST, max_examples=examples)
    @given(data=st.one_of(mutated("expr"), st.binary(max_size=200),
                          st.text(alphabet=st.sampled_from(list("table34.$()+-*/<=>!= sumintegrmetaxynot0123456789_")),
                                  max_size=120).map(str.encode)))
    def test(data):
        findings = run("expr", data)
        assert findings is None or all(f.code == "FUZZ-EXPR" for f in findings)

    return test


def test_mutated_rule_files_load_or_raise_rule_error():
    _rules_test(EXAMPLES["rules"])()


def test_mutated_expressions_compile_or_raise_rule_error():
    _expr_test(EXAMPLES["expr"])()


@pytest.mark.slow
def test_mutated_rules_and_expressions_long():
    _rules_test(EXAMPLES["rules"] * SLOW_FACTOR)()
    _expr_test(EXAMPLES["expr"] * SLOW_FACTOR)()


# ------------------------------------------------------------------------------- generated monsters


def _generated(slow: bool):
    cases = []
    for name, makers in ft.GENERATED.items():
        for case, make in makers:
            heavy = case in ("deep-div-100000", "one-line-1MB", "deep-table-5000")
            if heavy == slow:
                cases.append(pytest.param(name, case, make, id=f"{name}-{case}"))
    return cases


@pytest.mark.parametrize("name,case,make", _generated(slow=False))
def test_generated_inputs(name, case, make):
    outcome = run(name, make())
    if name in ft.SUFFIXES:
        check_audit(outcome, ft.SUFFIXES[name])


@pytest.mark.slow
@pytest.mark.parametrize("name,case,make", _generated(slow=True))
def test_generated_inputs_heavy(name, case, make):
    outcome = run(name, make())
    check_audit(outcome, ft.SUFFIXES[name])


def test_a_table_of_ten_thousand_cells_is_read_or_refused_with_a_code():
    result = run("html", ft.many_cells_html(10_000))
    codes = {f.code for f in result.findings}
    assert codes <= set(CATALOGUE) | {r.code for r in ft.rules()}
    check_loader(run("html", ft.many_cells_html(10_000), stage="extract"))


def test_small_images_of_every_size():
    for width, height in ((1, 1), (64, 64), (300, 200), (17, 311)):
        check_audit(run("image", ft.make_png(width, height, columns=3, rows=2)), ".png")


def test_mutators_keep_the_container_valid():
    """DOCX/XLSX stay zips and PNGs keep valid chunk checksums most of the time: the mutation
    reaches the XML and the pixels instead of dying at the container."""
    import io
    import zipfile

    from PIL import Image

    rng = random.Random(7)
    for name in ("docx", "xlsx"):
        data = seeds(name)[0][1]
        valid = 0
        for _ in range(20):
            try:
                zipfile.ZipFile(io.BytesIO(ft.random_mutation(name, data, rng))).testzip()
                valid += 1
            except Exception:  # BadZipFile, or ValueError/EOFError for a damaged directory
                pass
        assert valid >= 12, name
    data = seeds("image")[0][1]
    opened = 0
    for _ in range(20):
        try:
            Image.open(io.BytesIO(ft.random_mutation("image", data, rng))).load()
            opened += 1
        except Exception:
            pass
    assert opened >= 3


# ------------------------------------------------------------------------------- the script


def test_the_script_runs_a_target_with_its_own_mutation_engine(tmp_path):
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / "fuzz.py"), "--target", "expr,xlsx", "--runs", "60", "--engine", "random",
         "--artifacts", str(tmp_path), "--summary", str(tmp_path / "summary.md")],
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "| expr | full | random | 60 | 0 | 0 | 0 |" in summary
    assert "| xlsx | audit | random | 60 | 0 | 0 | 0 |" in summary


@pytest.mark.parametrize("fault,column", [("crash", "crashes"), ("hang", "timeouts")])
def test_the_script_reports_a_planted_fault_with_its_reproducer(tmp_path, fault, column):
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / "fuzz.py"), "--target", "expr", "--runs", "100", "--engine", "random",
         "--plant", fault, "--timeout", "1", "--artifacts", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    saved = list(tmp_path.glob(f"expr-{'crash' if fault == 'crash' else 'timeout'}-*"))
    assert len(saved) == 1 and len(saved[0].read_bytes()) % 5 == 2  # the input the planted fault fires on
    assert "FAILED" in completed.stdout and str(saved[0]) in completed.stdout


def test_the_log_parser_counts_a_crash(tmp_path, monkeypatch):
    """The parent reads the child's log: inputs, the kind of failure, its traceback, the reproducer."""
    import importlib.util

    fuzz = importlib.util.spec_from_file_location("fuzz_script", SCRIPTS / "fuzz.py")
    module = importlib.util.module_from_spec(fuzz)
    monkeypatch.setitem(sys.modules, "fuzz_script", module)
    fuzz.loader.exec_module(module)
    outcome = module.Outcome("expr", "full", "random")
    (tmp_path / "expr-crash-abc").write_bytes(b"x")
    module.parse_log("CRASH: input #3 (1 bytes) saved to x\nTraceback (most recent call last):\nValueError: boom\n"
                     "stat::number_of_executed_units: 4\n", outcome, tmp_path, 0)
    assert outcome.crashes == 1 and outcome.inputs == 4 and not outcome.ok
    assert "ValueError: boom" in outcome.first_error
    assert outcome.artifacts == [str(tmp_path / "expr-crash-abc")]


@pytest.mark.slow
def test_the_script_runs_atheris(tmp_path):
    pytest.importorskip("atheris")
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / "fuzz.py"), "--target", "expr", "--runs", "300", "--engine", "atheris",
         "--artifacts", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "| expr | full | atheris | 300 | 0 | 0 | 0 |" in completed.stdout


@pytest.mark.slow
@pytest.mark.parametrize("fault,kind,extra", [("crash", "crash", []), ("hang", "timeout", ["--timeout", "2"]),
                                              ("oom", "oom", ["--rss-limit-mb", "256"])])
def test_atheris_reports_a_planted_fault(tmp_path, fault, kind, extra):
    pytest.importorskip("atheris")
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / "fuzz.py"), "--target", "expr", "--runs", "300", "--engine", "atheris",
         "--plant", fault, "--artifacts", str(tmp_path), *extra], capture_output=True, text=True, timeout=600)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert len(list(tmp_path.glob(f"expr-{kind}-*"))) == 1
