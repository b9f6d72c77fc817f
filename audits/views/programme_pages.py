"""Yearly programmes with their calendar, follow-up proposals, and auditors' competence records."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from audits.forms import (
    CompetenceForm,
    EmptyForm,
    FollowUpPlanForm,
    ProgrammeDecisionForm,
    ProgrammeForm,
    ProposalForm,
)
from audits.models import AuditProgramme, FollowUpProposal
from audits.services import findings as finding_service
from audits.services import planning, queries
from audits.views.blueprint import bp
from qms.extensions import db
from qms.models.org import OrgRole, User
from qms.services import access
from qms.services.errors import DomainError, NotAllowed, NotFound
from qms.services.history import history_of
from qms.views.helpers import flash_error, form_error, refuse


def require_reader() -> None:
    if not access.reads_everything(current_user):
        abort(403)


def require_planner() -> None:
    if not access.can_plan_audits(current_user):
        abort(403)


def programme_or_404(year: int) -> AuditProgramme:
    try:
        return planning.require_programme(year)
    except NotFound as exc:
        refuse(exc)


def require_programme_reader() -> None:
    """Org-wide readers and the people of any unit open the programmes (a unit's people see only the
    audits of their units)."""
    if not (access.reads_everything(current_user) or current_user.memberships):
        abort(403)


@bp.route("/programmes")
@login_required
def programmes() -> str:
    require_programme_reader()
    return render_template("audits/programmes.html", programmes=queries.programme_rows(current_user))


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def programme_new() -> str | Response:
    require_planner()
    form = ProgrammeForm()
    if form.validate_on_submit():
        try:
            programme = planning.create_programme(
                actor=current_user,
                year=form.year.data,
                edition=form.edition.data,
                objectives=form.objectives.data or "",
                scope=form.scope.data or "",
                notes=form.notes.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Audit programme %(year)s created.", year=programme.year), "success")
            return redirect(url_for("audits.programme", year=programme.year))
    return render_template("audits/programme_form.html", form=form, programme=None)


def _follow_up_form(form: FollowUpPlanForm | None = None) -> FollowUpPlanForm:
    form = form or FollowUpPlanForm()
    form.proposal_ids.choices = [
        (p.id, f"{p.finding.label} · {p.unit.code}") for p in queries.pending_proposals()
    ]
    return form


def _render_programme(
    programme: AuditProgramme,
    *,
    decision_form: ProgrammeDecisionForm | None = None,
    follow_up_form: FollowUpPlanForm | None = None,
) -> str:
    reads_all = access.reads_everything(current_user)
    can_plan = access.can_plan_audits(current_user)
    return render_template(
        "audits/programme.html",
        programme=programme,
        reads_all=reads_all,
        can_plan=can_plan,
        calendar=queries.calendar(programme, current_user),
        units_due=queries.units_due(programme) if reads_all else [],
        as_of=queries.reference_date(programme),
        proposals=queries.pending_proposals() if can_plan else [],
        actions=planning.allowed_programme_actions(programme, current_user),
        button=EmptyForm(),
        decision_form=decision_form or ProgrammeDecisionForm(),
        follow_up_form=_follow_up_form(follow_up_form) if can_plan else None,
        history=history_of("audit_programme", programme.id),
    )


@bp.route("/programmes/<int:year>")
@login_required
def programme(year: int) -> str:
    require_programme_reader()
    return _render_programme(programme_or_404(year))


@bp.route("/programmes/<int:year>/edit", methods=["GET", "POST"])
@login_required
def programme_edit(year: int) -> str | Response:
    require_planner()
    programme = programme_or_404(year)
    if not programme.is_editable:
        message = _("Programme %(year)s is submitted or approved: it can no longer be changed.", year=year)
        flash(message, "warning")
        return redirect(url_for("audits.programme", year=year))
    form = ProgrammeForm(obj=programme)
    del form.year  # the year names the programme; it is not edited
    if form.validate_on_submit():
        try:
            planning.update_programme(
                programme,
                actor=current_user,
                edition=form.edition.data,
                objectives=form.objectives.data or "",
                scope=form.scope.data or "",
                notes=form.notes.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Programme saved."), "success")
            return redirect(url_for("audits.programme", year=year))
    return render_template("audits/programme_form.html", form=form, programme=programme)


@bp.route("/programmes/<int:year>/submit", methods=["POST"])
@login_required
def programme_submit(year: int) -> Response:
    require_planner()
    programme = programme_or_404(year)
    if EmptyForm().validate_on_submit():
        try:
            planning.submit_programme(programme, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Programme %(year)s submitted for approval.", year=year), "success")
    return redirect(url_for("audits.programme", year=year))


@bp.route("/programmes/<int:year>/decision", methods=["POST"])
@login_required
def programme_decide(year: int) -> str | Response:
    if not current_user.has_role(OrgRole.LEADER):
        abort(403)
    programme = programme_or_404(year)
    form = ProgrammeDecisionForm()
    if form.validate_on_submit():
        try:
            if form.decision.data == "approve":
                planning.approve_programme(
                    programme,
                    actor=current_user,
                    decision_number=form.decision_number.data or "",
                    decision_date=form.decision_date.data,
                )
            else:
                planning.return_programme(programme, actor=current_user, comment=form.comment.data or "")
        except NotAllowed as exc:
            flash_error(exc)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            if programme.is_approved:
                flash(_("Programme %(year)s approved.", year=year), "success")
            else:
                flash(_("Programme %(year)s returned to the steering committee.", year=year), "info")
            return redirect(url_for("audits.programme", year=year))
    return _render_programme(programme, decision_form=form)


@bp.route("/programmes/<int:year>/follow-ups", methods=["POST"])
@login_required
def programme_follow_ups(year: int) -> str | Response:
    require_planner()
    programme = programme_or_404(year)
    form = _follow_up_form()
    if form.validate_on_submit():
        chosen = [db.session.get(FollowUpProposal, pid) for pid in form.proposal_ids.data or []]
        try:
            planned = planning.plan_follow_up_audits(
                programme, [p for p in chosen if p is not None], actor=current_user
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Follow-up audits planned: %(refs)s.", refs=", ".join(a.ref for a in planned)), "success")
            return redirect(url_for("audits.programme", year=year))
    return _render_programme(programme, follow_up_form=form)


@bp.route("/proposals/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def proposal(proposal_id: int) -> str | Response:
    require_planner()
    proposal = db.get_or_404(FollowUpProposal, proposal_id)
    form = ProposalForm()
    if not form.is_submitted():
        form.planned_start.data = proposal.due_on
        form.planned_end.data = proposal.due_on
    if form.validate_on_submit():
        try:
            finding_service.decide_follow_up(
                proposal,
                actor=current_user,
                accept=form.decision.data == "accept",
                planned_start=form.planned_start.data,
                planned_end=form.planned_end.data,
                reason=form.reason.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            if proposal.audit is not None:
                flash(_("Follow-up audit %(ref)s planned.", ref=proposal.audit.ref), "success")
                return redirect(url_for("audits.audit_show", ref=proposal.audit.ref))
            flash(_("Proposal dismissed."), "info")
            return redirect(url_for("audits.finding_show", finding_id=proposal.finding_id))
    return render_template("audits/proposal.html", proposal=proposal, form=form)


@bp.route("/auditors")
@login_required
def auditors() -> str:
    require_reader()
    people = planning.auditors()
    records = {u.id: planning.competence_records(u) for u in people}
    return render_template("audits/auditors.html", auditors=people, records=records)


@bp.route("/auditors/<int:user_id>", methods=["GET", "POST"])
@login_required
def auditor(user_id: int) -> str | Response:
    require_reader()
    user = db.get_or_404(User, user_id)
    form = CompetenceForm()
    if form.validate_on_submit():
        if not access.can_plan_audits(current_user):
            abort(403)
        try:
            planning.add_competence(
                user,
                actor=current_user,
                title=form.title.data or "",
                certificate=form.certificate.data or "",
                edition=form.edition.data,
                valid_from=form.valid_from.data,
                valid_to=form.valid_to.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Competence record added."), "success")
            return redirect(url_for("audits.auditor", user_id=user.id))
    return render_template(
        "audits/auditor.html", person=user, records=planning.competence_records(user), form=form
    )
