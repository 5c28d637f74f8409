"""``auditor serve`` (the reviewer's workbench) and ``auditor export`` (the store as CSV).

Registered on ``auditor.cli.main`` when the cli package is imported."""
from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Optional

import click

from .i18n import given_lang
from .main import USAGE_BAD_OPTION, USAGE_STORE, main, usage_error

# the store, the web app and the exporters are imported by the commands: `auditor check` needs none of them
LANG_OPTION = click.option("--lang", type=click.Choice(["zh", "en"]), default=lambda: given_lang() or "zh",
                           envvar="AUDITOR_LANG")


@main.command()
@click.argument("store", required=False, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 lets other machines in.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@LANG_OPTION
def serve(store: Optional[str], host: str, port: int, lang: str) -> None:
    """The reviewer's workbench on STORE (default: one in the user data folder): a local web app."""
    from ..corpus.store import StoreError
    from ..serve.app import serve as run

    try:
        run(store, host=host, port=port, echo=click.echo)
    except StoreError as error:
        usage_error(USAGE_STORE, f"结果数据库无法使用：{error}", str(error), lang)


@main.command()
@click.argument("store", type=click.Path(exists=True, dir_okay=False))
@click.option("--cells", is_flag=True, help="Every cell read, with its provenance.")
@click.option("--decisions", is_flag=True, help="The reviewer's decisions and fix states.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to FILE (default: stdout as CSV); decisions to a .xlsx file are a workbook.")
@LANG_OPTION
def export(store: str, cells: bool, decisions: bool, output: Optional[str], lang: str) -> None:
    """Write a results store as CSV (decisions also as a workbook): --cells or --decisions."""
    from ..corpus.export import CELL_COLUMNS, DECISION_COLUMNS, cell_rows, decision_rows, decisions_xlsx
    from ..corpus.review import refresh
    from ..corpus.store import Store, StoreError
    from ..write.rows_format import spreadsheet_safe

    if cells == decisions:
        usage_error(USAGE_BAD_OPTION, "请指定 --cells 或 --decisions（二选一）", "give either --cells or --decisions", lang)
    what = "cells" if cells else "decisions"
    try:
        with Store(store) as db:
            if what == "decisions":
                refresh(db)
                if output and output.lower().endswith(".xlsx"):
                    Path(output).write_bytes(decisions_xlsx(db))
                    click.echo(output)
                    return
            columns, rows = (CELL_COLUMNS, cell_rows(db)) if what == "cells" else (DECISION_COLUMNS, decision_rows(db))
            handle = open(output, "w", encoding="utf-8-sig", newline="") if output else sys.stdout
            try:
                writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
            finally:
                if output:
                    handle.close()
    except StoreError as error:
        usage_error(USAGE_STORE, f"结果数据库无法使用：{error}", str(error), lang)
    except OSError as error:
        usage_error(USAGE_BAD_OPTION, f"无法写入 {output}：{error}", f"cannot write {output}: {error}", lang)
    if output:
        click.echo(f"{Path(output)}")
