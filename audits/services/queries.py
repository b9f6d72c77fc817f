"""What pages, exports and reminders read: findings of an audit, the findings register, summaries,
overdue and soon-due actions, the programme calendar, units due for audit, and each person's work."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from audits.models import (
    NC_KINDS,
    ActionItem,
    Audit,
    AuditProgramme,
    AuditStatus,
    AuditTeamMember,
    AuditUnit,
    Finding,
    FindingKind,
    FindingStatus,
    FollowUpProposal,
    ProposalStatus,
    ReviewDecision,
    TeamRole,
)
from audits.models.audit import ProgrammeTerms
from audits.models.finding import finding_label
from audits.services import deadlines, finding_rows
from audits.services.finding_rows import FindingRow
from qms.extensions import db
from qms.formatting import current_lang
from qms.models.clauses import Clause
from qms.models.history import HistoryEntry
from qms.models.org import MemberRole, Membership, Unit, UnitKind, User
from qms.services import access
from qms.services.history import history_of

KIND_ORDER = [FindingKind.MAJOR, FindingKind.MINOR, FindingKind.OBSERVATION, FindingKind.OFI]
# Nonconformities still to be dealt with; a withdrawn finding is counted nowhere.
OPEN_NC_STATUSES = tuple(
    s for s in FindingStatus if s not in (FindingStatus.CLOSED, FindingStatus.NOTED, FindingStatus.WITHDRAWN)
)


def _today(today: date | None) -> date:
    return today or date.today()


def _with_actions(stmt: Select) -> Select:
    return stmt.options(selectinload(Finding.actions), selectinload(Finding.corrective_action))


def readable_findings(stmt: Select, reader: User | None) -> Select:
    """`stmt` (over findings) cut to the findings `reader` may see (access.finding_unit_scope); every
    list or count of findings shown to a person goes through here. No reader: the whole list (the CLI,
    reminders)."""
    scope = access.finding_unit_scope(reader) if reader is not None else None
    return stmt if scope is None else stmt.where(Finding.unit_id.in_(scope))


def findings_for_audit(audit: Audit, reader: User | None = None) -> list[FindingRow]:
    """The audit's findings `reader` may see, as rows of its page's table: nonconformities by
    reference, then observations and opportunities."""
    stmt = finding_rows.select_rows().where(Finding.audit_id == audit.id)
    not_nc = Finding.kind.in_((FindingKind.OBSERVATION, FindingKind.OFI))
    stmt = readable_findings(stmt, reader).order_by(not_nc, func.coalesce(Finding.ref_seq, 0), Finding.id)
    return finding_rows.rows_of(stmt)


def audit_history(audit: Audit, reader: User | None) -> list[HistoryEntry]:
    """The audit's history as `reader` may read it: its findings' entries only for the findings the
    reader may see."""
    entries = history_of("audit", audit.id)
    if reader is None or access.finding_unit_scope(reader) is None:
        return entries
    visible = {str(i) for i in db.session.scalars(readable_findings(select(Finding.id), reader))}
    return [e for e in entries if e.record_type != "finding" or e.record_id in visible]


def _register_filtered(
    stmt: Select,
    *,
    year: int | None = None,
    unit_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    clause: str | None = None,
    audit_id: int | None = None,
) -> Select:
    """`stmt` (over findings joined to their audit) narrowed by the register's filters."""
    if year:
        stmt = stmt.where(Audit.year == year)
    if unit_id:
        stmt = stmt.where(Finding.unit_id == unit_id)
    if status:
        stmt = stmt.where(Finding.status == status)
    if kind:
        stmt = stmt.where(Finding.kind == kind)
    if audit_id:
        stmt = stmt.where(Finding.audit_id == audit_id)
    if clause:
        stmt = stmt.join(Clause, Clause.id == Finding.clause_id).where(
            (Clause.number == clause) | Clause.number.startswith(clause.rstrip(".") + ".")
        )
    return stmt


REGISTER_ORDER = (Audit.year.desc(), Finding.ref_seq.is_(None), Finding.ref_seq, Finding.id)


def _register_row(stmt: Select) -> Select:
    """What a row of the register shows: the finding's audit, clause and unit, and what its current
    step reads (its actions and plan)."""
    return _with_actions(stmt).options(
        selectinload(Finding.audit), selectinload(Finding.clause), selectinload(Finding.unit)
    )


