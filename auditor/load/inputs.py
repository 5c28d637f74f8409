"""Which files a run audits: paths named on the command line, folders walked and globs expanded.

A missing path, an unmatched glob or a named file of a type no loader reads stops the run before
any work (``InputError``, exit 2). Files met in folders that are no report are kept as ``Skipped``
with the reason, so a run lists them rather than dropping them unseen.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ..model.errors import LoadError
from ..model.text import normalize
from . import READABLE_SUFFIXES, decode_bytes, sniff_format

REPORT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".htm", ".html", ".xhtml", ".shtml",
                   ".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".png", ".jpg", ".jpeg"}

_GLOB_CHARS = set("*?[")
# Files that come with a corpus but are no report, by name (the part before the first dot, any case).
NOT_REPORT_NAMES = frozenset({
    "README", "LICENSE", "LICENCE", "COPYING", "NOTICE", "CHANGELOG", "CHANGES", "HISTORY", "NEWS", "AUTHORS",
    "CONTRIBUTORS", "CONTRIBUTING", "CODE_OF_CONDUCT", "SECURITY", "MANIFEST", "TODO", "INSTALL", "SUMMARY"})
# A plain-text or Markdown report says what it is: every disclosure report names 信息公开 (or 政务公开)
# in its title or its first part. Read after folding traditional to simplified characters.
REPORT_SIGNS = ("信息公开", "政务公开", "主动公开", "依申请公开")
_SIGN_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
_SIGN_BYTES = 256 * 1024  # where the signs are looked for: the title and first parts are at the top

SKIP_REASONS: dict[str, tuple[str, str]] = {  # reason -> (zh, en)
    "hidden": ("隐藏文件或目录，未进入", "hidden file or folder, not entered"),
    "name": ("文件名表明不是报告（README、LICENSE 等）", "its name says it is no report (README, LICENSE…)"),
    "type": ("不是报告的文件类型（{suffix}）；如需审核，请直接指定该文件",
             "not a report file type ({suffix}); name the file to audit it anyway"),
    "no-sign": ("文本中没有“信息公开”“政务公开”等字样，不像政府信息公开年度报告；如需审核，请直接指定该文件",
                "the text never mentions 信息公开 or 政务公开: no disclosure report; name the file to audit it anyway"),
}


@dataclass(frozen=True)
class Skipped:
    """A file (or hidden folder) found in a folder or by a glob and not audited, and why."""

    path: str
    reason: str  # a key of SKIP_REASONS
    suffix: str = ""

    def text(self, lang: str = "zh") -> str:
        zh, en = SKIP_REASONS[self.reason]
        if lang == "zh":
            return zh.format(suffix=self.suffix or "无扩展名")
        return en.format(suffix=self.suffix or "no extension")


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class InputError(Exception):
    """A path on the command line that cannot be audited: the run stops (exit 2) before any work."""

    def __init__(self, code: str, message_zh: str, message_en: str):
        super().__init__(message_zh)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en


def _no_report_sign(path: Path) -> bool:
    """True when a readable, non-empty text says nothing of information disclosure. An empty or
    undecodable file is not judged here: auditing it reports FILE-EMPTY or FILE-BINARY."""
    try:
        with path.open("rb") as stream:
            data = stream.read(_SIGN_BYTES + 1)
        if len(data) > _SIGN_BYTES:  # cut at a line end: half a character would fail the decoding
            data = data[:_SIGN_BYTES].rsplit(b"\n", 1)[0]
        text, _ = decode_bytes(data)
    except (OSError, LoadError):
        return False
    folded = normalize(text)
    return not any(sign in folded for sign in REPORT_SIGNS)


def _skip_reason(path: Path) -> Optional[str]:
    """Why a file met in a folder (or matched by a glob) is no report, or None to audit it. The
    checks run in this order; the first that applies names the reason."""
    if path.name.startswith("."):
        return "hidden"
    if path.name.split(".", 1)[0].upper() in NOT_REPORT_NAMES:
        return "name"
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        return "type"
    if suffix in _SIGN_SUFFIXES and _no_report_sign(path):
        return "no-sign"
    return None


def _walk(folder: Path, inputs: Inputs, entered: Optional[set] = None) -> None:
    """A folder's report files, sorted; hidden folders are listed as skipped, not entered. A folder
    reached twice (a symbolic link to a parent) is walked once."""
    entered = set() if entered is None else entered
    real = os.path.realpath(folder)
    if real in entered:
        return
    entered.add(real)
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            if child.name.startswith("."):
                inputs.skipped.append(Skipped(str(child), "hidden"))
            else:
                _walk(child, inputs, entered)
        elif child.is_file():
            _take(child, inputs)


def _take(path: Path, inputs: Inputs) -> None:
    reason = _skip_reason(path)
    if reason is None:
        inputs.files.append(path)
    else:
        inputs.skipped.append(Skipped(str(path), reason, path.suffix.lower()))


def known_type(path: Path) -> bool:
    """A file named on the command line is audited when auditor knows its type: by its extension,
    or (no extension, or a strange one) by content that is no plain text (PDF, Office, image, web page…)."""
    suffix = path.suffix.lower()
    if suffix in REPORT_SUFFIXES or suffix in READABLE_SUFFIXES or not suffix:
        return True
    try:
        with path.open("rb") as stream:
            head = stream.read(64 * 1024)
    except OSError:
        return True  # the audit reports the file as unreadable, naming the cause
    return sniff_format(head, suffix) not in ("text", "markdown")


def collect_inputs(paths: Iterable[str | Path]) -> Inputs:
    """The files of a run: files as named, folders walked, globs (``**`` recursive) expanded; each
    file once, in order. Files met in folders or by globs that are no report are listed in
    ``skipped`` with the reason. Raises InputError for a path that does not exist, a glob that
    matches nothing, or a named file of a type auditor does not know."""
    inputs = Inputs()
    for raw in paths:
        text = str(raw)
        path = Path(text)
        if path.is_dir():
            _walk(path, inputs)
        elif path.exists():
            if path.is_file() and not known_type(path):
                raise InputError("USAGE-FILE-TYPE", f"无法识别的文件类型（{path.suffix}），不能作为报告审核：{path}",
                                 f"unknown file type ({path.suffix}), cannot be audited as a report: {path}")
            inputs.files.append(path)  # a device or pipe is reported by the audit (FILE-UNREADABLE)
        elif _GLOB_CHARS & set(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise InputError("USAGE-NOT-FOUND", f"没有与 {text} 匹配的文件", f"no file matches {text}")
            for match in map(Path, matches):
                if match.is_dir():
                    _walk(match, inputs)
                elif match.is_file():
                    _take(match, inputs)
        else:
            raise InputError("USAGE-NOT-FOUND", f"文件或目录不存在：{path}", f"no such file or folder: {path}")
    seen: set[str] = set()
    unique = []
    for file in inputs.files:
        key = os.path.abspath(file)
        if key not in seen:
            seen.add(key)
            unique.append(file)
    inputs.files = unique
    return inputs


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files ``collect_inputs`` takes, without the errors: a missing path is left out."""
    for raw in paths:
        try:
            yield from collect_inputs([raw]).files
        except InputError:
            continue


