"""Shared builders for the audit tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from audits.models import Audit, AuditProgramme, Finding
from audits.services import findings, planning
from qms.extensions import db
from qms.models.clauses import Clause
from tests.conftest import Org


def clause_ids(edition: str, *numbers: str) -> list[int]:
    return [
        db.session.scalar(db.select(Clause.id).where(Clause.edition == edition, Clause.number == n))
        for n in numbers
    ]


def approved_programme(org: Org, year: int = 2018, edition: str = "2008") -> AuditProgramme:
    """A programme drafted and submitted by steering and approved by the leader."""
    programme = planning.create_programme(
        actor=org.user("steering"), year=year, edition=edition, objectives="Đánh giá nội bộ"
    )
    planning.submit_programme(programme, actor=org.user("steering"))
    decided = min(date(year, 1, 2), date.today())
    planning.approve_programme(
        programme, actor=org.user("leader"), decision_number="125/QĐ-UBND", decision_date=decided
    )
    return programme


def planned_audit(
    org: Org, *, start: date = date(2018, 7, 17), end: date | None = None, competent: bool = True
) -> Audit:
    """A 2018 programme (2008 criteria) and an audit of unit A led by the auditor (of unit B), started."""
    steering, auditor = org.user("steering"), org.user("auditor")
    programme = planning.programme_for_year(start.year) or approved_programme(org, start.year)
    if competent and not planning.competence_records(auditor):
        planning.add_competence(
            auditor,
            actor=steering,
            title="Chuyên gia đánh giá nội bộ",
            edition="2008",
            valid_from=date(2016, 1, 1),
        )
    audit = planning.create_audit(
        actor=steering,
        programme=programme,
        planned_start=start,
        planned_end=end or start,
        units=[org.unit_a],
        clause_ids=clause_ids("2008", "4.2.3", "8.2.2"),
    )
    member = planning.assign_auditor(audit, auditor, role="lead", actor=steering).member
    if member.needs_acknowledgement:  # the lead's own warning: steering acknowledges it
        planning.acknowledge_competence(member, actor=steering)
    planning.transition_audit(audit, "start", actor=steering)
    db.session.commit()
    return audit


def nonconformity(org: Org, audit: Audit, **extra: Any) -> Finding:
    values: dict[str, Any] = {
        "kind": "minor",
        "edition": "2008",
        "clause": "4.2.3",
        "unit": org.unit_a,
        "statement": "Danh mục tài liệu chưa cập nhật.",
        "raised_on": date(2018, 7, 17),
    }
    values.update(extra)
    finding = findings.create_finding(audit, actor=org.user("auditor"), **values)
    db.session.commit()
    return finding


def answered(org: Org, finding: Finding, *, due: date = date(2018, 9, 30)) -> Finding:
    manager = org.user("manager_a")
    findings.save_plan(
        finding, actor=manager, version=None, correction="Sửa ngay", root_cause="Chưa phân công"
    )
    findings.add_action(
        finding, actor=manager, what="Phân công đầu mối", owner_name="Trưởng phòng", due_on=due
    )
    findings.submit_plan(finding, actor=manager)
    db.session.commit()
    return finding


def report_audit(audit: Audit, on: date | None = None) -> Audit:
    """Conclude, submit and approve an audit's report (services acting as the system)."""
    planning.save_conclusion(
        audit,
        actor=None,
        conformity="conforms",
        effective=True,
        conclusion="Hệ thống phù hợp với tiêu chuẩn và được duy trì.",
    )
    planning.transition_audit(audit, "submit_report", actor=None)
    planning.transition_audit(audit, "approve_report", actor=None, report_date=on or audit.planned_end)
    return audit
