"""The official layout of Decree 30/2020/NĐ-CP: header table, type and subject, body styles with no theme
font, recipients and signature block, page numbers from page 2, tables that keep their rows whole."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from zipfile import ZipFile

import pytest
from docx import Document
from docx.oxml.ns import qn
from flask import Flask
from flask_babel import force_locale

from qms.app import create_app
from qms.exports import layout
from qms.exports.document import fit_widths, table, to_bytes


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Documents need the translations, not the database: one app for the module."""
    folder = tmp_path_factory.mktemp("layout")
    flask_app: Flask = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"},
        instance_path=str(folder),
    )
    with flask_app.app_context():
        yield flask_app


PLACE = "Nha Trang"
ISSUER = layout.Issuer("UBND thành phố Nha Trang", "Ban chỉ đạo ISO", "Nha Trang")


def _document(app, lang: str = "vi", **heading):  # type: ignore[no-untyped-def]
    values = {
        "kind": "Báo cáo",
        "subject": "Kết quả đánh giá nội bộ",
        "symbol": "BC-BCĐ",
        "number": "05/BC-BCĐ",
        "issued_on": date(2019, 2, 5),
    }
    values.update(heading)
    with force_locale(lang):
        doc = layout.begin(ISSUER, layout.Heading(**values), lang)
        layout.body(doc, "Nội dung báo cáo.")
        table(doc, ["STT", "Nội dung"], [(1, "Một nội dung dài " * 5)])
        layout.finish(
            doc,
            ["Chủ tịch UBND thành phố", "Lưu: VT, BCĐ"],
            [layout.Signature(authority="TM. Ban chỉ đạo ISO", title="Trưởng ban", name="Lê Văn Dẽ")],
        )
    return Document(BytesIO(to_bytes(doc))), to_bytes(doc)


def _cells_text(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [cell.text for t in doc.tables for row in t.rows for cell in row.cells]


def test_place_and_date_writes_leading_zeros_the_decrees_way():
    assert layout.place_and_date(PLACE, date(2019, 2, 5), "vi") == "Nha Trang, ngày 05 tháng 02 năm 2019"
    assert layout.place_and_date(PLACE, date(2019, 3, 28), "vi") == "Nha Trang, ngày 28 tháng 3 năm 2019"
    assert layout.place_and_date("Nha Trang", date(2019, 3, 28), "en") == "Nha Trang, 28 March 2019"
    assert layout.place_and_date("Nha Trang", None, "vi", year=2019).endswith("năm 2019")


def test_header_table_holds_both_bodies_the_motto_the_number_and_the_date(app):
    doc, _ = _document(app)
    left, right = doc.tables[0].rows[0].cells
    assert left.paragraphs[0].text == "UBND THÀNH PHỐ NHA TRANG"
    assert left.paragraphs[1].text == "BAN CHỈ ĐẠO ISO" and left.paragraphs[1].runs[0].bold
    assert "Số: 05/BC-BCĐ" in left.text
    assert right.paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert right.paragraphs[1].text == "Độc lập - Tự do - Hạnh phúc"
    date_line = right.paragraphs[-1]
    assert date_line.text == "Nha Trang, ngày 05 tháng 02 năm 2019" and date_line.runs[0].italic
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts and "Kết quả đánh giá nội bộ" in texts
    assert "DỰ THẢO" not in texts


def test_a_draft_says_so_and_leaves_number_and_date_blank(app):
    doc, _ = _document(app, number=None, draft=True)
    assert doc.paragraphs[0].text == "DỰ THẢO"
    left, right = doc.tables[0].rows[0].cells
    assert "/BC-BCĐ" in left.text and "05/" not in left.text
    assert "ngày 05" not in right.text


def test_english_uses_the_same_layout_with_english_labels(app):
    doc, _ = _document(app, lang="en")
    left, right = doc.tables[0].rows[0].cells
    assert "No.: 05/BC-BCĐ" in left.text
    assert right.paragraphs[0].text == "SOCIALIST REPUBLIC OF VIET NAM"
    assert "Recipients:" in "\n".join(_cells_text(doc))


def test_recipients_and_signature_block(app):
    doc, _ = _document(app)
    left, right = doc.tables[-1].rows[0].cells
    heading = left.paragraphs[0]
    assert heading.text == "Nơi nhận:" and heading.runs[0].bold and heading.runs[0].italic
    assert heading.runs[0].font.size.pt == 12
    assert [p.text for p in left.paragraphs[1:]] == ["- Chủ tịch UBND thành phố;", "- Lưu: VT, BCĐ."]
    assert left.paragraphs[1].runs[0].font.size.pt == 11
    lines = [p.text for p in right.paragraphs if p.text]
    assert lines == ["TM. BAN CHỈ ĐẠO ISO", "TRƯỞNG BAN", "Lê Văn Dẽ"]


def test_no_theme_font_or_colour_in_any_style(app):
    _, data = _document(app)
    styles = ZipFile(BytesIO(data)).read("word/styles.xml").decode()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme", "w:color "):
        assert attr not in styles
    assert 'w:ascii="Times New Roman"' in styles


def test_page_numbers_at_the_top_from_page_two(app):
    doc, _ = _document(app)
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in section.header._element.xml
    assert "PAGE" not in section.first_page_header._element.xml
    assert round(section.left_margin.cm, 1) == 3 and round(section.right_margin.cm, 1) == 2


def test_tables_repeat_their_header_keep_rows_whole_and_fit_columns(app):
    doc, _ = _document(app)
    data = doc.tables[1]
    assert data.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in data.rows)
    widths = fit_widths(["STT", "Nội dung"], [(1, "Một nội dung dài " * 5)], 16.0)
    assert widths[1] > 3 * widths[0] and abs(sum(widths) - 16.0) < 0.01
