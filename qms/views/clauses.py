"""The clause browser: both ISO 9001 editions and their correspondence."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from qms.models.clauses import Edition
from qms.services import reference
from qms.services.errors import NotFound
from qms.views.helpers import refuse

bp = Blueprint("clauses", __name__, url_prefix="/clauses")


@bp.route("/")
@login_required
def index() -> str:
    edition = request.args.get("edition", Edition.ISO_2015.value)
    if edition not in set(Edition):
        edition = Edition.ISO_2015.value
    query = request.args.get("q", "")
    clauses = reference.search_clauses(edition, query)
    mappings = reference.mappings_touching([c.id for c in clauses]) if clauses else []
    other = "clause_2015" if edition == Edition.ISO_2008 else "clause_2008"
    own = "clause_2008" if edition == Edition.ISO_2008 else "clause_2015"
    counterparts: dict[int, list] = {}
    for m in mappings:
        mine = getattr(m, own)
        if mine is not None:
            counterparts.setdefault(mine.id, []).append(m)
    return render_template(
        "clauses/index.html",
        edition=edition,
        query=query,
        clauses=clauses,
        counterparts=counterparts,
        other=other,
    )


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
