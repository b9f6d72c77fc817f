"""The transition to ISO 9001:2015: progress across the city, a unit's gap items, an item with its
evidence, the plan's steps, and the documents."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from qms.exports import document as docx
from qms.exports import transition as exports
from qms.extensions import db
from qms.formatting import current_lang
from qms.forms.admin import EmptyForm
from qms.forms.transition import (
    FileEvidenceForm,
    ItemForm,
    OwnerForm,
    RecordEvidenceForm,
    StepForm,
    TransitionForm,
)
from qms.models.org import Unit, User
from qms.models.transition import ItemStatus, Transition, TransitionEvidence, TransitionItem, TransitionStep
from qms.services import access, files, org
from qms.services import transition as service
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import history_of
from qms.services.transition import catalogue
from qms.services.transition.progress import SORT_KEYS
from qms.views.helpers import document_download, flash_error, form_error, refuse, stored_file_download

bp = Blueprint("transition", __name__, url_prefix="/transition")


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals.update(
        item_title=service.item_title,
        item_guidance=service.item_guidance,
        evidence_text=service.evidence_text,
        evidence_url=service.evidence_url,
        evidence_kind_label=service.kind_label,
        transition_card=service.dashboard_card,
    )


def _current() -> Transition:
    transition = service.current_transition()
    if transition is None:
        abort(404, description=_("No transition to ISO 9001:2015 is open."))
    return transition


def _manage() -> None:
    if not access.can_manage_transition(current_user):
        refuse(NotAllowed(_("Only the ISO steering committee may change the transition.")))


def _unit_in_scope(transition: Transition, code: str) -> Unit:
    try:
        unit = org.unit_by_code(code)
        access.require_read_transition_unit(current_user, unit)
        service.scope_entry(transition, unit)
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            refuse(exc)
        abort(404, description=str(exc.message))
    return unit


def _item(item_id: int) -> TransitionItem:
    item = db.get_or_404(TransitionItem, item_id)
    try:
        access.require_read_transition_unit(current_user, item.unit)
    except NotAllowed as exc:
        refuse(exc)
    return item


def _user_choices(users: list[User]) -> list[tuple[object, str]]:
    return [("", "—"), *((u.id, u.full_name) for u in users)]


def _active_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active).order_by(User.full_name)))


def _transition_form(transition: Transition | None) -> TransitionForm:
    form = TransitionForm(obj=transition)
    units = list(db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.code)))
    form.units.choices = [(u.id, f"{u.code} — {u.name}") for u in units]
    form.responsible_id.choices = _user_choices(_active_users())
    if request.method == "GET":
        if transition is None:
            form.title.data = service.default_title()
            form.units.data = [u.id for u in units]
        else:
            form.units.data = [s.unit_id for s in transition.scope]
            form.responsible_id.data = transition.responsible_id
    return form


def _sort_args() -> tuple[str, bool]:
    sort = request.args.get("sort", "unit")
    if sort not in SORT_KEYS:
        sort = "unit"
    return sort, request.args.get("dir", "asc") == "desc"


@bp.route("/")
@login_required
def index() -> str:
    transition = service.current_transition()
    if transition is None:
        return render_template("transition/index.html", transition=None)
    sort, descending = _sort_args()
    follows = access.can_follow_transition(current_user)
    unit_ids = None if follows else {m.unit_id for m in current_user.memberships}
    figures = service.progress(transition, unit_ids=unit_ids, sort=sort, descending=descending)
    return render_template(
        "transition/index.html",
        transition=transition,
        figures=figures,
        follows=follows,
        sort=sort,
        descending=descending,
        can_manage=access.can_manage_transition(current_user),
        delete_form=EmptyForm(),
        history=history_of("transition", transition.id),
    )


@bp.route("/open", methods=["GET", "POST"])
@login_required
def open_page() -> str | Response:
    _manage()
    if service.current_transition() is not None:
        return redirect(url_for("transition.index"))
    form = _transition_form(None)
    if form.validate_on_submit():
        units = [db.session.get(Unit, uid) for uid in form.units.data or []]
        responsible = db.session.get(User, form.responsible_id.data) if form.responsible_id.data else None
        try:
            result = service.open_transition(
                actor=current_user,
                target_date=form.target_date.data,
                title=form.title.data,
                units=[u for u in units if u is not None],
                responsible=responsible,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Transition opened for %(units)s units with %(items)s gap items.",
                    units=len(result.units_added),
                    items=result.items_created,
                ),
                "success",
            )
            return redirect(url_for("transition.index"))
    return render_template("transition/form.html", form=form, title=_("Open the transition"))


@bp.route("/edit", methods=["GET", "POST"])
@login_required
def edit() -> str | Response:
    _manage()
    transition = _current()
    form = _transition_form(transition)
    if form.validate_on_submit():
        units = [db.session.get(Unit, uid) for uid in form.units.data or []]
        responsible = db.session.get(User, form.responsible_id.data) if form.responsible_id.data else None
        try:
            service.update_transition(
                transition,
                actor=current_user,
                title=form.title.data or "",
                target_date=form.target_date.data,
                units=[u for u in units if u is not None],
                responsible=responsible,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("transition.index"))
    return render_template("transition/form.html", form=form, title=_("Edit the transition"))


@bp.route("/units/<code>")
@login_required
def unit_items(code: str) -> str:
    transition = _current()
    unit = _unit_in_scope(transition, code)
    status = request.args.get("status") or None
    if status not in {s.value for s in ItemStatus}:
        status = None
    overdue = request.args.get("overdue") == "1"
    items = service.items_of(transition, unit, status=status, overdue=overdue)
    figures = service.progress(transition, unit_ids={unit.id})
    entry = service.scope_entry(transition, unit)
    owner_form = OwnerForm(owner_id=entry.owner_id)
    owner_form.owner_id.choices = _user_choices(service.members_of(unit))
    return render_template(
        "transition/unit.html",
        transition=transition,
        unit=unit,
        items=items,
        row=figures.rows[0] if figures.rows else None,
        status=status,
        overdue=overdue,
        owner_form=owner_form,
        can_manage=access.can_manage_transition(current_user),
        can_work=access.can_work_on_transition_unit(current_user, unit),
        today=date.today(),
    )


@bp.route("/units/<code>/owner", methods=["POST"])
@login_required
def unit_owner(code: str) -> Response:
    _manage()
    transition = _current()
    unit = _unit_in_scope(transition, code)
    form = OwnerForm()
    form.owner_id.choices = _user_choices(service.members_of(unit))
    form.owner_id.validate_choice = False  # the service says why another person cannot own it
    if form.validate_on_submit():
        try:
            service.set_unit_owner(transition, unit, actor=current_user, owner_id=form.owner_id.data)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
    return redirect(url_for("transition.unit_items", code=code))


def _item_form(item: TransitionItem) -> ItemForm:
    form = ItemForm(obj=item)
    form.owner_id.choices = _user_choices(service.members_of(item.unit))
    form.owner_id.validate_choice = False  # the service says why another person cannot own the item
    return form


def _render_item(item: TransitionItem, form: ItemForm, file_form: FileEvidenceForm | None = None) -> str:
    attached = {(e.kind, e.record_id) for e in item.current_evidence}
    entry = catalogue.item(item.key)
    proposals = service.proposals_for(entry.evidence if entry else (), item.unit, attached)
    record_forms = {}
    for proposal in proposals:
        if proposal.choices:
            record_form = RecordEvidenceForm(kind=proposal.kind.key, prefix=proposal.kind.key)
            record_form.record_id.choices = list(proposal.choices)
            record_forms[proposal.kind.key] = record_form
    return render_template(
        "transition/item.html",
        item=item,
        unit=item.unit,
        transition=item.transition,
        form=form,
        file_form=file_form or FileEvidenceForm(),
        proposals=proposals,
        record_forms=record_forms,
        register_form=EmptyForm(),
        remove_form=EmptyForm(),
        can_work=access.can_work_on_transition_unit(current_user, item.unit),
        history=history_of("transition_item", item.id),
        today=date.today(),
    )


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@login_required
def item_page(item_id: int) -> str | Response:
    item = _item(item_id)
    form = _item_form(item)
    if request.method == "POST":
        if not access.can_work_on_transition_unit(current_user, item.unit):
            refuse(NotAllowed(_("Only a manager of this unit may work on its transition items.")))
        if form.validate_on_submit():
            try:
                service.update_item(
                    item,
                    actor=current_user,
                    status=form.status.data,
                    owner_id=form.owner_id.data,
                    due=form.due.data,
                    notes=form.notes.data or "",
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("transition.item_page", item_id=item.id))
    return _render_item(item, form)


def _work_item(item_id: int) -> TransitionItem:
    item = _item(item_id)
    if not access.can_work_on_transition_unit(current_user, item.unit):
        refuse(NotAllowed(_("Only a manager of this unit may work on its transition items.")))
    return item


@bp.route("/items/<int:item_id>/evidence/<kind>", methods=["POST"])
@login_required
def attach(item_id: int, kind: str) -> str | Response:
    item = _work_item(item_id)
    spec = service.evidence_kind(kind)
    if spec is None:
        abort(404)
    try:
        if spec.is_register:
            if not EmptyForm().validate_on_submit():
                abort(400)
            service.attach_register(item, actor=current_user, kind=kind)
        else:
            form = RecordEvidenceForm(prefix=kind)
            form.record_id.choices = spec.choices(item.unit) if spec.choices else []
            form.record_id.validate_choice = False
            form.validate_on_submit()
            service.attach_record(item, actor=current_user, kind=kind, record_id=form.record_id.data)
    except DomainError as exc:
        flash_error(exc)
    else:
        db.session.commit()
        flash(_("Evidence attached."), "success")
    return redirect(url_for("transition.item_page", item_id=item.id, _anchor="evidence"))


@bp.route("/items/<int:item_id>/file", methods=["POST"])
@login_required
def upload(item_id: int) -> str | Response:
    item = _work_item(item_id)
    file_form = FileEvidenceForm()
    if file_form.validate_on_submit():
        upload_: FileStorage | None = file_form.file.data
        try:
            if upload_ is None or not upload_.filename:
                raise DomainError(_("Choose a file."), field="file")
            service.attach_file(
                item,
                actor=current_user,
                filename=upload_.filename,
                content=files.read_limited(upload_.stream),
            )
        except DomainError as exc:
            form_error(file_form, exc)
        else:
            db.session.commit()
            flash(_("Evidence attached."), "success")
            return redirect(url_for("transition.item_page", item_id=item.id, _anchor="evidence"))
    return _render_item(item, _item_form(item), file_form)


@bp.route("/evidence/<int:evidence_id>/remove", methods=["POST"])
@login_required
def remove(evidence_id: int) -> Response:
    evidence = db.get_or_404(TransitionEvidence, evidence_id)
    item = _work_item(evidence.item_id)
    if EmptyForm().validate_on_submit():
        service.remove_evidence(evidence, actor=current_user)
        db.session.commit()
        flash(_("Evidence removed; its history is kept."), "success")
    return redirect(url_for("transition.item_page", item_id=item.id, _anchor="evidence"))


@bp.route("/evidence/<int:evidence_id>/file")
@login_required
def evidence_file(evidence_id: int) -> Response:
    try:
        evidence = service.get_evidence(evidence_id)
        stored, path = service.evidence_file(evidence, actor=current_user)
    except DomainError as exc:
        refuse(exc)
        raise
    return stored_file_download(path, mimetype=stored.mimetype, name=stored.name)


# --- the plan's steps ----------------------------------------------------------------------------


@bp.route("/steps/new", methods=["GET", "POST"])
@bp.route("/steps/<int:step_id>/edit", methods=["GET", "POST"])
@login_required
def step(step_id: int | None = None) -> str | Response:
    _manage()
    transition = _current()
    existing = db.get_or_404(TransitionStep, step_id) if step_id is not None else None
    form = StepForm(obj=existing)
    if form.validate_on_submit():
        try:
            service.save_step(
                transition,
                actor=current_user,
                what=form.what.data,
                who=form.who.data or "",
                due=form.due.data,
                step=existing,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("transition.index", _anchor="plan"))
    title = _("Edit step") if existing else _("New step")
    return render_template("transition/form.html", form=form, title=title)


@bp.route("/steps/<int:step_id>/delete", methods=["POST"])
@login_required
def step_delete(step_id: int) -> Response:
    _manage()
    existing = db.get_or_404(TransitionStep, step_id)
    if EmptyForm().validate_on_submit():
        service.delete_step(existing, actor=current_user)
        db.session.commit()
        flash(_("Deleted."), "success")
    return redirect(url_for("transition.index", _anchor="plan"))


# --- documents -----------------------------------------------------------------------------------


@bp.route("/units/<code>/report.docx")
@login_required
def unit_report(code: str) -> Response:
    transition = _current()
    unit = _unit_in_scope(transition, code)
    lang = current_lang()
    data = docx.to_bytes(exports.unit_report(transition, unit, lang))
    return document_download(data, exports.unit_file_name(unit, lang))


@bp.route("/report.docx")
@login_required
def city_report() -> Response:
    if not access.can_follow_transition(current_user):
        refuse(NotAllowed(_("You may not see every unit's transition.")))
    transition = _current()
    lang = current_lang()
    return document_download(
        docx.to_bytes(exports.city_report(transition, lang)), exports.city_file_name(lang)
    )


@bp.route("/plan.docx")
@login_required
def plan() -> Response:
    transition = _current()
    lang = current_lang()
    return document_download(docx.to_bytes(exports.plan(transition, lang)), exports.plan_file_name(lang))
