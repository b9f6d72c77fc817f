"""Nobody reads another unit's findings through an audit of several units, nor another unit's draft
procedures through the link form."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

import docx
from sqlalchemy import func, select

from audits.models import Audit, Finding
from audits.services import findings, planning, queries
from qms.extensions import db
from qms.models.processes import Process, ProcessLink, ProcessStatus
from qms.services import org, processes
from tests.audits_support import approved_programme, clause_ids
from tests.conftest import PASSWORD, Org

SECRET_A = "Hồ sơ lưu trữ của phòng A bị thất lạc"
EVIDENCE_A = "Biên bản kiểm tra kho lưu trữ số 12"
FINDING_B = "Sổ theo dõi văn bản đến của phòng B chưa cập nhật"


def _audit_of_a_and_b(orgdata: Org) -> tuple[Audit, Finding, Finding]:
    steering = orgdata.user("steering")
    auditor = org.create_user(
        actor=None, email="lead@example.vn", full_name="Lead", password=PASSWORD, roles=("auditor",)
    )
    programme = approved_programme(orgdata)
    planning.add_competence(
        auditor, actor=steering, title="Chuyên gia đánh giá", edition="2008", valid_from=date(2016, 1, 1)
    )
    audit = planning.create_audit(
        actor=steering,
        programme=programme,
        planned_start=date(2018, 7, 17),
        planned_end=date(2018, 7, 18),
        units=[orgdata.unit_a, orgdata.unit_b],
        clause_ids=clause_ids("2008", "4.2.3", "8.2.2"),
    )
    member = planning.assign_auditor(audit, auditor, role="lead", actor=steering).member
    if member.needs_acknowledgement:
        planning.acknowledge_competence(member, actor=steering)
    planning.transition_audit(audit, "start", actor=steering)
    common = {"kind": "minor", "edition": "2008", "clause": "4.2.3", "raised_on": date(2018, 7, 17)}
    of_a = findings.create_finding(
        audit, actor=auditor, unit=orgdata.unit_a, statement=SECRET_A, evidence=EVIDENCE_A, **common
    )
    of_b = findings.create_finding(audit, actor=auditor, unit=orgdata.unit_b, statement=FINDING_B, **common)
    db.session.commit()
    return audit, of_a, of_b


def test_a_unit_sees_only_its_own_findings_of_a_shared_audit(as_user: Any, orgdata: Org) -> None:
    audit, of_a, _of_b = _audit_of_a_and_b(orgdata)
    client = as_user("manager_b")
    page = client.get(f"/audits/{audit.ref}").get_data(as_text=True)
    assert FINDING_B in page
    assert SECRET_A not in page and EVIDENCE_A not in page and of_a.ref not in page
    assert client.get(f"/audits/findings/{of_a.id}").status_code == 403
    report = client.get(f"/audits/{audit.ref}/report.docx")
    assert report.status_code == 200
    text = "\n".join(p.text for p in docx.Document(BytesIO(report.data)).paragraphs)
    text += "\n".join(
        c.text for t in docx.Document(BytesIO(report.data)).tables for r in t.rows for c in r.cells
    )
    assert FINDING_B in text and SECRET_A not in text and EVIDENCE_A not in text


def test_org_wide_readers_still_see_every_finding(as_user: Any, orgdata: Org) -> None:
    audit, _of_a, _of_b = _audit_of_a_and_b(orgdata)
    for name in ("steering", "leader", "admin"):
        page = as_user(name).get(f"/audits/{audit.ref}").get_data(as_text=True)
        assert SECRET_A in page and FINDING_B in page, name


def test_counts_of_an_audit_are_those_of_the_readers_findings(app: Any, orgdata: Org) -> None:
    audit, _of_a, _of_b = _audit_of_a_and_b(orgdata)
    assert queries.audit_summary(audit, reader=orgdata.user("manager_b")).total == 1
    assert queries.audit_summary(audit, reader=orgdata.user("steering")).total == 2
    assert [f.statement for f in queries.findings_for_audit(audit, orgdata.user("manager_b"))] == [FINDING_B]


# --- links between procedures -----------------------------------------------------------------------


def _procedures(orgdata: Org) -> tuple[Process, Process, Process]:
    own = processes.create_process(
        actor=orgdata.user("manager_a"), unit=orgdata.unit_a, code="QT-A-01", title="Tiếp nhận hồ sơ"
    )
    draft = processes.create_process(
        actor=orgdata.user("manager_b"), unit=orgdata.unit_b, code="QT-B-01", title="Dự thảo mật của phòng B"
    )
    approved = processes.create_process(
        actor=orgdata.user("manager_b"), unit=orgdata.unit_b, code="QT-B-02", title="Quy trình đã ban hành"
    )
    approved.status = ProcessStatus.APPROVED
    approved.effective_date = date(2018, 1, 1)
    db.session.commit()
    return own, draft, approved


def test_the_link_form_lists_only_published_procedures_of_other_units(as_user: Any, orgdata: Org) -> None:
    own, draft, approved = _procedures(orgdata)
    page = as_user("manager_a").get(f"/procedures/{own.id}").get_data(as_text=True)
    assert approved.title in page
    assert draft.title not in page and draft.code not in page


def test_linking_to_another_units_draft_is_refused_with_the_reason(as_user: Any, orgdata: Org) -> None:
    own, draft, approved = _procedures(orgdata)
    client = as_user("manager_a")
    response = client.post(
        f"/procedures/{own.id}/links",
        data={"target_id": str(draft.id), "label": "Hồ sơ"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and draft.title not in page
    assert "Chỉ có thể liên kết quy trình đã phê duyệt của đơn vị khác" in page
    assert db.session.scalar(select(func.count(ProcessLink.id))) == 0
    client.post(f"/procedures/{own.id}/links", data={"target_id": str(approved.id), "label": "Hồ sơ"})
    assert db.session.scalar(select(func.count(ProcessLink.id))) == 1


def test_a_huge_link_target_is_a_field_error_not_a_failure(as_user: Any, orgdata: Org) -> None:
    own, _draft, _approved = _procedures(orgdata)
    response = as_user("manager_a").post(
        f"/procedures/{own.id}/links", data={"target_id": str(10**30), "label": "Hồ sơ"}
    )
    assert response.status_code == 302
