"""The clause browser: both ISO 9001 editions and their correspondence."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from qms.exports.correspondence import correspondence_document
from qms.exports.document import to_bytes
from qms.formatting import current_lang
from qms.models.clauses import Edition
from qms.services import reference
from qms.services.errors import DomainError, NotFound
from qms.views.helpers import document_download, refuse

bp = Blueprint("clauses", __name__, url_prefix="/clauses")


@bp.route("/")
@login_required
def index() -> str:
    edition = request.args.get("edition", Edition.ISO_2015.value)
    if edition not in set(Edition):
        edition = Edition.ISO_2015.value
    query = request.args.get("q", "")
    show = request.args.get("show", "all")
    if show not in reference.BROWSER_FILTERS:
        show = "all"
    edition, clauses = reference.browse_clauses(edition, query, show)
    mappings = reference.mappings_touching([c.id for c in clauses]) if clauses else []
    other = "clause_2015" if edition == Edition.ISO_2008 else "clause_2008"
    own = "clause_2008" if edition == Edition.ISO_2008 else "clause_2015"
    counterparts: dict[int, list] = {}
    for m in mappings:
        mine = getattr(m, own)
        if mine is not None:
            counterparts.setdefault(mine.id, []).append(m)
    for rows in counterparts.values():
        rows.sort(key=lambda m: getattr(m, other).sort_key if getattr(m, other) else "")
    return render_template(
        "clauses/index.html",
        edition=edition,
        query=query,
        show=show,
        clauses=clauses,
        counterparts=counterparts,
        other=other,
    )


@bp.route("/correspondence.docx")
@login_required
def export() -> Response:
    """The correspondence table as Word (or PDF with ?format=pdf); ?from=2015|2008 picks one direction."""
    from_edition = request.args.get("from") or None
    try:
        data = to_bytes(correspondence_document(current_lang(), from_edition=from_edition))
    except DomainError as exc:
        refuse(NotFound(exc.message))
    suffix = f"-{from_edition}" if from_edition else ""
    return document_download(data, f"correspondence-2008-2015{suffix}.docx")


@bp.route("/<edition>/<number>")
@login_required
def show(edition: str, number: str) -> str:
    try:
        clause = reference.get_clause(edition, number)
    except NotFound as exc:
        refuse(exc)
    other = "clause_2015" if clause.edition == Edition.ISO_2008 else "clause_2008"
    return render_template(
        "clauses/show.html", clause=clause, mappings=reference.counterparts(clause), other=other
    )
