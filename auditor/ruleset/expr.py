"""The rule expression language: tokenizer, recursive-descent parser, expansion to relations.

A rule file is untrusted input, so an expression is read by this small grammar alone — no ``eval``,
no Python ``ast``, no attribute access on Python objects — within fixed limits (length, nesting,
literal size, terms after expansion). An expression is one of three kinds:

* ``relation``: one comparison of two linear sums of cells and numbers, e.g.
  ``table3.new.$column + table3.carried_over.$column == table3.total.$column + ...``;
* ``integer``: the cell predicate ``integer(table3.new.total)``;
* ``condition``: a test of the report's names, e.g. ``meta.year >= 2021 and meta.template.table3 == 2021``.

A cell name may carry a report qualifier (``REPORT_QUALIFIERS``): ``prev.table3.carried_forward.total``
is a cell of the same agency's report for the year before. Such names are allowed only in rules
with ``scope: pair`` (the loader checks this); they expand to a ``CellKey`` whose ``table`` is the
qualified name (``"prev.table3"``), so an evaluator reads them from a combined lookup.

Grammar, lowest precedence first::

    condition   := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation    := "not" negation | comparison
    comparison  := additive [("==" | "!=" | "<=" | ">=" | "<" | ">") additive]
    additive    := product (("+" | "-") product)*
    product     := unary ("*" unary)*
    unary       := ("-" | "+") unary | primary
    primary     := NUMBER | FUNCTION "(" condition ("," condition)* ")" | name | "(" condition ")"
    name        := WORD ("." (WORD | "$" WORD))*      (optionally QUALIFIER "." TABLE "." ROW "." COLUMN)

``compile_expression`` parses and checks the shape (one comparison at the top, ``*`` only with a
number on one side, groups only inside ``sum``) and every name against the template ids;
``Expr.expand`` binds the ``for_each`` variables and resolves groups in one template's view of a table.
"""
from __future__ import annotations

import itertools
import keyword
import operator
import re
from dataclasses import dataclass, fields
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext
from functools import cached_property, lru_cache
from typing import Callable, Iterator, Optional, Union

from .. import templates
from ..templates import TABLE_IDS, TableView
from .errors import RULE_CODES, RULE_EXPRESSION, RULE_FORBIDDEN, RULE_NOT_IN_TEMPLATE, RULE_TOO_COMPLEX, RULE_VALUE

MAX_LENGTH = 2000  # characters in one expression
MAX_DEPTH = 32  # nested parentheses, calls, unary signs and "not"
MAX_TERMS = 500  # cell terms after groups are expanded
MAX_DIGITS = 30  # digits in one numeric literal
MAX_INSTANCES = 10_000  # variable bindings of one rule in one template
MAX_LOAD_WORK = 20_000  # instances plus their terms, over every rule and template checked in one load

FUNCTIONS = ("sum", "integer")
KEYWORDS = ("and", "or", "not")
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
# meta.template_for_year: the template the report's year calls for (rules/templates/templates.yaml).
META_NAMES = ("meta.year", "meta.template.table2", "meta.template.table3", "meta.template_for_year")
# Report qualifiers of cross-report rules: the name in expressions -> (zh, en) label of that report.
REPORT_QUALIFIERS = {"prev": ("上年报告", "last year's report")}


def split_qualifier(table: str) -> tuple[str, str]:
    """``"prev.table3"`` -> ``("prev", "table3")``; a plain ``"table3"`` -> ``("", "table3")``."""
    qualifier, _, base = table.rpartition(".")
    return qualifier, base

ViewResolver = Callable[[str], TableView]  # a table name (qualified, "prev.table3", in pair rules) -> its view

# Exact arithmetic for coefficients: literals are short and the text is bounded, so nothing rounds.
_ARITHMETIC = Context(prec=2 * MAX_LENGTH, traps=[InvalidOperation, Inexact, Overflow, DivisionByZero])
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge,
            "<": operator.lt, ">": operator.gt}
_MIRRORED = {"==": "==", "!=": "!=", "<=": ">=", ">=": "<=", "<": ">", ">": "<"}


class RuleError(Exception):
    """A rule or expression that cannot be used: a catalogue code (``errors.py``), a message in
    Chinese and in English, and where it is. ``str()`` is ``file:line: message`` (English);
    ``text(lang)`` is the same in either language; ``message`` is the English message."""

    def __init__(self, code: str, message_zh: str, message_en: str, file: Optional[str] = None,
                 line: Optional[int] = None):
        if code not in RULE_CODES:
            raise ValueError(f"{code!r} is not a rule error code (auditor/ruleset/errors.py)")
        super().__init__(code, message_zh, message_en, file, line)  # all of them: it pickles
        self.code = code  # RULE-SYNTAX, RULE-VALUE, RULE-EXPRESSION ...
        self.message_zh = message_zh
        self.message_en = message_en
        self.file = file
        self.line = line

    @property
    def message(self) -> str:
        return self.message_en

    def localized(self, lang: str = "zh") -> str:
        """The message alone, in ``lang`` (zh, en)."""
        return self.message_zh if lang == "zh" else self.message_en

    @property
    def where(self) -> str:
        return ":".join(str(part) for part in (self.file, self.line) if part is not None)

    def text(self, lang: str = "en") -> str:
        """``file:line: message`` in ``lang``."""
        return f"{self.where}: {self.localized(lang)}" if self.where else self.localized(lang)

    def located(self, file: Optional[str], line: Optional[int]) -> "RuleError":
        """The same error, placed in ``file`` at ``line`` unless it already knows better."""
        return type(self)(self.code, self.message_zh, self.message_en, self.file or file, self.line or line)

    def prefixed(self, zh: str, en: str) -> "RuleError":
        """The same error with its messages prefixed (e.g. by the key it was found under)."""
        return type(self)(self.code, zh + self.message_zh, en + self.message_en, self.file, self.line)

    def __str__(self) -> str:
        return self.text("en")