# Plainly no report (hidden, another file type): counted in one line, not listed one by one. A file of a
# report type left out by its name or its text is listed: it may be a report the user expects audited.
SUMMED_REASONS = ("hidden", "type")


def skipped_lines(skipped: list[Skipped], lang: str = "zh") -> list[str]:
    """A count first, then each skipped file of a report type with its reason, then one line for the
    hidden files and files of other types; nothing when none was skipped."""
    if not skipped:
        return []
    head = f"未审核 {len(skipped)} 个文件（不是报告）：" if lang == "zh" else f"{len(skipped)} file(s) not audited (no report):"
    separator = "：" if lang == "zh" else ": "
    lines = [head] + [f"  {item.path}{separator}{item.text(lang)}" for item in skipped
                      if item.reason not in SUMMED_REASONS]
    types = sorted({item.suffix or ("无扩展名" if lang == "zh" else "no extension")
                    for item in skipped if item.reason == "type"})
    hidden = sum(item.reason == "hidden" for item in skipped)
    others = sum(item.reason == "type" for item in skipped)
    parts = []
    if others:
        parts.append(f"{others} 个其他类型的文件（{'、'.join(types)}）" if lang == "zh"
                     else f"{others} file(s) of other types ({', '.join(types)})")
    if hidden:
        parts.append(f"{hidden} 个隐藏文件或目录" if lang == "zh" else f"{hidden} hidden file(s) or folder(s)")
    if parts:
        lines.append(f"  另有 {'和 '.join(parts)}，未逐一列出；如需审核，请直接指定该文件" if lang == "zh"
                     else f"  and {' and '.join(parts)}, not listed; name a file to audit it anyway")
    return lines


