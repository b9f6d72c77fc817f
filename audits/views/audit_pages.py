"""One audit: plan (scope, team, agenda), workflow, checklist and its findings."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from audits.forms import (
    AgendaForm,
    AuditForm,
    ConclusionForm,
    EmptyForm,
    TeamForm,
    TransitionForm,
)
from audits.forms.checklist import ChecklistForm
from audits.labels import AUDIT_ACTIONS
from audits.models import AgendaItem, Audit, AuditStatus, AuditTeamMember
from audits.services import checklists, planning, queries
from audits.views.blueprint import bp
from audits.views.programme_pages import programme_or_404, require_planner
from qms.extensions import db
from qms.models.clauses import Clause
from qms.models.org import Unit, User
from qms.services import access, org, remapping
from qms.services.errors import DomainError, NotAllowed, NotFound
from qms.views.helpers import flash_error, form_error, refuse, small_int


def audit_or_404(ref: str) -> Audit:
    try:
        audit = planning.get_audit(ref)
    except NotFound as exc:
        refuse(exc)
    if not access.can_read_audit(current_user, audit.unit_ids):
        abort(403)
    return audit


def _unit_choices() -> list[tuple[int, str]]:
    return [(u.id, "\u00a0\u00a0" * d + f"{u.code} — {u.name}") for u, d in org.units_tree() if u.active]


def _clause_choices(edition: str) -> list[tuple[int, str]]:
    clauses = db.session.scalars(select(Clause).where(Clause.edition == edition).order_by(Clause.sort_key))
    return [(c.id, f"{c.number} {c.title('vi' if current_user.language == 'vi' else 'en')}") for c in clauses]


def _units(ids: list[int]) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids or [])))) if ids else []


@bp.route("/programmes/<int:year>/audits/new", methods=["GET", "POST"])
@login_required
def audit_new(year: int) -> str | Response:
    require_planner()
    programme = programme_or_404(year)
    form = AuditForm()
    form.unit_ids.choices = _unit_choices()
    form.clause_ids.choices = _clause_choices(programme.edition)
    if form.validate_on_submit():
        try:
            audit = planning.create_audit(
                actor=current_user,
                programme=programme,
                kind=form.kind.data,
                planned_start=form.planned_start.data,
                planned_end=form.planned_end.data,
                units=_units(form.unit_ids.data),
                clause_ids=form.clause_ids.data or [],
                processes=form.processes.data or "",
                process_code=form.process_code.data,
                objectives=form.objectives.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Audit %(ref)s planned.", ref=audit.ref), "success")
            return redirect(url_for("audits.audit_show", ref=audit.ref))
    return render_template("audits/audit_form.html", form=form, programme=programme, audit=None)


@bp.route("/<ref>/edit", methods=["GET", "POST"])
@login_required
def audit_edit(ref: str) -> str | Response:
    require_planner()
    audit = audit_or_404(ref)
    form = AuditForm(obj=audit)
    form.unit_ids.choices = _unit_choices()
    form.clause_ids.choices = _clause_choices(audit.edition)
    if not form.is_submitted():
        form.unit_ids.data = sorted(audit.unit_ids)
        form.clause_ids.data = [link.clause_id for link in audit.clause_links]
    if form.validate_on_submit():
        try:
            planning.update_audit(
                audit,
                actor=current_user,
                kind=form.kind.data,
                planned_start=form.planned_start.data,
                planned_end=form.planned_end.data,
                units=_units(form.unit_ids.data),
                clause_ids=form.clause_ids.data or [],
                processes=form.processes.data or "",
                process_code=form.process_code.data,
                objectives=form.objectives.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Audit %(ref)s saved.", ref=audit.ref), "success")
            return redirect(url_for("audits.audit_show", ref=audit.ref))
    return render_template("audits/audit_form.html", form=form, programme=audit.programme, audit=audit)


def _conclusion_form(audit: Audit) -> ConclusionForm | None:
    """The lead auditor's conclusion form, while the audit runs or its report was returned."""
    if not planning.is_lead_auditor(audit, current_user) or audit.status not in planning.CONCLUSION_EDITABLE:
        return None
    form = ConclusionForm(obj=audit)
    if not form.is_submitted():
        form.conformity.data = audit.conformity
        form.effective.data = None if audit.effective is None else ("yes" if audit.effective else "no")
    return form


