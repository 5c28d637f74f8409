"""Audit a corpus: files in chunks over local processes (or Dask), results into the store, then the
cross-year pairs and the aggregates.

The coordinator expands the paths (files, directories, globs), reads and hashes each file, skips
those the store holds with the same content hash and rule version, and sends the rest in chunks to
workers (``audit_chunk``: ``audit.audit_file`` for each file, the result returned as rows ready for
the store, the parsed ``Report`` as compressed JSON). It writes each chunk's rows in one transaction,
so a batch killed at any moment loses at most the chunks in flight, and a rerun finishes the job.

Then every same-agency pair of consecutive years in the store that has not been evaluated (a new or
changed report on either side, from this batch or an earlier one) runs the ``scope: pair`` rules,
and with a hierarchy file every parent whose components are all in the store runs the aggregate
rules. Cross-report findings are filed under the later report (the parent).

The rule version (what "already audited" compares) is a hash of the auditor version, every file
under rules/ and the extra rule files, and the run's settings that change findings (language,
severity overrides, disabled codes, identity overrides, the agency map).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import time
import zlib
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence, Union

from .. import __version__, limits
from . import DEFAULT_CHUNK
from .agency import AgencyNames, pairing_plan, read_hierarchy
from ..load.inputs import Inputs, Skipped, collect_inputs, expand_paths, skipped_lines
from ..check.diff import cell_changes
from ..check.document.sameness import COPIED_TEXT, check_copied_text
from ..check.crossyear import crossyear_rule_paths, evaluate_aggregate, evaluate_pair, load_crossreport_rules
from ..check.narrative import check_year_on_year
from ..policy import UNREAD_KINDS, RunConfig, Selection
from ..model.findings import Severity
from ..limits import DEFAULT as DEFAULT_LIMITS
from ..limits import Limits
from ..load import LoadError, read_capped
from ..model.report import Report
from ..problems import INTERNAL_ERROR, problem_finding
from ..resources import rules_root
from ..ruleset import add_templates, default_rule_paths, load_rule_files
from .store import LinkRow, ReportRow, Store, finding_row, report_from_json
from .worker import Task, init_worker, audit_chunk, hard_time_limit, prime

PROGRESS_DISPATCH = 4  # files per worker call while a progress bar is shown
INCOMPLETE = "AGG-INCOMPLETE"  # a parent whose components are not all in the store
CHANGED = "XY-CHANGED"  # 发布后有变动: a stored report of the same agency and year with other tables


# -------------------------------------------------------------------- options and results


@dataclass
class BatchOptions:
    """What a batch does besides the paths: rules, run settings, identity, parallelism."""

    rule_paths: Optional[Sequence[Union[str, Path]]] = None  # single-report rules (default: shipped)
    crossyear_paths: Optional[Sequence[Union[str, Path]]] = None  # pair/aggregate rules (default: shipped)
    template_paths: Sequence[Union[str, Path]] = ()  # templates the run adds (files with a top-level `template`)
    lang: str = "zh"
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)  # glob -> codes ([per-file-ignores])
    agency: Optional[str] = None  # override for every file
    year: Optional[int] = None  # override for every file
    agency_map: Optional[Union[str, Path]] = None
    hierarchy: Optional[Union[str, Path]] = None
    jobs: int = 1  # local processes; 1 audits in the coordinator
    chunk_size: int = DEFAULT_CHUNK
    dask: Optional[object] = None  # a scheduler address (or a distributed.Client)
    progress: bool = False  # a rich progress bar on stderr, advanced per report
    limits: Limits = DEFAULT_LIMITS  # what one file may cost (limits.py); time is also enforced per worker
    command: str = ""  # recorded in the runs table
    selection: Selection = Selection()  # --select/--ignore/--extend-select (policy.Selection)
    published: dict[str, dt.date] = field(default_factory=dict)  # file -> publication date (the manifest)

    def run_config(self) -> RunConfig:
        return RunConfig(lang=self.lang, severity_overrides=dict(self.severity_overrides), disabled=self.disabled,
                         per_file_ignores=dict(self.per_file_ignores), limits=self.limits, selection=self.selection,
                         published=dict(self.published))


@dataclass
class BatchSummary:
    run_id: int = 0
    files: int = 0
    audited: int = 0
    skipped: int = 0
    errors: int = 0  # files whose worker failed (retried by the next run)
    findings: int = 0  # findings of the files audited now
    pairs: int = 0  # cross-year pairs evaluated now
    aggregates: int = 0  # aggregates evaluated now
    cross_findings: int = 0
    seconds: float = 0.0
    audit_seconds: float = 0.0
    cross_seconds: float = 0.0
    rule_version: str = ""
    paths: list[str] = field(default_factory=list)  # every file of the run, audited now or skipped
    new_paths: list[str] = field(default_factory=list)  # the files audited now (worker errors included)
    unreadable: int = 0  # files audited now that could not be read (a file or limit problem at error)
    crashed: int = 0  # files audited now on which our code or its worker failed (INTERNAL-ERROR, WORKER-LOST)
    not_assessable: int = 0  # files audited now with a statutory table not read (TABLE-ABSENT)
    not_reports: list[Skipped] = field(default_factory=list)  # found in folders or by globs, no report
    unpaired: list = field(default_factory=list)  # agency.Unpaired: agencies whose years are not compared, why

    def line(self, lang: str = "zh") -> str:
        """The run in one line: new and unchanged files, failures by reason, findings, cross-report work."""
        if lang == "zh":
            return (f"共 {self.files} 个文件：新审核 {self.audited}，未变（已审核）{self.skipped}；"
                    f"未能审核：无法读取 {self.unreadable}，不是报告 {len(self.not_reports)}，程序出错 {self.crashed}；"
                    f"问题 {self.findings}，表格无法核对的报告 {self.not_assessable}；"
                    f"跨年度对比 {self.pairs} 对，汇总核对 {self.aggregates} 项，"
                    f"跨报告问题 {self.cross_findings}；用时 {self.seconds:.1f} 秒")
        return (f"{self.files} file(s): {self.audited} new, {self.skipped} unchanged; "
                f"not audited: {self.unreadable} unreadable, {len(self.not_reports)} not a report, "
                f"{self.crashed} crashed; findings {self.findings}, reports with a table not assessable "
                f"{self.not_assessable}; cross-year pairs {self.pairs}, aggregates {self.aggregates}, "
                f"cross-report findings {self.cross_findings}; {self.seconds:.1f} s")

    def exit_line(self, failing_new: int, failing_stored: int, fail_on: str, lang: str = "zh") -> str:
        """Why the exit status is what it is: reports failing among those audited now and among those
        unchanged since an earlier run (whose findings the store holds), and how to leave the latter out."""
        status = 1 if failing_new or failing_stored else 0
        level = "error" if fail_on == "new" else fail_on  # new: error, counting the files audited now only
        if fail_on == "never":
            return "失败级别 never：问题不影响退出码（退出码 0）" if lang == "zh" else \
                "fail level never: findings do not change the exit status (exit status 0)"
        if lang == "zh":
            parts = [f"本次新审核的 {failing_new} 份报告"] if failing_new else []
            if failing_stored:
                parts.append(f"已存储（未变）的 {failing_stored} 份报告")
            if not parts:
                return (f"退出码 0：本次新审核的报告没有达到失败级别（{level}）的问题（--fail-on new：未变的报告不计）"
                        if fail_on == "new" else f"退出码 0：没有报告有达到失败级别（{level}）的问题")
            hint = "；用 --fail-on new 只看新审核的报告" if failing_stored and fail_on != "new" else ""
            return f"退出码 {status}：{'和'.join(parts)}有达到失败级别（{level}）的问题{hint}"
        parts = [f"{failing_new} report(s) audited now"] if failing_new else []
        if failing_stored:
            parts.append(f"{failing_stored} report(s) already stored (unchanged)")
        if not parts:
            return (f"exit status 0: no report audited now has a finding at the fail level ({level}) "
                    "(--fail-on new: unchanged reports do not count)" if fail_on == "new"
                    else f"exit status 0: no report has a finding at the fail level ({level})")
        hint = "; --fail-on new to ignore them" if failing_stored and fail_on != "new" else ""
        return f"exit status {status} because of {' and '.join(parts)} with findings at the fail level ({level}){hint}"

    def skipped_lines(self, lang: str = "zh") -> list[str]:
        """Each file left out as no report, with the reason (after the summary line)."""
        return skipped_lines(self.not_reports, lang)

    def unpaired_lines(self, lang: str = "zh") -> list[str]:
        """One line per agency whose years could not be paired, with the reason."""
        head = "未配对：" if lang == "zh" else "not paired: "
        return [head + note.text(lang) for note in self.unpaired]


# -------------------------------------------------------------------- inputs and versions


def expand_inputs(paths: Iterable[Union[str, Path]]) -> list[Path]:
    """Files, directories (walked for report files) and globs (``**`` recursive), absolute, each once;
    a missing path or an unmatched glob is left out (``collect_inputs`` raises for them instead)."""
    return _absolute(expand_paths(paths))


def _absolute(files: Iterable[Path]) -> list[Path]:
    seen: dict[str, Path] = {}
    for path in files:
        absolute = Path(os.path.abspath(path))
        seen.setdefault(str(absolute), absolute)
    return list(seen.values())


def _rule_files(options: BatchOptions) -> tuple[list[Path], list[Path]]:
    single = [Path(p) for p in options.rule_paths] if options.rule_paths is not None else default_rule_paths()
    cross = [Path(p) for p in options.crossyear_paths] if options.crossyear_paths is not None \
        else crossyear_rule_paths()
    return single, cross


def rule_version(files: Iterable[Path], settings: str = "") -> str:
    """A hash of the auditor version, every file under rules/, the given rule files and settings."""
    digest = hashlib.sha256(f"auditor {__version__}\n".encode())
    shipped = sorted(p for p in rules_root().rglob("*") if p.is_file())
    for path in [*shipped, *files]:
        digest.update(f"\n{path.name}\n".encode())
        digest.update(path.read_bytes())
    digest.update(settings.encode())
    return digest.hexdigest()[:20]


def _settings_text(options: BatchOptions, names: AgencyNames) -> str:
    severity = ",".join(f"{k}={v.value if isinstance(v, Severity) else v}"
                        for k, v in sorted(options.severity_overrides.items()))
    return (f"lang={options.lang}\nseverity={severity}\ndisabled={','.join(sorted(options.disabled))}\n"
            f"agency={options.agency or ''}\nyear={options.year or ''}\nmap={names.fingerprint()}\n"
            f"limits={sorted(asdict(options.limits).items())}\n"
            f"ignores={sorted((k, sorted(v)) for k, v in options.per_file_ignores.items())}\n"
            f"selection={options.selection.to_data()}\n"
            + (f"published={sorted((k, v.isoformat()) for k, v in options.published.items())}\n" if options.published else ""))


def worker_spec(rule_files: Sequence[Path], version: str, options: BatchOptions) -> dict:
    """Everything a worker needs, as plain data (it may run on another machine): rule texts, settings."""
    return {
        "version": version,
        "rules": [(f"{i:03d}-{path.name}", path.read_text(encoding="utf-8-sig")) for i, path in enumerate(rule_files)],
        "templates": [(f"{i:03d}-{Path(path).name}", Path(path).read_text(encoding="utf-8-sig"))
                      for i, path in enumerate(options.template_paths)],
        "lang": options.lang,
        "severity": {k: (v.value if isinstance(v, Severity) else str(v)) for k, v in options.severity_overrides.items()},
        "disabled": sorted(options.disabled),
        "per_file_ignores": {glob: list(codes) for glob, codes in options.per_file_ignores.items()},
        "limits": asdict(options.limits),
        "selection": options.selection.to_data(),
        "published": {file: date.isoformat() for file, date in options.published.items()},
    }


# -------------------------------------------------------------------- runners


class InlineRunner:
    """Audits in the coordinator's process (``--jobs 1``)."""

    def __init__(self, spec: dict):
        self.spec = spec

    def run(self, chunks: Iterator[list[Task]]):
        for chunk in chunks:
            try:
                yield chunk, audit_chunk(chunk, self.spec)
            except Exception as error:  # pragma: no cover - audit_file never raises for a file
                yield chunk, error

    def close(self) -> None:
        pass


