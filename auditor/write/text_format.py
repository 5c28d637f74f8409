"""Human-readable output: per report a header and a CJK-aligned table of findings."""
from __future__ import annotations

import textwrap

import tabulate as tabulate_module
from tabulate import tabulate

from ..model.findings import AuditResult, Severity
from .levels import DEFAULT_FAIL_ON, SEVERITY_LABELS, failing_count

tabulate_module.WIDE_CHARS_MODE = True  # align Chinese text (uses wcwidth)

_SEVERITY = SEVERITY_LABELS
_HEAD = {"zh": ["级别", "代码", "位置", "说明"], "en": ["severity", "code", "where", "message"]}
_TEMPLATE = {"zh": "模板", "en": "template"}


def _where(finding) -> str:
    source = finding.source
    if source is None:
        return ""
    if source.page is not None:
        return f"p.{source.page}"
    if source.line is not None:
        return f"{source.line}" + (f":{source.column}" if source.column else "")
    return ""


def _wrap(text: str, width: int = 44) -> str:
    """Wrap for the table's message column: Chinese by characters (each two columns wide), other
    text at word boundaries."""
    if all(ord(ch) < 0x2E80 for ch in text):
        return "\n".join(textwrap.wrap(text, width * 2 - 16, break_long_words=False)) or ""
    return "\n".join(text[i:i + width] for i in range(0, len(text), width)) or ""


def _suggestion(finding, lang: str) -> str:
    """The top suspect (locate.py) as a line under the message: cell, current → proposed, reason."""
    top = [s for s in finding.suspects if s.rank == 1]
    if not top:
        return ""
    parts = []
    for suspect in top:
        reason = suspect.reason if suspect.slip or suspect.check_source else ""
        reason = (f"（{reason}）" if lang == "zh" else f" ({reason})") if reason else ""
        parts.append(f"{suspect.label} {suspect.current} → {suspect.proposed}{reason}")
    unique = top[0].unique
    if lang == "zh":
        return "\n" + _wrap("建议：" + "、".join(parts) + ("" if unique else "；不唯一"))
    return "\n" + _wrap("suggest: " + ", ".join(parts) + ("" if unique else "; not unique"))


def _sentence(finding, lang: str) -> str:
    """A narrative finding's sentence of the 正文 (auditor/narrative), shortened, under the message."""
    text = finding.sentence or ""
    if not text:
        return ""
    text = text if len(text) <= 120 else text[:119] + "…"
    return "\n" + _wrap(("原文：" if lang == "zh" else "text: ") + text)


def summary_counts(results: list[AuditResult]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for result in results:
        for finding in result.findings:
            counts[finding.severity.value] += 1
    return counts


def _fail_line(results: list[AuditResult], fail_on: str, lang: str) -> str:
    """What the exit status will be and why: the findings at or above the fail level (--fail-on)."""
    failing = failing_count(results, fail_on)
    status = 1 if failing else 0
    if fail_on == "never":
        return "失败级别 never：问题不影响退出码（退出码 0）" if lang == "zh" else \
            "fail level never: findings do not change the exit status (exit status 0)"
    level = _SEVERITY[lang][fail_on]
    if lang == "zh":
        return f"失败级别 {level}：{failing} 条问题达到或高于该级别（退出码 {status}）"
    return f"fail level {level}: {failing} finding(s) at or above it (exit status {status})"


def write_text(results: list[AuditResult], lang: str = "zh", fail_on: str = DEFAULT_FAIL_ON, **_) -> str:
    lang = lang if lang in _SEVERITY else "zh"
    out: list[str] = []
    for result in results:
        guess = result.template
        identity = " · ".join(str(x) for x in (result.agency, result.year) if x)
        template = f"{_TEMPLATE[lang]} {guess.overall} ({guess.confidence:.2f})"
        out.append(f"== {result.file}" + (f" · {identity}" if identity else "") + f" · {template}")
        rows = [[_SEVERITY[lang][f.severity.value], f.code, _where(f), _wrap(f.message) + _suggestion(f, lang) + _sentence(f, lang)]
                for f in sorted(result.findings, key=lambda f: -f.severity.rank)]
        if rows:
            out.append(tabulate(rows, headers=_HEAD[lang], tablefmt="simple"))
        else:
            out.append("未发现问题" if lang == "zh" else "no findings")
        out.append("")
    counts = summary_counts(results)
    if lang == "zh":
        out.append(f"共 {len(results)} 份报告：错误 {counts['error']}，警告 {counts['warning']}，"
                   f"复核 {counts['review']}，提示 {counts['info']}")
    else:
        out.append(f"{len(results)} report(s): {counts['error']} error(s), {counts['warning']} warning(s), "
                   f"{counts['review']} review, {counts['info']} info")
    out.append(_fail_line(results, fail_on or DEFAULT_FAIL_ON, lang))
    return "\n".join(out) + "\n"
