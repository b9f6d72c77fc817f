"""Controlled documents: uploads checked by size and content, stored once by hash, revisions, review dates."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from qms.extensions import db
from qms.models.documents import DocumentStatus
from qms.services import documents, files
from qms.services.errors import DomainError, InvalidTransition, NotAllowed
from tests.q3_support import EXE, PDF, PNG, docx_bytes, stored_files, xlsx_bytes


def new_doc(orgdata, code="QT-01", upload=("quy-trinh.pdf", PDF), **extra):
    values = {"title": "Quy trình kiểm soát tài liệu", "kind": "procedure", "approver": "Trưởng phòng"}
    values.update(extra)
    return documents.create_document(
        orgdata.unit_a, actor=orgdata.user("manager_a"), code=code, upload=upload, **values
    )


def test_upload_is_stored_once_under_its_hash_with_its_name(app, orgdata):
    first = new_doc(orgdata, "QT-01")
    second = new_doc(orgdata, "QT-02", upload=("bản sao.pdf", PDF))
    digest = hashlib.sha256(PDF).hexdigest()
    assert first.file_sha256 == second.file_sha256 == digest
    assert (first.file_name, second.file_name) == ("quy-trinh.pdf", "bản sao.pdf")
    assert first.file_size == len(PDF) and first.file_type == "pdf"
    on_disk = stored_files(app)
    assert len(on_disk) == 1 and on_disk[0].name == digest and on_disk[0].read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content"),
    [("mau.docx", docx_bytes()), ("bang.xlsx", xlsx_bytes()), ("so-do.png", PNG), ("van-ban.PDF", PDF)],
)
def test_allowed_types_are_accepted_by_content(app, orgdata, name, content):
    document = new_doc(orgdata, upload=(name, content))
    assert document.file_type == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("setup.exe", EXE, "'exe'"),
        ("quy-trinh.pdf", EXE, "not a pdf"),  # a renamed executable
        ("mau.docx", PDF, "not a docx"),
        ("ghi-chu.txt", b"hello", "'txt'"),
        ("rong.pdf", b"", "empty"),
    ],
)
def test_wrong_types_are_refused_on_the_file_field_and_nothing_is_written(app, orgdata, name, content, words):
    with pytest.raises(DomainError) as caught:
        new_doc(orgdata, upload=(name, content))
    assert caught.value.field == "file"
    assert words in caught.value.message
    assert stored_files(app) == []


def test_too_large_a_file_is_refused(app, orgdata):
    app.config["QMS_MAX_UPLOAD_MB"] = 0.001  # about 1 KB
    big = PDF + b"%" * 2000
    with pytest.raises(DomainError, match="too large") as caught:
        new_doc(orgdata, upload=("lon.pdf", big))
    assert caught.value.field == "file"
    assert stored_files(app) == []
    assert files.max_upload_bytes() == 1048


def test_default_upload_limit_is_ten_megabytes(app):
    assert files.max_upload_bytes() == 10 * 1024 * 1024


def test_new_revision_supersedes_the_old_one_which_stays_readable(app, orgdata):
    manager = orgdata.user("manager_a")
    rev1 = new_doc(orgdata, clauses="7.5, 7.5.3")
    documents.issue(rev1, actor=manager, today=date(2018, 3, 1))
    assert rev1.status == DocumentStatus.IN_FORCE and rev1.issue_date == date(2018, 3, 1)

    rev2 = documents.new_revision(rev1, actor=manager)
    assert (rev2.revision, rev2.status, rev2.previous_id) == (2, DocumentStatus.DRAFT, rev1.id)
    assert rev2.file_sha256 == rev1.file_sha256
    assert [c.number for c in rev2.clauses] == ["7.5", "7.5.3"]
    with pytest.raises(InvalidTransition):
        documents.new_revision(rev1, actor=manager)  # one draft at a time

    documents.update_document(
        rev2,
        actor=manager,
        code=rev2.code,
        title="Quy trình kiểm soát tài liệu (sửa đổi)",
        kind=rev2.kind,
        issue_date=None,
        approver="Chủ tịch UBND",
        review_due=date(2099, 1, 1),
        clauses="7.5",
        upload=("v2.docx", docx_bytes("lần 2")),
    )
    documents.issue(rev2, actor=manager)
    db.session.commit()
    assert rev1.status == DocumentStatus.SUPERSEDED
    assert rev2.status == DocumentStatus.IN_FORCE
    assert [r.revision for r in documents.revisions_of(rev1)] == [2, 1]
    assert rev1.file_name == "quy-trinh.pdf" and rev2.file_type == "docx"
    assert len(stored_files(app)) == 2
    with pytest.raises(InvalidTransition):
        documents.withdraw(rev1, actor=manager)


def test_an_issued_revision_changes_only_through_a_new_revision(app, orgdata):
    manager = orgdata.user("manager_a")
    document = new_doc(orgdata)
    documents.issue(document, actor=manager)
    with pytest.raises(DomainError) as caught:
        documents.update_document(
            document,
            actor=manager,
            code=document.code,
            title="Another title",
            kind=document.kind,
            issue_date=document.issue_date,
            approver=document.approver,
            review_due=None,
        )
    assert caught.value.field == "title"


def test_issue_needs_an_approver_and_a_file(app, orgdata):
    manager = orgdata.user("manager_a")
    no_file = new_doc(orgdata, "BM-01", upload=None, kind="form")
    with pytest.raises(DomainError) as caught:
        documents.issue(no_file, actor=manager)
    assert caught.value.field == "file"
    no_approver = new_doc(orgdata, "BM-02", approver="")
    with pytest.raises(DomainError) as caught:
        documents.issue(no_approver, actor=manager)
    assert caught.value.field == "approver"


def test_bad_fields_are_named(app, orgdata):
    with pytest.raises(DomainError) as caught:
        new_doc(orgdata, clauses="7.5, 99.9")
    assert caught.value.field == "clauses" and "99.9" in caught.value.message
    new_doc(orgdata, "QT-05")
    with pytest.raises(DomainError) as caught:
        new_doc(orgdata, "QT-05")
    assert caught.value.field == "code"
    with pytest.raises(DomainError) as caught:
        new_doc(orgdata, "QT-06", issue_date=date(2018, 5, 1), review_due=date(2018, 1, 1))
    assert caught.value.field == "review_due"


def test_documents_past_their_review_date_are_flagged(app, orgdata):
    manager = orgdata.user("manager_a")
    due = new_doc(orgdata, "QT-01", issue_date=date(2018, 6, 30), review_due=date(2019, 6, 30))
    later = new_doc(orgdata, "QT-02", review_due=date(2030, 1, 1), upload=("b.png", PNG))
    draft = new_doc(orgdata, "QT-03", review_due=date(2019, 1, 1), upload=("c.docx", docx_bytes()))
    documents.issue(due, actor=manager)
    documents.issue(later, actor=manager)
    today = date(2020, 1, 1)
    assert documents.overdue_for_review(today=today) == [due]
    assert due.review_overdue(today) and not later.review_overdue(today) and not draft.review_overdue(today)
    assert documents.overdue_for_review(unit_ids={orgdata.unit_b.id}, today=today) == []


def test_only_the_units_manager_changes_its_documents(app, orgdata):
    for name in ("manager_b", "member_a", "steering"):
        with pytest.raises(NotAllowed):
            documents.create_document(
                orgdata.unit_a, actor=orgdata.user(name), code="QT-09", title="x", kind="form"
            )
