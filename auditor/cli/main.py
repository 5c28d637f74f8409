"""The ``auditor`` command: click commands only — parse options, call audit, pick a formatter.

Exit codes: 0 no finding at or above the fail level · 1 such findings (unreadable files, files
over a limit and files that met a fault in our own code included: each is that file's finding)
· 2 usage or configuration error, or a rule file that does not load; also, before any work, a path
that does not exist, a glob that matches nothing, a named file of unknown type, an output file
that cannot be written (its missing folder is created).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn, Optional

import click

from .. import __version__
from ..load.inputs import InputError, collect_inputs, skipped_lines
from ..pipeline import audit_file, pair_year_on_year
from ..policy import FAIL_LEVELS, UNREAD_KINDS, result_fails  # noqa: F401  (UNREAD_KINDS: a file not read)
from ..baseline import apply_baseline, read_baseline, write_baseline
from ..catalogue import KINDS, shipped_rules, with_rules
from ..code_names import CodeNames
from ..config import ConfigError, load_config
from ..policy import RunConfig
from ..model.findings import Severity
from ..lint import lint_rule_files
from ..ruleset import (
    RuleError,
    add_templates,
    default_rule_paths,
    find_rule_files,
    load_default_rules,
    load_rule_files,
    rule_files,
)
from ..settings_codes import USAGE_UNKNOWN_CODE, UnknownCodeError, settle_codes, settle_selection  # noqa: F401
from ..policy import Selection
from .i18n import USAGE_BAD_OPTION, LocalGroup, given_lang, group_lang_option, install
from .i18n import current as current_lang
from ..write import FORMATTERS, get_formatter

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

# Usage errors (kind "usage": the run stops with exit 2). Rule and configuration files have their own.
USAGE_NO_FILES = "USAGE-NO-FILES"
USAGE_FORMAT = "USAGE-FORMAT"
USAGE_BASELINE = "USAGE-BASELINE"
USAGE_MEMO_TEMPLATE = "USAGE-MEMO-TEMPLATE"
USAGE_AGENCY_MAP = "USAGE-AGENCY-MAP"
USAGE_STORE = "USAGE-STORE"
USAGE_NOT_FOUND = "USAGE-NOT-FOUND"
USAGE_FILE_TYPE = "USAGE-FILE-TYPE"
USAGE_OUTPUT = "USAGE-OUTPUT"
# Titles and help of these codes: rules/catalogue.yaml (kind ``usage``).


def _load_rules(extra_dirs: tuple[str, ...]):
    """The shipped rules and those in ``extra_dirs``; templates those directories add come first."""
    add_templates(extra_dirs)
    extra_files = rule_files(extra_dirs)
    if extra_files:
        return list(load_rule_files(default_rule_paths() + extra_files))
    return list(load_default_rules())


def run_settings(config_path, lang, severity_overrides, disable, rule_paths=()):
    """The configuration file merged with the options: (file config, lang, severities, disabled codes).

    Every code named (``--disable``, ``--severity``, the file's ``disable``, ``[severity]`` and
    ``[per-file-ignores]``) must be known: a catalogue code or a code of the rules in force (shipped,
    the file's ``rules`` and ``rule_paths``); a family prefix (``N-``) stands for its codes. Exits 2
    with a message naming the file, or the unknown code and the nearest known ones."""
    try:
        file_config = load_config(config_path)
    except ConfigError as error:
        usage_error(error.code, error.text("zh"), error.text("en"), lang or "zh")
    lang = lang or file_config.lang or "zh"
    levels = {}
    for item in severity_overrides:
        code, _, level = item.partition("=")
        if level not in {s.value for s in Severity}:
            usage_error(USAGE_BAD_OPTION, f"--severity 的写法应为 代码=级别（级别：error|warning|review|info）：{item}",
                         f"--severity takes CODE=LEVEL (LEVEL: error|warning|review|info): {item}", lang)
        levels[code.strip()] = Severity(level)
    names = _code_names(file_config, rule_paths, lang)
    try:
        file_config, overrides, disabled = settle_codes(names, file_config, disable, levels)
    except UnknownCodeError as error:
        usage_error(error.code, error.message_zh, error.message_en, lang)
    return file_config, lang, overrides, disabled


def _code_names(file_config, rule_paths, lang: str) -> CodeNames:
    return CodeNames(_known_codes([*map(str, file_config.rules), *map(str, rule_paths)], lang))


def run_selection(file_config, lang: str, select=(), extend_select=(), ignore=(), rule_paths=()) -> Selection:
    """The run's code selection (the file's select/extend-select/ignore, then the options'); exits 2
    naming a selector that covers no known code."""
    try:
        return settle_selection(_code_names(file_config, rule_paths, lang), file_config, select, extend_select, ignore)
    except UnknownCodeError as error:
        usage_error(error.code, error.message_zh, error.message_en, lang)


def _known_codes(extra_paths: list[str], lang: str) -> list[str]:
    """The catalogue's codes and those of the rules a run loads (shipped and ``extra_paths``)."""
    try:
        add_templates(extra_paths)  # a rule may name a template the same directories add
        extra = rule_files(extra_paths)
        return list(with_rules(load_rule_files(extra) if extra else ()))
    except RuleError as error:
        rule_error(error, lang)


def emit(text: str, output: Optional[str], lang: str = "zh") -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:  # checked before the work (check_output); the disk may still fill up
            _output_error(output, error, lang)
    else:
        click.echo(text, nl=False)


def _output_error(output: str, error: OSError, lang: str) -> NoReturn:
    reason = error.strerror or str(error)
    usage_error(USAGE_OUTPUT, f"无法写入输出文件 {output}：{reason}", f"cannot write the output file {output}: {reason}",
                 lang)


def check_output(output: Optional[str], lang: str) -> None:
    """Before any work: the output file's folder is created when missing (as pytest does for
    --junitxml), and a path that cannot be written (a folder, a file in the way, no permission)
    stops the run with exit 2 instead of a traceback after the whole audit."""
    if not output:
        return
    path = Path(output)
    if path.is_dir():
        usage_error(USAGE_OUTPUT, f"输出路径是一个目录，应为文件：{output}", f"the output path is a folder, not a file: {output}",
                     lang)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _output_error(output, error, lang)
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        _output_error(output, PermissionError(13, "没有写入权限" if lang == "zh" else "permission denied"), lang)


def inputs_or_exit(paths, lang: str):
    """collect_inputs, with a usage error (exit 2) for a missing path, an unmatched glob, a named file of
    unknown type, or nothing to audit."""
    try:
        inputs = collect_inputs(paths)
    except InputError as error:
        usage_error(error.code, error.message_zh, error.message_en, lang)
    if not inputs.files:
        skipped = "\n".join(skipped_lines(inputs.skipped, lang))
        usage_error(USAGE_NO_FILES, f"没有找到要审核的文件：{' '.join(map(str, paths))}" + (f"\n{skipped}" if skipped else ""),
                     f"no report files found: {' '.join(map(str, paths))}" + (f"\n{skipped}" if skipped else ""), lang)
    return inputs


def report_skipped(inputs, lang: str, into_text: bool = False) -> str:
    """The files left out as no report: appended to a text output (returned), else on stderr so that a
    machine format on stdout stays what it is."""
    lines = skipped_lines(inputs.skipped, lang)
    if not lines:
        return ""
    if into_text:
        return "\n" + "\n".join(lines) + "\n"
    click.echo("\n".join(lines), err=True)
    return ""


def usage_error(code: str, message_zh: str, message_en: str, lang: str) -> NoReturn:
    """Print ``错误[CODE]：message`` (``error[CODE]: message`` with lang en) and exit 2."""
    click.echo(f"错误[{code}]：{message_zh}" if lang == "zh" else f"error[{code}]: {message_en}", err=True)
    sys.exit(EXIT_USAGE)


def rule_error(error: RuleError, lang: str) -> NoReturn:
    """A rule file that does not load: its own code and ``file:line: message``; exit 2."""
    usage_error(error.code, error.text("zh"), error.text("en"), lang)


install()  # click's own sentences (usage errors, help headings) in the run's language


@click.group(cls=LocalGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor", message="%(prog)s %(version)s")  # no words: one text for both languages
@group_lang_option
def main() -> None:
    """auditor: audits government information-disclosure annual reports (help: cli/help.yaml)."""


LANG_OPTION = click.option("--lang", type=click.Choice(["zh", "en"]), default=given_lang, envvar="AUDITOR_LANG",
                           help="Message language (default zh; AUDITOR_LANG).")


TIME_LIMIT_OPTION = click.option(
    "--time-limit", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
    help="Abandon a file still being read after SECONDS (LIMIT-TIME; default 60, 0: none; [limits] seconds).")


def run_limits(file_config, time_limit):
    """The limits of a run: the configuration file's [limits], then --time-limit."""
    limits = file_config.limits
    return limits if time_limit is None else limits.with_values({"seconds": time_limit})


def _run_options(function):
    """Options shared by ``check`` and ``baseline``: what to audit and with which rules."""
    options = [
        click.argument("paths", nargs=-1, required=True),
        click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True),
                     help="Extra rule files or directories (repeatable)."),
        LANG_OPTION,
        click.option("--select", multiple=True, metavar="CODE",
                     help="Report only these codes or prefixes (ALL: every code; comma-separated or repeated)."),
        click.option("--extend-select", multiple=True, metavar="CODE", help="Add codes or prefixes to the selection."),
        click.option("--ignore", multiple=True, metavar="CODE", help="Leave out these codes or prefixes."),
        click.option("--disable", multiple=True, metavar="CODE", help="Rule or problem codes to leave out (repeatable)."),
        click.option("--severity", "severity_overrides", multiple=True, metavar="CODE=LEVEL",
                     help="Override a code's severity, e.g. T2-ISSUED-LE-IN-FORCE=info (repeatable)."),
        click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
                     help="Configuration file (default: .auditor.toml or [tool.auditor] in pyproject.toml)."),
        TIME_LIMIT_OPTION,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _prepare(paths, rule_dirs, lang, select, extend_select, ignore, disable, severity_overrides, config_path,
             time_limit=None, stdin=False):
    """Configuration file + options -> (file config, rules, run config, inputs). Exits 2 on bad setup,
    a missing path or nothing to audit. With ``stdin`` the paths are not looked up (inputs is None)."""
    file_config, lang, overrides, disabled = run_settings(config_path, lang, severity_overrides, disable, rule_dirs)
    selection = run_selection(file_config, lang, select, extend_select, ignore, rule_dirs)
    try:
        rules = _load_rules(tuple(str(p) for p in file_config.rules) + tuple(rule_dirs))
    except RuleError as error:
        rule_error(error, lang)
    config = RunConfig(lang=lang, severity_overrides=overrides, disabled=disabled, selection=selection,
                       per_file_ignores=per_file_ignores(file_config), limits=run_limits(file_config, time_limit))
    return file_config, rules, config, None if stdin else inputs_or_exit(paths, lang)


