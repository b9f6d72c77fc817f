"""The deadline of each step of a nonconformity's answer.

- the unit's plan: QMS_NC_PLAN_DAYS after the finding was raised (or returned, or reopened);
- the auditor's review of the plan: QMS_PLAN_REVIEW_DAYS after it was submitted;
- the actions: each has its own due date; the step is due at the earliest one not done;
- the verification of effectiveness: QMS_VERIFY_DAYS after the last action was done.

Due dates are stored on the finding when the step starts, so a later change of the settings does not
move old deadlines. `current_step` reads one finding; `step_due_on` is the same rule in SQL, for
lists and counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Protocol

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, Connection, Date, Update, bindparam, case, event, func, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import GenericFunction

from audits.models import ActionItem, Finding, FindingStatus

PLAN, REVIEW, ACTIONS, VERIFY = "plan", "review", "actions", "verify"
WAITING_PLAN = (FindingStatus.OPEN, FindingStatus.PLAN_RETURNED, FindingStatus.REOPENED)
STEP_OF_STATUS: dict[str, str] = {
    FindingStatus.OPEN: PLAN,
    FindingStatus.PLAN_RETURNED: PLAN,
    FindingStatus.REOPENED: PLAN,
    FindingStatus.PLAN_SUBMITTED: REVIEW,
    FindingStatus.PLAN_ACCEPTED: ACTIONS,
    FindingStatus.ACTIONS_DONE: VERIFY,
}
DEFAULT_DAYS = {
    "QMS_NC_PLAN_DAYS": 15,
    "QMS_PLAN_REVIEW_DAYS": 5,
    "QMS_VERIFY_DAYS": 30,
    "QMS_ESCALATE_DAYS": 7,
}


def setting(name: str) -> int:
    """A number of days from the app's configuration (qms/config.py), or its default."""
    value = current_app.config.get(name) if has_app_context() else None
    return int(value) if value is not None else DEFAULT_DAYS[name]


def plan_due(start: date) -> date:
    return start + timedelta(days=setting("QMS_NC_PLAN_DAYS"))


def review_due(submitted: date) -> date:
    return submitted + timedelta(days=setting("QMS_PLAN_REVIEW_DAYS"))


def verify_due(last_done: date) -> date:
    return last_done + timedelta(days=setting("QMS_VERIFY_DAYS"))


@dataclass(frozen=True)
class Step:
    """Where a nonconformity stands: which step waits, until when, and whether it is late. A finding is
    also late when one of its current actions is past its due date, whatever the step. What follows
    from the dates is worked out once, when the step is made: a table asks each row several times."""

    finding: Finding | FindingLike
    name: str
    due_on: date | None
    action_due_on: date | None  # the earliest due date of the current actions not done
    today: date
    late_since: date | None = field(init=False)
    overdue: bool = field(init=False)
    late_step: str = field(init=False)  # the step whose date has passed: itself, or the actions first
    days_overdue: int = field(init=False)

    def __post_init__(self) -> None:
        due, action_due = self.due_on, self.action_due_on
        late_since = min((d for d in (due, action_due) if d is not None), default=None)
        overdue = late_since is not None and self.today > late_since
        late_step = ACTIONS if action_due is not None and (due is None or action_due < due) else self.name
        object.__setattr__(self, "late_since", late_since)  # frozen: set through object.__setattr__
        object.__setattr__(self, "overdue", overdue)
        object.__setattr__(self, "late_step", late_step)
        object.__setattr__(
            self, "days_overdue", (self.today - late_since).days if overdue and late_since else 0
        )


def _earliest_open_action(finding: Finding) -> date | None:
    dues = [a.due_on for a in finding.actions if a.round == finding.round and a.done_on is None]
    return min(dues, default=None)


def current_step(finding: Finding, today: date | None = None) -> Step | None:
    """The step a nonconformity waits at, with its due date; None once closed (or not an NC)."""
    if finding.status not in STEP_OF_STATUS:
        return None
    return step_of(finding, _earliest_open_action(finding), today or date.today())


