"""The national templates, as data: which templates there are, the years they apply to, and each
table's rows, columns, groups, labels and layout in each template.

rules/templates/templates.yaml lists the templates and the tables; one file per table describes it
for every template. Both are checked against a schema when read (``TemplateFileError`` names the
file and the problem). Every stage asks this module — ``resolve`` for the view of a report's table,
``table_number`` for its printed name, ``template_for_year`` for the template a year calls for —
and none writes a template id or a table name of its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .model.text import label_key
from .resources import load_yaml, read_yaml_resource, rules_root, safe_loader

# The template id of a report older than every national template: it has no national tables.
PRE_TEMPLATE = "pre-2019"
UNKNOWN = "unknown"


class TemplateFileError(ValueError):
    """A template file that does not follow the schema: the file and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Text(_Strict):
    zh: str
    en: str


class _Years(_Strict):
    from_: int = Field(alias="from")
    to: Optional[int] = None


class _TemplateEntry(_Strict):
    id: str
    name: _Text
    years: _Years


class _TableEntry(_Strict):
    id: str
    file: str
    number: _Text
    follows: Optional[str] = None


class _Index(_Strict):
    templates: list[_TemplateEntry] = Field(min_length=1)
    default: str
    tables: list[_TableEntry] = Field(min_length=1)


class _Label(_Strict):
    id: str = ""
    zh: str = ""
    en: str = ""
    labels: list[str] = []
    keywords: list[str] = []
    templates: Optional[list[str]] = None
    kind: str = "count"


class _Section(_Strict):
    caption: _Text
    rows: list[str]


class _Group(_Strict):
    group: str
    zh: str
    en: str
    also: list[str] = []


class _Display(_Strict):
    """How the national format prints a table, for the HTML report (all keys optional)."""

    row_header: Optional[_Text] = None
    sections: list[_Section] = []
    corner: Optional[_Text] = None
    columns_caption: Optional[_Text] = None
    column_group: Optional[_Group] = None
    row_group: Optional[_Group] = None
    row_headings: dict[str, _Text] = {}
    group_names: dict[str, _Text] = {}  # a group of rows or columns in words


class _TableFile(_Strict):
    table: str
    title: _Text
    section_keywords: list[str] = []
    header_keywords: list[str] = []
    width: int = 0
    rows: list[_Label] = Field(min_length=1)
    columns: list[_Label] = Field(min_length=1)
    headings: list[_Label] = []
    row_groups: dict[str, list[str]] = {}
    column_groups: dict[str, list[str]] = {}
    layout: dict[str, dict[str, list[str]]] = {}
    display: _Display = _Display()


class _TableChanges(_Strict):
    rows: list[_Label] = []
    columns: list[_Label] = []


class _Derived(_Strict):
    """A template a user adds (a file with a top-level ``template:``): another template's tables with
    some rows or columns printed differently, for the years given."""

    id: str
    name: _Text
    years: _Years
    based_on: str
    tables: dict[str, _TableChanges] = {}


class _DerivedFile(_Strict):
    template: _Derived


def _validated(model: type[BaseModel], data: object, file: str):
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors())
        where = file if "/" in file or "\\" in file else f"rules/templates/{file}"
        raise TemplateFileError(f"{where}: {problems}") from None


@lru_cache(maxsize=1)
def _index() -> _Index:
    return parse_index(read_yaml_resource("templates/templates.yaml"))


def parse_index(data: object) -> _Index:
    """templates.yaml checked: the schema, a default that is a template, tables it follows that exist."""
    index = _validated(_Index, data, "templates.yaml")
    ids = [t.id for t in index.templates]
    if index.default not in ids:
        raise TemplateFileError(f"rules/templates/templates.yaml: default {index.default!r} is not a template ({ids})")
    tables = [t.id for t in index.tables]
    for table in index.tables:
        if table.follows is not None and table.follows not in tables:
            raise TemplateFileError(f"rules/templates/templates.yaml: {table.id} follows unknown table {table.follows!r}")
    return index


TABLE_IDS: tuple[str, ...] = tuple(t.id for t in _index().tables)
DEFAULT_TEMPLATE: str = _index().default
MAX_TEMPLATE_FILE_BYTES = 256 * 1024