def per_file_ignores(file_config) -> dict[str, tuple[str, ...]]:
    """The configuration file's ``[per-file-ignores]`` as the run's policy takes them."""
    return {glob: tuple(codes) for glob, codes in file_config.per_file_ignores.items()}


def _pair_years(results, config) -> None:
    """The "较去年…" claims checked against last year's report of the same agency, when it is among the files."""
    from ..corpus.agency import normalize_agency  # the batch's comparable form of a name

    pair_year_on_year(results, config, normalize_agency)


def _audit_all(files, rules, config):
    results = [audit_file(path, rules, config) for path in files]
    _pair_years(results, config)
    return results


def _output_format(fmt: Optional[str], file_config, lang: str) -> str:
    """The format asked for, else the file's, else auto: github under GitHub Actions, else full."""
    fmt = fmt or file_config.format or "auto"
    if fmt == "auto":
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "full"
    if fmt not in FORMATTERS:
        usage_error(USAGE_FORMAT, f"未知的输出格式 {fmt}（可用：auto, {', '.join(FORMATTERS)}）",
                     f"unknown output format {fmt} (formats: auto, {', '.join(FORMATTERS)})", lang)
    return fmt


STDIN = "-"


def _complete_format(ctx, param, incomplete: str) -> list[str]:
    """Shell completion of --output-format (its value is checked by _output_format, with its own code)."""
    return [name for name in ("auto", *FORMATTERS) if name.startswith(incomplete)]


