"""One language per run (issue 19): the help of every command and the usage errors click and we print
are all Chinese or all English, never both; and the words docs/GLOSSARY.md forbids appear in no message."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import main
from auditor.cli.i18n import CLICK_ZH

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
# English words that only a sentence has (an option name, a code, a format or a file name never is one)
ENGLISH = re.compile(r"\b(the|is|not|for|of|to|and|with|an|one|no|such|invalid|missing|usage|options|try|help|"
                     r"show|exit|value|does|did|you|mean|got|unexpected|extra|requires|takes)\b", re.I)
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]|`[^`]*`")


def commands(command=main, path=()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, (*path, name))


COMMANDS = [path for path, _ in commands()]


def english_in(text: str) -> list[str]:
    """English words of a Chinese run's output, outside quoted values, option names and example lines."""
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("auditor ", "cat ")):  # an example command line
            continue
        line = QUOTED.sub(" ", line)
        line = re.sub(r"(?<!\w)--?[\w-]+", " ", line)  # option names
        found += ENGLISH.findall(line)
    return found


def run(args, env=None):
    result = CliRunner().invoke(main, args, env=env or {})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "auditor")
def test_help_of_every_command_is_in_one_language(path):
    zh = run([*path, "--help"])
    en = run([*path, "--lang", "en", "--help"])
    assert zh.exit_code == en.exit_code == 0, (zh.output, en.output)
    assert zh.output.startswith("用法:") and en.output.startswith("Usage:")
    assert not CJK.search(en.output), [line for line in en.output.splitlines() if CJK.search(line)]
    assert english_in(zh.output) == [], zh.output
    head = "示例：" if path else "示例："
    assert head in zh.output and "Examples:" in en.output  # every command shows examples


USAGE_ERRORS = [
    ["check"],  # a missing argument
    ["check", "x.txt", "--bogus"],  # no such option, with a suggestion
    ["check", "x.txt", "--fail-on", "worst"],  # not a choice
    ["check", "x.txt", "--time-limit", "soon"],  # not a number
    ["check", "x.txt", "--time-limit", "-1"],  # out of range
    ["check", "x.txt", "--baseline", "no-such-file.json"],  # a path that does not exist
    ["nosuchcommand"],
    ["check", "x.txt", "--output-format", "nosuchformat"],
    ["check", "x.txt", "--select", "NOSUCHCODE"],
    ["check", "-", "x.txt"],
    ["memo", "x.txt"],  # a missing required option
    ["report", "--db"],  # an option without its value
]


