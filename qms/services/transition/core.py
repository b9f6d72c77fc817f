"""Opening and editing the transition, each unit's gap items and their evidence, the plan's steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from qms import labels
from qms.extensions import db
from qms.formatting import current_lang, fmt_date
from qms.models.org import Membership, Unit, User
from qms.models.transition import (
    ItemStatus,
    Transition,
    TransitionEvidence,
    TransitionItem,
    TransitionStatus,
    TransitionStep,
    TransitionUnit,
)
from qms.services import access, files
from qms.services.errors import DomainError, NotFound
from qms.services.history import act_as
from qms.services.transition import catalogue
from qms.services.transition.evidence import FILE, evidence_kind

ITEM_STATUS_LABELS = {
    ItemStatus.NOT_STARTED: _l("Not started"),
    ItemStatus.IN_PROGRESS: _l("In progress"),
    ItemStatus.DONE: _l("Done"),
    ItemStatus.NOT_APPLICABLE: _l("Not applicable"),
}
TRANSITION_STATUS_LABELS = {TransitionStatus.OPEN: _l("Open"), TransitionStatus.CLOSED: _l("Closed")}

labels.register(
    "transition",
    label=_l("Transition to ISO 9001:2015"),
    fields={
        "title": _l("Title"),
        "started_on": _l("Started on"),
        "target_date": _l("Target date"),
        "status": _l("Status"),
        "responsible_id": _l("Responsible"),
    },
    values={"status": TRANSITION_STATUS_LABELS},
)
labels.register(
    "transition_unit",
    label=_l("Unit in the transition"),
    fields={"transition_id": _l("Transition"), "unit_id": _l("Unit"), "owner_id": _l("Owner")},
)
labels.register(
    "transition_item",
    label=_l("Gap assessment item"),
    fields={
        "transition_id": _l("Transition"),
        "unit_id": _l("Unit"),
        "key": _l("Item"),
        "clause_2015": _l("ISO 9001:2015 clause"),
        "position": _l("Position"),
        "status": _l("Status"),
        "owner_id": _l("Owner"),
        "due": _l("Due"),
        "notes": _l("Notes"),
    },
    values={"status": ITEM_STATUS_LABELS},
)
labels.register(
    "transition_evidence",
    label=_l("Evidence"),
    fields={
        "item_id": _l("Gap assessment item"),
        "kind": _l("Kind"),
        "record_id": _l("Record"),
        "record_count": _l("Records at the time"),
        "label": _l("Evidence"),
        "file_name": _l("File"),
        "file_size": _l("Size"),
        "file_type": _l("File type"),
        "added_by_id": _l("Added by"),
        "removed_at": _l("Removed on"),
        "removed_by_id": _l("Removed by"),
    },
)
labels.register(
    "transition_step",
    label=_l("Step of the transition plan"),
    fields={
        "transition_id": _l("Transition"),
        "position": _l("No."),
        "what": _l("What"),
        "who": _l("Who"),
        "due": _l("Due"),
    },
)


def default_title() -> str:
    return _("Transition of the quality management system from TCVN ISO 9001:2008 to TCVN ISO 9001:2015")


def current_transition() -> Transition | None:
    """The organisation's open transition, if any."""
    return db.session.scalar(
        select(Transition).where(Transition.status == TransitionStatus.OPEN.value).order_by(Transition.id)
    )


def require_current() -> Transition:
    transition = current_transition()
    if transition is None:
        raise NotFound(_("No transition to ISO 9001:2015 is open."))
    return transition


def scope_units(transition: Transition) -> list[Unit]:
    return sorted((s.unit for s in transition.scope), key=lambda u: u.code)


def scope_entry(transition: Transition, unit: Unit) -> TransitionUnit:
    """The unit's place in the transition; a unit outside its scope is refused."""
    entry = next((s for s in transition.scope if s.unit_id == unit.id), None)
    if entry is None:
        raise DomainError(_("%(unit)s is not in the transition's scope.", unit=unit.code), field="unit")
    return entry


def members_of(unit: Unit) -> list[User]:
    stmt = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.unit_id == unit.id, User.active)
        .order_by(User.full_name)
    )
    return list(db.session.scalars(stmt))


