"""The reviewer's HTML report (``--format html``): one self-contained page, no network.

At the top the list of reports: one row each (file, agency, year, template, status — clean, findings
with the worst severity, not assessable, failed — and findings by severity), sorted and filtered by
the page's script; without script it stays a plain table. Below, per report with findings, a folding
block with tables 2, 3 and 4 drawn in the national template's own layout (table 2's sub-tables, table
3's two header rows and grouped row labels, table 4's fifteen columns under their header tree) and its
findings; a report not assessable or failed, or clean with info findings, is one closed line with its
findings; a clean report is its row in the list. So a page of 1,000 reports stays near 2 MB
(scripts/bench_html.py).

Cells are lean on this page: a cell's row is its ``<tr data-row>`` and its column its place in the
table's ``data-columns`` (table 4: ``data-rows`` × ``data-columns``); its class says its state
(``cell-blank``, ``cell-dash``, ``cell-text``, ``cell-uncertain``, ``cell-inferred``, ``cell-missing``;
none for a plain number) so a blank is never mistaken for a zero. The cells of a finding are ``flagged
sev-<worst severity>`` with ``data-findings`` naming the findings; clicking one (or Enter on it) opens a
panel with those findings, hovering shows a tooltip the script writes. The workbench's view of one
report (``report_tables``) draws every cell with ``data-report``, ``data-table``, ``data-row``,
``data-column`` and a tooltip.

Everything printed comes from the report or the rules and is escaped with ``html.escape``; the page
has a Content-Security-Policy that forbids any fetch, and no external URL at all.
"""
from __future__ import annotations

import html
from collections import defaultdict
from decimal import Decimal
from importlib import resources
from typing import Iterable, Optional

from ..resources import load_yaml
from ..model.findings import REPORT_STATUSES, AuditResult, Finding, Severity, Suspect, report_status
from ..model.report import Cell, CellState, Table
from ..templates import (
    DEFAULT_TEMPLATE,
    TableView,
    template_for_year,
    template_ids,
    template_view,
)

TABLES = ("table2", "table3", "table4")
LISTED_CELLS = 6  # the lean page names this many cells of a finding; the others are marked in the tables

# Every word the page prints, zh and en: data, beside this module.
_T: dict[str, dict[str, str]] = load_yaml(
    resources.files(__package__).joinpath("html_words.yaml").read_text(encoding="utf-8"))

# Table 2's sub-tables: the item of 《条例》第二十条 each row belongs to (presentation only).

