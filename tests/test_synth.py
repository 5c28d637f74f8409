"""The synthetic report writers render every format they offer, and what they write reads back."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from auditor.extract.tables import extract
from auditor.load import load_bytes
from auditor.synth import random_series, random_table3, random_table4, render_docx
from auditor.templates import template_view

pytest.importorskip("docx")


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_render_docx_reads_back_both_tables(template):
    # render_docx once reused the name of its `text` helper as a loop variable: table 4 raised TypeError
    rng = random.Random(5)
    table3, table4 = random_table3(rng, template), random_table4(rng)
    report = extract(load_bytes(render_docx(table3, table4, template=template, year=2022), "r.docx"))
    view4 = template_view("table4", template)
    read4 = report.table("table4")
    assert [[read4.cell(r, c).value for c in view4.column_ids] for r in view4.row_ids] == \
           [[table4[r][c] for c in view4.column_ids] for r in view4.row_ids]
    view3 = template_view("table3", template)
    assert report.table("table3").cell(view3.row_ids[0], "total").value == table3[view3.row_ids[0]]["total"]


def test_the_corrupt_batch_synthetic_series_that_crashed_now_renders():
    """scripts/corrupt_batch.py picks a Word series for seed 5, index 1: it raised TypeError."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from corrupt_batch import _synthetic
    files = _synthetic(random.Random(5), 1)
    assert [name for name, _ in files] == ["s0001-2021.docx", "s0001-2022.docx", "s0001-2023.docx"]
    assert all(data.startswith(b"PK") for _, data in files)
    assert len(random_series(random.Random(0), [2021, 2022])) == 2