class NotInTemplate(RuleError):
    """A cell the expression names does not exist in the template at hand."""


# ------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CellKey:
    table: str
    row: str
    column: str

    def __str__(self) -> str:
        return f"{self.table}.{self.row}.{self.column}"


@dataclass(frozen=True)
class Term:
    coef: Union[int, Decimal]
    cell: CellKey


@dataclass(frozen=True)
class LinearRelation:
    """``sum(lhs) + lhs_const  op  sum(rhs) + rhs_const``, with like terms merged on each side."""

    lhs: tuple[Term, ...]
    lhs_const: Decimal
    op: str
    rhs: tuple[Term, ...]
    rhs_const: Decimal
    text: str

    @property
    def cells(self) -> tuple[CellKey, ...]:
        return tuple(dict.fromkeys(term.cell for term in self.lhs + self.rhs))

    @cached_property
    def signed_terms(self) -> tuple[tuple[CellKey, Decimal, int], ...]:
        """Every term as (cell, coefficient as a Decimal, side: +1 left, -1 right), worked out once."""
        return tuple((t.cell, Decimal(t.coef), +1) for t in self.lhs) + \
            tuple((t.cell, Decimal(t.coef), -1) for t in self.rhs)

    @cached_property
    def indexed_terms(self) -> tuple[tuple[tuple[str, str, str], Decimal, int], ...]:
        """``signed_terms`` with each cell as a plain (table, row, column) key: the engine's index."""
        return tuple(((c.table, c.row, c.column), coef, side) for c, coef, side in self.signed_terms)


@dataclass(frozen=True)
class IntegerCheck:
    """The cell's value must have no fractional part."""

    cell: CellKey
    text: str

    @cached_property
    def index_key(self) -> tuple[str, str, str]:
        """The cell as a plain (table, row, column) key: the engine's index."""
        return (self.cell.table, self.cell.row, self.cell.column)


@dataclass(frozen=True)
class MetaCondition:
    """A boolean test over the report's names (``meta.year``, ``meta.template.table3`` …)."""

    tree: object
    text: str

    def evaluate(self, meta: dict) -> Optional[bool]:
        """True or False; None when a name it needs is unknown (see ``meta_number``).

        ``meta`` maps full names (``"meta.year"``) to values; ``meta_from_report`` builds it.
        Unknown values follow three-valued logic: ``False and unknown`` is False, ``True or
        unknown`` is True. The literal 0 stands for "unknown": ``meta.template.table3 == 0``
        is True when the template is not known.
        """
        return _evaluate(self.tree, meta)


Expansion = Union[LinearRelation, IntegerCheck, MetaCondition]


def meta_number(value: object) -> Optional[int]:
    """A meta value as a number: years and template ids as ints, None when unknown.

    Templates are "2019" and "2021"; "pre-2019" reads as 2018; "unknown", None and 0 are unknown.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "pre-2019":
            return 2018
        if not value.isdecimal() or len(value) > 8:
            return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number or None


def meta_from_report(report) -> dict[str, object]:
    """The meta names of a ``model.Report``, for ``MetaCondition.evaluate``."""
    return {
        "meta.year": report.year,
        "meta.template.table2": report.template.table2,
        "meta.template.table3": report.template.table3,
        "meta.template_for_year": templates.template_for_year(report.year),
    }


# ------------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Token:
    kind: str  # number | word | variable | op | end
    text: str
    pos: int  # 0-based offset in the expression

    def describe(self) -> str:
        return "the end of the expression" if self.kind == "end" else repr(self.text)

    def describe_zh(self) -> str:
        return "表达式结尾" if self.kind == "end" else repr(self.text)


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>[0-9]+(?:\.[0-9]+)?)
  | (?P<variable>\$[A-Za-z_][A-Za-z0-9_]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<power>\*\*)
  | (?P<op>==|!=|<=|>=|[-+*<>(),.])
""", re.VERBOSE)

