"""Reads rule files (YAML or TOML) into compiled, validated ``Rule`` objects.

A rule file is untrusted input: YAML is read by a ``SafeLoader`` subclass that refuses anchors and
aliases (no alias bombs), duplicate keys and files over 1 MB, and remembers the line of every
mapping so each problem is reported as ``file:line``. Every rule is checked completely at load
time — keys, enum values, cell names, ``for_each`` domains, and its expansion in each template it
declares — so a loaded rule cannot fail later. ``lint.py`` collects every problem instead
of stopping at the first.

Cross-report rules (``rules/crossyear/``, read by ``auditor.crossyear``) add two keys: ``scope``
(``report``, the default; ``pair``: this report and ``prev.`` cells of the same agency's report for
the year before; ``aggregate``: a parent report and its components) and ``kind`` (``expression``, the
default; ``identical_to_previous`` and ``sum_of_components``, built-in checks with no ``expr``).
``Rule.instances`` gives nothing for a rule whose scope is not ``report``, so a single-report run
never evaluates them.
"""
from __future__ import annotations

import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Union

from .. import datacache
from ..resources import rules_root, safe_loader
from ..templates import TABLE_IDS, covers, template_ids, template_view
from ..templates import fingerprint as templates_fingerprint
from .errors import (
    RULE_ALIAS,
    RULE_DUPLICATE_CODE,
    RULE_FILE,
    RULE_FORBIDDEN,
    RULE_MISSING_KEY,
    RULE_NOT_IN_TEMPLATE,
    RULE_STRUCTURE,
    RULE_SYNTAX,
    RULE_TOO_COMPLEX,
    RULE_TOO_LARGE,
    RULE_UNKNOWN_KEY,
    RULE_VALUE,
)
from .expr import (
    Domain,
    Expansion,
    ExpansionBudget,
    Expr,
    ForEach,
    RuleError,
    ViewResolver,
    check_for_each,
    compile_expression,
    expand_instances,
    parse_domain,
    split_qualifier,
)

MAX_FILE_BYTES = 1024 * 1024
MAX_NESTING = 64  # nested YAML collections (a rule needs 4)
MAX_RULES_PER_FILE = 500
MAX_YAML_EVENTS = 40_000  # YAML parser events (nodes) in one file: ~25 per rule
MAX_TOML_ITEMS = 40_000  # TOML keys, values and tables in one file (counted as the characters , = [ {)
RULE_SUFFIXES = (".yaml", ".yml", ".toml")

SEVERITIES = ("error", "warning", "review", "info")
ON_BLANK = ("flag", "zero", "skip", "fail")
ON_MISSING = ("skip", "fail")
TOLERANCES = ("printed", "exact")
REQUIRED_KEYS = ("code", "name", "title", "severity", "expr")
OPTIONAL_KEYS = ("relation", "templates", "tables", "for_each", "on_blank", "on_missing", "tolerance", "doc",
                 "scope", "kind")
SCOPES = ("report", "pair", "aggregate")
# Built-in checks a rule may declare instead of an expression, and the scope each belongs to.
SPECIAL_KINDS = {"identical_to_previous": "pair", "sum_of_components": "aggregate"}
KINDS = ("expression",) + tuple(SPECIAL_KINDS)

_CODE = (re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)*\Z"), "大写字母、数字和连字符，例如 T3-BALANCE",
         "upper-case letters, digits and hyphens, e.g. T3-BALANCE")
_NAME = (re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*\Z"), "以点连接的小写单词，例如 table3.balance",
         "lower-case words joined by dots, e.g. table3.balance")
