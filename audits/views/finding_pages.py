"""Findings: logging, evidence files, the unit's corrective-action plan, the auditor's review and the
verification of effectiveness; and the findings register."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from audits.exports.register import findings_sheet
from audits.forms import (
    EMPTY_ACTION_ROWS,
    MAX_ACTION_ROWS,
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
from audits.models import (
    NC_KINDS,
    ActionEvidence,
    ActionItem,
    Attachment,
    Audit,
    ChecklistItem,
    Finding,
    FindingKind,
    FindingStatus,
    FollowUpProposal,
)
from audits.services import attachments, checklists, deadlines, queries
from audits.services import findings as service
from audits.views.audit_pages import audit_or_404
from audits.views.blueprint import bp
from audits.views.programme_pages import require_reader
from qms.extensions import db
from qms.models.org import Unit, User
from qms.services import access, org
from qms.services.errors import DomainError, NotFound
from qms.services.files import read_limited
from qms.services.history import history_of
from qms.views.helpers import (
    PAGE_RANGE,
    YEAR_RANGE,
    flash_error,
    form_error,
    int_arg,
    small_int,
    stored_file_download,
    wants_xlsx,
    xlsx_download,
)

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
    item = _checklist_item(audit)
    if not form.is_submitted():
        form.edition.data = audit.edition
        form.raised_on.data = service.default_raised_on(audit)
        if item is not None:
            _prefill_from_item(form, audit, item)
    if form.validate_on_submit():
        try:
            finding = service.create_finding(
                audit,
                actor=current_user,
                raised_on=form.raised_on.data or service.default_raised_on(audit),
                checklist_item=item,
                **_finding_fields(form),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Finding %(ref)s logged.", ref=finding.label), "success")
            return _back(finding)
    return render_template("audits/finding_form.html", form=form, audit=audit, finding=None)


def _checklist_item(audit: Audit) -> ChecklistItem | None:
    """The checklist row named by `?item=` (the form posts back to the same address, so it stays)."""
    item_id = int_arg("item")
    if item_id is None:
        return None
    try:
        return checklists.item_for_finding(audit, item_id)
    except NotFound:
        abort(404)


def _prefill_from_item(form: FindingForm, audit: Audit, item: ChecklistItem) -> None:
    """A nonconformity answer proposes a minor nonconformity, an observation an observation; the
    item's notes are the evidence and its question the requirement."""
    kind = {"nonconformity": FindingKind.MINOR, "observation": FindingKind.OBSERVATION}.get(item.result or "")
    if kind is not None:
        form.kind.data = kind.value
    if item.clause is not None:
        form.edition.data = item.clause.edition
        form.clause.data = item.clause.number
    if len(audit.units) == 1:
        form.unit_id.data = audit.units[0].id
    form.evidence.data = item.notes
    form.requirement.data = item.question


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


@bp.route("/findings/<int:finding_id>")
@login_required
def finding_show(finding_id: int) -> str:
    return _render_finding(finding_or_404(finding_id))


def _render_finding(
    finding: Finding,
    *,
    plan_form: PlanForm | None = None,
    done_form: DoneForm | None = None,
    done_action_id: int | None = None,
    withdraw_form: WithdrawForm | None = None,
) -> str:
    """The finding page; a plan or done form that failed comes back with the user's input and errors."""
    plan = finding.corrective_action
    if plan_form is None:
        plan_form = _plan_form_of(finding)
    proposal = db.session.scalar(db.select(FollowUpProposal).where(FollowUpProposal.finding_id == finding.id))
    today = date.today()
    return render_template(
        "audits/finding.html",
        finding=finding,
        plan=plan,
        plan_form=plan_form,
        done_form=DoneForm(formdata=None, done_on=today),
        failed_done_form=done_form,
        done_action_id=done_action_id,
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
        step=deadlines.current_step(finding, today),
        history=history_of("finding", finding.id),
    )


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
    return _render_finding(finding, withdraw_form=form)


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
                data=read_limited(upload.stream),
                root=Path(current_app.config.get("AUDIT_FILES_DIR") or current_app.instance_path),
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
    return stored_file_download(path, mimetype=item.content_type, name=item.filename)


# --- the unit's answer: one form --------------------------------------------------------------


def _owner_choices(form: PlanForm, finding: Finding) -> None:
    choices = [(0, "—"), *((u.id, u.full_name) for u in service.action_owners(finding.unit))]
    for entry in form.actions:
        entry.form.owner_id.choices = choices


def _plan_form_of(finding: Finding) -> PlanForm:
    """The plan form filled from what is stored, with a few empty action rows."""
    plan = finding.corrective_action
    whys = list(plan.whys or []) if plan else []
    rows: list[dict[str, object]] = [
        {
            "id": str(a.id),
            "what": a.what,
            "owner_id": a.owner_id or 0,
            "owner_name": "" if a.owner_id else a.owner_name,
            "due_on": a.due_on,
        }
        for a in service.current_actions(finding)
    ]
    rows = (rows + [{"owner_id": 0} for _n in range(EMPTY_ACTION_ROWS)])[:MAX_ACTION_ROWS]
    form = PlanForm(
        formdata=None,
        version=str(plan.version) if plan else "",
        correction=plan.correction if plan else "",
        root_cause=plan.root_cause if plan else "",
        whys=(whys + [""] * 5)[: max(5, min(len(whys), 20))],
        actions=rows,
    )
    _owner_choices(form, finding)
    return form