@pytest.mark.parametrize("args", USAGE_ERRORS, ids=lambda a: " ".join(a))
def test_usage_errors_are_in_one_language(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configuration file applies
    (tmp_path / "x.txt").write_text("报告", encoding="utf-8")
    zh = run(args)
    en = run([*args, "--lang", "en"]) if "--db" not in args else run(args, env={"AUDITOR_LANG": "en"})
    assert zh.exit_code == en.exit_code == 2, (zh.output, en.output)
    assert re.search(r"^错误\[[A-Z-]+\]：", zh.stderr, re.M), zh.stderr
    assert re.search(r"^error\[[A-Z-]+\]: ", en.stderr, re.M), en.stderr
    assert not CJK.search(en.stderr), en.stderr
    assert english_in(zh.stderr) == [], zh.stderr


def test_the_language_comes_from_the_environment_and_the_configuration_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "error[USAGE-BAD-OPTION]" in run(["check"], env={"AUDITOR_LANG": "en"}).stderr
    (tmp_path / ".auditor.toml").write_text('lang = "en"\n', encoding="utf-8")
    assert "error[USAGE-BAD-OPTION]" in run(["check"]).stderr
    assert "错误[USAGE-BAD-OPTION]" in run(["check", "--lang", "zh"]).stderr  # the option wins
    assert "错误[USAGE-BAD-OPTION]" in run(["--lang", "zh", "check"]).stderr  # also before the command


def test_lang_before_the_command_is_the_run_s_language(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    report = Path(__file__).resolve().parents[1] / "examples" / "guilin-2020.txt"
    result = run(["--lang", "en", "check", str(report), "--output-format", "concise"])
    assert result.stdout.endswith("fail level error: 0 finding(s) at or above it (exit status 0)\n")
    assert "table2 not assessable" in result.stdout or "not assessable" in result.stdout
    assert not CJK.search(result.stdout.replace("QQ圖片", ""))


def test_the_version_line_has_no_words():
    assert run(["--version"]).stdout == run(["--lang", "en", "--version"]).stdout
    assert re.fullmatch(r"\S+ \d+\.\d+\.\d+\S*\n", run(["--version"]).stdout)


def test_every_click_sentence_used_has_a_chinese_text():
    """The translations are complete for the sentences click formats with placeholders we fill."""
    for english, chinese in CLICK_ZH.items():
        assert set(re.findall(r"\{(\w+)", chinese)) <= set(re.findall(r"\{(\w+)", english)), english
        assert CJK.search(chinese), english


# ------------------------------------------------------------------ the glossary


def forbidden_words() -> list[str]:
    table = (ROOT / "docs" / "GLOSSARY.md").read_text(encoding="utf-8")
    words = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[3] and cells[3] not in ("Forbidden", "---"):
            words += [w.strip() for w in cells[3].split(",") if w.strip()]
    return words


def python_messages(path: Path) -> list[str]:
    """The string literals of a module, docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def yaml_texts(data) -> list[str]:
    if isinstance(data, dict):
        return [t for value in data.values() for t in yaml_texts(value)]
    if isinstance(data, list):
        return [t for value in data for t in yaml_texts(value)]
    return [data] if isinstance(data, str) else []


def all_messages() -> dict[str, list[str]]:
    texts = {str(p.relative_to(ROOT)): python_messages(p) for p in sorted((ROOT / "auditor").rglob("*.py"))}
    for folder in ("rules", "auditor"):
        for path in sorted((ROOT / folder).rglob("*.yaml")):
            texts[str(path.relative_to(ROOT))] = yaml_texts(yaml.safe_load(path.read_text(encoding="utf-8")))
    return texts


def test_the_glossary_forbids_words():
    words = forbidden_words()
    assert {"提醒", "跳过", "issue"} <= set(words)


def test_no_message_uses_a_forbidden_word():
    words = forbidden_words()
    found = []
    for where, texts in all_messages().items():
        for text in texts:
            for word in words:
                pattern = rf"\b{re.escape(word)}s?\b" if word.isascii() else re.escape(word)
                if re.search(pattern, text, re.I):
                    found.append((where, word, text[:80]))
    assert found == []


def test_the_forbidden_word_check_can_fail():
    text = "本次跳过 3 个文件"
    assert any(re.search(re.escape(word), text) for word in forbidden_words())


def test_a_rule_that_could_not_compare_does_not_say_fails(tmp_path):
    """不成立 / fails is a relation whose sides differ (glossary); a meta rule with on_missing: fail
    whose year is unknown compared nothing, and says so."""
    from auditor.check.engine import run_rules
    from auditor.extract.tables import extract
    from auditor.load import load_path
    from auditor.policy import RunConfig
    from auditor.ruleset import load_rule_files

    rule = tmp_path / "year.yaml"
    rule.write_text("rules:\n  - code: X-TPL-YEAR\n    name: x.tpl_year\n"
                    "    title: {zh: 表三模板与报告年度相符, en: Table 3 template matches the report year}\n"
                    "    severity: warning\n    tables: [table3]\n"
                    "    expr: meta.year <= 2018 or meta.template.table3 == meta.template_for_year\n"
                    "    on_missing: fail\n", encoding="utf-8")
    report = extract(load_path(ROOT / "examples" / "shuyang-fgj-2023.html")).model_copy(update={"year": None})
    findings, _ = run_rules(report, load_rule_files([rule]), RunConfig(), [])
    assert [(f.code, f.message_zh, f.message_en) for f in findings] == [(
        "X-TPL-YEAR", "表三模板与报告年度相符：未能确定报告年度，按规则（on_missing: fail）报告",
        "Table 3 template matches the report year: the report year is unknown, reported as the rule says "
        "(on_missing: fail)")]
