"""Spreadsheet building blocks: a header row with filters, the first row frozen, dates as dates."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from qms.exports.document import write_atomic

DATE_FORMATS = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
DATETIME_FORMATS = {"vi": "dd/mm/yyyy hh:mm", "en": "yyyy-mm-dd hh:mm"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Percent:
    """A percentage (97.95) written as the number 0.9795 shown `97.95%` (Excel shows the reader's
    decimal separator)."""

    value: float | Decimal | None


def sheet_workbook(
    title: str, header: Sequence[str], rows: Iterable[Sequence[object]], *, lang: str | None = None
) -> Workbook:
    """One sheet: a bold header with filters, frozen; dates as real dates shown dd/mm/yyyy in
    Vietnamese; numbers as numbers; text that would be a formula kept as text.

    Written in openpyxl's write-only mode, each row streamed to the file as it comes. Column widths come
    first in the file and are fitted to the content, so the rows are read twice: a list in memory, any
    other source (a streamed database query) once, kept meanwhile in a temporary file, not in memory."""
    lang = lang if lang in DATE_FORMATS else _current_lang()
    with ExitStack() as stack:
        spool = None if isinstance(rows, Sequence) else stack.enter_context(tempfile.TemporaryFile())
        widths = [len(str(h)) for h in header]
        count = 0
        for values in rows:
            count += 1
            for col, value in enumerate(values):
                shown = f"{value.value}%" if isinstance(value, Percent) else value
                widths[col] = min(60, max(widths[col], len(str(shown or ""))))
            if spool:  # one pickle a row: no memo growing with the rows
                spool.write(pickle.dumps(values, pickle.HIGHEST_PROTOCOL))
        if spool:
            spool.seek(0)
            rows = _unspool(spool, count)
        return _write(title, header, rows, widths, count, lang)


def _unspool(spool: IO[bytes], count: int) -> Iterator[Sequence[object]]:
    for _ in range(count):
        yield pickle.load(spool)


def _write(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    widths: list[int],
    count: int,
    lang: str,
) -> Workbook:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width + 2
    sheet.freeze_panes = "A2"
    used = f"A1:{get_column_letter(max(len(header), 1))}{count + 1}"
    sheet.auto_filter.ref = used
    # The sheet's size, written before its rows as a normal sheet does, for readers that size it first.
    sheet.calculate_dimension = lambda: used  # type: ignore[attr-defined]
    bold = Font(bold=True)
    head = []
    for text in header:
        cell = WriteOnlyCell(sheet, str(text))
        cell.font = bold
        if str(text).startswith(FORMULA_STARTS):  # a header from user text (a unit's name) stays text
            cell.data_type = "s"
            cell.quotePrefix = True
        head.append(cell)
    sheet.append(head)
    styled = _StyledCells(sheet, lang)
    for values in rows:
        sheet.append([styled.cell(col, value) for col, value in enumerate(values)])
    return workbook


class _StyledCells:
    """The cells that carry a format (percentages, dates, text that looks like a formula), one per column
    and kind, reused row after row: a write-only sheet writes each cell before it reads the next."""

    def __init__(self, sheet: WriteOnlyWorksheet, lang: str) -> None:
        self.sheet = sheet
        self.lang = lang
        self.cells: dict[tuple[int, str], WriteOnlyCell] = {}

    def _get(self, col: int, kind: str) -> WriteOnlyCell:
        cell = self.cells.get((col, kind))
        if cell is None:
            cell = self.cells[col, kind] = WriteOnlyCell(self.sheet)
            if kind == "percent":
                cell.number_format = "0.00%"
            elif kind == "text":
                cell.quotePrefix = True
            elif kind == "datetime":
                cell.number_format = DATETIME_FORMATS[self.lang]
            else:
                cell.number_format = DATE_FORMATS[self.lang]
        return cell

    def cell(self, col: int, value: object) -> object:
        if isinstance(value, Percent):
            cell = self._get(col, "percent")
            cell.value = None if value.value is None else float(value.value) / 100
        elif isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = self._get(col, "text")
            cell.value = value
            cell.data_type = "s"
        elif isinstance(value, datetime):
            cell = self._get(col, "datetime")
            cell.value = value
        elif isinstance(value, date):
            cell = self._get(col, "date")
            cell.value = value
        else:
            return value
        return cell


def _current_lang() -> str:
    from qms.formatting import current_lang

    try:
        return current_lang()
    except RuntimeError:  # outside an app context
        return "vi"


def to_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def save(workbook: Workbook, path: str | Path) -> Path:
    return write_atomic(to_bytes(workbook), path)