def findings_register_query(**filters: object) -> Select:
    """The findings register as a statement (filters are optional), with what each row shows."""
    stmt = select(Finding).join(Audit, Audit.id == Finding.audit_id)
    return _register_row(_register_filtered(stmt, **filters).order_by(*REGISTER_ORDER))  # type: ignore[arg-type]


@dataclass
class RegisterCounts:
    total: int  # withdrawn findings included
    withdrawn: int


def findings_register_counts(**filters: object) -> RegisterCounts:
    """The number of findings the filters select, and how many of them are withdrawn: one COUNT."""
    withdrawn = func.coalesce(func.sum(case((Finding.status == FindingStatus.WITHDRAWN, 1), else_=0)), 0)
    stmt = select(func.count(Finding.id), withdrawn).select_from(Finding)
    if filters.get("year"):
        stmt = stmt.join(Audit, Audit.id == Finding.audit_id)
    total, gone = db.session.execute(_register_filtered(stmt, **filters)).one()  # type: ignore[arg-type]
    return RegisterCounts(int(total), int(gone))


class RegisterPage(Pagination):
    """A page of the findings register: the page's ids are sorted and cut alone (a narrow sort, the
    same cost at page 1,000 as at page 1), then only those rows are read with what they show; the
    total comes from `findings_register_counts` (one COUNT)."""

    def _query_items(self) -> list[FindingRow]:
        filters = self._query_args["filters"]
        ids_stmt = _register_filtered(
            select(Finding.id).join(Audit, Audit.id == Finding.audit_id), **filters
        ).order_by(*REGISTER_ORDER)
        ids = list(db.session.scalars(ids_stmt.limit(self.per_page).offset(self._query_offset)))
        return finding_rows.rows_by_id(ids)

    def _query_count(self) -> int:
        return self._query_args["counts"].total


def findings_register_page(
    page: int, per_page: int, **filters: object
) -> tuple[RegisterPage, RegisterCounts]:
    counts = findings_register_counts(**filters)
    return RegisterPage(page=page, per_page=per_page, error_out=False, filters=filters, counts=counts), counts


ACTION_STATES = ("open", "overdue", "done")


def actions_register_query(
    *,
    year: int | None = None,
    unit_id: int | None = None,
    state: str | None = None,
    today: date | None = None,
) -> Select:
    """The corrective actions of nonconformities (withdrawn findings left out), by due date, with the
    finding, its audit and unit each row shows (the spreadsheet; the page reads `actions_register_page`)."""
    stmt = (
        select(ActionItem)
        .join(Finding, Finding.id == ActionItem.finding_id)
        .join(Audit, Audit.id == Finding.audit_id)
        .options(
            contains_eager(ActionItem.finding).contains_eager(Finding.audit),
            selectinload(ActionItem.owner),
        )
    )
    stmt = _actions_filtered(
        stmt, year=year, unit_id=unit_id, state=state, today=_today(today), audit_joined=True
    )
    return stmt.order_by(ActionItem.due_on, ActionItem.id)


def _actions_filtered(
    stmt: Select,
    *,
    year: int | None,
    unit_id: int | None,
    state: str | None,
    today: date,
    audit_joined: bool = False,
) -> Select:
    """`stmt` (over actions joined to their finding) narrowed by the register's filters: withdrawn
    findings' actions left out."""
    stmt = stmt.where(Finding.status != FindingStatus.WITHDRAWN)
    if year:
        if not audit_joined:
            stmt = stmt.join(Audit, Audit.id == Finding.audit_id)
        stmt = stmt.where(Audit.year == year)
    if unit_id:
        stmt = stmt.where(Finding.unit_id == unit_id)
    if state == "open":
        stmt = stmt.where(ActionItem.done_on.is_(None))
    elif state == "overdue":
        stmt = stmt.where(
            ActionItem.done_on.is_(None), ActionItem.due_on < today, ActionItem.round == Finding.round
        )
    elif state == "done":
        stmt = stmt.where(ActionItem.done_on.is_not(None))
    return stmt


@dataclass(frozen=True, slots=True)
class ActionRow:
    """A line of the corrective actions register."""

    id: int
    what: str
    owner: str  # the owner's name, a user's or as typed
    due_on: date
    done_on: date | None
    finding_id: int
    finding_label: str
    unit_code: str

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today


