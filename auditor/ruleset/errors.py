"""Error codes of rule files, registered in the catalogue (kind ``rule``: the run stops, exit 2).

Every ``RuleError`` carries one of these codes; ``auditor rules lint`` and the commands that load
rules print it next to the ``file:line`` message (``错误[RULE-SYNTAX]：rules/x.yaml:3: …``).
"""
from __future__ import annotations

from ..catalogue import Problem, register

RULE_FILE = "RULE-FILE"
RULE_TOO_LARGE = "RULE-TOO-LARGE"
RULE_SYNTAX = "RULE-SYNTAX"
RULE_ALIAS = "RULE-ALIAS"
RULE_STRUCTURE = "RULE-STRUCTURE"
RULE_UNKNOWN_KEY = "RULE-UNKNOWN-KEY"
RULE_MISSING_KEY = "RULE-MISSING-KEY"
RULE_VALUE = "RULE-VALUE"
RULE_EXPRESSION = "RULE-EXPRESSION"
RULE_FORBIDDEN = "RULE-FORBIDDEN"
RULE_TOO_COMPLEX = "RULE-TOO-COMPLEX"
RULE_NOT_IN_TEMPLATE = "RULE-NOT-IN-TEMPLATE"
RULE_DUPLICATE_CODE = "RULE-DUPLICATE-CODE"
RULE_CONTRADICTION = "RULE-CONTRADICTION"
RULE_REDUNDANT = "RULE-REDUNDANT"

_ROWS = (
    (RULE_FILE, "rule.file", "规则文件无法读取（不存在、不是 UTF-8 文本或含 NUL 字节）",
     "rule file cannot be read (missing, not UTF-8 text, or NUL bytes)"),
    (RULE_TOO_LARGE, "rule.too_large", "规则文件过大（上限 1 MB）", "rule file too large (1 MB at most)"),
    (RULE_SYNTAX, "rule.syntax", "规则文件的 YAML/TOML 语法错误（含重复的键）",
     "YAML/TOML syntax error in a rule file (duplicate keys included)"),
    (RULE_ALIAS, "rule.alias", "规则文件不允许使用 YAML 锚点和别名", "YAML anchors and aliases are not allowed"),
    (RULE_STRUCTURE, "rule.structure", "规则文件的结构不对（顶层应为 rules 列表，每条规则是一个映射）",
     "wrong structure (a top-level `rules` list of mappings)"),
    (RULE_UNKNOWN_KEY, "rule.unknown_key", "规则中有未知的键", "unknown key in a rule"),
    (RULE_MISSING_KEY, "rule.missing_key", "规则缺少必填的键", "a required key of a rule is missing"),
    (RULE_VALUE, "rule.value", "规则中某个键的取值不对", "a rule key has a wrong value"),
    (RULE_EXPRESSION, "rule.expression", "表达式写法错误", "the expression is not valid"),
    (RULE_FORBIDDEN, "rule.forbidden", "表达式用了规则语言之外的写法（属性、调用、导入、乘方、字符串、下标……）",
     "the expression uses something outside the rule language (attributes, calls, imports, powers, "
     "strings, subscripts…)"),
    (RULE_TOO_COMPLEX, "rule.too_complex", "超出规则的复杂度上限（长度、嵌套、项数、实例数）",
     "over a complexity limit (length, nesting, terms, instances)"),
    (RULE_NOT_IN_TEMPLATE, "rule.not_in_template", "规则在所声明的模板中没有任何实例",
     "the rule has no instance in a template it declares"),
    (RULE_DUPLICATE_CODE, "rule.duplicate_code", "规则代码重复", "duplicate rule code"),
    (RULE_CONTRADICTION, "rule.contradiction", "规则与其他线性规则相互矛盾（rules lint）",
     "the rule contradicts the other linear rules (rules lint)"),
    (RULE_REDUNDANT, "rule.redundant", "规则可由其他线性规则推出（rules lint 提醒，不影响退出码）",
     "the rule follows from the other linear rules (a rules lint warning; exit 0)"),
)

RULE_CODES = frozenset(code for code, *_ in _ROWS)

register(*(Problem(code, name, "warning" if code == RULE_REDUNDANT else "error", "rule", zh, en)
           for code, name, zh, en in _ROWS))