def _member(unit: Unit, user_id: int | None, field_name: str) -> User | None:
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.membership_in(unit.id) is None:
        raise DomainError(_("The owner must be a person of %(unit)s.", unit=unit.code), field=field_name)
    return user


# --- opening and editing the transition --------------------------------------------------------------


@dataclass
class OpenResult:
    transition: Transition
    created: bool
    units_added: list[Unit] = field(default_factory=list)
    items_created: int = 0


def _in_scope(transition: Transition, unit: Unit) -> bool:
    return any(s.unit_id == unit.id for s in transition.scope)


def _add_unit(transition: Transition, unit: Unit) -> int:
    """Put a unit in scope with one item per catalogue row (never twice); the number of items created."""
    if _in_scope(transition, unit):
        return 0
    transition.scope.append(TransitionUnit(unit=unit))
    have = set(
        db.session.scalars(
            select(TransitionItem.key).where(
                TransitionItem.transition_id == transition.id, TransitionItem.unit_id == unit.id
            )
        )
    )
    created = 0
    for position, entry in enumerate(catalogue.items(), 1):
        if entry.key in have:
            continue
        db.session.add(
            TransitionItem(
                transition=transition,
                unit=unit,
                key=entry.key,
                clause_2015=entry.clause_2015,
                position=position,
                due=transition.target_date,
                notes="",
            )
        )
        created += 1
    return created


def _check_dates(started_on: date, target_date: date | None) -> date:
    if target_date is None:
        raise DomainError(_("Give the target date."), field="target_date")
    if target_date < started_on:
        raise DomainError(
            _(
                "The target date cannot be before the transition starts (%(date)s).",
                date=fmt_date(started_on),
            ),
            field="target_date",
        )
    return target_date


def open_transition(
    *,
    actor: User | None,
    target_date: date | None,
    title: str | None = None,
    units: list[Unit] | None = None,
    responsible: User | None = None,
    today: date | None = None,
) -> OpenResult:
    """Open the organisation's transition for `units` (every active unit when none is named), with one
    checklist per unit and the plan's steps. With a transition already open nothing changes, except that
    named units not yet in scope are added with their items."""
    if actor is not None:
        access.require_manage_transition(actor)
    act_as(actor)
    existing = current_transition()
    if existing is not None:
        result = OpenResult(existing, created=False)
        for unit in units or []:
            if _in_scope(existing, unit):
                continue
            result.items_created += _add_unit(existing, unit)
            result.units_added.append(unit)
        db.session.flush()
        return result
    started_on = today or date.today()
    target = _check_dates(started_on, target_date)
    title = (title or "").strip() or default_title()
    if not units:
        units = list(db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.code)))
    if not units:
        raise DomainError(_("There is no active unit to put in the transition."), field="units")
    transition = Transition(
        title=title[:300],
        started_on=started_on,
        target_date=target,
        status=TransitionStatus.OPEN.value,
        responsible=responsible,
    )
    db.session.add(transition)
    db.session.flush()
    result = OpenResult(transition, created=True)
    for unit in units:
        if not _in_scope(transition, unit):
            result.items_created += _add_unit(transition, unit)
            result.units_added.append(unit)
    # The plan is the organisation's document: its steps are written in Vietnamese, then edited by steering.
    for step in catalogue.steps():
        transition.steps.append(
            TransitionStep(
                position=step.position,
                what=step.what("vi"),
                who=step.who("vi"),
                due=step.due(started_on, target),
            )
        )
    db.session.flush()
    return result


def update_transition(
    transition: Transition,
    *,
    actor: User | None,
    title: str,
    target_date: date | None,
    units: list[Unit],
    responsible: User | None,
) -> list[Unit]:
    """Steering changes the title, target, scope and who is responsible; returns the units added. A unit
    taken out of scope loses its items (their history stays) — only while nobody has worked on them."""
    if actor is not None:
        access.require_manage_transition(actor)
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the transition a title."), field="title")
    target = _check_dates(transition.started_on, target_date)
    if not units:
        raise DomainError(_("Choose at least one unit."), field="units")
    wanted = {u.id for u in units}
    leaving = [entry for entry in transition.scope if entry.unit_id not in wanted]
    started = _units_with_work(transition, [entry.unit_id for entry in leaving])
    if started:
        raise DomainError(
            _(
                "%(units)s already worked on the transition: a unit with items started, notes or evidence "
                "stays in scope.",
                units=", ".join(sorted(started)),
            ),
            field="units",
        )
    act_as(actor)
    transition.title, transition.target_date, transition.responsible = title[:300], target, responsible
    for entry in leaving:
        for item in db.session.scalars(
            select(TransitionItem).where(
                TransitionItem.transition_id == transition.id, TransitionItem.unit_id == entry.unit_id
            )
        ):
            db.session.delete(item)
        transition.scope.remove(entry)
    db.session.flush()
    added = [u for u in units if not _in_scope(transition, u)]
    for unit in added:
        _add_unit(transition, unit)
    db.session.flush()
    return added