class ActionsPage(Pagination):
    """A page of the corrective actions register: the page's ids are sorted and cut alone, then only
    those rows are read with what they show; the total is one COUNT over actions and findings."""

    def _filtered(self, stmt: Select) -> Select:
        return _actions_filtered(
            stmt.join(Finding, Finding.id == ActionItem.finding_id), **self._query_args["filters"]
        )

    def _query_items(self) -> list[ActionRow]:
        ids_stmt = self._filtered(select(ActionItem.id)).order_by(ActionItem.due_on, ActionItem.id)
        ids = list(db.session.scalars(ids_stmt.limit(self.per_page).offset(self._query_offset)))
        if not ids:
            return []
        lang = current_lang()
        stmt = (
            select(
                ActionItem.id,
                ActionItem.what,
                func.coalesce(User.full_name, ActionItem.owner_name),
                ActionItem.due_on,
                ActionItem.done_on,
                Finding.id,
                Finding.ref,
                Finding.ref_series,
                Finding.ref_year,
                Finding.ref_seq,
                Unit.code,
            )
            .join(Finding, Finding.id == ActionItem.finding_id)
            .join(Unit, Unit.id == Finding.unit_id)
            .outerjoin(User, User.id == ActionItem.owner_id)
            .where(ActionItem.id.in_(ids))
        )
        rows = {
            aid: ActionRow(
                aid,
                what,
                owner or "",
                due,
                done,
                fid,
                finding_label(series, year, seq, lang) if series and year and seq else (ref or ""),
                code,
            )
            for aid, what, owner, due, done, fid, ref, series, year, seq, code in db.session.execute(stmt)
        }
        return [rows[i] for i in ids]

    def _query_count(self) -> int:
        return db.session.scalar(self._filtered(select(func.count(ActionItem.id)))) or 0


def actions_register_page(
    page: int,
    per_page: int,
    *,
    year: int | None = None,
    unit_id: int | None = None,
    state: str | None = None,
    today: date | None = None,
) -> ActionsPage:
    filters = {"year": year, "unit_id": unit_id, "state": state, "today": _today(today)}
    return ActionsPage(page=page, per_page=per_page, error_out=False, filters=filters)


def findings_register(year: int | None = None, **filters: object) -> list[Finding]:
    return list(db.session.scalars(findings_register_query(year=year, **filters)))  # type: ignore[arg-type]


@dataclass
class AuditSummary:
    by_kind: dict[str, int]
    nonconformities: int
    open_nonconformities: int
    closed_nonconformities: int
    overdue_actions: int
    overdue_findings: int = 0
    withdrawn: int = 0  # shown apart, left out of every other figure

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def audit_summary(audit: Audit, today: date | None = None, *, reader: User | None = None) -> AuditSummary:
    """The audit's counts, over the findings `reader` may see."""
    today = _today(today)
    rows = db.session.execute(
        readable_findings(select(Finding.kind, Finding.status, func.count()), reader)
        .where(Finding.audit_id == audit.id)
        .group_by(Finding.kind, Finding.status)
    ).all()
    by_kind: Counter[str] = Counter({k.value: 0 for k in KIND_ORDER})
    ncs = open_ncs = closed = 0
    withdrawn = 0
    for kind, status, count in rows:
        if status == FindingStatus.WITHDRAWN:
            withdrawn += count
            continue
        by_kind[kind] += count
        if kind in NC_KINDS:
            ncs += count
            if status == FindingStatus.CLOSED:
                closed += count
            else:
                open_ncs += count
    overdue = db.session.scalar(
        readable_findings(select(func.count(ActionItem.id)), reader)
        .join(Finding, Finding.id == ActionItem.finding_id)
        .where(
            Finding.audit_id == audit.id,
            ActionItem.round == Finding.round,
            ActionItem.done_on.is_(None),
            ActionItem.due_on < today,
            Finding.status.in_(OPEN_NC_STATUSES),
        )
    )
    late = db.session.scalar(
        readable_findings(select(func.count(Finding.id)), reader).where(
            Finding.audit_id == audit.id,
            Finding.status.in_(OPEN_NC_STATUSES),
            deadlines.late_since() < today,
        )
    )
    return AuditSummary(dict(by_kind), ncs, open_ncs, closed, overdue or 0, late or 0, withdrawn)


def _open_actions(today: date) -> Select:
    return (
        select(ActionItem)
        .join(Finding, Finding.id == ActionItem.finding_id)
        .where(
            ActionItem.round == Finding.round,
            ActionItem.done_on.is_(None),
            Finding.status.in_(OPEN_NC_STATUSES),
        )
        .options(selectinload(ActionItem.finding))
        .order_by(ActionItem.due_on, ActionItem.id)
    )


