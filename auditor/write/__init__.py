"""Formatters: one module per output format, all registered by name in one registry.

A formatter takes the run's results and returns text; the CLI only looks names up here.
"""
from __future__ import annotations

from typing import Callable, Protocol

from ..model.findings import AuditResult


class Formatter(Protocol):
    """``results`` of the run; ``lang`` zh|en; ``rules`` the rules in force (for rule tables)."""

    def __call__(self, results: list[AuditResult], lang: str = "zh", **context) -> str: ...


FORMATTERS: dict[str, Formatter] = {}


def register(name: str) -> Callable[[Formatter], Formatter]:
    def decorate(function: Formatter) -> Formatter:
        FORMATTERS[name] = function
        return function
    return decorate


def get_formatter(name: str) -> Formatter:
    if name not in FORMATTERS:
        raise KeyError(name)
    return FORMATTERS[name]


# Importing the modules registers their formatters.
from . import github, html_report, json_format, junit, rows_format, sarif, text_format  # noqa: E402,F401
