"""Exports built the fast way keep their shape: Word tables written in one go hold what python-docx
would have built cell by cell, the findings register streams from the database, and exported files
follow the user's umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from io import BytesIO

import docx
import openpyxl
import pytest
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

from audits.exports.register import STREAM_ROWS, RegisterRows, findings_sheet, findings_workbook
from audits.models import Finding
from cli import cli
from qms.exports.document import key_values, new_document, table, to_bytes
from qms.exports.workbook import Percent, sheet_workbook
from qms.exports.workbook import to_bytes as xlsx_bytes
from qms.extensions import db
from tests.audits_support import planned_audit
from tests.conftest import Org
from tests.test_audits_queries import counting, log

# ---------------------------------------------------------------- Word tables, against python-docx


def _reference_table(doc, header: Sequence[str], rows: Sequence[Sequence[object]], widths_cm, font_size: int):  # type: ignore[no-untyped-def]
    """The table as python-docx builds it cell by cell (how `table()` built it before)."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        run.font.size = Pt(font_size)
        shading = OxmlElement("w:shd")
        for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "E7E6E6")):
            shading.set(qn(key), value)
        cell._tc.get_or_add_tcPr().append(shading)
    flags = t.rows[0]._tr.get_or_add_trPr()
    for name in ("w:cantSplit", "w:tblHeader"):
        flag = OxmlElement(name)
        flag.set(qn("w:val"), "true")
        flags.append(flag)
    for values in rows:
        row = t.add_row()
        flag = OxmlElement("w:cantSplit")
        flag.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(flag)
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run("" if value is None else str(value)).font.size = Pt(font_size)
    t.autofit = False
    for col, width in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm, strict=True):
        col.set(qn("w:w"), str(Cm(width).twips))
    for row in t.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)
    return t


def _xml(element) -> bytes:  # type: ignore[no-untyped-def]
    return etree.tostring(element, method="c14n")


HEADER = ["Số TT", "Nội dung phát hiện", "Điều khoản", "Hạn"]
ROWS = [
    (1, "Danh mục tài liệu chưa cập nhật & <thiếu> bản mới", "4.2.3", date(2025, 3, 1)),
    (2, "Hai hành động:\nHành động 1\tgấp", None, "  khoảng trắng  "),
    (3, "", "8.2.2", '=HYPERLINK("x")'),
]


@pytest.mark.parametrize("font_size", [11, 10])
def test_table_written_in_one_go_is_the_table_python_docx_builds(font_size):
    widths = [1.5, 9.0, 2.5, 3.0]
    doc = new_document("Bảng")
    built = table(doc, HEADER, ROWS, widths_cm=widths, font_size=font_size)
    reference = _reference_table(new_document("Bảng"), HEADER, ROWS, widths, font_size)
    assert _xml(built._tbl) == _xml(reference._tbl)

    # and read back from the saved file: texts, bold header, font size, widths, header repeated
    saved = docx.Document(BytesIO(to_bytes(doc))).tables[0]
    texts = [[c.text for c in row.cells] for row in saved.rows]
    assert texts[0] == HEADER
    assert texts[1] == ["1", "Danh mục tài liệu chưa cập nhật & <thiếu> bản mới", "4.2.3", "2025-03-01"]
    assert texts[2] == ["2", "Hai hành động:\nHành động 1\tgấp", "", "  khoảng trắng  "]
    assert texts[3][3] == '=HYPERLINK("x")'
    header_runs = [r for c in saved.rows[0].cells for r in c.paragraphs[0].runs if r.text]
    assert all(r.bold for r in header_runs) and len(header_runs) == len(HEADER)
    body_runs = [r for row in saved.rows[1:] for c in row.cells for r in c.paragraphs[0].runs if r.text]
    assert body_runs and not any(r.bold for r in body_runs)
    assert {r.font.size for r in header_runs + body_runs} == {Pt(font_size)}
    assert [round(c.width.cm, 2) for c in saved.rows[2].cells] == widths
    assert saved.style.name == "Table Grid" and saved.alignment == WD_TABLE_ALIGNMENT.CENTER
    assert saved.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_fitted_widths_fill_the_text_width():
    doc = new_document("Bảng")
    built = table(doc, HEADER, ROWS)
    widths = [c.width.cm for c in built.rows[1].cells]
    assert sum(widths) == pytest.approx(16.0, abs=0.01)  # A4 minus 3 cm and 2 cm margins
    assert max(widths) == widths[1]  # the statement column gets the room