def overdue_actions(today: date | None = None, *, unit_ids: set[int] | None = None) -> list[ActionItem]:
    """Actions of open nonconformities past their due date and not done."""
    stmt = _open_actions(_today(today)).where(ActionItem.due_on < _today(today))
    if unit_ids is not None:
        stmt = stmt.where(Finding.unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt))


def due_within(days: int, today: date | None = None, *, unit_ids: set[int] | None = None) -> list[ActionItem]:
    """Actions not done and due from today to `days` days ahead."""
    today = _today(today)
    stmt = _open_actions(today).where(
        ActionItem.due_on >= today, ActionItem.due_on <= today + timedelta(days=days)
    )
    if unit_ids is not None:
        stmt = stmt.where(Finding.unit_id.in_(unit_ids))
    return list(db.session.scalars(stmt))


def is_overdue(finding: Finding, today: date | None = None) -> bool:
    """The finding's current step (or one of its current actions) is past its due date."""
    step = deadlines.current_step(finding, _today(today))
    return step is not None and step.overdue


def overdue_steps(
    today: date | None = None,
    *,
    unit_ids: set[int] | None = None,
    more_than: int = 0,
    limit: int | None = None,
) -> list[deadlines.Step]:
    """Open nonconformities whose current step is overdue (by more than `more_than` days), computed in
    SQL, the longest overdue first (the first `limit` of them, when given)."""
    today = _today(today)
    late = deadlines.late_since().label("late_since")
    stmt = (
        select(Finding, late)
        .where(Finding.status.in_(OPEN_NC_STATUSES), late < today - timedelta(days=more_than))
        .options(selectinload(Finding.actions), selectinload(Finding.unit))
        .order_by(late, Finding.id)
        .limit(limit)
    )
    if unit_ids is not None:
        stmt = stmt.where(Finding.unit_id.in_(unit_ids))
    steps = [deadlines.current_step(f, today) for f, _late in db.session.execute(stmt)]
    return [s for s in steps if s is not None]


def longest_overdue(
    today: date | None = None, *, unit_ids: set[int] | None = None, limit: int = 5
) -> tuple[list[deadlines.Step], int]:
    """The `limit` nonconformities overdue the longest at their current step, and how many are overdue
    in all. Two statements on the index of `late_since`: the first rows in its order, and a count
    that reads the index only (a window count would carry every overdue row)."""
    today = _today(today)
    late = deadlines.late_since()
    stmt = (
        select(Finding)
        .where(late < today)
        .options(selectinload(Finding.actions), selectinload(Finding.unit))
        .order_by(late, Finding.id)
        .limit(limit)
    )
    if unit_ids is not None:
        stmt = stmt.where(Finding.unit_id.in_(unit_ids))
    steps = [deadlines.current_step(f, today) for f in db.session.scalars(stmt)]
    shown = [s for s in steps if s is not None]
    return shown, (count_overdue(today, unit_ids=unit_ids) if shown else 0)


def count_overdue(today: date | None = None, *, unit_ids: set[int] | None = None) -> int:
    """How many open nonconformities are overdue at their current step, counted in SQL. The stored
    `late_since` is empty for every finding not waiting at a step (closed, noted, withdrawn), so the
    date alone picks the open ones."""
    stmt = select(func.count()).select_from(Finding).where(deadlines.late_since() < _today(today))
    if unit_ids is not None:
        stmt = stmt.where(Finding.unit_id.in_(unit_ids))
    return db.session.scalar(stmt) or 0


# --- programme -------------------------------------------------------------------------------


def reference_date(programme: AuditProgramme, today: date | None = None) -> date:
    """The day a programme is judged on: today, or the programme's last day if the year is over."""
    return min(_today(today), date(programme.year, 12, 31))


def visible_audits(programme: AuditProgramme, user: User) -> list[Audit]:
    """The programme's audits the person may see: all for org-wide readers, else those of their units."""
    if access.reads_everything(user):
        return list(programme.audits)
    own = {m.unit_id for m in user.memberships}
    return [a for a in programme.audits if a.unit_ids & own]


@dataclass(frozen=True, slots=True)
class ProgrammeRow(ProgrammeTerms):
    """A line of the programmes list."""

    id: int
    year: int
    edition: str
    status: str
    approved_by: str  # the approver's name
    approved_at: datetime | None
    decision_number: str
    audits: int  # the audits the person may see