def _read_stdin(config: RunConfig) -> bytes:
    """The report on standard input, never more than the size limit allows (the loader then says so)."""
    return sys.stdin.buffer.read(config.limits.file_bytes + 1)


_STAGES = {"zh": {"load": "读取", "extract": "提取", "check": "核对"}, "en": {"load": "load", "extract": "extract",
                                                                          "check": "check"}}


def _audit_verbose(files, rules, config, verbose: bool, data: Optional[bytes] = None):
    """Audit each file; with ``verbose`` a line per file on stderr: seconds per stage, findings."""
    results = []
    for path in files:
        timings: dict[str, float] = {}
        result = audit_file(path, rules, config, data, timings)
        results.append(result)
        if verbose:
            stages = " · ".join(f"{_STAGES[config.lang][stage]} {seconds:.2f}" +
                                (" 秒" if config.lang == "zh" else " s") for stage, seconds in timings.items())
            count = len(result.findings)
            click.echo(f"{path}：{stages}；问题 {count} 条" if config.lang == "zh" else
                       f"{path}: {stages}; {count} finding(s)", err=True)
    _pair_years(results, config)
    return results


def _verbose_setup(file_config, rules, config, fmt: str) -> None:
    """-v: what the run works with, on stderr: configuration file, rules, selection, format."""
    lang = config.lang
    where = str(file_config.path) if file_config.path else ("无" if lang == "zh" else "none")
    selectors = [f"{name} {' '.join(values)}" for layer in config.selection.layers
                 for name, values in (("select", layer.select or ()), ("extend-select", layer.extend_select),
                                      ("ignore", layer.ignore)) if values]
    chosen = "；".join(selectors) if lang == "zh" else "; ".join(selectors)
    if lang == "zh":
        click.echo(f"配置文件：{where}；规则 {len(rules)} 条；输出格式 {fmt}" + (f"；选择：{chosen}" if chosen else ""),
                   err=True)
    else:
        click.echo(f"configuration file: {where}; {len(rules)} rule(s); output format {fmt}" +
                   (f"; selection: {chosen}" if chosen else ""), err=True)


