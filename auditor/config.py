"""Run configuration discovered from ``.auditor.toml`` or ``[tool.auditor]`` in ``pyproject.toml``.

Keys (all optional): ``fail-on``, ``lang``, ``rules`` (extra rule files or dirs, relative to the
config file), ``disable`` (codes), ``baseline`` (file), ``[severity]`` (code = level) and
``[per-file-ignores]`` (glob = [codes]). Command-line options win over the file.
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .findings import Severity

KNOWN_KEYS = {"fail-on", "lang", "rules", "disable", "baseline", "severity", "per-file-ignores", "format"}
FAIL_LEVELS = ("error", "warning", "review", "info", "never")


class ConfigError(Exception):
    """A configuration file that does not load: names the file and the problem."""


@dataclass
class FileConfig:
    path: Optional[Path] = None
    fail_on: Optional[str] = None
    lang: Optional[str] = None
    format: Optional[str] = None
    rules: list[Path] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    baseline: Optional[Path] = None
    severity: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)

    def ignored(self, file: str) -> set[str]:
        """Codes ignored for this file by the per-file-ignores globs."""
        codes: set[str] = set()
        for pattern, listed in self.per_file_ignores.items():
            if fnmatch.fnmatch(file, pattern) or fnmatch.fnmatch(Path(file).name, pattern):
                codes.update(listed)
        return codes


def discover(start: Path) -> Optional[tuple[Path, dict]]:
    """The nearest .auditor.toml, or pyproject.toml with [tool.auditor], from ``start`` upward."""
    for folder in [start, *start.parents]:
        candidate = folder / ".auditor.toml"
        if candidate.is_file():
            return candidate, _read(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            section = _read(pyproject).get("tool", {}).get("auditor")
            if section is not None:
                return pyproject, section
    return None


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: 无法读取配置文件 / cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: TOML 语法错误 / syntax error: {error}") from error


def parse(path: Path, data: dict) -> FileConfig:
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{path}: 未知的配置项 / unknown keys: {', '.join(sorted(unknown))}")
    base = path.parent
    config = FileConfig(path=path)
    fail_on = data.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_LEVELS:
        raise ConfigError(f"{path}: fail-on 应为 {'|'.join(FAIL_LEVELS)}，而不是 {fail_on!r}")
    config.fail_on = fail_on
    lang = data.get("lang")
    if lang is not None and lang not in ("zh", "en"):
        raise ConfigError(f"{path}: lang 应为 zh 或 en，而不是 {lang!r}")
    config.lang = lang
    config.format = data.get("format")
    for key in ("rules", "disable"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: {key} 应为字符串列表 / must be a list of strings")
    config.rules = [base / r for r in data.get("rules", [])]
    config.disable = list(data.get("disable", []))
    if data.get("baseline"):
        config.baseline = base / data["baseline"]
    for code, level in (data.get("severity") or {}).items():
        if level not in {s.value for s in Severity}:
            raise ConfigError(f"{path}: severity.{code} 应为 error|warning|review|info，而不是 {level!r}")
        config.severity[code] = Severity(level)
    ignores = data.get("per-file-ignores") or {}
    if not isinstance(ignores, dict):
        raise ConfigError(f"{path}: per-file-ignores 应为 glob = [代码…] 的表")
    config.per_file_ignores = {glob: list(codes) for glob, codes in ignores.items()}
    return config


def load_config(explicit: Optional[str], start: Optional[Path] = None) -> FileConfig:
    if explicit:
        path = Path(explicit)
        data = _read(path)
        if path.name == "pyproject.toml":
            data = data.get("tool", {}).get("auditor", {})
        return parse(path, data)
    found = discover((start or Path.cwd()).resolve())
    return parse(*found) if found else FileConfig()
