"""The codes a run's settings name — the configuration file's ``disable``, ``[severity]`` and
``[per-file-ignores]``, then ``--disable`` and ``--severity`` — resolved against the codes the run
knows (``code_names.py``): families expanded, spellings made canonical, unknown names refused."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .code_names import CodeNames, Unknown, UnknownCodes, resolve_places
from .config import CONFIG_UNKNOWN_CODE, ConfigError, FileConfig
from .model.findings import Severity
from .policy import SelectLayer, Selection

USAGE_UNKNOWN_CODE = "USAGE-UNKNOWN-CODE"
_LIST_HINT = {"zh": "。auditor rules list 列出全部代码", "en": ". auditor rules list lists every code"}


class UnknownCodeError(Exception):
    """Names no code of the run: a catalogue code (CONFIG-UNKNOWN-CODE for the file, USAGE-UNKNOWN-CODE
    for an option) and the message in zh and en."""

    def __init__(self, code: str, message_zh: str, message_en: str):
        super().__init__(code, message_zh, message_en)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en


def _joined(problems: list[UnknownCodes], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(p.text(lang) for p in problems)


def settle_codes(names: CodeNames, file_config: FileConfig, disable: Iterable[str],
                 levels: dict[str, Severity]) -> tuple[FileConfig, dict[str, Severity], frozenset[str]]:
    """(the file config with its per-file-ignores resolved, severity overrides, disabled codes).
    ``levels`` are the ``--severity`` options; they win over the file's ``[severity]``."""
    # The configuration file first: its message names the file.
    ignores = list(file_config.per_file_ignores.items())
    file_levels = list(file_config.severity.items())
    resolved, problems = resolve_places(names, [
        ("disable", file_config.disable),
        *((f"severity.{code}", [code]) for code, _ in file_levels),
        *((f"per-file-ignores.{glob}", listed) for glob, listed in ignores)])
    if problems:
        error = ConfigError(CONFIG_UNKNOWN_CODE, _joined(problems, "zh"), _joined(problems, "en"), file_config.path)
        raise UnknownCodeError(error.code, error.text("zh") + _LIST_HINT["zh"], error.text("en") + _LIST_HINT["en"])
    file_disabled, file_codes, ignored = resolved[0], resolved[1:1 + len(file_levels)], resolved[1 + len(file_levels):]
    option_codes, problems = resolve_places(names, [
        ("--disable", disable), *((f"--severity {code}", [code]) for code in levels)])
    if problems:
        raise UnknownCodeError(USAGE_UNKNOWN_CODE, _joined(problems, "zh") + _LIST_HINT["zh"],
                               _joined(problems, "en") + _LIST_HINT["en"])
    overrides: dict[str, Severity] = {}
    for codes, level in [*zip(file_codes, (level for _, level in file_levels)),
                         *zip(option_codes[1:], levels.values())]:
        overrides.update(dict.fromkeys(codes, level))
    file_config = replace(file_config, per_file_ignores={glob: codes for (glob, _), codes in zip(ignores, ignored)})
    return file_config, overrides, frozenset(file_disabled) | frozenset(option_codes[0])


def _selectors(values: Iterable[str]) -> tuple[str, ...]:
    """Selectors as given, repeated or comma-separated (``--select T3,T4``), in upper case but ALL."""
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


def _unknown_selectors(names: CodeNames, places: list[tuple[str, tuple[str, ...]]]) -> list[UnknownCodes]:
    problems = []
    for where, selectors in places:
        unknown = tuple(Unknown(s, names.nearest(s)) for s in selectors if not names.covers(s))
        if unknown:
            problems.append(UnknownCodes(where, unknown))
    return problems


def settle_selection(names: CodeNames, file_config: FileConfig, select: Iterable[str] = (),
                     extend_select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Selection:
    """The run's Selection: the configuration file's layer, then the options' (policy.Selection).
    Every selector must cover a known code (a code, a prefix of one, or ALL)."""
    file_layer = SelectLayer(None if file_config.select is None else _selectors(file_config.select),
                             _selectors(file_config.extend_select), _selectors(file_config.ignore))
    select, extend_select, ignore = _selectors(select), _selectors(extend_select), _selectors(ignore)
    option_layer = SelectLayer(select or None, extend_select, ignore)
    problems = _unknown_selectors(names, [("select", file_layer.select or ()),
                                          ("extend-select", file_layer.extend_select), ("ignore", file_layer.ignore)])
    if problems:
        error = ConfigError(CONFIG_UNKNOWN_CODE, _joined(problems, "zh"), _joined(problems, "en"), file_config.path)
        raise UnknownCodeError(error.code, error.text("zh") + _LIST_HINT["zh"], error.text("en") + _LIST_HINT["en"])
    problems = _unknown_selectors(names, [("--select", select), ("--extend-select", extend_select),
                                          ("--ignore", ignore)])
    if problems:
        raise UnknownCodeError(USAGE_UNKNOWN_CODE, _joined(problems, "zh") + _LIST_HINT["zh"],
                               _joined(problems, "en") + _LIST_HINT["en"])
    layers = tuple(layer for layer in (file_layer, option_layer) if layer != SelectLayer())
    return Selection(layers)