class ProcessRunner:
    """Local worker processes (``concurrent.futures``), at most two chunks in flight per worker."""

    def __init__(self, spec: dict, jobs: int):
        import multiprocessing

        self.spec, self.jobs = spec, jobs
        # fork where there is one: a worker starts in milliseconds with the modules imported and the
        # rules compiled (``Batch`` seeds the cache); the workers touch no lock of the coordinator's
        # threads. Elsewhere spawn, which imports and compiles once per worker.
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.pool = self._pool()

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.jobs, mp_context=self.context, initializer=init_worker,
                                   initargs=(self.spec,))

    def run(self, chunks: Iterator[list[Task]]):
        """Chunks in, (chunk, rows or exception) out. When a worker dies (a crash in a library, the
        memory killer, the watchdog), every chunk in flight is lost. Their files are then audited
        again one at a time, alone in the pool, so that a file that stops a worker on its own is
        known for sure and is the only one reported lost."""
        inflight: dict = {}
        alone: set = set()  # futures of a retried file, submitted with nothing else in flight
        retries: list[list[Task]] = []
        held: list[list[Task]] = []  # taken from ``chunks`` but refused by a pool that broke meanwhile

        def submit() -> bool:
            if retries:
                if inflight:
                    return False  # a retried file runs alone
                chunk, queue = retries.pop(), retries
            else:
                chunk, queue = (held.pop() if held else next(chunks, None)), held
                if chunk is None:
                    return False
            try:
                future = self.pool.submit(audit_chunk, chunk)
            except BrokenProcessPool:  # a worker died since the last wait: its future tells, then a fresh pool
                queue.append(chunk)
                return False
            if queue is retries:
                alone.add(future)
            inflight[future] = chunk
            return True

        while True:
            while len(inflight) < 2 * self.jobs and submit():
                pass
            if not inflight:
                if not (held or retries):
                    return
                # the pool broke with nothing in flight (a worker ended while idle): a fresh one
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._pool()
                continue
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for future in done:
                if future not in inflight:
                    continue  # reported already, with a broken pool
                chunk = inflight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as error:  # a worker died: every chunk in flight is lost
                    self.pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = self._pool()  # a fresh pool for the rest
                    if future in alone:
                        yield chunk, error  # it ran alone: this file stops a worker
                    else:
                        retries.extend([task] for task in reversed(chunk))
                    for other in inflight.values():
                        retries.extend([task] for task in reversed(other))
                    inflight.clear()
                    break
                except Exception as error:
                    result = error
                yield chunk, result

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def make_runner(spec: dict, options: BatchOptions):
    if options.dask is not None:
        from .scale import DaskRunner

        return DaskRunner(spec, options.dask)
    if options.jobs > 1:
        return ProcessRunner(spec, options.jobs)
    return InlineRunner(spec)