_HINTS = {  # character -> (zh, en) hint
    "=": ("（比较请用 ==）", " (compare with ==)"), "$": ("（变量写作 $名称）", " (a variable is $name)"),
}
# Characters of Python (or other languages) that the rule language does not have at all.
_FORBIDDEN_CHARS = {
    "/": ("（没有除法）", " (no division)"), "^": ("（没有乘方）", " (no power operator)"),
    "'": ("（没有字符串）", " (no strings)"), '"': ("（没有字符串）", " (no strings)"),
    "[": ("（没有下标、列表或推导式）", " (no indexing, lists or comprehensions)"),
    "]": ("（没有下标、列表或推导式）", " (no indexing, lists or comprehensions)"),
    "{": ("（没有字典或集合）", " (no dicts or sets)"), "}": ("（没有字典或集合）", " (no dicts or sets)"),
    ":": ("（没有 lambda、切片或字典）", " (no lambda, slices or dicts)"),
    ";": ("（只能写一个表达式）", " (one expression only)"), "%": ("（没有取模或格式化）", " (no modulo)"),
    "@": ("（没有矩阵乘法或装饰器）", " (no @)"), "~": ("（没有位运算）", " (no bitwise operators)"),
    "&": ("（没有位运算，请用 and）", " (no bitwise operators: use and)"),
    "|": ("（没有位运算，请用 or）", " (no bitwise operators: use or)"),
    "`": ("（没有反引号）", " (no backticks)"), "\\": ("（没有反斜杠）", " (no backslashes)"),
    "!": ("（不等请用 !=，取反请用 not）", " (use != or not)"),
}
# Python keywords other than and/or/not: a rule's expression never runs as Python.
_PYTHON_WORDS = frozenset(keyword.kwlist) - set(KEYWORDS)