@main.command()
@_run_options
@click.option("--output-format", "--format", "fmt", default=None, metavar="FORMAT", shell_complete=_complete_format,
              help="Output format: auto (github under GitHub Actions, else full), " + ", ".join(FORMATTERS))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the output to FILE.")
@click.option("--fail-on", type=click.Choice(FAIL_LEVELS), default=None,
              help="Exit 1 when a finding is at or above this severity (default error).")
@click.option("--baseline", "baseline_path", type=click.Path(exists=True, dir_okay=False),
              help="Report only findings not recorded in this baseline file.")
@click.option("--statistics", is_flag=True, help="Count the findings per code instead of listing them.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; the exit status says it all.")
@click.option("-v", "--verbose", is_flag=True, help="Also print, on stderr, the setup and the seconds of each stage.")
@click.option("--stdin-filename", metavar="NAME", help="With PATH -: the name of the report read from stdin.")
@click.option("--published", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="Publication date of the reports, compared with the statutory deadline (DOC-LATE).")
def check(paths, rule_dirs, lang, select, extend_select, ignore, disable, severity_overrides, config_path, time_limit,
          fmt, output, fail_on, baseline_path, statistics, quiet, verbose, stdin_filename, published):
    """Audit reports (files, folders, globs, or - for stdin)."""
    stdin = STDIN in paths
    if stdin and len(paths) > 1 or stdin_filename and not stdin:
        usage_error(USAGE_BAD_OPTION, "标准输入（-）只能单独审核；--stdin-filename 只与 - 一起使用",
                     "stdin (-) is audited alone; --stdin-filename goes with - only", lang or current_lang())
    file_config, rules, config, inputs = _prepare(paths, rule_dirs, lang, select, extend_select, ignore, disable,
                                                  severity_overrides, config_path, time_limit, stdin)
    if published is not None:
        config.published = {"*": published.date()}
    fmt = _output_format(fmt, file_config, config.lang)
    formatter = get_formatter(fmt)
    check_output(output, config.lang)
    known = None
    baseline_file = baseline_path or file_config.baseline
    if baseline_file:
        try:
            known = read_baseline(Path(baseline_file))
        except ValueError as error:  # the cause, when there is one, is the reader's (JSON, the file system)
            cause = error.__cause__
            usage_error(USAGE_BASELINE, f"{baseline_file}：基线文件无法读取：{cause}" if cause
                        else f"{baseline_file}：不是 auditor 基线文件",
                        f"{baseline_file}: the baseline cannot be read: {cause}" if cause
                        else f"{baseline_file}: not an auditor baseline file", config.lang)
    if verbose and not quiet:
        _verbose_setup(file_config, rules, config, fmt)
    if stdin:
        name = stdin_filename or STDIN
        results = _audit_verbose([name], rules, config, verbose and not quiet, _read_stdin(config))
    else:
        results = _audit_verbose(inputs.files, rules, config, verbose and not quiet)
    if known is not None:
        apply_baseline(results, known)
    level = fail_on or file_config.fail_on or "error"
    if not quiet or output:  # -q prints nothing; a file asked for is still written
        if statistics:
            from ..write.statistics import write_statistics

            text = write_statistics(results, lang=config.lang, rules=rules, fail_on=level)
        else:
            text = formatter(results, lang=config.lang, rules=rules, fail_on=level)
        human = statistics or fmt in ("full", "text")  # else the notes go to stderr, the lines stay parseable
        skipped = report_skipped(inputs, config.lang, into_text=human) if inputs and not quiet else ""
        emit(text + skipped, output, config.lang)
    sys.exit(EXIT_FINDINGS if any(result_fails(r, level) for r in results) else EXIT_OK)


