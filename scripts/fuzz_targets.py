"""Fuzz targets, seeds and mutators shared by scripts/fuzz.py (atheris or own mutation) and
tests/test_fuzz.py (hypothesis).

A target is a callable ``bytes -> object``. It returns normally for any input the product handles
as designed (a result with findings, a LoadError, a RuleError) and raises for a crash:

* any exception other than the expected ones (``LoadError`` from a loader, ``RuleError`` from the
  rule parser and the expression compiler);
* ``Crash`` when the audit returns an ``internal-error`` finding (our own code raised and
  ``audit_file`` caught it: the target re-runs the stages unguarded so the real traceback shows),
  a finding whose code is neither in the catalogue nor a rule code, or not an ``AuditResult``.

Surfaces (``TARGETS``): text, markdown, html, pdf, docx, xlsx, image (each the whole
``audit_file`` with that suffix), rules (``lint_rule_files``/``load_rule_files`` on a temp
``.yaml`` and ``.toml`` file holding the bytes, then the rules that load are run on a real
report), expr (the bytes as an expression: built into a rule as the loader builds one, then
evaluated on two real reports, tianshui-2020 and yichun-2021). ``EXTRACT_TARGETS`` are the
cheaper loader-plus-extract stage of the document surfaces.
"""
from __future__ import annotations

import functools
import io
import os
import random
import re
import struct
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterable, Optional

os.environ.setdefault("AUDITOR_OCR_CACHE", "off")  # fuzzed images never fill the user's OCR cache

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
FUZZ_SEEDS = DATA / "fuzz"
CORPUS = ROOT.parent / "shared" / "corpus"
RULE_FIXTURES = ROOT / "tests" / "fixtures" / "rules"

os.environ.setdefault("AUDITOR_OCR_THREADS", "1")  # one core: the machine is shared

from auditor.pipeline import audit_file, audit_report  # noqa: E402
from auditor.check.engine import run_rules  # noqa: E402
from auditor.policy import RunConfig
from auditor.extract.tables import extract  # noqa: E402
from auditor.model.findings import AuditResult  # noqa: E402
from auditor.load import LoadError, load_bytes  # noqa: E402
from auditor.locate.search import locate_errors  # noqa: E402
from auditor.problems import INTERNAL_ERROR  # noqa: E402
from auditor.ruleset import RuleError, load_default_rules  # noqa: E402
from auditor.lint import lint_rule_files
from auditor.ruleset import loader as rule_loader  # noqa: E402
from auditor.ruleset.expr import compile_expression  # noqa: E402
from auditor.synth import gold_tables, render_docx, xlsx_from_rows  # noqa: E402


class Crash(AssertionError):
    """The product misbehaved on an input (an internal error, an unknown code, a wrong type)."""


# ------------------------------------------------------------------------------- shared context


@functools.lru_cache(maxsize=None)
def rules():
    return tuple(load_default_rules())


@functools.lru_cache(maxsize=None)
def known_codes() -> frozenset[str]:
    """Every code a finding may carry: the catalogue, the shipped rules, the narrative claims."""
    from auditor.catalogue import everything
    from auditor.check.narrative import pre2019

    codes = set(everything()) | {rule.code for rule in rules()} | {pre2019.CODE}
    claims = (ROOT / "rules" / "narrative" / "claims.yaml").read_text(encoding="utf-8")
    codes |= set(re.findall(r"\bcode[a-z_0-9]*:\s*([A-Z0-9][A-Z0-9-]*)", claims))
    return frozenset(codes)


@functools.lru_cache(maxsize=None)
def reports():
    """Real extracted reports the expression target evaluates on (2019 and 2021 templates)."""
    out = []
    for name in ("tianshui-2020.txt", "yichun-2021.txt"):
        path = DATA / name
        document = load_bytes(path.read_bytes(), str(path))
        out.append((extract(document), document))
    return tuple(out)


CONFIG = RunConfig()


# ------------------------------------------------------------------------------- document targets


def check_result(result, file: str, data: bytes, extra_codes: Iterable[str] = ()) -> AuditResult:
    if not isinstance(result, AuditResult):
        raise Crash(f"audit_file returned {type(result).__name__}, not an AuditResult")
    known = known_codes() | set(extra_codes)
    for finding in result.findings:
        if finding.code == INTERNAL_ERROR:
            _reraise(data, file)
            raise Crash(f"internal-error finding (not reproduced unguarded): {finding.message_en}")
        if finding.code not in known:
            raise Crash(f"finding code {finding.code!r} is in no catalogue and no rule: {finding.message_en}")
    return result