def tokenize(text: str) -> list[_Token]:
    """The tokens of ``text``, ending with an ``end`` token."""
    if len(text) > MAX_LENGTH:
        raise RuleError(RULE_TOO_COMPLEX, f"表达式长 {len(text)} 个字符，上限为 {MAX_LENGTH} 个",
                        f"expression is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            if char in _FORBIDDEN_CHARS:
                zh, en = _FORBIDDEN_CHARS[char]
                raise _error(f"规则语言中不能使用字符 {char!r}{zh}", f"character {char!r} is not part of the "
                             f"rule language{en}", pos, RULE_FORBIDDEN)
            zh, en = _HINTS.get(char, ("", ""))
            raise _error(f"意外的字符 {char!r}{zh}", f"unexpected character {char!r}{en}", pos)
        kind = match.lastgroup
        if kind == "power":
            raise _error("不能使用乘方运算符 **", "the power operator ** is not allowed", pos, RULE_FORBIDDEN)
        if kind == "number" and len(match.group().replace(".", "")) > MAX_DIGITS:
            raise _error(f"数字超过 {MAX_DIGITS} 位", f"numeric literal longer than {MAX_DIGITS} digits", pos,
                         RULE_TOO_COMPLEX)
        if kind == "word" and (match.group().startswith("_") or match.group() in _PYTHON_WORDS):
            raise _error(f"{match.group()!r} 是 Python 的写法，不属于规则语言（表达式不会作为代码执行）",
                         f"{match.group()!r} is Python, not part of the rule language (an expression "
                         "never runs as code)", pos, RULE_FORBIDDEN)
        if kind != "space":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _error(message_zh: str, message_en: str, pos: int, code: str = RULE_EXPRESSION) -> RuleError:
    return RuleError(code, f"{message_zh}（第 {pos + 1} 列）", f"{message_en} at column {pos + 1}")


# ------------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class _Number:
    value: Decimal


@dataclass(frozen=True)
class _Cell:
    table: str
    row: str  # an id, a group name, or "$variable"
    column: str
    pos: int
    report: str = ""  # a REPORT_QUALIFIERS name ("prev"), or "" for the report at hand

    @property
    def qualified_table(self) -> str:
        return f"{self.report}.{self.table}" if self.report else self.table

    def __str__(self) -> str:
        return f"{self.qualified_table}.{self.row}.{self.column}"


@dataclass(frozen=True)
class _Meta:
    name: str
    pos: int


@dataclass(frozen=True)
class _Negate:
    operand: object


@dataclass(frozen=True)
class _Add:
    """``operands[0] signs[1] operands[1] ...``; chains stay flat so trees stay shallow."""

    signs: tuple[str, ...]  # "+" | "-", one per operand (the first is "+")
    operands: tuple


@dataclass(frozen=True)
class _Product:
    factors: tuple
    pos: int


@dataclass(frozen=True)
class _Sum:
    args: tuple
    pos: int


@dataclass(frozen=True)
class _Integer:
    arg: object
    pos: int


@dataclass(frozen=True)
class _Compare:
    op: str
    left: object
    right: object
    pos: int


@dataclass(frozen=True)
class _Logic:
    op: str  # and | or
    operands: tuple


@dataclass(frozen=True)
class _Not:
    operand: object


def _walk(node) -> Iterator[object]:
    """``node`` and every node below it."""
    yield node
    for field in fields(node):
        value = getattr(node, field.name)
        for child in value if isinstance(value, tuple) else (value,):
            if hasattr(child, "__dataclass_fields__"):
                yield from _walk(child)


# ------------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over the token list; each method is one grammar rule."""

    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def accept(self, kind: str, *texts: str) -> Optional[_Token]:
        token = self.token
        if token.kind == kind and (not texts or token.text in texts):
            self.index += 1
            return token
        return None

    def expect(self, text: str) -> _Token:
        token = self.accept("op", text)
        if token is None:
            raise _error(f"此处应为 {text!r}，却是 {self.token.describe_zh()}",
                         f"expected {text!r}, found {self.token.describe()}", self.token.pos)
        return token

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(f"表达式嵌套超过 {MAX_DEPTH} 层", f"expression nested deeper than {MAX_DEPTH} levels",
                         self.token.pos, RULE_TOO_COMPLEX)

    def parse(self):
        node = self.condition()
        if self.token.kind != "end":
            raise _error(f"意外的 {self.token.describe_zh()}", f"unexpected {self.token.describe()}", self.token.pos)
        return node

    def condition(self):
        operands = [self.conjunction()]
        while self.accept("word", "or"):
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else _Logic("or", tuple(operands))

    def conjunction(self):
        operands = [self.negation()]
        while self.accept("word", "and"):
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else _Logic("and", tuple(operands))

    def negation(self):
        if not self.accept("word", "not"):
            return self.comparison()
        self.enter()
        node = _Not(self.negation())
        self.depth -= 1
        return node

    def comparison(self):
        left = self.additive()
        op = self.accept("op", *COMPARISONS)
        if op is None:
            return left
        right = self.additive()
        if self.token.kind == "op" and self.token.text in COMPARISONS:
            raise _error("只能有一个比较（不能连写 a <= b <= c）",
                         "only one comparison is allowed (no chains like a <= b <= c)", self.token.pos)
        return _Compare(op.text, left, right, op.pos)

    def additive(self):
        signs, operands = ["+"], [self.product()]
        while (op := self.accept("op", "+", "-")) is not None:
            signs.append(op.text)
            operands.append(self.product())
        return operands[0] if len(operands) == 1 else _Add(tuple(signs), tuple(operands))

    def product(self):
        factors, pos = [self.unary()], self.token.pos
        while self.accept("op", "*"):
            factors.append(self.unary())
        return factors[0] if len(factors) == 1 else _Product(tuple(factors), pos)

    def unary(self):
        sign = self.accept("op", "-", "+")
        if sign is None:
            return self.primary()
        self.enter()
        operand = self.unary()
        self.depth -= 1
        return _Negate(operand) if sign.text == "-" else operand

    def primary(self):
        token = self.token
        if self.accept("number"):
            return _Number(Decimal(token.text))
        if self.accept("op", "("):
            self.enter()
            node = self.condition()
            self.expect(")")
            self.depth -= 1
            return node
        if token.kind == "word" and token.text not in KEYWORDS:
            if self.tokens[self.index + 1].text == "(":
                return self.call()
            return self.name()
        if token.kind == "variable":
            raise _error(f"变量 {token.text} 只能用作单元格名称中的行或列",
                         f"variable {token.text} can only stand for the row or column of a cell name", token.pos)
        raise _error(f"意外的 {token.describe_zh()}", f"unexpected {token.describe()}", token.pos)

    def call(self):
        name = self.accept("word")
        if name.text not in FUNCTIONS:
            raise _error(f"未知的函数 {name.text!r}（只有 {', '.join(FUNCTIONS)}）",
                         f"unknown function {name.text!r} (functions: {', '.join(FUNCTIONS)})", name.pos,
                         RULE_FORBIDDEN)
        self.enter()
        self.expect("(")
        args = [self.condition()]
        while self.accept("op", ","):
            args.append(self.condition())
        self.expect(")")
        self.depth -= 1
        if name.text == "sum":
            return _Sum(tuple(args), name.pos)
        if len(args) != 1 or not isinstance(args[0], _Cell):
            raise _error("integer() 只接受一个单元格名称", "integer() takes exactly one cell name", name.pos)
        return _Integer(args[0], name.pos)

    def name(self):
        first = self.accept("word")
        parts = [first.text]
        while self.accept("op", "."):
            part = self.accept("word") or self.accept("variable")
            if part is None:
                raise _error(f"'.' 之后应为名称，却是 {self.token.describe_zh()}",
                             f"expected a name after '.', found {self.token.describe()}", self.token.pos)
            parts.append(part.text)
        return _name_node(parts, first.pos)


def _name_node(parts: list[str], pos: int):
    """A cell reference or a meta name; anything else is an unknown name."""
    dotted = ".".join(parts)
    report = ""
    if parts[0] in REPORT_QUALIFIERS and len(parts) > 1 and parts[1] in TABLE_IDS:
        report, parts = parts[0], parts[1:]
    if parts[0] in TABLE_IDS:
        if len(parts) != 3:
            form = f"{report}.TABLE.ROW.COLUMN" if report else "TABLE.ROW.COLUMN"
            raise _error(f"单元格名称的写法是 {form}，而不是 {dotted!r}", f"a cell name is {form}, not {dotted!r}", pos)
        table, row, column = parts
        for part, axis in ((row, "row"), (column, "column")):
            ids, groups = axis_names(table, axis)
            if not part.startswith("$") and part not in ids and part not in groups:
                raise _error(f"{dotted!r} 中 {table} 没有{'行' if axis == 'row' else '列'} {part!r}",
                             f"unknown {axis} {part!r} of {table} in {dotted!r}", pos)
        return _Cell(table, row, column, pos, report)
    if parts[0] == "meta":
        if dotted not in META_NAMES:
            raise _error(f"未知的名称 {dotted!r}（meta 名称有 {', '.join(META_NAMES)}）",
                         f"unknown name {dotted!r} (meta names: {', '.join(META_NAMES)})", pos)
        return _Meta(dotted, pos)
    raise _error(f"未知的名称 {dotted!r}", f"unknown name {dotted!r}", pos)


@lru_cache(maxsize=None)
def axis_names(table: str, axis: str) -> tuple[frozenset[str], frozenset[str]]:
    """The ids and the group names of a table's rows or columns, across templates."""
    rows, columns, row_groups, column_groups = templates.all_ids(table)
    if axis == "row":
        return frozenset(rows), frozenset(row_groups - rows)
    return frozenset(columns), frozenset(column_groups - columns)


# ------------------------------------------------------------------------------- shape checks


def _is_constant(node) -> bool:
    if isinstance(node, _Number):
        return True
    if isinstance(node, _Negate):
        return _is_constant(node.operand)
    if isinstance(node, _Add):
        return all(_is_constant(operand) for operand in node.operands)
    return isinstance(node, _Product) and all(_is_constant(factor) for factor in node.factors)


def _is_group(cell: _Cell) -> bool:
    return cell.row in axis_names(cell.table, "row")[1] or cell.column in axis_names(cell.table, "column")[1]


def _check_linear(node, in_sum: bool) -> None:
    """Raise unless ``node`` is a linear sum of cells and numbers."""
    if isinstance(node, _Number):
        return
    if isinstance(node, _Cell):
        if not in_sum and _is_group(node):
            raise _error(f"{node} 是一组单元格，组只能用在 sum() 之内",
                         f"{node} names a group; a group can only be used inside sum()", node.pos)
        return
    if isinstance(node, _Negate):
        return _check_linear(node.operand, in_sum)
    if isinstance(node, _Sum):
        for arg in node.args:
            _check_linear(arg, True)
        return
    if isinstance(node, _Product) and sum(not _is_constant(f) for f in node.factors) > 1:
        raise _error("'*' 的一侧必须是数字（关系式须为线性）", "'*' needs a number on one side (relations stay linear)",
                     node.pos)
    if isinstance(node, (_Add, _Product)):
        for operand in node.operands if isinstance(node, _Add) else node.factors:
            _check_linear(operand, in_sum)
        return
    if isinstance(node, _Meta):
        raise _error(f"{node.name} 只能在条件中与数字比较",
                     f"{node.name} can only be compared with a number in a condition", node.pos)
    if isinstance(node, _Integer):
        raise _error("integer() 是单独的检查，不是一个值", "integer() is a check of its own, not a value", node.pos)
    if isinstance(node, _Compare):
        raise _error("只能有一个比较，且位于关系式的最外层",
                     "only one comparison is allowed, at the top of a relation", node.pos)
    raise _error("and、or、not 只能连接关于 meta 名称的条件",
                 "'and', 'or' and 'not' combine conditions over meta names only", 0)


def _check_condition(node) -> None:
    """Raise unless ``node`` is and/or/not over comparisons of a meta name with a number."""
    if isinstance(node, _Logic):
        for operand in node.operands:
            _check_condition(operand)
    elif isinstance(node, _Not):
        _check_condition(node.operand)
    elif not (isinstance(node, _Compare) and _meta_comparison(node) is not None):
        raise _error("条件是 meta 名称与数字或另一 meta 名称的比较，例如 meta.year >= 2021",
                     "a condition compares a meta name with a number or another meta name, e.g. meta.year >= 2021",
                     getattr(node, "pos", 0))


def _meta_comparison(node: _Compare) -> Optional[tuple[str, str, Union[Decimal, str]]]:
    """(name, op, number or other name) with a name on the left, or None if ``node`` is not of that form."""
    if isinstance(node.left, _Meta) and isinstance(node.right, _Meta):
        return node.left.name, node.op, node.right.name
    if isinstance(node.left, _Meta) and _is_constant(node.right):
        return node.left.name, node.op, _constant(node.right)
    if isinstance(node.right, _Meta) and _is_constant(node.left):
        return node.right.name, _MIRRORED[node.op], _constant(node.left)
    return None


def _constant(node) -> Decimal:
    """The value of a constant subtree (numbers, signs, + - *)."""
    with localcontext(_ARITHMETIC):
        return _Expander({}, None).linear(node, in_sum=False)[1]


def _kind(tree) -> str:
    if isinstance(tree, _Integer):
        if _is_group(tree.arg):
            raise _error(f"integer() 只接受一个单元格，不能是组 {tree.arg}",
                         f"integer() takes one cell, not the group {tree.arg}", tree.pos)
        return "integer"
    if isinstance(tree, _Compare) and not any(isinstance(n, _Meta) for n in _walk(tree)):
        _check_linear(tree.left, False)
        _check_linear(tree.right, False)
        if not any(isinstance(n, _Cell) for n in _walk(tree)):
            raise _error("关系式中没有任何单元格", "the relation names no cell", tree.pos)
        return "relation"
    if isinstance(tree, (_Logic, _Not, _Compare)):
        _check_condition(tree)
        return "condition"
    raise _error("表达式应为一个比较、integer(单元格) 或关于 meta 名称的条件",
                 "an expression is a comparison, integer(CELL) or a condition over meta names", 0)


# ------------------------------------------------------------------------------- compiled form


@dataclass(frozen=True)
class Expr:
    """A parsed, checked expression, ready to be expanded for one template."""

    text: str
    kind: str  # relation | integer | condition
    tree: object
    variables: frozenset[str]
    tables: tuple[str, ...]  # the tables it reads, in order of appearance ("prev.table3" when qualified)

    @property
    def reports(self) -> tuple[str, ...]:
        """The report qualifiers its cells use (``("prev",)`` for a cross-year rule), sorted."""
        return tuple(sorted({split_qualifier(table)[0] for table in self.tables} - {""}))

    def variable_uses(self) -> dict[str, set[tuple[str, str]]]:
        """For each variable, the (table, "row"|"column") positions it stands in."""
        uses: dict[str, set[tuple[str, str]]] = {}
        for node in _walk(self.tree):
            if isinstance(node, _Cell):
                for part, axis in ((node.row, "row"), (node.column, "column")):
                    if part.startswith("$"):
                        uses.setdefault(part[1:], set()).add((node.table, axis))
        return uses

    def substituted(self, bindings: dict[str, str]) -> str:
        """The text as written, with bound ``$variables`` replaced and white space collapsed."""
        text = re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)",
                      lambda m: bindings.get(m.group(1), m.group(0)), self.text)
        return " ".join(text.split())

    def expand(self, bindings: dict[str, str], view_resolver: ViewResolver) -> Expansion:
        """The relation, check or condition for one variable binding in one template.

        ``view_resolver(table)`` gives the template's ``TableView`` of a table; groups expand
        to the members that exist there. Raises ``NotInTemplate`` when a named cell does not.
        """
        text = self.substituted(bindings)
        if self.kind == "condition":
            return MetaCondition(self.tree, text)
        expander = _Expander(bindings, view_resolver)
        try:
            with localcontext(_ARITHMETIC):
                if self.kind == "integer":
                    return IntegerCheck(expander.cells(self.tree.arg, in_sum=False)[0], text)
                lhs, lhs_const = expander.linear(self.tree.left, False)
                rhs, rhs_const = expander.linear(self.tree.right, False)
        except ArithmeticError as exc:  # cannot happen within the limits; kept as a rule error
            raise RuleError(RULE_EXPRESSION, f"{text!r} 计算出错：{exc!r}",
                            f"arithmetic error in {text!r}: {exc!r}") from None
        return LinearRelation(_terms(lhs), lhs_const, self.tree.op, _terms(rhs), rhs_const, text)


