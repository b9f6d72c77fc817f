"""Controlled documents (7.5): drafts, issue, revisions that supersede, withdrawal, review dates, files."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qms import labels
from qms.extensions import db
from qms.models.clauses import Clause, Edition
from qms.models.documents import (
    DOCUMENT_TRANSITIONS,
    ControlledDocument,
    DocumentClause,
    DocumentKind,
    DocumentStatus,
)
from qms.models.org import Unit, User
from qms.services import access, files
from qms.services.errors import DomainError, InvalidTransition, NotFound
from qms.services.history import act_as

CODE_RE = re.compile(r"^[\w][\w .,/()&+-]{0,59}$")
KIND_LABELS = {
    DocumentKind.POLICY: _l("Policy"),
    DocumentKind.MANUAL: _l("Manual"),
    DocumentKind.PROCEDURE: _l("Procedure"),
    DocumentKind.FORM: _l("Form"),
    DocumentKind.RECORD_TEMPLATE: _l("Record template"),
    DocumentKind.EXTERNAL: _l("External document"),
}
STATUS_LABELS = {
    DocumentStatus.DRAFT: _l("Draft"),
    DocumentStatus.IN_FORCE: _l("In force"),
    DocumentStatus.SUPERSEDED: _l("Superseded"),
    DocumentStatus.WITHDRAWN: _l("Withdrawn"),
}
# Only a draft may change these; an issued revision changes through a new revision.
DRAFT_ONLY_FIELDS = ("code", "title", "kind", "issue_date", "approver")

labels.register(
    "controlled_document",
    label=_l("Controlled document"),
    fields={
        "code": _l("Code"),
        "title": _l("Title"),
        "kind": _l("Kind"),
        "revision": _l("Revision"),
        "issue_date": _l("Issue date"),
        "approver": _l("Approver"),
        "status": _l("Status"),
        "review_due": _l("Review due"),
        "previous_id": _l("Previous revision"),
        "file_sha256": _l("File content (SHA-256)"),
        "file_name": _l("File"),
        "file_size": _l("File size"),
        "file_type": _l("File type"),
    },
    values={"kind": KIND_LABELS, "status": STATUS_LABELS},
)
labels.register(
    "document_clause",
    label=_l("Clause reference"),
    fields={"clause_id": _l("Clause"), "document_id": _l("Controlled document")},
)


# --- reading ----------------------------------------------------------------------------------


def get_document(document_id: int) -> ControlledDocument:
    document = db.session.get(ControlledDocument, document_id)
    if document is None:
        raise NotFound(_("No such document."))
    return document


def documents_of(unit: Unit, *, current_only: bool = False) -> list[ControlledDocument]:
    """A unit's documents by code, newest revision first; `current_only` hides superseded revisions."""
    stmt = select(ControlledDocument).where(ControlledDocument.unit_id == unit.id)
    if current_only:
        stmt = stmt.where(ControlledDocument.status != DocumentStatus.SUPERSEDED)
    stmt = stmt.order_by(ControlledDocument.code, ControlledDocument.revision.desc())
    return list(db.session.scalars(stmt))


def can_read(user: User | None, document: ControlledDocument) -> bool:
    """A unit's people read all its revisions; a document of the city in force reads for everyone."""
    return access.can_read_unit_record(
        user, document.unit, published=document.status == DocumentStatus.IN_FORCE
    )


def require_read(user: User | None, document: ControlledDocument) -> None:
    access.require_read_unit_record(user, document.unit, published=document.status == DocumentStatus.IN_FORCE)


def documents_readable_by(user: User, *, current_only: bool = True) -> list[ControlledDocument]:
    """The documents of the user's units, and the city's documents in force that apply to all."""
    stmt = select(ControlledDocument).join(Unit, Unit.id == ControlledDocument.unit_id)
    if not access.reads_everything(user):
        top_level = select(Unit.id).where(access.top_level_condition())
        stmt = stmt.where(
            ControlledDocument.unit_id.in_({m.unit_id for m in user.memberships})
            | (
                ControlledDocument.unit_id.in_(top_level)
                & (ControlledDocument.status == DocumentStatus.IN_FORCE)
            )
        )
    if current_only:
        stmt = stmt.where(ControlledDocument.status != DocumentStatus.SUPERSEDED)
    stmt = stmt.order_by(Unit.code, ControlledDocument.code, ControlledDocument.revision.desc())
    return list(db.session.scalars(stmt))


def revisions_of(document: ControlledDocument) -> list[ControlledDocument]:
    """Every revision of the document, newest first."""
    stmt = (
        select(ControlledDocument)
        .where(ControlledDocument.unit_id == document.unit_id, ControlledDocument.code == document.code)
        .order_by(ControlledDocument.revision.desc())
    )
    return list(db.session.scalars(stmt))