@main.command()
@_run_options
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="Baseline file to write.")
def baseline(paths, rule_dirs, lang, select, extend_select, ignore, disable, severity_overrides, config_path,
             time_limit, output):
    """Record today's findings so that ``check --baseline`` fails only on new ones."""
    file_config, rules, config, inputs = _prepare(paths, rule_dirs, lang, select, extend_select, ignore, disable,
                                                  severity_overrides, config_path, time_limit)
    check_output(output, config.lang)
    results = _audit_all(inputs.files, rules, config)
    try:
        count = write_baseline(results, Path(output))
    except OSError as error:
        _output_error(output, error, config.lang)
    report_skipped(inputs, config.lang)
    click.echo(f"已记录 {count} 条问题到 {output}" if config.lang == "zh" else f"recorded {count} finding(s) in {output}")


class _ConfirmedOnly:
    """``memo --store DB --confirmed-only``: keep the findings a reviewer confirmed in the store (by the
    same fingerprint the workbench decides on) and mark the ones a letter tells the agency about as sent."""

    def __init__(self, store_path: str, lang: str):
        from ..baseline import fingerprint
        from ..corpus.store import Store, StoreError

        self.store_path, self.lang, self.fingerprint, self.sent = store_path, lang, fingerprint, []
        try:
            with Store(store_path) as store:
                self.confirmed = {p for p, d in store.decisions().items() if d["decision"] == "confirmed"}
        except StoreError as error:
            usage_error(USAGE_STORE, f"结果数据库无法使用：{error}", str(error), lang)

    def keep(self, result, finding) -> bool:
        return self.fingerprint(result, finding) in self.confirmed

    def include(self, result, finding) -> None:
        self.sent.append(self.fingerprint(result, finding))

    def mark_sent(self) -> None:
        from ..corpus.store import Store

        with Store(self.store_path) as store:
            store.set_state(self.sent, "sent", note="auditor memo")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="memo.md or memo.docx: every letter in one file (one letter per agency and year).")
@click.option("--split", "split_dir", type=click.Path(file_okay=False),
              help="Write one file per agency and year into this folder, with index.md.")
@click.option("--format", "split_format", type=click.Choice(["md", "docx"]), default="md", show_default=True,
              help="The files --split writes.")
@click.option("--zip", "make_zip", is_flag=True, help="With --split: also a .zip of the folder.")
@click.option("--template", "template_path", type=click.Path(exists=True, dir_okay=False),
              help="Jinja2 template (.j2) for Markdown, or a base .docx for DOCX.")
