"""A management review's life: created as a draft by those who run it, its notes and conclusions
saved, held (its inputs frozen as a snapshot), reopened by steering or the administrator with a
reason; and its decisions, each a tracked action with an owner unit (and person), a due date, and a
note of what was done."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, extract, func, or_, select
from sqlalchemy.orm import selectinload

from audits.models.review import (
    INPUT_GROUPS,
    DecisionKind,
    ManagementReview,
    ReviewDecision,
    ReviewStatus,
)
from audits.services.review.inputs import Scope, gather
from qms.extensions import db
from qms.models.base import utcnow
from qms.models.org import Unit, User
from qms.services import access
from qms.services.errors import DomainError, InvalidTransition, NotFound
from qms.services.history import act_as


def _today(today: date | None) -> date:
    return today or date.today()


# --- reading ---------------------------------------------------------------------------------


def get_review(review_id: int) -> ManagementReview:
    review = db.session.get(ManagementReview, review_id)
    if review is None:
        raise NotFound(_("No management review %(id)s.", id=review_id))
    return review


def get_decision(review: ManagementReview, decision_id: int) -> ReviewDecision:
    decision = db.session.get(ReviewDecision, decision_id)
    if decision is None or decision.review_id != review.id:
        raise NotFound(_("No decision %(id)s in this review.", id=decision_id))
    return decision


def read_review(review_id: int, *, actor: User | None) -> ManagementReview:
    review = get_review(review_id)
    if actor is not None:
        access.require_read_review(actor, review.unit_id)
    return review


def scope_of(review: ManagementReview, today: date | None = None) -> Scope:
    """Overdue is judged on the review's date, or today while that date is still ahead."""
    return Scope(
        unit_id=review.unit_id,
        start=review.period_start,
        end=review.period_end,
        as_of=min(_today(today), review.held_on),
        review_id=review.id,
        held_on=review.held_on,
    )


def inputs_of(review: ManagementReview, today: date | None = None) -> dict[str, Any]:
    """The frozen inputs of a held review; the live figures of a draft."""
    if review.is_held and review.snapshot is not None:
        return review.snapshot
    return gather(scope_of(review, today))


def _visible(stmt: Select, user: User) -> Select:
    if access.reads_everything(user):
        return stmt
    own = [m.unit_id for m in user.memberships]
    return stmt.where(ManagementReview.unit_id.in_(own))


def review_years(user: User) -> list[int]:
    year = extract("year", ManagementReview.held_on)
    stmt = _visible(select(year).distinct(), user)
    return sorted({int(y) for y in db.session.scalars(stmt)}, reverse=True)


def reviews_of_year(user: User, year: int | None) -> list[ManagementReview]:
    """The reviews the person may read, of the year (every year when None), newest first."""
    stmt = _visible(select(ManagementReview), user)
    if year:
        stmt = stmt.where(extract("year", ManagementReview.held_on) == year)
    return list(
        db.session.scalars(stmt.order_by(ManagementReview.held_on.desc(), ManagementReview.id.desc()))
    )


def latest_of_year(year: int, unit_id: int | None) -> ManagementReview:
    """The year's latest review of the organisation (unit_id None) or of the unit."""
    stmt = select(ManagementReview).where(extract("year", ManagementReview.held_on) == year)
    stmt = stmt.where(
        ManagementReview.unit_id.is_(None) if unit_id is None else ManagementReview.unit_id == unit_id
    )
    review = db.session.scalar(
        stmt.order_by(ManagementReview.held_on.desc(), ManagementReview.id.desc()).limit(1)
    )
    if review is None:
        raise NotFound(_("No management review in %(year)s.", year=year))
    return review


# --- the review ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFields:
    held_on: date | None
    chair: str
    attendees: str
    period_start: date | None
    period_end: date | None
    unit_id: int | None  # None: the organisation


def check_fields(f: ReviewFields) -> ReviewFields:
    if f.held_on is None:
        raise DomainError(_("The date of the review is required."), field="held_on")
    if not f.chair.strip():
        raise DomainError(_("Who chairs the review is required."), field="chair")
    if f.period_start is None:
        raise DomainError(_("The start of the period reviewed is required."), field="period_start")
    if f.period_end is None:
        raise DomainError(_("The end of the period reviewed is required."), field="period_end")
    if f.period_end < f.period_start:
        raise DomainError(_("The period cannot end before it starts."), field="period_end")
    if f.unit_id is not None and db.session.get(Unit, f.unit_id) is None:
        raise DomainError(_("No such unit."), field="unit_id")
    return ReviewFields(
        f.held_on, f.chair.strip(), f.attendees.strip(), f.period_start, f.period_end, f.unit_id
    )


def _require_draft(review: ManagementReview, field: str | None = None) -> None:
    if review.is_held:
        raise InvalidTransition(
            _("This review was held: its record is locked. Reopen it to change it."), field=field
        )


