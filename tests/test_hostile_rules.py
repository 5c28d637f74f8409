"""Hostile rule files: each is refused with its code and ``file:line``, fast, and nothing runs.

Every case goes through the API (``load_rule_files``) and the CLI (``auditor rules lint`` and
``auditor check --rules``): exit 2, ``错误[CODE]`` in the output, no traceback, under 2 seconds.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.lint import lint_rule_files
from auditor.ruleset import RuleError, load_rule_files

REPORT = Path(__file__).parent / "data" / "guidong-2020.txt"
SECONDS = 2.0


def rule(expr: str, extra: str = "", code: str = "HOSTILE-RULE") -> str:
    return (f"  - code: {code}\n    name: hostile.rule\n    title: {{zh: 测试, en: test}}\n"
            f"    severity: error\n{extra}    expr: {expr}\n")


def rules(*entries: str) -> str:
    return "rules:\n" + "".join(entries)


def quoted(expr: str) -> str:
    return "'" + expr.replace("'", "''") + "'"


SUM_ALL = "sum(table3.all.applicants)"  # 150 terms in 2021

# name -> (file name, content (str or bytes), code, line or None when no line can be known)
CASES = {
    "attribute": ("a.yaml", rules(rule("table3.__class__ >= 0")), "RULE-FORBIDDEN", 6),
    "dunder-chain": ("a.yaml", rules(rule(quoted("().__class__.__bases__"))), "RULE-FORBIDDEN", 6),
    "import-call": ("a.yaml", rules(rule(quoted("__import__('os').system('x')"))), "RULE-FORBIDDEN", 6),
    "import-statement": ("a.yaml", rules(rule("import os")), "RULE-FORBIDDEN", 6),
    "lambda": ("a.yaml", rules(rule(quoted("(lambda: 0)() == table3.new.total"))), "RULE-FORBIDDEN", 6),
    "eval-call": ("a.yaml", rules(rule(quoted("eval('1') == table3.new.total"))), "RULE-FORBIDDEN", 6),
    "power-tower": ("a.yaml", rules(rule(quoted("9**9**9 == table3.new.total"))), "RULE-FORBIDDEN", 6),
    "huge-power": ("a.yaml", rules(rule(quoted("2**100000 == table3.new.total"))), "RULE-FORBIDDEN", 6),
    "string-repetition": ("a.yaml", rules(rule(quoted("'a'*10**9"))), "RULE-FORBIDDEN", 6),
    "string-literal": ("a.yaml", rules(rule(quoted("table3.new.total == \"1\""))), "RULE-FORBIDDEN", 6),
    "subscript": ("a.yaml", rules(rule(quoted("table3.new.total[0] >= 0"))), "RULE-FORBIDDEN", 6),
    "comprehension": ("a.yaml", rules(rule(quoted("sum([x for x in table3.new.total]) >= 0"))),
                      "RULE-FORBIDDEN", 6),
    "unknown-function": ("a.yaml", rules(rule(quoted("open(table3.new.total) >= 0"))), "RULE-FORBIDDEN", 6),
    "deep-parentheses": ("a.yaml", rules(rule(quoted("(" * 10_000 + "table3.new.total" + ")" * 10_000 + " >= 0"))),
                         "RULE-TOO-COMPLEX", 6),
    "deep-parentheses-short": ("a.yaml", rules(rule(quoted("(" * 33 + "table3.new.total" + ")" * 33 + " >= 0"))),
                               "RULE-TOO-COMPLEX", 6),
    "long-expression": ("a.yaml", rules(rule(quoted(" + ".join(["table3.new.total"] * 200) + " >= 0"))),
                        "RULE-TOO-COMPLEX", 6),
    "long-literal": ("a.yaml", rules(rule(quoted("1" * 31 + " == table3.new.total"))), "RULE-TOO-COMPLEX", 6),
    "terms-over-limit": ("a.yaml", rules(rule(quoted(" + ".join([SUM_ALL] * 4) + " >= 0"))),
                         "RULE-TOO-COMPLEX", 6),
    "instances-over-limit": ("a.yaml", rules(rule(
        "table3.$r1.$c1 + table3.$r2.$c2 >= 0",
        "    for_each: {r1: table3.rows, c1: table3.columns, r2: table3.rows, c2: table3.columns}\n")),
        "RULE-TOO-COMPLEX", 7),
    "load-budget": ("a.yaml", rules(rule(
        f"{SUM_ALL} + table3.$r1.$c1 + table3.$r2.total >= 0",
        "    for_each: {r1: table3.rows, c1: table3.columns, r2: table3.rows}\n")), "RULE-TOO-COMPLEX", 7),
    "billion-laughs": ("a.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\n"
                       + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                                 f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
                       + "rules: [*j]\n", "RULE-ALIAS", 1),
    "python-object-tag": ("a.yaml", "rules:\n  - !!python/object/apply:os.system ['touch /tmp/hacked']\n",
                          "RULE-FORBIDDEN", 2),
    "python-name-tag": ("a.yaml", "rules: !!python/name:os.system\n", "RULE-FORBIDDEN", 1),
    "deep-flow-sequence": ("a.yaml", "rules: " + "[" * 100_000 + "]" * 100_000 + "\n", "RULE-TOO-COMPLEX", 1),
    "deep-flow-unclosed": ("a.yaml", "rules: " + "[" * 100_000 + "\n", "RULE-TOO-COMPLEX", 1),
    "deep-flow-mapping": ("a.yaml", "rules:\n  - " + "{a: " * 2_000 + "}" * 2_000 + "\n", "RULE-TOO-COMPLEX", 2),
    "deep-flow-in-quotes-ok-then-deep": ("a.yaml", "rules:\n  - code: '[[[[]'\n  # [[[[\n  - " + "[" * 70 + "\n",
                                         "RULE-TOO-COMPLEX", 4),
    "deep-block-sequence": ("a.yaml", "rules:\n" + "- " * 1_500 + "x\n", "RULE-TOO-COMPLEX", 2),
    "deep-block-mapping-1200": ("a.yaml", "rules:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 1200)),
                                "RULE-TOO-COMPLEX", 65),
    "deep-block-mapping": ("a.yaml", "rules:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 200)),
                           "RULE-TOO-COMPLEX", 65),
    "many-rules": ("a.yaml", rules(*(rule("table3.new.total >= 0", code=f"R-{i}") for i in range(600))),
                   "RULE-TOO-COMPLEX", 2502),
    "many-nodes": ("a.yaml", "".join("- a\n" for _ in range(100_000)), "RULE-TOO-COMPLEX", 39_999),
    "toml-bomb": ("a.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n", "RULE-TOO-COMPLEX", None),
    "toml-recursion": ("a.toml", "a = " + "[" * 30_000 + "]" * 30_000 + "\n", "RULE-TOO-COMPLEX", None),
    "toml-many-rules": ("a.toml", "".join(f'[[rules]]\ncode = "R-{i}"\n' for i in range(600)),
                        "RULE-TOO-COMPLEX", 1001),
    "over-1-mb": ("a.yaml", rules(rule("table3.new.total >= 0")) + "#" * (1024 * 1024) + "\n",
                  "RULE-TOO-LARGE", None),
    "non-utf8": ("a.yaml", rules(rule("table3.new.total >= 0")).encode("utf-8") + b"# \xff\xfe\n",
                 "RULE-FILE", 7),
    "gbk": ("a.yaml", rules(rule("table3.new.total >= 0")).replace("测试", "测试规则").encode("gbk"), "RULE-FILE", 4),
    "nul-bytes": ("a.yaml", b"rules:\n  - code: X\0\n", "RULE-FILE", 2),
    "control-character": ("a.yaml", "rules:\n  - code: X\x07\n", "RULE-SYNTAX", 2),
    "duplicate-key": ("a.yaml", rules(rule("table3.new.total >= 0", "    severity: warning\n")), "RULE-SYNTAX", 6),
}


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def timed(function, *args):
    # CPU seconds of this process, not wall time: a refusal's cost is ours, whatever else the machine runs.
    start = time.process_time()
    try:
        return function(*args), time.process_time() - start
    except BaseException as error:  # noqa: BLE001 - returned for the assertion
        return error, time.process_time() - start


@pytest.fixture(autouse=True)
def nothing_runs(tmp_path, monkeypatch):
    """A rule file must never run anything: os.system and subprocess fail the test if called."""
    def forbidden(*args, **kwargs):
        raise AssertionError(f"a rule file ran something: {args}")
    import subprocess
    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    yield
    assert not Path("/tmp/hacked").exists()


# Both YAML loaders: libyaml (when PyYAML has it) refuses deep nesting with its own error, and the pure-Python
# one does not; the rule loader's limits must give the same code and line with either.
LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if getattr(yaml, "__with_libyaml__", False) else [])


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def yaml_loader(request, monkeypatch):
    from auditor.ruleset import loader
    monkeypatch.setattr(loader, "_SAFE_LOADER", request.param)
    return request.param


def allowed(loader) -> float:
    """Seconds a refusal may take: PyYAML's pure-Python parser reads events ~25 times slower than
    libyaml (40 000 events, the node limit, take ~1 s alone on a busy machine)."""
    return SECONDS if loader is not yaml.SafeLoader else 3 * SECONDS


def test_both_loaders_are_exercised(yaml_loader):
    from auditor.ruleset import loader
    assert loader._rule_loader().__mro__[1] is yaml_loader


@pytest.mark.parametrize("case", sorted(CASES))
def test_api_refuses_with_code_and_line(tmp_path, case, yaml_loader):
    name, content, code, line = CASES[case]
    path = write(tmp_path, name, content)
    error, seconds = timed(load_rule_files, [path])
    assert isinstance(error, RuleError), f"{case}: {error!r}"
    assert (error.code, error.file, error.line) == (code, str(path), line), error.text("en")
    assert seconds < allowed(yaml_loader), f"{case} took {seconds:.2f} s"
    where = f"{path}:{line}: " if line else f"{path}: "
    assert error.text("en").startswith(where) and error.text("zh").startswith(where)
    messages, seconds = timed(lint_rule_files, [path])
    assert seconds < allowed(yaml_loader), f"lint of {case} took {seconds:.2f} s"
    assert [(m.code, m.line) for m in messages] == [(code, line)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_refuses_without_traceback(tmp_path, case, yaml_loader):
    name, content, code, line = CASES[case]
    path = write(tmp_path, name, content)
    where = f"{path}:{line}:" if line else f"{path}:"
    runner = CliRunner()
    for args, prefix in ((["rules", "lint", str(path)], "错误"), (["rules", "lint", "--lang", "en", str(path)], "error"),
                         (["check", "--rules", str(path), str(REPORT)], "错误"),
                         (["check", "--lang", "en", "--rules", str(path), str(REPORT)], "error")):
        start = time.process_time()
        result = runner.invoke(main, args)
        seconds = time.process_time() - start
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and not isinstance(result.exception, (RecursionError, MemoryError))
        separator = "：" if prefix == "错误" else ": "
        assert f"{prefix}[{code}]{separator}{where}" in result.output, result.output[-500:]
        assert seconds < allowed(yaml_loader) + 1, f"{args[:2]} of {case} took {seconds:.2f} s"  # + the report


def test_a_declared_100_mb_file_is_refused_unread(tmp_path):
    path = tmp_path / "sparse.yaml"
    with path.open("wb") as handle:  # sparse: 100 MB by its size, nothing on disk
        handle.truncate(100 * 1024 * 1024)
    error, seconds = timed(load_rule_files, [path])
    assert isinstance(error, RuleError) and error.code == "RULE-TOO-LARGE" and seconds < 0.5
    assert "104857600 bytes" in error.message and "104857600 字节" in error.message_zh


def test_a_device_or_directory_is_not_a_rule_file(tmp_path):
    error, _ = timed(load_rule_files, ["/dev/zero"])
    assert isinstance(error, RuleError) and error.code == "RULE-FILE"
    result = CliRunner().invoke(main, ["check", "--rules", "/dev/zero", str(REPORT)])
    assert result.exit_code == 2 and "错误[RULE-FILE]：/dev/zero: 规则文件不是普通文件" in result.output


def test_consistency_of_a_huge_rule_set_is_not_tested_but_said(tmp_path):
    many = rules(*(rule(f"table3.new.$c + table4.review.total == table3.granted.$c + {i}",
                        "    for_each: {c: table3.columns}\n", code=f"R-{i}") for i in range(200)))
    path = write(tmp_path, "many.yaml", many)
    messages, seconds = timed(lint_rule_files, [path])
    assert [(m.code, m.severity) for m in messages] == [("RULE-TOO-COMPLEX", "warning")]
    assert "not checked for contradictions" in messages[0].message and seconds < SECONDS + 1


def test_brackets_in_quotes_comments_and_plain_text_are_not_nesting(tmp_path, yaml_loader):
    """The raw-text nesting count skips what is not a flow collection: a valid file still loads."""
    many = "[" * 100 + "{" * 100
    text = (f"# {many}\nrules:\n  - code: OK-RULE  # {many}\n    name: ok.rule\n"
            f"    title: {{zh: '测试 {many}', en: \"it's \\\" {many}\"}}\n"
            f"    doc:\n      zh: 说明 {many}\n      en: plain text {many}\n"
            "    severity: error\n    expr: table3.new.total >= 0\n")
    path = write(tmp_path, "ok.yaml", text)
    [loaded] = load_rule_files([path])
    assert loaded.code == "OK-RULE" and loaded.title_zh == f"测试 {many}" and loaded.doc_en == f"plain text {many}"
