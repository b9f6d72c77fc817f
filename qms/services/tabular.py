"""Reading CSV or XLSX files with a named header row, for the `qms import …` commands."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from qms.formatting import parse_day
from qms.services.errors import ImportFailed
from qms.text import MAX_TEXT, clean, too_long


@dataclass(frozen=True)
class Row:
    number: int  # the row's number in the file, header = 1
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def fail(self, column: str, reason: str) -> ImportFailed:
        return ImportFailed(reason, row=self.number, column=column)

    def date(self, column: str, *, required: bool) -> date | None:
        """The cell as a date: dd/mm/yyyy, as people write it here, or yyyy-mm-dd (what a spreadsheet's
        date cell gives, with or without a time)."""
        text = self.get(column)
        if not text:
            if required:
                raise self.fail(column, _("a date is required (dd/mm/yyyy)"))
            return None
        day = parse_day(text[:10])
        if day is None:
            raise self.fail(column, _("'%(value)s' is not a date dd/mm/yyyy", value=text))
        return day


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            yield from csv.reader(fh)
    except UnicodeDecodeError as exc:
        raise ImportFailed(_("the file is not UTF-8 text: save the CSV as UTF-8")) from exc


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise ImportFailed(_("the file is not a readable XLSX workbook")) from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in row]
    finally:
        workbook.close()


def read_table(
    path: str | Path, columns: Sequence[str], *, limits: Mapping[str, int] | None = None
) -> list[Row]:
    """Rows of a CSV (UTF-8) or XLSX file whose header row names at least `columns`.

    Blank rows are skipped; extra columns are ignored. Cells are text in NFC without control characters;
    a cell longer than its column's limit (`limits`, by column name, e.g. from `qms.text.limit_of`; else
    MAX_TEXT) is refused with its row and column.
    """
    limits = limits or {}
    path = Path(path)
    if not path.is_file():
        raise ImportFailed(_("file not found: %(path)s", path=str(path)))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = _csv_rows(path)
    elif suffix == ".xlsx":
        raw = _xlsx_rows(path)
    else:
        raise ImportFailed(_("unsupported file type %(suffix)s: use .csv or .xlsx", suffix=suffix or "''"))
    try:
        header = next(raw)
    except StopIteration:
        raise ImportFailed(_("the file is empty")) from None
    names = [clean(h).strip().lower() for h in header]
    missing = [c for c in columns if c not in names]
    if missing:
        raise ImportFailed(_("missing column(s): %(missing)s", missing=", ".join(missing)), row=1)
    rows: list[Row] = []
    for number, cells in enumerate(raw, start=2):
        if not any(str(c).strip() for c in cells):
            continue
        values = {name: clean(cells[i] if i < len(cells) else "") for i, name in enumerate(names) if name}
        for name, value in values.items():
            limit = limits.get(name, MAX_TEXT)
            if len(value.strip()) > limit:
                raise ImportFailed(too_long(limit, len(value.strip())), row=number, column=name)
        rows.append(Row(number, values))
    if not rows:
        raise ImportFailed(_("the file has a header row but no data"))
    return rows
