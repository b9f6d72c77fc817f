"""Controlled documents: a unit's register, a document's revisions, its file."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from qms.exports import lists
from qms.extensions import db
from qms.forms.admin import EmptyForm
from qms.forms.documents import DocumentForm
from qms.models.documents import ControlledDocument, DocumentStatus
from qms.models.org import Unit
from qms.services import access, documents, files
from qms.services.errors import DomainError, NotAllowed, NotFound
from qms.services.history import history_of
from qms.views.helpers import form_error, refuse, stored_file_download, wants_xlsx, xlsx_download

bp = Blueprint("documents", __name__)


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    # For the unit page and dashboard sections (documents/_unit_section.html, _dashboard_cards.html).
    from qms.services import legal, risks

    state.app.jinja_env.globals.update(
        documents_overdue_in_unit=lambda unit: documents.overdue_for_review(unit_ids={unit.id}),
        documents_overdue_for_user=documents.overdue_for_user,
        procedures_needing_review=legal.procedures_needing_review,
        procedures_needing_review_for=legal.procedures_needing_review_for,
        context_register_of=risks.register_of,
    )


def _upload(field: FileStorage | None) -> tuple[str, bytes] | None:
    if field is None or not isinstance(field, FileStorage) or not field.filename:
        return None
    return field.filename, files.read_limited(field.stream)


def _readable(document_id: int) -> ControlledDocument:
    document = db.get_or_404(ControlledDocument, document_id)
    try:
        documents.require_read(current_user, document)
    except NotAllowed as exc:
        refuse(exc)
    return document


def _editable(document_id: int) -> ControlledDocument:
    document = db.get_or_404(ControlledDocument, document_id)
    try:
        access.require_edit_unit_records(current_user, document.unit)
    except NotAllowed as exc:
        refuse(exc)
    return document


@bp.route("/documents/")
@login_required
def index() -> str | Response:
    show_all = request.args.get("all") == "1"
    docs = documents.documents_readable_by(current_user, current_only=not show_all)
    if wants_xlsx():
        return xlsx_download(lists.documents(docs, None))
    return render_template(
        "documents/index.html", documents=docs, unit=None, show_all=show_all, today=date.today()
    )


@bp.route("/units/<int:unit_id>/documents")
@login_required
def of_unit(unit_id: int) -> str | Response:
    unit = db.get_or_404(Unit, unit_id)
    try:
        access.require_read_unit(current_user, unit)
    except NotAllowed as exc:
        refuse(exc)
    show_all = request.args.get("all") == "1"
    docs = documents.documents_of(unit, current_only=not show_all)
    if wants_xlsx():
        return xlsx_download(lists.documents(docs, unit))
    return render_template(
        "documents/index.html", documents=docs, unit=unit, show_all=show_all, today=date.today()
    )


@bp.route("/units/<int:unit_id>/documents/new", methods=["GET", "POST"])
@login_required
def new(unit_id: int) -> str | Response:
    unit = db.get_or_404(Unit, unit_id)
    try:
        access.require_edit_unit_records(current_user, unit)
    except NotAllowed as exc:
        refuse(exc)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            document = documents.create_document(
                unit,
                actor=current_user,
                code=form.code.data,
                title=form.title.data,
                kind=form.kind.data,
                issue_date=form.issue_date.data,
                approver=form.approver.data or "",
                review_due=form.review_due.data,
                clauses=form.clauses.data or "",
                upload=_upload(form.file.data),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Document %(code)s created as a draft.", code=document.code), "success")
            return redirect(url_for("documents.show", document_id=document.id))
    return render_template("documents/form.html", form=form, unit=unit, document=None)


@bp.route("/documents/<int:document_id>")
@login_required
def show(document_id: int) -> str:
    document = _readable(document_id)
    return render_template(
        "documents/show.html",
        document=document,
        revisions=[r for r in documents.revisions_of(document) if documents.can_read(current_user, r)],
        can_open_unit=access.can_read_unit(current_user, document.unit),
        history=history_of("controlled_document", document.id),
        can_edit=access.can_edit_unit_records(current_user, document.unit),
        action_form=EmptyForm(),
        today=date.today(),
        Status=DocumentStatus,
    )


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(document_id: int) -> str | Response:
    document = _editable(document_id)
    form = DocumentForm(obj=document)
    if not form.is_submitted():
        form.clauses.data = documents.clauses_text(document)
    if form.validate_on_submit():
        try:
            documents.update_document(
                document,
                actor=current_user,
                code=form.code.data,
                title=form.title.data,
                kind=form.kind.data,
                issue_date=form.issue_date.data,
                approver=form.approver.data or "",
                review_due=form.review_due.data,
                clauses=form.clauses.data or "",
                upload=_upload(form.file.data),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Document %(code)s saved.", code=document.code), "success")
            return redirect(url_for("documents.show", document_id=document.id))
    return render_template("documents/form.html", form=form, unit=document.unit, document=document)


@bp.route("/documents/<int:document_id>/<any(issue, withdraw, revise):action>", methods=["POST"])
@login_required
def change(document_id: int, action: str) -> Response:
    document = _editable(document_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "warning")
        return redirect(url_for("documents.show", document_id=document.id))
    target = document
    try:
        if action == "issue":
            documents.issue(document, actor=current_user)
            message = _("Revision %(n)s is in force.", n=document.revision)
        elif action == "withdraw":
            documents.withdraw(document, actor=current_user)
            message = _("The document is withdrawn.")
        else:
            target = documents.new_revision(document, actor=current_user)
            message = _("Revision %(n)s created as a draft.", n=target.revision)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "danger")
        return redirect(url_for("documents.show", document_id=document.id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("documents.show", document_id=target.id))


@bp.route("/documents/<int:document_id>/file")
@login_required
def download(document_id: int) -> Response:
    document = db.get_or_404(ControlledDocument, document_id)
    try:
        stored, path = documents.file_of(document, actor=current_user)
    except (NotAllowed, NotFound) as exc:
        refuse(exc)
    name = stored.name or f"{document.code}.{stored.type}"
    return stored_file_download(path, mimetype=stored.mimetype, name=name, etag=stored.sha256)
