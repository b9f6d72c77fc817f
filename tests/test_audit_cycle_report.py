"""The end of an audit: the lead auditor's conclusion, the report submitted by the lead and returned or
approved (numbered and dated) by the steering committee, who may do each step, the exported report
with its number, place and date and signatures, and the demo round's conclusions."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest
from docx import Document
from flask import Flask
from sqlalchemy import select

from audits.models import Audit, AuditStatus, RefCounter
from audits.services import findings, planning
from cli import cli
from qms.extensions import db
from qms.models.org import User
from qms.services import issuing, org, settings
from qms.services.errors import DomainError, InvalidTransition, NotAllowed
from tests.audits_support import clause_ids, nonconformity, planned_audit
from tests.conftest import PASSWORD, Org

CONCLUSION = "Hệ thống quản lý chất lượng phù hợp với TCVN ISO 9001:2008 và được duy trì."

# who may do each action: the one table, read back per role
EXPECTED = {
    "start": {"steering"},
    "cancel": {"steering"},
    "submit_report": {"lead"},
    "return_report": {"steering"},
    "approve_report": {"steering"},
    "close": {"steering"},
}
ROLES = ["steering", "lead", "other_auditor", "leader", "manager"]


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def second_auditor(orgdata: Org) -> User:
    user = org.create_user(
        actor=None,
        email="auditor2@example.vn",
        full_name="Auditor Two",
        password=PASSWORD,
        roles=("auditor",),
    )
    db.session.commit()
    return user


def people(orgdata: Org, other: User) -> dict[str, User]:
    return {
        "steering": orgdata.user("steering"),
        "lead": orgdata.user("auditor"),
        "other_auditor": db.session.get(User, other.id),
        "leader": orgdata.user("leader"),
        "manager": orgdata.user("manager_a"),
    }


def concluded(orgdata: Org, audit: Audit, **extra: Any) -> Audit:
    values: dict[str, Any] = {
        "conformity": "conforms_with_ncs",
        "effective": True,
        "conclusion": CONCLUSION,
        "strengths": "Hồ sơ lưu đầy đủ.",
        "recommendations": "Rà soát danh mục tài liệu hằng quý.",
    }
    values.update(extra)
    planning.save_conclusion(audit, actor=orgdata.user("auditor"), **values)
    db.session.commit()
    return audit


def submitted(orgdata: Org, audit: Audit) -> Audit:
    concluded(orgdata, audit)
    planning.transition_audit(audit, "submit_report", actor=orgdata.user("auditor"))
    db.session.commit()
    return audit


def approved(orgdata: Org, audit: Audit, on: date = date(2018, 8, 10)) -> Audit:
    submitted(orgdata, audit)
    planning.transition_audit(audit, "approve_report", actor=orgdata.user("steering"), report_date=on)
    db.session.commit()
    return audit


def not_started(orgdata: Org) -> Audit:
    audit = planned_audit(orgdata)  # the programme, the auditor's competence
    steering = orgdata.user("steering")
    fresh = planning.create_audit(
        actor=steering,
        programme=audit.programme,
        planned_start=date(2018, 9, 4),
        planned_end=date(2018, 9, 4),
        units=[orgdata.unit_a],
        clause_ids=clause_ids("2008", "4.2.3"),
    )
    planning.assign_auditor(fresh, orgdata.user("auditor"), role="lead", actor=steering)
    db.session.commit()
    return fresh


# --- who may do what ---------------------------------------------------------------------------


def test_the_role_table_says_who_may_move_the_audit_at_each_step(orgdata: Org) -> None:
    other = second_auditor(orgdata)
    planned = not_started(orgdata)
    running = planned_audit(orgdata, start=date(2018, 9, 10))
    planning.assign_auditor(running, db.session.get(User, other.id), role="member", actor=orgdata.steering)
    planning.assign_auditor(planned, db.session.get(User, other.id), role="member", actor=orgdata.steering)
    reported = approved(orgdata, planned_audit(orgdata, start=date(2018, 7, 20)))
    waiting = submitted(orgdata, planned_audit(orgdata, start=date(2018, 7, 23)))
    cases = [
        (planned, ["start", "cancel"]),
        (running, ["submit_report", "cancel"]),
        (waiting, ["approve_report", "return_report"]),
        (reported, ["close", "return_report"]),
    ]
    users = people(orgdata, other)
    for audit, actions in cases:
        assert sorted(planning.AUDIT_TRANSITIONS[audit.status]) == sorted(actions)
        for role in ROLES:
            allowed = planning.allowed_audit_actions(audit, users[role])
            assert allowed == [a for a in planning.AUDIT_TRANSITIONS[audit.status] if role in EXPECTED[a]], (
                audit.status,
                role,
            )
            for action in actions:
                if role in EXPECTED[action]:
                    continue
                with pytest.raises(NotAllowed):
                    planning.transition_audit(
                        audit, action, actor=users[role], reason="lý do", report_date=date(2018, 9, 28)
                    )
                db.session.rollback()
    assert planning.allowed_audit_actions(running, None) == []


def test_audit_page_shows_only_the_buttons_of_the_signed_in_person(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    page = text(as_user("auditor").get(f"/audits/{audit.ref}"))
    assert 'value="submit_report"' in page and 'value="cancel"' not in page
    assert 'id="conclusion-form"' in page and "data-warn-unsaved" in page
    page = text(as_user("steering").get(f"/audits/{audit.ref}"))
    assert 'value="cancel"' in page and 'value="submit_report"' not in page
    assert 'id="conclusion-form"' not in page
    page = text(as_user("leader").get(f"/audits/{audit.ref}"))
    assert 'id="transitions"' not in page
    # a refused move through the web is a 403 and changes nothing
    response = as_user("leader").post(f"/audits/{audit.ref}/transition", data={"action": "submit_report"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).status == AuditStatus.IN_PROGRESS


# --- the conclusion ----------------------------------------------------------------------------


def test_the_lead_writes_the_conclusion_on_the_audit_page(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    form = {
        "conformity": "conforms",
        "effective": "yes",
        "conclusion": CONCLUSION,
        "strengths": "Công chức nắm vững quy trình.",
        "recommendations": "Công khai kết quả hằng tháng.",
    }
    assert as_user("manager_a").post(f"/audits/{audit.ref}/conclusion", data=form).status_code == 403
    response = as_user("steering").post(f"/audits/{audit.ref}/conclusion", data=form)
    assert response.status_code == 403
    response = as_user("auditor").post(f"/audits/{audit.ref}/conclusion", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("#audit-conclusion")
    db.session.expire_all()
    saved = db.session.get(Audit, audit.id)
    assert (saved.conformity, saved.effective, saved.conclusion) == ("conforms", True, CONCLUSION)
    assert saved.strengths == form["strengths"] and saved.recommendations == form["recommendations"]
    # a bad value is shown next to its field and what was typed stays in the form
    response = as_user("auditor").post(
        f"/audits/{audit.ref}/conclusion", data={**form, "conformity": "perfect", "conclusion": "Đang viết"}
    )
    page = text(response)
    assert response.status_code == 200 and "invalid-feedback" in page and "Đang viết" in page
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).conclusion == CONCLUSION


def test_submitting_needs_a_whole_conclusion(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    lead = orgdata.user("auditor")
    with pytest.raises(DomainError) as err:
        planning.transition_audit(audit, "submit_report", actor=lead)
    assert err.value.field == "conformity"
    concluded(orgdata, audit, effective=None)
    with pytest.raises(DomainError) as err:
        planning.transition_audit(audit, "submit_report", actor=lead)
    assert err.value.field == "effective"
    concluded(orgdata, audit, conclusion="   ")
    with pytest.raises(DomainError) as err:
        planning.transition_audit(audit, "submit_report", actor=lead)
    assert err.value.field == "conclusion"
    assert audit.status == AuditStatus.IN_PROGRESS
    with pytest.raises(DomainError) as err:
        planning.save_conclusion(audit, actor=lead, conformity="perfect", effective=True, conclusion="x")
    assert err.value.field == "conformity"
    concluded(orgdata, audit)
    planning.transition_audit(audit, "submit_report", actor=lead)
    assert audit.status == AuditStatus.REPORT_SUBMITTED
    assert audit.report_submitted_by_id == lead.id and audit.report_submitted_at is not None
    # once submitted, the conclusion is frozen
    with pytest.raises(InvalidTransition):
        planning.save_conclusion(audit, actor=lead, conformity="conforms", effective=True, conclusion="x")


def test_a_returned_report_needs_a_comment_and_goes_back_to_the_lead(as_user: Any, orgdata: Org) -> None:
    audit = submitted(orgdata, planned_audit(orgdata))
    steering = orgdata.user("steering")
    with pytest.raises(DomainError) as err:
        planning.transition_audit(audit, "return_report", actor=steering, reason="  ")
    assert err.value.field == "reason"
    db.session.rollback()
    client = as_user("steering")
    response = client.post(f"/audits/{audit.ref}/transition", data={"action": "return_report", "reason": ""})
    assert response.status_code == 200 and "invalid-feedback" in text(response)
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).status == AuditStatus.REPORT_SUBMITTED
    comment = "Bổ sung điểm mạnh của đơn vị."
    response = client.post(
        f"/audits/{audit.ref}/transition", data={"action": "return_report", "reason": comment}
    )
    assert response.status_code == 302
    db.session.expire_all()
    returned = db.session.get(Audit, audit.id)
    assert returned.status == AuditStatus.IN_PROGRESS and returned.report_return_comment == comment
    page = text(as_user("auditor").get(f"/audits/{audit.ref}"))
    assert comment in page and 'id="conclusion-form"' in page  # the lead edits it again
    concluded(orgdata, returned, strengths="Lãnh đạo phòng quan tâm chỉ đạo.")
    planning.transition_audit(returned, "submit_report", actor=orgdata.user("auditor"))
    assert returned.status == AuditStatus.REPORT_SUBMITTED


# --- approval: number and date -------------------------------------------------------------------


def test_approval_numbers_reports_in_the_series_consecutively_and_never_again(orgdata: Org) -> None:
    first = approved(orgdata, planned_audit(orgdata), on=date(2018, 7, 20))
    second = approved(orgdata, planned_audit(orgdata, start=date(2018, 7, 24)), on=date(2018, 7, 27))
    assert (first.report_number, second.report_number) == ("01/BC-BCĐ", "02/BC-BCĐ")
    assert first.report_date == date(2018, 7, 20) and first.report_approved_by_id == orgdata.steering.id
    assert first.status == AuditStatus.REPORTED
    # a deleted report's number is not given again
    db.session.delete(second)
    db.session.commit()
    third = approved(orgdata, planned_audit(orgdata, start=date(2018, 8, 1)), on=date(2018, 8, 3))
    assert third.report_number == "03/BC-BCĐ"
    assert db.session.get(RefCounter, "BC-BCĐ-2018").value == 3
    # the counter is per year: the first report dated in 2019 is 01 again
    late = approved(orgdata, planned_audit(orgdata, start=date(2018, 12, 27)), on=date(2019, 1, 3))
    assert late.report_number == "01/BC-BCĐ" and db.session.get(RefCounter, "BC-BCĐ-2019").value == 1


def test_the_series_and_place_come_from_the_settings_and_the_issue_is_registered(
    app: Flask, orgdata: Org
) -> None:
    settings.update({"steering_symbol": "ĐGNB", "place": "Cam Ranh"}, actor=None)
    audit = approved(orgdata, planned_audit(orgdata))
    assert audit.report_number == "01/BC-ĐGNB"
    issued = issuing.current_issue("audit_report", audit.ref)
    assert issued is not None and issued.number == "01/BC-ĐGNB" and issued.issued_on == audit.report_date
    kept = Document(BytesIO(issuing.issued_bytes(issued)))
    letterhead = kept.tables[0].rows[0].cells
    assert "Số: 01/BC-ĐGNB" in letterhead[0].text and "Cam Ranh, ngày" in letterhead[1].text
    # later changes to the data leave the issued copy as it was
    audit.conclusion = "Đã sửa sau khi ban hành."
    db.session.commit()
    again = Document(BytesIO(issuing.issued_bytes(issued)))
    assert "Đã sửa sau khi ban hành." not in "\n".join(p.text for p in again.paragraphs)


def test_the_report_date_is_not_in_the_future_nor_before_the_audit(orgdata: Org) -> None:
    audit = submitted(orgdata, planned_audit(orgdata, start=date(2018, 7, 17), end=date(2018, 7, 18)))
    steering = orgdata.user("steering")
    today = date(2018, 8, 1)
    for bad in (today + timedelta(days=1), date(2018, 7, 17)):
        with pytest.raises(DomainError) as err:
            planning.transition_audit(audit, "approve_report", actor=steering, report_date=bad, today=today)
        assert err.value.field == "report_date"
        assert audit.status == AuditStatus.REPORT_SUBMITTED and audit.report_number is None
    planning.transition_audit(audit, "approve_report", actor=steering, today=today)
    assert audit.report_date == today  # without a date: the day of approval


def test_steering_approves_on_the_page_and_a_future_date_is_refused(as_user: Any, orgdata: Org) -> None:
    audit = submitted(orgdata, planned_audit(orgdata))
    client = as_user("steering")
    page = text(client.get(f"/audits/{audit.ref}"))
    assert 'value="approve_report"' in page and 'value="return_report"' in page
    future = (date.today() + timedelta(days=3)).isoformat()
    response = client.post(
        f"/audits/{audit.ref}/transition", data={"action": "approve_report", "report_date": future}
    )
    page = text(response)
    assert response.status_code == 200 and "invalid-feedback" in page and f'value="{future}"' in page
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).report_number is None
    response = client.post(
        f"/audits/{audit.ref}/transition", data={"action": "approve_report", "report_date": "2018-08-10"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    done = db.session.get(Audit, audit.id)
    assert (done.status, done.report_number, done.report_date) == ("reported", "01/BC-BCĐ", date(2018, 8, 10))
    page = text(client.get(f"/audits/{audit.ref}"))
    assert "01/BC-BCĐ" in page and "10/08/2018" in page and CONCLUSION in page


# --- the exported report ---------------------------------------------------------------------------


def document_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def signature_cells(path: Path) -> list[str]:
    """The two cells of the signature block: title lines, blank lines, then the signatory's name."""
    document = docx.Document(str(path))
    for table in document.tables:
        cells = table.rows[0].cells
        if len(cells) == 2 and cells[0].text.startswith(("TRƯỞNG ĐOÀN", "LEAD AUDITOR")):
            return [cell.text.strip() for cell in cells]
    raise AssertionError("no signature block")


