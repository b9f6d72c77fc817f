"""`qms notify`: one digest per person through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

from datetime import date

import pytest

from audits.services import findings
from cli import cli
from qms.extensions import db
from tests.audits_support import answered, nonconformity, planned_audit
from tests.conftest import Org


@pytest.fixture
def work(app, orgdata: Org) -> Org:
    """Unit A has: NC-001 plan accepted, action due 31/08/2018; NC-002 waiting for its plan; NC-003 plan
    submitted (the auditor reviews it); NC-004 actions done (the auditor, of unit B, verifies it)."""
    auditor, manager = orgdata.user("auditor"), orgdata.user("manager_a")
    manager.language = "en"
    audit = planned_audit(orgdata)
    nc1 = answered(orgdata, nonconformity(orgdata, audit), due=date(2018, 8, 31))
    findings.review_plan(nc1, actor=auditor, accept=True)
    nonconformity(orgdata, audit, statement="Chưa có kế hoạch.")
    answered(orgdata, nonconformity(orgdata, audit, statement="Hồ sơ thiếu."), due=date(2018, 12, 1))
    nc4 = answered(orgdata, nonconformity(orgdata, audit, statement="Sổ chưa ký."), due=date(2018, 8, 1))
    findings.review_plan(nc4, actor=auditor, accept=True)
    findings.mark_action_done(nc4.actions[0], actor=manager, done_on=date(2018, 7, 30), note="Đã làm")
    db.session.commit()
    return orgdata


def test_each_person_gets_one_digest_of_what_waits(app, work, smtp_server, runner):
    mailbox, _port = smtp_server
    # NC-002's plan is 35 days overdue: escalation (tests/test_audit_cycle_answers.py) is kept out here
    result = runner.invoke(cli, args=["notify", "--today", "2018-09-05", "--escalate-after", "60"])
    assert result.exit_code == 0, result.output
    assert "2 reminder(s) sent" in result.output
    mails = mailbox.by_recipient()
    assert set(mails) == {"manager.a@example.vn", "auditor@example.vn"}

    manager = mails["manager.a@example.vn"]
    assert manager["From"] == "QMS Tracker <qms@example.vn>"
    assert manager["Subject"] == "QMS Tracker — 2 item(s) waiting for you on 2018-09-05 (1 overdue)"
    text = manager.get_content()
    overdue = text.split("Overdue corrective actions (1):")[1].split("\n\n")[0]
    assert "NC-2018-001 (P-A): Phân công đầu mối — owner Trưởng phòng, due 2018-08-31" in overdue
    waiting = text.split("Nonconformities waiting for your unit's plan (1):")[1]
    assert "NC-2018-002" in waiting and "Chưa có kế hoạch." in waiting
    assert "NC-2018-003" not in text and "NC-2018-004" not in text

    auditor = mails["auditor@example.vn"]  # Vietnamese, the default language
    body = auditor.get_content()
    assert "NC-2018-003" in body and "NC-2018-004" in body
    assert "NC-2018-001" not in body and "NC-2018-002" not in body
    assert "05/09/2018" in auditor["Subject"]


def test_the_horizon_decides_what_is_due(app, work, smtp_server, runner):
    mailbox, _port = smtp_server
    assert runner.invoke(cli, args=["notify", "--today", "2018-08-20"]).exit_code == 0
    text = mailbox.by_recipient()["manager.a@example.vn"].get_content()
    assert "NC-2018-001" not in text  # due in 11 days: not yet
    mailbox.received.clear()
    assert runner.invoke(cli, args=["notify", "--today", "2018-08-20", "--days", "14"]).exit_code == 0
    text = mailbox.by_recipient()["manager.a@example.vn"].get_content()
    assert "Corrective actions due within 14 days (1):" in text and "NC-2018-001" in text


def test_login_with_user_and_password(app, work, smtp_server, runner, monkeypatch):
    mailbox, port = smtp_server
    monkeypatch.setenv("QMS_SMTP_URL", f"smtp://qms:p%40ss%20word@127.0.0.1:{port}")
    args = ["notify", "--today", "2018-09-05", "--escalate-after", "60"]
    assert runner.invoke(cli, args=args).exit_code == 0
    assert len(mailbox.received) == 2
    mailbox.received.clear()
    monkeypatch.setenv("QMS_SMTP_URL", f"smtp://qms:wrong@127.0.0.1:{port}")
    result = runner.invoke(cli, args=["notify", "--today", "2018-09-05"])
    assert result.exit_code == 1 and result.stderr.startswith("error: the mail server")
    assert mailbox.received == []


def test_nothing_waiting_sends_nothing(app, orgdata, smtp_server, runner):
    mailbox, _port = smtp_server
    result = runner.invoke(cli, args=["notify"])
    assert result.exit_code == 0, result.output
    assert "0 reminder(s) sent" in result.output
    assert mailbox.received == []


def test_without_a_server_it_says_so_and_sends_nothing(app, work, smtp_server, runner, monkeypatch):
    mailbox, _port = smtp_server
    monkeypatch.delenv("QMS_SMTP_URL")
    result = runner.invoke(cli, args=["notify", "--today", "2018-09-05"])
    assert result.exit_code == 1
    assert result.stderr == "error: QMS_SMTP_URL is not set: no reminder sent\n"
    assert mailbox.received == []


def test_a_malformed_server_url_is_one_line(app, work, runner, monkeypatch):
    monkeypatch.setenv("QMS_SMTP_URL", "http://mail.example.vn")
    result = runner.invoke(cli, args=["notify"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "QMS_SMTP_URL" in result.stderr


def test_dry_run_prints_the_digests(app, work, smtp_server, runner):
    mailbox, _port = smtp_server
    result = runner.invoke(cli, args=["notify", "--today", "2018-09-05", "--dry-run"])
    assert result.exit_code == 0
    assert 'To: "Manager.A" <manager.a@example.vn>' in result.output
    assert mailbox.received == []
