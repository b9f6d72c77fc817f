"""A unit's quality policy and objectives, their measurements, and the figures they are measured from."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from qms import formatting
from qms.exports import lists
from qms.exports.document import to_bytes
from qms.exports.objectives import objectives_document
from qms.extensions import db
from qms.forms.admin import EmptyForm
from qms.forms.objectives import (
    PERIOD_HELP,
    CaseStatisticsForm,
    MeasurementForm,
    ObjectiveForm,
    PolicyForm,
    SatisfactionForm,
)
from qms.models.objectives import Measurement, Objective
from qms.models.org import Unit, User
from qms.services import access, case_stats, objectives
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import history_of
from qms.services.periods import MAX_YEAR, MIN_YEAR
from qms.views.helpers import (
    YEAR_RANGE,
    document_download,
    form_error,
    int_arg,
    refuse,
    wants_xlsx,
    xlsx_download,
)

bp = Blueprint("objectives", __name__)
bp.app_template_filter("fmeasure")(formatting.fmt_measure)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _unit(unit_id: int, *, edit: bool = False) -> Unit:
    unit = db.get_or_404(Unit, unit_id)
    try:
        if edit:
            access.require_edit_unit_records(current_user, unit)
        else:
            access.require_read_unit(current_user, unit)
    except NotAllowed as exc:
        refuse(exc)
    return unit


def _objective(objective_id: int, *, edit: bool = False) -> Objective:
    objective = db.get_or_404(Objective, objective_id)
    _unit(objective.unit_id, edit=edit)
    return objective


def _year_arg(default: int) -> int:
    year = int_arg("year", **YEAR_RANGE) or default
    if not MIN_YEAR <= year <= MAX_YEAR:
        abort(404)
    return year


def _owner_choices(unit: Unit) -> list[tuple[int, str]]:
    people = sorted(unit.memberships, key=lambda m: m.user.full_name)
    return [(0, "—")] + [(m.user.id, m.user.full_name) for m in people if m.user.active]


# --- policy and objectives -------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/objectives")
@login_required
def index(unit_id: int) -> str | Response:
    unit = _unit(unit_id)
    year = _year_arg(objectives.default_year(unit))
    quality = objectives.overview(unit, year)
    if wants_xlsx():
        return xlsx_download(lists.objectives(quality, unit, year))
    return render_template(
        "objectives/index.html",
        unit=unit,
        quality=quality,
        can_edit=access.can_edit_unit_records(current_user, unit),
    )


@bp.route("/units/<int:unit_id>/objectives/<int:year>/policy", methods=["GET", "POST"])
@login_required
def policy(unit_id: int, year: int) -> str | Response:
    unit = _unit(unit_id, edit=True)
    existing = objectives.policy_of(unit, year)
    form = PolicyForm(obj=existing)
    if form.validate_on_submit():
        try:
            objectives.save_policy(
                unit,
                year,
                actor=current_user,
                text=form.text.data,
                approved_by=form.approved_by.data or "",
                approved_on=form.approved_on.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Quality policy %(year)s saved.", year=year), "success")
            return redirect(url_for("objectives.index", unit_id=unit.id, year=year))
    history = history_of("quality_policy", existing.id) if existing else []
    return render_template("objectives/policy_form.html", unit=unit, year=year, form=form, history=history)


def _fields(form: ObjectiveForm) -> objectives.ObjectiveFields:
    owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else None
    return objectives.ObjectiveFields(
        year=form.year.data,
        statement=form.statement.data or "",
        indicator=form.indicator.data or "",
        direction=form.direction.data,
        target=form.target.data,
        unit_of_measure=form.unit_of_measure.data or "",
        source=form.source.data,
        include_sub_units=form.include_sub_units.data,
        owner=owner,
        process_code=form.process_code.data,
        plan_actions=form.plan_actions.data or "",
        plan_resources=form.plan_resources.data or "",
        plan_responsible=form.plan_responsible.data or "",
        plan_due=form.plan_due.data,
        plan_evaluation=form.plan_evaluation.data or "",
    )


@bp.route("/units/<int:unit_id>/objectives/new", methods=["GET", "POST"])
@login_required
def new(unit_id: int) -> str | Response:
    unit = _unit(unit_id, edit=True)
    form = ObjectiveForm()
    form.owner_id.choices = _owner_choices(unit)
    if not form.is_submitted():
        form.year.data = _year_arg(objectives.default_year(unit))
    if form.validate_on_submit():
        try:
            objective = objectives.create_objective(unit, _fields(form), actor=current_user)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Quality objective saved."), "success")
            return redirect(url_for("objectives.show", objective_id=objective.id))
    return render_template("objectives/objective_form.html", unit=unit, form=form, objective=None)


@bp.route("/objectives/<int:objective_id>")
@login_required
def show(objective_id: int) -> str:
    objective = _objective(objective_id)
    form = MeasurementForm()
    return render_template(
        "objectives/show.html",
        unit=objective.unit,
        objective=objective,
        evaluation=objectives.evaluate(objective),
        form=form,
        period_help=PERIOD_HELP,
        delete_form=EmptyForm(prefix="delete"),
        can_edit=access.can_edit_unit_records(current_user, objective.unit),
        can_measure=access.can_record_measurements(current_user, objective.unit),
        history=history_of("quality_objective", objective.id),
    )


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@login_required
def edit(objective_id: int) -> str | Response:
    objective = _objective(objective_id, edit=True)
    form = ObjectiveForm(obj=objective)
    form.owner_id.choices = _owner_choices(objective.unit)
    if not form.is_submitted():
        form.owner_id.data = objective.owner_id or 0
        form.process_code.data = objective.process_code or ""
    if form.validate_on_submit():
        try:
            objectives.update_objective(objective, _fields(form), actor=current_user)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Quality objective saved."), "success")
            return redirect(url_for("objectives.show", objective_id=objective.id))
    return render_template(
        "objectives/objective_form.html", unit=objective.unit, form=form, objective=objective
    )


@bp.route("/objectives/<int:objective_id>/delete", methods=["POST"])
@login_required
def delete(objective_id: int) -> Response:
    objective = _objective(objective_id, edit=True)
    unit_id, year = objective.unit_id, objective.year
    form = EmptyForm(prefix="delete")
    if not form.validate_on_submit():
        abort(400)
    objectives.delete_objective(objective, actor=current_user)
    db.session.commit()
    flash(_("Quality objective deleted."), "success")
    return redirect(url_for("objectives.index", unit_id=unit_id, year=year))


@bp.route("/objectives/<int:objective_id>/measurements", methods=["POST"])
@login_required
def measure(objective_id: int) -> str | Response | tuple[str, int]:
    objective = _objective(objective_id)
    if not access.can_record_measurements(current_user, objective.unit):
        abort(403)
    form = MeasurementForm()
    if form.validate_on_submit():
        try:
            objectives.record_measurement(
                objective,
                actor=current_user,
                period=form.period.data,
                value=form.value.data,
                note=form.note.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Measurement recorded."), "success")
            return redirect(url_for("objectives.show", objective_id=objective.id))
    page = render_template(
        "objectives/show.html",
        unit=objective.unit,
        objective=objective,
        evaluation=objectives.evaluate(objective),
        form=form,
        period_help=PERIOD_HELP,
        delete_form=EmptyForm(prefix="delete"),
        can_edit=access.can_edit_unit_records(current_user, objective.unit),
        can_measure=True,
        history=history_of("quality_objective", objective.id),
    )
    return page, 400


@bp.route("/measurements/<int:measurement_id>/delete", methods=["POST"])
@login_required
def delete_measurement(measurement_id: int) -> Response:
    measurement = db.get_or_404(Measurement, measurement_id)
    objective = _objective(measurement.objective_id)
    if not access.can_record_measurements(current_user, objective.unit):
        abort(403)
    if not EmptyForm(prefix="delete").validate_on_submit():
        abort(400)
    objectives.delete_measurement(measurement, actor=current_user)
    db.session.commit()
    flash(_("Measurement deleted."), "success")
    return redirect(url_for("objectives.show", objective_id=objective.id))


@bp.route("/units/<int:unit_id>/objectives/<int:year>/export.docx")
@login_required
def export(unit_id: int, year: int) -> Response:
    unit = _unit(unit_id)
    if not MIN_YEAR <= year <= MAX_YEAR:
        abort(404)
    document = objectives_document(unit, year, lang=formatting.current_lang())
    return document_download(to_bytes(document), f"muc-tieu-chat-luong-{unit.code}-{year}.docx")


# --- case statistics and satisfaction --------------------------------------------------------


@bp.route("/units/<int:unit_id>/statistics")
@login_required
def statistics(unit_id: int) -> str | Response:
    unit = _unit(unit_id)
    year = int_arg("year", **YEAR_RANGE)
    lines = case_stats.unit_statistics(unit, year)
    if wants_xlsx():
        return xlsx_download(lists.case_statistics(lines, unit))
    return render_template(
        "objectives/statistics.html",
        unit=unit,
        year=year,
        lines=lines,
        satisfaction=case_stats.unit_satisfaction(unit, year),
        can_edit=access.can_edit_unit_records(current_user, unit),
        history=[e for e in history_of("unit", unit.id) if e.record_type in FIGURE_TABLES],
    )


FIGURE_TABLES = ("case_statistics", "satisfaction_index")


@bp.route("/units/<int:unit_id>/statistics/cases", methods=["GET", "POST"])
@login_required
def case_form(unit_id: int) -> str | Response:
    unit = _unit(unit_id, edit=True)
    period = request.args.get("period", "")
    existing = case_stats.case_statistics_of(unit, period) if period else None
    form = CaseStatisticsForm(obj=existing)
    if form.validate_on_submit():
        try:
            case_stats.record_case_statistics(
                unit,
                actor=current_user,
                period=form.period.data,
                received=form.received.data,
                resolved=form.resolved.data,
                on_time=form.on_time.data,
                late=form.late.data,
                online_eligible=form.online_eligible.data,
                online=form.online.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Case statistics %(period)s saved.", period=form.period.data.strip()), "success")
            return redirect(url_for("objectives.statistics", unit_id=unit.id))
    return render_template(
        "objectives/figures_form.html",
        unit=unit,
        form=form,
        title=_("Case statistics of %(code)s", code=unit.code),
        period_help=PERIOD_HELP,
    )


@bp.route("/units/<int:unit_id>/statistics/satisfaction", methods=["GET", "POST"])
@login_required
def satisfaction_form(unit_id: int) -> str | Response:
    unit = _unit(unit_id, edit=True)
    period = request.args.get("period", "")
    existing = case_stats.satisfaction_of(unit, period) if period else None
    form = SatisfactionForm(obj=existing)
    if form.validate_on_submit():
        try:
            case_stats.record_satisfaction(
                unit,
                actor=current_user,
                period=form.period.data,
                index_percent=form.index_percent.data,
                respondents=form.respondents.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Satisfaction index %(period)s saved.", period=form.period.data.strip()), "success")
            return redirect(url_for("objectives.statistics", unit_id=unit.id))
    return render_template(
        "objectives/figures_form.html",
        unit=unit,
        form=form,
        title=_("Satisfaction index of %(code)s", code=unit.code),
        period_help=PERIOD_HELP,
    )