def _reraise(data: bytes, file: str) -> None:
    """The stages of audit_file without its guard, so that a fault shows its whole traceback."""
    try:
        document = load_bytes(data, file)
    except LoadError:
        return
    report = extract(document)
    audit_report(report, list(rules()), CONFIG, document)


def audit_target(suffix: str) -> Callable[[bytes], AuditResult]:
    file = f"fuzz{suffix}"

    def run(data: bytes) -> AuditResult:
        return check_result(audit_file(file, list(rules()), CONFIG, data=data), file, data)

    run.__name__ = f"audit{suffix.replace('.', '_')}"
    return run


def extract_target(suffix: str) -> Callable[[bytes], object]:
    """Loader plus extraction only: a Report, or a LoadError with a catalogue code (returned)."""
    file = f"fuzz{suffix}"

    def run(data: bytes):
        try:
            document = load_bytes(data, file)
        except LoadError as error:
            if error.code.upper() not in known_codes():
                raise Crash(f"LoadError code {error.code!r} is not in the catalogue") from error
            return error
        except RecursionError:  # audit_file reports it as FILE-UNREADABLE
            return None
        return extract(document)

    run.__name__ = f"extract{suffix.replace('.', '_')}"
    return run


# ------------------------------------------------------------------------------- rule files


class _RuleFiles:
    """Two reusable temp files, .yaml and .toml, that receive each input in turn."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="fuzz-rules-"))
        self.yaml = self.folder / "fuzz.yaml"
        self.toml = self.folder / "fuzz.toml"
        self.expr = self.folder / "expr.yaml"


@functools.lru_cache(maxsize=None)
def _rule_files() -> _RuleFiles:
    return _RuleFiles()


def rules_target(data: bytes) -> list:
    """Each parse either loads rules or raises RuleError; lint never raises; rules that load run."""
    files = _rule_files()
    outcome = []
    for path in (files.yaml, files.toml):
        path.write_bytes(data)
        messages = lint_rule_files([path])  # must not raise: it collects problems
        errors = [m for m in messages if m.severity == "error"]
        try:
            loaded = rule_loader.load_rule_files([path])
        except RuleError as error:
            if not errors:
                raise Crash(f"load_rule_files raised {error} but lint found no error")
            outcome.append(error)
            continue
        if [m for m in messages if m.severity == "error" and m.code not in ("contradictory",)]:
            raise Crash(f"load_rule_files loaded {path.suffix} although lint found {errors[0]}")
        outcome.append(loaded)
        _run_rules(loaded)
    return outcome


def _run_rules(loaded) -> list:
    """A rule that loads cannot fail later: run it (rules, locate) on the real reports."""
    findings = []
    for report, _document in reports():
        relations: list = []
        found, _stats = run_rules(report, loaded, CONFIG, relations)
        locate_errors(report, relations, CONFIG)
        findings += found
    return findings


# ------------------------------------------------------------------------------- expressions


_ON_BLANK = rule_loader.ON_BLANK
_TOLERANCES = rule_loader.TOLERANCES


def expr_rule(text: str, variant: int = 0):
    """The rule the loader builds from ``expr: text`` with a for_each over each variable's table
    axis (``table3.columns`` …), read through the public loader from a temp rule file; raises
    RuleError as the loader does. A rule with no instance in one template is retried restricted
    to the other (as rule files write ``templates: [2019]``)."""
    import json

    compiled = compile_expression(text)
    for_each = {}
    for variable, uses in sorted(compiled.variable_uses().items()):
        table, axis = sorted(uses)[0]
        for_each[variable] = f"{table}.{axis}s"
    lines = ["rules:", "  - code: FUZZ-EXPR", "    name: fuzz.expr", "    title: {zh: 模糊测试, en: fuzz}",
             "    severity: error", f"    on_blank: {_ON_BLANK[variant % len(_ON_BLANK)]}",
             f"    tolerance: {_TOLERANCES[(variant // len(_ON_BLANK)) % len(_TOLERANCES)]}"]
    if for_each:
        lines.append("    for_each: {" + ", ".join(f"{k}: {v}" for k, v in for_each.items()) + "}")
    if compiled.reports:
        lines.append("    scope: pair")
    lines.append("    expr: " + json.dumps(text))
    path = _rule_files().expr
    first = None
    for templates in ("", "    templates: [2019]", "    templates: [2021]"):
        path.write_text("\n".join(lines + ([templates] if templates else [])) + "\n", encoding="utf-8")
        try:
            loaded = rule_loader.load_rule_files([path])
        except RuleError as error:
            first = first or error
            continue
        if len(loaded) != 1:
            raise Crash(f"one rule written, {len(loaded)} loaded")
        return loaded[0]
    raise first


def _expr_input_rule(data: bytes):
    """The rule an expression input makes, or None where the loader refuses it (RuleError)."""
    try:
        return expr_rule(data.decode("utf-8", errors="replace"), sum(data[:8]) if data else 0)
    except RuleError:
        return None


def expr_target(data: bytes):
    """The expression compiled into a rule and evaluated on real reports; None for a RuleError."""
    rule = _expr_input_rule(data)
    return None if rule is None else _run_rules([rule])


# ------------------------------------------------------------------------------- registry


TARGETS: dict[str, Callable[[bytes], object]] = {
    "text": audit_target(".txt"),
    "markdown": audit_target(".md"),
    "html": audit_target(".html"),
    "pdf": audit_target(".pdf"),
    "docx": audit_target(".docx"),
    "xlsx": audit_target(".xlsx"),
    "image": audit_target(".png"),
    "rules": rules_target,
    "expr": expr_target,
}
DOCUMENT_TARGETS = ("text", "markdown", "html", "pdf", "docx", "xlsx", "image")
SUFFIXES = {"text": ".txt", "markdown": ".md", "html": ".html", "pdf": ".pdf", "docx": ".docx",
            "xlsx": ".xlsx", "image": ".png"}
EXTRACT_TARGETS: dict[str, Callable[[bytes], object]] = {
    name: extract_target(SUFFIXES[name]) for name in DOCUMENT_TARGETS}


def load_target(suffix: str) -> Callable[[bytes], object]:
    """The loader alone: a Document, or a LoadError with a catalogue code (returned)."""
    file = f"fuzz{suffix}"

    def run(data: bytes):
        try:
            return load_bytes(data, file)
        except LoadError as error:
            if error.code.upper() not in known_codes():
                raise Crash(f"LoadError code {error.code!r} is not in the catalogue") from error
            return error

    run.__name__ = f"load{suffix.replace('.', '_')}"
    return run


def rules_parse_target(data: bytes):
    """The rule parser alone (YAML, or TOML when the first byte is odd): rules, or a RuleError."""
    files = _rule_files()
    path = files.toml if data[:1] and data[0] % 2 else files.yaml
    path.write_bytes(data)
    try:
        return rule_loader.load_rule_files([path])
    except RuleError as error:
        return error


def expr_eval_target(data: bytes):
    """The expression compiled into a rule and evaluated on one real report (no localisation)."""
    rule = _expr_input_rule(data)
    if rule is None:
        return None
    report, _document = reports()[0]
    return run_rules(report, [rule], CONFIG, [])


# The cheap stage of each surface, for the 100,000-input runs: the loaders, the rule parser and
# the expression evaluator on their own.
LOAD_TARGETS: dict[str, Callable[[bytes], object]] = {
    **{name: load_target(SUFFIXES[name]) for name in DOCUMENT_TARGETS},
    "rules": rules_parse_target,
    "expr": expr_eval_target,
}


def target(name: str, stage: str = "audit") -> Callable[[bytes], object]:
    if stage == "extract" and name in EXTRACT_TARGETS:
        return EXTRACT_TARGETS[name]
    if stage == "load":
        return LOAD_TARGETS[name]
    return TARGETS[name]


def warm_up(name: str) -> None:
    """Load what the first input would (rules, reports, the OCR models): not an input's time."""
    rules()
    known_codes()
    if name in ("rules", "expr"):
        reports()
    if name == "image":
        from auditor.load.image import engine, ocr_available

        if ocr_available():
            engine()
    for seed in seeds(name)[:1]:
        try:
            TARGETS[name](seed[1])
        except Exception:  # a crash here shows again when the fuzzer runs the seed
            pass


