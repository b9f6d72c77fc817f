"""The clause browser: both ISO 9001 editions and their correspondence."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from flask_login import login_required

from qms.models.clauses import Edition
from qms.services import reference
from qms.services.errors import NotFound
from qms.views.helpers import refuse

bp = Blueprint("clauses", __name__, url_prefix="/clauses")

# Parts of a correspondence note that name where the pair was checked (for the administrator's
# correspondence page), not what changed between the editions.
_CURATION = re.compile(
    r"N1293|N1224|both tables|third-party|iso-dubai|epbsi|risk-technologies|matrix|confidence|"
    r"\bverified\b|unverified|corroborated|recollection|candidate|TOC\b",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\s*\([^()]*\)")


def plain_note(note: str) -> str:
    """A correspondence note as users read it: what changed, without the curation sources
    ("N1293 Table 2 (2015->2008); 4.1 context is new in substance" -> "4.1 context is new in substance")."""
    parts = []
    for part in (note or "").split(";"):
        part = _BRACKETS.sub(lambda m: "" if _CURATION.search(m.group(0)) else m.group(0), part).strip()
        if part and not _CURATION.search(part):
            parts.append(part)
    return "; ".join(parts)


@bp.app_template_filter("plain_note")
def _plain_note_filter(note: str) -> str:
    return plain_note(note)


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