_CSS = """
:root{--err:#c62828;--errbg:#ffe3e3;--warn:#b26a00;--warnbg:#fff1c9;--rev:#1f5fa8;--revbg:#e1edfb;
--info:#666;--infobg:#eeeeee}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:0 auto;max-width:1280px;padding:1em 1.5em 4em;color:#222;line-height:1.45}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.25em;border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em;margin:1.4em 0 .4em}
.scroll{max-width:100%;overflow-x:auto}h4{font-size:.95em;margin:.8em 0 .3em;color:#444}
table{border-collapse:collapse;margin:.3em 0 .8em}
caption{text-align:left;font-size:.88em;color:#444;padding:.2em 0}
th,td{border:1px solid #999;padding:.2em .45em;font-size:.88em}
th{background:#f4f4f4;font-weight:600}
table.summary td.n{text-align:right}
table.grid td{text-align:right;min-width:3.2em;font-variant-numeric:tabular-nums;position:relative}
table.grid th.rowlabel,table.grid tbody th{text-align:left;font-weight:normal;background:#fafafa}
table.grid th.group,table.grid tbody th.group{background:#f0f0f0}
.cell-blank{background:repeating-linear-gradient(45deg,#f6f6f6 0 4px,#e4e4e4 4px 8px);color:#777;font-style:italic}
.cell-blank .mark{font-size:.8em}
.cell-dash{color:#555;background:#f7f7f0}
.cell-text{color:#6a1b9a;background:#f6effa}
.cell-missing{background:repeating-linear-gradient(-45deg,#fff 0 3px,#ececec 3px 6px);color:#999}
.cell-uncertain,.cell-inferred{outline:2px dotted #8d6e00;outline-offset:-3px}
.cell-uncertain .q,.cell-inferred .q{color:#8d6e00;font-size:.75em;vertical-align:super;margin-left:1px}
td.flagged{cursor:pointer;font-weight:700}
td.flagged.sev-error{background-color:var(--errbg);box-shadow:inset 0 0 0 2px var(--err);color:var(--err)}
td.flagged.sev-warning{background-color:var(--warnbg);box-shadow:inset 0 0 0 2px var(--warn);color:var(--warn)}
td.flagged.sev-review{background-color:var(--revbg);box-shadow:inset 0 0 0 2px var(--rev);color:var(--rev)}
td.flagged.sev-info{background-color:var(--infobg);box-shadow:inset 0 0 0 2px var(--info)}
td.flagged.cell-blank{background-image:repeating-linear-gradient(45deg,transparent 0 4px,rgba(0,0,0,.09) 4px 8px)}
td.active{box-shadow:inset 0 0 0 4px #000 !important}
.legend .flagged-sample{font-weight:700;margin-left:.4em}
.legend .flagged-sample.sev-error{background:var(--errbg);box-shadow:inset 0 0 0 2px var(--err);color:var(--err)}
.legend .flagged-sample.sev-warning{background:var(--warnbg);box-shadow:inset 0 0 0 2px var(--warn);color:var(--warn)}
.legend .flagged-sample.sev-review{background:var(--revbg);box-shadow:inset 0 0 0 2px var(--rev);color:var(--rev)}
.legend .flagged-sample.sev-info{background:var(--infobg);box-shadow:inset 0 0 0 2px var(--info)}
td .proposal{display:block;font-size:.75em;color:#1b5e20;font-weight:700}
.badge{display:inline-block;border-radius:3px;padding:0 .4em;font-size:.8em;font-weight:700;color:#fff}
.badge.sev-error{background:var(--err)}.badge.sev-warning{background:var(--warn)}
.badge.sev-review{background:var(--rev)}.badge.sev-info{background:var(--info)}
.legend span.sample{display:inline-block;min-width:3em;text-align:center;border:1px solid #999;margin:0 .3em 0 1em;padding:0 .3em}
.hint{color:#555;font-size:.85em}
ol.findings{padding-left:1.6em}
ol.findings li{margin:.4em 0;padding:.3em .5em;border-left:4px solid #ccc;cursor:pointer}
ol.findings li.sev-error{border-color:var(--err)}ol.findings li.sev-warning{border-color:var(--warn)}
ol.findings li.sev-review{border-color:var(--rev)}ol.findings li.sev-info{border-color:var(--info)}
ol.findings li.active{background:#f3f7ff}
dl.detail{display:grid;grid-template-columns:max-content 1fr;gap:.1em .8em;margin:.3em 0 0;font-size:.85em}
dl.detail dt{color:#555}dl.detail dd{margin:0}
code{font-size:.9em;background:#f3f3f3;padding:0 .2em}
#panel{position:fixed;right:1em;bottom:1em;width:min(34em,92vw);max-height:60vh;overflow:auto;background:#fff;
border:1px solid #888;box-shadow:0 4px 18px rgba(0,0,0,.25);padding:.6em .9em;z-index:10;font-size:.9em}
#panel[hidden]{display:none}
#panel h3{margin:.1em 0 .4em;font-size:1em}
#panel .close{float:right;cursor:pointer;border:1px solid #888;background:#f4f4f4;border-radius:3px}
#panel ol{padding-left:1.2em;margin:0}
details.report{margin-top:1.6em;border-top:2px solid #ccc}
details.report>summary{cursor:pointer;padding:.3em 0}
details.report>summary h2{display:inline;border:0;font-size:1.2em;margin:0;overflow-wrap:anywhere}
details.report.folded>summary h2{font-weight:normal;font-size:1em}
table.reports{width:100%}
table.reports td,table.reports th{font-size:.85em}
table.reports td:nth-child(2){overflow-wrap:anywhere;min-width:12em}
table.reports td:nth-child(1),table.reports td:nth-child(n+7),table.reports tfoot th{text-align:right}
table.reports th button{font:inherit;font-weight:600;border:0;background:none;padding:0;cursor:pointer;color:inherit}
table.reports th button::after{content:" ⇅";color:#aaa;font-weight:normal}
#list-controls[hidden]~.scroll th button::after{content:none}
table.reports th[aria-sort=ascending] button::after{content:" ▲";color:inherit}
table.reports th[aria-sort=descending] button::after{content:" ▼";color:inherit}
table.reports tr[data-status=clean] td:nth-child(6){color:#2e7d32}
table.reports tr[data-status=failed] td:nth-child(6){color:var(--err);font-weight:700}
table.reports tr[data-status=not_assessable] td:nth-child(6){color:var(--warn)}
table.reports tr[data-status=findings] td:nth-child(6){font-weight:700}
table.reports b.sev-error{color:var(--err)}table.reports b.sev-warning{color:var(--warn)}
table.reports b.sev-review{color:var(--rev)}
#list-controls{margin:.6em 0;display:flex;gap:1em;flex-wrap:wrap;align-items:center;font-size:.9em}
#list-controls[hidden]{display:none}
@media print{#list-controls{display:none}#panel{display:none}td.flagged{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""

_JS = """
(function(){
  'use strict';
  var panel=document.getElementById('panel');
  var body=document.getElementById('panel-body');
  function clearActive(){
    document.querySelectorAll('.active').forEach(function(e){e.classList.remove('active');});
  }
  function showCell(td){
    var ids=(td.getAttribute('data-findings')||'').split(/\\s+/).filter(Boolean);
    if(!ids.length){return;}
    clearActive();
    td.classList.add('active');
    var list=document.createElement('ol');
    ids.forEach(function(id){
      var item=document.getElementById('finding-'+id);
      if(item){var copy=item.cloneNode(true);copy.removeAttribute('id');copy.classList.remove('active');
        copy.setAttribute('data-finding-copy',id);list.appendChild(copy);}
    });
    body.replaceChildren(list);
    panel.hidden=false;
  }
  function showFinding(li){
    var id=li.getAttribute('data-finding');
    clearActive();
    li.classList.add('active');
    document.querySelectorAll('td[data-findings]').forEach(function(td){
      if(td.getAttribute('data-findings').split(/\\s+/).indexOf(id)>=0){td.classList.add('active');}
    });
  }
  document.addEventListener('click',function(e){
    var t=e.target;
    if(!(t instanceof Element)){return;}
    if(t.closest('#panel .close')){panel.hidden=true;clearActive();return;}
    var td=t.closest('td[data-findings]');
    if(td){showCell(td);return;}
    var li=t.closest('li[data-finding]');
    if(li&&!li.closest('#panel')){showFinding(li);}
  });
  // a flagged cell's tooltip: its findings' codes and messages, written when first hovered
  document.addEventListener('mouseover',function(e){
    var td=e.target instanceof Element&&e.target.closest('td[data-findings]');
    if(!td||td.hasAttribute('title')){return;}
    var lines=[];
    td.getAttribute('data-findings').split(/\\s+/).forEach(function(id){
      var item=document.getElementById('finding-'+id);
      if(item){lines.push('['+item.getAttribute('data-code')+'] '+item.querySelector('.message').textContent);}
    });
    td.setAttribute('title',lines.join('\\n'));
  });
  document.querySelectorAll('td[data-findings]:not([tabindex])').forEach(function(td){td.tabIndex=0;});
  document.addEventListener('keydown',function(e){
    if(e.key==='Escape'){panel.hidden=true;clearActive();return;}
    if(e.key==='Enter'&&e.target instanceof Element&&e.target.matches('td[data-findings]')){showCell(e.target);}
  });
  // The list of reports: sort by a column, filter by status and by text; the reports filtered out
  // of the list are hidden below too. Without script the list and every report stay as printed.
  var list=document.getElementById('reports');
  var controls=document.getElementById('list-controls');
  if(!list||!controls){return;}
  controls.hidden=false;
  var tbody=list.tBodies[0];
  var rows=Array.prototype.slice.call(tbody.rows);
  var statusBox=document.getElementById('filter-status');
  var textBox=document.getElementById('filter-text');
  var shown=document.getElementById('shown');
  function key(row,index,numeric){
    if(index<0){return Number(row.getAttribute('data-rank')||0);}
    var text=row.cells[index].textContent.trim();
    if(!numeric){return text;}
    return text===''?0:Number(text);
  }
  list.tHead.addEventListener('click',function(e){
    var button=e.target instanceof Element&&e.target.closest('button[data-sort]');
    if(!button){return;}
    var th=button.closest('th');
    var kind=button.getAttribute('data-sort');
    var index=kind==='status'?-1:th.cellIndex;
    var numeric=kind!=='text';
    var descending=th.getAttribute('aria-sort')!=='descending'&&(numeric||th.getAttribute('aria-sort')==='ascending');
    list.tHead.querySelectorAll('th[aria-sort]').forEach(function(h){h.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',descending?'descending':'ascending');
    var sign=descending?-1:1;
    rows.sort(function(a,b){
      var x=key(a,index,numeric),y=key(b,index,numeric);
      var order=numeric?x-y:String(x).localeCompare(String(y),'zh-CN');
      return order*sign||(Number(a.cells[0].textContent)-Number(b.cells[0].textContent));
    });
    rows.forEach(function(row){tbody.appendChild(row);});
  });
  function filter(){
    var status=statusBox.value,text=textBox.value.trim().toLowerCase(),count=0;
    rows.forEach(function(row){
      var show=(!status||row.getAttribute('data-status')===status)&&
        (!text||row.textContent.toLowerCase().indexOf(text)>=0);
      row.hidden=!show;
      if(show){count++;}
      var section=document.getElementById('report-'+row.getAttribute('data-report'));
      if(section&&section!==row){section.hidden=!show;}
    });
    shown.textContent=String(count);
  }
  statusBox.addEventListener('change',filter);
  textBox.addEventListener('input',filter);
})();
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(value: Optional[Decimal]) -> str:
    if value is None:
        return "—"
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


def _fid(report: int, finding: int) -> str:
    return f"r{report}-f{finding}"


def _findings_by_cell(index: int, result: AuditResult) -> dict[tuple[str, str, str], list[int]]:
    """The cells each finding names, keyed (table, row, column): only cells of this report's file."""
    by_cell: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for number, finding in enumerate(result.findings):
        for cell in finding.cells:
            if cell.file and cell.file != result.file:
                continue  # a cross-report finding's cell in another report
            key = (cell.table, cell.row, cell.column)
            if number not in by_cell[key]:
                by_cell[key].append(number)
    return by_cell


def flagged_cells(results: list[AuditResult]) -> set[tuple[str, str, str, str]]:
    """What the page marks: (report id, table, row, column) of every finding's cell (for tests and tools)."""
    return {(f"r{i}", *key) for i, result in enumerate(results) for key in _findings_by_cell(i, result)}


def _pick_template(result: AuditResult, table_id: str, table: Optional[Table]) -> str:
    guess = {"table2": result.template.table2, "table3": result.template.table3}.get(table_id)
    for candidate in (guess, result.template.overall):
        if candidate in template_ids():
            return candidate
    if table is not None and table.rows:  # the template whose layout covers most of what was read
        def coverage(template: str) -> int:
            view = template_view(table_id, template)
            rows, columns = set(view.row_ids), set(view.column_ids)
            return sum(1 for r, cols in table.rows.items() if r in rows for c in cols if c in columns)
        return max(template_ids(), key=lambda t: (coverage(t), t))
    expected = template_for_year(result.year)
    return expected if expected in template_ids() else DEFAULT_TEMPLATE


class _ReportWriter:
    def __init__(self, index: int, result: AuditResult, lang: str, lean: bool = False):
        self.index = index
        # lean (the page of many reports): a plain cell of table 2 or 3 is a bare <td>, its row named by
        # its <tr data-row>, its column by its place in the table's data-columns; no tooltip.
        self.lean = lean
        self.rowlabel = "" if lean else ' class="rowlabel"'  # the lean page styles every body <th> so
        self.rid = f"r{index}"
        self.result = result
        self.lang = lang
        self.t = _T[lang]
        self.by_cell = _findings_by_cell(index, result)
        self.suspects: dict[tuple[str, str, str], list[Suspect]] = defaultdict(list)
        for finding in result.findings:
            for suspect in finding.suspects or ():
                key = (str(suspect.table), str(suspect.row), str(suspect.column))
                if suspect not in self.suspects[key]:
                    self.suspects[key].append(suspect)
        self.has_best = {s.group: True for f in result.findings for s in f.suspects or () if s.best}
        self.rendered: set[tuple[str, str, str]] = set()

    # ------------------------------------------------------------- cells

    def _label(self, view: Optional[TableView], row: str, column: str) -> str:
        if view is None:
            return f"{row} / {column}"
        r, c = view.row(row), view.column(column)
        name = (lambda spec, raw: (spec.zh if self.lang == "zh" else spec.en) if spec else raw)
        return f"{name(r, row)} / {name(c, column)}"

    def cell(self, table_id: str, table: Optional[Table], row: str, column: str,
             view: Optional[TableView] = None, placed: bool = False) -> str:
        """One cell; ``placed``: its row and column are given by its <tr> and its table."""
        key = (table_id, row, column)
        self.rendered.add(key)
        cell = table.cell(row, column) if table is not None else Cell(state=CellState.missing)
        t = self.t
        lean = placed and self.lean
        if lean and key not in self.by_cell and key not in self.suspects \
                and cell.state not in (CellState.uncertain, CellState.inferred):
            if cell.state == CellState.number:
                return f"<td>{_e(cell.raw.strip() or _fmt(cell.value))}</td>"
            mark = {CellState.blank: t["blank"], CellState.missing: t["missing"]}.get(cell.state)
            content = f'<span class="mark">{_e(mark)}</span>' if mark else _e(cell.raw.strip() or "—")
            return f'<td class="cell-{cell.state.value}">{content}</td>'
        classes = ([] if cell.state == CellState.number else [f"cell-{cell.state.value}"]) if lean \
            else ["cell", f"cell-{cell.state.value}"]
        if cell.state in (CellState.number, CellState.uncertain, CellState.inferred):
            content = _e(cell.raw.strip() or _fmt(cell.value))
            if cell.state != CellState.number:
                content += '<span class="q">?</span>'
        elif cell.state == CellState.blank:
            content = f'<span class="mark">{_e(t["blank"])}</span>'
        elif cell.state == CellState.missing:
            content = f'<span class="mark">{_e(t["missing"])}</span>'
        else:  # dash, text
            content = _e(cell.raw.strip() or "—")
        if lean:  # the lean page: the script writes a flagged cell's tooltip from the list of findings
            attrs, title = [], [self.where(cell.source)] if cell.state != CellState.number else []
        else:
            attrs = [f'data-report="{self.rid}"', f'data-table="{_e(table_id)}"', f'data-row="{_e(row)}"',
                     f'data-column="{_e(column)}"', f'data-state="{_e(cell.state.value)}"']
            title = [self._label(view, row, column), f"{t['value']}: {cell.raw!s}" if cell.raw else
                     (t["blank_long"] if cell.state == CellState.blank else
                      t["missing_long"] if cell.state == CellState.missing else "")]
            if cell.source is not None:
                title.append(cell.source.short())
        numbers = self.by_cell.get(key)
        if numbers:
            findings = [self.result.findings[n] for n in numbers]
            worst = max((f.severity for f in findings), key=lambda s: s.rank)
            classes += ["flagged", f"sev-{worst.value}"]
            attrs.append(f'data-findings="{" ".join(_fid(self.index, n) for n in numbers)}"')
            if not lean:  # the lean page's script makes a flagged cell focusable
                attrs.append('tabindex="0"')
                title += [f"[{f.code}] {f.message}" for f in findings]
        for suspect in self.suspects.get(key, ()):
            # the best correction's cell is the suspect; a cell of an alternative correction is marked apart
            primary = suspect.rank == 1 and (suspect.best or not self.has_best.get(suspect.group))
            classes.append("suspect" if primary else "suspect-alt")
            content += f'<span class="proposal{"" if primary else " alt"}">→ {_e(suspect.proposed)}</span>'
        attrs.insert(0, f'class="{" ".join(classes)}"')
        if any(title):
            attrs.append(f'title="{_e(chr(10).join(x for x in title if x))}"')
        return f"<td {' '.join(attrs)}>{content}</td>"

    def where(self, source) -> str:
        """A source's place; on the lean page without the file name when it is the report's own."""
        if source is None:
            return ""
        if self.lean and source.file == self.result.file and (source.page is not None or source.line is not None):
            page = self.t["at_page"].format(source.page) if source.page is not None else ""
            line = "" if source.line is None else self.t["at_line"].format(source.line) if source.column in (None, 1) \
                else self.t["at_line_column"].format(source.line, source.column)  # column 1: the line is enough
            return " ".join(x for x in (page, line) if x)
        return source.short()

    # ------------------------------------------------------------- tables

    def _name(self, spec) -> str:
        return spec.zh if self.lang == "zh" else (spec.en or spec.zh)

    def _text(self, text) -> str:
        """A zh/en text of a template's display (None: nothing)."""
        return "" if text is None else self._name(text)

    def table2(self, table: Optional[Table], template: str) -> str:
        view = template_view("table2", template)
        t = self.t
        display = view.display  # the national format's sub-tables (rules/templates/table2.yaml)
        sections = [(self._text(s.caption), [r for r in s.rows if r in view.layout]) for s in display.sections]
        placed = {r for _, rows in sections for r in rows}
        sections.append(("—", [r for r in view.layout if r not in placed]))
        out = []
        for label, rows in sections:
            if not rows:
                continue
            columns: list[str] = []
            for row in rows:
                for column in view.layout[row]:
                    if column not in columns:
                        columns.append(column)
            out.append(f'<div class="scroll"><table class="grid t2" data-table="table2" data-columns="{_e(" ".join(columns))}">'
                       f'<caption>{_e(label)}</caption><thead><tr>'
                       f'<th>{_e(self._text(display.row_header) or t["info_col"])}</th>')
            out += [f"<th>{_e(self._name(view.column(c)))}</th>" for c in columns]
            out.append("</tr></thead><tbody>")
            for row in rows:
                out.append(f'<tr data-row="{_e(row)}"><th{self.rowlabel}>{_e(self._name(view.row(row)))}</th>')
                for column in columns:
                    if column in view.layout[row]:
                        out.append(self.cell("table2", table, row, column, view, placed=True))
                    else:
                        out.append('<td class="na"></td>')
                out.append("</tr>")
            out.append("</tbody></table></div>")
        return "".join(out)

    def table3(self, table: Optional[Table], template: str) -> str:
        view = template_view("table3", template)
        display = view.display  # the national format's headings (rules/templates/table3.yaml)
        columns = list(view.column_ids)
        column_group = display.column_group
        legal = [c for c in columns if column_group and c in view.column_groups.get(column_group.group, ())]
        out = [f'<div class="scroll"><table class="grid t3" data-table="table3" data-columns="{_e(" ".join(columns))}">'
               '<thead>',
               f'<tr><th rowspan="3" colspan="3" class="corner">{_e(self._text(display.corner))}</th>'
               f'<th colspan="{len(columns)}">{_e(self._text(display.columns_caption))}</th></tr><tr>']
        for column in columns:
            if column in legal:
                if column == legal[0]:
                    out.append(f'<th colspan="{len(legal)}">{_e(self._text(column_group))}</th>')
            else:
                out.append(f'<th rowspan="2">{_e(self._name(view.column(column)))}</th>')
        out.append("</tr><tr>")
        out += [f"<th>{_e(self._name(view.column(c)))}</th>" for c in legal]
        out.append("</tr></thead><tbody>")
        row_group = display.row_group
        outcomes = set(view.row_groups.get(row_group.group, ())) | set(row_group.also) if row_group else set()
        rows = list(view.row_ids)
        result_rows = [r for r in rows if r in outcomes]
        # Split each row's label into its group heading and its item ("（三）不予公开 1.属于国家秘密").
        parts: dict[str, tuple[str, str]] = {}
        for row in rows:
            spec = view.row(row)
            zh_head, _, zh_item = spec.zh.partition(" ")
            if self.lang == "zh":
                parts[row] = (zh_head, zh_item)
            else:
                en_head, _, en_item = (spec.en or spec.zh).partition(": ")
                parts[row] = (en_head, en_item) if zh_item else (spec.en or spec.zh, "")
        heading_span: dict[str, int] = {}
        for i, row in enumerate(rows):
            head, item = parts[row]
            if item and (i == 0 or parts[rows[i - 1]][0] != head or not parts[rows[i - 1]][1]):
                span = 1
                while i + span < len(rows) and parts[rows[i + span]][0] == head and parts[rows[i + span]][1]:
                    span += 1
                heading_span[row] = span
        for row in rows:
            head, item = parts[row]
            out.append(f'<tr data-row="{_e(row)}">')
            in_results = row in outcomes
            if in_results and row == result_rows[0]:
                out.append(f'<th class="rowlabel group" rowspan="{len(result_rows)}">{_e(self._text(row_group))}</th>')
            if not in_results:
                out.append(f'<th{self.rowlabel} colspan="3">{_e(head)}</th>')
            elif not item:
                out.append(f'<th{self.rowlabel} colspan="2">{_e(head)}</th>')
            else:
                if row in heading_span:
                    out.append(f'<th class="rowlabel group" rowspan="{heading_span[row]}">{_e(head)}</th>')
                out.append(f'<th{self.rowlabel}>{_e(item)}</th>')
            out += [self.cell("table3", table, row, c, view, placed=True) for c in columns]
            out.append("</tr>")
        out.append("</tbody></table></div>")
        return "".join(out)

    def table4(self, table: Optional[Table], template: str) -> str:
        view = template_view("table4", template)
        columns = list(view.column_ids)
        rows = list(view.row_ids)
        display = view.display  # the national format's headings (rules/templates/table4.yaml)
        grouped = [r for r in rows if display.row_group and r in view.row_groups.get(display.row_group.group, ())]
        single = [r for r in rows if r not in grouped]
        n = len(columns)

        def heading(row: str) -> str:
            return self._text(display.row_headings.get(row)) or self._name(view.row(row))

        # one body row holds every row of the table: the cell at place p is of row data-rows[p // columns]
        # and column data-columns[p % columns]
        out = [f'<div class="scroll"><table class="grid t4" data-table="table4" data-rows="{_e(" ".join(single + grouped))}"'
               f' data-columns="{_e(" ".join(columns))}"><thead><tr>']
        out += [f'<th colspan="{n}" rowspan="2">{_e(heading(row))}</th>' for row in single]
        if grouped:
            out.append(f'<th colspan="{n * len(grouped)}">{_e(self._text(display.row_group))}</th>')
        out.append("</tr><tr>")
        for row in grouped:
            out.append(f'<th colspan="{n}">{_e(heading(row))}</th>')
        out.append("</tr><tr>")
        for _ in single + grouped:
            out += [f"<th>{_e(self._name(view.column(c)))}</th>" for c in columns]
        out.append("</tr></thead><tbody><tr>")
        for row in single + grouped:
            out += [self.cell("table4", table, row, c, view, placed=True) for c in columns]
        out.append("</tr></tbody></table></div>")
        return "".join(out)

    def extras(self, table_id: str, table: Optional[Table], keys: Iterable[tuple[str, str, str]]) -> str:
        keys = sorted(set(keys))
        if not keys:
            return ""
        t = self.t
        view = template_view(table_id, _pick_template(self.result, table_id, table)) if table_id in TABLES else None
        out = [f'<h4>{_e(t["extra"])}</h4><div class="scroll"><table class="grid extra" data-table="{_e(table_id)}"><thead><tr>'
               f'<th>{_e(t["row"])}</th><th>{_e(t["column"])}</th><th>{_e(t["value"])}</th></tr></thead><tbody>']
        for _, row, column in keys:
            row_label = self._name(view.row(row)) if view and view.row(row) else row
            column_label = self._name(view.column(column)) if view and view.column(column) else column
            out.append(f'<tr><th{self.rowlabel}>{_e(row_label)}</th><th{self.rowlabel}>{_e(column_label)}</th>'
                       f'{self.cell(table_id, table, row, column, view)}</tr>')
        out.append("</tbody></table></div>")
        return "".join(out)

    # ------------------------------------------------------------- findings

    def finding_item(self, number: int, finding: Finding) -> str:
        t = self.t
        fid = _fid(self.index, number)
        sev = finding.severity.value
        rows = [(t["status"], t.get(f"status_{finding.status.value}", finding.status.value))]
        if finding.relation:
            rows.append((t["relation"], f"<code>{_e(finding.relation)}</code>"))
        for key in ("reported", "computed", "difference", "required"):
            value = getattr(finding, key)
            if value is not None:
                rows.append((t[key], _e(_fmt(value))))
        if finding.rests_on_blank:
            rows.append(("", _e(t["on_blank"])))
        if finding.rests_on_uncertain:
            rows.append(("", _e(t["on_uncertain"])))
        if finding.cells:
            named = list(finding.cells)
            if self.lean:  # past the first few, cells marked in this report's tables are counted, not named
                marked = [c for c in named[LISTED_CELLS:] if (not c.file or c.file == self.result.file)
                          and (c.table, c.row, c.column) in self.rendered]
                named = [c for c in named if c not in marked]
            cells = "；".join(
                f"{_e(c.label or f'{c.table}.{c.row}.{c.column}')} = {_e(c.raw if c.raw else t['blank'] if c.state == 'blank' else t['missing'] if c.state == 'missing' else '')}"
                + (f" <small>({_e(self.where(c.source))})</small>" if c.source else "")
                for c in named)
            if len(named) < len(finding.cells):
                cells += "；" + _e(t["more_cells"].format(len(finding.cells) - len(named)))
            rows.append((t["cells"], cells))
        if finding.missing:
            rows.append((t["missing_ops"], _e("、".join(finding.missing))))
        if finding.suspects:
            items = []
            for s in finding.suspects:
                unique = t["unique"] if s.unique else t["not_unique"]
                name = s.label or f"{s.table}.{s.row}.{s.column}"
                rank = "" if s.unique else f"#{s.rank} "
                items.append(f"{_e(rank)}{_e(name)}: "
                             f"{_e(s.current)} → <b class=\"proposed\">{_e(s.proposed)}</b>"
                             f" — {_e(s.reason)} ({_e(unique)})")
            rows.append((t["suspects"], "<br>".join(items)))
        where = self.where(finding.source)
        detail = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)
        return (f'<li id="finding-{fid}" class="finding sev-{sev}" data-finding="{fid}" data-code="{_e(finding.code)}">'
                f'<span class="badge sev-{sev}">{_e(t[sev])}</span> <code class="code">{_e(finding.code)}</code> '
                f'<span class="message">{_e(finding.message)}</span>'
                + (f' <small class="where">{_e(where)}</small>' if where else "")
                + f'<dl class="detail">{detail}</dl></li>')

    # ------------------------------------------------------------- report

    def render(self, findings_list: bool = True) -> str:
        t = self.t
        result = self.result
        identity = " · ".join(str(x) for x in (result.agency, result.year) if x)
        guess = result.template
        heading = f"<h2>{_e(result.file)}" + (f" · {_e(identity)}" if identity else "") + "</h2>"
        meta = (f'<p class="meta">{_e(t["template"])}: {_e(guess.overall)} ({guess.confidence:.2f})'
                + "".join(f' <span class="badge sev-{s.value}">{_e(t[s.value])} {c}</span>'
                          for s, c in self._counts().items() if c) + "</p>")
        if not self.lean:
            out = [f'<section class="report" id="report-{self.rid}" data-report="{self.rid}">', heading, meta]
            end = "</section>"
        else:  # the page of many reports: each report folds; a clean one is one closed line, no tables
            status = report_status(result)
            out = [f'<details class="report st-{status}{"" if status == "findings" else " folded"}" '
                   f'id="report-{self.rid}" data-report="{self.rid}"{" open" if status == "findings" else ""}>'
                   f'<summary>{heading} <small class="hint">{_e(t["st_" + status])}</small></summary>', meta]
            end = "</details>"
            if status != "findings":  # nothing is marked in its tables: the line and its findings
                return "".join(out + self.findings_list() + [end])
        finding_tables = {key[0] for key in self.by_cell}
        for table_id in TABLES:
            table = result.tables.get(table_id)
            present = table is not None and (table.found or bool(table.rows))
            if not present and table_id not in finding_tables:
                if result.tables:  # an audited report whose table is absent: say so
                    out.append(f"<h3>{_e(t[table_id])}</h3><p class=\"hint\">{_e(t['not_found'])}</p>")
                continue
            template = _pick_template(result, table_id, table)
            hint = "" if self.lean and template == guess.overall else \
                f' <small class="hint">({_e(t["template"])} {_e(template)})</small>'
            out.append(f'<h3>{_e(t[table_id])}{hint}</h3>')
            if present:
                out.append(getattr(self, table_id)(table, template))
            else:
                out.append(f"<p class=\"hint\">{_e(t['not_found'])}</p>")
            leftover = [(table_id, r, c) for r, cols in (table.rows.items() if table else ()) for c in cols]
            leftover += [k for k in self.by_cell if k[0] == table_id]
            out.append(self.extras(table_id, table, [k for k in leftover if k not in self.rendered]))
        for table_id in sorted(finding_tables - set(TABLES)):  # cells of other tables, if a rule names them
            table = result.tables.get(table_id)
            out.append(f"<h3>{_e(table_id)}</h3>")
            out.append(self.extras(table_id, table, [k for k in self.by_cell if k[0] == table_id]))
        if findings_list:
            out += self.findings_list()
        out.append(end)
        return "".join(out)

    def findings_list(self) -> list[str]:
        t = self.t
        findings = self.result.findings
        out = [f"<h3>{_e(t['findings_list'])}</h3>"]
        order = sorted(range(len(findings)), key=lambda n: (-findings[n].severity.rank, n))
        if order:
            out.append('<ol class="findings">' + "".join(self.finding_item(n, findings[n]) for n in order) + "</ol>")
        else:
            out.append(f"<p>{_e(t['no_findings'])}</p>")
        return out

    def _counts(self) -> dict[Severity, int]:
        counts = {s: 0 for s in Severity}
        for finding in self.result.findings:
            counts[finding.severity] += 1
        return counts


_STATUS_RANK = {"failed": 4, "findings": 3, "not_assessable": 2, "clean": 0}  # worst first when sorted down


def _report_list(results: list[AuditResult], drawn: set[int], t: dict) -> str:
    """The list of reports: one row each (agency, year, template, status, findings by severity),
    sortable and filterable by the page's script; a clean report with nothing to show is its row."""
    severities = [s.value for s in Severity]
    statuses = [report_status(result) for result in results]
    by_status = {s: statuses.count(s) for s in REPORT_STATUSES}
    totals = {s: 0 for s in severities}
    for result in results:
        for finding in result.findings:
            totals[finding.severity.value] += 1
    out = [f"<p>{len(results)} {_e(t['reports'])}: "
           + " · ".join(f'{_e(t["st_" + s])} <b>{by_status[s]}</b>' for s in REPORT_STATUSES)
           + f" · {sum(totals.values())} {_e(t['findings'])}</p>"]
    options = "".join(f'<option value="{s}">{_e(t["st_" + s])} ({by_status[s]})</option>' for s in REPORT_STATUSES)
    out.append(f'<div id="list-controls" hidden><label>{_e(t["status"])} <select id="filter-status">'
               f'<option value="">{_e(t["all"])}</option>{options}</select></label>'
               f'<label>{_e(t["search"])} <input id="filter-text" type="search"></label>'
               f'<span>{_e(t["shown"])} <b id="shown">{len(results)}</b> / {len(results)}</span></div>')

    def head(label: str, sort: str) -> str:
        return f'<th><button type="button" data-sort="{sort}">{label}</button></th>'

    out.append('<div class="scroll"><table class="summary reports" id="reports"><thead><tr>'
               + head("#", "number") + head(_e(t["file"]), "text") + head(_e(t["agency"]), "text")
               + head(_e(t["year"]), "number") + head(_e(t["template"]), "text") + head(_e(t["status"]), "status"))
    out += [head(f'<span class="badge sev-{s}">{_e(t[s])}</span>', "number") for s in severities]
    out.append("</tr></thead><tbody>")
    for i, (result, status) in enumerate(zip(results, statuses)):
        counts = {s: 0 for s in severities}
        for finding in result.findings:
            counts[finding.severity.value] += 1
        rank = _STATUS_RANK[status] * 1000000 + counts["error"] * 10000 + counts["warning"] * 100 + counts["review"]
        name = f'<a href="#report-r{i}">{_e(result.file)}</a>' if i in drawn else _e(result.file)
        # findings by severity: the worst one beside the status
        worst = next((f'<b class="sev-{s}">{_e(t["worst"].format(t[s]))}</b>' for s in ("error", "warning", "review")
                      if counts[s]), "") if status == "findings" else ""
        # kept small: a thousand rows (the cells' look comes from the table's style by column)
        out.append(f'<tr data-report="r{i}" data-status="{status}"' + (f' data-rank="{rank}">' if rank else ">")
                   + f'<td>{i + 1}</td><td>{name}</td><td>{_e(result.agency or "")}</td>'
                   f'<td>{_e(result.year or "")}</td><td>{_e(result.template.overall)}</td>'
                   f'<td>{_e(t["st_" + status])}{worst}</td>')
        out += [f'<td>{counts[s] or ""}</td>' for s in severities]
        out.append("</tr>")
    out.append(f'</tbody><tfoot><tr><th colspan="6">{_e(t["total"])}</th>')
    out += [f'<th class="n">{totals[s]}</th>' for s in severities]
    out.append("</tr></tfoot></table></div>")
    return "".join(out)


def _legend(t: dict) -> str:
    samples = [("cell-blank", t["blank"], t["blank_long"]), ("cell-dash", "/", t["dash"]),
               ("cell-uncertain", '12<span class="q">?</span>', t["uncertain"]),
               ("cell-missing", t["missing"], t["missing_long"])]
    out = [f'<p class="legend"><b>{_e(t["legend"])}</b>']
    for cls, sample, label in samples:
        out.append(f'<span class="sample {cls}">{sample if "<span" in sample else _e(sample)}</span>{_e(label)}')
    out.append(f' · {_e(t["flagged"])}:')
    for sev in ("error", "warning", "review", "info"):
        out.append(f' <span class="sample flagged-sample sev-{sev}">{_e(t[sev])}</span>')
    out.append(f'</p><p class="hint">{_e(t["click_hint"])}</p>')
    return "".join(out)


TABLE_STYLE = _CSS  # the page's style, for a page that embeds ``report_tables``


def report_tables(result: AuditResult, lang: str = "zh") -> str:
    """One report's tables 2-4 as this page draws them (national layout, flagged and suspect cells),
    without the list of findings: for the reviewer's workbench (``auditor serve``)."""
    return _ReportWriter(0, result, lang if lang in _T else "zh").render(findings_list=False)


def write_html(results: list[AuditResult], lang: str = "zh", **_) -> str:
    """The whole page as one string: inline CSS and script, no external resource."""
    lang = lang if lang in _T else "zh"
    t = _T[lang]
    # a clean report without any finding is its row in the list: nothing below
    drawn = {i for i, result in enumerate(results) if result.findings or report_status(result) != "clean"}
    body = [_report_list(results, drawn, t), _legend(t)]
    body += [_ReportWriter(i, results[i], lang, lean=True).render() for i in sorted(drawn)]
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{_e(t['title'])}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(t['title'])}</h1><h2 class=\"summary-title\">{_e(t['summary'])}</h2>"
        + "".join(body)
        + f'<aside id="panel" hidden aria-live="polite"><button type="button" class="close">{_e(t["close"])}</button>'
        f'<h3>{_e(t["panel"])}</h3><div id="panel-body"></div></aside>'
        f"<script>{_JS}</script></body></html>\n"
    )