def programme_rows(user: User) -> list[ProgrammeRow]:
    """Every programme, latest year first, with its approver and the number of its audits the person
    may see (all for org-wide readers, else those of their units), in one statement."""
    audits = select(func.count(func.distinct(Audit.id))).where(Audit.programme_id == AuditProgramme.id)
    if not access.reads_everything(user):
        own = select(Membership.unit_id).where(Membership.user_id == user.id)
        audits = audits.join(AuditUnit, AuditUnit.audit_id == Audit.id).where(AuditUnit.unit_id.in_(own))
    stmt = (
        select(
            AuditProgramme.id,
            AuditProgramme.year,
            AuditProgramme.edition,
            AuditProgramme.status,
            func.coalesce(User.full_name, ""),
            AuditProgramme.approved_at,
            AuditProgramme.decision_number,
            audits.correlate(AuditProgramme).scalar_subquery(),
        )
        .outerjoin(User, User.id == AuditProgramme.approved_by_id)
        .order_by(AuditProgramme.year.desc())
    )
    return [ProgrammeRow(*row) for row in db.session.execute(stmt)]


def calendar(programme: AuditProgramme, user: User | None = None) -> list[tuple[Audit, set[int]]]:
    """Each audit of the programme (those the user may see, when given) with the months (1–12) its
    dates fall in."""
    rows = []
    for audit in programme.audits if user is None else visible_audits(programme, user):
        months = set()
        day = audit.planned_start.replace(day=1)
        while day <= audit.planned_end:
            if day.year == programme.year:
                months.add(day.month)
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        rows.append((audit, months))
    return rows


@dataclass
class UnitDue:
    unit: Unit
    last_audited: date | None
    open_majors: int

    @property
    def not_audited(self) -> bool:
        return self.last_audited is None


def units_due(programme: AuditProgramme, today: date | None = None) -> list[UnitDue]:
    """Units not audited in the 12 months before the programme's reference date, and units with open
    major nonconformities."""
    as_of = reference_date(programme, today)
    since = as_of - timedelta(days=365)
    last = dict(
        db.session.execute(
            select(AuditUnit.unit_id, func.max(Audit.planned_end))
            .join(Audit, Audit.id == AuditUnit.audit_id)
            .where(
                Audit.status != AuditStatus.CANCELLED,
                Audit.planned_end <= as_of,
                Audit.planned_end > since,
            )
            .group_by(AuditUnit.unit_id)
        ).all()
    )
    majors = dict(
        db.session.execute(
            select(Finding.unit_id, func.count(Finding.id))
            .where(Finding.kind == FindingKind.MAJOR, Finding.status.in_(OPEN_NC_STATUSES))
            .group_by(Finding.unit_id)
        ).all()
    )
    units = db.session.scalars(
        select(Unit).where(Unit.active, Unit.kind != UnitKind.CITY).order_by(Unit.kind, Unit.code)
    )
    due = []
    for unit in units:
        if unit.id not in last or majors.get(unit.id):
            due.append(UnitDue(unit, last.get(unit.id), majors.get(unit.id, 0)))
    return due


def pending_proposals(today: date | None = None, *, only_due: bool = False) -> list[FollowUpProposal]:
    stmt = select(FollowUpProposal).where(FollowUpProposal.status == ProposalStatus.PROPOSED)
    if only_due:
        stmt = stmt.where(FollowUpProposal.due_on <= _today(today))
    return list(db.session.scalars(stmt.order_by(FollowUpProposal.due_on)))


# --- people ----------------------------------------------------------------------------------


MY_WORK_LIMIT = 20  # rows of a list on "My work"; the rest through the total and its full list


@dataclass
class MyWork:
    answers_due: list[FindingRow] = field(default_factory=list)  # plans to write (unit manager)
    actions_to_do: list[ActionItem] = field(default_factory=list)
    plans_to_review: list[FindingRow] = field(default_factory=list)
    verifications_due: list[FindingRow] = field(default_factory=list)  # the first MY_WORK_LIMIT
    acknowledgements: list[AuditTeamMember] = field(default_factory=list)
    proposals: list[FollowUpProposal] = field(default_factory=list)
    plans_to_acknowledge: list[AuditUnit] = field(default_factory=list)  # audit plans sent to my units
    decisions: list[ReviewDecision] = field(default_factory=list)  # management review decisions to carry out
    totals: dict[str, int] = field(default_factory=dict)  # list name → its rows in the database

    def total(self, name: str) -> int:
        return self.totals.get(name, len(getattr(self, name)))

    @property
    def count(self) -> int:
        return sum(
            self.total(name)
            for name in (
                "answers_due",
                "actions_to_do",
                "plans_to_review",
                "verifications_due",
                "acknowledgements",
                "proposals",
                "plans_to_acknowledge",
                "decisions",
            )
        )


