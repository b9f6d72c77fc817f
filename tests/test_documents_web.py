"""Controlled documents through the browser's eyes: upload form, errors next to the field, download access."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import func, select

from qms.extensions import db
from qms.models.documents import ControlledDocument
from qms.services import documents, files
from tests.q3_support import EXE, PDF, stored_files


def form(code="QT-01", file=("quy-trinh.pdf", PDF), **extra):
    data = {
        "code": code,
        "title": "Quy trình tiếp nhận hồ sơ",
        "kind": "procedure",
        "approver": "Trưởng phòng",
        "issue_date": "",
        "review_due": "",
        "clauses": "8.2, 7.5",
    }
    data.update(extra)
    if file is not None:
        data["file"] = (BytesIO(file[1]), file[0])
    return data


def test_manager_uploads_a_document_and_readers_download_it(app, orgdata, as_user):
    client = as_user("manager_a")
    response = client.post(
        f"/units/{orgdata.unit_a.id}/documents/new", data=form(), content_type="multipart/form-data"
    )
    assert response.status_code == 302
    document = db.session.scalar(select(ControlledDocument))
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "quy-trinh.pdf" in page and "8.2" in page

    for name in ("manager_a", "member_a", "steering", "leader"):
        download = as_user(name).get(f"/documents/{document.id}/file")
        assert download.status_code == 200, name
        assert download.data == PDF
        assert download.mimetype == "application/pdf"
        assert "quy-trinh.pdf" in download.headers["Content-Disposition"]
        download.close()
    for name in ("manager_b", "outsider"):
        assert as_user(name).get(f"/documents/{document.id}/file").status_code == 403
        assert as_user(name).get(f"/documents/{document.id}").status_code == 403


def test_a_renamed_executable_is_refused_next_to_the_file_field(app, orgdata, as_user):
    client = as_user("manager_a")
    response = client.post(
        f"/units/{orgdata.unit_a.id}/documents/new",
        data=form(file=("bieu-mau.pdf", EXE)),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="file"' in page and "is-invalid" in page
    with force_locale("vi"):
        expected = _(
            "The content of this file is not a %(ext)s file; allowed: %(allowed)s.",
            ext="pdf",
            allowed=", ".join(files.ALLOWED_TYPES),
        )
    after_field = page.split('name="file"')[1][:800]
    assert "invalid-feedback" in after_field and escape(expected) in after_field
    assert 'value="Quy trình tiếp nhận hồ sơ"' in page  # what the user typed is kept
    assert db.session.scalar(select(func.count(ControlledDocument.id))) == 0
    assert stored_files(app) == []


def test_too_large_an_upload_is_refused_on_the_form(app, orgdata, as_user):
    app.config["QMS_MAX_UPLOAD_MB"] = 0.001
    client = as_user("manager_a")
    response = client.post(
        f"/units/{orgdata.unit_a.id}/documents/new",
        data=form(file=("lon.pdf", PDF + b"%" * 3000)),
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    with force_locale("vi"):
        expected = _(
            "The file is too large (%(size)s MB); the limit is %(limit)s MB.", size="0.0", limit="0.001"
        )
    assert response.status_code == 200 and escape(expected)[:25] in page
    assert db.session.scalar(select(func.count(ControlledDocument.id))) == 0
    assert stored_files(app) == []


def test_other_units_manager_and_members_cannot_change_documents(app, orgdata, as_user):
    document = documents.create_document(
        orgdata.unit_a, actor=None, code="QT-01", title="x", kind="form", approver="A", upload=("a.pdf", PDF)
    )
    db.session.commit()
    for name in ("manager_b", "member_a", "steering"):
        client = as_user(name)
        assert client.get(f"/units/{orgdata.unit_a.id}/documents/new").status_code == 403
        assert client.post(f"/documents/{document.id}/issue").status_code == 403
        assert client.get(f"/documents/{document.id}/edit").status_code == 403


def test_issue_and_revise_from_the_page(app, orgdata, as_user):
    document = documents.create_document(
        orgdata.unit_a, actor=None, code="QT-01", title="x", kind="form", approver="A", upload=("a.pdf", PDF)
    )
    db.session.commit()
    client = as_user("manager_a")
    assert client.post(f"/documents/{document.id}/issue").status_code == 302
    response = client.post(f"/documents/{document.id}/revise")
    draft = db.session.scalar(select(ControlledDocument).where(ControlledDocument.revision == 2))
    assert response.headers["Location"].endswith(f"/documents/{draft.id}")
    page = client.get(f"/documents/{draft.id}").get_data(as_text=True)
    assert "Revision 1" in page or "Lần ban hành 1" in page or f"/documents/{document.id}" in page


def test_overdue_review_is_flagged_on_list_unit_page_and_dashboard(app, orgdata, as_user):
    document = documents.create_document(
        orgdata.unit_a,
        actor=None,
        code="ST-01",
        title="Sổ tay chất lượng",
        kind="manual",
        approver="Chủ tịch",
        issue_date=date(2017, 1, 1),
        review_due=date(2018, 1, 1),
        upload=("so-tay.pdf", PDF),
    )
    documents.issue(document, actor=None)
    db.session.commit()
    client = as_user("member_a")
    listing = client.get(f"/units/{orgdata.unit_a.id}/documents").get_data(as_text=True)
    assert "review-overdue" in listing
    unit_page = client.get(f"/units/{orgdata.unit_a.id}").get_data(as_text=True)
    assert 'id="documents-review-overdue"' in unit_page and "ST-01" in unit_page
    dashboard = client.get("/").get_data(as_text=True)
    assert 'id="documents-review-overdue"' in dashboard and "ST-01" in dashboard
    other = as_user("manager_b").get("/").get_data(as_text=True)
    assert "ST-01" not in other
