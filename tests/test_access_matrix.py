"""The access matrix: every route of the web × every role against one table of expected outcomes.

A route missing from the table fails the test with its name, so a new page cannot ship without saying
who may open it. GETs are tried for every role; POSTs by the roles the table forbids must be refused
(403 or the login page) and change nothing (the history, which records every change, stays as it was).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import Rule

from audits.models import (
    ActionEvidence,
    ActionItem,
    AgendaItem,
    Attachment,
    Audit,
    AuditTeamMember,
    BankQuestion,
    Finding,
    FollowUpProposal,
    ManagementReview,
    ReviewDecision,
)
from audits.services.demo import load_audit_demo
from qms.extensions import db
from qms.models.clauses import ClauseMapping
from qms.models.documents import ControlledDocument
from qms.models.history import HistoryEntry
from qms.models.issuing import IssuedDocument
from qms.models.jobs import BackgroundJob
from qms.models.legal import LegalText
from qms.models.objectives import Measurement, Objective
from qms.models.org import MemberRole, Membership, Unit, User
from qms.models.processes import Process, ProcessLink, Step
from qms.models.remapping import ClauseRemap
from qms.models.reorganisation import Reorganisation, ReorganisationMove
from qms.models.risks import Risk, RiskAction
from qms.models.transition import TransitionEvidence, TransitionItem, TransitionStep
from qms.services import demo, org, reorganisation, setup, tokens
from qms.services.transition.core import open_transition
from tests.conftest import build_app

PASSWORD = demo.DEMO_PASSWORD
SUBJECT_UNIT = "P-TNMT"  # the records the URLs name belong to this unit where records have a unit
# The order of the roles in every line of the table below.
ROLES = ("anonymous", "member", "other_manager", "manager", "auditor", "steering", "leader", "admin")
EMAILS = {
    "member": "member.tnmt@demo.qms.vn",  # member of P-TNMT
    "other_manager": "manager.tp@demo.qms.vn",  # manager of P-TP
    "manager": "manager@demo.qms.vn",  # manager of P-TNMT
    "auditor": "auditor@demo.qms.vn",
    "steering": "steering@demo.qms.vn",
    "leader": "leader@demo.qms.vn",
    "admin": "admin@demo.qms.vn",
}
# One letter per role, in ROLES order: 2 = opens (200), x = refused (403), L = sent to the login page,
# r = redirected elsewhere (302), 4 = not found (404), 1 = refused as a bad request (400); the API's
# A = asks for a token (401), u = a request it cannot process (422).
OUTCOME = {200: "2", 403: "x", 404: "4", 400: "1", 302: "r", 405: "m", 401: "A", 422: "u"}
EXPECTED: dict[str, str] = {}  # filled below
# POST: the roles that must be refused (x, L, or 4 when the record is out of their sight) at their
# place; '.' = allowed, or not tried.
EXPECTED_POST: dict[str, str] = {}
# Posting changes who is signed in or the language: not part of the matrix.
POST_SKIPPED = {"/login", "/logout", "/language/<lang>", "/account/password"}


# GET, roles in ROLES order (anonymous member other_manager manager auditor steering leader admin).
EXPECTED.update(
    {
        "/": "L2222222",
        "/account/password": "L2222222",
        "/account/sessions": "L2222222",
        "/account/tokens": "L2222222",
        "/admin/": "Lxxxxxx2",
        "/admin/scheduler": "Lxxxxxx2",
        # The API: a token, never the session cookie; lists narrowed to what the web shows each role.
        "/api/v1/audits": "A2222222",
        "/api/v1/case-statistics": "A2222222",
        "/api/v1/corrective-actions": "Axxx2222",
        "/api/v1/docs": "22222222",
        "/api/v1/documents": "A2222222",
        "/api/v1/findings": "Axxx2222",
        "/api/v1/objectives": "A2222222",
        "/api/v1/openapi.json": "22222222",
        "/api/v1/procedures": "A2222222",
        "/api/v1/satisfaction": "A2222222",
        "/api/v1/units": "A2222222",
        "/audits/import": "Lxxxx2xx",
        "/jobs/": "L2222222",
        "/jobs/<int:job_id>": "Lxx2xxx2",
        "/jobs/<int:job_id>/download": "Lxx4xxx4",  # not done yet: nothing to download
        "/jobs/<int:job_id>/status.json": "Lxx2xxx2",
        "/admin/correspondence": "Lxxxxxx2",
        "/admin/mappings/<int:mapping_id>": "Lxxxxxx2",
        "/admin/settings": "Lxxxxxx2",
        "/admin/units": "Lxxxxxx2",
        "/admin/units/<int:unit_id>/edit": "Lxxxxxx2",
        "/admin/units/new": "Lxxxxxx2",
        "/admin/users": "Lxxxxxx2",
        "/admin/users/<int:user_id>": "Lxxxxxx2",
        "/admin/users/new": "Lxxxxxx2",
        "/audits/<ref>": "L2x22222",
        "/audits/<ref>/checklist": "L2x22222",
        "/audits/<ref>/edit": "Lxxxx2xx",
        "/audits/<ref>/findings/new": "Lxxx2xxx",
        "/audits/<ref>/plan.docx": "L2x22222",
        "/audits/<ref>/report.docx": "L2x22222",
        "/audits/action-evidence/<int:evidence_id>": "L4444444",
        "/audits/actions": "Lxxx2222",
        "/audits/attachments/<int:attachment_id>": "L4444444",
        "/audits/auditors": "Lxxx2222",
        "/audits/auditors/<int:user_id>": "Lxxx2222",
        "/audits/findings": "Lxxx2222",
        "/audits/findings/<int:finding_id>": "L2x22222",
        "/audits/findings/<int:finding_id>/edit": "Lxxxrxxx",
        "/audits/findings/<int:finding_id>/nc-report.docx": "L2x22222",
        "/audits/leadership": "Lxxxx222",
        "/audits/leadership/annual-report.docx": "Lxxxx222",
        "/audits/my-work": "L2222222",
        "/audits/programmes": "L2222222",
        "/audits/programmes/<int:year>": "L2222222",
        "/audits/programmes/<int:year>/audits.ics": "Lxxx2222",
        "/audits/programmes/<int:year>/audits/new": "Lxxxx2xx",
        "/audits/programmes/<int:year>/edit": "Lxxxxrxx",
        "/audits/programmes/<int:year>/findings.xlsx": "Lxxx2222",
        "/audits/programmes/<int:year>/programme.docx": "Lxxx2222",
        "/audits/programmes/new": "Lxxxx2xx",
        "/audits/proposals/<int:proposal_id>": "Lxxxx2xx",
        "/audits/questions": "Lxxx2222",
        "/audits/questions/<int:question_id>/edit": "Lxxxx2xx",
        "/audits/questions/new": "Lxxxx2xx",
        "/audits/reviews": "L2222222",
        "/audits/reviews/<int:review_id>": "Lxxx2222",
        "/audits/reviews/<int:review_id>/decisions/<int:decision_id>/done": "Lx2xxxxx",
        "/audits/reviews/<int:review_id>/decisions/<int:decision_id>/edit": "Lxxxx222",
        "/audits/reviews/<int:review_id>/edit": "Lxxxx222",
        "/audits/reviews/<int:review_id>/notice.docx": "Lxxx2222",
        "/audits/reviews/<int:review_id>/pack.docx": "Lxxx2222",
        "/audits/reviews/decisions": "L2222222",
        "/audits/reviews/new": "Lx22x222",
        "/bootstrap/static/<path:filename>": "22222222",
        "/clauses/": "L2222222",
        "/clauses/<edition>/<number>": "L2222222",
        "/clauses/correspondence.docx": "L2222222",
        "/documents/": "L2222222",
        "/documents/<int:document_id>": "L2x22222",
        "/documents/<int:document_id>/edit": "Lxx2xxxx",
        "/documents/<int:document_id>/file": "L2x22222",
        "/issued/": "Lxxx2222",
        "/issued/<int:document_id>": "Lxxx2222",
        "/issued/export.xlsx": "Lxxx2222",
        "/legal/": "L2222222",
        "/legal/<int:text_id>": "L2222222",
        "/legal/<int:text_id>/edit": "Lxxxx2x2",
        "/legal/new": "Lxxxx2x2",
        "/legal/procedures/<int:process_id>": "L2x22222",
        "/login": "2rrrrrrr",
        "/objectives/<int:objective_id>": "L2x22222",
        "/objectives/<int:objective_id>/edit": "Lxx2xxxx",
        "/procedures/": "L2222222",
        "/procedures/<int:process_id>": "L2x22222",
        "/procedures/<int:process_id>/edit": "Lxxrxxxx",
        "/procedures/<int:process_id>/export.docx": "L2x22222",
        "/procedures/<int:process_id>/steps/<int:step_id>/edit": "Lxx2xxxx",
        "/procedures/<int:process_id>/steps/new": "Lxx2xxxx",
        "/procedures/map": "Lxxx2222",
        "/procedures/unit/<int:unit_id>": "L2x22222",
        "/procedures/unit/<int:unit_id>/map": "L2x22222",
        "/procedures/unit/<int:unit_id>/new": "Lxx2xxxx",
        "/static/<path:filename>": "22222222",
        # Reorganisations: the administrator and the ISO steering committee.
        "/reorganisations/": "Lxxxx2x2",
        "/reorganisations/new": "Lxxxx2x2",
        "/reorganisations/<int:reorg_id>": "Lxxxx2x2",
        "/reorganisations/<int:reorg_id>/edit": "Lxxxx2x2",
        "/reorganisations/<int:reorg_id>/preview": "Lxxxx2x2",
        "/transition/": "L2222222",
        "/transition/edit": "Lxxxx2xx",
        "/transition/evidence/<int:evidence_id>/file": "L4444444",
        "/transition/items/<int:item_id>": "L2x22222",
        "/transition/open": "Lxxxxrxx",
        "/transition/plan.docx": "L2222222",
        "/transition/references/": "Lxxx2222",
        "/transition/references/decide": "L4444444",
        "/transition/references/units/<code>": "L2x22222",
        "/transition/report.docx": "Lxxx2222",
        "/transition/steps/<int:step_id>/edit": "Lxxxx2xx",
        "/transition/steps/new": "Lxxxx2xx",
        "/transition/units/<code>": "L2x22222",
        "/transition/units/<code>/report.docx": "L2x22222",
        "/units/": "L2222222",
        "/units/<int:unit_id>": "L2x22222",
        "/units/<int:unit_id>/context/": "L2x22222",
        "/units/<int:unit_id>/context/<any(issues, parties, risks):kind>/<int:record_id>/edit": "Lxx2xxxx",
        "/units/<int:unit_id>/context/<any(issues, parties, risks):kind>/new": "Lxx2xxxx",
        "/units/<int:unit_id>/context/export.docx": "L2x22222",
        "/units/<int:unit_id>/context/risks/<int:risk_id>": "L2x22222",
        "/units/<int:unit_id>/context/risks/<int:risk_id>/actions/<int:action_id>/edit": "Lxx2xxxx",
        "/units/<int:unit_id>/context/risks/<int:risk_id>/actions/new": "Lxx2xxxx",
        "/units/<int:unit_id>/documents": "L2x22222",
        "/units/<int:unit_id>/documents/new": "Lxx2xxxx",
        "/units/<int:unit_id>/objectives": "L2x22222",
        "/units/<int:unit_id>/objectives/<int:year>/export.docx": "L2x22222",
        "/units/<int:unit_id>/objectives/<int:year>/policy": "Lxx2xxxx",
        "/units/<int:unit_id>/objectives/new": "Lxx2xxxx",
        "/units/<int:unit_id>/statistics": "L2x22222",
        "/units/<int:unit_id>/statistics/cases": "Lxx2xxxx",
        "/units/<int:unit_id>/statistics/satisfaction": "Lxx2xxxx",
    }
)

# POST by the roles that are refused; '.' = allowed or not tried.
EXPECTED_POST.update(
    {
        "/account/sessions/<int:session_id>/end": "L.......",
        "/reorganisations/new": "Lxxxx.x.",
        "/reorganisations/<int:reorg_id>/edit": "Lxxxx.x.",
        "/reorganisations/<int:reorg_id>/moves": "Lxxxx.x.",
        "/reorganisations/<int:reorg_id>/moves/<int:move_id>/delete": "Lxxxx.x.",
        "/reorganisations/<int:reorg_id>/apply": "Lxxxx.x.",
        "/reorganisations/<int:reorg_id>/undo": "Lxxxx.x.",
        "/account/sessions/end-others": "L.......",
        "/account/tokens": "L.......",
        "/account/tokens/<int:token_id>/revoke": "L44.....",
        "/api/v1/audits/<string:ref>/findings": "A.......",
        "/api/v1/case-statistics": "A.......",
        "/api/v1/corrective-actions/<int:action_id>/done": "A.......",
        "/api/v1/satisfaction": "A.......",
        "/audits/import": "Lxx.....",
        "/audits/programmes/<int:year>/audit-reports.zip": "Lxx.....",
        "/audits/programmes/<int:year>/findings.xlsx": "Lxxx....",
        "/admin/mappings/<int:mapping_id>": "Lxx.....",
        "/admin/memberships/<int:membership_id>/remove": "Lxx.....",
        "/admin/settings": "Lxx.....",
        "/admin/units/<int:unit_id>/edit": "Lxx.....",
        "/admin/units/new": "Lxx.....",
        "/admin/users/<int:user_id>": "Lxx.....",
        "/admin/users/<int:user_id>/memberships": "Lxx.....",
        "/admin/users/<int:user_id>/password": "Lxx.....",
        "/admin/users/new": "Lxx.....",
        "/audits/<ref>/agenda": "Lxx.....",
        "/audits/<ref>/agenda/<int:item_id>/delete": "Lxx.....",
        "/audits/<ref>/checklist": "Lxx.....",
        "/audits/<ref>/checklist/generate": "Lxx.....",
        "/audits/<ref>/conclusion": "Lxx.....",
        "/audits/<ref>/edit": "Lxx.....",
        "/audits/<ref>/findings/new": "Lxx.....",
        "/audits/<ref>/plan/acknowledge/<int:unit_id>": "Lxx.....",
        "/audits/<ref>/plan/send": "Lxx.....",
        "/audits/<ref>/team": "Lxx.....",
        "/audits/<ref>/team/<int:member_id>/acknowledge": "Lxx.....",
        "/audits/<ref>/team/<int:member_id>/lead": "Lxx.....",
        "/audits/<ref>/team/<int:member_id>/remove": "Lxx.....",
        "/audits/<ref>/transition": "L.x.....",
        "/audits/actions/<int:action_id>/done": "Lxx.....",
        "/audits/auditors/<int:user_id>": "Lxx.....",
        "/audits/findings/<int:finding_id>/attachments": "L.x.....",
        "/audits/findings/<int:finding_id>/edit": "Lxx.....",
        "/audits/findings/<int:finding_id>/plan": "Lxx.....",
        "/audits/findings/<int:finding_id>/review": "Lxx.....",
        "/audits/findings/<int:finding_id>/verify": "Lxx.....",
        "/audits/findings/<int:finding_id>/withdraw": "Lxx.....",
        "/audits/programmes/<int:year>/audits/new": "Lxx.....",
        "/audits/programmes/<int:year>/decision": "Lxx.....",
        "/audits/programmes/<int:year>/edit": "Lxx.....",
        "/audits/programmes/<int:year>/follow-ups": "Lxx.....",
        "/audits/programmes/<int:year>/submit": "Lxx.....",
        "/audits/programmes/new": "Lxx.....",
        "/audits/proposals/<int:proposal_id>": "Lxx.....",
        "/audits/questions/<int:question_id>/edit": "Lxx.....",
        "/audits/questions/new": "Lxx.....",
        "/audits/reviews/<int:review_id>/decisions": "Lxx.....",
        "/audits/reviews/<int:review_id>/decisions/<int:decision_id>/delete": "Lxx.....",
        "/audits/reviews/<int:review_id>/decisions/<int:decision_id>/done": "Lx......",
        "/audits/reviews/<int:review_id>/decisions/<int:decision_id>/edit": "Lxx.....",
        "/audits/reviews/<int:review_id>/edit": "Lxx.....",
        "/audits/reviews/<int:review_id>/hold": "Lxx.....",
        "/audits/reviews/<int:review_id>/notes": "Lxx.....",
        "/audits/reviews/<int:review_id>/notice/issue": "Lxx.....",
        "/audits/reviews/<int:review_id>/reopen": "Lxx.....",
        "/audits/reviews/new": "Lx......",
        "/documents/<int:document_id>/<any(issue, withdraw, revise):action>": "Lxx.....",
        "/documents/<int:document_id>/edit": "Lxx.....",
        "/legal/<int:text_id>/edit": "Lxx.....",
        "/legal/new": "Lxx.....",
        "/legal/procedures/<int:process_id>/cite": "Lxx.....",
        "/legal/procedures/<int:process_id>/reviewed": "Lxx.....",
        "/legal/procedures/<int:process_id>/uncite/<int:text_id>": "Lxx.....",
        "/measurements/<int:measurement_id>/delete": "L44.....",
        "/objectives/<int:objective_id>/delete": "Lxx.....",
        "/objectives/<int:objective_id>/edit": "Lxx.....",
        "/objectives/<int:objective_id>/measurements": "L.x.....",
        "/procedures/<int:process_id>/approve": "Lxx.....",
        "/procedures/<int:process_id>/delete": "Lxx.....",
        "/procedures/<int:process_id>/edit": "Lxx.....",
        "/procedures/<int:process_id>/links": "Lxx.....",
        "/procedures/<int:process_id>/links/<int:link_id>/delete": "Lxx.....",
        "/procedures/<int:process_id>/new-version": "Lxx.....",
        "/procedures/<int:process_id>/steps/<int:step_id>/delete": "Lxx.....",
        "/procedures/<int:process_id>/steps/<int:step_id>/edit": "Lxx.....",
        "/procedures/<int:process_id>/steps/<int:step_id>/move/<direction>": "Lxx.....",
        "/procedures/<int:process_id>/steps/new": "Lxx.....",
        "/procedures/unit/<int:unit_id>/new": "Lxx.....",
        "/transition/edit": "Lxx.....",
        "/transition/evidence/<int:evidence_id>/remove": "L44.....",
        "/transition/items/<int:item_id>": "Lxx.....",
        "/transition/items/<int:item_id>/evidence/<kind>": "Lxx.....",
        "/transition/items/<int:item_id>/file": "Lxx.....",
        "/transition/open": "Lxx.....",
        "/transition/references/accept": "L.......",
        "/transition/references/decide": "L44.....",
        "/transition/references/decisions/<int:decision_id>/undo": "L.......",
        "/transition/steps/<int:step_id>/delete": "Lxx.....",
        "/transition/steps/<int:step_id>/edit": "Lxx.....",
        "/transition/steps/new": "Lxx.....",
        "/transition/units/<code>/owner": "Lxx.....",
        "/units/<int:unit_id>/context/<any(issues, parties, risks):kind>/<int:record_id>/delete": "Lxx.....",
        "/units/<int:unit_id>/context/<any(issues, parties, risks):kind>/<int:record_id>/edit": "Lxx.....",
        "/units/<int:unit_id>/context/<any(issues, parties, risks):kind>/new": "Lxx.....",
        "/units/<int:unit_id>/context/risks/<int:risk_id>/actions/<int:action_id>/delete": "Lxx.....",
        "/units/<int:unit_id>/context/risks/<int:risk_id>/actions/<int:action_id>/edit": "Lxx.....",
        "/units/<int:unit_id>/context/risks/<int:risk_id>/actions/new": "Lxx.....",
        "/units/<int:unit_id>/documents/new": "Lxx.....",
        "/units/<int:unit_id>/objectives/<int:year>/policy": "Lxx.....",
        "/units/<int:unit_id>/objectives/new": "Lxx.....",
        "/units/<int:unit_id>/statistics/cases": "Lxx.....",
        "/units/<int:unit_id>/statistics/satisfaction": "Lxx.....",
    }
)


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder: Path = tmp_path_factory.mktemp("matrix")
    app = build_app(f"sqlite:///{folder / 'qms.sqlite3'}", folder / "instance")
    with app.app_context():
        setup.initialise()
        demo.load_demo()
        load_audit_demo()
        tnmt = db.session.scalar(select(Unit).where(Unit.code == SUBJECT_UNIT))
        other = db.session.scalar(select(Unit).where(Unit.code == "P-TP"))
        for email, unit, role in ((EMAILS["member"], tnmt, MemberRole.MEMBER),
                                  (EMAILS["other_manager"], other, MemberRole.MANAGER)):  # fmt: skip
            name = email.split("@")[0]
            user = org.create_user(
                actor=None, email=email, full_name=name, password=PASSWORD, password_policy=False
            )
            org.add_membership(user, unit, role, actor=None)
        # The transition open, so its pages have records to show.
        open_transition(actor=None, target_date=date(2021, 6, 30), today=date(2019, 1, 1))
        # Each role also calls the API with a personal token of its own (cookies never open the API).
        app.config["MATRIX_TOKENS"] = {
            role: tokens.create_token(user, actor=None, name="matrix").secret
            for role, email in EMAILS.items()
            if (user := db.session.scalar(select(User).where(User.email == email))) is not None
        }
        # A draft reorganisation with one move, for the reorganisation pages.
        reorg = reorganisation.create(
            actor=None, legal_basis="Nghị quyết 1667", effective_on=date(2025, 7, 1)
        )
        reorganisation.add_move(reorg, actor=None, kind="merge", source=other, target=tnmt)
        # A job the unit's manager asked for: only they and administrators may follow it.
        manager = db.session.scalar(select(User).where(User.email == EMAILS["manager"]))
        db.session.add(BackgroundJob(kind="findings_register", params={}, requested_by_id=manager.id))
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _first(stmt: Any) -> Any:
    return db.session.scalar(stmt.limit(1))


def _of_unit(model: Any, unit_id: int) -> Any:
    return _first(select(model.id).where(model.unit_id == unit_id).order_by(model.id)) or _first(
        select(model.id).order_by(model.id)
    )


def route_values(app: Flask) -> dict[str, dict[str, Any]]:
    """The URL arguments of each route, naming real records (of SUBJECT_UNIT where they have a unit)."""
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == SUBJECT_UNIT))
        uid = unit.id
        process_id = _first(
            select(Process.id).join(Step, Step.process_id == Process.id).where(Process.unit_id == uid)
        ) or _of_unit(Process, uid)
        step = _first(select(Step).where(Step.process_id == process_id).order_by(Step.position))
        link = _first(select(ProcessLink.id).where(ProcessLink.source_id == process_id))
        risk = _first(select(Risk).where(Risk.unit_id == uid).order_by(Risk.id))
        risk_action = _first(select(RiskAction.id).where(RiskAction.risk_id == risk.id)) if risk else None
        objective = _of_unit(Objective, uid)
        finding = _first(select(Finding).where(Finding.unit_id == uid).order_by(Finding.id)) or _first(
            select(Finding)
        )
        audit = db.session.get(Audit, finding.audit_id)
        review = _first(select(ManagementReview).order_by(ManagementReview.id))
        t_item = _first(
            select(TransitionItem).where(TransitionItem.unit_id == uid).order_by(TransitionItem.id)
        ) or _first(select(TransitionItem).order_by(TransitionItem.id))
        common = {
            "unit_id": uid,
            "code": SUBJECT_UNIT,
            "user_id": _first(select(User.id).where(User.email == EMAILS["member"])),
            "membership_id": _first(select(Membership.id).where(Membership.unit_id == uid)),
            "mapping_id": _first(select(ClauseMapping.id).order_by(ClauseMapping.id)),
            "edition": "2015",
            "number": "7.5",
            "objective_id": objective,
            "year": 2018,
            "measurement_id": _first(select(Measurement.id).where(Measurement.objective_id == objective))
            or _first(select(Measurement.id)),
            "document_id": _of_unit(ControlledDocument, uid),
            "text_id": _first(select(LegalText.id)),
            "process_id": process_id,
            "kind": "risks",
            "record_id": risk.id if risk else None,
            "risk_id": risk.id if risk else None,
            "action_id": risk_action,
            "step_id": step.id if step else None,
            "direction": "down",
            "link_id": link,
            "item_id": t_item.id if t_item else None,
            "evidence_id": _first(select(TransitionEvidence.id)),
            "decision_id": _first(select(ClauseRemap.id)),
            "proposal_id": _first(select(FollowUpProposal.id)),
            "ref": audit.ref,
            "member_id": _first(select(AuditTeamMember.id).where(AuditTeamMember.audit_id == audit.id)),
            "finding_id": finding.id,
            "attachment_id": _first(select(Attachment.id)),
            "question_id": _first(select(BankQuestion.id)),
            "review_id": review.id if review else None,
            "lang": "en",
            "filename": "qms.css",
            "action": "issue",
            "job_id": _first(select(BackgroundJob.id)),
            "reorg_id": _first(select(Reorganisation.id)),
            "move_id": _first(select(ReorganisationMove.id)),
        }
        specific = {
            "/issued/<int:document_id>": {"document_id": _first(select(IssuedDocument.id))},
            "/transition/steps/<int:step_id>/edit": {"step_id": _first(select(TransitionStep.id))},
            "/transition/steps/<int:step_id>/delete": {"step_id": _first(select(TransitionStep.id))},
            "/audits/actions/<int:action_id>/done": {
                "action_id": _first(select(ActionItem.id).where(ActionItem.finding_id == finding.id))
            },
            "/audits/action-evidence/<int:evidence_id>": {"evidence_id": _first(select(ActionEvidence.id))},
            "/audits/<ref>/agenda/<int:item_id>/delete": {
                "item_id": _first(select(AgendaItem.id).where(AgendaItem.audit_id == audit.id))
            },
            "/bootstrap/static/<path:filename>": {"filename": "css/bootstrap.min.css"},
            "/audits/reviews/<int:review_id>/decisions/<int:decision_id>/edit": {
                "decision_id": _first(select(ReviewDecision.id).where(ReviewDecision.review_id == review.id))
            },
        }
        for key in ("delete", "done"):
            specific[f"/audits/reviews/<int:review_id>/decisions/<int:decision_id>/{key}"] = specific[
                "/audits/reviews/<int:review_id>/decisions/<int:decision_id>/edit"
            ]
        values = {}
        for rule in app.url_map.iter_rules():
            chosen = {**common, **specific.get(rule.rule, {})}
            values[rule.rule] = {arg: chosen.get(arg) or 999999 for arg in rule.arguments}
        return values


def build_url(rule: Rule, values: dict[str, Any]) -> str:
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def client_for(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/login", data={"email": EMAILS[role], "password": PASSWORD})
        assert response.status_code == 302, role
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['MATRIX_TOKENS'][role]}"
    return client


def outcome(response: Any) -> str:
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "L"
    return OUTCOME.get(response.status_code, str(response.status_code))


def rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def post_expectation(rule: str) -> str:
    """The POST line of the table, and where the page's GET refuses a role (x), its POST refuses too."""
    post = EXPECTED_POST.get(rule, "........")
    get = EXPECTED.get(rule)
    if get is None:
        return post
    return "".join("x" if p == "." and g == "x" else p for p, g in zip(post, get, strict=True))