@click.option("--template-dir", type=click.Path(exists=True, file_okay=False),
              help="Folder with memo.md.j2 and/or texts.yaml replacing the shipped template and texts (docs/MEMO.md).")
@click.option("--include", multiple=True, type=click.Choice(["error", "warning", "review", "info"]),
              default=("error", "warning", "review"), show_default=True, help="Severities that go into the memo.")
@click.option("--include-hints", is_flag=True, default=None, help="Add the 提示 section (blank cells, format).")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=lambda: given_lang() or "zh", envvar="AUDITOR_LANG")
@click.option("--office", default=None, help="发文机关 (config: [tool.auditor.memo] office).")
@click.option("--number", default=None, help="发文字号 (config: number).")
@click.option("--signature", "--sender", "signature", default=None, help="署名; the office when absent (config: signature).")
@click.option("--date", "date_text", default=None, help="成文日期 as YYYY-MM-DD; today when absent (config: date).")
@click.option("--store", "store_path", type=click.Path(exists=True, dir_okay=False),
              help="A results store with reviewers' decisions (auditor serve).")
@click.option("--confirmed-only", is_flag=True,
              help="With --store: only the findings a reviewer confirmed; they are marked sent.")
def memo(paths, output, split_dir, split_format, make_zip, template_path, template_dir, include, include_hints,
         rule_dirs, lang, office, number, signature, date_text, store_path, confirmed_only):
    """Write the correction memos to the agencies (Markdown or 公文 DOCX)."""
    import datetime

    from ..memo import MemoOptions, MemoTemplateError, build_memos, write_memo, write_split

    # the same policy as check: the configuration file's disabled codes, severities and per-file ignores
    file_config, lang, overrides, disabled = run_settings(None, lang, (), (), rule_dirs)
    if bool(output) == bool(split_dir):
        usage_error(USAGE_BAD_OPTION, "请给出 -o 文件 或 --split 目录（二选一）",
                    "give either -o FILE or --split DIR", lang)
    if confirmed_only and not store_path:
        usage_error(USAGE_BAD_OPTION, "--confirmed-only 需要与 --store 结果数据库一起使用",
                    "--confirmed-only needs --store with a results store", lang)
    settings = file_config.memo
    date_text = date_text or settings.get("date")
    today = None
    if date_text:
        try:
            today = datetime.date.fromisoformat(str(date_text))
        except ValueError:
            usage_error(USAGE_BAD_OPTION, f"成文日期应为 YYYY-MM-DD：{date_text}",
                        f"the date must be YYYY-MM-DD: {date_text}", lang)
    try:
        rules = _load_rules(tuple(str(p) for p in file_config.rules) + tuple(rule_dirs))
    except RuleError as error:
        rule_error(error, lang)
    config = RunConfig(lang=lang, severity_overrides=overrides, disabled=disabled,
                       selection=run_selection(file_config, lang, rule_paths=rule_dirs),
                       per_file_ignores=per_file_ignores(file_config), limits=file_config.limits)
    inputs = inputs_or_exit(paths, lang)
    check_output(output, lang)
    results = _audit_all(inputs.files, rules, config)
    # A letter on a file that could not be read would tell the agency nothing true: stop instead.
    unread = [f for r in results for f in r.findings if f.kind in UNREAD_KINDS and f.severity == Severity.error]
    if unread:
        for finding in unread:
            click.echo(f"错误[{finding.code}]：{finding.message_zh}" if lang == "zh" else
                       f"error[{finding.code}]: {finding.message_en}", err=True)
        click.echo("未写出更正建议函" if lang == "zh" else "no memo written", err=True)
        sys.exit(EXIT_USAGE)
    template_dir = template_dir or settings.get("template-dir")
    options = MemoOptions(
        lang=lang, include=include, rules=rules, today=today, template_dir=Path(template_dir) if template_dir else None,
        include_hints=bool(settings.get("include-hints", False) if include_hints is None else include_hints),
        office=office or str(settings.get("office", "")), number=number or str(settings.get("number", "")),
        signature=signature or str(settings.get("signature", "")))
    decided = _ConfirmedOnly(store_path, lang) if confirmed_only else None
    if decided is not None:
        options.keep, options.on_include = decided.keep, decided.include
    target = output or split_dir
    try:
        letters = build_memos(results, options)
        if split_dir:
            written = write_split(letters, split_dir, f".{split_format}", template_path, options.template_dir,
                                  make_zip)
        else:
            written = [write_memo(letters, output, template_path, options.template_dir)]
    except MemoTemplateError as error:
        usage_error(USAGE_MEMO_TEMPLATE, f"更正建议函模板无法使用：{error}", str(error), lang)
    except OSError as error:
        _output_error(target, error, lang)
    if decided is not None:
        decided.mark_sent()
    report_skipped(inputs, lang)
    click.echo(f"已写出 {len(letters)} 份更正建议函：{', '.join(str(p) for p in written)}" if lang == "zh" else
               f"wrote {len(letters)} memo(s): {', '.join(str(p) for p in written)}")