def _render_audit(
    audit: Audit,
    *,
    conclusion_form: ConclusionForm | None = None,
    transition_form: TransitionForm | None = None,
    failed_action: str = "",
) -> str:
    team_form = TeamForm()
    on_team = audit.team_user_ids
    team_form.user_id.choices = [choice for choice in planning.auditor_choices() if choice[0] not in on_team]
    team_form.role.data = "member" if audit.lead is not None else "lead"
    bookings = planning.team_bookings(audit)
    return render_template(
        "audits/audit.html",
        audit=audit,
        scope_known=remapping.equivalents_of(
            "audit_scope", ((audit.id, link.clause) for link in audit.clause_links)
        ),
        findings=queries.findings_for_audit(audit, current_user),
        summary=queries.audit_summary(audit, reader=current_user),
        checklist_summary=checklists.checklist_summary(audit),
        actions=planning.allowed_audit_actions(audit, current_user),
        action_words=AUDIT_ACTIONS,
        transition_form=transition_form or TransitionForm(),
        failed_action=failed_action,
        conclusion_form=conclusion_form or _conclusion_form(audit),
        today=date.today(),
        team_form=team_form,
        agenda_form=AgendaForm(),
        button=EmptyForm(),
        bookings=bookings,
        is_lead=planning.is_lead_auditor(audit, current_user),
        can_plan=access.can_plan_audits(current_user),
        may_acknowledge=planning.may_acknowledge_competence,
        can_send_plan=planning.may_send_plan(audit, current_user),
        plan_changed=planning.plan_changed_since_sent(audit),
        managed_unit_ids=access.managed_unit_ids(current_user),
        reads_programme=access.reads_everything(current_user) or bool(current_user.memberships),
        can_log=access.can_log_findings(current_user, on_team),
        history=queries.audit_history(audit, current_user),
    )


@bp.route("/<ref>")
@login_required
def audit_show(ref: str) -> str:
    return _render_audit(audit_or_404(ref))


@bp.route("/<ref>/transition", methods=["POST"])
@login_required
def audit_transition(ref: str) -> str | Response:
    audit = audit_or_404(ref)
    form = TransitionForm()
    action = form.action.data or ""
    if form.validate_on_submit():
        try:
            planning.transition_audit(
                audit,
                action,
                actor=current_user,
                reason=form.reason.data or "",
                report_date=form.report_date.data,
            )
        except DomainError as exc:
            if exc.field in ("reason", "report_date") and not isinstance(exc, NotAllowed):
                form_error(form, exc)
                return _render_audit(audit, transition_form=form, failed_action=action)
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Audit %(ref)s updated.", ref=audit.ref), "success")
    elif form.report_date.errors:
        return _render_audit(audit, transition_form=form, failed_action=action)
    return redirect(url_for("audits.audit_show", ref=audit.ref))


