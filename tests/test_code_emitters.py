"""Every code auditor can emit is in the catalogue (rules/catalogue.yaml or a shipped rule file).

Three nets, so a new code cannot slip through unregistered:
1. the source: an AST scan of auditor/ for the codes handed to the emitters (findings, problem
   findings, extraction notes, loader errors, rule/config/usage errors, ``{"code": …}`` notes);
2. the data: the codes of every shipped rule file and of the narrative vocabulary;
3. the output: the codes of every finding when auditing the reports of examples/, tests/data and the
   shared corpus (text, HTML, Markdown).
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from auditor.pipeline import audit_file
from auditor.catalogue import builtin, everything, lookup, shipped_rule_paths
from auditor.cli.main import main
from auditor.policy import RunConfig
from auditor.check.narrative.claims import load_vocabulary
from auditor.ruleset import load_default_rules, load_rule_files
from conftest import CORPUS, DATA

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "auditor"
# Callables taking a code, and the position of that argument; ``code=`` carries one in any call.
EMITTERS = {"problem_finding": 0, "LoadError": 0, "RuleError": 0, "ConfigError": 0, "usage_error": 0,
            "_failure": 1, "Problem": 0, "UnknownCodeError": 0}
CODE_KEYWORD = "code"
# A code expression the scan cannot read must pass a code through (``error.code``, a ``code`` variable,
# ``code.upper()``) or read one from data (claims.yaml's ``entry["code"]``, checked by the data test below;
# a row of the store):
# a computed code (an f-string, a concatenation) would escape the catalogue.
PASS_THROUGH = {"code", "CODE"}
CODE_SHAPE = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)+\Z")  # a {"code": …} dict is a note when its value looks so


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "literal"`` assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _code_expressions(tree: ast.AST):
    """(expression, line) for every code handed to an emitter."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else None
            if function in EMITTERS and len(node.args) > EMITTERS[function]:
                yield node.args[EMITTERS[function]], node.lineno
            for keyword in node.keywords:
                if keyword.arg == CODE_KEYWORD:
                    yield keyword.value, node.lineno
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == CODE_KEYWORD and not (
                        isinstance(value, ast.Constant) and not CODE_SHAPE.match(str(value.value))):
                    yield value, node.lineno  # not labels such as {"code": "代码"}


def scan(sources: dict[str, str]) -> tuple[dict[str, list[str]], list[str]]:
    """({code: [where…]} of every code the sources emit, [where… of code expressions the scan cannot read])."""
    trees = {name: ast.parse(text) for name, text in sources.items()}
    constants: dict[str, str] = {}
    for tree in trees.values():  # constants are imported across modules (USAGE_FORMAT, RULE_VALUE…)
        constants.update(_string_constants(tree))
    codes: dict[str, list[str]] = {}
    unreadable = []
    for name, tree in trees.items():
        for expression, line in _code_expressions(tree):
            where = f"{name}:{line}"
            if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
                codes.setdefault(expression.value, []).append(where)
            elif isinstance(expression, ast.Name) and expression.id in constants:
                codes.setdefault(constants[expression.id], []).append(where)
            elif isinstance(expression, ast.Attribute) and expression.attr in constants:
                codes.setdefault(constants[expression.attr], []).append(where)
            elif isinstance(expression, ast.Attribute) and (expression.attr.endswith("code") or expression.attr == "CODE"):
                continue  # a code passed through: error.code, claim.code, self.vocabulary.not_checked_code
            elif isinstance(expression, ast.Name) and expression.id in PASS_THROUGH:
                continue
            elif isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute) and \
                    isinstance(expression.func.value, ast.Name) and expression.func.value.id in PASS_THROUGH:
                continue  # code.upper()
            elif any(isinstance(part, ast.Subscript) for part in ast.walk(expression)):
                continue  # read from data: claims.yaml's entry["code"], a store row
            elif isinstance(expression, ast.BoolOp) and all(isinstance(v, (ast.Name, ast.Attribute))
                                                            for v in expression.values):
                continue  # ``code or claim.code``
            else:
                unreadable.append(f"{where}: {ast.unparse(expression)}")
    return codes, unreadable


def package_sources() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py"))}


def uncatalogued(codes) -> list[str]:
    return sorted(code for code in codes if lookup(code) is None)


# ------------------------------------------------------------------------------ 1. the source


def test_every_code_literal_in_the_source_is_catalogued():
    codes, unreadable = scan(package_sources())
    assert unreadable == [], "a computed code escapes the catalogue"
    missing = {code: codes[code] for code in uncatalogued(codes)}
    assert missing == {}, "add these codes to rules/catalogue.yaml"
    # the scan sees every kind of emitter: loaders, limits, extraction notes, problem findings, the
    # narrative, the old tables, usage, configuration and rule errors
    for code in ("file-empty", "LIMIT-TIME", "row-width", "FORMAT-MISMATCH", "FILE-DAMAGED-PAGES", "PRE-2019",
                 "internal-error", "WORKER-LOST", "PRE-TABLE-SUM", "USAGE-FORMAT", "USAGE-UNKNOWN-CODE",
                 "CONFIG-VALUE", "CONFIG-UNKNOWN-CODE", "RULE-VALUE", "RULE-DUPLICATE-CODE"):
        assert code in codes, code