def _rows(stmt: Select, limit: int | None) -> tuple[list, int | None]:
    """The statement's rows (at most `limit`; none when 0) and, when a limit is given, the total, read
    in the same statement (a window COUNT); None when every row was read."""
    if limit == 0:
        return [], db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if limit is None:
        return list(db.session.scalars(stmt)), None
    result = db.session.execute(stmt.add_columns(func.count().over()).limit(limit)).all()
    return [row[0] for row in result], (result[0][1] if result else 0)


def _finding_lines(stmt: Select, limit: int | None, today: date) -> tuple[list[FindingRow], int | None]:
    """Finding lines of "My work" (`stmt` selects `finding_rows.COLUMNS`), like `_rows`."""
    if limit == 0:
        return [], db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if limit is None:
        return finding_rows.rows_of(stmt, today), None
    return finding_rows.first_rows(stmt, limit, today)


def verifications_query(user: User, stmt: Select | None = None) -> Select:
    """Findings whose actions are done, of the audits whose team the auditor is on, that they may
    verify (never of a unit they belong to; see access.can_verify_finding); `stmt` selects what is
    read of them (the findings' rows by default)."""
    team_audits = select(AuditTeamMember.audit_id).where(AuditTeamMember.user_id == user.id)
    own_units = select(Membership.unit_id).where(Membership.user_id == user.id)
    return (
        (finding_rows.select_rows() if stmt is None else stmt)
        .where(
            Finding.status == FindingStatus.ACTIONS_DONE,
            Finding.audit_id.in_(team_audits),
            Finding.unit_id.not_in(own_units),
        )
        .order_by(Finding.verify_due_on, Finding.id)
    )


def my_work(user: User, today: date | None = None, *, limit: int | None = MY_WORK_LIMIT) -> MyWork:
    """What waits for the person; an auditor's lists cut at `limit` rows with their totals (`limit=0`:
    the totals only, counted in SQL)."""
    today = _today(today)
    work = MyWork()

    def fill(name: str, stmt: Select, *, bounded: bool = True, findings: bool = False) -> None:
        # A unit's own lists stay whole (its people may not open the registers); an auditor's are cut.
        cut = limit if bounded or limit == 0 else None
        rows, total = _finding_lines(stmt, cut, today) if findings else _rows(stmt, cut)
        setattr(work, name, rows)
        if total is not None:
            work.totals[name] = total

    managed = access.managed_unit_ids(user)
    if managed:
        fill(
            "answers_due",
            finding_rows.select_rows()
            .where(Finding.unit_id.in_(managed), Finding.status.in_(deadlines.WAITING_PLAN))
            .order_by(Finding.plan_due_on, Finding.raised_on, Finding.id),
            bounded=False,
            findings=True,
        )
    mine = ActionItem.owner_id == user.id
    if managed:
        mine = mine | (Finding.unit_id.in_(managed) & (Finding.status == FindingStatus.PLAN_ACCEPTED))
    fill("actions_to_do", _open_actions(today).where(mine), bounded=False)
    if access.is_audit_team_auditor(user, {user.id}):
        team_audits = select(AuditTeamMember.audit_id).where(AuditTeamMember.user_id == user.id)
        fill(
            "plans_to_review",
            finding_rows.select_rows()
            .where(Finding.audit_id.in_(team_audits), Finding.status == FindingStatus.PLAN_SUBMITTED)
            .order_by(Finding.review_due_on, Finding.id),
            findings=True,
        )
        fill("verifications_due", verifications_query(user), findings=True)
    # The lead acknowledges the others' warnings; steering acknowledges the lead's own (never oneself).
    plans_audits = access.can_plan_audits(user)
    work.acknowledgements = [
        m
        for m in db.session.scalars(
            select(AuditTeamMember)
            .join(Audit, Audit.id == AuditTeamMember.audit_id)
            .where(
                AuditTeamMember.competence_warning,
                AuditTeamMember.acknowledged_at.is_(None),
                AuditTeamMember.user_id != user.id,
                Audit.status.in_([AuditStatus.PLANNED, AuditStatus.IN_PROGRESS]),
            )
            .order_by(AuditTeamMember.id)
        )
        if ((lead := m.audit.lead) is not None and lead.id == user.id)
        or (plans_audits and (lead is None or lead.id == m.user_id))
    ]
    if managed:
        work.plans_to_acknowledge = list(
            db.session.scalars(
                select(AuditUnit)
                .join(Audit, Audit.id == AuditUnit.audit_id)
                .where(
                    AuditUnit.unit_id.in_(managed),
                    AuditUnit.plan_acknowledged_at.is_(None),
                    Audit.plan_sent_at.is_not(None),
                    Audit.status.in_([AuditStatus.PLANNED, AuditStatus.IN_PROGRESS]),
                )
                .order_by(Audit.planned_start, Audit.ref)
            )
        )
    if access.can_plan_audits(user):
        work.proposals = pending_proposals(today, only_due=True)
    from audits.services.review.core import decisions_for

    work.decisions = decisions_for(user, today)
    return work