@bp.route("/<ref>/conclusion", methods=["POST"])
@login_required
def audit_conclusion(ref: str) -> str | Response:
    audit = audit_or_404(ref)
    if not planning.is_lead_auditor(audit, current_user):
        abort(403)
    form = ConclusionForm()
    if form.validate_on_submit():
        effective = {"yes": True, "no": False}.get(form.effective.data or "")
        try:
            planning.save_conclusion(
                audit,
                actor=current_user,
                conformity=form.conformity.data or None,
                effective=effective,
                conclusion=form.conclusion.data or "",
                strengths=form.strengths.data or "",
                recommendations=form.recommendations.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Conclusion of %(ref)s saved.", ref=audit.ref), "success")
            return redirect(url_for("audits.audit_show", ref=audit.ref) + "#audit-conclusion")
    return _render_audit(audit, conclusion_form=form)


@bp.route("/<ref>/team", methods=["POST"])
@login_required
def team_add(ref: str) -> Response:
    require_planner()
    audit = audit_or_404(ref)
    form = TeamForm()
    form.user_id.choices = planning.auditor_choices()
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        try:
            if user is None:
                raise NotFound(_("No such auditor."))
            result = planning.assign_auditor(audit, user, role=form.role.data, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("%(name)s added to the team.", name=user.full_name), "success")
            for warning in result.warnings:
                flash(warning, "warning")
    else:
        flash(_("Choose an auditor."), "danger")
    return redirect(url_for("audits.audit_show", ref=audit.ref) + "#team")


def _on_team_member(
    ref: str, member_id: int, act: Callable[[AuditTeamMember], object], done: Callable[[AuditTeamMember], str]
) -> Response:
    """A button on a team member: load, check it belongs to the audit, act, commit, say what happened."""
    audit = audit_or_404(ref)
    member = db.get_or_404(AuditTeamMember, member_id)
    if member.audit_id != audit.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        try:
            act(member)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(done(member), "success")
    return redirect(url_for("audits.audit_show", ref=audit.ref) + "#team")


@bp.route("/<ref>/team/<int:member_id>/remove", methods=["POST"])
@login_required
def team_remove(ref: str, member_id: int) -> Response:
    require_planner()
    return _on_team_member(
        ref,
        member_id,
        lambda m: planning.remove_auditor(m, actor=current_user),
        lambda m: _("%(name)s removed from the team.", name=m.user.full_name),
    )


@bp.route("/<ref>/team/<int:member_id>/acknowledge", methods=["POST"])
@login_required
def team_acknowledge(ref: str, member_id: int) -> Response:
    return _on_team_member(
        ref,
        member_id,
        lambda m: planning.acknowledge_competence(m, actor=current_user),
        lambda m: _("Competence warning acknowledged."),
    )


@bp.route("/<ref>/team/<int:member_id>/lead", methods=["POST"])
@login_required
def team_make_lead(ref: str, member_id: int) -> Response:
    require_planner()
    return _on_team_member(
        ref,
        member_id,
        lambda m: planning.make_lead(m, actor=current_user),
        lambda m: _("%(name)s is now the lead auditor.", name=m.user.full_name),
    )


@bp.route("/<ref>/plan/send", methods=["POST"])
@login_required
def plan_send(ref: str) -> Response:
    audit = audit_or_404(ref)
    if not planning.may_send_plan(audit, current_user):
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            sending = planning.send_plan(audit, actor=current_user, base_url=request.host_url)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            names = ", ".join(p.full_name for p in sending.recipients) or "—"
            if sending.mail_configured:
                flash(_("Plan sent by e-mail to: %(names)s.", names=names), "success")
            else:
                flash(
                    _(
                        "Plan recorded as sent and shown on the managers' “My work” (%(names)s); no mail "
                        "server is configured, so no e-mail went out.",
                        names=names,
                    ),
                    "warning",
                )
    return redirect(url_for("audits.audit_show", ref=audit.ref) + "#plan")


@bp.route("/<ref>/plan/acknowledge/<int:unit_id>", methods=["POST"])
@login_required
def plan_acknowledge(ref: str, unit_id: int) -> Response:
    audit = audit_or_404(ref)
    unit = db.get_or_404(Unit, unit_id)
    if not access.can_edit_unit_records(current_user, unit):
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            planning.acknowledge_plan(audit, unit, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Plan of %(ref)s acknowledged for %(unit)s.", ref=audit.ref, unit=unit.code), "success")
    return redirect(url_for("audits.audit_show", ref=audit.ref) + "#plan")


@bp.route("/<ref>/agenda", methods=["POST"])
@login_required
def agenda_add(ref: str) -> Response:
    audit = audit_or_404(ref)
    form = AgendaForm()
    if form.validate_on_submit():
        try:
            planning.add_agenda_item(
                audit,
                actor=current_user,
                day=form.day.data,
                time=form.time.data or "",
                activity=form.activity.data or "",
                auditee_contact=form.auditee_contact.data or "",
            )
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
    else:
        flash(_("Check the agenda entry: the day must be a date."), "danger")
    return redirect(url_for("audits.audit_show", ref=audit.ref) + "#agenda")


@bp.route("/<ref>/agenda/<int:item_id>/delete", methods=["POST"])
@login_required
def agenda_delete(ref: str, item_id: int) -> Response:
    audit = audit_or_404(ref)
    item = db.get_or_404(AgendaItem, item_id)
    if item.audit_id != audit.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        try:
            planning.delete_agenda_item(item, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
    return redirect(url_for("audits.audit_show", ref=audit.ref) + "#agenda")


def _checklist_error(form: ChecklistForm, exc: DomainError) -> None:
    """A row's error goes next to that row's field, an error of the added question next to its fields."""
    match = re.fullmatch(r"rows-(\d+)-(\w+)", exc.field or "")
    if match and int(match.group(1)) < len(form.rows):
        db.session.rollback()
        row = form.rows[int(match.group(1))].form
        field = getattr(row, match.group(2), None) or row.question
        field.errors = [*field.errors, str(exc.message)]
        return
    if exc.field in ("question", "clause_id"):
        exc.field = {"question": "new_question", "clause_id": "new_clause_id"}[exc.field]
    form_error(form, exc)


@bp.route("/<ref>/checklist", methods=["GET", "POST"])
@login_required
def checklist(ref: str) -> str | Response:
    """The whole checklist is one form: every row's question, result and notes are saved together
    (all or nothing); the "add" button saves the rows and adds the typed question in one go."""
    audit = audit_or_404(ref)
    can_edit = access.can_log_findings(current_user, audit.team_user_ids)
    if request.method == "POST" and not can_edit:
        abort(403)
    checklists.load_findings(audit)
    form = ChecklistForm()
    form.new_clause_id.choices = [(0, "—"), *_clause_choices(audit.edition)]
    if not form.is_submitted():
        for item in audit.checklist:
            row = SimpleNamespace(
                item_id=item.id, question=item.question, result=item.result or "", notes=item.notes
            )
            form.rows.append_entry(row)
    if form.validate_on_submit():
        rows = [
            checklists.ChecklistRow(
                item_id=small_int(row.item_id.data) or 0,
                question=row.question.data or "",
                result=row.result.data or None,
                notes=row.notes.data or "",
            )
            for row in (entry.form for entry in form.rows)
        ]
        try:
            checklists.save_checklist(audit, actor=current_user, rows=rows)
            if form.add.data:
                clause = db.session.get(Clause, form.new_clause_id.data) if form.new_clause_id.data else None
                item = checklists.add_item(
                    audit, actor=current_user, question=form.new_question.data or "", clause=clause
                )
        except DomainError as exc:
            _checklist_error(form, exc)
        else:
            db.session.commit()
            if form.add.data:
                flash(_("Checklist saved; question %(n)s added.", n=item.position), "success")
                return redirect(url_for("audits.checklist", ref=audit.ref) + f"#item-{item.id}")
            flash(_("Checklist saved."), "success")
            return redirect(url_for("audits.checklist", ref=audit.ref))
    items = {item.id: item for item in audit.checklist}
    rows_shown = []
    for entry in form.rows:
        item_id = entry.form.item_id.data
        number = small_int(item_id)
        item = items.get(number) if number is not None else None
        if item is not None:
            rows_shown.append((item, entry.form))
    return render_template(
        "audits/checklist.html",
        audit=audit,
        form=form,
        rows=rows_shown if can_edit else [(item, None) for item in audit.checklist],
        known=remapping.equivalents_of(
            "checklist_item", ((item.id, item.clause) for item in audit.checklist)
        ),
        button=EmptyForm(),
        can_edit=can_edit,
        can_raise=can_edit and audit.status in (AuditStatus.IN_PROGRESS, AuditStatus.REPORTED),
        raises_finding=checklists.RAISES_FINDING,
        needs_finding=checklists.needs_finding,
    )


@bp.route("/<ref>/checklist/generate", methods=["POST"])
@login_required
def checklist_generate(ref: str) -> Response:
    audit = audit_or_404(ref)
    if EmptyForm().validate_on_submit():
        try:
            added = checklists.generate_checklist(audit, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("%(n)s questions added from the clauses in scope.", n=len(added)), "success")
    return redirect(url_for("audits.checklist", ref=audit.ref))