def history_size() -> int:
    return int(db.session.scalar(select(func.count(HistoryEntry.id))) or 0)


def test_every_route_has_an_entry(matrix_app: Flask) -> None:
    missing = [r.rule for r in rules(matrix_app) if "GET" in r.methods and r.rule not in EXPECTED]
    missing += [
        f"POST {r.rule}"
        for r in rules(matrix_app)
        if "POST" in r.methods and r.rule not in EXPECTED_POST and r.rule not in POST_SKIPPED
    ]
    assert not missing, f"routes without an entry in the access matrix: {', '.join(missing)}"
    stale = set(EXPECTED) - {r.rule for r in rules(matrix_app)}
    assert not stale, f"entries for routes that no longer exist: {', '.join(sorted(stale))}"


def test_every_get_per_role(matrix_app: Flask) -> None:
    values = route_values(matrix_app)
    observed: dict[str, list[str]] = {}
    for role in ROLES:
        client = client_for(matrix_app, role)
        for rule in rules(matrix_app):
            if "GET" not in rule.methods:
                continue
            response = client.get(build_url(rule, values[rule.rule]))
            observed.setdefault(rule.rule, []).append(outcome(response))
            response.close()
    table = {rule: "".join(found) for rule, found in observed.items()}
    if os.environ.get("QMS_PRINT_ACCESS_MATRIX"):
        print("\n".join(f'    "{rule}": "{line}",' for rule, line in table.items()))
    wrong = [f"{rule}: expected {EXPECTED.get(rule)} got {line}" for rule, line in table.items()
             if EXPECTED.get(rule) != line]  # fmt: skip
    assert not wrong, "roles in the order " + " ".join(ROLES) + "\n" + "\n".join(wrong)


