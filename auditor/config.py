"""Run configuration discovered from ``.auditor.toml`` or ``[tool.auditor]`` in ``pyproject.toml``.

Keys (all optional): ``fail-on``, ``lang``, ``rules`` (extra rule files or dirs, relative to the
config file), ``disable`` (codes), ``select``, ``extend-select``, ``ignore`` (codes, prefixes or
``ALL``, as ruff's; policy.Selection), ``baseline`` (file), ``[severity]`` (code = level),
``[per-file-ignores]`` (glob = [codes]) and ``[limits]`` (what one input file may cost: file-mb,
pages, unpacked-mb, unpacked-ratio, zip-members, image-pixels, nesting, table-cells, row-cells,
seconds). Command-line options win over the file.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .model.findings import Severity
from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Limits
from .policy import FAIL_LEVELS

KNOWN_KEYS = {"fail-on", "lang", "rules", "disable", "baseline", "severity", "per-file-ignores", "format", "limits",
              "memo", "select", "extend-select", "ignore"}
# [memo] keys (the correction memo's 版头 and 署名; ``auditor memo`` options override them)
MEMO_KEYS = {"office", "number", "signature", "date", "template-dir", "include-hints"}
# [limits] keys -> (Limits field, multiplier): sizes in MB, time in seconds (0: no time limit).
LIMIT_KEYS = {
    "file-mb": ("file_bytes", 1024 * 1024), "pages": ("pages", 1), "unpacked-mb": ("unpacked_bytes", 1024 * 1024),
    "unpacked-ratio": ("unpacked_ratio", 1), "zip-members": ("zip_members", 1), "image-pixels": ("image_pixels", 1),
    "nesting": ("nesting", 1), "table-cells": ("table_cells", 1), "row-cells": ("row_cells", 1),
    "seconds": ("seconds", 1),
}
MAX_CONFIG_BYTES = 256 * 1024  # tomllib reads a dense 1 MB file in seconds

CONFIG_UNREADABLE = "CONFIG-UNREADABLE"
CONFIG_TOO_LARGE = "CONFIG-TOO-LARGE"
CONFIG_SYNTAX = "CONFIG-SYNTAX"
CONFIG_UNKNOWN_KEY = "CONFIG-UNKNOWN-KEY"
CONFIG_VALUE = "CONFIG-VALUE"
CONFIG_UNKNOWN_CODE = "CONFIG-UNKNOWN-CODE"  # raised by cli.run_settings, which knows the run's rules
# Titles and help of these codes: rules/catalogue.yaml (kind ``config``).


class ConfigError(Exception):
    """A configuration file that does not load: a catalogue code, the file, and the problem in zh and en.

    ``str()`` is ``file: message`` in English; ``text(lang)`` in either language."""

    def __init__(self, code: str, message_zh: str, message_en: str, path: Optional[Path] = None):
        super().__init__(code, message_zh, message_en, path)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.path = path

    def text(self, lang: str = "en") -> str:
        message = self.message_zh if lang == "zh" else self.message_en
        return f"{self.path}: {message}" if self.path is not None else message

    def __str__(self) -> str:
        return self.text("en")


@dataclass
class FileConfig:
    path: Optional[Path] = None
    fail_on: Optional[str] = None
    lang: Optional[str] = None
    format: Optional[str] = None
    rules: list[Path] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    select: Optional[list[str]] = None  # None: not set (everything selected)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    baseline: Optional[Path] = None
    severity: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # applied by policy.RunConfig
    limits: Limits = DEFAULT_LIMITS
    memo: dict[str, object] = field(default_factory=dict)  # [memo]: office, number, signature, date, template-dir


def discover(start: Path) -> Optional[tuple[Path, dict]]:
    """The nearest .auditor.toml, or pyproject.toml with [tool.auditor], from ``start`` upward."""
    for folder in [start, *start.parents]:
        candidate = folder / ".auditor.toml"
        if candidate.is_file():
            return candidate, _read(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            section = _tool_section(pyproject, _read(pyproject))
            if section is not None:
                return pyproject, section
    return None


def _read(path: Path) -> dict:
    """The parsed TOML file: at most ``MAX_CONFIG_BYTES``, UTF-8; any failure is a ``ConfigError``."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(CONFIG_UNREADABLE, f"无法读取配置文件：{reason}", f"cannot read the configuration file: "
                          f"{reason}", path) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(CONFIG_TOO_LARGE, f"配置文件超过 {MAX_CONFIG_BYTES} 字节",
                          f"configuration file is larger than {MAX_CONFIG_BYTES} bytes", path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(CONFIG_UNREADABLE, "配置文件不是 UTF-8 编码", "configuration file is not UTF-8",
                          path) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(CONFIG_SYNTAX, f"TOML 语法错误：{error}", f"TOML syntax error: {error}", path) from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise ConfigError(CONFIG_TOO_LARGE, "配置文件嵌套过深", "configuration file nested too deep", path) from None


def _value_error(path: Path, key: str, zh: str, en: str, value: object) -> ConfigError:
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:80] + "…"
    return ConfigError(CONFIG_VALUE, f"{key} 应为{zh}，而不是 {shown}", f"{key} must be {en}, not {shown}", path)


