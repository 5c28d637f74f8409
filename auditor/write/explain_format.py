"""``auditor explain CODE``: a code's catalogue entry in words — what it checks, its default
severity, where it is defined — and, for a rule over the tables, the relation in the template's words
with an example that breaks it, worked out from the rule itself (nothing written by hand can drift).
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Optional

from ..catalogue import Problem
from ..model.report import TemplateGuess
from ..present.labels import cell_label
from ..resources import rules_root
from ..ruleset.expr import LinearRelation
from ..templates import DEFAULT_TEMPLATE, resolve, template_name

_WORDS = {
    "zh": {"severity": "默认级别", "kind": "类别", "defined": "定义于", "catalogue": "代码目录 rules/catalogue.yaml",
           "relation": "关系式", "in_words": "按{template}", "example": "不成立的例子",
           "example_text": "若{cell}填 1、其余单元格填 0：左边 {left}，右边 {right}，相差 {difference}，报告本代码。",
           "fix": "改正", "fix_text": "核对关系式中的各单元格，改正填错的一项，使关系成立（本例中把{cell}改为 {value}）。",
           "for_each": "对每个 {names} 各检查一次",
           "levels": {"error": "错误", "warning": "警告", "review": "复核", "info": "提示"}},
    "en": {"severity": "default severity", "kind": "kind", "defined": "defined in",
           "catalogue": "the code catalogue rules/catalogue.yaml", "relation": "relation",
           "in_words": "in the {template}", "example": "an example that fails",
           "example_text": "with {cell} printed 1 and every other cell 0: left {left}, right {right}, off by "
                           "{difference}; this code is reported.",
           "fix": "how to fix", "fix_text": "check the cells of the relation and correct the wrong one so that it "
                                           "holds (here: {cell} to {value}).",
           "for_each": "checked once for each {names}",
           "levels": {"error": "error", "warning": "warning", "review": "review", "info": "info"}},
}


def _sides(relation: LinearRelation, values: dict) -> tuple[Decimal, Decimal]:
    left = sum((Decimal(str(t.coef)) * values.get(t.cell, 0) for t in relation.lhs), Decimal(0)) + relation.lhs_const
    right = sum((Decimal(str(t.coef)) * values.get(t.cell, 0) for t in relation.rhs), Decimal(0)) + relation.rhs_const
    return left, right


_HOLDS = {"==": lambda d: d == 0, ">=": lambda d: d >= 0, "<=": lambda d: d <= 0, ">": lambda d: d > 0,
          "<": lambda d: d < 0, "!=": lambda d: d != 0}


def _failing_example(relation: LinearRelation, guess: TemplateGuess, words: dict, lang: str) -> Optional[list[str]]:
    """One cell set to 1, the others 0, that breaks the relation; and the value that cell would need."""
    holds = _HOLDS.get(relation.op)
    if holds is None:
        return None
    for term in (*relation.lhs, *relation.rhs):
        left, right = _sides(relation, {term.cell: Decimal(1)})
        if holds(left - right):
            continue
        cell = cell_label(term.cell, guess, lang)
        lines = [f"{words['example']}：" if lang == "zh" else f"{words['example']}:",
                 "  " + words["example_text"].format(cell=cell, left=left, right=right, difference=left - right)]
        if relation.op == "==":
            on_left = term in relation.lhs
            needed = 1 - (left - right) / Decimal(str(term.coef)) * (1 if on_left else -1)
            lines += [f"{words['fix']}：" if lang == "zh" else f"{words['fix']}:",
                      "  " + words["fix_text"].format(cell=cell, value=needed.normalize())]
        return lines
    return None


def _side(terms, constant, guess: TemplateGuess, lang: str) -> str:
    """One side of an expanded relation with every cell as the template prints it."""
    parts = [(f"{term.coef} × " if term.coef != 1 else "") + cell_label(term.cell, guess, lang) for term in terms]
    if constant or not parts:
        parts.append(str(constant))
    return " + ".join(parts)


def _where(file: str) -> str:
    """A shipped rule file as ``rules/…``; another as given."""
    root = rules_root()
    try:
        return (Path("rules") / Path(file).resolve().relative_to(root.resolve())).as_posix()
    except ValueError:
        return file


def explain_text(problem: Problem, rule=None, lang: str = "zh") -> str:
    """The entry of one code (``rule``: the compiled rule when the code is a rule's)."""
    words = _WORDS[lang]
    colon = "：" if lang == "zh" else ": "
    lines = [f"{problem.code} · {problem.name}", problem.title(lang), "",
             f"{words['kind']}{colon}{problem.kind}",
             f"{words['severity']}{colon}{words['levels'].get(problem.severity, problem.severity)}",
             f"{words['defined']}{colon}{words['catalogue'] if rule is None else _where(rule.file)}"]
    doc = (rule.doc_zh if lang == "zh" else rule.doc_en) if rule is not None else ""
    if doc or problem.help(lang):
        lines += ["", doc or problem.help(lang)]
    if rule is not None and rule.expr:
        lines += ["", f"{words['relation']}{colon}{rule.expr}"]
        if rule.for_each:
            lines.append("  " + words["for_each"].format(names=", ".join(domain.text for _, domain in rule.for_each)))
        template = rule.templates[-1] if rule.templates else DEFAULT_TEMPLATE
        guess = TemplateGuess(table2=template, table3=template, overall=template)
        instances = rule.instances(lambda table: resolve(guess, table))
        relation = next((instance for _, instance in instances if isinstance(instance, LinearRelation)), None)
        if relation is not None:
            shown = f" {relation.op} ".join(_side(terms, constant, guess, lang) for terms, constant in
                                            ((relation.lhs, relation.lhs_const), (relation.rhs, relation.rhs_const)))
            lines += [f"{words['in_words'].format(template=template_name(template, lang))}{colon}{shown}"]
            lines += [""] + (_failing_example(relation, guess, words, lang) or [])
    return "\n".join(lines).rstrip() + "\n"
