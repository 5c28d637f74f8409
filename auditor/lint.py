"""``auditor rules lint``: every problem of every rule file, then the set's consistency."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Union

from .catalogue import catalogue_clashes
from .ruleset.errors import RULE_CONTRADICTION, RULE_REDUNDANT
from .ruleset.expr import RuleError
from .ruleset.loader import LintMessage, read_rules


def lint_rule_files(paths: Iterable[Union[str, Path]]) -> list[LintMessage]:
    """Every problem in the given rule files (empty when they all load).

    The rules that load are also checked for consistency with each other and with the shipped rules
    (``consistency.py``), even when other rules do not load, so one run reports everything: a
    contradictory rule is an error, a redundant one a warning. The shipped rules themselves are
    context, never reported.
    """
    rules, problems = read_rules(paths)
    problems += catalogue_clashes(rules)
    messages = [LintMessage(p.file or "", p.line, p.code, p.message_en, message_zh=p.message_zh) for p in problems]
    if not rules:
        return messages
    from .ruleset.consistency import check_consistency, shipped_context  # only lint needs the linear algebra
    mine, context = shipped_context(rules)
    try:
        inconsistencies = check_consistency(mine, context)
    except RuleError as error:  # too many equations to test in reasonable time: said, not failed
        first = mine[0] if mine else None
        return messages + [LintMessage(first.file if first else "", None, error.code, error.message_en, "warning",
                                       error.message_zh)]
    for found in sorted(inconsistencies, key=lambda f: (f.rule.file, f.rule.line or 0)):
        contradictory = found.kind == "contradictory"
        messages.append(LintMessage(found.rule.file, found.rule.line,
                                    RULE_CONTRADICTION if contradictory else RULE_REDUNDANT, found.message,
                                    "error" if contradictory else "warning", found.message_zh))
    return messages