def test_the_scan_catches_a_new_uncatalogued_code():
    source = (
        'NEW = "LIMIT-NEW-THING"\n'
        'def f(note):\n'
        '    raise LoadError(NEW, "zh", "en")\n'
        'def g():\n'
        '    return problem_finding("FILE-GONE", "zh", "en")\n'
        'def h():\n'
        '    notes = [{"code": "FILE-HALF", "details": {}}]\n'
        '    return Finding(code="N-NEW-CLAIM", name="n")\n'
        'def i(n):\n'
        '    usage_error(f"USAGE-{n}", "zh", "en", "zh")\n')
    codes, unreadable = scan({"new.py": source})
    assert uncatalogued(codes) == ["FILE-GONE", "FILE-HALF", "LIMIT-NEW-THING", "N-NEW-CLAIM"]
    assert codes["LIMIT-NEW-THING"] == ["new.py:3"]
    assert unreadable == ["new.py:10: f'USAGE-{n}'"]


# ------------------------------------------------------------------------------ 2. the data


def test_every_rule_file_and_narrative_code_is_catalogued():
    catalogue = everything()
    rules = load_rule_files(shipped_rule_paths())
    assert {rule.code for rule in load_default_rules()} <= {rule.code for rule in rules}
    for rule in rules:
        problem = catalogue[rule.code]
        assert (problem.severity, problem.title_zh, problem.title_en) == (rule.severity, rule.title_zh, rule.title_en)
    vocabulary = load_vocabulary()
    narrative = {spec.code for spec in vocabulary.claims.values()} | {
        vocabulary.percent_code, vocabulary.yoy_code, vocabulary.list_code, vocabulary.list_code_pre2019,
        vocabulary.not_checked_code}
    assert uncatalogued(narrative) == []
    assert {catalogue[code].kind for code in narrative} == {"narrative"}
    assert len(narrative) == 12


def test_catalogue_file_codes_and_rule_codes_do_not_overlap():
    rule_codes = {rule.code for rule in load_rule_files(shipped_rule_paths())}
    assert rule_codes and not rule_codes & set(builtin())


# ------------------------------------------------------------------------------ 3. the output


def report_files() -> list[Path]:
    suffixes = {".txt", ".html", ".htm", ".md"}
    folders = [ROOT / "examples", DATA, CORPUS]
    return sorted({path for folder in folders if folder.is_dir() for path in folder.iterdir()
                   if path.suffix in suffixes and path.is_file() and path.name != "README.md"})


def test_every_code_emitted_on_the_real_reports_is_catalogued():
    files = report_files()
    assert len(files) >= 15
    emitted: dict[str, str] = {}
    for path in files:
        for finding in audit_file(path, load_default_rules(), RunConfig()).findings:
            emitted.setdefault(finding.code, path.name)
    assert {code: emitted[code] for code in uncatalogued(emitted)} == {}
    assert {"T3-BALANCE", "N-NOT-CHECKED", "PRE-2019"} <= set(emitted), sorted(emitted)


def test_sarif_describes_narrative_codes_from_the_catalogue():
    # before the catalogue held N-* codes, SARIF gave them level "error" and their code as title
    result = CliRunner().invoke(main, ["check", "--format", "sarif", "--lang", "en",
                                       str(ROOT / "examples" / "shanghai-bgt-2019.html")])
    rules = {rule["id"]: rule for rule in json.loads(result.output)["runs"][0]["tool"]["driver"]["rules"]}
    assert {"N-OUTCOME", "N-PERCENT", "N-NOT-CHECKED"} <= set(rules)
    assert rules["N-OUTCOME"]["defaultConfiguration"]["level"] == "note"  # review
    assert rules["N-OUTCOME"]["shortDescription"]["text"] == "the narrative's outcome count disagrees with table 3"
    assert rules["N-OUTCOME"]["name"] == "narrative.outcome"
    assert rules["N-NOT-CHECKED"]["help"]["text"].startswith("no cell, denominator")


def test_the_catalogue_registers_nothing_on_import_and_needs_no_command_line():
    # the catalogue is data read on first use: importing it loads no CLI module, and the whole
    # catalogue is there without importing the modules that emit the codes
    probe = ("import sys; import auditor.catalogue as c; "
             "assert not any(m.startswith(('auditor.cli.main', 'auditor.config', 'auditor.pipeline')) for m in sys.modules); "
             "e = c.everything(); assert {'USAGE-NO-FILES', 'CONFIG-VALUE', 'RULE-SYNTAX', 'N-OUTCOME', "
             "'T3-BALANCE', 'XY-IDENTICAL'} <= set(e); print(len(e))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(everything())
