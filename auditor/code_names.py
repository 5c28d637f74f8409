"""Codes a user names (--disable, --severity CODE=LEVEL, the configuration file) against the known codes.

A name is a known code (letter case aside: ``file-empty`` is FILE-EMPTY), or a family: a prefix
ending in a hyphen that starts at least one known code (``N-``, ``T3-``, ``LIMIT-``), which stands
for every code it starts. Anything else is unknown, and the message names the nearest known codes,
so a typo stops the run instead of silently disabling nothing.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Unknown:
    name: str
    nearest: tuple[str, ...]

    def text(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"未知的代码 {self.name}" + (f"（最接近的已知代码：{'、'.join(self.nearest)}）" if self.nearest else "")
        return f"unknown code {self.name}" + (f" (nearest known codes: {', '.join(self.nearest)})" if self.nearest
                                              else "")


class CodeNames:
    """Resolves names against one run's known codes."""

    def __init__(self, known: Iterable[str]):
        self.known = sorted(set(known))
        self._folded = {code.upper(): code for code in self.known}

    def expand(self, name: str) -> list[str]:
        """The codes ``name`` stands for: [the code], every code of a family, or [] when unknown."""
        name = name.strip()
        exact = self._folded.get(name.upper())
        if exact is not None:
            return [exact]
        if name.endswith("-") and len(name) > 1:
            return [code for code in self.known if code.upper().startswith(name.upper())]
        return []

    def covers(self, selector: str) -> bool:
        """A selector of ``--select``/``--ignore``: ALL, or the start of at least one known code."""
        selector = selector.strip().upper()
        return selector == "ALL" or any(code.startswith(selector) for code in self._folded) if selector else False

    def nearest(self, name: str) -> tuple[str, ...]:
        matches = difflib.get_close_matches(name.upper(), list(self._folded), n=MAX_SUGGESTIONS, cutoff=0.6)
        return tuple(self._folded[match] for match in matches)

    def resolve(self, names: Iterable[str]) -> tuple[list[str], list[Unknown]]:
        """(the codes the names stand for, in order, without repeats; the unknown names)."""
        codes: list[str] = []
        unknown: list[Unknown] = []
        for name in names:
            found = self.expand(name)
            if not found:
                unknown.append(Unknown(name.strip(), self.nearest(name.strip())))
            codes += [code for code in found if code not in codes]
        return codes, unknown


@dataclass(frozen=True)
class UnknownCodes:
    """Unknown names of one place (``--disable``, ``severity``…): what to say."""

    where: str
    unknown: tuple[Unknown, ...]

    def text(self, lang: str = "zh") -> str:
        separator = "：" if lang == "zh" else ": "
        return f"{self.where}{separator}" + ("；" if lang == "zh" else "; ").join(u.text(lang) for u in self.unknown)


def resolve_places(names: CodeNames, places: Iterable[tuple[str, Iterable[str]]]) -> tuple[list[list[str]],
                                                                                           list[UnknownCodes]]:
    """Each place's names resolved: (codes per place, problems of the places with unknown names)."""
    resolved, problems = [], []
    for where, listed in places:
        codes, unknown = names.resolve(listed)
        resolved.append(codes)
        if unknown:
            problems.append(UnknownCodes(where, tuple(unknown)))
    return resolved, problems
