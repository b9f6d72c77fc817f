"""The record kinds a reorganisation moves: every table that belongs to a unit, with its rule.

ONE table (`KINDS`), read at a glance: which records of an ending unit go to its successor on the
effective date (the open ones, the current ones) and which stay with the old unit, which stays readable,
so that the 2018 report still names the 2018 unit. tests/test_reorganisation.py checks that every
foreign key to `unit` in the schema is listed here.

Tables are named, not imported: the audits' tables are part of the schema the app builds, and qms does
not import the audits package (DESIGN.md: dependencies point one way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Table, and_, or_, select, true

from qms.models.base import Base


@dataclass(frozen=True)
class Scope:
    """What a rule is judged against: the effective date and the units that end on it."""

    effective_on: date
    ending_unit_ids: frozenset[int]


Rule = Callable[[Table, Scope], ColumnElement[bool]]


@dataclass(frozen=True)
class RecordKind:
    key: str
    label: Any  # a lazy string
    table: str
    # The rule: which records move to the successor; None = every record stays with the old unit.
    moves: Rule | None = None
    unit_column: str = "unit_id"
    # With the unit column, identifies a record (the ledger's record id).
    key_column: str = "id"
    # A kind without a unit of its own (a measurement): counted with, and going where, its parent goes.
    follows: str | None = None
    via: str = ""
    # Columns unique together with the unit: a record the successor already has stays ("stay"), or the
    # reorganisation is refused until a person sorts it out ("refuse").
    unique_with: tuple[str, ...] = ()
    on_clash: str = "stay"
    # Open records of a unit that ends must have a successor (memberships do not: people stay members
    # of a unit that ended, and read its records).
    needs_successor: bool = True


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _everything(_t: Table, _scope: Scope) -> ColumnElement[bool]:
    return true()


KINDS: tuple[RecordKind, ...] = (
    # People go where their work goes; a manager of a merged or split unit becomes a member of the
    # successor until an administrator confirms them.
    RecordKind(
        "membership", _l("Memberships"), "membership", moves=_everything, unique_with=("user_id",),
        needs_successor=False,
    ),
    # A sub-unit still in existence hangs under the successor; one ending in the same reorganisation
    # stays where it was.
    RecordKind(
        "sub_unit", _l("Sub-units"), "unit", unit_column="parent_id",
        moves=lambda t, s: and_(
            or_(t.c.valid_until.is_(None), t.c.valid_until >= s.effective_on),
            t.c.id.not_in(s.ending_unit_ids) if s.ending_unit_ids else true(),
        ),
    ),
    # Objectives of the effective year and later are the successor's to reach; past years were the old unit's.
    RecordKind(
        "objective", _l("Quality objectives"), "quality_objective",
        moves=lambda t, s: t.c.year >= s.effective_on.year,
    ),
    # Measurements belong to their objective and go with it.
    RecordKind(
        "measurement", _l("Measurements"), "quality_measurement", follows="objective", via="objective_id"
    ),
    # A quality policy is signed by the old unit's head for its year: the successor issues its own.
    RecordKind("quality_policy", _l("Quality policies"), "quality_policy"),
    # Dossier figures are facts of the old unit's periods; year-on-year sums add predecessors up.
    RecordKind("case_statistics", _l("Case statistics"), "case_statistics"),
    # Satisfaction surveys measured the old unit's service in their periods.
    RecordKind("satisfaction", _l("Satisfaction indexes"), "satisfaction_index"),
    # Drafts and approved procedures are the ones in use: the successor runs and revises them; superseded
    # versions are the old unit's past.
    RecordKind(
        "procedure", _l("Procedures"), "process",
        moves=lambda t, _s: t.c.status.in_(("draft", "approved")),
    ),
    # Documents in force or being drafted are the successor's to keep; superseded and withdrawn ones
    # stay readable where they were. Two documents of one code cannot meet in the same unit.
    RecordKind(
        "document", _l("Controlled documents"), "controlled_document",
        moves=lambda t, _s: t.c.status.in_(("draft", "in_force")),
        unique_with=("code",), on_clash="refuse",
    ),
    # Context issues, interested parties and risks have no closed state: they are the successor's
    # current picture, to review.
    RecordKind("context", _l("Context issues"), "context_issue", moves=_everything),
    RecordKind("interested_party", _l("Interested parties"), "interested_party", moves=_everything),
    RecordKind("risk", _l("Risks and opportunities"), "risk", moves=_everything),
    # The 2008 → 2015 transition is a finished record of what each old unit did.
    RecordKind("transition_unit", _l("Transition scope"), "transition_unit"),
    RecordKind("transition_item", _l("Transition gap items"), "transition_item"),
    # A remapping decision records who decided for which unit; it stays as decided.
    RecordKind("clause_remap", _l("Clause remapping decisions"), "clause_remap"),
    # An audit not yet done audits the successor instead; a finished audit audited the old unit.
    RecordKind(
        "audit", _l("Audits"), "audit_unit", key_column="audit_id",
        moves=lambda t, _s: t.c.audit_id.in_(
            select(_table("audit").c.id).where(_table("audit").c.status.in_(("planned", "in_progress")))
        ),
        unique_with=("audit_id",),
    ),
    # An open nonconformity is the successor's to correct; closed, noted and withdrawn findings stay.
    RecordKind(
        "finding", _l("Findings"), "finding",
        moves=lambda t, _s: t.c.status.not_in(("closed", "noted", "withdrawn")),
    ),
    # Corrective actions belong to their finding and go with it.
    RecordKind(
        "corrective_action", _l("Corrective actions"), "corrective_action",
        follows="finding", via="finding_id",
    ),
    # A follow-up audit still proposed is the successor's; a decided proposal is history.
    RecordKind(
        "follow_up", _l("Follow-up audit proposals"), "follow_up_proposal",
        moves=lambda t, _s: t.c.status == "proposed",
    ),
    # A review not held yet reviews the successor; a held review reviewed the old unit.
    RecordKind(
        "management_review", _l("Management reviews"), "management_review",
        moves=lambda t, _s: t.c.status == "draft",
    ),
    # A review decision not done yet is the successor's to carry out.
    RecordKind(
        "review_decision", _l("Management review decisions"), "review_decision", unit_column="owner_unit_id",
        moves=lambda t, _s: t.c.done_on.is_(None),
    ),
)  # fmt: skip

BY_KEY: dict[str, RecordKind] = {k.key: k for k in KINDS}
# The kinds a split assigns to a successor: those with a unit of their own.
OWN_KINDS: tuple[RecordKind, ...] = tuple(k for k in KINDS if k.follows is None)


def present(kinds: tuple[RecordKind, ...] = KINDS) -> list[RecordKind]:
    """The kinds whose table is in the schema (the audits' tables are, in the app)."""
    return [k for k in kinds if k.table in Base.metadata.tables]


def table_of(kind: RecordKind) -> Table:
    return _table(kind.table)


def mapped_class(kind: RecordKind) -> Any:
    """The model of a kind's table, found by its name."""
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == kind.table:
            return mapper.class_
    raise LookupError(kind.table)
