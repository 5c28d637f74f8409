"""What the machine formats say about the codes in a run: the catalogue with the run's rules merged in."""
from __future__ import annotations

from dataclasses import dataclass

from ..catalogue import with_rules


@dataclass(frozen=True)
class CodeInfo:
    code: str
    name: str
    severity: str
    title_zh: str
    title_en: str
    doc_zh: str = ""
    doc_en: str = ""


def code_catalogue(rules=()) -> dict[str, CodeInfo]:
    """Every code a finding may carry: the rules in force (their own texts win), then every other
    finding code of the catalogue (file problems, narrative claims, the shipped rules…)."""
    infos = {r.code: CodeInfo(r.code, r.name, r.severity, r.title_zh, r.title_en, r.doc_zh or "", r.doc_en or "")
             for r in rules}
    for problem in with_rules(rules).values():
        if not problem.is_finding:
            continue  # rule, config and usage errors stop the run: they are never findings
        infos.setdefault(problem.code, CodeInfo(problem.code, problem.name, problem.severity, problem.title_zh,
                                                problem.title_en, problem.help_zh, problem.help_en))
    return infos