# Templates a run adds from files of its own (``--rules DIR``), in the order added.
_DERIVED: dict[str, _Derived] = {}


def fingerprint() -> str:
    """A hash of the templates in force: the shipped template files and those a run added (a rule file
    checked against one set of templates is checked again against another)."""
    from . import datacache

    return datacache.key_of(_shipped_fingerprint(), *(d.model_dump_json() for d in _DERIVED.values()))


@lru_cache(maxsize=1)
def _shipped_fingerprint() -> str:
    from . import datacache

    folder = rules_root() / "templates"
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return datacache.key_of(*(part for p in files for part in (p.name, p.read_bytes())))


def template_ids() -> tuple[str, ...]:
    """Every template in force: the shipped ones, then those the run added."""
    return tuple(t.id for t in _index().templates) + tuple(_DERIVED)


def _entries() -> list:
    return [*_index().templates, *_DERIVED.values()]


def lineage(template: str) -> tuple[str, ...]:
    """The template and those it is based on, nearest first: a rule written for a template holds for
    the templates derived from it."""
    chain = [template]
    while chain[-1] in _DERIVED:
        chain.append(_DERIVED[chain[-1]].based_on)
    return tuple(chain)


def covers(templates: tuple[str, ...], template: str) -> bool:
    """Whether a rule written for ``templates`` applies to a table that follows ``template``."""
    return any(t in templates for t in lineage(template))


def template_for_year(year: Optional[int]) -> Optional[str]:
    """The template a report of ``year`` should follow (the one in force that year that began
    latest): an id, ``PRE_TEMPLATE`` before the first one, None when the year is unknown."""
    if year is None:
        return None
    in_force = [t for t in _entries() if t.years.from_ <= year and (t.years.to is None or year <= t.years.to)]
    if in_force:
        return max(in_force, key=lambda t: t.years.from_).id
    return PRE_TEMPLATE if year < min(t.years.from_ for t in _entries()) else None


def add_template_file(path) -> str:
    """Add the template a file describes (``template:`` with ``based_on``, ``years`` and the rows or
    columns printed differently); returns its id. ``TemplateFileError`` names the file and the problem."""
    import yaml

    where = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_TEMPLATE_FILE_BYTES + 1)
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateFileError(f"{where}: cannot be read ({error})") from None
    if len(data) > MAX_TEMPLATE_FILE_BYTES:
        raise TemplateFileError(f"{where}: larger than {MAX_TEMPLATE_FILE_BYTES // 1024} KB")
    try:  # untrusted like a rule file: no anchors or aliases (no expansion bombs), plain safe loading
        if any(isinstance(event, (yaml.AliasEvent,)) or getattr(event, "anchor", None)
               for event in yaml.parse(text, Loader=safe_loader())):
            raise TemplateFileError(f"{where}: YAML anchors and aliases are not allowed")
        raw = load_yaml(text)
    except yaml.YAMLError as error:
        raise TemplateFileError(f"{where}: not valid YAML ({str(error).splitlines()[0]})") from None
    derived = _validated(_DerivedFile, raw, where).template
    if derived.id in template_ids() or derived.id in (PRE_TEMPLATE, UNKNOWN):
        if derived.id in _DERIVED and _DERIVED[derived.id] == derived:
            return derived.id  # the same file read again (a batch worker, a second command)
        raise TemplateFileError(f"{where}: template {derived.id!r} exists already")
    if derived.based_on not in template_ids():
        raise TemplateFileError(f"{where}: based_on {derived.based_on!r} is not a template ({', '.join(template_ids())})")
    for table, changes in derived.tables.items():
        if table not in TABLE_IDS:
            raise TemplateFileError(f"{where}: no table {table!r} ({', '.join(TABLE_IDS)})")
        base = template_view(table, derived.based_on)
        for axis, specs, known in (("row", changes.rows, base.row_ids), ("column", changes.columns, base.column_ids)):
            unknown = [spec.id for spec in specs if spec.id not in known]
            if unknown:
                raise TemplateFileError(f"{where}: {table} has no {axis} {', '.join(map(repr, unknown))} in template "
                                        f"{derived.based_on!r}")
    _DERIVED[derived.id] = derived
    _forget_views()
    return derived.id


