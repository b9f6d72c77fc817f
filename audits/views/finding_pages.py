"""Findings: logging, evidence files, the unit's corrective-action plan, the auditor's review and the
verification of effectiveness; and the findings register."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func
from werkzeug.wrappers import Response

from audits.forms import (
    ActionForm,
    AttachmentForm,
    DoneForm,
    EmptyForm,
    FindingForm,
    PlanForm,
    ReviewForm,
    VerifyForm,
    WithdrawForm,
)
from audits.labels import FINDING_KIND, FINDING_STATUS, STATEMENT, STATEMENT_OF_NC
from audits.models import NC_KINDS, ActionItem, Attachment, Finding, FindingStatus, FollowUpProposal
from audits.services import attachments, queries
from audits.services import findings as service
from audits.views.audit_pages import audit_or_404
from audits.views.blueprint import bp
from audits.views.programme_pages import require_reader
from qms.extensions import db
from qms.models.org import Unit
from qms.services import access, org
from qms.services.errors import DomainError
from qms.services.history import history_of
from qms.views.helpers import flash_error, form_error

PAGE_SIZE = 50


def finding_or_404(finding_id: int) -> Finding:
    finding = db.get_or_404(Finding, finding_id)
    if not access.can_read_audit(current_user, {finding.unit_id}):
        abort(403)
    return finding


def _version(form: PlanForm | FindingForm) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def _back(finding: Finding, anchor: str = "") -> Response:
    return redirect(url_for("audits.finding_show", finding_id=finding.id) + anchor)


def _finding_form(form: FindingForm, units: list[Unit], kind: str | None) -> FindingForm:
    """Unit choices, and the statement named after the kind: a nonconformity's statement is the
    statement of the nonconformity (Nội dung điểm không phù hợp), otherwise just the statement."""
    form.unit_id.choices = [(u.id, f"{u.code} — {u.name}") for u in units]
    form.statement.label.text = str(STATEMENT_OF_NC if (kind or "major") in NC_KINDS else STATEMENT)
    return form


def _finding_fields(form: FindingForm) -> dict:
    return {
        "kind": form.kind.data,
        "edition": form.edition.data,
        "clause": form.clause.data or "",
        "unit": db.session.get(Unit, form.unit_id.data),
        "statement": form.statement.data or "",
        "evidence": form.evidence.data or "",
        "requirement": form.requirement.data or "",
        "process_code": form.process_code.data,
    }


@bp.route("/<ref>/findings/new", methods=["GET", "POST"])
@login_required
def finding_new(ref: str) -> str | Response:
    audit = audit_or_404(ref)
    if not access.can_log_findings(current_user, audit.team_user_ids):
        abort(403)
    form = FindingForm()
    _finding_form(form, audit.units, form.kind.data)
    if not form.is_submitted():
        form.edition.data = audit.edition
        form.raised_on.data = service.default_raised_on(audit)
    if form.validate_on_submit():
        try:
            finding = service.create_finding(
                audit,
                actor=current_user,
                raised_on=form.raised_on.data or service.default_raised_on(audit),
                **_finding_fields(form),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Finding %(ref)s logged.", ref=finding.label), "success")
            return _back(finding)
    return render_template("audits/finding_form.html", form=form, audit=audit, finding=None)


@bp.route("/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@login_required
def finding_edit(finding_id: int) -> str | Response:
    finding = finding_or_404(finding_id)
    if not access.can_log_findings(current_user, finding.audit.team_user_ids):
        abort(403)
    if not service.is_editable(finding):
        flash(_("Finding %(ref)s can no longer be changed.", ref=finding.label), "warning")
        return _back(finding)
    form = FindingForm(obj=finding)
    _finding_form(form, finding.audit.units, form.kind.data)
    if not form.is_submitted():
        form.edition.data = finding.clause.edition
        form.clause.data = finding.clause.number
        form.version.data = str(finding.version)
    if form.validate_on_submit():
        try:
            service.update_finding(
                finding,
                actor=current_user,
                version=_version(form),
                raised_on=form.raised_on.data,
                **_finding_fields(form),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Finding %(ref)s saved.", ref=finding.label), "success")
            return _back(finding)
    return render_template("audits/finding_form.html", form=form, audit=finding.audit, finding=finding)


def _finding_page(finding: Finding, withdraw_form: WithdrawForm | None = None) -> str:
    plan = finding.corrective_action
    plan_form = PlanForm(obj=plan)
    if plan is not None:
        plan_form.version.data = str(plan.version)
        plan_form.whys.data = "\n".join(plan.whys or [])
    proposal = db.session.scalar(db.select(FollowUpProposal).where(FollowUpProposal.finding_id == finding.id))
    today = date.today()
    return render_template(
        "audits/finding.html",
        finding=finding,
        plan=plan,
        plan_form=plan_form,
        action_form=ActionForm(),
        done_form=DoneForm(formdata=None, done_on=today),
        review_form=ReviewForm(),
        verify_form=VerifyForm(formdata=None, checked_on=today),
        attach_form=AttachmentForm(),
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        button=EmptyForm(),
        proposal=proposal,
        actions=service.allowed_finding_actions(finding, current_user),
        can_answer=access.can_answer_finding(current_user, finding.unit),
        plan_editable=finding.status in service.PLAN_EDITABLE,
        can_log=access.can_log_findings(current_user, finding.audit.team_user_ids),
        can_edit=service.can_edit(finding, current_user),
        can_withdraw=service.can_withdraw(finding, current_user),
        statement_label=STATEMENT_OF_NC if finding.is_nonconformity else STATEMENT,
        can_attach=access.can_log_findings(current_user, finding.audit.team_user_ids)
        or access.can_answer_finding(current_user, finding.unit),
        today=today,
        overdue=queries.is_overdue(finding, today),
        history=history_of("finding", finding.id),
    )


@bp.route("/findings/<int:finding_id>")
@login_required
def finding_show(finding_id: int) -> str:
    return _finding_page(finding_or_404(finding_id))


@bp.route("/findings/<int:finding_id>/withdraw", methods=["POST"])
@login_required
def finding_withdraw(finding_id: int) -> str | Response:
    finding = finding_or_404(finding_id)
    if not (
        access.can_log_findings(current_user, finding.audit.team_user_ids)
        or access.can_plan_audits(current_user)
    ):
        abort(403)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            service.withdraw_finding(finding, actor=current_user, reason=form.reason.data or "")
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Finding %(ref)s withdrawn.", ref=finding.label), "success")
            return _back(finding)
    return _finding_page(finding, withdraw_form=form)


@bp.route("/findings/<int:finding_id>/attachments", methods=["POST"])
@login_required
def finding_attach(finding_id: int) -> Response:
    finding = finding_or_404(finding_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            attachments.add_attachment(
                finding,
                actor=current_user,
                filename=upload.filename or "",
                data=upload.read(),
                root=Path(current_app.config.get("AUDIT_FILES_DIR") or current_app.instance_path),
                max_bytes=current_app.config.get("AUDIT_ATTACHMENT_MAX_BYTES", attachments.MAX_BYTES),
            )
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("File attached."), "success")
    else:
        flash(_("Choose a file to attach."), "danger")
    return _back(finding, "#attachments")


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    item = db.get_or_404(Attachment, attachment_id)
    finding_or_404(item.finding_id)
    root = Path(current_app.config.get("AUDIT_FILES_DIR") or current_app.instance_path)
    path = attachments.storage_path(root, item.sha256)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=item.content_type, download_name=item.filename, as_attachment=True)


@bp.route("/findings/<int:finding_id>/plan", methods=["POST"])
@login_required
def plan_save(finding_id: int) -> str | Response:
    finding = finding_or_404(finding_id)
    if not access.can_answer_finding(current_user, finding.unit):
        abort(403)
    form = PlanForm()
    if form.validate_on_submit():
        try:
            service.save_plan(
                finding,
                actor=current_user,
                version=_version(form),
                correction=form.correction.data or "",
                root_cause=form.root_cause.data or "",
                whys=(form.whys.data or "").splitlines(),
            )
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Plan saved."), "success")
    return _back(finding, "#plan")


@bp.route("/findings/<int:finding_id>/actions", methods=["POST"])
@login_required
def action_add(finding_id: int) -> Response:
    finding = finding_or_404(finding_id)
    if not access.can_answer_finding(current_user, finding.unit):
        abort(403)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            service.add_action(
                finding,
                actor=current_user,
                what=form.what.data or "",
                owner_name=form.owner_name.data or "",
                due_on=form.due_on.data,
            )
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Action added."), "success")
    else:
        flash(_("Check the action: the due date must be a date."), "danger")
    return _back(finding, "#plan")


@bp.route("/actions/<int:action_id>/delete", methods=["POST"])
@login_required
def action_delete(action_id: int) -> Response:
    item = db.get_or_404(ActionItem, action_id)
    finding = finding_or_404(item.finding_id)
    if not access.can_answer_finding(current_user, finding.unit):
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            service.delete_action(item, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
    return _back(finding, "#plan")


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@login_required
def action_done(action_id: int) -> Response:
    item = db.get_or_404(ActionItem, action_id)
    finding = finding_or_404(item.finding_id)
    if not access.can_answer_finding(current_user, finding.unit):
        abort(403)
    form = DoneForm()
    if form.validate_on_submit():
        try:
            service.mark_action_done(item, actor=current_user, done_on=form.done_on.data)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Action marked done."), "success")
    return _back(finding, "#plan")


@bp.route("/findings/<int:finding_id>/submit", methods=["POST"])
@login_required
def plan_submit(finding_id: int) -> Response:
    finding = finding_or_404(finding_id)
    if not access.can_answer_finding(current_user, finding.unit):
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            service.submit_plan(finding, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Plan submitted to the auditor."), "success")
    return _back(finding)


@bp.route("/findings/<int:finding_id>/review", methods=["POST"])
@login_required
def plan_review(finding_id: int) -> Response:
    finding = finding_or_404(finding_id)
    if not access.can_log_findings(current_user, finding.audit.team_user_ids):
        abort(403)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            service.review_plan(
                finding,
                actor=current_user,
                accept=form.decision.data == "accept",
                comment=form.comment.data or "",
            )
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Review recorded."), "success")
    else:
        flash(_("Choose to accept or return the plan."), "danger")
    return _back(finding)


@bp.route("/findings/<int:finding_id>/verify", methods=["POST"])
@login_required
def verify(finding_id: int) -> Response:
    finding = finding_or_404(finding_id)
    if not access.can_verify_finding(current_user, finding.unit):
        abort(403)
    form = VerifyForm()
    if form.validate_on_submit():
        try:
            service.verify(
                finding,
                actor=current_user,
                checked_on=form.checked_on.data,
                evidence=form.evidence.data or "",
                effective=form.effective.data == "yes",
            )
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            if finding.status == FindingStatus.CLOSED:
                flash(_("Effective: finding %(ref)s is closed.", ref=finding.label), "success")
            else:
                flash(_("Not effective: finding %(ref)s is reopened.", ref=finding.label), "warning")
    else:
        flash(_("Say whether the actions were effective."), "danger")
    return _back(finding)


@bp.route("/findings")
@login_required
def findings() -> str:
    require_reader()
    args = request.args
    filters = {
        "year": args.get("year", type=int),
        "unit_id": args.get("unit_id", type=int),
        "status": args.get("status") if args.get("status") in FINDING_STATUS else None,
        "kind": args.get("kind") if args.get("kind") in FINDING_KIND else None,
        "clause": (args.get("clause") or "").strip() or None,
    }
    page = db.paginate(
        queries.findings_register_query(**filters),
        page=args.get("page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    units = [u for u, _depth in org.units_tree()]
    withdrawn = 0
    if filters["status"] in (None, FindingStatus.WITHDRAWN):
        counted = {**filters, "status": FindingStatus.WITHDRAWN}
        withdrawn = db.session.scalar(
            db.select(func.count()).select_from(queries.findings_register_query(**counted).subquery())
        )
    return render_template(
        "audits/findings.html",
        page=page,
        withdrawn=withdrawn or 0,
        filters=filters,
        query_args={k: v for k, v in filters.items() if v},
        units=units,
        today=date.today(),
        is_overdue=queries.is_overdue,
    )