# -------------------------------------------------------------------- progress


class _Progress:
    """A rich progress bar on stderr when asked (the CLI asks only on a terminal); else nothing."""

    def __init__(self, enabled: bool):
        self.bar = None
        if enabled:
            try:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            except ImportError:  # rich is a dependency; a broken install just gets no bar
                return
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), TextColumn("{task.fields[current]}"),
                                console=Console(stderr=True), transient=False)
            self.bar.start()

    def task(self, description: str, total: int):
        return self.bar.add_task(description, total=total, current="") if self.bar else None

    def advance(self, task, amount: int = 1, current: Optional[str] = None) -> None:
        if self.bar is not None and task is not None:
            self.bar.advance(task, amount)
            if current is not None:  # the report just done, shortened to its name
                self.bar.update(task, current=Path(current).name[-40:])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# -------------------------------------------------------------------- the batch


def _worker_error_row(task: Task, error: BaseException, config: RunConfig) -> ReportRow:
    path = task[0]
    if isinstance(error, BrokenProcessPool):  # the worker died on this file alone
        seconds = hard_time_limit(config.limits)
        finding = problem_finding(
            "WORKER-LOST",
            f"审核 {path} 时工作进程意外退出（程序库崩溃、内存耗尽，或超过 {seconds:g} 秒被强制结束）",
            f"the worker process died while auditing {path} (a crash in a library, out of memory, "
            f"or ended after {seconds:g} s)", config.lang, file=path)
        return ReportRow(path=path, content_hash=task[1], status="worker-error",
                         findings=[finding_row(finding.model_dump(mode="json"))])
    detail = f"{type(error).__name__}: {error}"
    finding = problem_finding(INTERNAL_ERROR, f"审核 {path} 时工作进程出错：{detail}",
                              f"worker failed while auditing {path}: {detail}", config.lang, file=path)
    return ReportRow(path=path, content_hash=task[1], status="worker-error",
                     findings=[finding_row(finding.model_dump(mode="json"))])


