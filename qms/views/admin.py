"""Administration: units, users, roles, memberships and the clause correspondence."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from qms.exports import lists
from qms.extensions import db
from qms.formatting import fmt_date
from qms.forms.admin import (
    EmptyForm,
    MappingForm,
    MembershipForm,
    NewUserForm,
    SetPasswordForm,
    UnitForm,
    UserForm,
    settings_form,
)
from qms.models.clauses import ClauseMapping
from qms.models.org import Membership, Unit, User
from qms.services import access, dashboard, jobs, org, reference, settings
from qms.services import reorganisation as reorganisations
from qms.services.errors import DomainError
from qms.services.history import history_of
from qms.views.helpers import form_error, wants_xlsx, xlsx_download

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not access.can_administer(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _parent_choices(exclude: Unit | None = None) -> list[tuple[int, str]]:
    choices = [(0, "—")]
    for unit, depth in org.units_tree():
        if exclude is not None and (unit is exclude or exclude in unit.ancestors()):
            continue
        choices.append((unit.id, "\u00a0\u00a0" * depth + f"{unit.code} — {unit.name}"))
    return choices


def _unit_choices() -> list[tuple[int, str]]:
    return [(u.id, "\u00a0\u00a0" * d + f"{u.code} — {u.name}") for u, d in org.units_tree() if u.active]


# --- overview and the scheduler's health ------------------------------------------------------


@bp.route("/")
@admin_required
def index() -> str:
    """The administration's pages, with a warning when the daily reminder run was missed."""
    return render_template("admin/index.html", health=jobs.scheduler_health())


