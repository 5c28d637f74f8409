"""The public rule language: expressions (``expr``) and rule files (``loader``, ``files``); their lint is auditor/lint.py."""
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
from .loader import LintMessage, Rule, default_rule_paths, load_default_rules, load_rule_files
from .files import add_templates, find_rule_files, rule_files, template_files

__all__ = [
    "add_templates", "template_files",
    "MAX_DEPTH", "MAX_DIGITS", "MAX_LENGTH", "MAX_TERMS", "META_NAMES",
    "CellKey", "Domain", "Expansion", "Expr", "IntegerCheck", "LinearRelation", "MetaCondition",
    "NotInTemplate", "RuleError", "Term", "cell_exists", "compile_expression", "meta_from_report",
    "meta_number",
    "LintMessage", "Rule", "default_rule_paths", "load_default_rules", "load_rule_files",
    "find_rule_files", "rule_files",
]