def _tool_section(path: Path, data: dict) -> Optional[dict]:
    """``[tool.auditor]`` of a pyproject.toml, or None."""
    tool = data.get("tool")
    section = tool.get("auditor") if isinstance(tool, dict) else None
    if section is not None and not isinstance(section, dict):
        raise _value_error(path, "tool.auditor", "一个表", "a table", section)
    return section


def parse(path: Path, data: dict) -> FileConfig:
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise ConfigError(CONFIG_UNKNOWN_KEY, f"未知的配置项：{listed}（可用：{', '.join(sorted(KNOWN_KEYS))}）",
                          f"unknown key(s): {listed} (known: {', '.join(sorted(KNOWN_KEYS))})", path)
    base = path.parent
    config = FileConfig(path=path)
    fail_on = data.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_LEVELS:
        raise _value_error(path, "fail-on", " " + "|".join(FAIL_LEVELS), "|".join(FAIL_LEVELS), fail_on)
    config.fail_on = fail_on
    lang = data.get("lang")
    if lang is not None and lang not in ("zh", "en"):
        raise _value_error(path, "lang", " zh 或 en", "zh or en", lang)
    config.lang = lang
    fmt = data.get("format")
    if fmt is not None and not isinstance(fmt, str):
        raise _value_error(path, "format", "格式名称（字符串）", "a format name (a string)", fmt)
    config.format = fmt
    for key in ("rules", "disable", "select", "extend-select", "ignore"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _value_error(path, key, "字符串列表", "a list of strings", value)
    config.rules = [base / r for r in data.get("rules", [])]
    config.disable = list(data.get("disable", []))
    config.select = list(data["select"]) if "select" in data else None
    config.extend_select = list(data.get("extend-select", []))
    config.ignore = list(data.get("ignore", []))
    baseline = data.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise _value_error(path, "baseline", "文件路径（字符串）", "a file path (a string)", baseline)
    if baseline:
        config.baseline = base / baseline
    severity = data.get("severity") or {}
    if not isinstance(severity, dict):
        raise _value_error(path, "severity", " 代码 = 级别 的表", "a table of code = level", severity)
    for code, level in severity.items():
        if not isinstance(level, str) or level not in {s.value for s in Severity}:
            raise _value_error(path, f"severity.{code}", " error|warning|review|info", "error|warning|review|info",
                               level)
        config.severity[code] = Severity(level)
    ignores = data.get("per-file-ignores") or {}
    if not isinstance(ignores, dict) or not all(
            isinstance(codes, list) and all(isinstance(c, str) for c in codes) for codes in ignores.values()):
        raise _value_error(path, "per-file-ignores", " glob = [代码…] 的表", "a table of glob = [codes]", ignores)
    config.per_file_ignores = {glob: list(codes) for glob, codes in ignores.items()}
    config.limits = _limits(path, data.get("limits") or {})
    config.memo = _memo(path, data.get("memo") or {})
    return config


def _memo(path: Path, table: object) -> dict[str, object]:
    """``[memo]``: texts of the letter (strings), ``template-dir`` relative to the file, ``include-hints``."""
    if not isinstance(table, dict):
        raise _value_error(path, "memo", "一个表", "a table", table)
    unknown = set(table) - MEMO_KEYS
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise ConfigError(CONFIG_UNKNOWN_KEY, f"未知的配置项：memo.{listed}（可用：{', '.join(sorted(MEMO_KEYS))}）",
                          f"unknown key(s): memo.{listed} (known: {', '.join(sorted(MEMO_KEYS))})", path)
    memo: dict[str, object] = {}
    for key, value in table.items():
        if key == "include-hints":
            if not isinstance(value, bool):
                raise _value_error(path, "memo.include-hints", " true 或 false", "true or false", value)
            memo[key] = value
        elif not isinstance(value, str):
            raise _value_error(path, f"memo.{key}", "字符串", "a string", value)
        else:
            memo[key] = path.parent / value if key == "template-dir" else value
    return memo


def _limits(path: Path, table: object) -> Limits:
    """``[limits]``: each key a positive number (``seconds`` may be 0: no time limit)."""
    if not isinstance(table, dict):
        raise _value_error(path, "limits", "一个表", "a table", table)
    unknown = sorted(set(table) - set(LIMIT_KEYS))
    if unknown:
        raise ConfigError(CONFIG_UNKNOWN_KEY, f"未知的限制项：limits.{', limits.'.join(unknown)}（可用：{', '.join(LIMIT_KEYS)}）",
                          f"unknown limit(s): limits.{', limits.'.join(unknown)} (known: {', '.join(LIMIT_KEYS)})", path)
    values = {}
    for key, value in table.items():
        name, scale = LIMIT_KEYS[key]
        least = 0 if key == "seconds" else 1e-9
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not least <= value < 1e15:
            raise _value_error(path, f"limits.{key}", "正数", "a positive number", value)
        values[name] = value * scale if name == "seconds" else int(value * scale)
    return DEFAULT_LIMITS.with_values(values)


def load_config(explicit: Optional[str], start: Optional[Path] = None) -> FileConfig:
    if explicit:
        path = Path(explicit)
        data = _read(path)
        if path.name == "pyproject.toml":
            data = _tool_section(path, data) or {}
        return parse(path, data)
    found = discover((start or Path.cwd()).resolve())
    return parse(*found) if found else FileConfig()