# ------------------------------------------------------------------------------- seeds


def _files(folder: Path, patterns: Iterable[str]) -> list[tuple[str, bytes]]:
    out = []
    for pattern in patterns:
        for path in sorted(folder.glob(pattern)):
            out.append((path.name, path.read_bytes()))
    return out


def _gold(name: str) -> dict:
    import json

    return json.loads((DATA / "gold" / f"{name}.json").read_text(encoding="utf-8"))


GOLD_FOR_OFFICE = ("yichun-2021", "shanghai-bgt-2019")


def _table_parts(gold: dict):
    """(template, header rows of table 3, label+values rows of table 3, table 4 values)."""
    from auditor.templates import template_view

    template = gold["template_table3"]
    view = template_view("table3", template)
    body = []
    for row_id in view.row_ids:
        values = gold["table3"]["rows"][row_id]
        body.append([view.row(row_id).zh.split(" ")[-1]] + ["" if v is None else str(v) for v in values])
    head = ["申请人情况", "自然人"] + [c.zh for c in view.columns[1:-1]] + ["总计"]
    values4 = [v for row in ("review", "litigation_direct", "litigation_after_review")
               for v in gold["table4"]["rows"][row]]
    return template, head, body, ["" if v is None else str(v) for v in values4]


def make_docx(gold: dict) -> bytes:
    """A Word report with tables 3 and 4 from a gold file (synth.render_docx)."""
    table3, table4 = gold_tables(gold)
    return render_docx(table3, table4, template=gold["template_table3"], year=gold.get("year", 2021),
                       agency="某县人民政府")


