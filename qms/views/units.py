"""Unit pages, readable by the unit's people and by org-wide roles."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from qms.extensions import db
from qms.models.org import Unit
from qms.services import access, objectives, org, remapping, transition
from qms.services import reorganisation as reorganisations
from qms.services.errors import NotAllowed
from qms.services.history import history_of
from qms.views.helpers import date_arg, refuse

bp = Blueprint("units", __name__, url_prefix="/units")


@bp.route("/")
@login_required
def index() -> str:
    """The unit tree; `?on=` a date, the units as they stood that day."""
    on, readable = date_arg("on")
    tree = [(u, depth) for u, depth in org.units_tree(on) if access.can_read_unit(current_user, u)]
    return render_template(
        "units/index.html",
        tree=tree,
        on=on,
        on_error=None if readable else _("'%(value)s' is not a date dd/mm/yyyy", value=request.args["on"]),
        successors=reorganisations.now_part_of([u for u, _d in tree]),
    )


@bp.route("/<int:unit_id>")
@login_required
def show(unit_id: int) -> str:
    unit = db.get_or_404(Unit, unit_id)
    try:
        access.require_read_unit(current_user, unit)
    except NotAllowed as exc:
        refuse(exc)
    members = sorted(unit.memberships, key=lambda m: (m.role != "manager", m.user.full_name))
    return render_template(
        "units/show.html",
        unit=unit,
        historical=unit.is_historical(),
        successors=reorganisations.successors(unit) if unit.is_historical() else [],
        predecessors=reorganisations.merged_into(unit),
        members=members,
        history=history_of("unit", unit.id),
        quality=objectives.overview(unit),
        transition_row=transition.unit_progress(unit),
        references_left=remapping.references_left([unit.id]).get(unit.id, 0),
    )
