"""The batch manifest: a TSV file naming, per report file, what the file itself may not say — for now
its publication date (column ``published``, YYYY-MM-DD), which the document checks compare with the
statutory deadline (DOC-LATE). Files are matched by the path as written or by their name."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Union

FILE_COLUMN, PUBLISHED_COLUMN = "file", "published"


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file, the line and the problem."""


def read_manifest(path: Union[str, Path]) -> dict[str, dt.date]:
    """{file: publication date} of the rows that give one (an empty cell gives none). A file named with a
    folder is taken relative to the manifest's folder and made absolute (as a batch names its files);
    a bare name matches a file of that name anywhere."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
            header = rows[0].keys() if rows else []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ManifestError(f"{path}: {error}") from None
    if rows and (FILE_COLUMN not in header or PUBLISHED_COLUMN not in header):
        raise ManifestError(f"{path}: the first line names the columns; `{FILE_COLUMN}` and `{PUBLISHED_COLUMN}` are needed")
    dates: dict[str, dt.date] = {}
    for line, row in enumerate(rows, 2):
        value = (row.get(PUBLISHED_COLUMN) or "").strip()
        if not value:
            continue
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise ManifestError(f"{path}:{line}: `{value}` is no date (YYYY-MM-DD)") from None
        file = (row.get(FILE_COLUMN) or "").strip()
        if "/" in file or "\\" in file:
            file = str((Path(path).resolve().parent / file).resolve())
        dates[file] = date
    return dates
