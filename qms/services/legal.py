"""The legal basis: the register of legal texts and the procedures citing them.

When a legal text is marked amended or repealed, every citation of it is flagged "needs review"
(with when it was flagged); a manager of the citing procedure's unit clears the flag by reviewing
the procedure (who and when are kept, and the history shows both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms import labels
from qms.extensions import db
from qms.models.base import utcnow
from qms.models.legal import LegalStatus, LegalText
from qms.models.legal_refs import ProcessLegalRef
from qms.models.org import Unit, User
from qms.models.processes import Process, ProcessStatus
from qms.services import access
from qms.services.errors import DomainError, NotFound
from qms.services.history import act_as

NUMBER_RE = re.compile(r"^\S.{0,59}$")
STATUS_LABELS = {
    LegalStatus.IN_FORCE: _l("In force"),
    LegalStatus.AMENDED: _l("Amended"),
    LegalStatus.REPEALED: _l("Repealed"),
}

labels.register(
    "legal_text",
    label=_l("Legal text"),
    fields={
        "number": _l("Number"),
        "title": _l("Title"),
        "issuer": _l("Issued by"),
        "issued_on": _l("Date issued"),
        "status": _l("Status"),
        "status_changed_at": _l("Status changed"),
        "replaced_by_id": _l("Replaced by"),
        "note": _l("Note"),
    },
    values={"status": STATUS_LABELS},
)
labels.register(
    "process_legal_ref",
    label=_l("Legal basis cited"),
    fields={
        "legal_text_id": _l("Legal text"),
        "process_id": _l("Procedure"),
        "cited_at": _l("Cited"),
        "needs_review": _l("Needs review"),
        "flagged_at": _l("Flagged"),
        "reviewed_at": _l("Reviewed"),
        "reviewed_by_id": _l("Reviewed by"),
    },
)


# --- the register -----------------------------------------------------------------------------


def legal_texts() -> list[LegalText]:
    return list(db.session.scalars(select(LegalText).order_by(LegalText.issued_on.desc(), LegalText.number)))


def get_legal_text(text_id: int) -> LegalText:
    text = db.session.get(LegalText, text_id)
    if text is None:
        raise NotFound(_("No such legal text."))
    return text


def legal_text_by_number(number: str) -> LegalText | None:
    return db.session.scalar(select(LegalText).where(LegalText.number == number.strip()))


def _check(
    text: LegalText | None,
    *,
    number: str,
    title: str,
    status: str,
    replaced_by: LegalText | None,
) -> None:
    if not NUMBER_RE.match(number):
        raise DomainError(_("A number is required, e.g. 61/2018/NĐ-CP."), field="number")
    if not title.strip():
        raise DomainError(_("A title is required."), field="title")
    if status not in set(LegalStatus):
        raise DomainError(_("Unknown status: %(status)s.", status=status), field="status")
    clash = legal_text_by_number(number)
    if clash is not None and clash is not text:
        raise DomainError(
            _("The legal text %(number)s is already registered.", number=number), field="number"
        )
    if replaced_by is not None:
        if status == LegalStatus.IN_FORCE:
            raise DomainError(
                _("A text in force is not replaced: mark it amended or repealed first."),
                field="replaced_by_id",
            )
        if text is not None and (replaced_by is text or replaced_by.id == text.id):
            raise DomainError(_("A text cannot replace itself."), field="replaced_by_id")


def create_legal_text(
    *,
    actor: User | None,
    number: str,
    title: str,
    issuer: str = "",
    issued_on: date | None = None,
    status: str = LegalStatus.IN_FORCE.value,
    replaced_by: LegalText | None = None,
    note: str = "",
) -> LegalText:
    if actor is not None:
        access.require_manage_legal_texts(actor)
    act_as(actor)
    number = (number or "").strip()
    _check(None, number=number, title=title or "", status=status, replaced_by=replaced_by)
    text = LegalText(
        number=number,
        title=title.strip(),
        issuer=(issuer or "").strip(),
        issued_on=issued_on,
        status=status,
        status_changed_at=utcnow() if status != LegalStatus.IN_FORCE else None,
        replaced_by=replaced_by,
        note=(note or "").strip(),
    )
    db.session.add(text)
    db.session.flush()
    return text


def update_legal_text(
    text: LegalText,
    *,
    actor: User | None,
    number: str,
    title: str,
    issuer: str,
    issued_on: date | None,
    status: str,
    replaced_by: LegalText | None,
    note: str = "",
) -> LegalText:
    """Change a legal text; marking it amended or repealed flags every procedure citing it."""
    if actor is not None:
        access.require_manage_legal_texts(actor)
    act_as(actor)
    number = (number or "").strip()
    _check(text, number=number, title=title or "", status=status, replaced_by=replaced_by)
    old_status = text.status
    text.number, text.title, text.issuer = number, title.strip(), (issuer or "").strip()
    text.issued_on, text.status, text.replaced_by, text.note = (
        issued_on,
        status,
        replaced_by,
        (note or "").strip(),
    )
    if status != old_status:
        text.status_changed_at = utcnow()
        if status != LegalStatus.IN_FORCE:
            _flag_citations(text)
    db.session.flush()
    return text


def set_status(
    text: LegalText, status: str, *, actor: User | None, replaced_by: LegalText | None = None
) -> LegalText:
    return update_legal_text(
        text,
        actor=actor,
        number=text.number,
        title=text.title,
        issuer=text.issuer,
        issued_on=text.issued_on,
        status=status,
        replaced_by=replaced_by if replaced_by is not None else text.replaced_by,
        note=text.note,
    )


def _flag_citations(text: LegalText) -> None:
    now = utcnow()
    for ref in db.session.scalars(select(ProcessLegalRef).where(ProcessLegalRef.legal_text_id == text.id)):
        ref.needs_review = True
        ref.flagged_at = now
        ref.reviewed_at = None
        ref.reviewed_by = None


# --- citations --------------------------------------------------------------------------------


def citations_of(process: Process) -> list[ProcessLegalRef]:
    stmt = (
        select(ProcessLegalRef)
        .join(LegalText, LegalText.id == ProcessLegalRef.legal_text_id)
        .where(ProcessLegalRef.process_id == process.id)
        .order_by(LegalText.issued_on, LegalText.number)
    )
    return list(db.session.scalars(stmt))


def citing(text: LegalText) -> list[tuple[Process, ProcessLegalRef]]:
    stmt = (
        select(Process, ProcessLegalRef)
        .join(ProcessLegalRef, ProcessLegalRef.process_id == Process.id)
        .where(ProcessLegalRef.legal_text_id == text.id)
        .order_by(Process.code, Process.version)
    )
    return [(p, r) for p, r in db.session.execute(stmt).all()]


def cite(process: Process, text: LegalText, *, actor: User | None) -> ProcessLegalRef:
    """The procedure cites the text; citing a text no longer in force is flagged at once."""
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    existing = db.session.get(ProcessLegalRef, (process.id, text.id))
    if existing is not None:
        raise DomainError(
            _("The procedure already cites %(number)s.", number=text.number), field="legal_text_id"
        )
    ref = ProcessLegalRef(process_id=process.id, legal_text=text, cited_at=utcnow())
    if not text.in_force:
        ref.needs_review, ref.flagged_at = True, utcnow()
    db.session.add(ref)
    db.session.flush()
    return ref


def uncite(process: Process, text: LegalText, *, actor: User | None) -> None:
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    ref = db.session.get(ProcessLegalRef, (process.id, text.id))
    if ref is None:
        raise NotFound(_("The procedure does not cite %(number)s.", number=text.number))
    db.session.delete(ref)
    db.session.flush()


def copy_citations(source: Process, target: Process, *, actor: User | None) -> int:
    """A new version of a procedure cites what the version it copies cites (flags included)."""
    act_as(actor)
    copied = 0
    for ref in citations_of(source):
        if db.session.get(ProcessLegalRef, (target.id, ref.legal_text_id)) is None:
            db.session.add(
                ProcessLegalRef(
                    process_id=target.id,
                    legal_text=ref.legal_text,
                    cited_at=utcnow(),
                    needs_review=ref.needs_review,
                    flagged_at=ref.flagged_at,
                )
            )
            copied += 1
    db.session.flush()
    return copied


def needs_review(process: Process) -> bool:
    return any(ref.needs_review for ref in citations_of(process))


def mark_reviewed(process: Process, *, actor: User | None) -> int:
    """A manager has checked the procedure against its changed legal texts: clears the flags."""
    if actor is not None:
        access.require_edit_unit_records(actor, process.unit)
    act_as(actor)
    flagged = [ref for ref in citations_of(process) if ref.needs_review]
    if not flagged:
        raise DomainError(_("Nothing in this procedure's legal basis needs review."))
    now = utcnow()
    for ref in flagged:
        ref.needs_review = False
        ref.reviewed_at = now
        ref.reviewed_by_id = actor.id if actor is not None else None
    db.session.flush()
    return len(flagged)


def procedures_needing_review(
    unit: Unit | None = None, *, unit_ids: Iterable[int] | None = None
) -> list[tuple[Process, list[ProcessLegalRef]]]:
    """Procedures (not superseded) citing an amended or repealed text not yet reviewed, with the
    flagged citations; for one unit, a set of units, or all."""
    stmt = (
        select(Process, ProcessLegalRef)
        .join(ProcessLegalRef, ProcessLegalRef.process_id == Process.id)
        .where(ProcessLegalRef.needs_review.is_(True), Process.status != ProcessStatus.SUPERSEDED)
        .order_by(Process.code, Process.version)
    )
    if unit is not None:
        stmt = stmt.where(Process.unit_id == unit.id)
    if unit_ids is not None:
        stmt = stmt.where(Process.unit_id.in_(set(unit_ids)))
    grouped: dict[int, tuple[Process, list[ProcessLegalRef]]] = {}
    for process, ref in db.session.execute(stmt).all():
        grouped.setdefault(process.id, (process, []))[1].append(ref)
    return list(grouped.values())


def procedures_needing_review_for(user: User) -> list[tuple[Process, list[ProcessLegalRef]]]:
    if access.reads_everything(user):
        return procedures_needing_review()
    return procedures_needing_review(unit_ids={m.unit_id for m in user.memberships})
