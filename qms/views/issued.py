"""The register of issued documents: the list with its filters, each document exactly as issued (Word,
or PDF converted from it), and the list as a spreadsheet."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from qms.exports import pdf
from qms.exports.workbook import sheet_workbook, to_bytes
from qms.extensions import db
from qms.formatting import current_lang
from qms.models.issuing import DocType, IssuedDocument
from qms.services import access, issuing
from qms.views.helpers import PAGE_RANGE, YEAR_RANGE, document_download, int_arg

bp = Blueprint("issued", __name__, url_prefix="/issued")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50


def _require_reader() -> None:
    if not access.reads_everything(current_user):
        abort(403)


def _criteria() -> issuing.RegisterFilter:
    year = int_arg("year", **YEAR_RANGE)
    doc_type = request.args.get("type", "")
    return issuing.RegisterFilter(
        year=year if year and 2000 <= year <= 2100 else None,
        doc_type=doc_type if doc_type in set(DocType) else None,
        text=request.args.get("q", "")[:200],
    )


@bp.route("/")
@login_required
def register() -> str:
    _require_reader()
    criteria = _criteria()
    number = int_arg("page", 1, **PAGE_RANGE)
    page = db.paginate(issuing.register_query(criteria), page=number, per_page=PER_PAGE, error_out=False)
    return render_template(
        "issued/register.html",
        page=page,
        criteria=criteria,
        years=issuing.register_years(),
        types=list(DocType),
        pdf_available=pdf.available(),
    )


@bp.route("/export.xlsx")
@login_required
def register_xlsx() -> Response:
    _require_reader()
    criteria = _criteria()
    rows = (
        (
            d.number,
            d.issued_on,
            d.doc_type,
            d.subject,
            d.signer_name,
            d.recipients.replace("\n", "; "),
            d.replaces.number if d.replaces else "",
        )
        for d in db.session.scalars(issuing.register_query(criteria))
    )
    header = [_("Number"), _("Date"), _("Type"), _("Subject"), _("Signed by"), _("Recipients"), _("Replaces")]
    workbook = sheet_workbook(_("Issued documents"), header, rows, lang=current_lang())
    return send_file(
        BytesIO(to_bytes(workbook)), mimetype=XLSX, as_attachment=True, download_name="issued-documents.xlsx"
    )


@bp.route("/<int:document_id>")
@login_required
def download(document_id: int) -> Response:
    """The document as issued: the stored bytes, whatever changed since; `?format=pdf` converts them."""
    _require_reader()
    document = db.get_or_404(IssuedDocument, document_id)
    return document_download(issuing.issued_bytes(document), document.filename)