_RELATION = (re.compile(r"[A-Za-z0-9]+\Z"), "字母和数字，例如 S1", "letters and digits, e.g. S1")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Rule:
    """One compiled rule: its identity, texts, options, and the expression it checks."""

    code: str
    name: str
    relation: Optional[str]
    title_zh: str
    title_en: str
    severity: str  # the default; a run's configuration may override it per code
    templates: tuple[str, ...]
    tables: tuple[str, ...]
    for_each: ForEach
    expr: str  # "" for a special kind
    compiled: Optional[Expr]  # None for a special kind
    on_blank: str
    on_missing: str
    tolerance: str
    doc_zh: str
    doc_en: str
    file: str
    line: Optional[int]
    scope: str = "report"  # report | pair | aggregate
    kind: str = "expression"  # expression | identical_to_previous | sum_of_components

    def instances(self, view_resolver: ViewResolver) -> list[tuple[dict[str, str], Expansion]]:
        """Every (bindings, relation/check/condition) of this rule for one report's templates.

        ``view_resolver(table)`` gives the report's template view of a table. A rule whose cells
        come from a table in a template it does not declare has no instances; bindings naming a
        cell the template lacks (a row of another template, a pair outside table 2's layout) are
        left out. A cross-report rule (scope other than ``report``) has none here: see
        ``auditor.crossyear``.
        """
        if self.scope != "report" or self.compiled is None:
            return []
        if any(not covers(self.templates, view_resolver(table).template) for table in self.compiled.tables):
            return []
        return expand_instances(self.compiled, self.for_each, view_resolver)[0]

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class LintMessage:
    """One problem in a rule file, as ``auditor rules lint`` prints it; ``code`` is a RULE-* code."""

    file: str
    line: Optional[int]
    code: str
    message: str  # English
    severity: str = "error"  # "warning" for a redundant rule (consistency.py): the set still works
    message_zh: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def localized(self, lang: str = "zh") -> str:
        return (self.message_zh or self.message) if lang == "zh" else self.message

    def text(self, lang: str = "en") -> str:
        """``file:line: message`` in ``lang``."""
        return f"{self.where}: {self.localized(lang)}" if self.where else self.localized(lang)

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.code}]"


# ------------------------------------------------------------------------------- reading files


class _Mapping(dict):
    """A YAML mapping that remembers its line and the line of each key (1-based)."""

    line: Optional[int] = None
    key_lines: dict = {}


# libyaml's safe loader when it is there (a 1 MB file in seconds less), else PyYAML's own. Looked up
# at each load (tests run both): the limits below must not depend on which one parses.
# None: ``resources.safe_loader()``; PyYAML is imported only when a rule file is parsed (not when the data
# cache holds it).
_SAFE_LOADER: Optional[type] = None
_RULE_LOADERS: dict[type, type] = {}


def _safe_loader() -> type:
    return _SAFE_LOADER or safe_loader()


def _rule_loader() -> type:
    """A safe loader (no Python objects) on ``_SAFE_LOADER`` that rejects duplicate keys and records lines.

    Anchors, aliases and deep nesting are refused before it runs, by ``_check_flow_depth`` and
    ``_check_events``."""
    base = _safe_loader()
    if base not in _RULE_LOADERS:
        loader = type(f"_Rule{base.__name__}", (base,), {})
        loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
        _RULE_LOADERS[base] = loader
    return _RULE_LOADERS[base]


def _too_deep(line: Optional[int]) -> RuleError:
    return RuleError(RULE_TOO_COMPLEX, f"YAML 嵌套超过 {MAX_NESTING} 层", f"YAML nested deeper than {MAX_NESTING} levels",
                     line=line)


_FLOW_SIGNIFICANT = re.compile(r"[\[\]{}'\"#]")