class Batch:
    """One batch run over a store; ``run(paths)`` does it all (``run_batch`` is the short form)."""

    def __init__(self, store: Union[str, Path, Store], options: Optional[BatchOptions] = None):
        self.options = options or BatchOptions()
        self.store = store if isinstance(store, Store) else Store(store)
        self.owns_store = not isinstance(store, Store)
        self.config = self.options.run_config()
        self.names = AgencyNames.from_file(self.options.agency_map)
        self.hierarchy = read_hierarchy(self.options.hierarchy, self.names) if self.options.hierarchy else {}
        single, cross = _rule_files(self.options)
        add_templates(self.options.template_paths)  # before the rules: a rule may name them
        rules = load_rule_files(single)  # raises RuleError before any work when a rule file does not load
        self.cross_rules = load_crossreport_rules(cross)
        templates = [Path(p) for p in self.options.template_paths]
        self.version = rule_version([*templates, *single, *cross], _settings_text(self.options, self.names))
        self.spec = worker_spec(single, self.version, self.options)
        prime(self.version, rules, self.config)

    # ------------------------------------------------------------ identity

    def _identity(self, agency: Optional[str], year: Optional[int]) -> tuple[Optional[str], Optional[int]]:
        return self.names.key(self.options.agency or agency), self.options.year or year

    def _row(self, item: dict) -> ReportRow:
        agency, year = self._identity(item["agency"], item["year"])
        return ReportRow(path=item["path"], content_hash=item["hash"], status=item["status"], agency=agency,
                         agency_read=item["agency"], year=year, template=item["template"], model=item["model"],
                         findings=item["findings"], narrative=item.get("narrative"),
                         year_on_year=item.get("year_on_year"))

    def _versioned(self, row: ReportRow) -> ReportRow:
        """A report of an agency and year the store already holds with other content: the stored one is
        kept as an earlier version (``report_versions``), and when the tables changed the new one is
        flagged XY-CHANGED ("发布后有变动"). Another path in another format (the PDF beside the HTML
        page) is another rendering, not another version, and is left alone."""
        if row.status != "audited" or not row.agency or row.year is None or row.model is None:
            return row
        new: Optional[Report] = None
        for report_id, path, content_hash in self.store.same_report(row.agency, row.year):
            if content_hash == row.content_hash or (path != row.path and Path(path).suffix.lower() != Path(row.path).suffix.lower()):
                continue
            old = self.store.load_report(report_id)
            new = new or report_from_json(zlib.decompress(row.model))
            changes = cell_changes(old, new) if old is not None else []
            if path != row.path and not changes:
                continue  # another copy of the same tables (a re-crawled page)
            version = self.store.archive(report_id)
            if not changes:
                continue
            finding = problem_finding(
                CHANGED,
                f"{row.agency}{row.year}年度报告与已存版本（{path}）相比有 {len(changes)} 个单元格不同，已另存为新版本；"
                f"差异：auditor diff --store {self.store.path} version:{version} {row.path}",
                f"the {row.year} report of {row.agency} differs from the stored version ({path}) in {len(changes)} "
                f"cell(s); stored as a new version; differences: auditor diff --store {self.store.path} version:{version} "
                f"{row.path}", self.config.lang, file=row.path)
            row.findings += [finding_row(f.model_dump(mode="json")) for f in self.config.apply([finding], row.path)]
        return row

    # ------------------------------------------------------------ the chunked pass

    def _dispatch_size(self) -> int:
        """Files handed to a worker at once: the store's chunk, or with a progress bar few enough that
        the bar moves per report (one in this process, a few per worker process)."""
        size = max(1, self.options.chunk_size)
        if not self.options.progress:
            return size
        return 1 if self.options.jobs <= 1 and self.options.dask is None else min(size, PROGRESS_DISPATCH)

    def _chunks(self, files: list[Path], summary: BatchSummary, progress: _Progress, task) -> Iterator[list[Task]]:
        size = self._dispatch_size()
        chunk: list[Task] = []
        for path in files:
            name = str(path)
            try:
                with limits.use(self.options.limits):
                    data = read_capped(path)
                content_hash = hashlib.sha256(data).hexdigest()
            except (OSError, LoadError):
                data, content_hash = None, None  # the worker reports the file (unreadable, too large)
            done = self.store.done(name)
            if content_hash is not None and done == (content_hash, self.version, "audited"):
                summary.skipped += 1
                progress.advance(task)
                continue
            chunk.append((name, content_hash, data))
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def run(self, paths: Union[Inputs, Iterable[Union[str, Path]]]) -> BatchSummary:
        """Audit the paths (or inputs collected already); raises audit.InputError for a missing path."""
        started = time.perf_counter()
        inputs = paths if isinstance(paths, Inputs) else collect_inputs(paths)
        files = _absolute(inputs.files)
        summary = BatchSummary(files=len(files), rule_version=self.version, paths=[str(f) for f in files],
                               not_reports=list(inputs.skipped))
        summary.run_id = self.store.start_run(__version__, self.version, self.options.command, len(files))
        progress = _Progress(self.options.progress)
        try:
            task = progress.task("审核" if self.options.lang == "zh" else "audit", len(files))
            runner = make_runner(self.spec, self.options)
            pending: list[ReportRow] = []  # written one store transaction per chunk_size files
            try:
                for chunk, results in runner.run(self._chunks(files, summary, progress, task)):
                    if isinstance(results, BaseException):
                        rows = [_worker_error_row(item, results, self.config) for item in chunk]
                        summary.errors += len(rows)
                        summary.crashed += len(rows)
                    else:
                        rows = [self._versioned(self._row(item)) for item in results]
                        summary.audited += len(rows)
                        summary.findings += sum(len(row.findings) for row in rows)
                        summary.not_assessable += sum(1 for row in rows if any(
                            f[0] == "TABLE-ABSENT" for f in row.findings))  # a findings row starts with its code
                        for row in rows:
                            kinds = {f[3] for f in row.findings if f[1] == "error"}  # (code, severity, status, kind…)
                            summary.crashed += "internal" in kinds
                            summary.unreadable += "internal" not in kinds and bool(kinds & UNREAD_KINDS)
                    summary.new_paths += [row.path for row in rows]
                    pending += rows
                    if len(pending) >= self.options.chunk_size:
                        self.store.write_reports(pending, self.version, summary.run_id)
                        pending = []
                    progress.advance(task, len(chunk), chunk[-1][0])
            finally:
                runner.close()
                if pending:  # also when interrupted: what was audited is kept
                    self.store.write_reports(pending, self.version, summary.run_id)
            summary.audit_seconds = time.perf_counter() - started
            cross_started = time.perf_counter()
            self.cross_year(summary, progress)
            if self.hierarchy:
                self.aggregates(summary, progress)
            summary.cross_seconds = time.perf_counter() - cross_started
        finally:
            progress.close()
        summary.seconds = time.perf_counter() - started
        self.store.finish_run(summary.run_id, audited=summary.audited, skipped=summary.skipped,
                              errors=summary.errors, pairs=summary.pairs, aggregates=summary.aggregates)
        return summary

    # ------------------------------------------------------------ cross-report passes

    def _loader(self, size: int = 256):
        cache: dict[int, Optional[Report]] = {}

        def load(report_id: int) -> Optional[Report]:
            if report_id not in cache:
                if len(cache) >= size:
                    cache.pop(next(iter(cache)))
                cache[report_id] = self.store.load_report(report_id)
            return cache[report_id]
        return load

    def cross_year(self, summary: BatchSummary, progress: Optional[_Progress] = None, write_every: int = 200) -> None:
        """Evaluate every pending same-agency pair of consecutive years (in the store, from any batch)."""
        aliases, summary.unpaired = pairing_plan((r.agency, r.year) for r in self.store.identified())
        pending = self.store.pending_pairs(aliases)
        if not pending or not any(rule.scope == "pair" for rule in self.cross_rules):
            return
        progress = progress or _Progress(False)
        task = progress.task("跨年度" if self.options.lang == "zh" else "cross-year", len(pending))
        load = self._loader()
        links: list[LinkRow] = []
        for current_id, previous_id in pending:
            current, previous = load(current_id), load(previous_id)
            found = evaluate_pair(previous, current, self.cross_rules, self.config)
            if self.config.enabled(COPIED_TEXT):
                texts = self.store.load_narrative(previous_id), self.store.load_narrative(current_id)
                if all(texts):
                    found += check_copied_text(*texts, current, previous.file, self.config)
            kept = self.store.load_year_on_year(current_id)  # "较去年…": the per-report note said it waits for this
            if kept:
                found += check_year_on_year(kept, current, previous, self.config)[0]
            findings = self.config.apply(found, current.file)
            rows = [finding_row(f.model_dump(mode="json")) for f in findings]
            links.append(LinkRow("pair", current_id, str(previous_id), (previous_id,), rows))
            summary.cross_findings += len(rows)
            if len(links) >= write_every:
                summary.pairs += self.store.write_links(links, summary.run_id)
                progress.advance(task, len(links))
                links = []
        summary.pairs += self.store.write_links(links, summary.run_id)
        progress.advance(task, len(links))

    def aggregates(self, summary: BatchSummary, progress: Optional[_Progress] = None) -> None:
        """Evaluate every parent report whose components' reports of the same year are all stored."""
        index: dict[tuple[str, int], list[int]] = {}
        for report in self.store.identified():
            index.setdefault((report.agency, report.year), []).append(report.id)
        load = self._loader()
        for (agency, year), parent_ids in sorted(index.items()):
            components = self.hierarchy.get(agency)
            if not components:
                continue
            found = [index.get((component, year)) for component in components]
            if not all(found):  # no sum over a partial set: the parent is told which components are missing
                self._incomplete(agency, year, parent_ids, components, found, summary, load)
                continue
            member_ids = [max(ids) for ids in found]  # the latest stored report of each component
            key = ",".join(map(str, member_ids))
            for parent_id in parent_ids:
                if self.store.has_link("aggregate", parent_id, key):
                    continue
                parent = load(parent_id)
                findings = self.config.apply(evaluate_aggregate(parent, [load(i) for i in member_ids], self.cross_rules,
                                                                self.config), parent.file)
                rows = [finding_row(f.model_dump(mode="json")) for f in findings]
                summary.aggregates += self.store.write_links(
                    [LinkRow("aggregate", parent_id, key, member_ids, rows)], summary.run_id, replace_kind=True)
                summary.cross_findings += len(rows)

    def _incomplete(self, agency: str, year: int, parent_ids: list[int], components: Sequence[str],
                    found: list, summary: BatchSummary, load) -> None:
        """AGG-INCOMPLETE on each parent report whose components are not all in the store."""
        missing = [component for component, ids in zip(components, found) if not ids]
        present = [max(ids) for ids in found if ids]
        key = f"incomplete:{','.join(map(str, present))}:{','.join(missing)}"
        for parent_id in parent_ids:
            if self.store.has_link("aggregate", parent_id, key):
                continue
            parent = load(parent_id)
            finding = problem_finding(
                INCOMPLETE, f"{agency}{year}年度汇总报告未与组成单位核对：层级文件所列 {len(components)} 个组成单位中，"
                f"{len(missing)} 个没有同年度报告（{'、'.join(missing)}）",
                f"the {year} aggregate report of {agency} was not checked against its components: {len(missing)} of the "
                f"{len(components)} components in the hierarchy file have no report of the year ({', '.join(missing)})",
                self.config.lang, file=parent.file if parent else None)
            rows = [finding_row(f.model_dump(mode="json")) for f in self.config.apply([finding], parent.file if parent else None)]
            self.store.write_links([LinkRow("aggregate", parent_id, key, present, rows)], summary.run_id, replace_kind=True)
            summary.cross_findings += len(rows)

    def close(self) -> None:
        if self.owns_store:
            self.store.close()


