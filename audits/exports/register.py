"""The findings and corrective-actions register of a year as a spreadsheet, and the year's audits as an
iCalendar file."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event
from openpyxl import Workbook

from audits.labels import AUDIT_STATUS, FINDING_KIND, FINDING_STATUS
from audits.models import Finding
from audits.services import reporting
from audits.services.queries import OPEN_NC_STATUSES
from qms.exports.lists import Sheet
from qms.exports.workbook import sheet_workbook


def findings_workbook(year: int, *, today: date | None = None) -> Workbook:
    """The register of a year's findings."""
    sheet = findings_sheet(reporting.findings_of_year(year), f"findings-{year}", today=today)
    return sheet_workbook(_("Findings %(year)s", year=year), sheet.header, sheet.rows)


def findings_sheet(findings: Iterable[Finding], name: str, *, today: date | None = None) -> Sheet:
    """One row per finding: where it was found, what, and where its corrective actions stand."""
    today = today or date.today()
    header = [
        _("Ref."),
        _("Audit"),
        _("Unit"),
        _("Kind"),
        _("Edition"),
        _("Clause"),
        _("Statement"),
        _("Evidence"),
        _("Raised on"),
        _("Status"),
        _("Corrective actions"),
        _("Owner"),
        _("Due on"),
        _("Done on"),
        _("Overdue"),
        _("Closed on"),
    ]
    rows = []
    for f in findings:
        actions = reporting.current_actions(f)
        due = max((a.due_on for a in actions), default=None)
        done = max((a.done_on for a in actions if a.done_on), default=None) if actions else None
        if any(a.done_on is None for a in actions):
            done = None
        overdue = f.status in OPEN_NC_STATUSES and any(a.is_overdue(today) for a in actions)
        rows.append(
            [
                f.label,
                f.audit.ref,
                f.unit.code,
                str(FINDING_KIND.get(f.kind, f.kind)),
                f.clause.edition,
                f.clause.number,
                f.statement,
                f.evidence,
                f.raised_on,
                str(FINDING_STATUS.get(f.status, f.status)),
                "\n".join(a.what for a in actions),
                "; ".join(dict.fromkeys(a.owner_name for a in actions)),
                due,
                done,
                _("Yes") if overdue else "",
                f.closed_on,
            ]
        )
    return Sheet(name, _("Findings"), header, rows)


def audit_calendar(year: int) -> Calendar:
    """One all-day event per audit of the year (cancelled audits are marked cancelled)."""
    cal = Calendar()
    cal.add("prodid", "-//QMS Tracker//Internal audits//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Internal audits %(year)s", year=year))
    for audit in reporting.audits_of_year(year):
        event = Event()
        units = ", ".join(u.code for u in audit.units)
        event.add("uid", f"{audit.ref.lower()}@qms-tracker")
        event.add("summary", _("Internal audit %(ref)s: %(units)s", ref=audit.ref, units=units))
        event.add("dtstart", audit.planned_start)
        event.add("dtend", audit.planned_end + timedelta(days=1))  # all-day events end the day after
        stamp = audit.created_at
        event.add("dtstamp", stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))
        lines = [
            _("Audited units: %(units)s", units="; ".join(f"{u.name} ({u.code})" for u in audit.units)),
            _("Criteria: %(criteria)s", criteria=f"TCVN ISO 9001:{audit.edition}"),
            _("Status: %(status)s", status=AUDIT_STATUS.get(audit.status, audit.status)),
        ]
        if audit.lead is not None:
            lines.append(_("Lead auditor: %(name)s", name=audit.lead.full_name))
        if audit.objectives:
            lines.append(audit.objectives)
        event.add("description", "\n".join(lines))
        event.add("status", "CANCELLED" if audit.status == "cancelled" else "CONFIRMED")
        event.add("categories", [_("Internal audit")])
        cal.add_component(event)
    return cal