def overdue_for_review(
    *, unit_ids: Iterable[int] | None = None, today: date | None = None
) -> list[ControlledDocument]:
    """In-force documents whose review date has passed (all units, or only `unit_ids`)."""
    today = today or date.today()
    stmt = select(ControlledDocument).where(
        ControlledDocument.status == DocumentStatus.IN_FORCE,
        ControlledDocument.review_due.is_not(None),
        ControlledDocument.review_due < today,
    )
    if unit_ids is not None:
        stmt = stmt.where(ControlledDocument.unit_id.in_(set(unit_ids)))
    return list(db.session.scalars(stmt.order_by(ControlledDocument.review_due, ControlledDocument.code)))


def overdue_for_user(user: User, *, today: date | None = None) -> list[ControlledDocument]:
    if access.reads_everything(user):
        return overdue_for_review(today=today)
    return overdue_for_review(unit_ids={m.unit_id for m in user.memberships}, today=today)


# --- checks -----------------------------------------------------------------------------------


def parse_clauses(text: str, *, field: str = "clauses") -> list[Clause]:
    """'4.1, 7.5.3' → the ISO 9001:2015 clauses; an unknown number is an error on `field`."""
    numbers = [n.strip().rstrip(".") for n in re.split(r"[,;\s]+", text or "") if n.strip()]
    found = {
        c.number: c
        for c in db.session.scalars(
            select(Clause).where(Clause.edition == Edition.ISO_2015, Clause.number.in_(numbers))
        )
    }
    unknown = [n for n in numbers if n not in found]
    if unknown:
        raise DomainError(
            _("ISO 9001:2015 has no clause %(number)s.", number=", ".join(unknown)), field=field
        )
    seen: dict[str, Clause] = {}
    for number in numbers:
        seen.setdefault(number, found[number])
    return list(seen.values())


def clauses_text(document: ControlledDocument) -> str:
    return ", ".join(c.number for c in document.clauses if c.edition == "2015")


def _check_fields(code: str, title: str, kind: str) -> None:
    if not code or not CODE_RE.match(code):
        raise DomainError(_("A code is required, e.g. QT-01 or BM-01 (up to 60 characters)."), field="code")
    if not title.strip():
        raise DomainError(_("A title is required."), field="title")
    if kind not in set(DocumentKind):
        raise DomainError(_("Unknown kind of document: %(kind)s.", kind=kind), field="kind")


def _check_dates(issue_date: date | None, review_due: date | None) -> None:
    if issue_date and review_due and review_due < issue_date:
        raise DomainError(_("The review date cannot be before the issue date."), field="review_due")


def _set_clauses(document: ControlledDocument, clauses: list[Clause]) -> None:
    wanted = {c.id for c in clauses}
    for link in list(document.clause_links):
        # a legacy 2008 reference stays until a person remaps it (the form edits 2015 ones only)
        if link.clause_id not in wanted and link.clause.edition == "2015":
            document.clause_links.remove(link)
    have = {link.clause_id for link in document.clause_links}
    for clause in clauses:
        if clause.id not in have:
            document.clause_links.append(DocumentClause(clause=clause))


def _attach(document: ControlledDocument, upload: tuple[str, bytes] | None) -> None:
    if upload is None:
        return
    stored = files.store(*upload, field="file")
    document.file_sha256, document.file_name = stored.sha256, stored.name
    document.file_size, document.file_type = stored.size, stored.type


# --- changing ---------------------------------------------------------------------------------


def create_document(
    unit: Unit,
    *,
    actor: User | None,
    code: str,
    title: str,
    kind: str,
    issue_date: date | None = None,
    approver: str = "",
    review_due: date | None = None,
    clauses: str = "",
    upload: tuple[str, bytes] | None = None,
) -> ControlledDocument:
    """A new document, as a draft of revision 1."""
    if actor is not None:
        access.require_edit_unit_records(actor, unit)
    act_as(actor)
    code = (code or "").strip()
    _check_fields(code, title or "", kind)
    _check_dates(issue_date, review_due)
    clause_list = parse_clauses(clauses)
    clash = db.session.scalar(
        select(ControlledDocument.id).where(
            ControlledDocument.unit_id == unit.id, ControlledDocument.code == code
        )
    )
    if clash is not None:
        raise DomainError(
            _("The unit already has a document %(code)s: make a new revision of it instead.", code=code),
            field="code",
        )
    document = ControlledDocument(
        unit=unit,
        code=code,
        title=title.strip(),
        kind=kind,
        revision=1,
        issue_date=issue_date,
        approver=(approver or "").strip(),
        status=DocumentStatus.DRAFT.value,
        review_due=review_due,
    )
    _set_clauses(document, clause_list)
    _attach(document, upload)  # checked last: a refused file leaves nothing behind
    db.session.add(document)
    db.session.flush()
    return document