def test_exported_report_has_conclusion_number_place_date_and_signatures(
    app: Flask, orgdata: Org, runner: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    audit = planned_audit(orgdata, start=date(2018, 8, 8), end=date(2018, 8, 8))
    kept = nonconformity(
        orgdata, audit, statement="Danh mục tài liệu chưa cập nhật.", raised_on=date(2018, 8, 8)
    )
    gone = nonconformity(orgdata, audit, statement="Phát hiện đã rút lại.", raised_on=date(2018, 8, 8))
    draft = tmp_path / "draft.docx"
    result = runner.invoke(cli, args=["export", "audit-report", audit.ref, "-o", str(draft)])
    assert result.exit_code == 0, result.output
    content = document_text(draft)
    assert "DỰ THẢO" in content and re.search(r"Số:\s+/BC-BCĐ", content)
    assert "Chưa ghi nhận kết luận." in content

    findings.withdraw_finding(gone, actor=None, reason="Ghi nhầm đơn vị.")
    approved(orgdata, audit, on=date(2018, 8, 10))
    out = tmp_path / "report.docx"
    result = runner.invoke(cli, args=["export", "audit-report", audit.ref.lower(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    content = document_text(out)
    assert "Số: 01/BC-BCĐ" in content
    assert "Nha Trang, ngày 10 tháng 8 năm 2018" in content
    assert "DỰ THẢO" not in content
    assert CONCLUSION in content and "Hồ sơ lưu đầy đủ." in content
    assert "Rà soát danh mục tài liệu hằng quý." in content
    assert "Phù hợp, còn điểm không phù hợp phải khắc phục" in content
    assert "Được áp dụng và duy trì có hiệu lực" in content
    lead_cell, approver_cell = signature_cells(out)
    assert lead_cell.startswith("TRƯỞNG ĐOÀN ĐÁNH GIÁ") and lead_cell.endswith(orgdata.auditor.full_name)
    assert approver_cell.startswith("TM. BAN CHỈ ĐẠO ISO\nTRƯỞNG BAN")
    assert approver_cell.endswith(orgdata.steering.full_name)
    assert kept.statement in content and "Phát hiện đã rút lại." not in content

    english = tmp_path / "report-en.docx"
    result = runner.invoke(
        cli, args=["export", "audit-report", audit.ref, "-o", str(english), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    content = document_text(english)
    assert "No.: 01/BC-BCĐ" in content and "Nha Trang, 10 August 2018" in content
    assert "LEAD AUDITOR" in content and "ON BEHALF OF THE ISO STEERING COMMITTEE" in content
    assert "HEAD OF THE COMMITTEE" in content


def test_vietnamese_dates_of_issue_take_leading_zeros_where_the_rules_say(app: Flask) -> None:
    from qms.exports.layout import place_and_date

    assert place_and_date("Nha Trang", date(2018, 2, 5), "vi") == "Nha Trang, ngày 05 tháng 02 năm 2018"
    assert place_and_date("Nha Trang", date(2018, 12, 15), "vi") == "Nha Trang, ngày 15 tháng 12 năm 2018"


# --- the demo ----------------------------------------------------------------------------------------


def test_demo_reports_are_concluded_submitted_approved_and_numbered_in_order(app: Flask) -> None:
    from audits.services.demo import load_audit_demo
    from qms.services import demo

    for _ in range(2):  # idempotent
        demo.load_demo()
        load_audit_demo()
        db.session.commit()
    steering = org.user_by_email("steering@demo.qms.vn")
    audits = list(
        db.session.scalars(
            select(Audit)
            .where(Audit.year == 2018, Audit.status.in_(["reported", "closed"]))
            .order_by(Audit.report_date, Audit.ref)
        )
    )
    assert len(audits) == 10
    assert [a.report_number for a in audits] == [f"{n:02d}/BC-BCĐ" for n in range(1, 11)]
    conclusions = set()
    for audit in audits:
        assert audit.conformity and audit.effective is True
        assert "TCVN ISO 9001:2008" in audit.conclusion and "duy trì" in audit.conclusion
        assert audit.strengths and audit.recommendations
        assert audit.planned_end <= audit.report_date <= audit.planned_end + timedelta(days=5)
        assert audit.report_approved_by_id == steering.id
        assert audit.report_submitted_by_id == audit.lead.id
        assert audit.report_approved_at.year == 2018
        conclusions.add(audit.conclusion)
    assert len(conclusions) == 10  # written for each department
    assert db.session.get(RefCounter, "BC-BCĐ-2018").value == 10


def test_a_corrected_report_is_issued_again_under_a_new_number(orgdata: Org) -> None:
    audit = approved(orgdata, planned_audit(orgdata), on=date(2018, 7, 20))
    first = issuing.current_issue("audit_report", audit.ref)
    steering, lead = orgdata.user("steering"), orgdata.user("auditor")
    with pytest.raises(DomainError):  # a correction says what to correct
        planning.transition_audit(audit, "return_report", actor=steering, reason="")
    planning.transition_audit(audit, "return_report", actor=steering, reason="Sửa kết luận chung.")
    assert audit.status == AuditStatus.IN_PROGRESS
    planning.save_conclusion(
        audit, actor=lead, conformity="conforms", effective=True, conclusion="Kết luận đã sửa."
    )
    planning.transition_audit(audit, "submit_report", actor=lead)
    planning.transition_audit(audit, "approve_report", actor=steering, report_date=date(2018, 7, 25))
    db.session.commit()
    second = issuing.current_issue("audit_report", audit.ref)
    assert second.id != first.id and second.replaces_id == first.id
    assert (first.number, second.number, audit.report_number) == ("01/BC-BCĐ", "02/BC-BCĐ", "02/BC-BCĐ")
    assert "Kết luận đã sửa." in "\n".join(
        p.text for p in Document(BytesIO(issuing.issued_bytes(second))).paragraphs
    )
    assert "Kết luận đã sửa." not in "\n".join(
        p.text for p in Document(BytesIO(issuing.issued_bytes(first))).paragraphs
    )
