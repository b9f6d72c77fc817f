"""Audit rules through the services: independence, warnings, workflows, numbering, the effectiveness
loop, overdue, optimistic locking, follow-up proposals, attachments and bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from audits.models import AuditStatus, Finding, FindingStatus, FollowUpProposal, RefCounter
from audits.services import attachments, checklists, findings, planning, queries
from qms.extensions import db
from qms.models.history import HistoryEntry
from qms.services import org
from qms.services.errors import DomainError, InvalidTransition, NotAllowed
from tests.audits_support import answered, approved_programme, clause_ids, nonconformity, planned_audit
from tests.conftest import Org
from tests.q3_support import PNG


def test_auditor_from_an_audited_unit_is_refused_with_the_unit_named(orgdata: Org) -> None:
    steering = orgdata.user("steering")
    programme = planning.create_programme(actor=steering, year=2018, edition="2008")
    audit = planning.create_audit(
        actor=steering,
        programme=programme,
        planned_start=date(2018, 7, 17),
        planned_end=date(2018, 7, 18),
        units=[orgdata.unit_b],
    )
    with pytest.raises(DomainError) as err:
        planning.assign_auditor(audit, orgdata.user("auditor"), role="lead", actor=steering)
    assert "P-B" in str(err.value.message) and err.value.field == "user_id"
    assert audit.team == []


def test_double_booking_and_missing_competence_are_warnings(orgdata: Org) -> None:
    first = planned_audit(orgdata, start=date(2018, 7, 17), end=date(2018, 7, 19), competent=False)
    assert first.team[0].competence_warning and first.team[0].acknowledged_at is not None
    steering = orgdata.user("steering")
    second = planning.create_audit(
        actor=steering,
        programme=first.programme,
        planned_start=date(2018, 7, 19),
        planned_end=date(2018, 7, 19),
        units=[orgdata.unit_a],
    )
    result = planning.assign_auditor(second, orgdata.user("auditor"), role="lead", actor=steering)
    text = " ".join(result.warnings)
    assert first.ref in text and "2008" in text
    assert result.member.needs_acknowledgement


def test_start_waits_for_the_lead_to_acknowledge_a_competence_warning(orgdata: Org) -> None:
    steering, auditor = orgdata.user("steering"), orgdata.user("auditor")
    programme = approved_programme(orgdata, 2018, "2015")
    audit = planning.create_audit(
        actor=steering,
        programme=programme,
        planned_start=date(2018, 7, 17),
        planned_end=date(2018, 7, 17),
        units=[orgdata.unit_a],
    )
    member = planning.assign_auditor(audit, auditor, role="lead", actor=steering).member
    with pytest.raises(DomainError) as err:
        planning.transition_audit(audit, "start", actor=steering)
    assert auditor.full_name in str(err.value.message)
    with pytest.raises(NotAllowed):  # the warning is about the lead himself: never his to acknowledge
        planning.acknowledge_competence(member, actor=auditor)
    planning.acknowledge_competence(member, actor=steering)
    planning.transition_audit(audit, "start", actor=steering)
    assert audit.status == AuditStatus.IN_PROGRESS
    assert member.acknowledged_by_id == steering.id


def test_audit_transitions_come_from_one_table_and_are_in_the_history(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    steering = orgdata.user("steering")
    lead = orgdata.user("auditor")
    assert planning.allowed_audit_actions(audit, steering) == ["cancel"]
    assert planning.allowed_audit_actions(audit, lead) == ["submit_report"]
    with pytest.raises(InvalidTransition):
        planning.transition_audit(audit, "close", actor=steering)
    with pytest.raises(DomainError) as err:
        planning.transition_audit(audit, "cancel", actor=steering, reason=" ")
    assert err.value.field == "reason"
    with pytest.raises(NotAllowed):
        planning.transition_audit(audit, "submit_report", actor=orgdata.user("manager_a"))
    planning.save_conclusion(
        audit, actor=lead, conformity="conforms", effective=True, conclusion="Hệ thống phù hợp."
    )
    planning.transition_audit(audit, "submit_report", actor=lead)  # the lead submits the report
    db.session.commit()
    changes = [
        e.changes["status"]
        for e in db.session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "audit"))
        if "status" in e.changes
    ]
    assert ["planned", "in_progress"] in changes and ["in_progress", "report_submitted"] in changes


def test_audit_close_needs_every_nonconformity_closed(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    nonconformity(orgdata, audit)
    lead = orgdata.user("auditor")
    planning.save_conclusion(
        audit, actor=lead, conformity="conforms_with_ncs", effective=True, conclusion="Phù hợp."
    )
    planning.transition_audit(audit, "submit_report", actor=lead)
    planning.transition_audit(audit, "approve_report", actor=orgdata.user("steering"))
    with pytest.raises(DomainError, match="NC-2018-001"):
        planning.transition_audit(audit, "close", actor=orgdata.user("steering"))


def test_bad_audit_input_is_refused(orgdata: Org) -> None:
    steering = orgdata.user("steering")
    programme = planning.create_programme(actor=steering, year=2018, edition="2008")
    with pytest.raises(DomainError) as err:
        planning.create_audit(
            actor=steering,
            programme=programme,
            planned_start=date(2018, 7, 20),
            planned_end=date(2018, 7, 17),
            units=[orgdata.unit_a],
        )
    assert err.value.field == "planned_end"
    with pytest.raises(DomainError) as err:
        planning.create_audit(
            actor=steering,
            programme=programme,
            planned_start=date(2018, 7, 17),
            planned_end=date(2018, 7, 17),
            units=[orgdata.unit_a],
            clause_ids=clause_ids("2015", "6.1"),
        )
    assert err.value.field == "clause_ids"
    with pytest.raises(NotAllowed):
        planning.create_audit(
            actor=orgdata.user("auditor"),
            programme=programme,
            planned_start=date(2018, 7, 17),
            planned_end=date(2018, 7, 17),
            units=[orgdata.unit_a],
        )
    db.session.rollback()
    assert db.session.scalar(select(RefCounter.value).where(RefCounter.scope == "DG-2018")) is None


def test_references_are_sequential_per_year_and_never_reused(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    assert audit.ref == "DG-2018-01"
    refs = [nonconformity(orgdata, audit).ref for _ in range(3)]
    assert refs == ["NC-2018-001", "NC-2018-002", "NC-2018-003"]
    observation = nonconformity(orgdata, audit, kind="observation")
    assert observation.ref is None and observation.status == FindingStatus.NOTED
    last = db.session.scalar(select(Finding).where(Finding.ref == "NC-2018-003"))
    db.session.delete(last)
    db.session.commit()
    assert nonconformity(orgdata, audit).ref == "NC-2018-004"
    audit_2019 = planned_audit(orgdata, start=date(2019, 1, 3))  # a finding is dated within its audit
    other_year = nonconformity(orgdata, audit_2019, raised_on=date(2019, 1, 3))
    assert other_year.ref == "NC-2019-001"


def test_bad_finding_input_is_refused_and_nothing_written(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    auditor = orgdata.user("auditor")
    base = {"kind": "minor", "edition": "2008", "clause": "4.2.3", "unit": orgdata.unit_a, "statement": "x"}
    for change, field in [
        ({"clause": "10.2"}, "clause"),  # a 2015 clause, not in 2008
        ({"statement": "   "}, "statement"),
        ({"unit": orgdata.unit_b}, "unit_id"),
        ({"kind": "critical"}, "kind"),
    ]:
        with pytest.raises(DomainError) as err:
            findings.create_finding(audit, actor=auditor, **{**base, **change})
        assert err.value.field == field
        db.session.rollback()
    assert db.session.scalar(select(Finding.id)) is None
    with pytest.raises(NotAllowed):
        findings.create_finding(audit, actor=orgdata.user("manager_a"), **base)


def test_due_date_before_the_finding_is_refused(orgdata: Org) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    with pytest.raises(DomainError) as err:
        findings.add_action(
            finding, actor=orgdata.user("manager_a"), what="x", owner_name="A", due_on=date(2018, 7, 1)
        )
    assert err.value.field == "due_on"


def test_effectiveness_loop(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = answered(orgdata, nonconformity(orgdata, audit))
    auditor, manager = orgdata.user("auditor"), orgdata.user("manager_a")
    assert finding.status == FindingStatus.PLAN_SUBMITTED
    with pytest.raises(DomainError) as err:
        findings.review_plan(finding, actor=auditor, accept=False, comment="")
    assert err.value.field == "comment"
    findings.review_plan(finding, actor=auditor, accept=False, comment="Nguyên nhân chưa đúng")
    assert finding.status == FindingStatus.PLAN_RETURNED
    findings.submit_plan(finding, actor=manager)
    findings.review_plan(finding, actor=auditor, accept=True)
    with pytest.raises(NotAllowed):  # an auditor cannot do the unit's part
        findings.mark_action_done(finding.actions[0], actor=auditor, done_on=date(2018, 9, 1), note="Đã làm")
    findings.mark_action_done(finding.actions[0], actor=manager, done_on=date(2018, 9, 1), note="Đã làm")
    assert finding.status == FindingStatus.ACTIONS_DONE
    with pytest.raises(NotAllowed):  # the unit's manager cannot verify its own actions
        findings.verify(finding, actor=manager, checked_on=date(2018, 9, 5), evidence="ok", effective=True)
    findings.verify(finding, actor=auditor, checked_on=date(2018, 9, 5), evidence="vẫn trễ", effective=False)
    assert finding.status == FindingStatus.REOPENED and finding.round == 2
    with pytest.raises(DomainError) as err:
        findings.submit_plan(finding, actor=manager)
    assert err.value.field == "what"
    findings.add_action(
        finding, actor=manager, what="Nhắc hạn tự động", owner_name="B", due_on=date(2018, 10, 1)
    )
    findings.submit_plan(finding, actor=manager)
    findings.review_plan(finding, actor=auditor, accept=True)
    findings.mark_action_done(
        findings.current_actions(finding)[0], actor=manager, done_on=date(2018, 9, 20), note="Đã làm"
    )
    findings.verify(
        finding, actor=auditor, checked_on=date(2018, 10, 2), evidence="10/10 đúng hạn", effective=True
    )
    db.session.commit()
    assert finding.status == FindingStatus.CLOSED and finding.closed_on == date(2018, 10, 2)
    assert [c.effective for c in finding.checks] == [False, True]
    assert findings.allowed_finding_actions(finding, auditor) == []
    assert all(
        to != FindingStatus.CLOSED
        for moves in findings.FINDING_TRANSITIONS.values()
        for action, (to, _who) in moves.items()
        if action != "verify_effective"
    )


def test_overdue_and_due_soon_are_computed_from_due_dates(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = answered(orgdata, nonconformity(orgdata, audit), due=date(2018, 9, 30))
    assert [a.finding_id for a in queries.overdue_actions(date(2018, 10, 1))] == [finding.id]
    assert queries.overdue_actions(date(2018, 9, 30)) == []
    assert len(queries.due_within(7, date(2018, 9, 25))) == 1
    assert queries.due_within(7, date(2018, 9, 1)) == []
    assert queries.is_overdue(finding, date(2018, 10, 1))
    summary = queries.audit_summary(audit, date(2018, 10, 1))
    assert (
        summary.by_kind["minor"] == 1 and summary.overdue_actions == 1 and summary.open_nonconformities == 1
    )
    assert queries.overdue_actions(date(2018, 10, 1), unit_ids={orgdata.unit_b.id}) == []


def test_stale_version_is_refused_naming_who_changed_it(orgdata: Org) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    loaded_version = finding.version
    auditor = orgdata.user("auditor")
    fields = {"kind": "minor", "edition": "2008", "clause": "4.2.3", "unit": orgdata.unit_a}
    findings.update_finding(finding, actor=auditor, version=loaded_version, statement="first", **fields)
    db.session.commit()
    with pytest.raises(findings.StaleRecord) as err:
        findings.update_finding(finding, actor=auditor, version=loaded_version, statement="second", **fields)
    assert auditor.full_name in str(err.value.message)
    db.session.rollback()
    assert db.session.get(Finding, finding.id).statement == "first"


def test_major_nonconformity_proposes_a_follow_up_audit(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = answered(orgdata, nonconformity(orgdata, audit, kind="major"), due=date(2018, 9, 30))
    findings.review_plan(finding, actor=orgdata.user("auditor"), accept=True)
    db.session.commit()
    proposal = db.session.scalar(select(FollowUpProposal))
    assert proposal.due_on == date(2018, 9, 30) and proposal.unit_id == orgdata.unit_a.id
    assert queries.pending_proposals(date(2018, 9, 1), only_due=True) == []
    assert queries.pending_proposals(date(2018, 10, 1), only_due=True) == [proposal]
    with pytest.raises(NotAllowed):
        findings.decide_follow_up(proposal, actor=orgdata.user("auditor"), accept=True)
    findings.decide_follow_up(
        proposal,
        actor=orgdata.user("steering"),
        accept=True,
        planned_start=date(2018, 10, 8),
        planned_end=date(2018, 10, 8),
    )
    assert proposal.audit.kind == "follow_up" and proposal.audit.ref == "DG-2018-02"
    assert proposal.audit.unit_ids == {orgdata.unit_a.id}


def test_attachments_are_checked_and_stored_by_content_hash(orgdata: Org, tmp_path: Path) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    auditor = orgdata.user("auditor")
    png = PNG
    for name, data, small in [("x.exe", b"MZ", None), ("x.png", b"not a png", None), ("big.png", png, 50)]:
        with pytest.raises(DomainError) as err:
            attachments.add_attachment(
                finding, actor=auditor, filename=name, data=data, root=tmp_path, max_bytes=small or 1000
            )
        assert err.value.field == "file"
    with pytest.raises(NotAllowed):
        attachments.add_attachment(
            finding, actor=orgdata.user("manager_b"), filename="a.png", data=png, root=tmp_path
        )
    item = attachments.add_attachment(finding, actor=auditor, filename="anh.png", data=png, root=tmp_path)
    stored = attachments.storage_path(tmp_path, item.sha256)
    assert stored.read_bytes() == png and stored.name == item.sha256 and len(item.sha256) == 64


def test_checklist_is_generated_from_the_clauses_in_scope(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    added = checklists.generate_checklist(audit, actor=orgdata.user("auditor"))
    # the question bank's questions of each clause in scope, clause by clause
    assert list(dict.fromkeys(i.clause.number for i in added)) == ["4.2.3", "8.2.2"]
    assert checklists.generate_checklist(audit, actor=orgdata.user("auditor")) == []
    checklists.update_item(
        added[0], actor=orgdata.user("auditor"), question="Q?", result="nonconformity", notes="n"
    )
    with pytest.raises(DomainError):
        checklists.update_item(
            added[0], actor=orgdata.user("auditor"), question="Q?", result="maybe", notes=""
        )
    with pytest.raises(NotAllowed):
        checklists.generate_checklist(audit, actor=orgdata.user("manager_a"))


def test_units_due_and_my_work(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = answered(orgdata, nonconformity(orgdata, audit, kind="major"))
    due = {d.unit.code: d for d in queries.units_due(audit.programme, today=date(2018, 12, 1))}
    assert "P-B" in due and due["P-A"].open_majors == 1
    work = queries.my_work(orgdata.user("auditor"), date(2018, 8, 1))
    assert [row.id for row in work.plans_to_review] == [finding.id]
    assert queries.my_work(orgdata.user("manager_a"), date(2018, 8, 1)).count == 0
    findings.review_plan(finding, actor=orgdata.user("auditor"), accept=False, comment="thiếu")
    assert [row.id for row in queries.my_work(orgdata.user("manager_a"), date(2018, 8, 1)).answers_due] == [
        finding.id
    ]
    assert queries.my_work(orgdata.user("manager_b"), date(2018, 8, 1)).count == 0


def test_demo_audit_round_is_idempotent_and_covers_every_state(app: object) -> None:
    from audits.services.demo import load_audit_demo
    from qms.services import demo

    for _ in range(2):
        demo.load_demo()
        load_audit_demo()
        db.session.commit()
    programme = planning.require_programme(2018)
    assert programme.edition == "2008" and len(programme.audits) == 10 and "8/2018" in programme.notes
    assert min(a.planned_start for a in programme.audits) == date(2018, 7, 17)
    assert max(a.planned_end for a in programme.audits) == date(2018, 8, 10)
    for audit in programme.audits:
        for member in audit.team:
            assert all(member.user.membership_in(u) is None for u in audit.unit_ids)
    statuses = {f.status for f in queries.findings_register(2018)}
    assert {
        "open",
        "plan_submitted",
        "plan_accepted",
        "actions_done",
        "closed",
        "reopened",
        "noted",
    } <= statuses
    assert queries.overdue_actions()
    assert load_audit_demo() is programme
    assert org.user_by_email("auditor.vp@demo.qms.vn") is not None


def test_concurrent_save_detected_by_the_version_column(orgdata: Org) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    auditor = orgdata.user("auditor")
    finding.statement  # loaded at version 1 in this session  # noqa: B018
    with db.engine.begin() as other:  # a second person's save, on another connection
        other.execute(
            Finding.__table__.update()
            .where(Finding.__table__.c.id == finding.id)
            .values(statement="theirs", version=Finding.__table__.c.version + 1, updated_by_id=auditor.id)
        )
    fields = {"kind": "minor", "edition": "2008", "clause": "4.2.3", "unit": orgdata.unit_a}
    with pytest.raises(findings.StaleRecord) as err:
        findings.update_finding(finding, actor=auditor, version=None, statement="mine", **fields)
    assert auditor.full_name in str(err.value.message)
    db.session.rollback()
    assert db.session.get(Finding, finding.id).statement == "theirs"


def test_checklist_asks_about_the_units_approved_procedures(orgdata: Org) -> None:
    from qms.services import processes

    audit = planned_audit(orgdata)
    for unit, code, status in [
        (orgdata.unit_a, "QT-PA-01", "approved"),
        (orgdata.unit_a, "QT-PA-02", "draft"),
        (orgdata.unit_b, "QT-PB-01", "approved"),
    ]:
        process = processes.create_process(actor=None, unit=unit, code=code, title=code)
        process.status, process.effective_date = status, date(2018, 1, 2) if status == "approved" else None
    added = checklists.generate_checklist(audit, actor=orgdata.user("auditor"))
    questions = " ".join(i.question for i in added if i.clause is None)
    assert "QT-PA-01" in questions and "QT-PA-02" not in questions and "QT-PB-01" not in questions
    assert checklists.generate_checklist(audit, actor=orgdata.user("auditor")) == []