@main.command()
@click.argument("path")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=lambda: given_lang() or "zh", envvar="AUDITOR_LANG")
@click.option("-v", "--verbose", is_flag=True, help="In the text format, also show each cell's printed text.")
def extract(path, fmt, output, lang, verbose):
    """Print the tables as read: every cell's value and state (-v: and the printed text)."""
    from ..extract.tables import extract as extract_report
    from ..limits import DEFAULT, guarded
    from ..load import LoadError, load_path
    from ..problems import INTERNAL_ERROR
    from ..write.extract_format import extract_json, extract_text

    if not Path(path).is_dir():  # a folder is no report: read_capped says so below
        inputs_or_exit([path], lang)
    check_output(output, lang)
    try:
        with guarded(path, DEFAULT):
            report = extract_report(load_path(path))
    except LoadError as error:  # the file's problem: reported like check's finding, exit 1
        code = error.code.upper()
        click.echo(f"错误[{code}]：{error.message_zh}" if lang == "zh" else f"error[{code}]: {error.message_en}", err=True)
        sys.exit(EXIT_FINDINGS)
    except Exception as error:  # a fault of ours on this file
        click.echo(f"错误[{INTERNAL_ERROR}]：读取 {path} 时程序内部出错：{type(error).__name__}: {error}" if lang == "zh"
                   else f"error[{INTERNAL_ERROR}]: internal error while reading {path}: {type(error).__name__}: {error}",
                   err=True)
        sys.exit(EXIT_FINDINGS)
    emit(extract_json(report) if fmt == "json" else extract_text(report, lang, raw=verbose), output, lang)


def _read_for_diff(path: str, lang: str):
    """(Report, Document) of one file for ``diff``; a file that cannot be read stops with exit 2."""
    from ..extract.tables import extract as extract_report
    from ..limits import DEFAULT, guarded
    from ..load import LoadError, load_path

    inputs_or_exit([path], lang)
    try:
        with guarded(path, DEFAULT):
            document = load_path(path)
            return extract_report(document), document
    except LoadError as error:
        code = error.code.upper()
        click.echo(f"错误[{code}]：{error.message_zh}" if lang == "zh" else f"error[{code}]: {error.message_en}", err=True)
        sys.exit(EXIT_USAGE)


@main.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=lambda: given_lang() or "zh", envvar="AUDITOR_LANG")
@click.option("--store", "store_path", type=click.Path(exists=True, dir_okay=False),
              help="OLD and NEW name reports in this batch store (a path, or version:ID of an earlier version).")
def diff(old, new, fmt, output, lang, store_path):
    """Compare two versions of a report: changed cells, sentences and parts; exit 1 when numbers changed."""
    from ..check.diff import diff_reports
    from ..write.diff_format import diff_json, diff_text

    check_output(output, lang)
    if store_path:
        from ..corpus.store import Store, StoreError

        try:
            with Store(store_path) as store:
                reports = [store.snapshot(reference) for reference in (old, new)]
        except StoreError as error:
            usage_error(USAGE_STORE, f"无法使用存储 {store_path}：{error}", f"cannot use the store {store_path}: {error}", lang)
        for reference, report in zip((old, new), reports):
            if report is None:
                usage_error(USAGE_NOT_FOUND, f"存储中没有 {reference}", f"the store holds no {reference}", lang)
        result = diff_reports(*reports)
    else:
        (old_report, old_document), (new_report, new_document) = _read_for_diff(old, lang), _read_for_diff(new, lang)
        result = diff_reports(old_report, new_report, old_document, new_document)
    emit(diff_json(result) if fmt == "json" else diff_text(result, lang), output, lang)
    sys.exit(EXIT_FINDINGS if result.numbers_changed else EXIT_OK)