def test_key_values_written_in_one_go_are_the_table_python_docx_builds():
    pairs = [("Số hiệu", "DG-2025-01"), ("Đơn vị", None), ("Ghi chú", "dòng 1\ndòng 2")]
    built = key_values(new_document("Khối"), pairs)
    ref = new_document("Khối").add_table(rows=0, cols=2)
    ref.style = "Table Grid"
    for label, value in pairs:
        cells = ref.add_row().cells
        cells[0].text = ""
        run = cells[0].paragraphs[0].add_run(label)
        run.bold, run.font.size = True, Pt(12)
        cells[1].text = ""
        cells[1].paragraphs[0].add_run("" if value is None else value).font.size = Pt(12)
    ref.autofit = False
    for col, width in zip(ref._tbl.tblGrid.findall(qn("w:gridCol")), (5.5, 10.5), strict=True):
        col.set(qn("w:w"), str(Cm(width).twips))
    for row in ref.rows:
        for cell, width in zip(row.cells, (5.5, 10.5), strict=True):
            cell.width = Cm(width)
    assert _xml(built._tbl) == _xml(ref._tbl)


def test_documents_from_the_prepared_template_are_independent():
    first, second = new_document("Một"), new_document("Hai", landscape=True)
    first.add_paragraph("chỉ trong văn bản thứ nhất")
    assert [p.text for p in second.paragraphs] == []
    assert [p.text for p in new_document("Ba").paragraphs] == []
    read = docx.Document(BytesIO(to_bytes(first)))
    assert read.core_properties.title == "Một"
    assert [p.text for p in read.paragraphs] == ["chỉ trong văn bản thứ nhất"]
    assert round(read.sections[0].page_width.cm, 1) == 21.0
    assert round(docx.Document(BytesIO(to_bytes(second))).sections[0].page_width.cm, 1) == 29.7


# ---------------------------------------------------------------- spreadsheets


class _Again:
    """Rows read afresh on each iteration, as the register's query is."""

    def __init__(self, rows: list[tuple[object, ...]]) -> None:
        self.rows, self.reads = rows, 0

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        self.reads += 1
        return iter(self.rows)


SHEET_ROWS = [
    ("=cmd|' /C calc'!A0", date(2025, 1, 31), datetime(2025, 1, 31, 8, 30), Percent(97.5), 3),
    ("@SUM(A1)", None, None, Percent(None), 0),
    ("bình thường", date(2024, 12, 1), None, Percent(12), 1.5),
]


@pytest.mark.parametrize("lang,date_format", [("vi", "dd/mm/yyyy"), ("en", "yyyy-mm-dd")])
def test_sheet_keeps_its_formats_from_any_source_of_rows(lang, date_format):
    header = ["Nội dung", "Ngày", "Thời điểm", "Tỷ lệ", "Số"]
    again = _Again(SHEET_ROWS)
    files = [
        xlsx_bytes(sheet_workbook("Danh sách", header, SHEET_ROWS, lang=lang)),
        xlsx_bytes(sheet_workbook("Danh sách", header, (r for r in SHEET_ROWS), lang=lang)),  # one-shot
        xlsx_bytes(sheet_workbook("Danh sách", header, again, lang=lang)),
    ]
    assert again.reads == 1  # read once: kept on disk while the widths are fitted
    shapes = []
    for data in files:
        sheet = openpyxl.load_workbook(BytesIO(data)).active
        assert [c.value for c in sheet[1]] == header and all(c.font.b for c in sheet[1])
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E4"
        formula, when, moment, rate, count = sheet[2]
        assert formula.value == "=cmd|' /C calc'!A0" and formula.data_type == "s" and formula.quotePrefix
        assert sheet["A3"].value == "@SUM(A1)" and sheet["A3"].quotePrefix
        assert not sheet["A4"].quotePrefix
        assert when.is_date and when.number_format == date_format
        assert moment.number_format == f"{date_format} hh:mm"
        assert rate.value == pytest.approx(0.975) and rate.number_format == "0.00%"
        assert sheet["D3"].value is None and sheet["D3"].number_format == "0.00%"
        assert count.value == 3
        widths = {k: d.width for k, d in sheet.column_dimensions.items()}
        assert widths["A"] == len("=cmd|' /C calc'!A0") + 2
        assert openpyxl.load_workbook(BytesIO(data), read_only=True).active.max_row == 4  # size known
        shapes.append(([[c.value for c in row] for row in sheet.iter_rows()], widths))
    assert shapes[0] == shapes[1] == shapes[2]