def create_review(fields: ReviewFields, *, actor: User | None) -> ManagementReview:
    if actor is not None:
        access.require_run_review(actor, fields.unit_id)
    f = check_fields(fields)
    act_as(actor)
    review = ManagementReview(
        unit_id=f.unit_id,
        held_on=f.held_on,
        chair=f.chair,
        attendees=f.attendees,
        period_start=f.period_start,
        period_end=f.period_end,
        status=ReviewStatus.DRAFT.value,
    )
    db.session.add(review)
    db.session.flush()
    return review


def update_review(review: ManagementReview, fields: ReviewFields, *, actor: User | None) -> ManagementReview:
    if actor is not None:
        access.require_run_review(actor, review.unit_id)
        if fields.unit_id != review.unit_id:
            access.require_run_review(actor, fields.unit_id)
    _require_draft(review, "held_on")
    f = check_fields(fields)
    act_as(actor)
    review.held_on, review.chair, review.attendees = f.held_on, f.chair, f.attendees  # type: ignore[assignment]
    review.period_start, review.period_end = f.period_start, f.period_end  # type: ignore[assignment]
    review.unit_id = f.unit_id
    db.session.flush()
    return review


def save_notes(
    review: ManagementReview, *, actor: User | None, notes: Mapping[str, str], conclusions: str
) -> ManagementReview:
    """The notes of each input group and the conclusions, saved together."""
    if actor is not None:
        access.require_run_review(actor, review.unit_id)
    _require_draft(review, "conclusions")
    act_as(actor)
    for group in INPUT_GROUPS:
        if group in notes:
            setattr(review, f"notes_{group}", (notes[group] or "").strip())
    review.conclusions = (conclusions or "").strip()
    db.session.flush()
    return review


def hold_review(
    review: ManagementReview, *, actor: User | None, today: date | None = None
) -> ManagementReview:
    """The review was held: its inputs are frozen as they stand, and its decisions become actions."""
    if actor is not None:
        access.require_run_review(actor, review.unit_id)
    if review.is_held:
        raise InvalidTransition(_("This review has already been held."))
    if review.held_on > _today(today):
        raise DomainError(_("A review cannot be held before its date."), field="held_on")
    act_as(actor)
    review.snapshot = gather(scope_of(review, today))
    review.status = ReviewStatus.HELD.value
    review.held_at = utcnow()
    review.held_by_id = actor.id if actor is not None else None
    db.session.flush()
    return review


def reopen_review(review: ManagementReview, *, actor: User | None, reason: str) -> ManagementReview:
    """Back to a draft (its figures live again); the reason stays in the history."""
    if actor is not None:
        access.require_reopen_review(actor)
    if not review.is_held:
        raise InvalidTransition(_("Only a held review can be reopened."))
    if not (reason or "").strip():
        raise DomainError(_("Say why the review is reopened."), field="reason")
    act_as(actor)
    review.status = ReviewStatus.DRAFT.value
    review.snapshot = None
    review.held_at = None
    review.reopen_reason = reason.strip()
    db.session.flush()
    return review


def delete_review(review: ManagementReview, *, actor: User | None) -> None:
    if actor is not None:
        access.require_run_review(actor, review.unit_id)
    _require_draft(review)
    act_as(actor)
    db.session.delete(review)
    db.session.flush()


# --- decisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionFields:
    kind: str
    what: str
    owner_unit_id: int | None
    owner_id: int | None
    due_on: date | None


def _check_decision(review: ManagementReview, f: DecisionFields) -> DecisionFields:
    if f.kind not in set(DecisionKind):
        raise DomainError(_("Choose the kind of decision."), field="kind")
    if not f.what.strip():
        raise DomainError(_("Say what is decided."), field="what")
    if f.owner_unit_id is None or db.session.get(Unit, f.owner_unit_id) is None:
        raise DomainError(_("Name the unit that owns the decision."), field="owner_unit_id")
    if f.owner_id is not None:
        owner = db.session.get(User, f.owner_id)
        if owner is None or owner.membership_in(f.owner_unit_id) is None:
            raise DomainError(_("The person must belong to the owner unit."), field="owner_id")
    if f.due_on is None:
        raise DomainError(_("The due date is required."), field="due_on")
    if f.due_on < review.held_on:
        raise DomainError(_("The due date cannot be before the review."), field="due_on")
    return DecisionFields(f.kind, f.what.strip(), f.owner_unit_id, f.owner_id, f.due_on)


