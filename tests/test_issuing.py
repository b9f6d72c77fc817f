"""Issued documents: numbered per type, issuing body and year without duplicates, registered, kept
exactly as issued, re-issued under a new number; the register page, its spreadsheet and the settings
that name who issues and signs."""

from __future__ import annotations

import shutil
import threading
from datetime import date, timedelta
from io import BytesIO

import pytest
from docx import Document
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from qms.exports import pdf
from qms.exports.document import new_document, paragraph, to_bytes
from qms.extensions import db
from qms.models.issuing import IssuedDocument
from qms.models.org import User
from qms.services import issuing, settings
from qms.services.errors import DomainError, InvalidTransition
from tests.conftest import Org


def _what(ref: str = "DG-2018-03", doc_type: str = "BC", **extra) -> issuing.Issue:  # type: ignore[no-untyped-def]
    values = {
        "doc_type": doc_type,
        "issuer_symbol": "BCĐ",
        "subject": f"Kết quả đánh giá nội bộ {ref}",
        "source": "audit_report",
        "source_ref": ref,
        "signer_name": "Lê Văn Dẽ",
        "signer_title": "Trưởng ban",
        "recipients": ["Chủ tịch UBND thành phố", "Lưu: VT, BCĐ"],
    }
    values.update(extra)
    return issuing.Issue(**values)


def _build(text: str = "Nội dung"):  # type: ignore[no-untyped-def]
    def build(number: str, issued_on: date) -> bytes:
        doc = new_document("Báo cáo")
        paragraph(doc, f"Số: {number}")
        paragraph(doc, f"Ngày {issued_on.isoformat()}")
        paragraph(doc, text)
        return to_bytes(doc)

    return build


def _issue(actor: User | None, ref: str = "DG-2018-03", on: date = date(2018, 8, 10), **extra):  # type: ignore[no-untyped-def]
    return issuing.issue(
        _what(ref, **extra), actor=actor, issued_on=on, build=_build(), filename=f"{ref}.docx"
    )


def test_numbers_are_consecutive_per_type_body_and_year(app: Flask, orgdata: Org) -> None:
    steering = orgdata.user("steering")
    first = _issue(steering, "DG-2018-01")
    second = _issue(steering, "DG-2018-02")
    plan = _issue(steering, "DG-2018-02", doc_type="KH", source="audit_plan")
    next_year = _issue(steering, "DG-2019-01", on=date(2019, 3, 1))
    db.session.commit()
    assert [first.number, second.number, plan.number, next_year.number] == [
        "01/BC-BCĐ",
        "02/BC-BCĐ",
        "01/KH-BCĐ",
        "01/BC-BCĐ",
    ]
    assert next_year.year == 2019
    printed = "\n".join(p.text for p in Document(BytesIO(issuing.issued_bytes(second))).paragraphs)
    assert "Số: 02/BC-BCĐ" in printed  # the number in the document is the registered one


def test_the_issued_copy_stays_as_issued_and_a_reissue_replaces_it(app: Flask, orgdata: Org) -> None:
    steering = orgdata.user("steering")
    original = _issue(steering)
    kept = issuing.issued_bytes(original)
    db.session.commit()
    corrected = issuing.issue(
        _what(),
        actor=steering,
        issued_on=date(2018, 8, 12),
        build=_build("Nội dung đã sửa"),
        filename="DG-2018-03.docx",
        replaces=original,
    )
    db.session.commit()
    assert issuing.issued_bytes(original) == kept
    assert corrected.number == "02/BC-BCĐ" and corrected.replaces_id == original.id
    assert issuing.current_issue("audit_report", "DG-2018-03").id == corrected.id
    with pytest.raises(InvalidTransition):
        issuing.issue(
            _what(),
            actor=steering,
            issued_on=date(2018, 8, 12),
            build=_build(),
            filename="x.docx",
            replaces=original,
        )


def test_bad_dates_are_refused_and_nothing_is_numbered(app: Flask, orgdata: Org) -> None:
    steering = orgdata.user("steering")
    with pytest.raises(DomainError) as error:
        _issue(steering, on=date.today() + timedelta(days=1))
    assert error.value.field == "issued_on"
    db.session.rollback()
    assert db.session.scalar(select(IssuedDocument.id)) is None
    assert _issue(steering).number == "01/BC-BCĐ"


def test_register_page_filters_downloads_and_exports_what_it_shows(app: Flask, orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    steering = orgdata.user("steering")
    report = _issue(steering, "DG-2018-03")
    _issue(steering, "PROG-2018", doc_type="KH", source="programme")
    db.session.commit()
    client = as_user("leader")
    page = client.get("/issued/?type=BC").get_data(as_text=True)
    assert "01/BC-BCĐ" in page and "01/KH-BCĐ" not in page
    download = client.get(f"/issued/{report.id}")
    assert download.status_code == 200 and download.data == issuing.issued_bytes(report)
    sheet = load_workbook(BytesIO(client.get("/issued/export.xlsx?type=BC").data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["01/BC-BCĐ"]
    assert rows[0][1].date() == date(2018, 8, 10)
    assert sheet.cell(row=2, column=2).number_format == "dd/mm/yyyy"
    assert as_user("manager_a").get("/issued/").status_code == 403
    assert as_user("outsider").get(f"/issued/{report.id}").status_code == 403


def test_settings_have_defaults_and_an_admin_changes_them(app: Flask, orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    assert settings.get("place") == "Nha Trang"
    assert settings.superior_body() == "UBND thành phố"  # the top unit's name
    client = as_user("admin")
    assert "Ban chỉ đạo ISO" in client.get("/admin/settings").get_data(as_text=True)
    response = client.post("/admin/settings", data={"place": "Khánh Hòa", "steering_head_name": "Lê Văn Dẽ"})
    assert response.status_code == 302
    assert settings.get("place") == "Khánh Hòa" and settings.get("steering_head_name") == "Lê Văn Dẽ"
    too_long = client.post("/admin/settings", data={"steering_symbol": "X" * 30})
    assert too_long.status_code == 200 and "is-invalid" in too_long.get_data(as_text=True)
    assert settings.get("steering_symbol") == "BCĐ"
    assert as_user("steering").get("/admin/settings").status_code == 403


@pytest.mark.skipif(not pdf.available(), reason="LibreOffice (soffice) is not installed")
def test_pdf_is_converted_from_the_issued_word_document(app: Flask, orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the conversion does not depend on the database engine")
    report = _issue(orgdata.user("steering"))
    db.session.commit()
    response = as_user("steering").get(f"/issued/{report.id}?format=pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_pdf_without_libreoffice_says_how_to_install_it(app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(DomainError, match="LibreOffice"):
        pdf.to_pdf(b"PK")


def test_concurrent_issues_get_distinct_numbers(app: Flask, orgdata: Org) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrent sessions are tested on PostgreSQL")
    steering_id = orgdata.steering.id
    db.session.remove()
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issue_one(i: int) -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, steering_id)
                barrier.wait(timeout=30)
                record = _issue(actor, f"DG-2018-{i:02d}")
                db.session.commit()
                with lock:
                    numbers.append(record.number)
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=issue_one, args=(i,)) for i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(numbers) == [f"{n:02d}/BC-BCĐ" for n in range(1, threads_n + 1)]