def update_document(
    document: ControlledDocument,
    *,
    actor: User | None,
    code: str,
    title: str,
    kind: str,
    issue_date: date | None,
    approver: str,
    review_due: date | None,
    clauses: str = "",
    upload: tuple[str, bytes] | None = None,
) -> ControlledDocument:
    """A draft changes freely; an issued revision only its review date and clause references."""
    if actor is not None:
        access.require_edit_unit_records(actor, document.unit)
    act_as(actor)
    code = (code or "").strip()
    _check_fields(code, title or "", kind)
    _check_dates(issue_date, review_due)
    clause_list = parse_clauses(clauses)
    values = {
        "code": code,
        "title": title.strip(),
        "kind": kind,
        "issue_date": issue_date,
        "approver": (approver or "").strip(),
    }
    if document.status != DocumentStatus.DRAFT:
        for name in DRAFT_ONLY_FIELDS:
            if getattr(document, name) != values[name]:
                raise DomainError(
                    _("Only a draft can change this; make a new revision of the document."), field=name
                )
        if upload is not None:
            raise DomainError(
                _("Only a draft can change this; make a new revision of the document."), field="file"
            )
    elif code != document.code:
        clash = db.session.scalar(
            select(ControlledDocument.id).where(
                ControlledDocument.unit_id == document.unit_id,
                ControlledDocument.code == code,
                ControlledDocument.id != document.id,
            )
        )
        if clash is not None or document.previous_id is not None:
            raise DomainError(
                _("The code %(code)s cannot be used here: a revision keeps its document's code.", code=code),
                field="code",
            )
    for name, value in values.items():
        setattr(document, name, value)
    document.review_due = review_due
    _set_clauses(document, clause_list)
    _attach(document, upload)
    db.session.flush()
    return document


def _move(document: ControlledDocument, to: DocumentStatus) -> None:
    current = DocumentStatus(document.status)
    if to not in DOCUMENT_TRANSITIONS[current]:
        raise InvalidTransition(
            _(
                "A document cannot go from %(old)s to %(new)s.",
                old=STATUS_LABELS[current],
                new=STATUS_LABELS[to],
            )
        )
    document.status = to.value


def issue(
    document: ControlledDocument, *, actor: User | None, today: date | None = None
) -> ControlledDocument:
    """Bring a draft into force; the revision it replaces is superseded and stays readable."""
    if actor is not None:
        access.require_edit_unit_records(actor, document.unit)
    act_as(actor)
    if not document.approver:
        raise DomainError(_("Name the approver before issuing the document."), field="approver")
    if not document.has_file:
        raise DomainError(_("Upload the document's file before issuing it."), field="file")
    previous = document.previous
    if previous is not None and previous.status == DocumentStatus.IN_FORCE:
        _move(previous, DocumentStatus.SUPERSEDED)
        db.session.flush()  # at most one revision in force: the old one steps down first
    _move(document, DocumentStatus.IN_FORCE)
    if document.issue_date is None:
        document.issue_date = today or date.today()
    _check_dates(document.issue_date, document.review_due)
    db.session.flush()
    return document


def withdraw(document: ControlledDocument, *, actor: User | None) -> ControlledDocument:
    if actor is not None:
        access.require_edit_unit_records(actor, document.unit)
    act_as(actor)
    _move(document, DocumentStatus.WITHDRAWN)
    db.session.flush()
    return document


def new_revision(document: ControlledDocument, *, actor: User | None) -> ControlledDocument:
    """A draft of the next revision, copied from the revision in force (its file included)."""
    if actor is not None:
        access.require_edit_unit_records(actor, document.unit)
    act_as(actor)
    if document.status != DocumentStatus.IN_FORCE:
        raise InvalidTransition(_("Only the revision in force can be revised."))
    if document.next_revision is not None:
        raise InvalidTransition(
            _("Revision %(n)s is already being prepared.", n=document.next_revision.revision)
        )
    latest = max(r.revision for r in revisions_of(document))
    draft = ControlledDocument(
        unit_id=document.unit_id,
        code=document.code,
        title=document.title,
        kind=document.kind,
        revision=latest + 1,
        approver=document.approver,
        status=DocumentStatus.DRAFT.value,
        previous=document,
        file_sha256=document.file_sha256,
        file_name=document.file_name,
        file_size=document.file_size,
        file_type=document.file_type,
    )
    for link in document.clause_links:  # the new revision cites what this one cites, remapped ones too
        draft.clause_links.append(DocumentClause(clause=link.clause, remapped_from=link.remapped_from))
    db.session.add(draft)
    db.session.flush()
    return draft


def file_of(document: ControlledDocument, *, actor: User) -> tuple[files.StoredFile, object]:
    """The stored file of a document the actor may read, and its path on disk."""
    require_read(actor, document)
    if not document.has_file:
        raise NotFound(_("This document has no file."))
    stored = files.StoredFile(
        sha256=document.file_sha256 or "",
        name=document.file_name,
        size=document.file_size or 0,
        type=document.file_type,
    )
    return stored, files.open_stored(stored.sha256)
