"""The corrective actions of every nonconformity, filtered by year, unit and state, and as a spreadsheet."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from audits.services import queries
from audits.views.blueprint import bp
from audits.views.programme_pages import require_reader
from qms.exports.lists import Sheet
from qms.extensions import db
from qms.services import org
from qms.views.helpers import PAGE_RANGE, YEAR_RANGE, int_arg, wants_xlsx, xlsx_download

PAGE_SIZE = 50


@bp.route("/actions")
@login_required
def actions() -> str | Response:
    require_reader()
    args = request.args
    today = date.today()
    filters = {
        "year": int_arg("year", **YEAR_RANGE),
        "unit_id": int_arg("unit_id"),
        "state": args.get("state") if args.get("state") in queries.ACTION_STATES else None,
    }
    if wants_xlsx():
        return xlsx_download(
            _sheet(db.session.scalars(queries.actions_register_query(**filters, today=today)), today)
        )
    page = queries.actions_register_page(int_arg("page", 1, **PAGE_RANGE), PAGE_SIZE, **filters, today=today)
    return render_template(
        "audits/actions.html",
        page=page,
        filters=filters,
        query_args={k: v for k, v in filters.items() if v},
        units=org.unit_options(),
        states=queries.ACTION_STATES,
        today=today,
    )


def _sheet(items, today: date) -> Sheet:  # type: ignore[no-untyped-def]
    header = [_("Finding"), _("Audit"), _("Unit"), _("Corrective action"), _("Who"), _("Due date"), _("Done"),
              _("What was done"), _("Overdue")]  # fmt: skip
    rows = [
        (a.finding.label, a.finding.audit.ref, a.finding.unit.code, a.what,
         a.owner.full_name if a.owner else a.owner_name, a.due_on, a.done_on, a.done_note or "",
         _("Yes") if a.is_overdue(today) else "")
        for a in items
    ]  # fmt: skip
    return Sheet("corrective-actions", _("Corrective actions"), header, rows)
