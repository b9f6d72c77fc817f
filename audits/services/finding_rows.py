"""Findings as the lists show them: the columns a row prints, read as plain rows in one statement.

The findings table (an audit's page, the findings register) shows up to hundreds of rows: reference,
kind, clause, unit, the start of the statement, status and the current step's deadline. Reading them
as ORM objects with their audit, clause, unit and actions cost more than drawing the page; a row here
is one tuple of columns, its step worked out once (deadlines.step_of, the same rule as a finding's
page) and its statement cut once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from audits.models import Audit, Finding
from audits.models.finding import finding_label
from audits.services import deadlines
from audits.services.deadlines import Step
from qms.extensions import db
from qms.formatting import current_lang
from qms.models.clauses import Clause
from qms.models.org import Unit

SHORT = 160  # characters of the statement a row shows; the rest is in the row's tooltip
TOOLTIP = 600

COLUMNS = (
    Finding.id,
    Finding.ref,
    Finding.ref_series,
    Finding.ref_year,
    Finding.ref_seq,
    Finding.kind,
    Finding.status,
    Finding.statement,
    Finding.withdrawn_reason,
    Finding.plan_due_on,
    Finding.review_due_on,
    Finding.verify_due_on,
    Clause.edition,
    Clause.number,
    Unit.code,
    Audit.ref,
    deadlines.earliest_open_action_sql(),
)


def cut(text: str, length: int) -> str:
    """`text` cut at the last word boundary before `length` characters, with "...", or whole when it
    fits within 5 more: what Jinja's `truncate(length)` prints."""
    if len(text) <= length + 5:
        return text
    return text[: length - 3].rsplit(" ", 1)[0] + "..."


@dataclass(slots=True)
class FindingRow:
    id: int
    label: str
    kind: str
    status: str
    statement: str
    short_statement: str
    tooltip: str  # the longer statement, when the row shows only its start
    withdrawn_reason: str
    plan_due_on: date | None
    review_due_on: date | None
    verify_due_on: date | None
    clause: str  # "2015 · 7.5.3"
    unit_code: str
    audit_ref: str
    step: Step | None = None

    @property
    def is_withdrawn(self) -> bool:
        return self.status == "withdrawn"


def _row(values: Sequence, lang: str, today: date) -> FindingRow:
    (fid, ref, series, year, seq, kind, status, statement, reason, plan_due, review_due, verify_due,
     edition, number, unit_code, audit_ref, action_due) = values[: len(COLUMNS)]  # fmt: skip
    statement = statement or ""
    row = FindingRow(
        id=fid,
        label=finding_label(series, year, seq, lang) if series and year and seq else (ref or ""),
        kind=kind,
        status=status,
        statement=statement,
        short_statement=cut(statement, SHORT),
        tooltip=cut(statement, TOOLTIP) if len(statement) > SHORT else "",
        withdrawn_reason=reason or "",
        plan_due_on=plan_due,
        review_due_on=review_due,
        verify_due_on=verify_due,
        clause=f"{edition} · {number}",
        unit_code=unit_code,
        audit_ref=audit_ref,
    )
    row.step = deadlines.step_of(row, action_due, today)
    return row


def rows_of(stmt: Select, today: date | None = None) -> list[FindingRow]:
    """The rows of `stmt`, a select of `COLUMNS` (see `select_rows`)."""
    today, lang = today or date.today(), current_lang()
    return [_row(values, lang, today) for values in db.session.execute(stmt)]


def first_rows(stmt: Select, limit: int, today: date | None = None) -> tuple[list[FindingRow], int]:
    """The first `limit` rows of `stmt` (a select of `COLUMNS`) and how many there are in all, read in
    the same statement (a window COUNT)."""
    today, lang = today or date.today(), current_lang()
    found = db.session.execute(stmt.add_columns(func.count().over()).limit(limit)).all()
    return [_row(values, lang, today) for values in found], (found[0][-1] if found else 0)


def select_rows() -> Select:
    """Every finding's row columns; narrow it with `.where(...)` and order it."""
    return (
        select(*COLUMNS)
        .join(Clause, Clause.id == Finding.clause_id)
        .join(Unit, Unit.id == Finding.unit_id)
        .join(Audit, Audit.id == Finding.audit_id)
    )


def rows_by_id(ids: Sequence[int], today: date | None = None) -> list[FindingRow]:
    """The rows of these findings, in the order of `ids`."""
    if not ids:
        return []
    rows = {r.id: r for r in rows_of(select_rows().where(Finding.id.in_(ids)), today)}
    return [rows[i] for i in ids if i in rows]
