"""Human-readable output: per report a header and a CJK-aligned table of findings."""
from __future__ import annotations

import re

from ..model.findings import AuditResult, Severity
from .levels import DEFAULT_FAIL_ON, SEVERITY_LABELS, failing_count


def _tabulate(rows: list, headers: list[str]) -> str:
    """tabulate with Chinese text aligned (wcwidth); both imported only when a table is written."""
    import tabulate as tabulate_module

    tabulate_module.WIDE_CHARS_MODE = True
    return tabulate_module.tabulate(rows, headers=headers, tablefmt="simple")

_SEVERITY = SEVERITY_LABELS
_HEAD = {"zh": ["级别", "代码", "位置", "说明"], "en": ["severity", "code", "where", "message"]}
_TEMPLATE = {"zh": "模板", "en": "template"}
_NO_TEMPLATE = {"zh": "模板未能确定", "en": "template unknown"}  # no table to tell it by


def _where(finding) -> str:
    source = finding.source
    if source is None:
        return ""
    if source.page is not None:
        return f"p.{source.page}"
    if source.line is not None:
        return f"{source.line}" + (f":{source.column}" if source.column else "")
    return ""


# Closing punctuation a line must not start with (Chinese line-breaking rules).
_NO_LINE_START = set("，。、；：？！）》」』】〕…％%,.;:?!)]}")
_TOKEN = re.compile(r"\s+|[\u2e80-\uffef]|[^\s\u2e80-\uffef]+")


def wrap_message(text: str, width: int = 88) -> str:
    """Wrap for the table's message column, ``width`` terminal columns (a Chinese character takes
    two). Lines break at spaces and between two Chinese characters, never inside a run of other
    characters — a number, a code, a path or an English word stays whole (a longer one stands
    alone on its line) — and never before closing punctuation."""
    from wcwidth import wcswidth  # imported with the first message written, not at start-up

    lines: list[str] = []
    line, used = "", 0
    for token in _TOKEN.findall(text):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = max(wcswidth(token), len(token))  # -1 for a control character
        if line and used + size > width and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


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
        return "\n" + wrap_message("建议：" + "、".join(parts) + ("" if unique else "；不唯一"))
    return "\n" + wrap_message("suggest: " + ", ".join(parts) + ("" if unique else "; not unique"))


def _sentence(finding, lang: str) -> str:
    """A narrative finding's sentence of the 正文 (auditor/narrative), shortened, under the message."""
    text = finding.sentence or ""
    if not text:
        return ""
    text = text if len(text) <= 120 else text[:119] + "…"
    return "\n" + wrap_message(("原文：" if lang == "zh" else "text: ") + text)


def summary_counts(results: list[AuditResult]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for result in results:
        for finding in result.findings:
            counts[finding.severity.value] += 1
    return counts


def summary_line(results: list[AuditResult], lang: str) -> str:
    """How many reports and findings of each severity the run has."""
    counts = summary_counts(results)
    if lang == "zh":
        return (f"共 {len(results)} 份报告：错误 {counts['error']}，警告 {counts['warning']}，"
                f"复核 {counts['review']}，提示 {counts['info']}")
    return (f"{len(results)} report(s): {counts['error']} error(s), {counts['warning']} warning(s), "
            f"{counts['review']} review, {counts['info']} info")


def fail_line(results: list[AuditResult], fail_on: str, lang: str) -> str:
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
        template = _NO_TEMPLATE[lang] if guess.overall == "unknown" else \
            f"{_TEMPLATE[lang]} {guess.overall} ({guess.confidence:.2f})"
        out.append(f"== {result.file}" + (f" · {identity}" if identity else "") + f" · {template}")
        rows = [[_SEVERITY[lang][f.severity.value], f.code, _where(f), wrap_message(f.message) + _suggestion(f, lang) + _sentence(f, lang)]
                for f in sorted(result.findings, key=lambda f: -f.severity.rank)]
        if rows:
            out.append(_tabulate(rows, _HEAD[lang]))
        else:
            out.append("未发现问题" if lang == "zh" else "no findings")
        out.append("")
    out.append(summary_line(results, lang))
    out.append(fail_line(results, fail_on or DEFAULT_FAIL_ON, lang))
    return "\n".join(out) + "\n"
