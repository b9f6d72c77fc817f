"""Controlled documents (ISO 9001:2015 7.5): revisions, status, review dates and the stored file."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.clauses import Clause
from qms.models.org import Unit


class DocumentKind(StrEnum):
    POLICY = "policy"
    MANUAL = "manual"
    PROCEDURE = "procedure"
    FORM = "form"
    RECORD_TEMPLATE = "record_template"
    EXTERNAL = "external"


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


# The document workflow, read at a glance: from each status, the statuses a user may move to.
# A draft revision comes into force by being issued; issuing it supersedes the revision it replaces.
DOCUMENT_TRANSITIONS: dict[DocumentStatus, frozenset[DocumentStatus]] = {
    DocumentStatus.DRAFT: frozenset({DocumentStatus.IN_FORCE, DocumentStatus.WITHDRAWN}),
    DocumentStatus.IN_FORCE: frozenset({DocumentStatus.SUPERSEDED, DocumentStatus.WITHDRAWN}),
    DocumentStatus.SUPERSEDED: frozenset(),
    DocumentStatus.WITHDRAWN: frozenset(),
}


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in enum)})"


class ControlledDocument(Tracked, Timestamped, Base):
    """One revision of a controlled document. Revisions of the same document share unit and code."""

    __tablename__ = "controlled_document"
    __table_args__ = (
        UniqueConstraint("unit_id", "code", "revision", name="uq_controlled_document_unit_code_revision"),
        CheckConstraint(_in("kind", DocumentKind), name="kind"),
        CheckConstraint(_in("status", DocumentStatus), name="status"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("file_size IS NULL OR file_size >= 0", name="file_size_positive"),
        CheckConstraint("previous_id IS NULL OR previous_id <> id", name="not_own_previous"),
        # At most one revision of a document is in force.
        Index(
            "uq_controlled_document_in_force",
            "unit_id",
            "code",
            unique=True,
            sqlite_where=text("status = 'in_force'"),
            postgresql_where=text("status = 'in_force'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    issue_date: Mapped[date | None] = mapped_column(Date)
    approver: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.DRAFT.value)
    review_due: Mapped[date | None] = mapped_column(Date)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("controlled_document.id", ondelete="RESTRICT"), unique=True
    )
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_type: Mapped[str] = mapped_column(String(10), default="")

    unit: Mapped[Unit] = relationship(lazy="joined")
    previous: Mapped[ControlledDocument | None] = relationship(
        remote_side=[id], back_populates="next_revision", foreign_keys=[previous_id]
    )
    next_revision: Mapped[ControlledDocument | None] = relationship(
        back_populates="previous", foreign_keys=[previous_id], uselist=False
    )
    clause_links: Mapped[list[DocumentClause]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def clauses(self) -> list[Clause]:
        return sorted((link.clause for link in self.clause_links), key=lambda c: c.sort_key)

    @property
    def has_file(self) -> bool:
        return bool(self.file_sha256)

    def review_overdue(self, today: date) -> bool:
        """An in-force document whose review date has passed."""
        return (
            self.status == DocumentStatus.IN_FORCE and self.review_due is not None and self.review_due < today
        )

    def history_label(self) -> str:
        return f"{self.code} rev. {self.revision}"

    def __repr__(self) -> str:
        return f"<ControlledDocument {self.code} rev {self.revision}>"


class DocumentClause(Tracked, Base):
    """An ISO 9001:2015 clause a controlled document addresses."""

    __tablename__ = "document_clause"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("controlled_document.id", ondelete="CASCADE"), primary_key=True
    )
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"), primary_key=True)
    # Set when a person remapped a 2008 reference to this 2015 clause: shown as "(was 2008 …)".
    remapped_from_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"))

    document: Mapped[ControlledDocument] = relationship(back_populates="clause_links")
    # one row: a clause link is shown and exported as its clause's number
    clause: Mapped[Clause] = relationship(lazy="joined", foreign_keys=[clause_id])
    remapped_from: Mapped[Clause | None] = relationship(foreign_keys=[remapped_from_id])

    def history_label(self) -> str:
        return self.clause.label if self.clause is not None else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("controlled_document", self.document_id)]