class FindingLike(Protocol):
    """What the step of a finding is read from: a `Finding`, or a row of a list read as plain columns."""

    id: int
    status: str
    plan_due_on: date | None
    review_due_on: date | None
    verify_due_on: date | None


def step_of(finding: Finding | FindingLike, action_due: date | None, today: date) -> Step | None:
    """The step `finding` waits at, given the earliest due date of its current actions not done."""
    name = STEP_OF_STATUS.get(finding.status)
    if name is None:
        return None
    due = {
        PLAN: finding.plan_due_on,
        REVIEW: finding.review_due_on,
        ACTIONS: action_due,
        VERIFY: finding.verify_due_on,
    }[name]
    return Step(finding, name, due, action_due, today)


def earliest_open_action_sql() -> ColumnElement[date]:
    return (
        select(func.min(ActionItem.due_on))
        .where(
            ActionItem.finding_id == Finding.id,
            ActionItem.round == Finding.round,
            ActionItem.done_on.is_(None),
        )
        .correlate(Finding)
        .scalar_subquery()
    )


def step_due_on() -> ColumnElement[date]:
    """The due date of the finding's current step, as a SQL expression (NULL when nothing waits)."""
    return case(
        (Finding.status.in_(WAITING_PLAN), Finding.plan_due_on),
        (Finding.status == FindingStatus.PLAN_SUBMITTED, Finding.review_due_on),
        (Finding.status == FindingStatus.PLAN_ACCEPTED, earliest_open_action_sql()),
        (Finding.status == FindingStatus.ACTIONS_DONE, Finding.verify_due_on),
        else_=None,
    )


class earlier(GenericFunction[date]):
    """The earlier of two dates, either of which may be NULL (then the other): PostgreSQL's `least`
    ignores NULLs; SQLite's two-argument `min` does not, so each side stands in for the other there."""

    type = Date()
    inherit_cache = True


@compiles(earlier)
def _earlier(element: earlier, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    return f"least({compiler.process(element.clauses, **kw)})"


@compiles(earlier, "sqlite")
def _earlier_sqlite(element: earlier, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    a, b = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"min(coalesce({a}, {b}), coalesce({b}, {a}))"


def late_since() -> ColumnElement[date]:
    """`Step.late_since` as stored on each finding (see `install`): indexed, so the overdue ones are
    found without reading every open nonconformity's actions."""
    return Finding.late_since


def late_since_expression() -> ColumnElement[date]:
    """`Step.late_since` in SQL: the earlier of the step's due date and the earliest open action's.
    One branch per step, so a row reads its earliest open action once or twice, not once per comparison."""
    action = earliest_open_action_sql()
    return case(
        (Finding.status.in_(WAITING_PLAN), earlier(Finding.plan_due_on, action)),
        (Finding.status == FindingStatus.PLAN_SUBMITTED, earlier(Finding.review_due_on, action)),
        (Finding.status == FindingStatus.PLAN_ACCEPTED, action),
        (Finding.status == FindingStatus.ACTIONS_DONE, earlier(Finding.verify_due_on, action)),
        else_=None,
    )


@cache
def _refresh_statement(every: bool) -> Update:
    """Built once: it runs after every flush that touches a finding, and building it costs more than
    running it for one row."""
    stmt = update(Finding).values(late_since=late_since_expression())
    if not every:
        stmt = stmt.where(Finding.id.in_(bindparam("ids", expanding=True)))
    return stmt.execution_options(synchronize_session=False)


def refresh_late_since(connection: Connection, finding_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored `Finding.late_since` of these findings (of every finding when None)."""
    if finding_ids is None:
        connection.execute(_refresh_statement(True))
        return
    ids = sorted(set(finding_ids))
    if ids:
        connection.execute(_refresh_statement(False), {"ids": ids})


def _after_flush(session: Session, _context: object) -> None:
    touched = {obj.id for obj in (*session.new, *session.dirty) if isinstance(obj, Finding)}
    touched |= {
        obj.finding_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, ActionItem) and obj.finding_id is not None
    }
    if touched:
        # a Core statement: the ORM (and so the history) never sees this derived column change
        refresh_late_since(session.connection(), touched)


def install() -> None:
    """Keep `Finding.late_since` after every flush of every session (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