# ---------------------------------------------------------------- the findings register, streamed


def _register(year: int) -> list[list[object]]:
    sheet = openpyxl.load_workbook(BytesIO(xlsx_bytes(findings_workbook(year, today=date(2018, 10, 1)))))
    return [[c.value for c in row] for row in sheet.active.iter_rows()]


def test_register_streams_in_a_fixed_number_of_queries_and_holds_no_findings(app, orgdata: Org):
    log(orgdata, planned_audit(orgdata, start=date(2017, 7, 17)), 3)
    big = planned_audit(orgdata, start=date(2018, 7, 17))
    log(orgdata, big, 12)
    log(orgdata, big, 4, kind="observation")
    db.session.expunge_all()
    with counting() as few:
        small_rows = _register(2017)
    with counting() as many:
        big_rows = _register(2018)
    assert len(small_rows) == 1 + 3 and len(big_rows) == 1 + 16
    assert len(many) == len(few) == 1  # read once, kept on disk for the second pass (column widths first)
    assert not any(isinstance(o, Finding) for o in db.session.identity_map.values())
    assert RegisterRows(2018).statement().get_execution_options()["yield_per"] == STREAM_ROWS


def test_register_rows_are_the_rows_the_findings_list_exports(app, orgdata: Org):
    audit = planned_audit(orgdata, start=date(2018, 7, 17))
    log(orgdata, audit, 3)
    log(orgdata, audit, 2, kind="observation")
    log(orgdata, audit, 1, answered=False)
    today = date(2018, 10, 1)
    streamed = list(RegisterRows(2018, today=today))
    loaded = list(findings_sheet(db.session.scalars(db.select(Finding)).all(), "x", today=today).rows)
    assert sorted(streamed, key=str) == sorted(loaded, key=str)
    nc = next(r for r in streamed if r[0] == "NC-2018-001")
    assert nc[10] == "Hành động 0\nHành động 1" and nc[11] == "Trưởng phòng"
    assert nc[12] == date(2018, 9, 1) and nc[13] is None and nc[14]  # due 01/09/2018, never done: overdue
    unanswered = next(r for r in streamed if r[0] == "NC-2018-004")
    assert unanswered[10] == "" and unanswered[12] is None and unanswered[14] == ""


# ---------------------------------------------------------------- files follow the umask


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_exported_files_follow_the_umask(app, orgdata: Org, runner, tmp_path, mask, mode):
    audit = planned_audit(orgdata, start=date(2018, 7, 17))
    log(orgdata, audit, 1)
    previous = os.umask(mask)
    try:
        register = tmp_path / "register.xlsx"
        result = runner.invoke(cli, args=["export", "findings", "--year", "2018", "-o", str(register)])
        assert result.exit_code == 0, result.output
        report = tmp_path / "report.docx"
        result = runner.invoke(cli, args=["export", "audit-report", audit.ref, "-o", str(report)])
        assert result.exit_code == 0, result.output
    finally:
        os.umask(previous)
    assert stat.S_IMODE(register.stat().st_mode) == mode
    assert stat.S_IMODE(report.stat().st_mode) == mode
    assert os.umask(previous) == previous  # the export put the umask back as it found it
    assert not list(tmp_path.glob(".*.part"))