def compile_expression(text: str, variables: Optional[set[str]] = None) -> Expr:
    """Parse and check ``text``; with ``variables``, every ``$name`` used must be among them."""
    if not isinstance(text, str):
        raise RuleError(RULE_EXPRESSION, "表达式必须是字符串", "an expression must be a string")
    return _compiled(text, None if variables is None else frozenset(variables), templates.fingerprint())


@lru_cache(maxsize=1024)
def _compiled(text: str, variables: Optional[frozenset[str]], _templates: str) -> Expr:
    """``compile_expression``, once per text, variables and templates in force (a run loads the shipped
    rules twice: for the catalogue and to run them). An ``Expr`` is immutable; errors are not kept."""
    tree = _Parser(text).parse()
    kind = _kind(tree)
    cells = [node for node in _walk(tree) if isinstance(node, _Cell)]
    used = {part[1:] for cell in cells for part in (cell.row, cell.column) if part.startswith("$")}
    if variables is not None:
        for name in sorted(used - set(variables)):
            raise RuleError(RULE_EXPRESSION, f"变量 ${name} 没有取值：请用 for_each 给出",
                            f"unbound variable ${name}: bind it with for_each")
    tables = tuple(dict.fromkeys(cell.qualified_table for cell in cells))
    return Expr(text=text, kind=kind, tree=tree, variables=frozenset(used), tables=tables)