def _check_flow_depth(text: str) -> None:
    """Refuse flow collections (``[``, ``{``) nested deeper than ``MAX_NESTING``, from the raw text.

    Runs before any YAML parser: libyaml refuses deep flow nesting itself, with its own error (a
    syntax error here) before the event scan can count it, and its scanner reads up to a line ahead.
    A cheap lexer: quoted scalars and comments are skipped; outside flow collections a bracket
    opens one only at the start of a node (line start, or after ``- ``, ``: ``, ``? ``), since a
    block plain scalar may hold brackets. It may overcount in a block scalar (``|``) full of
    unmatched brackets, a text no rule file needs; ``_check_events`` remains the exact check."""
    depth = 0
    position = 0
    while True:
        found = _FLOW_SIGNIFICANT.search(text, position)
        if found is None:
            return
        index = found.start()
        char = text[index]
        before = text[index - 1] if index else "\n"
        position = index + 1
        if char == "#":
            if before in " \t\n":
                end = text.find("\n", index)
                position = len(text) if end < 0 else end
        elif char in "'\"":
            if before in " \t\n[{,:-?":
                position = _quoted_end(text, index)
        elif char in "[{":
            if depth or _node_start(text, index):
                depth += 1
                if depth > MAX_NESTING:
                    raise _too_deep(text.count("\n", 0, index) + 1)
        elif depth:  # ] or }
            depth -= 1


def _node_start(text: str, index: int) -> bool:
    """Whether ``text[index]``, in block context, begins a node: after blanks, at the line's start or an indicator."""
    before = index - 1
    while before >= 0 and text[before] in " \t":  # linear overall: each blank run is walked for one bracket
        before -= 1
    if before < 0 or text[before] == "\n":
        return True
    if text[before] in "-?":
        return before == 0 or text[before - 1] in " \t\n"
    return text[before] == ":" and before < index - 1  # `key: [`


def _quoted_end(text: str, index: int) -> int:
    """The position after the quoted scalar opening at ``index`` (the end of the text if unclosed)."""
    quote = text[index]
    position = index + 1
    while True:
        end = text.find(quote, position)
        if end < 0:
            return len(text)
        if quote == "'":
            if text.startswith("''", end):  # '' is an escaped quote
                position = end + 2
                continue
            return end + 1
        backslashes = len(text[position:end]) - len(text[position:end].rstrip("\\"))
        if backslashes % 2:
            position = end + 1
            continue
        return end + 1


