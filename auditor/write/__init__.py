"""Formatters: one module per output format, found by name in one registry.

A formatter takes the run's results and returns text; the CLI only looks names up here. The registry
is data — a format's name and the module and function that write it — and a module is imported only
when its format is asked for, so a run pays for the one writer it uses.
"""
from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Iterator, Protocol

from ..model.findings import AuditResult


class Formatter(Protocol):
    """``results`` of the run; ``lang`` zh|en; ``rules`` the rules in force (for rule tables); ``fail_on``."""

    def __call__(self, results: list[AuditResult], lang: str = "zh", **context) -> str: ...


# format name -> (module in this package, function)
PLUGINS: dict[str, tuple[str, str]] = {
    "full": ("text_format", "write_text"),
    "text": ("text_format", "write_text"),  # the older name of full
    "concise": ("concise", "write_concise"),
    "grouped": ("concise", "write_grouped"),
    "json": ("json_format", "write_json"),
    "jsonl": ("rows_format", "write_jsonl"),
    "csv": ("rows_format", "write_csv"),
    "sarif": ("sarif", "write_sarif"),
    "junit": ("junit", "write_junit"),
    "github": ("github", "write_github"),
    "html": ("html_report", "write_html"),
}


class _Formatters(Mapping):
    """The registry as a mapping of name -> formatter, importing each module on first use."""

    def __getitem__(self, name: str) -> Formatter:
        module, function = PLUGINS[name]
        return getattr(import_module(f"{__name__}.{module}"), function)

    def __iter__(self) -> Iterator[str]:
        return iter(PLUGINS)

    def __len__(self) -> int:
        return len(PLUGINS)


FORMATTERS: Mapping[str, Formatter] = _Formatters()


def get_formatter(name: str) -> Formatter:
    """The formatter called ``name``; KeyError for an unknown one."""
    return FORMATTERS[name]