def make_xlsx(gold: dict) -> bytes:
    """A one-sheet workbook with tables 3 and 4 from a gold file (inline strings, merges)."""
    _template, head, body, values4 = _table_parts(gold)
    rows: list[list] = [[f"某县人民政府{gold.get('year', 2021)}年政府信息公开工作年度报告"],
                        ["三、收到和处理政府信息公开申请情况"],
                        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] + head[:1],
                        [None] + head[1:]]
    merges = ["A3:A4", "B3:I3"]
    rows += [[row[0]] + [int(v) if v.lstrip("-").isdigit() else v for v in row[1:]] for row in body]
    rows.append(["四、政府信息公开行政复议、行政诉讼情况"])
    first = len(rows) + 1
    rows.append(["行政复议"] + [None] * 4 + ["行政诉讼"])
    rows.append([None] * 5 + ["未经复议直接起诉"] + [None] * 4 + ["复议后起诉"])
    merges += [f"A{first}:E{first + 1}", f"F{first}:O{first}", f"F{first + 1}:J{first + 1}",
               f"K{first + 1}:O{first + 1}"]
    rows.append(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3)
    rows.append([int(v) if v.isdigit() else v for v in values4])
    rows.append(["五、存在的主要问题及改进情况"])
    return xlsx_from_rows(rows, merges)


