"""The legal basis: the register of legal texts, and the legal texts a procedure cites."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from qms.extensions import db
from qms.forms.admin import EmptyForm
from qms.forms.documents import CiteForm, LegalTextForm
from qms.models.legal import LegalText
from qms.models.processes import Process
from qms.services import access, legal
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import history_of
from qms.views.helpers import form_error, refuse, safe_next

bp = Blueprint("legal", __name__, url_prefix="/legal")


def cite_form_for(process: Process) -> CiteForm:
    """The 'cite a legal text' form of a procedure page, offering the texts it does not cite yet."""
    form = CiteForm(prefix="cite")
    cited = {ref.legal_text_id for ref in legal.citations_of(process)}
    form.legal_text_id.choices = [
        (t.id, f"{t.number} — {t.title[:80]}") for t in legal.legal_texts() if t.id not in cited
    ]
    return form


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    # For templates/legal/_process_refs.html, which the procedure page includes.
    state.app.jinja_env.globals.update(
        legal_citations=legal.citations_of,
        legal_cite_form=cite_form_for,
        legal_action_form=EmptyForm,
    )


def _require_manage() -> None:
    try:
        access.require_manage_legal_texts(current_user)
    except NotAllowed as exc:
        refuse(exc)


def _replaced_by_choices(exclude: LegalText | None = None) -> list[tuple[int, str]]:
    return [(0, "—")] + [
        (t.id, f"{t.number} — {t.title[:80]}")
        for t in legal.legal_texts()
        if exclude is None or t.id != exclude.id
    ]


@bp.route("/")
@login_required
def index() -> str:
    texts = legal.legal_texts()
    citing_count = {t.id: len(legal.citing(t)) for t in texts}
    return render_template("legal/index.html", texts=texts, citing_count=citing_count)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response:
    _require_manage()
    form = LegalTextForm()
    form.replaced_by_id.choices = _replaced_by_choices()
    if form.validate_on_submit():
        try:
            text = legal.create_legal_text(
                actor=current_user,
                number=form.number.data,
                title=form.title.data,
                issuer=form.issuer.data or "",
                issued_on=form.issued_on.data,
                status=form.status.data,
                replaced_by=db.session.get(LegalText, form.replaced_by_id.data)
                if form.replaced_by_id.data
                else None,
                note=form.note.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Legal text %(number)s registered.", number=text.number), "success")
            return redirect(url_for("legal.show", text_id=text.id))
    return render_template("legal/form.html", form=form, text=None)


@bp.route("/<int:text_id>")
@login_required
def show(text_id: int) -> str:
    text = db.get_or_404(LegalText, text_id)
    citing = [(p, r) for p, r in legal.citing(text) if access.can_read_unit(current_user, p.unit)]
    return render_template(
        "legal/show.html",
        text=text,
        citing=citing,
        history=history_of("legal_text", text.id),
        can_manage=access.can_manage_legal_texts(current_user),
    )


@bp.route("/<int:text_id>/edit", methods=["GET", "POST"])
@login_required
def edit(text_id: int) -> str | Response:
    _require_manage()
    text = db.get_or_404(LegalText, text_id)
    form = LegalTextForm(obj=text)
    form.replaced_by_id.choices = _replaced_by_choices(exclude=text)
    if not form.is_submitted():
        form.replaced_by_id.data = text.replaced_by_id or 0
    if form.validate_on_submit():
        try:
            legal.update_legal_text(
                text,
                actor=current_user,
                number=form.number.data,
                title=form.title.data,
                issuer=form.issuer.data or "",
                issued_on=form.issued_on.data,
                status=form.status.data,
                replaced_by=db.session.get(LegalText, form.replaced_by_id.data)
                if form.replaced_by_id.data
                else None,
                note=form.note.data or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Legal text %(number)s saved.", number=text.number), "success")
            return redirect(url_for("legal.show", text_id=text.id))
    return render_template("legal/form.html", form=form, text=text)


# --- a procedure's legal basis -----------------------------------------------------------------


def _editable_process(process_id: int) -> Process:
    process = db.get_or_404(Process, process_id)
    try:
        access.require_edit_unit_records(current_user, process.unit)
    except NotAllowed as exc:
        refuse(exc)
    return process


def _back(process: Process) -> Response:
    fallback = url_for("processes.show", process_id=process.id, _anchor="legal-basis")
    return redirect(safe_next(request.form.get("next"), fallback))


@bp.route("/procedures/<int:process_id>")
@login_required
def process_refs(process_id: int) -> str:
    """A procedure's legal basis on its own page (the procedure page shows the same section)."""
    process = db.get_or_404(Process, process_id)
    try:
        access.require_read_unit(current_user, process.unit)
    except NotAllowed as exc:
        refuse(exc)
    try:
        procedure_url = url_for("processes.show", process_id=process.id)
    except BuildError:
        procedure_url = None
    return render_template("legal/process_refs.html", process=process, procedure_url=procedure_url)


@bp.route("/procedures/<int:process_id>/cite", methods=["POST"])
@login_required
def cite(process_id: int) -> Response:
    process = _editable_process(process_id)
    form = cite_form_for(process)
    if form.validate_on_submit():
        text = db.get_or_404(LegalText, form.legal_text_id.data)
        try:
            legal.cite(process, text, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            db.session.commit()
            flash(_("The procedure now cites %(number)s.", number=text.number), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
    return _back(process)


@bp.route("/procedures/<int:process_id>/uncite/<int:text_id>", methods=["POST"])
@login_required
def uncite(process_id: int, text_id: int) -> Response:
    process = _editable_process(process_id)
    text = db.get_or_404(LegalText, text_id)
    if EmptyForm().validate_on_submit():
        try:
            legal.uncite(process, text, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            db.session.commit()
            flash(_("The procedure no longer cites %(number)s.", number=text.number), "success")
    return _back(process)


@bp.route("/procedures/<int:process_id>/reviewed", methods=["POST"])
@login_required
def reviewed(process_id: int) -> Response:
    process = _editable_process(process_id)
    if EmptyForm().validate_on_submit():
        try:
            legal.mark_reviewed(process, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            db.session.commit()
            flash(_("The procedure's legal basis is marked as reviewed."), "success")
    return _back(process)
