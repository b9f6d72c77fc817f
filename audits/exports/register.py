"""The findings and corrective-actions register of a year as a spreadsheet, and the year's audits as an
iCalendar file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, timedelta
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import Select, and_, select

from audits.labels import AUDIT_STATUS, FINDING_KIND, FINDING_STATUS
from audits.models import ActionItem, Audit, Finding
from audits.models.finding import finding_label
from audits.services import reporting
from audits.services.queries import OPEN_NC_STATUSES
from qms.exports.lists import Sheet
from qms.exports.workbook import Workbook, sheet_workbook
from qms.extensions import db
from qms.formatting import current_lang
from qms.models.clauses import Clause
from qms.models.org import Unit

# Rows of the register read from the database a thousand at a time, one row per finding and action.
STREAM_ROWS = 1000


def findings_workbook(year: int, *, today: date | None = None) -> Workbook:
    """The register of a year's findings, streamed: the findings are read a thousand rows at a time (the
    columns the sheet shows, no records), so a register of any size takes the same memory."""
    sheet = Sheet(f"findings-{year}", _("Findings"), register_header(), RegisterRows(year, today=today))
    return sheet_workbook(_("Findings %(year)s", year=year), sheet.header, sheet.rows)


def register_header() -> list[str]:
    return [
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


class _Action(NamedTuple):
    what: str
    owner_name: str
    due_on: date
    done_on: date | None


class RegisterRows:
    """The rows of a year's register, read from the database each time they are iterated, a thousand
    at a time: one row per finding, its current actions gathered from the rows that follow it."""

    def __init__(self, year: int, *, today: date | None = None) -> None:
        self.year = year
        self.today = today or date.today()

    def statement(self) -> Select:  # type: ignore[type-arg]
        return (
            select(
                Finding.id,
                Finding.ref,
                Finding.ref_series,
                Finding.ref_year,
                Finding.ref_seq,
                Audit.ref,
                Unit.code,
                Finding.kind,
                Clause.edition,
                Clause.number,
                Finding.statement,
                Finding.evidence,
                Finding.raised_on,
                Finding.status,
                Finding.closed_on,
                ActionItem.what,
                ActionItem.owner_name,
                ActionItem.due_on,
                ActionItem.done_on,
            )
            .select_from(Finding)
            .join(Audit, Audit.id == Finding.audit_id)
            .join(Unit, Unit.id == Finding.unit_id)
            .join(Clause, Clause.id == Finding.clause_id)
            .outerjoin(
                ActionItem, and_(ActionItem.finding_id == Finding.id, ActionItem.round == Finding.round)
            )
            .where(Audit.year == self.year)
            .order_by(
                Audit.planned_start,
                Audit.ref,
                Finding.ref_seq.is_(None),
                Finding.ref_seq,
                Finding.id,
                ActionItem.id,
            )
            .execution_options(yield_per=STREAM_ROWS)
        )

    def __iter__(self) -> Iterator[list[object]]:
        lang = current_lang()
        kinds: dict[str, str] = {}
        statuses: dict[str, str] = {}
        result = db.session.execute(self.statement())
        try:
            for _id, lines in groupby(result, key=itemgetter(0)):
                first = next(lines)
                (_fid, ref, series, ref_year, seq, audit_ref, unit_code, kind, edition, number, statement,
                 evidence, raised_on, status, closed_on) = first[:15]  # fmt: skip
                actions = [_Action(*line[15:]) for line in (first, *lines) if line[15] is not None]
                if kind not in kinds:
                    kinds[kind] = str(FINDING_KIND.get(kind, kind))
                if status not in statuses:
                    statuses[status] = str(FINDING_STATUS.get(status, status))
                if series is None or ref_year is None or seq is None:
                    label = ref or ""
                else:
                    label = finding_label(series, ref_year, seq, lang)
                yield register_row(
                    label, audit_ref, unit_code, kinds[kind], edition, number, statement, evidence, raised_on,
                    status, statuses[status], actions, closed_on, self.today,
                )  # fmt: skip
        finally:
            result.close()


def register_row(
    label: str,
    audit_ref: str,
    unit_code: str,
    kind_label: str,
    edition: str,
    number: str,
    statement: str,
    evidence: str,
    raised_on: date,
    status: str,
    status_label: str,
    actions: Sequence[_Action] | Sequence[ActionItem],
    closed_on: date | None,
    today: date,
) -> list[object]:
    """One finding: where it was found, what, and where its corrective actions of the current round stand."""
    due = max((a.due_on for a in actions), default=None)
    done = max((a.done_on for a in actions if a.done_on), default=None) if actions else None
    if any(a.done_on is None for a in actions):
        done = None
    overdue = status in OPEN_NC_STATUSES and any(a.done_on is None and a.due_on < today for a in actions)
    return [
        label,
        audit_ref,
        unit_code,
        kind_label,
        edition,
        number,
        statement,
        evidence,
        raised_on,
        status_label,
        "\n".join(a.what for a in actions),
        "; ".join(dict.fromkeys(a.owner_name for a in actions)),
        due,
        done,
        _("Yes") if overdue else "",
        closed_on,
    ]


def findings_sheet(findings: Iterable[Finding], name: str, *, today: date | None = None) -> Sheet:
    """One row per finding (records already loaded with their actions, as a list page selects them)."""
    today = today or date.today()
    rows = []
    for f in findings:
        kind, status = str(FINDING_KIND.get(f.kind, f.kind)), str(FINDING_STATUS.get(f.status, f.status))
        where = (f.label, f.audit.ref, f.unit.code, kind, f.clause.edition, f.clause.number)
        what = (f.statement, f.evidence, f.raised_on, f.status, status)
        rows.append(register_row(*where, *what, reporting.current_actions(f), f.closed_on, today))
    return Sheet(name, _("Findings"), register_header(), rows)


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
