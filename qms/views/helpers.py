"""What every view needs: turning domain errors into field errors or flashes, and role labels."""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, request, send_file, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from qms.exports import pdf
from qms.exports.lists import Sheet
from qms.exports.workbook import sheet_workbook, to_bytes
from qms.extensions import db
from qms.formatting import current_lang
from qms.services.errors import DomainError, NotAllowed, NotFound


def form_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a domain error next to its field, or as a flash when no field is named."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc.message)]
    else:
        flash(str(exc.message), "danger")


def flash_error(exc: DomainError) -> None:
    """For pages whose small forms post and redirect back: roll back and show the error as a flash
    (a refusal of access stays a 403)."""
    db.session.rollback()
    if isinstance(exc, NotAllowed):
        abort(403, description=str(exc.message))
    flash(str(exc.message), "danger")


def refuse(exc: DomainError) -> None:
    if isinstance(exc, NotAllowed):
        abort(403, description=str(exc.message))
    if isinstance(exc, NotFound):
        abort(404, description=str(exc.message))
    raise exc


def wants_xlsx() -> bool:
    """A list page asked for as a spreadsheet (`?format=xlsx`), with the filters it shows."""
    return request.args.get("format") == "xlsx"


def xlsx_download(sheet: Sheet) -> Response:
    """The rows a list page shows, as an .xlsx download."""
    workbook = sheet_workbook(sheet.title, sheet.header, sheet.rows, lang=current_lang())
    return send_file(
        BytesIO(to_bytes(workbook)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{sheet.name}.xlsx",
        max_age=0,
    )


DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_download(data: bytes, name: str) -> Response:
    """A Word document as a download, or its PDF with `?format=pdf` (converted by LibreOffice; without
    it the reader is told so on the page they came from)."""
    if request.args.get("format") == "pdf":
        try:
            data = pdf.to_pdf(data)
        except DomainError as exc:
            flash(str(exc.message), "danger")
            return redirect(request.referrer or url_for("main.index"))
        return send_file(
            BytesIO(data), mimetype="application/pdf", as_attachment=True,
            download_name=name.removesuffix(".docx") + ".pdf", max_age=0,
        )  # fmt: skip
    return send_file(BytesIO(data), mimetype=DOCX_MIMETYPE, as_attachment=True, download_name=name, max_age=0)
