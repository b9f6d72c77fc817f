"""Management reviews: the list per year, the form, the review page (inputs with notes, conclusions,
decisions, hold and reopen), marking decisions done, and the pack and notice downloads."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from audits.exports import review as documents
from audits.forms import EmptyForm
from audits.forms.review import (
    DecisionDoneForm,
    DecisionForm,
    NoticeForm,
    ReopenForm,
    ReviewForm,
    ReviewNotesForm,
)
from audits.models.review import INPUT_GROUPS, ManagementReview, ReviewDecision
from audits.services.review import core
from audits.services.review.notice import issue_notice
from audits.views.blueprint import bp
from qms.exports.document import to_bytes
from qms.extensions import db
from qms.formatting import current_lang
from qms.models.org import Membership, User
from qms.services import access, org
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import history_of
from qms.views.helpers import YEAR_RANGE, document_download, flash_error, form_error, int_arg, refuse


def _review_or_404(review_id: int) -> ManagementReview:
    try:
        return core.read_review(review_id, actor=current_user)
    except DomainError as exc:
        refuse(exc)
    raise AssertionError  # pragma: no cover


def _may_create_any() -> bool:
    return access.can_run_review(current_user, None) or bool(access.managed_unit_ids(current_user))


def _scope_choices() -> list[tuple[int, str]]:
    choices: list[tuple[int, str]] = []
    if access.can_run_review(current_user, None):
        choices.append((0, _("The organisation")))
    managed = access.managed_unit_ids(current_user)
    for unit, _depth in org.units_tree():
        if unit.id in managed or access.can_run_review(current_user, None):
            choices.append((unit.id, f"{unit.code} — {unit.name}"))
    return choices


@bp.route("/reviews")
@login_required
def reviews() -> str:
    if not (access.reads_everything(current_user) or current_user.memberships):
        abort(403)
    years = core.review_years(current_user)
    year = int_arg("year", **YEAR_RANGE)
    return render_template(
        "audits/reviews.html",
        reviews=core.reviews_of_year(current_user, year),
        years=years,
        year=year,
        can_create=_may_create_any(),
    )


@bp.route("/reviews/decisions")
@login_required
def open_decisions() -> str:
    """The open decisions of held reviews, of one unit (?unit=CODE) and only the overdue ones (?overdue=1)."""
    if not (access.reads_everything(current_user) or current_user.memberships):
        abort(403)
    code = request.args.get("unit", "").strip()
    unit = org.find_unit(code) if code else None
    if code and unit is None:
        abort(404)
    if unit is not None and not access.can_read_unit(current_user, unit):
        abort(403)
    overdue = request.args.get("overdue") == "1"
    return render_template(
        "audits/review_decisions.html",
        decisions=core.open_decisions_of(current_user, unit_id=unit.id if unit else None, overdue=overdue),
        unit=unit,
        overdue=overdue,
        today=date.today(),
    )


def _fields(form: ReviewForm) -> core.ReviewFields:
    return core.ReviewFields(
        held_on=form.held_on.data,
        chair=form.chair.data or "",
        attendees=form.attendees.data or "",
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        unit_id=form.unit_id.data or None,
    )


@bp.route("/reviews/new", methods=["GET", "POST"])
@login_required
def review_new() -> str | Response:
    if not _may_create_any():
        abort(403)
    form = ReviewForm()
    form.unit_id.choices = _scope_choices()
    if request.method == "GET" and int_arg("unit_id"):
        form.unit_id.data = int_arg("unit_id")
    if form.validate_on_submit():
        try:
            review = core.create_review(_fields(form), actor=current_user)
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                refuse(exc)
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Management review created."), "success")
            return redirect(url_for("audits.review_show", review_id=review.id))
    return render_template("audits/review_form.html", form=form, review=None)


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@login_required
def review_edit(review_id: int) -> str | Response:
    review = _review_or_404(review_id)
    if not access.can_run_review(current_user, review.unit_id):
        abort(403)
    form = ReviewForm(obj=review) if request.method == "GET" else ReviewForm()
    if request.method == "GET":
        form.unit_id.data = review.unit_id or 0
    form.unit_id.choices = _scope_choices()
    if form.validate_on_submit():
        try:
            core.update_review(review, _fields(form), actor=current_user)
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                refuse(exc)
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Management review saved."), "success")
            return redirect(url_for("audits.review_show", review_id=review.id))
    return render_template("audits/review_form.html", form=form, review=review)


def _owner_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    units = [(u.id, f"{u.code} — {u.name}") for u, _depth in org.units_tree()]
    people: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    rows = db.session.execute(
        select(User.id, User.full_name, Membership.unit_id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.active)
        .order_by(User.full_name)
    )
    codes = {u.id: u.code for u, _depth in org.units_tree()}
    for uid, name, unit_id in rows:
        names[uid] = name
        people.setdefault(uid, []).append(codes.get(unit_id, ""))
    persons = [(0, "—")] + [(uid, f"{names[uid]} ({', '.join(people[uid])})") for uid in names]
    return [(0, "—"), *units], persons


def _decision_form(form: DecisionForm | None = None, decision: ReviewDecision | None = None) -> DecisionForm:
    if form is None:
        form = DecisionForm(obj=decision, prefix="decision") if decision else DecisionForm(prefix="decision")
        if decision is not None:
            form.owner_id.data = decision.owner_id or 0
    form.owner_unit_id.choices, form.owner_id.choices = _owner_choices()
    return form


def _render(
    review: ManagementReview,
    *,
    notes_form: ReviewNotesForm | None = None,
    decision_form: DecisionForm | None = None,
    reopen_form: ReopenForm | None = None,
    notice_form: NoticeForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    can_run = access.can_run_review(current_user, review.unit_id)
    today = date.today()
    if notes_form is None:
        notes_form = ReviewNotesForm(obj=review)
    html = render_template(
        "audits/review.html",
        review=review,
        inputs=core.inputs_of(review, today),
        groups=INPUT_GROUPS,
        notes_form=notes_form,
        decision_form=_decision_form(decision_form) if can_run and not review.is_held else None,
        reopen_form=reopen_form or ReopenForm(),
        notice_form=notice_form or NoticeForm(issued_on=today),
        button=EmptyForm(),
        can_run=can_run,
        can_reopen=access.can_reopen_review(current_user),
        can_complete=lambda d: access.can_complete_decision(current_user, d.owner_unit_id, d.owner_id),
        notice=documents.issued_notice(review),
        today=today,
        history=history_of("management_review", review.id),
    )
    return html, status


@bp.route("/reviews/<int:review_id>")
@login_required
def review_show(review_id: int) -> tuple[str, int]:
    return _render(_review_or_404(review_id))


def _require_run(review: ManagementReview) -> None:
    if not access.can_run_review(current_user, review.unit_id):
        abort(403)


@bp.route("/reviews/<int:review_id>/notes", methods=["POST"])
@login_required
def review_notes(review_id: int) -> tuple[str, int] | Response:
    review = _review_or_404(review_id)
    _require_run(review)
    form = ReviewNotesForm()
    if form.validate_on_submit():
        try:
            core.save_notes(
                review,
                actor=current_user,
                notes={g: getattr(form, f"notes_{g}").data or "" for g in INPUT_GROUPS},
                conclusions=form.conclusions.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
            return _render(review, notes_form=form, status=400)
        db.session.commit()
        flash(_("Notes and conclusions saved."), "success")
    return redirect(url_for("audits.review_show", review_id=review.id))


@bp.route("/reviews/<int:review_id>/hold", methods=["POST"])
@login_required
def review_hold(review_id: int) -> Response:
    review = _review_or_404(review_id)
    _require_run(review)
    if EmptyForm().validate_on_submit():
        try:
            core.hold_review(review, actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(
                _("The review was held: its inputs are frozen and its decisions are now tracked."), "success"
            )
    return redirect(url_for("audits.review_show", review_id=review.id))


@bp.route("/reviews/<int:review_id>/reopen", methods=["POST"])
@login_required
def review_reopen(review_id: int) -> tuple[str, int] | Response:
    review = _review_or_404(review_id)
    if not access.can_reopen_review(current_user):
        abort(403)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            core.reopen_review(review, actor=current_user, reason=form.reason.data or "")
        except DomainError as exc:
            form_error(form, exc)
            return _render(review, reopen_form=form, status=400)
        db.session.commit()
        flash(_("The review was reopened."), "success")
    return redirect(url_for("audits.review_show", review_id=review.id))


def _decision_fields(form: DecisionForm) -> core.DecisionFields:
    return core.DecisionFields(
        kind=form.kind.data or "",
        what=form.what.data or "",
        owner_unit_id=form.owner_unit_id.data or None,
        owner_id=form.owner_id.data or None,
        due_on=form.due_on.data,
    )


@bp.route("/reviews/<int:review_id>/decisions", methods=["POST"])
@login_required
def decision_add(review_id: int) -> tuple[str, int] | Response:
    review = _review_or_404(review_id)
    _require_run(review)
    form = _decision_form(DecisionForm(prefix="decision"))
    if form.validate_on_submit():
        try:
            core.add_decision(review, _decision_fields(form), actor=current_user)
        except DomainError as exc:
            form_error(form, exc)
            return _render(review, decision_form=form, status=400)
        db.session.commit()
        flash(_("Decision added."), "success")
        return redirect(url_for("audits.review_show", review_id=review.id) + "#decisions")
    return _render(review, decision_form=form, status=400)


@bp.route("/reviews/<int:review_id>/decisions/<int:decision_id>/edit", methods=["GET", "POST"])
@login_required
def decision_edit(review_id: int, decision_id: int) -> str | Response:
    review = _review_or_404(review_id)
    _require_run(review)
    try:
        decision = core.get_decision(review, decision_id)
    except DomainError as exc:
        refuse(exc)
    form = _decision_form(None if request.method == "GET" else DecisionForm(prefix="decision"), decision)
    if request.method == "POST" and form.validate_on_submit():
        try:
            core.update_decision(decision, _decision_fields(form), actor=current_user)
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Decision saved."), "success")
            return redirect(url_for("audits.review_show", review_id=review.id) + "#decisions")
    return render_template("audits/review_decision_form.html", form=form, review=review, decision=decision)


@bp.route("/reviews/<int:review_id>/decisions/<int:decision_id>/delete", methods=["POST"])
@login_required
def decision_delete(review_id: int, decision_id: int) -> Response:
    review = _review_or_404(review_id)
    _require_run(review)
    if EmptyForm().validate_on_submit():
        try:
            core.delete_decision(core.get_decision(review, decision_id), actor=current_user)
        except DomainError as exc:
            flash_error(exc)
        else:
            db.session.commit()
            flash(_("Decision deleted."), "success")
    return redirect(url_for("audits.review_show", review_id=review.id) + "#decisions")


@bp.route("/reviews/<int:review_id>/decisions/<int:decision_id>/done", methods=["GET", "POST"])
@login_required
def decision_done(review_id: int, decision_id: int) -> str | Response:
    review = _review_or_404(review_id) if access.reads_everything(current_user) else None
    try:
        review = review or core.get_review(review_id)
        decision = core.get_decision(review, decision_id)
    except DomainError as exc:
        refuse(exc)
    if not access.can_complete_decision(current_user, decision.owner_unit_id, decision.owner_id):
        abort(403)
    form = DecisionDoneForm()
    if request.method == "GET":
        form.done_on.data = date.today()
    if form.validate_on_submit():
        try:
            core.complete_decision(
                decision, actor=current_user, done_on=form.done_on.data, note=form.done_note.data or ""
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Decision marked as done."), "success")
            return redirect(url_for("audits.my_work"))
    return render_template("audits/review_decision_done.html", form=form, review=review, decision=decision)


@bp.route("/reviews/<int:review_id>/pack.docx")
@login_required
def review_pack(review_id: int) -> Response:
    review = _review_or_404(review_id)
    data = to_bytes(documents.review_pack(review, current_lang()))
    return document_download(data, documents.file_name("management-review", review))


@bp.route("/reviews/<int:review_id>/notice.docx")
@login_required
def review_notice(review_id: int) -> Response:
    review = _review_or_404(review_id)
    data = documents.notice_bytes(review, current_lang())
    return document_download(data, documents.file_name("review-notice", review))


@bp.route("/reviews/<int:review_id>/notice/issue", methods=["POST"])
@login_required
def review_notice_issue(review_id: int) -> tuple[str, int] | Response:
    review = _review_or_404(review_id)
    _require_run(review)
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            issued = issue_notice(review, actor=current_user, issued_on=form.issued_on.data)
        except DomainError as exc:
            form_error(form, exc)
            return _render(review, notice_form=form, status=400)
        db.session.commit()
        flash(_("Notice %(number)s issued.", number=issued.number), "success")
    return redirect(url_for("audits.review_show", review_id=review.id))
