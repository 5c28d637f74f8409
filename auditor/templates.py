"""Reads the table templates in rules/templates/ and matches printed labels to their ids.

A template file describes one table for every national template; ``template_view`` gives the
rows, columns and groups that exist in one template ("2019" or "2021").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Optional

from .normalize import label_key
from .resources import read_yaml_resource

TEMPLATE_IDS = ("2019", "2021")
TABLE_IDS = ("table2", "table3", "table4")


@dataclass(frozen=True)
class LabelSpec:
    """An id with the printed forms it is known by."""

    id: str
    zh: str = ""
    en: str = ""
    labels: tuple[str, ...] = ()  # whole-label matches (normalised)
    keywords: tuple[str, ...] = ()  # substring matches (normalised)
    templates: tuple[str, ...] = TEMPLATE_IDS
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
        templates=tuple(str(t) for t in raw.get("templates", TEMPLATE_IDS)),
        kind=raw.get("kind", "count"),
    )


@lru_cache(maxsize=None)
def raw_table(table: str) -> dict:
    return read_yaml_resource(f"templates/{table}.yaml")


@lru_cache(maxsize=None)
def template_view(table: str, template: str) -> TableView:
    raw = raw_table(table)
    rows = tuple(s for s in (_spec(r) for r in raw.get("rows", ())) if template in s.templates)
    columns = tuple(s for s in (_spec(c) for c in raw.get("columns", ())) if template in s.templates)
    headings = tuple(s for s in (_spec(h) for h in raw.get("headings", ())) if template in s.templates)
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
    )


def all_ids(table: str) -> tuple[set[str], set[str], set[str], set[str]]:
    """Row ids, column ids, row-group and column-group names of a table across templates."""
    rows, columns, row_groups, column_groups = set(), set(), set(), set()
    for template in TEMPLATE_IDS:
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