def test_forbidden_posts_are_refused_and_change_nothing(matrix_app: Flask) -> None:
    values = route_values(matrix_app)
    observed: dict[str, list[str]] = {}
    for index, role in enumerate(ROLES):
        client = client_for(matrix_app, role)
        for rule in rules(matrix_app):
            if "POST" not in rule.methods or rule.rule in POST_SKIPPED:
                continue
            expected = post_expectation(rule.rule)
            if expected[index] == "." and not os.environ.get("QMS_PRINT_ACCESS_MATRIX"):
                continue
            if expected[index] == "." and role not in ("anonymous", "member", "other_manager"):
                observed.setdefault(rule.rule, []).append(".")
                continue
            with matrix_app.app_context():
                before = history_size()
            response = client.post(build_url(rule, values[rule.rule]), data={"name": "Hack", "code": "HACK"})
            got = outcome(response)
            response.close()
            observed.setdefault(rule.rule, []).append(got if got in "xL4A" else ".")
            if expected[index] != ".":
                assert got == expected[index], (role, rule.rule, response.status_code)
                with matrix_app.app_context():
                    assert history_size() == before, (role, rule.rule)
    if os.environ.get("QMS_PRINT_ACCESS_MATRIX"):
        print("\n".join(f'    "{rule}": "{"".join(line)}",' for rule, line in observed.items()))