def failing_files(db: Union[str, Path, Store], summary: BatchSummary, fail_on: Optional[Severity],
                  paths: Optional[Sequence[str]] = None) -> list[str]:
    """The run's files (or ``paths`` of them) with a stored finding at or above ``fail_on`` (None: never fails)."""
    if fail_on is None:
        return []
    levels = [s.value for s in Severity if s.rank >= fail_on.rank]
    store = db if isinstance(db, Store) else Store(db)
    try:
        return store.failing_paths(summary.paths if paths is None else list(paths), levels)
    finally:
        if store is not db:
            store.close()


def failing_split(db: Union[str, Path, Store], summary: BatchSummary,
                  fail_on: Optional[Severity]) -> tuple[list[str], list[str]]:
    """(failing files audited now, failing files unchanged since an earlier run)."""
    new = set(summary.new_paths)
    failing = failing_files(db, summary, fail_on)
    return [p for p in failing if p in new], [p for p in failing if p not in new]


def run_batch(paths: Union[Inputs, Iterable[Union[str, Path]]], db: Union[str, Path, Store],
              options: Optional[BatchOptions] = None) -> BatchSummary:
    """Audit ``paths`` into the store ``db``; see the module docstring. A missing path raises
    audit.InputError before the store is opened."""
    inputs = paths if isinstance(paths, Inputs) else collect_inputs(paths)
    batch = Batch(db, options)
    try:
        return batch.run(inputs)
    finally:
        batch.close()


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())