def make_png(width: int, height: int, columns: int = 4, rows: int = 3, text: str = "12",
             font_size: int = 12) -> bytes:
    """A small ruled table as a PNG: lines and a few numbers (CJK font when the machine has one)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for x in range(0, width, max(1, width // columns)):
        draw.line([(x, 0), (x, height - 1)], fill="black")
    for y in range(0, height, max(1, height // rows)):
        draw.line([(0, y), (width - 1, y)], fill="black")
    font = None
    for candidate in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                      "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"):
        if Path(candidate).exists():
            font = ImageFont.truetype(candidate, font_size)
            break
    cell_w, cell_h = max(1, width // columns), max(1, height // rows)
    for r in range(rows):
        for c in range(columns):
            draw.text((c * cell_w + 3, r * cell_h + 2), text if (r + c) % 2 else str(r * columns + c),
                      fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pdf_seeds(max_pages: int = 1) -> list[tuple[str, bytes]]:
    """One-page PDFs cut from the shared corpus (first page, and the page with table 3); a tiny
    hand-written PDF when the corpus is absent or pypdfium2 cannot cut."""
    out = [("tiny.pdf", tiny_pdf())]
    if not CORPUS.is_dir():
        return out
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return out
    for path in sorted(CORPUS.glob("*.pdf")):
        source = pdfium.PdfDocument(str(path))
        try:
            wanted = [0]
            for index in range(len(source)):
                page_text = source[index].get_textpage().get_text_range()
                if "申请人情况" in page_text or "自然人" in page_text:
                    wanted.append(index)
                    break
            for index in dict.fromkeys(wanted):
                pages = list(range(index, min(index + max_pages, len(source))))
                new = pdfium.PdfDocument.new()
                new.import_pages(source, pages)
                buffer = io.BytesIO()
                new.save(buffer)
                out.append((f"{path.stem}-p{index + 1}.pdf", buffer.getvalue()))
                new.close()
        finally:
            source.close()
    return out


def tiny_pdf(lines: Iterable[str] = ("2021 report", "3 4 7", "1 2 3")) -> bytes:
    """A valid one-page PDF with a few lines of Helvetica text and a ruled box, built by hand."""
    ops = ["BT /F1 12 Tf 72 720 Td 14 TL"] + [f"({line}) '" for line in lines] + ["ET",
                                                                                  "72 600 m 300 600 l S",
                                                                                  "72 580 m 300 580 l S"]
    stream = "\n".join(ops).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def rule_expressions(folders: Iterable[Path]) -> list[str]:
    """Every ``expr`` value of the YAML rule files under the folders (aliases refused)."""
    import yaml

    class NoAliases(yaml.SafeLoader):  # the alias-bomb fixture would expand for a minute
        def compose_node(self, parent, index):
            if isinstance(self.peek_event(), yaml.AliasEvent):
                raise yaml.YAMLError("alias")
            return super().compose_node(parent, index)

    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for folder in folders:
        for path in sorted(folder.rglob("*.yaml")):
            try:
                walk(yaml.load(path.read_text(encoding="utf-8"), Loader=NoAliases))
            except yaml.YAMLError:
                continue
    return list(dict.fromkeys(found))


def expression_seeds() -> list[tuple[str, bytes]]:
    """Every ``expr`` of the shipped and fixture rule files, and the hand-written ones."""
    found = rule_expressions([ROOT / "rules", RULE_FIXTURES])
    extra = FUZZ_SEEDS / "expressions.lst"
    if extra.exists():
        found += [line for line in extra.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
    return [(f"expr-{i:03d}", text.encode("utf-8")) for i, text in enumerate(dict.fromkeys(found))]


def seeds(name: str) -> list[tuple[str, bytes]]:
    """(name, bytes) seeds of a target, from the real reports and tests/data/fuzz."""
    if name == "text":
        return _files(DATA, ["*.txt"]) + _files(FUZZ_SEEDS, ["*.txt"])
    if name == "markdown":
        return _files(DATA, ["*.md"]) + _files(FUZZ_SEEDS, ["*.md"]) + _files(DATA, ["pingtan-2021.txt"])
    if name == "html":
        return _files(DATA, ["*.html"]) + _files(FUZZ_SEEDS, ["*.html"])
    if name == "pdf":
        return pdf_seeds()
    if name == "docx":
        return _files(FUZZ_SEEDS, ["*.docx"]) or [(f"{g}.docx", make_docx(_gold(g))) for g in GOLD_FOR_OFFICE]
    if name == "xlsx":
        return _files(FUZZ_SEEDS, ["*.xlsx"]) or [(f"{g}.xlsx", make_xlsx(_gold(g))) for g in GOLD_FOR_OFFICE]
    if name == "image":
        return _files(FUZZ_SEEDS, ["*.png"]) or [("64x64.png", make_png(64, 64)), ("300x200.png", make_png(300, 200))]
    if name == "rules":
        return (_files(ROOT / "rules" / "checks", ["*.yaml"]) + _files(RULE_FIXTURES, ["*.yaml", "*.toml"])
                + _files(FUZZ_SEEDS, ["*.rules.yaml", "*.rules.toml"]))
    if name == "expr":
        return expression_seeds()
    raise KeyError(name)


def write_seed_files(folder: Path = FUZZ_SEEDS) -> list[Path]:
    """(Re)generate the binary seeds kept in tests/data/fuzz: small DOCX, XLSX and PNG files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in GOLD_FOR_OFFICE:
        gold = _gold(name)
        for suffix, maker in ((".docx", make_docx), (".xlsx", make_xlsx)):
            path = folder / f"{name}{suffix}"
            path.write_bytes(maker(gold))
            written.append(path)
    for width, height in ((64, 64), (160, 120), (300, 200)):
        path = folder / f"table-{width}x{height}.png"
        path.write_bytes(make_png(width, height))
        written.append(path)
    return written


