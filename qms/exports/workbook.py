"""Spreadsheet building blocks: a header row with filters, the first row frozen, dates as dates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from qms.exports.document import write_atomic


def sheet_workbook(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) for h in header]
    for values in rows:
        sheet.append(list(values))
        row = sheet.max_row
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=col)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            widths[col - 1] = min(60, max(widths[col - 1], len(str(value or ""))))
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    return workbook


def to_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def save(workbook: Workbook, path: str | Path) -> Path:
    return write_atomic(to_bytes(workbook), path)