# ------------------------------------------------------------------------------- expansion


def cell_exists(view: TableView, row: str, column: str) -> bool:
    """Whether the template has this cell (its row, its column, and the pair in its layout)."""
    if row not in view.row_ids or column not in view.column_ids:
        return False
    return not view.layout or column in view.layout.get(row, ())


def _members(name: str, ids: tuple[str, ...], groups: dict[str, tuple[str, ...]]):
    """(ids the name stands for, whether it is a group); ids is None when the view lacks it."""
    if name in ids:
        return (name,), False
    if name in groups:
        return groups[name], True
    return None, False


_Form = tuple[dict[CellKey, Decimal], Decimal]  # coefficients by cell, constant


class _Expander:
    """Turns the linear part of a tree into coefficients, for one binding and one template."""

    def __init__(self, bindings: dict[str, str], view_resolver: ViewResolver):
        self.bindings = bindings
        self.view_resolver = view_resolver
        self.count = 0

    def bind(self, part: str) -> str:
        if not part.startswith("$"):
            return part
        if part[1:] not in self.bindings:
            raise RuleError(RULE_EXPRESSION, f"变量 {part} 没有取值：请用 for_each 给出",
                            f"unbound variable {part}: bind it with for_each")
        return self.bindings[part[1:]]

    def cells(self, node: _Cell, in_sum: bool) -> list[CellKey]:
        row, column = self.bind(node.row), self.bind(node.column)
        table = node.qualified_table  # the resolver gives the qualified report's view
        name = f"{table}.{row}.{column}"
        view = self.view_resolver(table)
        rows, row_group = _members(row, view.row_ids, view.row_groups)
        columns, column_group = _members(column, view.column_ids, view.column_groups)
        if (row_group or column_group) and not in_sum:
            raise RuleError(RULE_EXPRESSION, f"{name} 是一组单元格，组只能用在 sum() 之内",
                            f"{name} names a group; a group can only be used inside sum()")
        if rows is None or columns is None:
            raise NotInTemplate(RULE_NOT_IN_TEMPLATE, f"{view.template} 模板中没有 {name}",
                                f"{name} is not in the {view.template} template")
        found = [CellKey(table, r, c) for r in rows for c in columns if cell_exists(view, r, c)]
        if not found and not (row_group or column_group):
            raise NotInTemplate(RULE_NOT_IN_TEMPLATE, f"{view.template} 模板中没有 {name}",
                                f"{name} is not in the {view.template} template")
        self.count += len(found)
        if self.count > MAX_TERMS:
            raise RuleError(RULE_TOO_COMPLEX, f"展开后超过 {MAX_TERMS} 项",
                            f"more than {MAX_TERMS} terms after expansion")
        return found

    def linear(self, node, in_sum: bool) -> _Form:
        if isinstance(node, _Number):
            return {}, node.value
        if isinstance(node, _Cell):
            return {cell: Decimal(1) for cell in self.cells(node, in_sum)}, Decimal(0)
        if isinstance(node, _Negate):
            return _scaled(self.linear(node.operand, in_sum), Decimal(-1))
        if isinstance(node, _Sum):
            total: _Form = ({}, Decimal(0))
            for arg in node.args:
                total = _added(total, self.linear(arg, True), Decimal(1))
            return total
        if isinstance(node, _Add):
            total = ({}, Decimal(0))
            for sign, operand in zip(node.signs, node.operands):
                total = _added(total, self.linear(operand, in_sum), Decimal(1 if sign == "+" else -1))
            return total
        product: _Form = ({}, Decimal(1))  # _Product: at most one factor has cells
        for factor in node.factors:
            form = self.linear(factor, in_sum)
            product = _scaled(form, product[1]) if form[0] else _scaled(product, form[1])
        return product