# ------------------------------------------------------------------------------- mutations
# Used by the own-mutation engine of scripts/fuzz.py and (through a random.Random driven by
# hypothesis) by tests/test_fuzz.py.

TOKENS = [b"<table>", b"</table>", b"<tr>", b"</tr>", b"<td>", b"</td>", b'<td rowspan="99999">',
          b'<td colspan="100000">', b'<td rowspan="-3" colspan="0">', b"<th>", b"<br>", b"<p>", b"</p>",
          b"<!--", b"-->", b"<![CDATA[", b"&nbsp;", b"&#0;", b"&#x10FFFF;", b"<script>", b"<meta charset=gbk>",
          b"|", b"| --- |", b"\t", b"\r\n", b"\n\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
          b"0", b"-1", b"99999999999999999999999999999999999999", b"1e308", b"NaN", b"-0.0", b"1,234",
          b"12.5%", "１２３".encode(), "－".encode(), "—".encode(), "一二三".encode(), "万".encode(),
          "总计".encode(), "自然人".encode(), "申请人情况".encode(), "三、收到和处理政府信息公开申请情况".encode(),
          "四、政府信息公开行政复议、行政诉讼情况".encode(), "（七）总计".encode(), "结转下年度继续办理".encode(),
          "2021年".encode(), "本年新收政府信息公开申请数量".encode(), "同比增长".encode(), "件".encode(),
          "较上年".encode(), "。".encode(), "；".encode(), "、".encode()]
EXPR_TOKENS = [b"table3", b"table4", b"table2", b".", b"$column", b"$row", b"sum(", b"integer(", b")",
               b"(", b" + ", b" - ", b" * ", b" == ", b" <= ", b" != ", b" and ", b" or ", b"not ",
               b"meta.year", b"meta.template.table3", b"prev.", b"total", b"new", b"outcomes",
               b"applicants", b"columns", b"rows", b"0", b"0.5", b"1e9", b"9" * 40, b"-", b"2019", b"2021"]
RULE_TOKENS = [b"rules:\n", b"  - code: X-1\n", b"    expr: ", b"    for_each: {column: table3.columns}\n",
               b"&a", b"*a", b"<<: ", b"!!python/object:os.system", b"[[rules]]\n", b'code = "A"\n',
               b"{", b"}", b"[", b"]", b": ", b"- ", b"\n  ", b"\t", b"'", b'"', b"#", b"---\n", b"...\n",
               b"templates: [2019]\n", b"severity: fatal\n", b"on_blank: skip\n", b"scope: pair\n",
               b"kind: sum_of_components\n", b"doc: {zh: a, en: b}\n"]


def _splice_point(data: bytes, rng: random.Random) -> int:
    return rng.randint(0, len(data)) if data else 0


