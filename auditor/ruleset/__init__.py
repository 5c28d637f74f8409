"""The public rule language: expressions (``expr``) and rule files (``loader``)."""
from .expr import (
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_LENGTH,
    MAX_TERMS,
    META_NAMES,
    CellKey,
    Domain,
    Expansion,
    Expr,
    IntegerCheck,
    LinearRelation,
    MetaCondition,
    NotInTemplate,
    RuleError,
    Term,
    cell_exists,
    compile_expression,
    meta_from_report,
    meta_number,
)
from .loader import (
    LintMessage,
    Rule,
    default_rule_paths,
    lint_rule_files,
    load_default_rules,
    load_rule_files,
)

__all__ = [
    "MAX_DEPTH", "MAX_DIGITS", "MAX_LENGTH", "MAX_TERMS", "META_NAMES",
    "CellKey", "Domain", "Expansion", "Expr", "IntegerCheck", "LinearRelation", "MetaCondition",
    "NotInTemplate", "RuleError", "Term", "cell_exists", "compile_expression", "meta_from_report",
    "meta_number",
    "LintMessage", "Rule", "default_rule_paths", "lint_rule_files", "load_default_rules", "load_rule_files",
]