def _scaled(form: _Form, factor: Decimal) -> _Form:
    coefficients, constant = form
    return {cell: coef * factor for cell, coef in coefficients.items()}, constant * factor


def _added(left: _Form, right: _Form, sign: Decimal) -> _Form:
    coefficients = dict(left[0])
    for cell, coef in right[0].items():
        coefficients[cell] = coefficients.get(cell, Decimal(0)) + sign * coef
    return coefficients, left[1] + sign * right[1]


def _terms(coefficients: dict[CellKey, Decimal]) -> tuple[Term, ...]:
    """Non-zero terms in order of first appearance; whole coefficients as ``int``."""
    return tuple(Term(int(coef) if coef == coef.to_integral_value() else coef, cell)
                 for cell, coef in coefficients.items() if coef != 0)


def _evaluate(node, meta: dict) -> Optional[bool]:
    if isinstance(node, _Not):
        value = _evaluate(node.operand, meta)
        return None if value is None else not value
    if isinstance(node, _Logic):
        values = [_evaluate(operand, meta) for operand in node.operands]
        decisive = node.op == "or"  # True decides "or", False decides "and"
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    name, op, number = _meta_comparison(node)
    value = meta_number(meta.get(name))
    if isinstance(number, str):  # two names: unknown when either is
        other = meta_number(meta.get(number))
        return None if value is None or other is None else _COMPARE[op](value, other)
    if value is None:
        return (op == "==") if number == 0 and op in ("==", "!=") else None
    return _COMPARE[op](value, number)


# ------------------------------------------------------------------------------- for_each


@dataclass(frozen=True)
class Domain:
    """What a ``for_each`` variable ranges over: ``TABLE.rows``, ``TABLE.columns``, a group, or a list."""

    text: str  # as written
    table: Optional[str] = None  # None for an explicit list
    axis: Optional[str] = None  # "row" | "column"
    group: Optional[str] = None  # None: every row / column of the table
    values: tuple[str, ...] = ()  # the explicit list

    def resolve(self, view_resolver: ViewResolver) -> tuple[str, ...]:
        """The ids the variable takes in the template at hand."""
        if self.table is None:
            return self.values
        view = view_resolver(self.table)
        if self.group is None:
            return view.row_ids if self.axis == "row" else view.column_ids
        return (view.row_groups if self.axis == "row" else view.column_groups)[self.group]