def _action_rows(form: PlanForm) -> list[service.ActionRow]:
    rows = []
    for entry in form.actions:
        row = entry.form
        action_id = small_int(row.id.data)
        rows.append(
            service.ActionRow(
                id=action_id,
                what=row.what.data or "",
                owner=db.session.get(User, owner_id) if (owner_id := small_int(row.owner_id.data)) else None,
                owner_name=row.owner_name.data or "",
                due_on=row.due_on.data,
                remove=bool(row.remove.data),
            )
        )
    return rows


def _plan_error(form: PlanForm, exc: DomainError) -> None:
    """Show a plan error next to its field, including a field of one action row (`actions-<n>-what`)."""
    target = None
    name = exc.field or ""
    if name == "what" and form.actions.entries:
        name = "actions-0-what"
    if name.startswith("actions-"):
        _prefix, number, field_name = name.split("-", 2)
        if number.isdigit() and int(number) < len(form.actions.entries):
            target = getattr(form.actions.entries[int(number)].form, field_name, None)
    if target is None:
        form_error(form, exc)
        return
    db.session.rollback()
    target.errors = [*target.errors, str(exc.message)]


@bp.route("/findings/<int:finding_id>/plan", methods=["POST"])
@login_required
def plan_save(finding_id: int) -> str | Response:
    """Correction, root cause with the 5 whys and the actions are saved together, all or nothing;
    "add a row" shows the same form again with one more empty row and everything typed kept."""
    finding = finding_or_404(finding_id)
    if not access.can_answer_finding(current_user, finding.unit):
        abort(403)
    form = PlanForm()
    if form.add_row.data:
        if len(form.actions.entries) < MAX_ACTION_ROWS:
            form.actions.append_entry({"owner_id": 0})
        _owner_choices(form, finding)
        return _render_finding(finding, plan_form=form)
    _owner_choices(form, finding)
    if form.validate_on_submit():
        try:
            service.save_plan(
                finding,
                actor=current_user,
                version=_version(form),
                correction=form.correction.data or "",
                root_cause=form.root_cause.data or "",
                whys=[w or "" for w in form.whys.data],
                actions=_action_rows(form),
            )
            if form.submit_plan.data:
                service.submit_plan(finding, actor=current_user)
        except DomainError as exc:
            _plan_error(form, exc)
        else:
            db.session.commit()
            if form.submit_plan.data:
                flash(_("Plan submitted to the auditor."), "success")
            else:
                flash(_("Plan saved."), "success")
            return _back(finding, "#plan")
    return _render_finding(finding, plan_form=form)


@bp.route("/actions/<int:action_id>/done", methods=["POST"])
@login_required
def action_done(action_id: int) -> str | Response:
    item = db.get_or_404(ActionItem, action_id)
    finding = finding_or_404(item.finding_id)
    if not access.can_answer_finding(current_user, finding.unit):
        abort(403)
    form = DoneForm()
    if form.validate_on_submit():
        uploads = [f for f in (form.files.data or []) if f and f.filename]
        try:
            service.mark_action_done(
                item,
                actor=current_user,
                done_on=form.done_on.data,
                note=form.note.data or "",
                files=[(f.filename or "", read_limited(f.stream)) for f in uploads],
                root=_files_root(),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Action marked done."), "success")
            return _back(finding, "#plan")
    return _render_finding(finding_or_404(item.finding_id), done_form=form, done_action_id=action_id)


@bp.route("/action-evidence/<int:evidence_id>")
@login_required
def action_evidence(evidence_id: int) -> Response:
    """An evidence file of a done action: readable by whoever may read the finding."""
    evidence = db.get_or_404(ActionEvidence, evidence_id)
    finding_or_404(evidence.action.finding_id)
    path = attachments.storage_path(_files_root(), evidence.sha256)
    if not path.exists():
        abort(404)
    return stored_file_download(path, mimetype=evidence.content_type, name=evidence.filename)


def _files_root() -> Path:
    return Path(current_app.config.get("AUDIT_FILES_DIR") or current_app.instance_path)


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
def findings() -> str | Response:
    require_reader()
    args = request.args
    filters = {
        "year": int_arg("year", **YEAR_RANGE),
        "unit_id": int_arg("unit_id"),
        "status": args.get("status") if args.get("status") in FINDING_STATUS else None,
        "kind": args.get("kind") if args.get("kind") in FINDING_KIND else None,
        "clause": (args.get("clause") or "").strip() or None,
    }
    if wants_xlsx():  # the rows the filters select, every page of them
        rows = db.session.scalars(
            queries.findings_register_query(**filters).options(selectinload(Finding.actions))
        )
        return xlsx_download(findings_sheet(rows, "findings"))
    page, counts = queries.findings_register_page(int_arg("page", 1, **PAGE_RANGE), PAGE_SIZE, **filters)
    units = org.unit_options()
    withdrawn = counts.withdrawn
    return render_template(
        "audits/findings.html",
        page=page,
        withdrawn=withdrawn,
        filters=filters,
        query_args={k: v for k, v in filters.items() if v},
        units=units,
        today=date.today(),
    )
