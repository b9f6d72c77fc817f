"""Spreadsheet building blocks: a header row with filters, the first row frozen, dates as dates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from qms.exports.document import write_atomic

DATE_FORMATS = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
DATETIME_FORMATS = {"vi": "dd/mm/yyyy hh:mm", "en": "yyyy-mm-dd hh:mm"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Percent:
    """A percentage (97.95) written as the number 0.9795 shown `97.95%` (Excel shows the reader's
    decimal separator)."""

    value: float | Decimal | None


def neutralise(cell: Cell) -> None:
    """Text a spreadsheet would read as a formula (`=HYPERLINK(…)`, `+1`, `@SUM`) stays text: typed as a
    string with Excel's quote prefix, so it shows as written and never runs."""
    cell.data_type = "s"
    cell.quotePrefix = True


def sheet_workbook(
    title: str, header: Sequence[str], rows: Iterable[Sequence[object]], *, lang: str | None = None
) -> Workbook:
    """One sheet: a bold header with filters, frozen; dates as real dates shown dd/mm/yyyy in
    Vietnamese; numbers as numbers; text that would be a formula kept as text."""
    lang = lang if lang in DATE_FORMATS else _current_lang()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) for h in header]
    row = 1
    for values in rows:
        row += 1  # counted here: openpyxl's max_row walks every cell, which makes a long export quadratic
        sheet.append([None if isinstance(v, Percent) else v for v in values])
        for col, value in enumerate(values, start=1):
            if isinstance(value, Percent):
                cell = sheet.cell(row=row, column=col)
                cell.value = None if value.value is None else float(value.value) / 100
                cell.number_format = "0.00%"
                value = f"{value.value}%"
            elif isinstance(value, str) and value.startswith(FORMULA_STARTS):
                neutralise(sheet.cell(row=row, column=col))
            elif isinstance(value, datetime):
                sheet.cell(row=row, column=col).number_format = DATETIME_FORMATS[lang]
            elif isinstance(value, date):
                sheet.cell(row=row, column=col).number_format = DATE_FORMATS[lang]
            widths[col - 1] = min(60, max(widths[col - 1], len(str(value or ""))))
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{row}"
    return workbook


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