_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def parse_domain(value: object) -> Domain:
    """A ``for_each`` domain from its written form: a string ``TABLE.NAME`` or a list of ids."""
    if isinstance(value, (list, tuple)):
        if not value or not all(isinstance(v, str) and _ID.match(v) for v in value):
            raise RuleError(RULE_VALUE, "for_each 列表必须是非空的 id 列表", "a for_each list must be a non-empty list of ids")
        if len(set(value)) != len(value):
            raise RuleError(RULE_VALUE, f"for_each 列表 {list(value)} 有重复的 id",
                            f"for_each list {list(value)} repeats an id")
        return Domain(text=f"[{', '.join(value)}]", values=tuple(value))
    if not isinstance(value, str):
        raise RuleError(RULE_VALUE, "for_each 的取值范围应为 TABLE.rows、TABLE.columns、TABLE.组名 或 id 列表",
                        "a for_each domain is TABLE.rows, TABLE.columns, TABLE.GROUP or a list of ids")
    table, _, name = value.partition(".")
    if table not in TABLE_IDS:
        raise RuleError(RULE_VALUE, f"for_each 取值范围 {value!r}：未知的表 {table!r}",
                        f"for_each domain {value!r}: unknown table {table!r}")
    if name in ("rows", "columns"):
        return Domain(text=value, table=table, axis=name[:-1])
    for axis in ("row", "column"):
        if name in axis_names(table, axis)[1]:
            return Domain(text=value, table=table, axis=axis, group=name)
    raise RuleError(RULE_VALUE, f"for_each 取值范围 {value!r}：{name!r} 不是 rows、columns 或 {table} 的组",
                    f"for_each domain {value!r}: {name!r} is not rows, columns or a group of {table}")


ForEach = tuple[tuple[str, Domain], ...]  # (variable, domain) pairs, in the order written


def check_for_each(expr: Expr, for_each: ForEach) -> None:
    """Raise unless each variable is used, and only where its domain's ids belong."""
    uses = expr.variable_uses()
    for variable, domain in for_each:
        if variable not in uses:
            raise RuleError(RULE_VALUE, f"for_each 变量 ${variable} 在表达式中没有用到",
                            f"for_each variable ${variable} is not used in the expression")
        for table, axis in sorted(uses[variable]):
            if domain.table is not None and (domain.table, domain.axis) != (table, axis):
                zh_axis = {"row": "行", "column": "列"}
                raise RuleError(RULE_VALUE, f"${variable} 的取值范围是 {domain.text}（{domain.table} 的"
                                f"{zh_axis[domain.axis]}），却用作 {table} 的{zh_axis[axis]}",
                                f"${variable} ranges over {domain.text} ({domain.table} {domain.axis}s) "
                                f"but stands for a {axis} of {table}")
            ids, groups = axis_names(table, axis)
            for value in domain.values:
                if value not in ids and value not in groups:
                    raise RuleError(RULE_VALUE, f"${variable} 取值 {value!r}，它不是 {table} 的"
                                    f"{'行' if axis == 'row' else '列'}",
                                    f"${variable} takes {value!r}, which is not a {axis} of {table}")


def bindings_of(for_each: ForEach, view_resolver: ViewResolver) -> list[dict[str, str]]:
    """Every binding of the variables (their cartesian product) in the template at hand."""
    names = [variable for variable, _ in for_each]
    domains = [domain.resolve(view_resolver) for _, domain in for_each]
    size = 1
    for values in domains:
        size *= len(values)
    if size > MAX_INSTANCES:
        raise RuleError(RULE_TOO_COMPLEX, f"for_each 产生 {size} 个实例，上限为 {MAX_INSTANCES} 个",
                        f"for_each gives {size} instances; at most {MAX_INSTANCES} are allowed")
    return [dict(zip(names, combination)) for combination in itertools.product(*domains)]


class ExpansionBudget:
    """The work a load may spend expanding rules: one unit per instance and per term.

    Each instance is bounded (``MAX_TERMS``) and so is each rule (``MAX_INSTANCES``), but a file of
    many large rules is not; the loader shares one budget over all the rules it checks, so a hostile
    rule file stops with RULE-TOO-COMPLEX in well under a second instead of expanding for minutes.
    """

    def __init__(self, limit: int = MAX_LOAD_WORK):
        self.limit = limit
        self.spent = 0

    @property
    def exhausted(self) -> bool:
        return self.spent > self.limit

    def spend(self, units: int) -> None:
        self.spent += units
        if self.exhausted:
            raise RuleError(RULE_TOO_COMPLEX,
                            f"规则展开后的实例和项合计超过 {self.limit} 个：请减少规则、for_each 的取值或组的大小",
                            f"the rules expand to more than {self.limit} instances and terms in all: use fewer "
                            "rules, smaller for_each domains or smaller groups")


def _size(expansion: Expansion) -> int:
    return 1 + len(getattr(expansion, "lhs", ())) + len(getattr(expansion, "rhs", ()))


def expand_instances(expr: Expr, for_each: ForEach, view_resolver: ViewResolver,
                     budget: Optional[ExpansionBudget] = None
                     ) -> tuple[list[tuple[dict[str, str], Expansion]], list[NotInTemplate]]:
    """The instances of an expression in one template, and the bindings skipped (cell absent there).

    With ``budget``, each instance spends from it (RULE-TOO-COMPLEX when it runs out)."""
    found, skipped = [], []
    for bindings in bindings_of(for_each, view_resolver):
        try:
            expansion = expr.expand(bindings, view_resolver)
        except NotInTemplate as absent:
            skipped.append(absent)
            if budget is not None:
                budget.spend(1)
            continue
        found.append((bindings, expansion))
        if budget is not None:
            budget.spend(_size(expansion))
    return found, skipped
