"""The store as open data: every cell read, with its provenance (``auditor export STORE --cells``),
and the reviewer's decisions and fix states (``--decisions``, also the workbench's CSV)."""
from __future__ import annotations

import re
import zlib
from typing import Iterator

from ..synth import xlsx_from_rows
from .review import review_rows
from .store import Store, report_from_json

CELL_COLUMNS = ("content_hash", "agency", "agency_read", "year", "template", "path", "table", "row", "column",
                "value", "raw", "state", "source")
DECISION_COLUMNS = ("agency", "year", "path", "code", "severity", "decision", "reason", "note", "reviewer",
                    "decided_at", "state", "state_changed_at", "message", "fingerprint")


def cell_rows(store: Store) -> Iterator[dict]:
    """One row per cell of every stored report that was read (tables in template order as stored)."""
    for report_id, path, content_hash, agency, agency_read, year, template, model in store.db.execute(
            "SELECT id, path, content_hash, agency, agency_read, year, template, model FROM reports"
            " WHERE model IS NOT NULL ORDER BY agency, year, id"):
        report = report_from_json(zlib.decompress(model))
        for table_id, table in report.tables.items():
            for row, columns in table.rows.items():
                for column, cell in columns.items():
                    source = cell.source
                    yield {"content_hash": content_hash or "", "agency": agency or "", "agency_read": agency_read or "",
                           "year": year or "", "template": template or "", "path": path, "table": table_id,
                           "row": row, "column": column, "value": "" if cell.value is None else str(cell.value),
                           "raw": cell.raw, "state": cell.state.value, "source": source.short() if source else ""}


def decision_rows(store: Store) -> list[dict]:
    return review_rows(store)


_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def decisions_xlsx(store: Store) -> bytes:
    """The decisions and states as a one-sheet workbook (text cells; a leading "=" stays text)."""
    rows = [list(DECISION_COLUMNS)]
    rows += [[_XML_UNSAFE.sub("", "" if row.get(c) is None else str(row.get(c))) for c in DECISION_COLUMNS]
             for row in decision_rows(store)]
    return xlsx_from_rows(rows, [], sheet="decisions")