def _units_with_work(transition: Transition, unit_ids: list[int]) -> set[str]:
    """Codes of those units whose items were started, noted or given evidence."""
    if not unit_ids:
        return set()
    has_evidence = (
        select(TransitionEvidence.id).where(TransitionEvidence.item_id == TransitionItem.id).exists()
    )
    stmt = (
        select(Unit.code)
        .join(TransitionItem, TransitionItem.unit_id == Unit.id)
        .where(
            TransitionItem.transition_id == transition.id,
            TransitionItem.unit_id.in_(unit_ids),
            or_(
                TransitionItem.status != ItemStatus.NOT_STARTED.value,
                TransitionItem.notes != "",
                has_evidence,
            ),
        )
        .distinct()
    )
    return set(db.session.scalars(stmt))


def set_unit_owner(transition: Transition, unit: Unit, *, actor: User | None, owner_id: int | None) -> None:
    if actor is not None:
        access.require_manage_transition(actor)
    entry = scope_entry(transition, unit)
    owner = _member(unit, owner_id, "owner_id")
    act_as(actor)
    entry.owner = owner
    db.session.flush()


# --- the unit's items ---------------------------------------------------------------------------


def items_of(
    transition: Transition,
    unit: Unit,
    *,
    status: str | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> list[TransitionItem]:
    stmt = select(TransitionItem).where(
        TransitionItem.transition_id == transition.id, TransitionItem.unit_id == unit.id
    )
    if status:
        stmt = stmt.where(TransitionItem.status == status)
    if overdue:
        stmt = stmt.where(
            TransitionItem.due < (today or date.today()),
            TransitionItem.status.notin_([ItemStatus.DONE.value, ItemStatus.NOT_APPLICABLE.value]),
        )
    return list(db.session.scalars(stmt.order_by(TransitionItem.position)))


def get_item(item_id: int) -> TransitionItem:
    item = db.session.get(TransitionItem, item_id)
    if item is None:
        raise NotFound(_("No such item."))
    return item


def item_title(item: TransitionItem, lang: str | None = None) -> str:
    entry = catalogue.item(item.key)
    return entry.title(lang or current_lang()) if entry else item.key


def item_guidance(item: TransitionItem, lang: str | None = None) -> str:
    entry = catalogue.item(item.key)
    return entry.guidance(lang or current_lang()) if entry else ""


def update_item(
    item: TransitionItem,
    *,
    actor: User | None,
    status: str,
    owner_id: int | None,
    due: date | None,
    notes: str,
) -> TransitionItem:
    """The unit's manager records where the item stands. Done needs evidence or a note; not applicable
    needs the reason in the note."""
    if actor is not None:
        access.require_work_on_transition_unit(actor, item.unit)
    if status not in set(ItemStatus):
        raise DomainError(_("Choose a status."), field="status")
    notes = (notes or "").strip()
    owner = _member(item.unit, owner_id, "owner_id")
    if status == ItemStatus.DONE and not notes and not item.current_evidence:
        raise DomainError(
            _("An item is done only with evidence attached or a note saying how it is met."), field="status"
        )
    if status == ItemStatus.NOT_APPLICABLE and not notes:
        raise DomainError(_("Give the reason why this requirement does not apply."), field="notes")
    act_as(actor)
    item.status, item.owner, item.due, item.notes = status, owner, due, notes
    db.session.flush()
    return item


# --- evidence ------------------------------------------------------------------------------------


def _may_add_evidence(item: TransitionItem, actor: User | None) -> None:
    if actor is not None:
        access.require_work_on_transition_unit(actor, item.unit)
    act_as(actor)


def attach_register(item: TransitionItem, *, actor: User | None, kind: str) -> TransitionEvidence:
    """Attach the unit's register of `kind` with the number of records it holds now."""
    spec = evidence_kind(kind)
    if spec is None or spec.current is None:
        raise DomainError(_("This kind of evidence cannot be attached here."), field="kind")
    _may_add_evidence(item, actor)
    count, record_id = spec.current(item.unit)
    if count == 0:
        raise DomainError(_("The unit has no record of this kind yet."), field="kind")
    evidence = TransitionEvidence(
        kind=kind,
        record_id=record_id,
        record_count=count,
        label=spec.describe(count, record_id) if spec.describe else "",
        added_by_id=actor.id if actor is not None else None,
    )
    item.evidence.append(evidence)
    db.session.flush()
    return evidence


def attach_record(
    item: TransitionItem, *, actor: User | None, kind: str, record_id: int | None
) -> TransitionEvidence:
    """Attach one of the unit's records of `kind` (a procedure, a document, an audit, …)."""
    spec = evidence_kind(kind)
    if spec is None or spec.choices is None:
        raise DomainError(_("This kind of evidence cannot be attached here."), field="kind")
    _may_add_evidence(item, actor)
    label = dict(spec.choices(item.unit)).get(record_id or 0)
    if label is None:
        raise DomainError(_("Choose one of the unit's records."), field="record_id")
    evidence = TransitionEvidence(
        kind=kind, record_id=record_id, label=label[:300], added_by_id=actor.id if actor is not None else None
    )
    item.evidence.append(evidence)
    db.session.flush()
    return evidence


def attach_file(
    item: TransitionItem, *, actor: User | None, filename: str, content: bytes
) -> TransitionEvidence:
    _may_add_evidence(item, actor)
    stored = files.store(filename, content, field="file")
    evidence = TransitionEvidence(
        kind=FILE,
        label="",
        file_sha256=stored.sha256,
        file_name=stored.name,
        file_size=stored.size,
        file_type=stored.type,
        added_by_id=actor.id if actor is not None else None,
    )
    item.evidence.append(evidence)
    db.session.flush()
    return evidence


def get_evidence(evidence_id: int) -> TransitionEvidence:
    evidence = db.session.get(TransitionEvidence, evidence_id)
    if evidence is None:
        raise NotFound(_("No such evidence."))
    return evidence


def remove_evidence(evidence: TransitionEvidence, *, actor: User | None) -> None:
    """Mark the evidence removed; the row and its history stay."""
    if actor is not None:
        access.require_work_on_transition_unit(actor, evidence.item.unit)
    if evidence.removed_at is not None:
        return
    act_as(actor)
    evidence.removed_at = datetime.now(UTC)
    evidence.removed_by_id = actor.id if actor is not None else None
    db.session.flush()


def evidence_file(evidence: TransitionEvidence, *, actor: User) -> tuple[files.StoredFile, object]:
    access.require_read_transition_unit(actor, evidence.item.unit)
    if evidence.kind != FILE or not evidence.file_sha256:
        raise NotFound(_("No such file."))
    stored = files.StoredFile(
        sha256=evidence.file_sha256,
        name=evidence.file_name,
        size=evidence.file_size or 0,
        type=evidence.file_type,
    )
    return stored, files.open_stored(stored.sha256)


# --- the plan's steps ----------------------------------------------------------------------------


def save_step(
    transition: Transition,
    *,
    actor: User | None,
    what: str,
    who: str,
    due: date | None,
    step: TransitionStep | None = None,
) -> TransitionStep:
    if actor is not None:
        access.require_manage_transition(actor)
    what = (what or "").strip()
    if not what:
        raise DomainError(_("Say what the step is."), field="what")
    if due is not None and due < transition.started_on:
        raise DomainError(_("A step cannot be due before the transition starts."), field="due")
    act_as(actor)
    if step is None:
        position = max((s.position for s in transition.steps), default=0) + 1
        step = TransitionStep(position=position)
        transition.steps.append(step)
    elif step.transition_id != transition.id:
        raise NotFound(_("No such step."))
    step.what, step.who, step.due = what, (who or "").strip()[:300], due
    db.session.flush()
    return step


def delete_step(step: TransitionStep, *, actor: User | None) -> None:
    if actor is not None:
        access.require_manage_transition(actor)
    act_as(actor)
    db.session.delete(step)
    db.session.flush()