@dataclass
class UnitPanel:
    open_findings: list[Finding]
    overdue: list[ActionItem]
    audits: list[Audit]
    late: dict[int, deadlines.Step] = field(default_factory=dict)  # finding id → its overdue step


def unit_panel(unit: Unit, today: date | None = None) -> UnitPanel:
    findings = list(
        db.session.scalars(
            _with_actions(
                select(Finding)
                .where(Finding.unit_id == unit.id, Finding.status.in_(OPEN_NC_STATUSES))
                .order_by(Finding.ref_year, Finding.ref_seq)
            )
        )
    )
    audits = list(
        db.session.scalars(
            select(Audit)
            .join(AuditUnit, AuditUnit.audit_id == Audit.id)
            .where(AuditUnit.unit_id == unit.id)
            .order_by(Audit.planned_start.desc())
            .limit(10)
        )
    )
    late = {step.finding.id: step for step in overdue_steps(today, unit_ids={unit.id})}
    return UnitPanel(findings, overdue_actions(today, unit_ids={unit.id}), audits, late)


@dataclass
class DashboardFigures:
    open_nonconformities: int
    overdue_actions: int
    my_work: int
    overdue_findings: int = 0
    late: list[deadlines.Step] = field(default_factory=list)  # the longest overdue first, at most 5
    open_decisions: int = 0  # decisions of held management reviews not done, of the person's units
    overdue_decisions: int = 0


def count_overdue_actions(today: date | None = None, *, unit_ids: set[int] | None = None) -> int:
    """How many actions of open nonconformities are past their due date and not done, counted in SQL."""
    today = _today(today)
    stmt = (
        select(func.count(ActionItem.id))
        .join(Finding, Finding.id == ActionItem.finding_id)
        .where(
            ActionItem.round == Finding.round,
            ActionItem.done_on.is_(None),
            Finding.status.in_(OPEN_NC_STATUSES),
            ActionItem.due_on < today,
        )
    )
    if unit_ids is not None:
        stmt = stmt.where(Finding.unit_id.in_(unit_ids))
    return db.session.scalar(stmt) or 0


def dashboard_figures(user: User, today: date | None = None) -> DashboardFigures:
    unit_ids = access.finding_unit_scope(user)
    stmt = readable_findings(select(func.count(Finding.id)), user).where(Finding.status.in_(OPEN_NC_STATUSES))
    from audits.services.review.core import count_open_decisions

    decisions = count_open_decisions(unit_ids, today).values()
    late, overdue_findings = longest_overdue(today, unit_ids=unit_ids, limit=5)
    return DashboardFigures(
        open_nonconformities=db.session.scalar(stmt) or 0,
        overdue_actions=count_overdue_actions(today, unit_ids=unit_ids),
        my_work=my_work(user, today, limit=0).count,
        overdue_findings=overdue_findings,
        late=late,
        open_decisions=sum(n for n, _late in decisions),
        overdue_decisions=sum(late for _n, late in decisions),
    )


def managers_of(unit_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(and_(Membership.unit_id == unit_id, Membership.role == MemberRole.MANAGER), User.active)
        )
    )


def lead_of(audit: Audit) -> User | None:
    return next((m.user for m in audit.team if m.role == TeamRole.LEAD), None)
