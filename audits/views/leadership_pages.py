"""The leadership dashboard (one screen for a year, every number linking to its records) and the
download of the yearly report's section on the quality system."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from audits.exports import annual_report as report_export
from audits.services import leadership as service
from audits.services.annual_report import parse_report_year
from audits.services.leadership import Chart, ChartRow, Leadership, Segment, bar_chart
from audits.views.blueprint import bp
from qms.formatting import current_lang, fmt_number, fmt_percent
from qms.services import access
from qms.services.errors import DomainError
from qms.views.helpers import document_download


def _require_leadership() -> None:
    if not access.can_see_leadership(current_user):
        abort(403)


def _year() -> int:
    raw = request.args.get("year")
    if not raw:
        return service.default_year()
    try:
        return parse_report_year(raw)
    except DomainError:
        abort(404)


@bp.route("/leadership")
@login_required
def leadership() -> str:
    _require_leadership()
    year = _year()
    today = date.today()
    board = service.leadership(year, today=today)
    return render_template("audits/leadership.html", board=board, charts=_charts(board), today=today)


def _charts(board: Leadership) -> dict[str, Chart]:
    """The page's bar charts; every bar links to the records behind it."""
    year = board.year
    charts: dict[str, Chart] = {}
    objectives = []
    for line in board.with_objectives():
        href = url_for("objectives.index", unit_id=line.unit.id, year=year)
        parts = [(line.met, "met", _("Met")), (line.not_met, "not-met", _("Not met")),
                 (line.no_data, "no-data", _("No data"))]  # fmt: skip
        objectives.append(
            ChartRow(
                line.unit.code,
                [Segment(n, css, href, title) for n, css, title in parts],
                f"{fmt_number(line.met)}/{fmt_number(line.objectives)}",
                href,
            )
        )
    charts["objectives"] = bar_chart(objectives)
    targets = [line.late_target for line in board.with_cases() if line.late_target is not None]
    target = max(set(targets), key=targets.count) if targets else None
    late = [
        ChartRow(
            line.unit.code,
            [
                Segment(
                    float(line.late_rate or 0),
                    "over" if line.late_over_target else "late",
                    url_for("objectives.statistics", unit_id=line.unit.id, year=year),
                    _("Late rate"),
                )
            ],
            fmt_percent(line.late_rate),
            url_for("objectives.statistics", unit_id=line.unit.id, year=year),
        )
        for line in board.with_cases()
    ]
    charts["late"] = bar_chart(
        late,
        marker=float(target) if target is not None else None,
        marker_label=_("target %(target)s", target=report_export.target_text(target))
        if target is not None
        else "",
    )
    actions = []
    for line in board.with_actions():
        overdue = url_for("audits.actions", year=year, unit_id=line.unit.id, state="overdue")
        still_open = url_for("audits.actions", year=year, unit_id=line.unit.id, state="open")
        segments = [
            Segment(line.overdue_actions, "overdue", overdue, _("Overdue")),
            Segment(line.open_actions - line.overdue_actions, "open", still_open, _("Open")),
        ]
        text = f"{fmt_number(line.open_actions)} ({fmt_number(line.overdue_actions)})"
        actions.append(ChartRow(line.unit.code, segments, text, still_open))
    charts["actions"] = bar_chart(actions)
    if board.programme is not None and board.programme.exists:
        href = url_for("audits.programme", year=year)
        p = board.programme
        steps = [
            (_("Planned"), p.planned),
            (_("Held"), p.held),
            (_("Reported"), p.reported),
            (_("Closed"), p.closed),
        ]
        charts["programme"] = bar_chart(
            [ChartRow(label, [Segment(n, "step", href, label)], fmt_number(n), href) for label, n in steps]
        )
    if board.transition is not None:
        rows = []
        for r in board.transition.rows:
            href = url_for("transition.unit_items", code=r.unit.code)
            css = "behind" if r.behind else "done"
            rows.append(
                ChartRow(
                    r.unit.code, [Segment(r.percent, css, href, _("Done"))], fmt_percent(r.percent), href
                )
            )
        charts["transition"] = bar_chart(rows, scale_max=100)
    return charts


@bp.route("/leadership/annual-report.docx")
@login_required
def annual_report_docx() -> Response:
    _require_leadership()
    year = _year()
    data = report_export.annual_report_bytes(year, None, current_lang())
    return document_download(data, report_export.file_name(year))
