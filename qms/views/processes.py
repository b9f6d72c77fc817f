"""Procedures: lists per unit and for the organisation, the procedure page with its process map,
forms for the procedure and its steps, approval, new versions, links and the Word export."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from qms.exports import lists
from qms.extensions import db
from qms.formatting import current_lang
from qms.forms.admin import EmptyForm
from qms.forms.processes import ApproveForm, LinkForm, ProcessForm, StepForm
from qms.models.org import Unit
from qms.models.processes import Process, ProcessLink, Step
from qms.services import access, process_map, processes
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import history_of
from qms.views.helpers import document_download, form_error, refuse, small_int, wants_xlsx, xlsx_download

bp = Blueprint("processes", __name__, url_prefix="/procedures")

PROCESS_FIELDS = (
    "title",
    "kind",
    "purpose",
    "scope",
    "references_text",
    "definitions",
    "time_limit_days",
    "clauses",
    "forms_text",
    "records_text",
)
STEP_FIELDS = ("kind", "text", "responsible", "days", "output", "next_step_id", "yes_step_id", "no_step_id")


def map_words() -> dict[str, str]:
    return {
        "start": _("Start"),
        "end": _("End"),
        "yes": _("Yes"),
        "no": _("No"),
        "responsible": _("Responsible"),
        "flow": _("Process flow"),
        "time": _("Time"),
        "days": _("days"),
        "decimal": "," if current_lang() == "vi" else ".",
    }


def _read(unit: Unit) -> None:
    try:
        access.require_read_unit(current_user, unit)
    except NotAllowed as exc:
        refuse(exc)


def _edit(unit: Unit) -> None:
    try:
        access.require_edit_unit_records(current_user, unit)
    except NotAllowed as exc:
        refuse(exc)


@bp.route("/")
@login_required
def index() -> str | Response:
    readable = processes.readable_processes(current_user)
    if wants_xlsx():
        return xlsx_download(lists.procedures(readable, None))
    return render_template(
        "processes/index.html",
        processes=readable,
        unit=None,
        can_map_all=access.reads_everything(current_user),
    )


@bp.route("/unit/<int:unit_id>")
@login_required
def unit_index(unit_id: int) -> str | Response:
    unit = db.get_or_404(Unit, unit_id)
    _read(unit)
    current = processes.current_processes({unit.id})
    if wants_xlsx():
        return xlsx_download(lists.procedures(current, unit))
    return render_template(
        "processes/index.html",
        processes=current,
        unit=unit,
        can_map_all=access.reads_everything(current_user),
    )


@bp.route("/map")
@login_required
def organisation_map() -> str:
    if not access.reads_everything(current_user):
        refuse(
            NotAllowed(_("Only the steering committee, auditors and leadership see every unit's processes."))
        )
    layout = process_map.interaction_map(processes.current_processes(), processes.all_links())
    return render_template("processes/interaction.html", layout=layout, unit=None)


@bp.route("/unit/<int:unit_id>/map")
@login_required
def unit_map(unit_id: int) -> str:
    unit = db.get_or_404(Unit, unit_id)
    _read(unit)
    own = processes.current_processes({unit.id})
    codes = {p.code for p in own}
    links = [link for link in processes.all_links() if link.source.code in codes or link.target.code in codes]
    others = {link.source.code for link in links} | {link.target.code for link in links}
    shown = own + [p for code in sorted(others - codes) if (p := processes.current_version(code)) is not None]
    layout = process_map.interaction_map(shown, links, home_unit_id=unit.id)
    return render_template("processes/interaction.html", layout=layout, unit=unit)


@bp.route("/unit/<int:unit_id>/new", methods=["GET", "POST"])
@login_required
def new(unit_id: int) -> str | WerkzeugResponse:
    unit = db.get_or_404(Unit, unit_id)
    _edit(unit)
    form = ProcessForm()
    if form.validate_on_submit():
        try:
            process = processes.create_process(
                actor=current_user,
                unit=unit,
                code=form.code.data,
                **{name: getattr(form, name).data for name in PROCESS_FIELDS},
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Procedure %(code)s created as a draft.", code=process.code), "success")
            return redirect(url_for("processes.show", process_id=process.id))
    return render_template("processes/form.html", form=form, unit=unit, process=None)


def _load(process_id: int, *, edit: bool = False) -> Process:
    process = db.get_or_404(Process, process_id)
    if edit:
        _edit(process.unit)
        return process
    try:
        processes.require_read(current_user, process)
    except NotAllowed as exc:
        refuse(exc)
    return process


@bp.route("/<int:process_id>")
@login_required
def show(process_id: int) -> str:
    process = _load(process_id)
    found = processes.problems(process)
    layout = process_map.flowchart(
        process, words=map_words(), problem_step_ids={p.step_id for p in found if p.step_id}
    )
    outgoing, incoming = processes.links_of(process)
    link_form = LinkForm()
    link_form.target_id.choices = [
        (str(p.id), f"{p.code} — {p.title}") for p in processes.link_targets(current_user, process)
    ]
    return render_template(
        "processes/show.html",
        process=process,
        problems=found,
        layout=layout,
        total_days=processes.main_path_days(process),
        versions=processes.versions_of(process.code),
        outgoing=outgoing,
        incoming=incoming,
        can_edit=processes.can_edit(current_user, process),
        can_approve=processes.can_approve(current_user, process) and not found,
        can_new_version=processes.can_make_new_version(current_user, process),
        can_link=access.can_edit_unit_records(current_user, process.unit),
        can_open=lambda other: processes.can_read(current_user, other),
        can_open_unit=access.can_read_unit(current_user, process.unit),
        approve_form=ApproveForm(effective_date=date.today()),
        link_form=link_form,
        button=EmptyForm(),
        history=history_of("process", process.id),
    )


@bp.route("/<int:process_id>/edit", methods=["GET", "POST"])
@login_required
def edit(process_id: int) -> str | WerkzeugResponse:
    process = _load(process_id, edit=True)
    if not process.is_draft:
        flash(_("Only a draft can be changed: make a new version of this procedure."), "warning")
        return redirect(url_for("processes.show", process_id=process.id))
    form = ProcessForm(obj=process)
    if not form.is_submitted():
        form.clauses.data = " ".join(c.number for c in process.clauses if c.edition == "2015")
        form.forms_text.data = processes.forms_text(process)
        form.records_text.data = processes.records_text(process)
        form.time_limit_days.data = processes.fmt_days(process.time_limit_days)
    if form.validate_on_submit():
        try:
            processes.update_process(
                process,
                actor=current_user,
                code=form.code.data,
                **{name: getattr(form, name).data for name in PROCESS_FIELDS},
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Procedure %(code)s saved.", code=process.code), "success")
            return redirect(url_for("processes.show", process_id=process.id))
    return render_template("processes/form.html", form=form, unit=process.unit, process=process)


def _post_action(process: Process, action, message: str) -> WerkzeugResponse:  # type: ignore[no-untyped-def]
    try:
        result = action()
    except NotAllowed as exc:
        db.session.rollback()
        refuse(exc)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return redirect(url_for("processes.show", process_id=process.id))
    db.session.commit()
    flash(message, "success")
    target = result if isinstance(result, Process) else process
    return redirect(url_for("processes.show", process_id=target.id))


@bp.route("/<int:process_id>/approve", methods=["POST"])
@login_required
def approve(process_id: int) -> WerkzeugResponse:
    process = _load(process_id, edit=True)
    form = ApproveForm()
    effective = form.effective_date.data if form.validate_on_submit() else None
    return _post_action(
        process,
        lambda: processes.approve(process, actor=current_user, effective_date=effective),
        _("Procedure approved."),
    )


@bp.route("/<int:process_id>/new-version", methods=["POST"])
@login_required
def new_version(process_id: int) -> WerkzeugResponse:
    process = _load(process_id, edit=True)
    return _post_action(
        process,
        lambda: processes.new_version(process, actor=current_user),
        _("A new draft version was made."),
    )


@bp.route("/<int:process_id>/delete", methods=["POST"])
@login_required
def delete(process_id: int) -> WerkzeugResponse:
    process = _load(process_id, edit=True)
    unit_id = process.unit_id
    try:
        processes.delete_draft(process, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return redirect(url_for("processes.show", process_id=process_id))
    db.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("processes.unit_index", unit_id=unit_id))


# --- steps -----------------------------------------------------------------------------------


def _step_choices(form: StepForm, process: Process, step: Step | None) -> None:
    others = [(str(s.id), f"{s.position}. {s.text[:60]}") for s in process.steps if s is not step]
    form.next_step_id.choices = [
        ("", _("— the following step —")),
        ("end", _("— end of the procedure —")),
        *others,
    ]
    form.yes_step_id.choices = [("", "—"), *others]
    form.no_step_id.choices = [("", "—"), *others]


def _step_form_page(process: Process, step: Step | None) -> str | WerkzeugResponse:
    form = StepForm(obj=step)
    _step_choices(form, process, step)
    if step is not None and not form.is_submitted():
        form.days.data = processes.fmt_days(step.days)
        form.next_step_id.data = "end" if step.ends else str(step.next_step_id or "")
        form.yes_step_id.data = str(step.yes_step_id or "")
        form.no_step_id.data = str(step.no_step_id or "")
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in STEP_FIELDS}
        try:
            if step is None:
                processes.add_step(process, actor=current_user, **values)
            else:
                processes.update_step(step, actor=current_user, **values)
        except NotAllowed as exc:
            refuse(exc)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Step saved."), "success")
            return redirect(url_for("processes.show", process_id=process.id, _anchor="steps"))
    return render_template("processes/step_form.html", form=form, process=process, step=step)


@bp.route("/<int:process_id>/steps/new", methods=["GET", "POST"])
@login_required
def step_new(process_id: int) -> str | WerkzeugResponse:
    process = _load(process_id, edit=True)
    return _step_form_page(process, None)


def _load_step(process_id: int, step_id: int) -> Step:
    step = db.get_or_404(Step, step_id)
    if step.process_id != process_id:
        refuse(NotAllowed(_("This step belongs to another procedure.")))
    _edit(step.process.unit)
    return step


@bp.route("/<int:process_id>/steps/<int:step_id>/edit", methods=["GET", "POST"])
@login_required
def step_edit(process_id: int, step_id: int) -> str | WerkzeugResponse:
    step = _load_step(process_id, step_id)
    return _step_form_page(step.process, step)


@bp.route("/<int:process_id>/steps/<int:step_id>/delete", methods=["POST"])
@login_required
def step_delete(process_id: int, step_id: int) -> WerkzeugResponse:
    step = _load_step(process_id, step_id)
    process = step.process
    return _post_action(process, lambda: processes.delete_step(step, actor=current_user), _("Step deleted."))


@bp.route("/<int:process_id>/steps/<int:step_id>/move/<direction>", methods=["POST"])
@login_required
def step_move(process_id: int, step_id: int, direction: str) -> WerkzeugResponse:
    step = _load_step(process_id, step_id)
    process = step.process
    return _post_action(
        process, lambda: processes.move_step(step, actor=current_user, direction=direction), _("Step moved.")
    )


# --- links and export ------------------------------------------------------------------------


@bp.route("/<int:process_id>/links", methods=["POST"])
@login_required
def link_add(process_id: int) -> WerkzeugResponse:
    process = _load(process_id, edit=True)
    form = LinkForm()
    target_id = small_int(form.target_id.data)
    target = db.session.get(Process, target_id) if target_id is not None else None
    return _post_action(
        process,
        lambda: processes.add_link(process, actor=current_user, target=target, label=form.label.data or ""),
        _("Link recorded."),
    )


@bp.route("/<int:process_id>/links/<int:link_id>/delete", methods=["POST"])
@login_required
def link_delete(process_id: int, link_id: int) -> WerkzeugResponse:
    process = _load(process_id)
    link = db.get_or_404(ProcessLink, link_id)
    return _post_action(process, lambda: processes.delete_link(link, actor=current_user), _("Link removed."))


@bp.route("/<int:process_id>/export.docx")
@login_required
def export_docx(process_id: int) -> Response:
    from qms.exports.procedure import procedure_docx

    process = _load(process_id)
    lang = request.args.get("lang") or current_lang()
    edition = request.args.get("edition") if request.args.get("edition") in ("2008", "2015") else None
    data = procedure_docx(process, "en" if lang == "en" else "vi", edition)
    return document_download(data, f"{process.code}-v{process.version}.docx")