def mutate(data: bytes, rng: random.Random, tokens: Optional[list[bytes]] = None,
           others: Iterable[bytes] = (), max_size: int = 4 * 1024 * 1024) -> bytes:
    """One to four byte-level mutations: flips, truncation, random bytes, tokens, duplicated or
    deleted chunks, a splice with another seed."""
    tokens = tokens or TOKENS
    others = list(others)
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(9)
        if choice == 0 and out:  # flip bits
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(out))
                out[i] ^= 1 << rng.randrange(8)
        elif choice == 1 and out:  # truncate
            del out[rng.randint(0, len(out)):]
        elif choice == 2:  # random bytes
            i = _splice_point(out, rng)
            out[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif choice in (3, 4):  # a token
            i = _splice_point(out, rng)
            out[i:i] = rng.choice(tokens) * (rng.choice((1, 1, 1, 2, 10, 200)))
        elif choice == 5 and out:  # duplicate a chunk
            i = rng.randrange(len(out))
            j = min(len(out), i + rng.randint(1, 4096))
            k = _splice_point(out, rng)
            out[k:k] = out[i:j] * rng.choice((1, 2, 5))
        elif choice == 6 and out:  # delete a chunk
            i = rng.randrange(len(out))
            del out[i:i + rng.randint(1, 2048)]
        elif choice == 7 and others:  # splice with another seed
            other = rng.choice(others)
            i, j = _splice_point(out, rng), _splice_point(other, rng)
            out = out[:i] + other[j:]
        elif choice == 8 and out:  # replace a digit run with another number
            text = bytes(out)
            runs = [m for m in re.finditer(rb"\d+", text[:200000])]
            if runs:
                m = rng.choice(runs)
                number = rng.choice([b"0", b"-7", b"1" * rng.randint(1, 60), b"3.14159", b"\xef\xbc\x91",
                                     str(rng.randint(0, 10 ** 6)).encode()])
                out[m.start():m.end()] = number
    return bytes(out[:max_size])


def _zip_members(data: bytes) -> Optional[list[tuple[zipfile.ZipInfo, bytes]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [(info, archive.read(info)) for info in archive.infolist()]
    except Exception:
        return None


def mutate_zip(data: bytes, rng: random.Random, inner: Callable[[bytes], bytes]) -> bytes:
    """Mutate one member of a zip (DOCX/XLSX) with ``inner`` and zip it again; raw bytes when the
    input is no longer a zip or one time in eight."""
    members = _zip_members(data)
    if not members or rng.random() < 0.125:
        return inner(data)
    index = rng.randrange(len(members))
    xml = [i for i, (info, _) in enumerate(members) if info.filename.endswith(
        ("document.xml", "sheet1.xml", "workbook.xml", "styles.xml", ".rels", "sharedStrings.xml"))]
    if xml and rng.random() < 0.8:
        index = rng.choice(xml)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (info, content) in enumerate(members):
            archive.writestr(info.filename, inner(content) if i == index else content)
        if rng.random() < 0.05:  # an extra member
            archive.writestr(f"word/extra{rng.randrange(9)}.xml", inner(b"<x/>"))
    return out.getvalue()


def _png_chunks(data: bytes) -> Optional[list[tuple[bytes, bytes]]]:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    chunks, i = [], 8
    while i + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        chunks.append((kind, data[i + 8:i + 8 + length]))
        i += 12 + length
    return chunks


def mutate_png(data: bytes, rng: random.Random, inner: Callable[[bytes], bytes]) -> bytes:
    """A PNG mutated with valid checksums: a chunk's bytes (IHDR size/depth, or the decompressed
    pixels of IDAT) changed by ``inner``; raw bytes one time in eight."""
    chunks = _png_chunks(data)
    if not chunks or rng.random() < 0.125:
        return inner(data)
    index = rng.randrange(len(chunks))
    kind, body = chunks[index]
    if kind == b"IDAT":
        try:
            body = zlib.compress(inner(zlib.decompress(body)))
        except zlib.error:
            body = inner(body)
    elif kind == b"IHDR" and len(body) == 13 and rng.random() < 0.5:
        width, height = rng.choice([(1, 1), (0, 5), (4000, 4000), (1 << 20, 2), (64, 1 << 16),
                                    (rng.randint(1, 400), rng.randint(1, 400))])
        body = struct.pack(">II", width, height) + body[8:]
    else:
        body = inner(body)
    chunks[index] = (kind, body)
    out = bytearray(b"\x89PNG\r\n\x1a\n")
    for kind, body in chunks:
        out += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return bytes(out)


def structured_mutator(name: str) -> Optional[Callable[[bytes, random.Random, Callable[[bytes], bytes]], bytes]]:
    """The format-aware mutator of a target (zip members, PNG chunks), None for plain bytes."""
    return {"docx": mutate_zip, "xlsx": mutate_zip, "image": mutate_png}.get(name)


def tokens_for(name: str) -> list[bytes]:
    return {"expr": EXPR_TOKENS, "rules": RULE_TOKENS + EXPR_TOKENS}.get(name, TOKENS)


def random_mutation(name: str, data: bytes, rng: random.Random, others: Iterable[bytes] = ()) -> bytes:
    """The own-mutation engine's step for a target: structure-aware where it has one."""
    tokens = tokens_for(name)
    others = list(others)

    def inner(chunk: bytes) -> bytes:
        return mutate(chunk, rng, tokens, others)

    structured = structured_mutator(name)
    return structured(data, rng, inner) if structured else inner(data)


# ------------------------------------------------------------------------------- generated inputs


def deep_html(depth: int, tag: str = "div") -> bytes:
    return ("<html><body>" + f"<{tag}>" * depth + "三、收到和处理政府信息公开申请情况"
            + f"</{tag}>" * depth + "</body></html>").encode()


def big_span_html(rowspan: int, colspan: int) -> bytes:
    return (f'<table><tr><td rowspan="{rowspan}" colspan="{colspan}">申请人情况</td><td>1</td></tr>'
            f'<tr><td colspan="{colspan}">总计</td><td>2</td></tr></table>').encode()


def many_cells_html(cells: int = 10_000, per_row: int = 100) -> bytes:
    rows = []
    for r in range(0, cells, per_row):
        rows.append("<tr>" + "".join(f"<td>{(r + c) % 97}</td>" for c in range(per_row)) + "</tr>")
    return ("<html><body><p>三、收到和处理政府信息公开申请情况</p><table>" + "".join(rows)
            + "</table></body></html>").encode()


def enormous_numbers_text(digits: int = 5000) -> bytes:
    seed = (DATA / "yichun-2021.txt").read_text(encoding="utf-8")
    return re.sub(r"\b(\d{1,3})\b", lambda m: "9" * digits if int(m.group(1)) % 3 == 0 else m.group(1),
                  seed, count=200).encode()


def fused_digits_text(digits: int = 30) -> bytes:
    """pingtan-2023 with table 4's fused digit run made ``digits`` ones long: splitting it into 15
    numbers was exponential (minutes at 28 digits) before fused.splits counted the cuts."""
    seed = (DATA / "pingtan-2023.txt").read_text(encoding="utf-8")
    return seed.replace("尚未审结总计110024001510102五、", "尚未审结总计" + "1" * digits + "五、").encode()


def deep_expression(depth: int) -> bytes:
    return ("(" * depth + "table3.total.total" + ")" * depth + " == 0").encode()


def deep_yaml(depth: int) -> bytes:
    return ("rules:\n  - " + "[" * depth + "]" * depth + "\n").encode()


GENERATED: dict[str, list[tuple[str, Callable[[], bytes]]]] = {
    "html": [("deep-div-200", lambda: deep_html(200)), ("deep-table-5000", lambda: deep_html(5000, "table")),
             ("deep-div-100000", lambda: deep_html(100_000)),
             ("rowspan-1e9", lambda: big_span_html(10 ** 9, 10 ** 9)), ("colspan-65534", lambda: big_span_html(65534, 65534)),
             ("10000-cells", lambda: many_cells_html())],
    "text": [("enormous-numbers", lambda: enormous_numbers_text()), ("fused-digits-30", lambda: fused_digits_text(30)),
             ("fused-digits-60", lambda: fused_digits_text(60)), ("one-line-1MB", lambda: b"1 " * 500_000),
             ("nul-bytes", lambda: b"\x00" * 1000 + "总计".encode() + b"\x00" * 1000)],
    "markdown": [("pipe-table-10000-cells", lambda: ("三、收到和处理政府信息公开申请情况\n" + "\n".join(
        "| " + " | ".join(str(c) for c in range(100)) + " |" for _ in range(100))).encode()),
                 ("deep-quote", lambda: (">" * 5000 + " 总计 1").encode())],
    "expr": [("deep-parens-31", lambda: deep_expression(31)), ("deep-parens-1000", lambda: deep_expression(1000)),
             ("long-sum", lambda: (" + ".join(["table3.new.total"] * 600) + " == 0").encode()),
             ("huge-literal", lambda: ("table3.total.total == " + "9" * 100).encode()),
             ("chain-compare", lambda: b"table3.total.total == 1 == 2"),
             ("not-chain", lambda: ("not " * 200 + "meta.year == 2020").encode())],
    "rules": [("deep-flow", lambda: deep_yaml(5000)), ("deep-flow-30", lambda: deep_yaml(30)),
              ("many-rules", lambda: ("rules:\n" + "".join(
                  f"  - {{code: R-{i}, name: r.r{i}, title: {{zh: a, en: b}}, severity: error, "
                  f"expr: 'table3.new.total >= {i}'}}\n" for i in range(300))).encode())],
}


if __name__ == "__main__":  # python scripts/fuzz_targets.py: regenerate tests/data/fuzz binary seeds
    for written in write_seed_files():
        print(written.relative_to(ROOT), written.stat().st_size)
