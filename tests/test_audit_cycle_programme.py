"""The audit programme's approval, audits that start only under an approved programme, the audit plan
sent to the audited units and acknowledged, follow-up audits planned in one step, audit edits that keep
the record whole, the team rules, and unit people reading their programme."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from io import BytesIO
from typing import Any

import docx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

from audits.models import Audit, AuditProgramme, AuditStatus, AuditUnit, FollowUpProposal
from audits.services import findings, planning, queries
from qms.extensions import db
from qms.models.history import HistoryEntry, HistoryLink
from qms.models.issuing import IssuedDocument
from qms.models.org import User
from qms.services import issuing, org
from qms.services.errors import DomainError, InvalidTransition, NotAllowed
from tests.audits_support import answered, approved_programme, nonconformity, planned_audit
from tests.conftest import PASSWORD, Org, build_app
from tests.mail_support import Mailbox, free_port

DECISION, DECIDED = "125/QĐ-UBND", date(2018, 7, 2)
CHANGE = {"edition": "2008", "objectives": "x", "scope": "", "notes": ""}


def page(response: Any) -> str:
    return response.get_data(as_text=True)


def draft_programme(orgdata: Org, year: int = 2018) -> AuditProgramme:
    programme = planning.create_programme(
        actor=orgdata.user("steering"), year=year, edition="2008", objectives="Mục tiêu"
    )
    db.session.commit()
    return programme


def new_audit(orgdata: Org, programme: AuditProgramme, *units: Any) -> Audit:
    audit = planning.create_audit(
        actor=orgdata.user("steering"),
        programme=programme,
        planned_start=date(2018, 7, 17),
        planned_end=date(2018, 7, 18),
        units=list(units) or [orgdata.unit_a],
    )
    db.session.commit()
    return audit


def second_auditor(orgdata: Org, email: str = "auditor2@example.vn") -> User:
    user = org.create_user(
        actor=None, email=email, full_name="Auditor Two", password=PASSWORD, roles=["auditor"]
    )
    db.session.commit()
    return user


def major_with_proposal(orgdata: Org, audit: Audit, statement: str) -> FollowUpProposal:
    finding = answered(orgdata, nonconformity(orgdata, audit, kind="major", statement=statement))
    findings.review_plan(finding, actor=orgdata.user("auditor"), accept=True)
    db.session.commit()
    proposal = db.session.scalar(select(FollowUpProposal).where(FollowUpProposal.finding_id == finding.id))
    assert proposal is not None
    return proposal


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("QMS_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    monkeypatch.setenv("QMS_MAIL_FROM", "QMS Tracker <qms@example.vn>")
    try:
        yield mailbox
    finally:
        controller.stop()


# --- 1. editing a programme saves ------------------------------------------------------------


def test_editing_a_programme_saves_and_shows_the_new_objectives(as_user: Any, orgdata: Org) -> None:
    draft_programme(orgdata)
    client = as_user("steering")
    form = page(client.get("/audits/programmes/2018/edit"))
    assert 'name="year"' not in form and "data-warn-unsaved" in form
    response = client.post(
        "/audits/programmes/2018/edit",
        data={"edition": "2008", "objectives": "Đánh giá toàn bộ 10 phòng", "scope": "10 phòng", "notes": ""},
    )
    assert response.status_code == 302
    assert "Đánh giá toàn bộ 10 phòng" in page(client.get("/audits/programmes/2018"))
    db.session.expire_all()
    assert planning.require_programme(2018).objectives == "Đánh giá toàn bộ 10 phòng"


# --- 2. programme workflow -------------------------------------------------------------------


def test_programme_workflow_steering_submits_a_leader_approves_with_the_decision(orgdata: Org) -> None:
    programme = draft_programme(orgdata)
    steering, leader = orgdata.user("steering"), orgdata.user("leader")
    assert set(planning.PROGRAMME_TRANSITIONS) == {"draft", "submitted", "approved", "returned"}
    assert planning.allowed_programme_actions(programme, steering) == ["submit"]
    assert planning.allowed_programme_actions(programme, leader) == []
    with pytest.raises(InvalidTransition):  # a draft is not approved before it is submitted
        planning.approve_programme(programme, actor=leader, decision_number="1", decision_date=DECIDED)
    with pytest.raises(NotAllowed):
        planning.submit_programme(programme, actor=leader)
    planning.submit_programme(programme, actor=steering)
    assert programme.status == "submitted" and programme.submitted_by_id == steering.id
    with pytest.raises(DomainError) as locked:
        planning.update_programme(programme, actor=steering, **CHANGE)
    assert "can no longer be changed" in str(locked.value.message)
    with pytest.raises(NotAllowed):
        planning.approve_programme(
            programme, actor=steering, decision_number="125/QĐ-UBND", decision_date=date(2018, 7, 2)
        )
    with pytest.raises(DomainError) as missing:
        planning.approve_programme(programme, actor=leader, decision_number=" ", decision_date=DECIDED)
    assert missing.value.field == "decision_number"
    with pytest.raises(DomainError) as no_date:
        planning.approve_programme(programme, actor=leader, decision_number=DECISION, decision_date=None)
    assert no_date.value.field == "decision_date"
    planning.approve_programme(
        programme, actor=leader, decision_number="125/QĐ-UBND", decision_date=date(2018, 7, 2)
    )
    db.session.commit()
    assert programme.status == "approved" and programme.approved_by_id == leader.id
    assert (programme.decision_number, programme.decision_date) == ("125/QĐ-UBND", date(2018, 7, 2))
    with pytest.raises(InvalidTransition):  # approved: locked
        planning.update_programme(programme, actor=steering, **CHANGE)
    # approval issued it: numbered, registered with the decision's date, kept as issued
    issued = issuing.current_issue("audit_programme", str(programme.year))
    assert issued.number == "01/CTr-BCĐ" and issued.issued_on == date(2018, 7, 2)
    kept = docx.Document(BytesIO(issuing.issued_bytes(issued)))
    assert "Số: 01/CTr-BCĐ" in kept.tables[0].rows[0].cells[0].text
    decision = "(Ban hành kèm theo Quyết định số 125/QĐ-UBND ngày 02/07/2018)"
    assert decision in [p.text for p in kept.paragraphs]


def test_a_returned_programme_is_a_draft_again_and_its_author_never_approves_it(orgdata: Org) -> None:
    both = org.create_user(
        actor=None, email="both@example.vn", full_name="Both", password=PASSWORD, roles=["steering", "leader"]
    )
    programme = planning.create_programme(actor=both, year=2019, edition="2015")
    planning.submit_programme(programme, actor=both)
    with pytest.raises(NotAllowed) as refused:  # drafted and submitted it: never approves it
        planning.approve_programme(programme, actor=both, decision_number="9/QĐ", decision_date=DECIDED)
    assert "another leader" in str(refused.value.message)
    assert planning.allowed_programme_actions(programme, both) == []
    leader = orgdata.user("leader")
    with pytest.raises(DomainError) as no_comment:
        planning.return_programme(programme, actor=leader, comment="  ")
    assert no_comment.value.field == "comment"
    planning.return_programme(programme, actor=leader, comment="Thêm phường Lộc Thọ")
    assert programme.status == "returned" and programme.is_editable
    planning.update_programme(programme, actor=both, edition="2015", objectives="Sửa", scope="", notes="")
    planning.submit_programme(programme, actor=orgdata.user("steering"))
    # the leader who returned it may still approve it: a decision does not make them an author
    planning.approve_programme(programme, actor=leader, decision_number="10/QĐ", decision_date=DECIDED)
    assert programme.status == "approved" and programme.return_comment == ""


def test_leader_approves_or_returns_on_the_programme_page(as_user: Any, orgdata: Org) -> None:
    programme = draft_programme(orgdata)
    client = as_user("steering")
    assert 'id="programme-decision"' not in page(client.get("/audits/programmes/2018"))
    assert client.post("/audits/programmes/2018/submit").status_code == 302
    for name in ("steering", "auditor", "manager_a", "member_a", "outsider"):
        response = as_user(name).post("/audits/programmes/2018/decision", data={"decision": "approve"})
        assert response.status_code == 403
    client = as_user("leader")
    assert 'id="programme-decision"' in page(client.get("/audits/programmes/2018"))
    # a missing decision number is shown next to its field, the typed date kept
    response = client.post(
        "/audits/programmes/2018/decision", data={"decision": "approve", "decision_date": "2018-07-02"}
    )
    assert response.status_code == 200
    body = page(response)
    assert "is-invalid" in body and 'value="2018-07-02"' in body
    response = client.post(
        "/audits/programmes/2018/decision",
        data={"decision": "approve", "decision_number": "125/QĐ-UBND", "decision_date": "2018-07-02"},
    )
    assert response.status_code == 302
    body = page(client.get("/audits/programmes/2018"))
    assert "125/QĐ-UBND" in body and "02/07/2018" in body and 'data-status="approved"' in body
    db.session.expire_all()
    assert db.session.get(AuditProgramme, programme.id).approved_by_id == orgdata.leader.id
    # approved: steering no longer edits it
    steering = as_user("steering")
    assert steering.get("/audits/programmes/2018/edit").status_code == 302
    assert 'id="edit-programme"' not in page(steering.get("/audits/programmes/2018"))


def test_return_on_the_page_shows_the_comment_and_reopens_editing(as_user: Any, orgdata: Org) -> None:
    draft_programme(orgdata)
    as_user("steering").post("/audits/programmes/2018/submit")
    client = as_user("leader")
    assert client.post("/audits/programmes/2018/decision", data={"decision": "return"}).status_code == 200
    client.post("/audits/programmes/2018/decision", data={"decision": "return", "comment": "Bổ sung phạm vi"})
    body = page(as_user("steering").get("/audits/programmes/2018"))
    assert 'id="return-comment"' in body and "Bổ sung phạm vi" in body and 'id="edit-programme"' in body


# --- 3. no audit starts before its programme is approved -------------------------------------


def test_no_audit_starts_before_its_programme_is_approved(orgdata: Org) -> None:
    programme = draft_programme(orgdata)
    audit = new_audit(orgdata, programme)
    steering, leader = orgdata.user("steering"), orgdata.user("leader")
    planning.assign_auditor(audit, orgdata.user("auditor"), role="lead", actor=steering)
    planning.acknowledge_competence(audit.team[0], actor=steering)
    with pytest.raises(DomainError) as refused:
        planning.require_programme_approved(audit)
    assert "2018" in str(refused.value.message) and "not approved" in str(refused.value.message)
    with pytest.raises(DomainError):
        planning.transition_audit(audit, "start", actor=steering)
    assert audit.status == "planned"
    planning.submit_programme(programme, actor=steering)
    planning.approve_programme(programme, actor=leader, decision_number=DECISION, decision_date=DECIDED)
    planning.transition_audit(audit, "start", actor=steering)
    assert audit.status == "in_progress"


# --- 4. the plan sent to the units -----------------------------------------------------------


def plan_ready(orgdata: Org) -> Audit:
    programme = approved_programme(orgdata)
    audit = new_audit(orgdata, programme, orgdata.unit_a, orgdata.city)
    planning.assign_auditor(audit, orgdata.user("auditor"), role="lead", actor=orgdata.user("steering"))
    planning.add_agenda_item(
        audit, actor=None, day=date(2018, 7, 17), time="08:00", activity="Họp khai mạc", auditee_contact="TP"
    )
    manager_city = org.create_user(
        actor=None, email="manager.city@example.vn", full_name="City", password=PASSWORD, language="en"
    )
    org.add_membership(manager_city, orgdata.city, "manager", actor=None)
    db.session.commit()
    return audit


def test_sending_the_plan_mails_every_audited_units_managers(orgdata: Org, mail_server: Mailbox) -> None:
    audit = plan_ready(orgdata)
    sending = planning.send_plan(audit, actor=orgdata.user("auditor"), base_url="https://qms.example.vn/")
    db.session.commit()
    assert sending.mail_configured and sending.mailed == 2
    mails = mail_server.by_recipient()
    assert set(mails) == {"manager.a@example.vn", "manager.city@example.vn"}
    english = mails["manager.city@example.vn"]
    assert english["Subject"] == f"Audit plan {audit.ref}: please acknowledge it"
    body = english.get_content()
    assert "CITY" in body and "2018-07-17" in body and "Họp khai mạc" in body
    assert f"https://qms.example.vn/audits/{audit.ref}" in body
    assert audit.plan_sent_by_id == orgdata.auditor.id and audit.plan_sent_at is not None


def test_plan_without_mail_is_recorded_acknowledged_per_unit_and_reset_when_changed(
    orgdata: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QMS_SMTP_URL", raising=False)
    audit = plan_ready(orgdata)
    manager_a, manager_b = orgdata.user("manager_a"), orgdata.user("manager_b")
    with pytest.raises(NotAllowed):
        planning.send_plan(audit, actor=manager_a)
    with pytest.raises(InvalidTransition):  # not sent yet
        planning.acknowledge_plan(audit, orgdata.unit_a, actor=manager_a)
    sending = planning.send_plan(audit, actor=orgdata.user("steering"))
    assert not sending.mail_configured and sending.mailed == 0
    assert {u.email for u in sending.recipients} == {"manager.a@example.vn", "manager.city@example.vn"}
    assert [link.unit.code for link in queries.my_work(manager_a).plans_to_acknowledge] == ["P-A"]
    with pytest.raises(NotAllowed):
        planning.acknowledge_plan(audit, orgdata.unit_a, actor=manager_b)
    with pytest.raises(NotAllowed):
        planning.acknowledge_plan(audit, orgdata.unit_a, actor=orgdata.user("member_a"))
    link = planning.acknowledge_plan(audit, orgdata.unit_a, actor=manager_a)
    assert link.plan_acknowledged_by_id == manager_a.id
    assert queries.my_work(manager_a).plans_to_acknowledge == []
    assert [link.unit.code for link in planning.plan_waiting_units(audit)] == ["CITY"]
    # sent again unchanged: the acknowledgement stays, only the waiting unit is reminded
    again = planning.send_plan(audit, actor=orgdata.user("steering"))
    assert not again.acknowledgements_reset
    assert [u.email for u in again.recipients] == ["manager.city@example.vn"]
    # the plan changes: it is flagged, and sending it again resets every acknowledgement
    planning.add_agenda_item(audit, actor=None, day=date(2018, 7, 18), time="15:00", activity="Họp kết thúc")
    assert planning.plan_changed_since_sent(audit)
    changed = planning.send_plan(audit, actor=orgdata.user("steering"))
    assert changed.acknowledgements_reset
    assert all(link.plan_acknowledged_at is None for link in audit.unit_links)
    assert not planning.plan_changed_since_sent(audit)
    db.session.commit()
    # sending issued the plan: numbered, registered and kept; the changed plan replaced the first
    first, second = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.source_ref == audit.ref).order_by(IssuedDocument.id)
    ).all()
    assert (first.number, second.number) == ("01/KH-BCĐ", "02/KH-BCĐ") and second.replaces_id == first.id
    sent = docx.Document(BytesIO(issuing.issued_bytes(second)))
    assert "Số: 02/KH-BCĐ" in sent.tables[0].rows[0].cells[0].text
    assert "Họp kết thúc" in "\n".join(c.text for t in sent.tables for r in t.rows for c in r.cells)


def test_plan_pages_per_role(as_user: Any, orgdata: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QMS_SMTP_URL", raising=False)
    audit = plan_ready(orgdata)
    send = f"/audits/{audit.ref}/plan/send"
    for name in ("leader", "manager_a", "member_a"):
        assert as_user(name).post(send).status_code == 403
    assert as_user("outsider").post(send).status_code == 403
    client = as_user("auditor")  # the lead auditor
    assert 'id="send-plan"' in page(client.get(f"/audits/{audit.ref}"))
    assert client.post(send).status_code == 302
    assert 'id="send-plan"' not in page(as_user("manager_a").get(f"/audits/{audit.ref}"))
    ack = f"/audits/{audit.ref}/plan/acknowledge/{orgdata.unit_a.id}"
    for name in ("member_a", "manager_b", "steering", "outsider"):
        assert as_user(name).post(ack).status_code == 403
    client = as_user("manager_a")
    work = page(client.get("/audits/my-work"))
    assert 'id="plans-to-acknowledge"' in work and audit.ref in work
    assert client.post(ack).status_code == 302
    assert 'id="plans-to-acknowledge"' not in page(client.get("/audits/my-work"))
    body = page(client.get(f"/audits/{audit.ref}"))
    assert "Manager.A" in body.split('id="plan-units"')[1].split("</table>")[0]
    db.session.expire_all()
    link = db.session.get(AuditUnit, (audit.id, orgdata.unit_a.id))
    assert link.plan_acknowledged_by_id == orgdata.manager_a.id


# --- 5. follow-up audits in one step ---------------------------------------------------------


def test_follow_up_audits_are_planned_together_or_not_at_all(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    first = major_with_proposal(orgdata, audit, "Hồ sơ trễ hạn.")
    second = major_with_proposal(orgdata, audit, "Sổ theo dõi thiếu.")
    programme, steering = audit.programme, orgdata.user("steering")
    second.due_on = date(2019, 1, 15)  # after programme 2018: refused, and nothing is planned
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        planning.plan_follow_up_audits(programme, [first, second], actor=steering)
    assert second.finding.label in str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Audit.id))) == 1
    assert db.session.get(FollowUpProposal, first.id).status == "proposed"
    second = db.session.get(FollowUpProposal, second.id)
    second.due_on = date(2018, 11, 5)
    with pytest.raises(NotAllowed):
        planning.plan_follow_up_audits(programme, [first, second], actor=orgdata.user("auditor"))
    planned = planning.plan_follow_up_audits(programme, [first, second], actor=steering)
    assert [a.kind for a in planned] == ["follow_up", "follow_up"]
    assert {a.planned_start for a in planned} == {date(2018, 9, 30), date(2018, 11, 5)}
    assert first.status == second.status == "accepted"


def test_follow_ups_form_on_the_programme_page(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    one = major_with_proposal(orgdata, audit, "Hồ sơ trễ hạn.")
    two = major_with_proposal(orgdata, audit, "Sổ theo dõi thiếu.")
    url = "/audits/programmes/2018/follow-ups"
    for name in ("leader", "auditor", "manager_a", "outsider"):
        assert as_user(name).post(url, data={"proposal_ids": [one.id]}).status_code == 403
    client = as_user("steering")
    body = page(client.get("/audits/programmes/2018"))
    assert 'id="follow-ups"' in body and f'value="{one.id}"' in body and f'value="{two.id}"' in body
    response = client.post(url, data={})
    assert response.status_code == 200 and "invalid-feedback" in page(response)
    response = client.post(url, data={"proposal_ids": [one.id, two.id]})
    assert response.status_code == 302
    refs = db.session.scalars(select(Audit.ref).where(Audit.kind == "follow_up").order_by(Audit.ref)).all()
    assert refs == ["DG-2018-02", "DG-2018-03"]


# --- 6. audit edits keep the record whole ----------------------------------------------------


def edit_form(audit: Audit, **changes: Any) -> dict[str, Any]:
    data = {
        "kind": audit.kind,
        "planned_start": audit.planned_start.isoformat(),
        "planned_end": audit.planned_end.isoformat(),
        "unit_ids": sorted(audit.unit_ids),
        "clause_ids": [link.clause_id for link in audit.clause_links],
        "processes": audit.processes,
        "process_code": audit.process_code or "",
        "objectives": audit.objectives,
    }
    data.update(changes)
    return data


def update(audit: Audit, orgdata: Org, **changes: Any) -> Audit:
    values: dict[str, Any] = {
        "planned_start": audit.planned_start,
        "planned_end": audit.planned_end,
        "units": audit.units,
        "clause_ids": [link.clause_id for link in audit.clause_links],
        "kind": audit.kind,
        "objectives": audit.objectives,
        "processes": audit.processes,
    }
    values.update(changes)
    return planning.update_audit(audit, actor=orgdata.user("steering"), **values)


def test_audit_edits_keep_findings_and_agenda_inside(orgdata: Org) -> None:
    audit = planned_audit(orgdata, start=date(2018, 7, 17), end=date(2018, 7, 19))
    update(audit, orgdata, units=[orgdata.unit_a, orgdata.city])
    finding = nonconformity(orgdata, audit, unit=orgdata.city, raised_on=date(2018, 7, 18))
    with pytest.raises(DomainError) as removed:
        update(audit, orgdata, units=[orgdata.unit_a])
    assert removed.value.field == "unit_ids"
    assert "CITY" in str(removed.value.message) and finding.label in str(removed.value.message)
    with pytest.raises(DomainError) as moved:
        update(audit, orgdata, planned_start=date(2018, 7, 19), planned_end=date(2018, 7, 20))
    assert moved.value.field == "planned_start" and finding.label in str(moved.value.message)
    db.session.rollback()
    audit = db.session.get(Audit, audit.id)
    planning.add_agenda_item(audit, actor=None, day=date(2018, 7, 19), time="15:00", activity="Họp kết thúc")
    with pytest.raises(DomainError) as agenda:
        update(audit, orgdata, planned_end=date(2018, 7, 18))
    assert agenda.value.field == "planned_end" and "Họp kết thúc" in str(agenda.value.message)
    update(audit, orgdata, planned_start=date(2018, 7, 16))  # still holds every day: accepted
    assert audit.planned_start == date(2018, 7, 16)


def test_audit_edit_page_shows_the_refusal_next_to_the_field_and_keeps_the_input(
    as_user: Any, orgdata: Org
) -> None:
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    client = as_user("steering")
    response = client.post(
        f"/audits/{audit.ref}/edit",
        data=edit_form(
            audit, planned_start="2018-07-20", planned_end="2018-07-21", objectives="Mục tiêu mới gõ"
        ),
    )
    assert response.status_code == 200
    body = page(response)
    start_field = body.split('name="planned_start"')[1][:400]
    assert finding.label in body and "invalid-feedback" in start_field
    assert 'value="2018-07-20"' in body and "Mục tiêu mới gõ" in body
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).planned_start == date(2018, 7, 17)


# --- 7. team rules ---------------------------------------------------------------------------


def test_one_lead_replaced_explicitly_and_kept_in_the_history(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    steering, other = orgdata.user("steering"), second_auditor(orgdata)
    with pytest.raises(DomainError) as second_lead:
        planning.assign_auditor(audit, other, role="lead", actor=steering)
    assert second_lead.value.field == "role" and "already a lead auditor" in str(second_lead.value.message)
    member = planning.assign_auditor(audit, other, role="member", actor=steering).member
    with pytest.raises(NotAllowed):
        planning.make_lead(member, actor=orgdata.user("auditor"))
    planning.make_lead(member, actor=steering)
    db.session.commit()
    assert audit.lead.id == other.id
    assert [m.role for m in audit.team if m.user_id == orgdata.auditor.id] == ["member"]
    entries = db.session.scalars(
        select(HistoryEntry)
        .join(HistoryLink, HistoryLink.entry_id == HistoryEntry.id)
        .where(HistoryLink.record_type == "audit", HistoryLink.record_id == str(audit.id))
        .where(HistoryEntry.record_type == "audit_team_member", HistoryEntry.action == "update")
    ).all()
    assert {tuple(e.changes["role"]) for e in entries} == {("lead", "member"), ("member", "lead")}
    with pytest.raises(InvalidTransition):
        planning.make_lead(member, actor=steering)


def test_nobody_acknowledges_a_competence_warning_about_themselves(orgdata: Org) -> None:
    audit = planned_audit(orgdata, competent=False)
    lead_member = audit.team[0]
    assert lead_member.acknowledged_by_id == orgdata.steering.id  # steering, not the lead himself
    other = second_auditor(orgdata)
    member = planning.assign_auditor(audit, other, role="member", actor=orgdata.user("steering")).member
    assert member.needs_acknowledgement
    with pytest.raises(NotAllowed):
        planning.acknowledge_competence(member, actor=other)
    with pytest.raises(NotAllowed):
        planning.acknowledge_competence(member, actor=orgdata.user("manager_a"))
    assert [m.id for m in queries.my_work(orgdata.user("auditor")).acknowledgements] == [member.id]
    assert queries.my_work(other).acknowledgements == []
    planning.acknowledge_competence(member, actor=orgdata.user("auditor"))  # the lead, about another
    assert member.acknowledged_by_id == orgdata.auditor.id


def test_team_pages_make_lead_and_confirm_removals(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    other = second_auditor(orgdata)
    member = planning.assign_auditor(audit, other, role="member", actor=orgdata.user("steering")).member
    db.session.commit()
    url = f"/audits/{audit.ref}/team/{member.id}/lead"
    for name in ("auditor", "leader", "manager_a"):
        assert as_user(name).post(url).status_code == 403
    client = as_user("steering")
    body = page(client.get(f"/audits/{audit.ref}"))
    team = body.split('id="team"')[1].split("</section>")[0]
    assert f'action="{url}"' in team
    assert team.count("data-confirm=") >= 3  # two removals and the make-lead action
    response = client.post(f"/audits/{audit.ref}/team", data={"user_id": other.id, "role": "lead"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).lead.id == orgdata.auditor.id  # a second lead was refused
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Audit, audit.id).lead.id == other.id


# --- 8. unit people read their programme -----------------------------------------------------


def test_unit_people_see_their_programme_with_only_their_units_audits(as_user: Any, orgdata: Org) -> None:
    audit_a = planned_audit(orgdata)
    audit_b = planning.create_audit(
        actor=orgdata.user("steering"),
        programme=audit_a.programme,
        planned_start=date(2018, 8, 1),
        planned_end=date(2018, 8, 1),
        units=[orgdata.unit_b],
    )
    db.session.commit()
    for name in ("steering", "leader", "auditor"):
        body = page(as_user(name).get("/audits/programmes/2018"))
        assert audit_a.ref in body and audit_b.ref in body
    a_b, b_a = (audit_a, audit_b), (audit_b, audit_a)
    people = (("manager_a", *a_b), ("member_a", *a_b), ("manager_b", *b_a))
    for name, mine, other in people:
        client = as_user(name)
        home = page(client.get("/"))
        assert 'href="/audits/programmes"' in home  # reachable from the menu
        assert client.get("/audits/programmes").status_code == 200
        body = page(client.get("/audits/programmes/2018"))
        calendar = body.split('id="calendar"')[1].split("</table>")[0]
        assert mine.ref in calendar and other.ref not in calendar
        assert 'id="units-due"' not in body and 'id="download-findings"' not in body
        assert 'href="/audits/programmes"' in page(client.get(f"/audits/{mine.ref}"))
    client = as_user("outsider")
    assert client.get("/audits/programmes").status_code == 403
    assert client.get("/audits/programmes/2018").status_code == 403
    assert 'href="/audits/programmes"' not in page(client.get("/"))
    for name in ("manager_a", "member_a", "leader", "auditor", "outsider"):
        assert as_user(name).post("/audits/programmes/2018/submit").status_code == 403


# --- the migration ---------------------------------------------------------------------------


def test_migration_keeps_approved_programmes_approved(tmp_path: Any) -> None:
    from flask_migrate import upgrade

    from qms.paths import MIGRATIONS_DIR

    app = build_app(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="a4audits01")
        for year, approved in ((2017, "'2017-07-02 08:00:00'"), (2018, "NULL")):
            db.session.execute(
                text(
                    "INSERT INTO audit_programme (year, objectives, scope, edition, notes, approved_at,"
                    f" created_at) VALUES ({year}, '', '', '2008', '', {approved}, '2017-01-01 00:00:00')"
                )
            )
        db.session.commit()
        upgrade(directory=str(MIGRATIONS_DIR), revision="a9programme")
        rows = dict(db.session.execute(text("SELECT year, status FROM audit_programme")).all())
        assert rows == {2017: "approved", 2018: "draft"}
        db.session.remove()
        db.engine.dispose()


def test_the_agenda_of_a_reported_audit_does_not_change(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    steering = orgdata.user("steering")
    item = planning.add_agenda_item(
        audit, actor=steering, day=audit.planned_start, time="08:00", activity="Họp mở đầu"
    )
    audit.status = AuditStatus.REPORTED
    with pytest.raises(InvalidTransition):
        planning.delete_agenda_item(item, actor=steering)
    with pytest.raises(InvalidTransition):
        planning.add_agenda_item(audit, actor=steering, day=audit.planned_start, time="", activity="Thêm")