def reset_templates() -> None:
    """Back to the shipped templates only (tests; a long-lived process between runs)."""
    _DERIVED.clear()
    _forget_views()


def template_name(template: str, lang: str = "zh") -> str:
    for entry in _entries():
        if entry.id == template:
            return entry.name.zh if lang == "zh" else entry.name.en
    return template


def table_number(table: str, lang: str = "zh") -> str:
    """The number a table is printed with: 表三 / Table 3 (the id itself for anything else)."""
    for entry in _index().tables:
        if entry.id == table:
            return entry.number.zh if lang == "zh" else entry.number.en
    return table


def used_template(guess, table: str) -> str:
    """The template ``table`` of a report is read with: the one recognised for it (or for the table
    it follows), else the default. ``guess`` is the report's ``TemplateGuess``."""
    entry = next((t for t in _index().tables if t.id == table), None)
    source = entry.follows if entry is not None and entry.follows else table
    recognised = getattr(guess, source, None)
    return recognised if recognised in template_ids() else DEFAULT_TEMPLATE


def resolve(guess, table: str) -> "TableView":
    """The view of a report's table: the one question every stage asks of the templates."""
    return template_view(table, used_template(guess, table))


@dataclass(frozen=True)
class LabelSpec:
    """An id with the printed forms it is known by."""

    id: str
    zh: str = ""
    en: str = ""
    labels: tuple[str, ...] = ()  # whole-label matches (normalised)
    keywords: tuple[str, ...] = ()  # substring matches (normalised)
    templates: Optional[tuple[str, ...]] = None  # the shipped templates that have it; None: all
    kind: str = "count"  # count | signed | amount

    def match_length(self, key: str) -> int:
        """How strongly a normalised label names this id: 0 = not at all; longer = more specific."""
        best = 0
        for label in self.labels:
            if key == label:
                best = max(best, 1000 + len(label))
        for keyword in self.keywords:
            if keyword in key:
                best = max(best, len(keyword))
        return best


@dataclass(frozen=True, eq=False)
class TableView:
    """One table as one template has it."""

    table: str
    template: str
    rows: tuple[LabelSpec, ...]
    columns: tuple[LabelSpec, ...]
    headings: tuple[LabelSpec, ...]
    row_groups: dict[str, tuple[str, ...]]
    column_groups: dict[str, tuple[str, ...]]
    section_keywords: tuple[str, ...]
    width: int
    title_zh: str
    title_en: str
    layout: dict[str, tuple[str, ...]] = field(default_factory=dict)
    header_keywords: tuple[str, ...] = ()
    display: _Display = field(default_factory=_Display)  # how the national format prints the table

    @cached_property
    def row_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rows)

    @cached_property
    def column_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.columns)

    @cached_property
    def _rows_by_id(self) -> dict[str, LabelSpec]:
        return {r.id: r for r in self.rows}

    @cached_property
    def _columns_by_id(self) -> dict[str, LabelSpec]:
        return {c.id: c for c in self.columns}

    def row(self, row_id: str) -> Optional[LabelSpec]:
        return self._rows_by_id.get(row_id)

    def column(self, column_id: str) -> Optional[LabelSpec]:
        return self._columns_by_id.get(column_id)


def _spec(raw: dict, keys=("id",)) -> LabelSpec:
    return LabelSpec(
        id=raw.get("id", ""),
        zh=raw.get("zh", ""),
        en=raw.get("en", ""),
        labels=tuple(label_key(x) for x in raw.get("labels", ())),
        keywords=tuple(label_key(x) for x in raw.get("keywords", ())),
        templates=tuple(str(t) for t in raw["templates"]) if raw.get("templates") else None,
        kind=raw.get("kind", "count"),
    )


@lru_cache(maxsize=None)
def raw_table(table: str) -> dict:
    """A table's file, checked against the schema (returned as plain data)."""
    entry = next((t for t in _index().tables if t.id == table), None)
    if entry is None:
        raise KeyError(table)
    return parse_table_file(read_yaml_resource(f"templates/{entry.file}"), entry.file, table)


