"""Yearly programmes with their calendar, follow-up proposals, and auditors' competence records."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from audits.forms import CompetenceForm, EmptyForm, ProgrammeForm, ProposalForm
from audits.models import FollowUpProposal
from audits.services import findings as finding_service
from audits.services import planning, queries
from audits.views.blueprint import bp
from qms.extensions import db
from qms.models.org import User
from qms.services import access
from qms.services.errors import DomainError, NotFound
from qms.services.history import history_of
from qms.views.helpers import form_error, refuse


def require_reader() -> None:
    if not access.reads_everything(current_user):
        abort(403)


def require_planner() -> None:
    if not access.can_plan_audits(current_user):
        abort(403)


def programme_or_404(year: int):
    try:
        return planning.require_programme(year)
    except NotFound as exc:
        refuse(exc)


@bp.route("/programmes")
@login_required
def programmes() -> str:
    require_reader()
    return render_template("audits/programmes.html", programmes=planning.programmes())


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


@bp.route("/programmes/<int:year>")
@login_required
def programme(year: int) -> str:
    require_reader()
    programme = programme_or_404(year)
    return render_template(
        "audits/programme.html",
        programme=programme,
        calendar=queries.calendar(programme),
        units_due=queries.units_due(programme),
        as_of=queries.reference_date(programme),
        proposals=queries.pending_proposals(),
        approve_form=EmptyForm(),
        history=history_of("audit_programme", programme.id),
    )


@bp.route("/programmes/<int:year>/edit", methods=["GET", "POST"])
@login_required
def programme_edit(year: int) -> str | Response:
    require_planner()
    programme = programme_or_404(year)
    form = ProgrammeForm(obj=programme)
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


@bp.route("/programmes/<int:year>/approve", methods=["POST"])
@login_required
def programme_approve(year: int) -> Response:
    require_planner()
    programme = programme_or_404(year)
    if EmptyForm().validate_on_submit():
        try:
            planning.approve_programme(programme, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            db.session.commit()
            flash(_("Programme approved."), "success")
    return redirect(url_for("audits.programme", year=year))


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
