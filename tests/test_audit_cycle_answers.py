"""The unit's answer to a nonconformity: a deadline at every step, overdue shown everywhere, escalation in
`qms notify`, one answer form, action owners who are users of the unit, and done with a note and
evidence files."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from audits.models import ActionEvidence, ActionItem, CorrectiveAction, Finding, FindingStatus
from audits.services import deadlines, findings, queries, reminders
from cli import cli
from qms.extensions import db
from qms.services.errors import DomainError
from tests.audits_support import answered, nonconformity, planned_audit
from tests.conftest import Org
from tests.q3_support import PNG

PDF = b"%PDF-1.4 minutes of the meeting\n%%EOF\n"
OWNER_1_INVALID = re.compile(r'<select [^>]*class="[^"]*is-invalid"[^>]*name="actions-1-owner_id"')


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def _get(finding: Finding) -> Finding:
    db.session.expire_all()
    return db.session.get(Finding, finding.id)


# --- deadlines -------------------------------------------------------------------------------


def test_a_deadline_is_stored_when_each_step_starts(app, orgdata: Org) -> None:
    manager, auditor = orgdata.user("manager_a"), orgdata.user("auditor")
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)  # raised 17/07/2018
    assert finding.plan_due_on == date(2018, 8, 1)  # + QMS_NC_PLAN_DAYS (15)
    step = deadlines.current_step(finding, date(2018, 8, 1))
    assert step is not None and step.name == "plan" and not step.overdue
    step = deadlines.current_step(finding, date(2018, 8, 4))
    assert step is not None and step.overdue and step.days_overdue == 3

    # a later change of the settings does not move the stored deadline
    app.config["QMS_NC_PLAN_DAYS"] = 40
    assert _get(finding).plan_due_on == date(2018, 8, 1)
    app.config["QMS_NC_PLAN_DAYS"] = 15

    findings.save_plan(finding, actor=manager, version=None, correction="Sửa", root_cause="Chưa phân công")
    findings.add_action(finding, actor=manager, what="Phân công", owner_name="A", due_on=date(2018, 9, 30))
    findings.submit_plan(finding, actor=manager, today=date(2018, 7, 20))
    assert finding.review_due_on == date(2018, 7, 25)  # + QMS_PLAN_REVIEW_DAYS (5)
    step = deadlines.current_step(finding, date(2018, 7, 27))
    assert step is not None and step.name == "review" and step.days_overdue == 2

    findings.review_plan(finding, actor=auditor, accept=False, comment="Thiếu", today=date(2018, 7, 26))
    assert finding.plan_due_on == date(2018, 8, 10)  # a returned plan is due again
    findings.submit_plan(finding, actor=manager, today=date(2018, 7, 27))
    findings.review_plan(finding, actor=auditor, accept=True, today=date(2018, 7, 28))
    step = deadlines.current_step(finding, date(2018, 10, 1))
    assert step is not None and step.name == "actions" and step.due_on == date(2018, 9, 30) and step.overdue

    findings.mark_action_done(finding.actions[0], actor=manager, done_on=date(2018, 9, 1), note="Đã làm")
    assert finding.status == FindingStatus.ACTIONS_DONE
    assert finding.verify_due_on == date(2018, 10, 1)  # + QMS_VERIFY_DAYS (30) after the last action
    step = deadlines.current_step(finding, date(2018, 10, 2))
    assert step is not None and step.name == "verify" and step.days_overdue == 1

    findings.verify(finding, actor=auditor, checked_on=date(2018, 10, 5), evidence="Chưa", effective=False)
    assert finding.status == FindingStatus.REOPENED and finding.plan_due_on == date(2018, 10, 20)
    db.session.commit()


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from qms.config import from_environment

    monkeypatch.setenv("QMS_NC_PLAN_DAYS", "10")
    monkeypatch.setenv("QMS_ESCALATE_DAYS", "not a number")
    config = from_environment(tmp_path)
    assert config["QMS_NC_PLAN_DAYS"] == 10 and config["QMS_ESCALATE_DAYS"] == 7
    assert config["QMS_PLAN_REVIEW_DAYS"] == 5 and config["QMS_VERIFY_DAYS"] == 30


def test_overdue_is_computed_in_sql_like_the_finding_page(app, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    waiting = nonconformity(orgdata, audit)  # plan due 01/08/2018
    accepted = answered(orgdata, nonconformity(orgdata, audit), due=date(2018, 9, 30))
    findings.review_plan(accepted, actor=orgdata.user("auditor"), accept=True)
    db.session.commit()
    closed_kind = nonconformity(orgdata, audit, kind="observation")
    assert deadlines.current_step(closed_kind) is None

    assert queries.count_overdue(date(2018, 8, 1)) == 0
    late = queries.overdue_steps(date(2018, 8, 2))
    assert [(s.finding.id, s.name, s.days_overdue) for s in late] == [(waiting.id, "plan", 1)]
    late = queries.overdue_steps(date(2018, 10, 3))
    assert [(s.finding.id, s.days_overdue) for s in late] == [(waiting.id, 63), (accepted.id, 3)]
    assert queries.count_overdue(date(2018, 10, 3)) == 2
    assert queries.count_overdue(date(2018, 10, 3), unit_ids={orgdata.unit_b.id}) == 0
    assert [s.finding.id for s in queries.overdue_steps(date(2018, 10, 3), more_than=7)] == [waiting.id]
    for step in late:
        assert queries.is_overdue(step.finding, date(2018, 10, 3))
    assert queries.audit_summary(audit, date(2018, 10, 3)).overdue_findings == 2
    shown, total = queries.longest_overdue(date(2018, 10, 3), limit=1)
    assert ([s.finding.id for s in shown], total) == ([waiting.id], 2)

    # a late nonconformity withdrawn leaves the count and the dashboard's list at once
    findings.withdraw_finding(waiting, actor=orgdata.user("auditor"), reason="Trùng với phát hiện khác")
    db.session.commit()
    assert queries.count_overdue(date(2018, 10, 3)) == 1
    shown, total = queries.longest_overdue(date(2018, 10, 3))
    assert ([s.finding.id for s in shown], total) == ([accepted.id], 1)


def test_an_overdue_step_shows_in_red_with_its_days_everywhere(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)  # plan due 01/08/2018: overdue by now
    days = (date.today() - date(2018, 8, 1)).days
    late = re.compile(
        r'class="small step-deadline text-danger fw-semibold" data-step="plan">[^<]*01/08/2018</span>'
        rf'\s*<span class="badge text-bg-danger overdue">quá hạn {days} ngày</span>'
    )
    manager = as_user("manager_a")
    for page in ("/", f"/units/{orgdata.unit_a.id}", "/audits/my-work", f"/audits/{audit.ref}"):
        response = manager.get(page)
        assert response.status_code == 200, page
        body = text(response)
        assert finding.ref in body and late.search(body), page
    assert 'id="dashboard-overdue"' in text(manager.get("/"))
    assert 'id="unit-overdue"' in text(manager.get(f"/units/{orgdata.unit_a.id}"))
    assert "list-group-item-danger" in text(manager.get("/audits/my-work"))
    audit_page = text(as_user("steering").get(f"/audits/{audit.ref}"))
    assert 'id="audit-overdue"' in audit_page and "table-danger" in audit_page
    # once the plan is submitted the review is due in the future: no longer red
    findings.save_plan(
        _get(finding), actor=orgdata.user("manager_a"), version=None, correction="", root_cause="Chưa"
    )
    findings.add_action(
        _get(finding), actor=None, what="x", owner_name="A", due_on=date(date.today().year + 1, 1, 1)
    )
    findings.submit_plan(_get(finding), actor=None)
    db.session.commit()
    body = text(as_user("steering").get(f"/audits/{audit.ref}"))
    assert 'data-step="review"' in body and "table-danger" not in body


# --- escalation ------------------------------------------------------------------------------


def test_escalation_reaches_managers_and_steering_after_the_threshold(
    app,
    orgdata: Org,
    smtp_server: Any,
    runner: Any,
) -> None:
    mailbox, _port = smtp_server
    orgdata.user("steering").language = "en"
    orgdata.user("manager_a").language = "en"
    audit = planned_audit(orgdata)
    nonconformity(orgdata, audit)  # plan due 01/08/2018
    db.session.commit()

    # overdue by 7 days: not escalated (more than 7 is needed)
    assert runner.invoke(cli, args=["notify", "--today", "2018-08-08"]).exit_code == 0
    mails = {rcpt: msg for rcpts, msg in mailbox.received for rcpt in rcpts}
    assert set(mails) == {"manager.a@example.vn"}
    assert "Escalated" not in mails["manager.a@example.vn"].get_content()
    assert "Danh mục tài liệu chưa cập nhật. — due 2018-08-01" in mails["manager.a@example.vn"].get_content()
    mailbox.received.clear()

    # overdue by 8 days: also to every steering user, in its own part
    assert runner.invoke(cli, args=["notify", "--today", "2018-08-09"]).exit_code == 0
    mails = {rcpt: msg for rcpts, msg in mailbox.received for rcpt in rcpts}
    assert set(mails) == {"manager.a@example.vn", "steering@example.vn"}
    body = mails["steering@example.vn"].get_content()
    part = body.split("Escalated: overdue by more than 7 days (1):")[1]
    assert "NC-2018-001 (P-A): the unit's corrective-action plan, due 2018-08-01 — 8 days overdue" in part
    assert "Escalated: overdue by more than 7 days (1):" in mails["manager.a@example.vn"].get_content()
    mailbox.received.clear()

    # the threshold is an option and a setting
    args = ["notify", "--today", "2018-08-05", "--escalate-after", "3"]
    assert runner.invoke(cli, args=args).exit_code == 0
    assert any("steering@example.vn" in rcpts for rcpts, _m in mailbox.received)
    mailbox.received.clear()
    app.config["QMS_ESCALATE_DAYS"] = 30
    assert runner.invoke(cli, args=["notify", "--today", "2018-08-09"]).exit_code == 0
    assert not any("steering@example.vn" in rcpts for rcpts, _m in mailbox.received)


def test_dry_run_says_who_would_receive_what_and_sends_nothing(
    app,
    orgdata: Org,
    smtp_server: Any,
    runner: Any,
) -> None:
    mailbox, _port = smtp_server
    orgdata.user("steering").language = "en"
    nonconformity(orgdata, planned_audit(orgdata))
    db.session.commit()
    result = runner.invoke(cli, args=["notify", "--today", "2018-08-20", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing is sent; 2 message(s) would be sent." in result.output
    assert "To: Steering <steering@example.vn>" in result.output
    assert 'To: "Manager.A" <manager.a@example.vn>' in result.output
    assert "NC-2018-001 (P-A): the unit's corrective-action plan, due 2018-08-01 — 19 days overdue" in (
        result.output
    )
    assert mailbox.received == []


def test_reminders_reach_an_action_owner_who_is_a_user(app, orgdata: Org) -> None:
    manager = orgdata.user("manager_a")
    finding = nonconformity(orgdata, planned_audit(orgdata))
    findings.add_action(
        finding,
        actor=manager,
        what="Rà soát",
        owner_name="",
        owner=orgdata.user("member_a"),
        due_on=date(2018, 8, 31),
    )
    db.session.commit()
    found = {d.user.email: d for d in reminders.digests(date(2018, 9, 5), escalate_after=90)}
    assert [a.what for a in found["member.a@example.vn"].overdue] == ["Rà soát"]


# --- one answer form -------------------------------------------------------------------------


def _answer(**extra: str) -> dict[str, str]:
    data = {
        "version": "",
        "correction": "Gỡ bản cũ khỏi bộ phận một cửa",
        "root_cause": "Chưa phân công người cập nhật",
        "whys-0": "Vì danh mục cũ",
        "whys-1": "Vì không ai rà soát",
        "whys-2": "",
        "whys-3": "",
        "whys-4": "",
        "actions-0-what": "Phân công đầu mối ISO",
        "actions-0-owner_id": "0",
        "actions-0-owner_name": "Nguyễn Thị Hoa",
        "actions-0-due_on": "2018-09-30",
        "actions-1-what": "Rà soát danh mục hằng tháng",
        "actions-1-owner_id": "0",
        "actions-1-owner_name": "",
        "actions-1-due_on": "2018-10-31",
    }
    data.update(extra)
    return data


def test_one_form_keeps_everything_typed_on_an_error_and_saves_nothing(as_user: Any, orgdata: Org) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    url = f"/audits/findings/{finding.id}"
    manager = as_user("manager_a")
    form_page = text(manager.get(url))
    assert "data-warn-unsaved" in form_page and 'name="actions-0-owner_id"' in form_page
    assert "Khắc phục tức thời (sửa chữa ngay)" in form_page and "Hành động khắc phục" in form_page
    member = orgdata.user("member_a")
    assert f'<option value="{member.id}">' in form_page  # the unit's people are offered

    # the second row names nobody: refused next to its field, the whole answer is kept
    response = manager.post(f"{url}/plan", data=_answer())
    body = text(response)
    assert response.status_code == 200
    assert "Gỡ bản cũ khỏi bộ phận một cửa" in body and "Chưa phân công người cập nhật" in body
    assert "Vì không ai rà soát" in body and "Rà soát danh mục hằng tháng" in body and "2018-10-31" in body
    assert OWNER_1_INVALID.search(body)
    assert db.session.scalar(select(CorrectiveAction)) is None
    assert db.session.scalar(select(ActionItem)) is None

    # "add a row" saves nothing and shows one more row, with everything typed
    response = manager.post(f"{url}/plan", data=_answer(add_row="1"))
    body = text(response)
    assert 'name="actions-2-what"' in body and "Vì danh mục cũ" in body and "Phân công đầu mối ISO" in body
    assert db.session.scalar(select(CorrectiveAction)) is None

    # fixed: everything is saved at once, then submitted with the same button
    fixed = _answer(**{"actions-1-owner_id": str(member.id), "submit_plan": "1"})
    assert manager.post(f"{url}/plan", data=fixed).status_code == 302
    saved = _get(finding)
    assert saved.status == FindingStatus.PLAN_SUBMITTED
    assert saved.corrective_action is not None
    assert saved.corrective_action.correction == "Gỡ bản cũ khỏi bộ phận một cửa"
    assert saved.corrective_action.whys == ["Vì danh mục cũ", "Vì không ai rà soát"]
    assert [(a.what, a.owner_id, a.owner_name) for a in saved.actions] == [
        ("Phân công đầu mối ISO", None, "Nguyễn Thị Hoa"),
        ("Rà soát danh mục hằng tháng", member.id, member.full_name),
    ]


def test_the_form_edits_and_removes_existing_actions(as_user: Any, orgdata: Org) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    url = f"/audits/findings/{finding.id}"
    manager = as_user("manager_a")
    assert manager.post(f"{url}/plan", data=_answer(**{"actions-1-owner_name": "B"})).status_code == 302
    first, second = _get(finding).actions
    page = text(manager.get(url))
    assert f'value="{first.id}"' in page and "Chưa phân công người cập nhật" in page
    plan = _get(finding).corrective_action
    edit = _answer(
        version=str(plan.version),
        **{
            "actions-0-id": str(first.id),
            "actions-0-what": "Phân công đầu mối ISO (sửa)",
            "actions-1-id": str(second.id),
            "actions-1-owner_name": "B",
            "actions-1-remove": "y",
        },
    )
    assert manager.post(f"{url}/plan", data=edit).status_code == 302
    assert [a.what for a in _get(finding).actions] == ["Phân công đầu mối ISO (sửa)"]


def test_an_owner_must_be_a_user_of_the_unit(as_user: Any, orgdata: Org) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    other = orgdata.user("manager_b")  # a user of unit B
    with pytest.raises(DomainError) as refused:
        findings.add_action(
            finding,
            actor=orgdata.user("manager_a"),
            what="x",
            owner_name="",
            owner=other,
            due_on=date(2018, 9, 9),
        )
    assert refused.value.field == "owner_id"
    db.session.rollback()
    manager = as_user("manager_a")
    response = manager.post(
        f"/audits/findings/{finding.id}/plan", data=_answer(**{"actions-1-owner_id": str(other.id)})
    )
    assert response.status_code == 200
    assert OWNER_1_INVALID.search(text(response))
    assert db.session.scalar(select(ActionItem)) is None


# --- done: a note and evidence files --------------------------------------------------------


def _accepted(orgdata: Org) -> Finding:
    finding = answered(orgdata, nonconformity(orgdata, planned_audit(orgdata)))
    findings.review_plan(finding, actor=orgdata.user("auditor"), accept=True)
    db.session.commit()
    return finding


def test_done_requires_a_note(as_user: Any, orgdata: Org) -> None:
    finding = _accepted(orgdata)
    item = finding.actions[0]
    with pytest.raises(DomainError) as refused:
        findings.mark_action_done(item, actor=orgdata.user("manager_a"), done_on=date(2018, 9, 1), note=" ")
    assert refused.value.field == "note"
    db.session.rollback()
    manager = as_user("manager_a")
    response = manager.post(f"/audits/actions/{item.id}/done", data={"done_on": "2018-09-01", "note": ""})
    assert response.status_code == 200 and "is-invalid" in text(response)
    assert db.session.get(ActionItem, item.id).done_on is None


def test_evidence_files_are_stored_and_downloaded_by_the_right_roles(as_user: Any, orgdata: Org, app) -> None:
    finding = _accepted(orgdata)
    item_id = finding.actions[0].id
    manager = as_user("manager_a")
    # a file of a refused type: nothing is done, nothing stored
    bad = manager.post(
        f"/audits/actions/{item_id}/done",
        data={"done_on": "2018-09-01", "note": "Đã phân công", "files": [(_exe(), "virus.exe")]},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and db.session.get(ActionItem, item_id).done_on is None
    assert db.session.scalar(select(ActionEvidence)) is None

    response = manager.post(
        f"/audits/actions/{item_id}/done",
        data={
            "done_on": "2018-09-01",
            "note": "Đã phân công bà Hoa",
            "files": [(_file(PNG), "anh.png"), (_file(PDF), "quyet-dinh.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    item = db.session.get(ActionItem, item_id)
    db.session.refresh(item)
    assert item.done_note == "Đã phân công bà Hoa" and item.done_on == date(2018, 9, 1)
    names = [e.filename for e in item.evidence_files]
    assert names == ["anh.png", "quyet-dinh.pdf"]
    pdf = item.evidence_files[1]
    assert (Path(app.instance_path) / "attachments" / pdf.sha256[:2] / pdf.sha256).read_bytes() == PDF
    page = text(manager.get(f"/audits/findings/{finding.id}"))
    assert f"/audits/action-evidence/{pdf.id}" in page and "Đã phân công bà Hoa" in page

    url = f"/audits/action-evidence/{pdf.id}"
    expected = [("manager_a", 200), ("leader", 200), ("member_a", 200), ("manager_b", 403), ("outsider", 403)]
    for who, status in expected:
        response = as_user(who).get(url)
        assert response.status_code == status, who
        if status == 200:
            assert response.data == PDF and "quyet-dinh.pdf" in response.headers["Content-Disposition"]
        response.close()


def _file(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _exe() -> Any:
    return _file(b"MZ\x90\x00 not an image")