def _check_events(text: str) -> None:
    """Refuse anchors and aliases (alias bombs), nesting deeper than ``MAX_NESTING`` and files of too
    many rules or nodes, reading the event stream only: composing a document into nodes is recursive
    (it must not see deep input) and slow (it should not see a huge one)."""
    import yaml

    depth = entries = 0
    for count, event in enumerate(yaml.parse(text, Loader=_safe_loader())):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise RuleError(RULE_ALIAS, "规则文件中不允许使用 YAML 锚点和别名",
                            "YAML anchors and aliases are not allowed in rule files", line=line)
        if count > MAX_YAML_EVENTS:
            raise RuleError(RULE_TOO_COMPLEX, f"规则文件的 YAML 节点超过 {MAX_YAML_EVENTS} 个",
                            f"the rule file has more than {MAX_YAML_EVENTS} YAML nodes", line=line)
        if depth == 2 and isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            entries += 1  # an item of the `rules` list
            if entries > MAX_RULES_PER_FILE:
                raise _too_many_rules(line)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise _too_deep(line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _construct_mapping(loader, node):
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    yield mapping
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise RuleError(RULE_SYNTAX, "映射的键必须是简单的值", "a mapping key must be a plain value",
                            line=key_node.start_mark.line + 1)
        if key in mapping:
            raise RuleError(RULE_SYNTAX, f"重复的键 {key!r}", f"duplicate key {key!r}",
                            line=key_node.start_mark.line + 1)
        mapping.key_lines[key] = key_node.start_mark.line + 1
        mapping[key] = loader.construct_object(value_node, deep=True)


@dataclass
class _Entry:
    """One rule as read from a file, before validation."""

    values: dict
    line: Optional[int]
    key_lines: dict


def _read_text(path: Path) -> str:
    """The file's text: a regular file of at most ``MAX_FILE_BYTES``, UTF-8, without NUL bytes."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise RuleError(RULE_FILE, "规则文件不是普通文件", "the rule file is not a regular file")
        if status.st_size > MAX_FILE_BYTES:
            raise _too_large(status.st_size)
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # the size on disk may change or lie
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RuleError(RULE_FILE, f"无法读取规则文件：{reason}", f"cannot read rule file: {reason}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(len(data))
    nul = data.find(b"\0")
    if nul >= 0:
        raise RuleError(RULE_FILE, "规则文件含有 NUL 字节：不是文本文件",
                        "rule file contains a NUL byte: not a text file", line=data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        raise RuleError(RULE_FILE, "规则文件不是 UTF-8 编码", "rule file is not UTF-8",
                        line=data.count(b"\n", 0, offset) + 1) from None


def _too_many_rules(line: Optional[int]) -> RuleError:
    return RuleError(RULE_TOO_COMPLEX, f"一个规则文件最多 {MAX_RULES_PER_FILE} 条规则",
                     f"a rule file holds at most {MAX_RULES_PER_FILE} rules", line=line)


def _too_large(size: int) -> RuleError:
    return RuleError(RULE_TOO_LARGE, f"规则文件有 {size} 字节，超过上限 {MAX_FILE_BYTES} 字节",
                     f"rule file is larger than {MAX_FILE_BYTES} bytes ({size} bytes)")


def _yaml_entries(text: str) -> list[_Entry]:
    import yaml

    try:
        _check_flow_depth(text)
        _check_events(text)
        data = yaml.load(text, Loader=_rule_loader())  # a safe loader: no Python objects
    except yaml.constructor.ConstructorError as exc:  # a tag SafeLoader does not know: !!python/...
        tag = re.search(r"tag '([^']*)'", exc.problem or "")
        shown = (tag.group(1) if tag else "?").replace("tag:yaml.org,2002:", "!!")
        mark = exc.problem_mark or exc.context_mark
        raise RuleError(RULE_FORBIDDEN, f"不允许使用 YAML 标签 {shown}：规则文件只含普通数据",
                        f"YAML tag {shown} is not allowed: rule files hold plain data",
                        line=mark.line + 1 if mark else None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "maximum nesting depth" in (exc.problem or ""):  # libyaml's own limit, should the pre-scan miss it
            raise _too_deep(mark.line + 1 if mark else None) from None
        message = exc.problem or exc.context or "cannot parse"
        if exc.context and exc.context_mark and exc.problem:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise RuleError(RULE_SYNTAX, f"YAML 语法错误：{message}", f"YAML syntax error: {message}",
                        line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.encode("utf-8", "replace").count(b"\n", 0, exc.position) + 1 \
            if isinstance(exc.position, int) and _safe_loader() is not yaml.SafeLoader else \
            text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        detail = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise RuleError(RULE_SYNTAX, f"YAML 不允许的字符 {detail}", f"YAML syntax error: character {detail} "
                        "is not allowed", line=line) from None
    except yaml.YAMLError as exc:
        raise RuleError(RULE_SYNTAX, f"YAML 错误：{exc}", f"YAML error: {exc}") from None
    except RecursionError:  # cannot happen within MAX_NESTING; kept as a clean error
        raise RuleError(RULE_TOO_COMPLEX, "YAML 嵌套过深", "YAML nested too deep") from None
    rules = _top_level(data, getattr(data, "key_lines", {}).get("rules"))
    return [_Entry(entry, getattr(entry, "line", None), getattr(entry, "key_lines", {})) for entry in rules]


def _toml_entries(text: str) -> list[_Entry]:
    # tomllib is pure Python (~4 s for a dense 1 MB file): count before parsing.
    headers = [n for n, line in enumerate(text.splitlines()) if re.match(r"\s*\[\[\s*rules\s*\]\]", line)]
    if len(headers) > MAX_RULES_PER_FILE:
        raise _too_many_rules(headers[MAX_RULES_PER_FILE] + 1)
    if sum(text.count(char) for char in ",={[") > MAX_TOML_ITEMS:
        raise RuleError(RULE_TOO_COMPLEX, f"规则文件的 TOML 条目超过 {MAX_TOML_ITEMS} 个",
                        f"the rule file has more than {MAX_TOML_ITEMS} TOML items")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise RuleError(RULE_SYNTAX, f"TOML 语法错误：{exc}", f"TOML syntax error: {exc}",
                        line=int(found.group(1)) if found else None) from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise RuleError(RULE_TOO_COMPLEX, "TOML 嵌套过深", "TOML nested too deep") from None
    rules = _top_level(data, None)
    # tomllib keeps no positions: find each [[rules]] header and the keys written under it.
    lines = text.splitlines()
    entries = []
    for index, entry in enumerate(rules):
        if index >= len(headers):  # rules = [...] written inline: no line to give
            entries.append(_Entry(entry, None, {}))
            continue
        key_lines = {}
        for number in range(headers[index] + 1, len(lines)):
            if lines[number].lstrip().startswith("["):
                break
            key = re.match(r"\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=", lines[number])
            if key:
                key_lines.setdefault(key.group(1), number + 1)
        entries.append(_Entry(entry, headers[index] + 1, key_lines))
    return entries


def _top_level(data: object, line: Optional[int]) -> list:
    """The ``rules`` list of a parsed file."""
    if not isinstance(data, dict) or "rules" not in data:
        raise RuleError(RULE_STRUCTURE, "规则文件的顶层应为 `rules` 列表", "a rule file holds a `rules` list at the top",
                        line=1)
    unknown = sorted(str(key) for key in data if key != "rules")
    if unknown:
        raise RuleError(RULE_STRUCTURE, f"未知的顶层键：{', '.join(unknown)}",
                        f"unknown top-level key(s): {', '.join(unknown)}", line=1)
    if not isinstance(data["rules"], list):
        raise RuleError(RULE_STRUCTURE, "`rules` 应为规则的列表", "`rules` must be a list of rules", line=line)
    return data["rules"]


def _parse_entries(path: Path, text: str) -> list[_Entry]:
    return _toml_entries(text) if path.suffix == ".toml" else _yaml_entries(text)


def _file_key(path: Path, text: str) -> str:
    """The data-cache key of a rule file: its text checked against the templates in force."""
    return datacache.key_of("rule-file", path.suffix, templates_fingerprint(), text)


def _checked_entries(key: str) -> Optional[tuple[list[_Entry], int]]:
    """A file's entries as stored after a load found no problem in it, and the expansion work its
    check spent; None when not cached (or the entry is not what we write)."""
    data = datacache.read("rules", key)
    try:
        entries = [_Entry(e["values"], e["line"], e["key_lines"]) for e in data["entries"]]
        work = data["work"]
    except (TypeError, KeyError):
        return None
    if not isinstance(work, int) or not all(isinstance(e.values, dict) and isinstance(e.key_lines, dict)
                                            for e in entries):
        return None
    return entries, work


def _store_checked(key: str, entries: list[_Entry], work: int) -> None:
    data = {"entries": [{"values": e.values, "line": e.line, "key_lines": e.key_lines} for e in entries], "work": work}
    if datacache.round_trips(data):
        datacache.write("rules", key, data)


# ------------------------------------------------------------------------------- validation


class _RuleBuilder:
    """Validates one entry into a ``Rule``, recording every problem it finds."""

    def __init__(self, entry: _Entry, file: str, problems: list[RuleError], budget: ExpansionBudget,
                 checked: bool = False):
        self.budget = budget
        self.checked = checked  # from a file an earlier load checked in every template (data cache)
        self.entry = entry
        self.values = entry.values
        self.file = file
        self.problems = problems
        self.failed = False

    def problem(self, message_zh: str, message_en: str, key: Optional[str] = None, code: str = RULE_VALUE) -> None:
        self.add(RuleError(code, message_zh, message_en), key)

    def add(self, error: RuleError, key: Optional[str] = None) -> None:
        """Record ``error`` at the line of ``key`` (or of the rule)."""
        self.problems.append(error.located(self.file, self.entry.key_lines.get(key, self.entry.line)))
        self.failed = True

    def text(self, key: str, form: tuple[re.Pattern, str, str]) -> Optional[str]:
        value = self.values.get(key)
        if value is not None and (not isinstance(value, str) or not form[0].match(value)):
            self.problem(f"`{key}` 应为{form[1]}，而不是 {_shown(value)}", f"`{key}` must be {form[2]}, not {_shown(value)}",
                         key)
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: Optional[str] = None):
        value = self.values.get(key, default)
        if value is not None and (not isinstance(value, str) or value not in choices):
            self.problem(f"`{key}` 应为 {', '.join(choices)} 之一，而不是 {_shown(value)}",
                         f"`{key}` must be one of {', '.join(choices)}, not {_shown(value)}", key)
        return value

    def bilingual(self, key: str) -> tuple[str, str]:
        value = self.values.get(key)
        if value is None:
            return "", ""
        if not isinstance(value, dict) or set(value) - {"zh", "en"} or not all(
                isinstance(value.get(lang), str) and value[lang].strip() for lang in ("zh", "en")):
            self.problem(f"`{key}` 应为含非空 `zh` 与 `en` 文本的映射",
                         f"`{key}` must be a mapping with non-empty `zh` and `en` texts", key)
            return "", ""
        return value["zh"], value["en"]

    def id_list(self, key: str, choices: tuple[str, ...]) -> Optional[tuple[str, ...]]:
        value = self.values.get(key)
        if value is None:
            return None
        items = [str(item) if isinstance(item, int) and not isinstance(item, bool) else item
                 for item in (value if isinstance(value, list) else [value])]
        if not items or any(not isinstance(item, str) or item not in choices for item in items):
            self.problem(f"`{key}` 应为由 {', '.join(choices)} 组成的非空列表，而不是 {_shown(value)}",
                         f"`{key}` must be a non-empty list of {', '.join(choices)}, not {_shown(value)}", key)
            return None
        return tuple(dict.fromkeys(items))

    def for_each(self) -> ForEach:
        value = self.values.get("for_each")
        if value is None:
            return ()
        if not isinstance(value, dict) or not value:
            self.problem("`for_each` 应把变量映射到取值范围，例如 {column: table3.columns}",
                         "`for_each` must map variables to domains, e.g. {column: table3.columns}", "for_each")
            return ()
        pairs: list[tuple[str, Domain]] = []
        for variable, domain in value.items():
            if not isinstance(variable, str) or not _VARIABLE.match(variable):
                self.problem(f"for_each 变量 {_shown(variable)} 不是一个名称",
                             f"for_each variable {_shown(variable)} is not a name", "for_each")
                continue
            try:
                pairs.append((variable, parse_domain(domain)))
            except RuleError as error:
                self.add(error.prefixed(f"for_each ${variable}：", f"for_each ${variable}: "), "for_each")
        return tuple(pairs)

    def expression(self, for_each: ForEach, templates: tuple[str, ...]) -> Optional[Expr]:
        """Compile ``expr`` and expand it once in every declared template."""
        text = self.values.get("expr")
        if not isinstance(text, str):
            return None
        try:
            compiled = compile_expression(text, {variable for variable, _ in for_each})
            check_for_each(compiled, for_each)
            for template in templates if not self.checked else ():
                found, skipped = expand_instances(compiled, for_each, _template_resolver(template), self.budget)
                if not found:
                    zh, en = (f"：{skipped[0].message_zh}", f": {skipped[0].message_en}") if skipped else ("", "")
                    raise RuleError(RULE_NOT_IN_TEMPLATE, f"规则在 {template} 模板中没有任何实例{zh}；"
                                    "请用 `templates:` 限定模板",
                                    f"the rule has no instance in the {template} template{en}; "
                                    "restrict it with `templates:`")
        except RuleError as error:
            self.add(error.prefixed("expr：", "expr: "), "expr")
            return None
        return compiled

    def special_kind(self, kind: str, scope: str) -> None:
        """Check the keys of a built-in check (``kind`` other than ``expression``)."""
        if SPECIAL_KINDS[kind] != scope:
            self.problem(f"`kind: {kind}` 需要 `scope: {SPECIAL_KINDS[kind]}`",
                         f"`kind: {kind}` needs `scope: {SPECIAL_KINDS[kind]}`", "scope")
        for key in ("expr", "for_each"):
            if key in self.values:
                self.problem(f"`kind: {kind}` 不使用 `{key}`", f"`{key}` is not used with `kind: {kind}`", key)

    def build(self) -> Optional[Rule]:
        values = self.values
        unknown = sorted(str(key) for key in values if key not in REQUIRED_KEYS + OPTIONAL_KEYS)
        if unknown:
            self.problem(f"未知的键：{', '.join(unknown)}", f"unknown key(s): {', '.join(unknown)}", unknown[0],
                         code=RULE_UNKNOWN_KEY)
        scope = self.choice("scope", SCOPES, "report")
        kind = self.choice("kind", KINDS, "expression")
        required = REQUIRED_KEYS if kind == "expression" else tuple(k for k in REQUIRED_KEYS if k != "expr")
        missing = [key for key in required if values.get(key) is None]
        if missing:
            self.problem(f"缺少键：{', '.join(missing)}", f"missing key(s): {', '.join(missing)}",
                         code=RULE_MISSING_KEY)
        code = self.text("code", _CODE)
        name = self.text("name", _NAME)
        relation = self.text("relation", _RELATION)
        title_zh, title_en = self.bilingual("title")
        doc_zh, doc_en = self.bilingual("doc")
        severity = self.choice("severity", SEVERITIES)
        on_blank = self.choice("on_blank", ON_BLANK, "flag")
        on_missing = self.choice("on_missing", ON_MISSING, "skip")
        tolerance = self.choice("tolerance", TOLERANCES, "printed")
        templates = self.id_list("templates", template_ids()) or template_ids()
        declared_tables = self.id_list("tables", TABLE_IDS)
        if kind in SPECIAL_KINDS:
            self.special_kind(kind, scope)
            if self.failed:
                return None
            return Rule(code=code, name=name, relation=relation, title_zh=title_zh, title_en=title_en,
                        severity=severity, templates=templates, tables=declared_tables or TABLE_IDS,
                        for_each=(), expr="", compiled=None, on_blank=on_blank, on_missing=on_missing,
                        tolerance=tolerance, doc_zh=doc_zh, doc_en=doc_en, file=self.file,
                        line=self.entry.line, scope=scope, kind=kind)
        problems_before = len(self.problems)
        for_each = self.for_each()
        compiled = self.expression(for_each, templates) if len(self.problems) == problems_before else None
        if compiled is None or self.failed:
            return None
        if compiled.reports and scope != "pair":
            self.problem(f"引用其他报告的单元格（{', '.join(compiled.reports)}.）需要 `scope: pair`",
                         f"cells of another report ({', '.join(compiled.reports)}.) need `scope: pair`", "expr")
        elif scope == "pair" and not compiled.reports:
            self.problem("`scope: pair` 的规则与上年报告比较：请引用 prev. 单元格",
                         "a `scope: pair` rule compares with the previous report: name a prev. cell", "expr")
        elif scope == "aggregate":
            self.problem("`scope: aggregate` 的规则应为 `kind: sum_of_components`",
                         "`scope: aggregate` rules are `kind: sum_of_components`", "scope")
        if self.failed:
            return None
        read = tuple(dict.fromkeys(split_qualifier(table)[1] for table in compiled.tables))
        tables = declared_tables or read
        absent = [table for table in read if table not in tables]
        if absent:
            self.problem(f"`tables` 漏掉了表达式读取的 {', '.join(absent)}",
                         f"`tables` leaves out {', '.join(absent)}, which the expression reads", "tables")
            return None
        return Rule(code=code, name=name, relation=relation, title_zh=title_zh, title_en=title_en,
                    severity=severity, templates=templates, tables=tables, for_each=for_each,
                    expr=values["expr"], compiled=compiled, on_blank=on_blank, on_missing=on_missing,
                    tolerance=tolerance, doc_zh=doc_zh, doc_en=doc_en, file=self.file,
                    line=self.entry.line, scope=scope, kind=kind)


def _shown(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut short: a hostile file may hold a huge value."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _template_resolver(template: str) -> ViewResolver:
    """Every table (and a qualified one, ``prev.table3``) in one template: for load-time checks."""
    return lambda table: template_view(split_qualifier(table)[1], template)


# ------------------------------------------------------------------------------- public API


def read_rules(paths: Iterable[Union[str, Path]]) -> tuple[list[Rule], list[RuleError]]:
    """Every valid rule of the files, and every problem found in them."""
    rules: list[Rule] = []
    problems: list[RuleError] = []
    first_seen: dict[str, str] = {}
    budget = ExpansionBudget()
    for path in map(Path, paths):
        if budget.exhausted:  # reported once, at the rule that ran out; the rest is not checked
            break
        file = str(path)
        try:
            text = _read_text(path)
            key = _file_key(path, text)
            checked = _checked_entries(key)
            if checked is not None and budget.spent + checked[1] > budget.limit:
                checked = None  # over the budget with the other files: checked again, so the error says where
            entries = checked[0] if checked else _parse_entries(path, text)
        except RuleError as error:
            problems.append(error.located(file, None))
            continue
        if len(entries) > MAX_RULES_PER_FILE:
            problems.append(_too_many_rules(entries[MAX_RULES_PER_FILE].line).located(file, None))
            continue
        problems_before, spent_before = len(problems), budget.spent
        if checked:
            budget.spent += checked[1]
        for entry in entries:
            if budget.exhausted:
                break
            if not isinstance(entry.values, dict):
                problems.append(RuleError(RULE_STRUCTURE, "每条规则应为键值映射", "a rule must be a mapping of keys",
                                          file, entry.line))
                continue
            code = entry.values.get("code")
            where = f"{file}:{entry.line}" if entry.line else file
            if isinstance(code, str) and code in first_seen:
                problems.append(RuleError(RULE_DUPLICATE_CODE, f"规则代码 {code} 重复：首次定义于 {first_seen[code]}",
                                          f"duplicate rule code {code}: first defined at {first_seen[code]}",
                                          file, entry.key_lines.get("code", entry.line)))
                continue
            if isinstance(code, str):
                first_seen[code] = where
            rule = _RuleBuilder(entry, file, problems, budget, checked=checked is not None).build()
            if rule is not None:
                rules.append(rule)
        if checked is None and len(problems) == problems_before and not budget.exhausted:
            _store_checked(key, entries, budget.spent - spent_before)
    return rules, problems


def load_rule_files(paths: Iterable[Union[str, Path]]) -> list[Rule]:
    """The rules of the given files, in file order; raises the first problem as ``RuleError``."""
    rules, problems = read_rules(paths)
    if problems:
        raise problems[0]
    return rules


def default_rule_paths() -> list[Path]:
    """The shipped rule files: every *.yaml, *.yml and *.toml under rules/checks/, sorted."""
    root = rules_root() / "checks"
    return sorted(path for path in root.rglob("*") if path.suffix in RULE_SUFFIXES and path.is_file())


def load_default_rules() -> list[Rule]:
    """The shipped rules."""
    return load_rule_files(default_rule_paths())