@main.group()
@group_lang_option
def rules() -> None:
    """Rule files: list and lint."""


@main.command()
@click.argument("code")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True),
              help="Extra rule files or directories (their codes can be explained too).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=lambda: given_lang() or "zh", envvar="AUDITOR_LANG", help="Language (default zh).")
def explain(code, rule_dirs, lang):
    """Explain a code: what it checks, its default severity, and for a rule an example that fails.

    \b
    auditor explain T3-BALANCE
    auditor explain TABLE-ABSENT --lang en
    """
    from ..write.explain_format import explain_text

    try:
        loaded = _load_rules(rule_dirs)
        known = with_rules(loaded)
    except RuleError as error:
        rule_error(error, lang)
    names = CodeNames(known)
    matched = [c for c in known if c.upper() == code.upper()]
    if not matched:
        nearest = "、".join(names.nearest(code)) or "—"
        usage_error(USAGE_UNKNOWN_CODE, f"未知的代码 {code}（最接近的已知代码：{nearest}；全部代码见 auditor rules list）",
                     f"unknown code {code} (nearest known codes: {', '.join(names.nearest(code)) or '—'}; "
                     "auditor rules list shows them all)", lang)
    rules_by_code = {rule.code: rule for rule in (*shipped_rules(), *loaded)}
    emit(explain_text(known[matched[0]], rules_by_code.get(matched[0]), lang), None)


@rules.command("list")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True))
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Only codes of this kind (repeatable): " + ", ".join(KINDS) + ".")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=lambda: given_lang() or "zh", envvar="AUDITOR_LANG")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_list(rule_dirs, kinds, lang, fmt):
    """List every code: the rules in force, then the catalogue (problems, narrative, errors)."""
    from ..write.rules_format import rules_json, rules_text

    try:
        loaded = _load_rules(rule_dirs)
        known = with_rules(loaded)
    except RuleError as error:
        rule_error(error, lang)
    rules_by_code = {rule.code: rule for rule in (*loaded, *shipped_rules())}
    # Rules in file order first, then the catalogue's codes by kind.
    order = {code: (0, number, "") for number, code in enumerate(rules_by_code)}
    listed = sorted((p for p in known.values() if not kinds or p.kind in kinds),
                    key=lambda p: order.get(p.code, (1, KINDS.index(p.kind), p.code)))
    emit(rules_json(listed, rules_by_code) if fmt == "json" else rules_text(listed, rules_by_code, lang), None)


@rules.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=lambda: given_lang() or "zh", envvar="AUDITOR_LANG", help="Message language (default zh).")
def rules_lint(paths, lang):
    """Check rule files: syntax, cell names, duplicate codes, consistency (file:line).

    Every problem of every file is printed before the exit status (2 when any is an error). Data files
    of rules/ (templates, the narrative vocabulary, the code catalogue) are set aside and counted."""
    files, data_files = find_rule_files(paths)
    messages = lint_rule_files(files)
    labels = {("zh", "error"): "错误", ("zh", "warning"): "警告", ("en", "error"): "error", ("en", "warning"): "warning"}
    separator = "：" if lang == "zh" else ": "
    for message in messages:
        label = labels[lang, "error" if message.severity == "error" else "warning"]
        click.echo(f"{label}[{message.code}]{separator}{message.text(lang)}")
    errors = [m for m in messages if m.severity == "error"]
    warnings = len(messages) - len(errors)
    skipped = (f"，另有 {len(data_files)} 个数据文件不是规则文件（未检查）" if lang == "zh" else
               f"; {len(data_files)} data file(s) are not rule files (not checked)") if data_files else ""
    click.echo(f"{len(files)} 个文件，{len(errors)} 个错误，{warnings} 个警告{skipped}" if lang == "zh" else
               f"{len(files)} file(s), {len(errors)} error(s), {warnings} warning(s){skipped}")
    sys.exit(EXIT_USAGE if errors else EXIT_OK)
