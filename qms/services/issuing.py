"""Issuing a document: it takes the next number of its type and issuing body for the year, is entered
in the register of issued documents, and its bytes are stored exactly as issued.

The caller builds the document for the number and date it is given (`build(number, issued_on)`), so
the number printed in the document and the number in the register are the same one. Re-issuing after
a correction takes a new number and names the document it replaces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from qms.extensions import db
from qms.models.issuing import DocType, IssuedDocument
from qms.models.org import User
from qms.services import files
from qms.services.errors import DomainError, InvalidTransition, NotFound
from qms.services.history import act_as
from qms.services.numbering import increment_and_get


def format_number(seq: int, doc_type: str, issuer_symbol: str) -> str:
    """`05/BC-BCĐ`: the number, then the type's abbreviation and the issuing body's symbol."""
    return f"{seq:02d}/{doc_type}-{issuer_symbol}"


def next_number(doc_type: str, issuer_symbol: str, year: int) -> tuple[str, int]:
    seq = increment_and_get(f"{doc_type}-{issuer_symbol}-{year}")
    return format_number(seq, doc_type, issuer_symbol), seq


@dataclass(frozen=True)
class Issue:
    """What is issued: its type, issuing body's symbol, subject, signer and recipients, and where it
    comes from (`source`, e.g. 'audit_report', and `source_ref`, e.g. 'DG-2018-03')."""

    doc_type: str
    issuer_symbol: str
    subject: str
    source: str
    source_ref: str
    signer_name: str = ""
    signer_title: str = ""
    recipients: Sequence[str] = ()
    lang: str = "vi"


def issue(
    what: Issue,
    *,
    actor: User | None,
    issued_on: date | None,
    build: Callable[[str, date], bytes],
    filename: str,
    replaces: IssuedDocument | None = None,
) -> IssuedDocument:
    """Number, build, store and register one document. Flushes; the caller commits."""
    act_as(actor)
    if what.doc_type not in set(DocType):
        raise DomainError(_("Unknown document type: %(type)s.", type=what.doc_type), field="doc_type")
    if issued_on is None:
        raise DomainError(_("The date of issue is required."), field="issued_on")
    if issued_on > date.today():
        raise DomainError(_("The date of issue cannot be in the future."), field="issued_on")
    if replaces is not None:
        if (replaces.source, replaces.source_ref) != (what.source, what.source_ref):
            raise DomainError(_("A document can only replace an earlier issue of the same record."))
        if replaced_by(replaces) is not None:
            raise InvalidTransition(_("%(number)s has already been replaced.", number=replaces.number))
    number, seq = next_number(what.doc_type, what.issuer_symbol, issued_on.year)
    content = build(number, issued_on)
    stored = files.store(filename, content)
    record = IssuedDocument(
        number=number,
        issuer_symbol=what.issuer_symbol,
        doc_type=what.doc_type,
        year=issued_on.year,
        seq=seq,
        issued_on=issued_on,
        subject=what.subject,
        signer_name=what.signer_name,
        signer_title=what.signer_title,
        recipients="\n".join(r.strip() for r in what.recipients if r.strip()),
        source=what.source,
        source_ref=what.source_ref,
        lang=what.lang,
        filename=stored.name,
        sha256=stored.sha256,
        size=stored.size,
        replaces=replaces,
        issued_by_id=actor.id if actor is not None else None,
    )
    db.session.add(record)
    db.session.flush()
    return record


def replaced_by(document: IssuedDocument) -> IssuedDocument | None:
    return db.session.scalar(select(IssuedDocument).where(IssuedDocument.replaces_id == document.id))


def current_issue(source: str, source_ref: str) -> IssuedDocument | None:
    """The latest issue of a record's document that no later issue replaces."""
    replaced = select(IssuedDocument.replaces_id).where(IssuedDocument.replaces_id.is_not(None))
    return db.session.scalar(
        select(IssuedDocument)
        .where(
            IssuedDocument.source == source,
            IssuedDocument.source_ref == source_ref,
            IssuedDocument.id.not_in(replaced),
        )
        .order_by(IssuedDocument.id.desc())
        .limit(1)
    )


def get_issued(document_id: int) -> IssuedDocument:
    document = db.session.get(IssuedDocument, document_id)
    if document is None:
        raise NotFound(_("No issued document %(id)s.", id=document_id))
    return document


def issued_bytes(document: IssuedDocument) -> bytes:
    """The document exactly as it was issued."""
    return files.open_stored(document.sha256).read_bytes()


@dataclass(frozen=True)
class RegisterFilter:
    year: int | None = None
    doc_type: str | None = None
    text: str = ""


def register_query(criteria: RegisterFilter) -> Select[tuple[IssuedDocument]]:
    stmt = select(IssuedDocument)
    if criteria.year:
        stmt = stmt.where(IssuedDocument.year == criteria.year)
    if criteria.doc_type:
        stmt = stmt.where(IssuedDocument.doc_type == criteria.doc_type)
    text = criteria.text.strip()
    if text:
        like = f"%{text}%"
        stmt = stmt.where(
            or_(
                IssuedDocument.number.ilike(like),
                IssuedDocument.subject.ilike(like),
                IssuedDocument.source_ref.ilike(like),
                IssuedDocument.signer_name.ilike(like),
            )
        )
    return stmt.order_by(IssuedDocument.issued_on.desc(), IssuedDocument.id.desc())


def register_years() -> list[int]:
    return list(
        db.session.scalars(
            select(IssuedDocument.year).group_by(IssuedDocument.year).order_by(IssuedDocument.year.desc())
        )
    )


def register_count(criteria: RegisterFilter) -> int:
    return int(db.session.scalar(select(func.count()).select_from(register_query(criteria).subquery())) or 0)