@bp.route("/scheduler")
@admin_required
def scheduler() -> str:
    """The last successful runs of the scheduled work and the latest background jobs."""
    return render_template(
        "admin/scheduler.html",
        health=jobs.scheduler_health(),
        recent_jobs=jobs.recent_jobs(),
        title_of=jobs.title_of,
        missed_hours=int(jobs.missed_after().total_seconds() // 3600),
    )


# --- units -----------------------------------------------------------------------------------


@bp.route("/units")
@admin_required
def units() -> str | Response:
    tree = org.units_tree()
    if wants_xlsx():
        return xlsx_download(lists.units(tree))
    return render_template(
        "admin/units.html", tree=tree, successors=reorganisations.now_part_of([u for u, _d in tree])
    )


@bp.route("/units/new", methods=["GET", "POST"])
@admin_required
def unit_new() -> str | Response:
    form = UnitForm()
    form.parent_id.choices = _parent_choices()
    if form.validate_on_submit():
        parent = db.session.get(Unit, form.parent_id.data) if form.parent_id.data else None
        try:
            unit = org.create_unit(
                actor=current_user,
                code=form.code.data,
                name=form.name.data,
                kind=form.kind.data,
                parent=parent,
                active=form.active.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Unit %(code)s created.", code=unit.code), "success")
            return redirect(url_for("units.show", unit_id=unit.id))
    return render_template("admin/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@admin_required
def unit_edit(unit_id: int) -> str | Response:
    unit = db.get_or_404(Unit, unit_id)
    if unit.is_historical():
        flash(_("%(code)s ended on %(date)s: a historical unit is kept as it was.", code=unit.code,
                date=fmt_date(unit.valid_until)), "warning")  # fmt: skip
        return redirect(url_for("units.show", unit_id=unit.id))
    form = UnitForm(obj=unit)
    form.parent_id.choices = _parent_choices(exclude=unit)
    if not form.is_submitted():
        form.parent_id.data = unit.parent_id or 0
    if form.validate_on_submit():
        parent = db.session.get(Unit, form.parent_id.data) if form.parent_id.data else None
        try:
            org.update_unit(
                unit,
                actor=current_user,
                code=form.code.data,
                name=form.name.data,
                kind=form.kind.data,
                parent=parent,
                active=form.active.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Unit %(code)s saved.", code=unit.code), "success")
            return redirect(url_for("units.show", unit_id=unit.id))
    return render_template("admin/unit_form.html", form=form, unit=unit)


# --- users -----------------------------------------------------------------------------------


@bp.route("/users")
@admin_required
def users() -> str | Response:
    people = list(
        db.session.scalars(
            select(User)
            .options(selectinload(User.role_rows), selectinload(User.memberships).joinedload(Membership.unit))
            .order_by(User.full_name)
        )
    )
    if wants_xlsx():
        return xlsx_download(lists.users(people))
    return render_template("admin/users.html", users=people)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new() -> str | Response:
    form = NewUserForm()
    if not form.is_submitted():
        form.active.data = True
    if form.validate_on_submit():
        try:
            user = org.create_user(
                actor=current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                password=form.password.data,
                roles=form.roles.data or [],
                language=form.language.data,
                active=form.active.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, prefix="user")
    if not form.is_submitted():
        form.roles.data = sorted(user.roles)
    membership_form = MembershipForm(prefix="membership")
    membership_form.unit_id.choices = _unit_choices()
    password_form = SetPasswordForm(prefix="password")
    if form.submit.data and form.validate_on_submit():
        try:
            org.update_user(
                user,
                actor=current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                roles=form.roles.data or [],
                language=form.language.data,
                active=form.active.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        membership_form=membership_form,
        password_form=password_form,
        remove_form=EmptyForm(prefix="remove"),
        history=history_of("user_account", user.id),
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def user_password(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    password_form = SetPasswordForm(prefix="password")
    if password_form.validate_on_submit():
        try:
            org.set_password(user, password_form.password.data, actor=current_user)
        except DomainError as exc:
            form_error(password_form, exc)
        else:
            db.session.commit()
            flash(_("Password of %(email)s set.", email=user.email), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return _user_page_with(user, password_form=password_form), 400


@bp.route("/users/<int:user_id>/memberships", methods=["POST"])
@admin_required
def membership_add(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    membership_form = MembershipForm(prefix="membership")
    membership_form.unit_id.choices = _unit_choices()
    if membership_form.validate_on_submit():
        unit = db.get_or_404(Unit, membership_form.unit_id.data)
        try:
            org.add_membership(user, unit, membership_form.role.data, actor=current_user)
        except DomainError as exc:
            form_error(membership_form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s added to %(unit)s.", name=user.full_name, unit=unit.code), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return _user_page_with(user, membership_form=membership_form), 400


@bp.route("/memberships/<int:membership_id>/remove", methods=["POST"])
@admin_required
def membership_remove(membership_id: int) -> Response:
    membership = db.get_or_404(Membership, membership_id)
    user_id, unit_code = membership.user_id, membership.unit.code
    if EmptyForm(prefix="remove").validate_on_submit():
        org.remove_membership(membership, actor=current_user)
        db.session.commit()
        flash(_("Removed from %(unit)s.", unit=unit_code), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


def _user_page_with(user: User, **forms: Any) -> str:
    form = UserForm(obj=user, prefix="user", formdata=None)
    form.roles.data = sorted(user.roles)
    membership_form = forms.get("membership_form") or MembershipForm(prefix="membership", formdata=None)
    membership_form.unit_id.choices = _unit_choices()
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        membership_form=membership_form,
        password_form=forms.get("password_form") or SetPasswordForm(prefix="password", formdata=None),
        remove_form=EmptyForm(prefix="remove"),
        history=history_of("user_account", user.id),
    )


# --- clause correspondence -------------------------------------------------------------------


@bp.route("/correspondence")
@admin_required
def correspondence() -> str:
    """How each 2008 ↔ 2015 pair was checked, with its sources: the administrator's view of the
    reference data (users see the status, relation and notes beside each clause)."""
    return render_template("admin/correspondence.html", stats=dashboard.correspondence_statistics())


@bp.route("/mappings/<int:mapping_id>", methods=["GET", "POST"])
@admin_required
def mapping_edit(mapping_id: int) -> str | Response:
    mapping = db.get_or_404(ClauseMapping, mapping_id)
    form = MappingForm(obj=mapping)
    if form.validate_on_submit():
        try:
            reference.correct_mapping(
                mapping,
                actor=current_user,
                status=form.status.data,
                relation=form.relation.data,
                note=form.note.data,
                alternatives=form.alternatives.data,
                note_vi=form.note_vi.data,
                alternatives_vi=form.alternatives_vi.data,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Correspondence saved."), "success")
            clause = mapping.clause_2015 or mapping.clause_2008
            return redirect(url_for("clauses.show", edition=clause.edition, number=clause.number))
    return render_template(
        "admin/mapping_form.html",
        form=form,
        mapping=mapping,
        history=history_of("clause_mapping", mapping.id),
    )


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings_page() -> str | Response:
    """Who issues and signs documents, and the place in their date line."""
    form = settings_form(settings.SPECS, settings.stored_values())
    if form.validate_on_submit():
        try:
            values = {spec.key: form[spec.key].data or "" for spec in settings.SPECS}
            settings.update(values, actor=current_user)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.settings_page"))
    return render_template("admin/settings.html", form=form, defaults=settings.SPECS)
