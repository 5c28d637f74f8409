"""``auditor batch`` and ``auditor report``: audit a corpus into a results store, and summarise it.

Registered on ``auditor.cli.main`` when this module is imported (``cli.py`` imports it). Also
runnable on its own: ``python -m auditor.cli_batch batch PATH... --db audit.sqlite``.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys

import click

from ..corpus import DEFAULT_CHUNK, SEVERITIES  # the batch machinery itself is imported by the commands
from .main import (
    EXIT_FINDINGS,
    EXIT_OK,
    TIME_LIMIT_OPTION,
    USAGE_AGENCY_MAP,
    USAGE_BAD_OPTION,
    USAGE_STORE,
    emit,
    rule_error,
    usage_error,
    check_output,
    inputs_or_exit,
    per_file_ignores,
    main,
    rule_files,
    run_limits,
    run_selection,
    run_settings,
    LANG_OPTION,
)
from .i18n import given_lang
from ..policy import FAIL_LEVELS
from ..model.findings import Severity
from ..ruleset import RuleError, default_rule_paths, template_files
from ..write.rows_format import spreadsheet_safe


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", default="audit.sqlite", show_default=True, type=click.Path(dir_okay=False),
              help="The results store (SQLite); created when absent.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: the number of CPUs; 1 audits in this process).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK, show_default=True,
              help="Files per chunk (one store transaction each).")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Run on a Dask cluster (scheduler address, e.g. tcp://host:8786); needs auditor[scale].")
@click.option("--agency", help="Agency of every file (overrides what the reports say).")
@click.option("--year", type=click.IntRange(1990, 2100), help="Report year of every file (overrides the reports).")
@click.option("--agency-map", type=click.Path(exists=True, dir_okay=False),
              help="YAML: canonical agency: [aliases] — renamed or merged agencies.")
@click.option("--hierarchy", type=click.Path(exists=True, dir_okay=False),
              help="YAML: parent agency: [component agencies] — runs the aggregate rules.")
@click.option("--manifest", "manifest_path", type=click.Path(exists=True, dir_okay=False),
              help="TSV with columns file and published (YYYY-MM-DD): publication dates for DOC-LATE.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(exists=True),
              help="Extra rule files or directories (repeatable).")
@click.option("--crossyear-rules", "cross_dirs", multiple=True, type=click.Path(exists=True),
              help="Cross-report rule files or directories instead of the shipped rules/crossyear.")
@LANG_OPTION
@click.option("--select", multiple=True, metavar="CODE", help="Report only these codes or prefixes (ALL: every code).")
@click.option("--extend-select", multiple=True, metavar="CODE", help="Add codes or prefixes to the selection.")
@click.option("--ignore", multiple=True, metavar="CODE", help="Leave out these codes or prefixes.")
@click.option("--disable", multiple=True, metavar="CODE", help="Rule or problem codes to leave out (repeatable).")
@click.option("--severity", "severity_overrides", multiple=True, metavar="CODE=LEVEL",
              help="Override a code's severity (repeatable).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
              help="Configuration file (default: .auditor.toml or [tool.auditor] in pyproject.toml).")
@TIME_LIMIT_OPTION
@click.option("--fail-on", type=click.Choice((*FAIL_LEVELS, "new")), default=None,
              help="Exit 1 when a file of the run has a finding at or above this severity (default error); "
                   "new: only the files audited now count.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: only when stderr is a terminal).")
def batch(paths, db, jobs, chunk_size, dask_address, agency, year, agency_map, hierarchy, manifest_path, rule_dirs,
          cross_dirs, lang, select, extend_select, ignore, disable, severity_overrides, config_path, time_limit, fail_on,
          progress):
    """Audit a corpus (files, folders, globs) into a results store; a rerun audits only what changed."""
    from ..corpus.agency import AgencyMapError
    from ..corpus.batch import BatchOptions, failing_split, is_terminal, run_batch
    from ..corpus.manifest import ManifestError, read_manifest
    from ..corpus.store import StoreError

    file_config, lang, overrides, disabled = run_settings(config_path, lang, severity_overrides, disable,
                                                          (*rule_dirs, *cross_dirs))
    selection = run_selection(file_config, lang, select, extend_select, ignore, (*rule_dirs, *cross_dirs))
    extra = rule_files([*map(str, file_config.rules), *rule_dirs])
    try:
        published = read_manifest(manifest_path) if manifest_path else {}
    except ManifestError as error:
        usage_error(USAGE_BAD_OPTION, f"批量清单无法使用：{error}", f"the batch manifest cannot be used: {error}", lang)
    options = BatchOptions(
        limits=run_limits(file_config, time_limit),
        rule_paths=default_rule_paths() + extra,
        crossyear_paths=rule_files(cross_dirs) if cross_dirs else None,
        template_paths=template_files([*map(str, file_config.rules), *rule_dirs]),
        lang=lang, severity_overrides=overrides, disabled=disabled, per_file_ignores=per_file_ignores(file_config),
        agency=agency, year=year, agency_map=agency_map, hierarchy=hierarchy,
        jobs=jobs or os.cpu_count() or 1, chunk_size=chunk_size, dask=dask_address,
        progress=is_terminal(sys.stderr) if progress is None else progress, selection=selection,
        command=" ".join(["auditor", "batch", *sys.argv[2:]])[:2000], published=published)
    inputs = inputs_or_exit(paths, lang)  # a missing path stops the run before the store is touched
    try:
        summary = run_batch(inputs, db, options)
    except RuleError as error:
        rule_error(error, lang)
    except AgencyMapError as error:
        usage_error(USAGE_AGENCY_MAP, f"机构名称对照表或层级文件无法使用：{error}", str(error), lang)
    except StoreError as error:
        usage_error(USAGE_STORE, f"结果数据库无法使用：{error}", str(error), lang)
    except ImportError as error:  # --dask without dask installed
        usage_error(USAGE_BAD_OPTION, f"--dask 需要安装 auditor[scale]：{error}",
                     f"--dask needs auditor[scale]: {error}", lang)
    click.echo(summary.line(lang))
    for line in summary.skipped_lines(lang) + summary.unpaired_lines(lang):
        click.echo(line)
    level = fail_on or file_config.fail_on or "error"
    # new: the default level, counting only the files audited now (not those unchanged since a run before)
    severity = None if level == "never" else Severity("error" if level == "new" else level)
    failing_new, failing_stored = failing_split(db, summary, severity)
    if level == "new":
        failing_stored = []
    click.echo(summary.exit_line(len(failing_new), len(failing_stored), level, lang))
    sys.exit(EXIT_FINDINGS if failing_new or failing_stored else EXIT_OK)


# -------------------------------------------------------------------- auditor report

_TITLES = {
    "per_rule": ("按规则", "findings per rule", "code"),
    "per_agency": ("按机构", "findings per agency", "agency"),
    "per_year": ("按年度", "findings per year", "year"),
    "worst_reports": ("问题最多的报告", "worst reports", "path"),
}
COLUMNS = ("reports", "findings", *SEVERITIES)


def report_text(summary: dict, lang: str = "zh") -> str:
    from tabulate import tabulate

    totals = summary["totals"]
    out = [(f"报告 {totals['reports']} 份，问题 {totals['findings']} 条，跨年度对比 {totals['pairs']} 对，"
            f"汇总核对 {totals['aggregates']} 项，工作进程出错 {totals['worker_errors']} 份")
           if lang == "zh" else
           (f"{totals['reports']} report(s), {totals['findings']} finding(s), {totals['pairs']} cross-year pair(s), "
            f"{totals['aggregates']} aggregate(s), {totals['worker_errors']} worker error(s)")]
    for item in summary.get("unpaired", []):  # agencies whose years are not compared, and why
        out.append(f"未配对：{item['agency']}：{item['reason_zh']}" if lang == "zh"
                   else f"not paired: {item['agency']}: {item['reason_en']}")
    for name, (zh, en, key) in _TITLES.items():
        rows = summary[name]
        columns = (key, "agency", "year", "findings", *SEVERITIES) if name == "worst_reports" else (key, *COLUMNS)
        out.append("")
        out.append(zh if lang == "zh" else en)
        out.append(tabulate([[row.get(c) if row.get(c) is not None else "—" for c in columns] for row in rows],
                            headers=list(columns), tablefmt="simple") if rows else "—")
    return "\n".join(out) + "\n"


def report_csv(summary: dict) -> str:
    """One table: ``table,key,reports,findings,error,warning,review,info`` (worst reports: key = path)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["table", "key", *COLUMNS])
    writer.writerow(["totals", "", summary["totals"]["reports"], summary["totals"]["findings"], "", "", "", ""])
    for name, (_, _, key) in _TITLES.items():
        for row in summary[name]:
            writer.writerow([name, spreadsheet_safe(row[key]) if row[key] is not None else "", row.get("reports", 1), row["findings"],
                             *(row[s] for s in SEVERITIES)])
    return buffer.getvalue()


@main.command("report")
@click.option("--db", required=True, type=click.Path(exists=True, dir_okay=False), help="The results store.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Worst reports listed.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the output to FILE.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=lambda: given_lang() or "zh", envvar="AUDITOR_LANG")
def report_command(db, fmt, top, output, lang):
    """Summarise a results store: findings per rule, agency and year; the worst reports."""
    from ..corpus.store import Store, StoreError

    check_output(output, lang)
    try:
        with Store(db) as store:
            summary = store.summary(top=top)
    except StoreError as error:
        usage_error(USAGE_STORE, f"结果数据库无法使用：{error}", str(error), lang)
    if fmt == "json":
        text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        text = report_csv(summary)
    else:
        text = report_text(summary, lang)
    emit(text, output, lang)


if __name__ == "__main__":  # pragma: no cover
    main()
