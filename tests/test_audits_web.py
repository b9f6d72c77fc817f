"""Audit pages per role, through the Flask test client."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from sqlalchemy import func, select

from audits.models import Audit, AuditProgramme, Finding, FindingStatus, FollowUpProposal
from audits.services import findings
from qms.extensions import db
from tests.audits_support import answered, clause_ids, nonconformity, planned_audit
from tests.conftest import Org
from tests.q3_support import PNG


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_steering_plans_a_programme_and_an_audit(as_user: Any, orgdata: Org) -> None:
    client = as_user("steering")
    response = client.post(
        "/audits/programmes/new", data={"year": 2018, "edition": "2008", "objectives": "Mục tiêu"}
    )
    assert response.status_code == 302
    form = {
        "kind": "planned",
        "planned_start": "2018-07-20",
        "planned_end": "2018-07-17",
        "unit_ids": [orgdata.unit_a.id],
        "clause_ids": clause_ids("2008", "4.2.3"),
    }
    response = client.post("/audits/programmes/2018/audits/new", data=form)
    assert response.status_code == 200 and "invalid-feedback" in text(response)
    assert db.session.scalar(select(func.count(Audit.id))) == 0
    response = client.post("/audits/programmes/2018/audits/new", data={**form, "planned_end": "2018-07-21"})
    assert response.headers["Location"].endswith("/audits/DG-2018-01")
    response = client.post(
        "/audits/DG-2018-01/team", data={"user_id": orgdata.auditor.id, "role": "lead"}, follow_redirects=True
    )
    assert "ISO 9001:2008" in text(response)  # no competence record: the warning is shown
    page = text(client.get("/audits/programmes/2018"))
    assert "DG-2018-01" in page and 'id="calendar"' in page and "P-B" in page  # P-B not audited: due


def test_independence_refusal_names_the_unit(as_user: Any, orgdata: Org) -> None:
    client = as_user("steering")
    client.post("/audits/programmes/new", data={"year": 2018, "edition": "2008"})
    client.post(
        "/audits/programmes/2018/audits/new",
        data={
            "kind": "planned",
            "planned_start": "2018-07-17",
            "planned_end": "2018-07-17",
            "unit_ids": [orgdata.unit_b.id],
        },
    )
    response = client.post(
        "/audits/DG-2018-01/team", data={"user_id": orgdata.auditor.id, "role": "lead"}, follow_redirects=True
    )
    assert "P-B" in text(response) and "alert-danger" in text(response)
    assert db.session.scalar(select(Audit)).team == []


def test_only_steering_plans(as_user: Any, orgdata: Org) -> None:
    for role in ("auditor", "manager_a", "leader"):
        client = as_user(role)
        assert (
            client.post("/audits/programmes/new", data={"year": 2019, "edition": "2015"}).status_code == 403
        )
    assert db.session.scalar(select(func.count(AuditProgramme.id))) == 0


def test_auditor_logs_findings_with_errors_next_to_the_fields(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    client = as_user("auditor")
    form = {
        "kind": "minor",
        "unit_id": orgdata.unit_a.id,
        "edition": "2008",
        "clause": "10.2",
        "statement": "x",
    }
    response = client.post(f"/audits/{audit.ref}/findings/new", data=form)
    assert response.status_code == 200 and "10.2" in text(response) and "is-invalid" in text(response)
    response = client.post(
        f"/audits/{audit.ref}/findings/new", data={**form, "clause": "4.2.3", "statement": ""}
    )
    assert response.status_code == 200 and "is-invalid" in text(response)
    assert db.session.scalar(select(func.count(Finding.id))) == 0
    response = client.post(f"/audits/{audit.ref}/findings/new", data={**form, "clause": "4.2.3"})
    assert response.status_code == 302
    assert db.session.scalar(select(Finding.ref)) == "NC-2018-001"
    manager = as_user("manager_a")
    assert manager.post(f"/audits/{audit.ref}/findings/new", data=form).status_code == 403


def test_roles_on_a_nonconformity(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    url = f"/audits/findings/{finding.id}"
    plan = {"correction": "Sửa", "root_cause": "Chưa phân công", "whys-0": "a", "whys-1": "b", "version": ""}
    row = {"actions-0-what": "Phân công", "actions-0-owner_id": "0", "actions-0-owner_name": "A"}
    # an auditor cannot edit the unit's answer
    auditor = as_user("auditor")
    answer = {**plan, **row, "actions-0-due_on": "2018-09-30"}
    assert auditor.post(f"{url}/plan", data=answer).status_code == 403
    # another unit's manager sees nothing
    other = as_user("manager_b")
    assert other.get(url).status_code == 403
    assert other.get(f"/audits/{audit.ref}").status_code == 403
    # the unit's manager answers: correction, cause and actions in one form
    manager = as_user("manager_a")
    response = manager.post(f"{url}/plan", data={**plan, **row, "actions-0-due_on": "2018-07-01"})
    assert response.status_code == 200 and "invalid-feedback" in text(response)  # due before the finding
    response = manager.post(
        f"{url}/plan", data={**plan, **row, "actions-0-due_on": "2018-09-30", "submit_plan": "1"}
    )
    assert response.status_code == 302
    assert manager.post(f"{url}/review", data={"decision": "accept"}).status_code == 403
    auditor = as_user("auditor")
    auditor.post(f"{url}/review", data={"decision": "accept", "comment": ""})
    manager = as_user("manager_a")
    action_id = db.session.get(Finding, finding.id).actions[0].id
    manager.post(f"/audits/actions/{action_id}/done", data={"done_on": "2018-09-01", "note": "Đã phân công"})
    # the unit's manager cannot verify their own actions
    assert (
        manager.post(
            f"{url}/verify", data={"checked_on": "2018-09-05", "evidence": "ok", "effective": "yes"}
        ).status_code
        == 403
    )
    leader = as_user("leader")
    assert leader.get(url).status_code == 200
    assert (
        leader.post(
            f"{url}/verify", data={"checked_on": "2018-09-05", "evidence": "ok", "effective": "yes"}
        ).status_code
        == 403
    )
    auditor = as_user("auditor")
    auditor.post(
        f"{url}/verify", data={"checked_on": "2018-09-05", "evidence": "10 hồ sơ", "effective": "yes"}
    )
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status == FindingStatus.CLOSED
    assert 'data-status="closed"' in text(auditor.get(url))


def test_second_save_of_a_finding_is_refused(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    client = as_user("auditor")
    form = {
        "kind": "minor",
        "unit_id": orgdata.unit_a.id,
        "edition": "2008",
        "clause": "4.2.3",
        "version": str(finding.version),
    }
    assert (
        client.post(f"/audits/findings/{finding.id}/edit", data={**form, "statement": "first"}).status_code
        == 302
    )
    response = client.post(f"/audits/findings/{finding.id}/edit", data={**form, "statement": "second"})
    assert response.status_code == 200
    assert "alert-danger" in text(response) and orgdata.auditor.full_name in text(response)
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).statement == "first"


def test_bad_attachment_is_refused_and_good_one_downloads(as_user: Any, orgdata: Org) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    client = as_user("auditor")
    url = f"/audits/findings/{finding.id}/attachments"
    response = client.post(url, data={"file": (io.BytesIO(b"MZ..."), "virus.exe")}, follow_redirects=True)
    assert "alert-danger" in text(response)
    png = PNG
    client.post(url, data={"file": (io.BytesIO(png), "anh.png")})
    attachment = db.session.get(Finding, finding.id).attachments[0]
    download = client.get(f"/audits/attachments/{attachment.id}")
    assert download.data == png
    download.close()
    assert as_user("manager_b").get(f"/audits/attachments/{attachment.id}").status_code == 403


def test_overdue_in_red_on_unit_audit_and_dashboard_and_my_work(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = answered(orgdata, nonconformity(orgdata, audit), due=date(2018, 9, 30))
    findings.review_plan(finding, actor=orgdata.user("auditor"), accept=True)
    db.session.commit()
    client = as_user("manager_a")
    assert 'id="unit-overdue"' in text(client.get(f"/units/{orgdata.unit_a.id}"))
    assert "table-danger" in text(client.get(f"/audits/{audit.ref}"))
    assert 'id="dashboard-overdue"' in text(client.get("/"))
    work = text(client.get("/audits/my-work"))
    assert 'id="actions-to-do"' in work and "NC-2018-001" in work
    assert 'id="nothing"' in text(as_user("manager_b").get("/audits/my-work"))


def test_checklist_page(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    client = as_user("auditor")
    client.post(f"/audits/{audit.ref}/checklist/generate")
    page = text(client.get(f"/audits/{audit.ref}/checklist"))
    assert "4.2.3" in page and "8.2.2" in page
    item = db.session.scalar(select(Audit)).checklist[0]
    client.post(
        f"/audits/{audit.ref}/checklist",
        data={
            "rows-0-item_id": str(item.id),
            "rows-0-question": "Q?",
            "rows-0-result": "conforms",
            "rows-0-notes": "ok",
            "new_clause_id": "0",
            "save": "1",
        },
    )
    db.session.expire_all()
    assert db.session.scalar(select(Audit)).checklist[0].result == "conforms"
    assert as_user("manager_a").post(f"/audits/{audit.ref}/checklist/generate").status_code == 403


def test_programme_approval_cancellation_and_follow_up_decision(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = answered(orgdata, nonconformity(orgdata, audit, kind="major"))
    findings.review_plan(finding, actor=orgdata.user("auditor"), accept=True)
    db.session.commit()
    client = as_user("steering")
    # the leader approved the programme (tests/audits_support.py); steering never approves it
    assert db.session.scalar(select(AuditProgramme)).approved_by_id == orgdata.leader.id
    page = text(client.get("/audits/programmes/2018"))
    assert "125/QĐ-UBND" in page
    assert finding.ref in page  # the follow-up proposal is listed
    proposal_id = db.session.scalar(select(FollowUpProposal.id))
    response = client.post(
        f"/audits/proposals/{proposal_id}",
        data={"decision": "accept", "planned_start": "2018-10-08", "planned_end": "2018-10-08"},
    )
    assert response.headers["Location"].endswith("/audits/DG-2018-02")
    response = client.post("/audits/DG-2018-02/transition", data={"action": "cancel", "reason": ""})
    db.session.expire_all()
    assert db.session.scalar(select(Audit.status).where(Audit.ref == "DG-2018-02")) == "planned"
    client.post("/audits/DG-2018-02/transition", data={"action": "cancel", "reason": "Đã khắc phục xong"})
    db.session.expire_all()
    assert db.session.scalar(select(Audit.status).where(Audit.ref == "DG-2018-02")) == "cancelled"
    assert (
        as_user("auditor").post("/audits/DG-2018-01/transition", data={"action": "close"}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.scalar(select(Audit.status).where(Audit.ref == "DG-2018-01")) == "in_progress"