def parse_table_file(data: object, file: str, table: str) -> dict:
    """A table file checked against the schema and against the table it is listed for."""
    checked = _validated(_TableFile, data, file)
    if checked.table != table:
        raise TemplateFileError(f"rules/templates/{file}: describes {checked.table!r}, listed as {table!r}")
    return data


def template_view(table: str, template: str) -> TableView:
    """One table as one template has it (a derived template: its base's, with its own labels)."""
    return _view(table, template)


@lru_cache(maxsize=None)
def _view(table: str, template: str) -> TableView:
    derived = _DERIVED.get(template)
    if derived is not None:
        base = _view(table, derived.based_on)
        changes = derived.tables.get(table)
        if changes is None:
            return replace(base, template=template)
        rows = {spec.id: _spec(spec.model_dump()) for spec in changes.rows}
        columns = {spec.id: _spec(spec.model_dump()) for spec in changes.columns}
        return replace(base, template=template, rows=tuple(rows.get(r.id, r) for r in base.rows),
                       columns=tuple(columns.get(c.id, c) for c in base.columns))
    raw = raw_table(table)

    def present(spec: LabelSpec) -> bool:
        return spec.templates is None or template in spec.templates

    rows = tuple(s for s in (_spec(r) for r in raw.get("rows", ())) if present(s))
    columns = tuple(s for s in (_spec(c) for c in raw.get("columns", ())) if present(s))
    headings = tuple(s for s in (_spec(h) for h in raw.get("headings", ())) if present(s))
    row_ids = {r.id for r in rows}
    column_ids = {c.id for c in columns}
    row_groups = {name: tuple(m for m in members if m in row_ids)
                  for name, members in (raw.get("row_groups") or {}).items()}
    column_groups = {name: tuple(m for m in members if m in column_ids)
                     for name, members in (raw.get("column_groups") or {}).items()}
    layout = {row: tuple(cols) for row, cols in ((raw.get("layout") or {}).get(template) or {}).items()}
    title = raw.get("title") or {}
    return TableView(
        table=table,
        template=template,
        rows=rows,
        columns=columns,
        headings=headings,
        row_groups=row_groups,
        column_groups=column_groups,
        section_keywords=tuple(label_key(k) for k in raw.get("section_keywords", ())),
        width=int(raw.get("width", 0) or 0),
        title_zh=title.get("zh", ""),
        title_en=title.get("en", ""),
        layout=layout,
        header_keywords=tuple(label_key(k) for k in raw.get("header_keywords", ())),
        display=_Display.model_validate(raw.get("display") or {}),
    )


def all_ids(table: str) -> tuple[set[str], set[str], set[str], set[str]]:
    """Row ids, column ids, row-group and column-group names of a table across templates."""
    rows, columns, row_groups, column_groups = set(), set(), set(), set()
    for template in template_ids():
        view = template_view(table, template)
        rows |= set(view.row_ids)
        columns |= set(view.column_ids)
        row_groups |= set(view.row_groups)
        column_groups |= set(view.column_groups)
    return rows, columns, row_groups, column_groups


def best_match(specs: tuple[LabelSpec, ...], key: str) -> tuple[Optional[str], int]:
    """The id whose labels name ``key`` most specifically, with its strength (0: none)."""
    best_id, best_len = None, 0
    for spec in specs:
        length = spec.match_length(key)
        if length > best_len:
            best_id, best_len = spec.id, length
    return best_id, best_len


# The same printed labels recur in every report: a view's matches are remembered per normalised key
# (views are built once per table and template, so they are hashed by identity).

@lru_cache(maxsize=65536)
def row_match(view: TableView, key: str) -> tuple[Optional[str], int]:
    """``best_match`` over the view's rows."""
    return best_match(view.rows, key)


@lru_cache(maxsize=65536)
def heading_match(view: TableView, key: str) -> tuple[Optional[str], int]:
    """``best_match`` over the view's group headings."""
    return best_match(view.headings, key)


def _forget_views() -> None:
    """Views and label matches are cached per template: a template added or dropped empties them."""
    _view.cache_clear()
    row_match.cache_clear()
    heading_match.cache_clear()