def add_decision(review: ManagementReview, fields: DecisionFields, *, actor: User | None) -> ReviewDecision:
    if actor is not None:
        access.require_run_review(actor, review.unit_id)
    _require_draft(review, "what")
    f = _check_decision(review, fields)
    act_as(actor)
    decision = ReviewDecision(
        review=review,
        kind=f.kind,
        what=f.what,
        owner_unit_id=f.owner_unit_id,
        owner_id=f.owner_id,
        due_on=f.due_on,
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def update_decision(
    decision: ReviewDecision, fields: DecisionFields, *, actor: User | None
) -> ReviewDecision:
    review = decision.review
    if actor is not None:
        access.require_run_review(actor, review.unit_id)
    _require_draft(review, "what")
    f = _check_decision(review, fields)
    act_as(actor)
    decision.kind, decision.what, decision.due_on = f.kind, f.what, f.due_on  # type: ignore[assignment]
    decision.owner_unit_id, decision.owner_id = f.owner_unit_id, f.owner_id  # type: ignore[assignment]
    db.session.flush()
    return decision


def delete_decision(decision: ReviewDecision, *, actor: User | None) -> None:
    review = decision.review
    if actor is not None:
        access.require_run_review(actor, review.unit_id)
    _require_draft(review)
    act_as(actor)
    review.decisions.remove(decision)
    db.session.flush()


def complete_decision(
    decision: ReviewDecision,
    *,
    actor: User | None,
    done_on: date | None,
    note: str,
    today: date | None = None,
) -> ReviewDecision:
    """The owner (or a manager of the owner unit) says what was done, and when."""
    if actor is not None:
        access.require_complete_decision(actor, decision.owner_unit_id, decision.owner_id)
    if not decision.review.is_held:
        raise InvalidTransition(_("A decision becomes an action once the review is held."))
    if decision.done_on is not None:
        raise InvalidTransition(_("This decision is already done."))
    if done_on is None:
        raise DomainError(_("The date it was done is required."), field="done_on")
    if done_on > _today(today):
        raise DomainError(_("The date it was done cannot be in the future."), field="done_on")
    if not (note or "").strip():
        raise DomainError(_("Say what was done."), field="done_note")
    act_as(actor)
    decision.done_on = done_on
    decision.done_note = note.strip()
    decision.done_by_id = actor.id if actor is not None else None
    db.session.flush()
    return decision


def open_decisions_query(today: date | None = None) -> Select:
    """The decisions of held reviews not yet done, by due date."""
    return (
        select(ReviewDecision)
        .join(ManagementReview, ManagementReview.id == ReviewDecision.review_id)
        .where(ManagementReview.status == ReviewStatus.HELD, ReviewDecision.done_on.is_(None))
        .order_by(ReviewDecision.due_on, ReviewDecision.id)
    )


def open_decisions_of(
    actor: User, *, unit_id: int | None = None, overdue: bool = False, today: date | None = None
) -> list[ReviewDecision]:
    """The open decisions of held reviews the actor may read (every unit's for org-wide readers, their
    own units' otherwise), of one owner unit when named, only the overdue ones when asked."""
    stmt = open_decisions_query(today).options(
        selectinload(ReviewDecision.owner_unit),
        selectinload(ReviewDecision.owner),
        selectinload(ReviewDecision.review),
    )
    if not access.reads_everything(actor):
        stmt = stmt.where(ReviewDecision.owner_unit_id.in_({m.unit_id for m in actor.memberships}))
    if unit_id is not None:
        stmt = stmt.where(ReviewDecision.owner_unit_id == unit_id)
    if overdue:
        stmt = stmt.where(ReviewDecision.due_on < _today(today))
    return list(db.session.scalars(stmt))


def decisions_for(user: User, today: date | None = None) -> list[ReviewDecision]:
    """The open decisions waiting for a person: those they own, and those of the units they manage
    that name no person."""
    managed = access.managed_unit_ids(user)
    condition = ReviewDecision.owner_id == user.id
    if managed:
        condition = or_(
            condition, (ReviewDecision.owner_id.is_(None)) & (ReviewDecision.owner_unit_id.in_(managed))
        )
    return list(db.session.scalars(open_decisions_query(today).where(condition)))


def count_open_decisions(unit_ids: set[int] | None, today: date | None = None) -> dict[int, tuple[int, int]]:
    """Per owner unit: (open, overdue) decisions of held reviews."""
    today = _today(today)
    overdue = func.coalesce(func.sum(case((ReviewDecision.due_on < today, 1), else_=0)), 0)
    stmt = (
        select(ReviewDecision.owner_unit_id, func.count(ReviewDecision.id), overdue)
        .join(ManagementReview, ManagementReview.id == ReviewDecision.review_id)
        .where(ManagementReview.status == ReviewStatus.HELD, ReviewDecision.done_on.is_(None))
        .group_by(ReviewDecision.owner_unit_id)
    )
    if unit_ids is not None:
        stmt = stmt.where(ReviewDecision.owner_unit_id.in_(unit_ids))
    return {uid: (int(n), int(late or 0)) for uid, n, late in db.session.execute(stmt)}
