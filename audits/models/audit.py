"""The yearly audit programme, each audit with its scope, team and agenda, auditors' competence,
checklists, and the counters that number audits and nonconformities."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.clauses import Clause, Edition
from qms.models.org import Unit, User

if TYPE_CHECKING:
    from audits.models.finding import Finding


def _in(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return f"{column} IN ({values})"


class AuditStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    REPORT_SUBMITTED = "report_submitted"
    REPORTED = "reported"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class AuditConformity(StrEnum):
    """The lead auditor's answer to 'does the unit's quality management system conform?'."""

    CONFORMS = "conforms"
    CONFORMS_WITH_NCS = "conforms_with_ncs"
    DOES_NOT_CONFORM = "does_not_conform"


class AuditKind(StrEnum):
    PLANNED = "planned"
    UNANNOUNCED = "unannounced"
    FOLLOW_UP = "follow_up"


class ProgrammeStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class TeamRole(StrEnum):
    LEAD = "lead"
    MEMBER = "member"


class ChecklistResult(StrEnum):
    CONFORMS = "conforms"
    NONCONFORMITY = "nonconformity"
    OBSERVATION = "observation"
    NOT_APPLICABLE = "not_applicable"


class ProgrammeTerms:
    """What a programme's edition and status say, for the programme and for a row of the list."""

    edition: str
    status: str

    @property
    def criteria(self) -> str:
        return f"TCVN ISO 9001:{self.edition}"

    @property
    def is_approved(self) -> bool:
        return self.status == ProgrammeStatus.APPROVED


class AuditProgramme(ProgrammeTerms, Tracked, Timestamped, Base):
    __tablename__ = "audit_programme"
    __table_args__ = (
        CheckConstraint(_in("edition", Edition), name="edition"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint(_in("status", ProgrammeStatus), name="status"),
        CheckConstraint("status <> 'approved' OR approved_at IS NOT NULL", name="approved_has_date"),
        CheckConstraint("status <> 'returned' OR return_comment <> ''", name="returned_has_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    objectives: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    edition: Mapped[str] = mapped_column(String(4))
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ProgrammeStatus.DRAFT)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_number: Mapped[str] = mapped_column(String(60), default="")
    decision_date: Mapped[date | None] = mapped_column(Date)
    return_comment: Mapped[str] = mapped_column(Text, default="")

    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    audits: Mapped[list[Audit]] = relationship(
        back_populates="programme", order_by="Audit.planned_start, Audit.ref"
    )

    def history_label(self) -> str:
        return str(self.year)

    @property
    def is_editable(self) -> bool:
        """Steering edits a draft or a returned programme; a submitted or approved one is locked."""
        return self.status in (ProgrammeStatus.DRAFT, ProgrammeStatus.RETURNED)


class Audit(Tracked, Timestamped, Base):
    __tablename__ = "audit"
    __history_exclude__ = frozenset({"plan_digest"})  # a fingerprint: its change is kept, not its value
    __table_args__ = (
        CheckConstraint(_in("status", AuditStatus), name="status"),
        CheckConstraint(_in("kind", AuditKind), name="kind"),
        CheckConstraint(_in("edition", Edition), name="edition"),
        CheckConstraint("planned_end >= planned_start", name="dates_in_order"),
        CheckConstraint("status <> 'cancelled' OR cancel_reason <> ''", name="cancel_has_reason"),
        CheckConstraint(f"conformity IS NULL OR {_in('conformity', AuditConformity)}", name="conformity"),
        CheckConstraint(
            "status <> 'report_submitted' OR report_submitted_at IS NOT NULL", name="submitted_has_time"
        ),
        CheckConstraint(
            "report_number IS NULL OR (report_date IS NOT NULL AND report_approved_at IS NOT NULL)",
            name="report_number_dated",
        ),
        UniqueConstraint("year", "seq", name="uq_audit_year_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("audit_programme.id", ondelete="RESTRICT"), index=True
    )
    edition: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(20), default=AuditKind.PLANNED)
    status: Mapped[str] = mapped_column(String(20), default=AuditStatus.PLANNED)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    objectives: Mapped[str] = mapped_column(Text, default="")
    processes: Mapped[str] = mapped_column(Text, default="")
    process_code: Mapped[str | None] = mapped_column(String(60))
    # The lead auditor's conclusion: conformity, effectiveness, the overall text, strengths, recommendations.
    conclusion: Mapped[str] = mapped_column(Text, default="")
    conformity: Mapped[str | None] = mapped_column(String(20))
    effective: Mapped[bool | None] = mapped_column(Boolean)
    strengths: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    # The report: submitted by the lead, returned with a comment or approved (numbered, dated) by steering.
    report_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report_submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    report_return_comment: Mapped[str] = mapped_column(Text, default="")
    report_number: Mapped[str | None] = mapped_column(String(40))
    report_date: Mapped[date | None] = mapped_column(Date)
    report_approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report_approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    programme: Mapped[AuditProgramme] = relationship(back_populates="audits")
    report_submitted_by: Mapped[User | None] = relationship(foreign_keys=[report_submitted_by_id])
    report_approved_by: Mapped[User | None] = relationship(foreign_keys=[report_approved_by_id])
    plan_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    plan_sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    plan_digest: Mapped[str] = mapped_column(String(64), default="")  # what was sent, to tell a change

    plan_sent_by: Mapped[User | None] = relationship(foreign_keys=[plan_sent_by_id])
    unit_links: Mapped[list[AuditUnit]] = relationship(back_populates="audit", cascade="all, delete-orphan")
    clause_links: Mapped[list[AuditClause]] = relationship(
        back_populates="audit", cascade="all, delete-orphan"
    )
    team: Mapped[list[AuditTeamMember]] = relationship(
        back_populates="audit", cascade="all, delete-orphan", order_by="AuditTeamMember.id"
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="audit", cascade="all, delete-orphan", order_by="AgendaItem.day, AgendaItem.time"
    )
    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="audit", cascade="all, delete-orphan", order_by="ChecklistItem.position"
    )

    @property
    def units(self) -> list[Unit]:
        return sorted((link.unit for link in self.unit_links), key=lambda u: u.code)

    @property
    def unit_ids(self) -> set[int]:
        return {link.unit_id for link in self.unit_links}

    @property
    def clauses(self) -> list[Clause]:
        return sorted((link.clause for link in self.clause_links), key=lambda c: c.sort_key)

    @property
    def lead(self) -> User | None:
        return next((m.user for m in self.team if m.role == TeamRole.LEAD), None)

    @property
    def team_user_ids(self) -> set[int]:
        return {m.user_id for m in self.team}

    def __repr__(self) -> str:
        return f"<Audit {self.ref}>"


class AuditUnit(Tracked, Base):
    __tablename__ = "audit_unit"

    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True)
    plan_acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    plan_acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    audit: Mapped[Audit] = relationship(back_populates="unit_links")
    # one row, named by every use of the link (its history label, the plan, the audit page)
    unit: Mapped[Unit] = relationship(lazy="joined")
    plan_acknowledged_by: Mapped[User | None] = relationship()

    def history_label(self) -> str:
        return self.unit.code if self.unit else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("audit", self.audit_id), ("unit", self.unit_id)]


class AuditClause(Tracked, Base):
    __tablename__ = "audit_clause"

    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"), primary_key=True)
    # Set when a person remapped a 2008 reference to this 2015 clause: shown as "(was 2008 …)".
    remapped_from_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"))

    audit: Mapped[Audit] = relationship(back_populates="clause_links")
    # one row, named by every use of the scope line (its history label, the plan, the report)
    clause: Mapped[Clause] = relationship(lazy="joined", foreign_keys=[clause_id])
    remapped_from: Mapped[Clause | None] = relationship(foreign_keys=[remapped_from_id])

    def history_label(self) -> str:
        return self.clause.number if self.clause else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("audit", self.audit_id)]


class AuditTeamMember(Tracked, Base):
    """An auditor on an audit's team. A missing competence record for the audit's edition is a
    warning the lead auditor acknowledges; the acknowledgement is kept."""

    __tablename__ = "audit_team_member"
    __table_args__ = (
        UniqueConstraint("audit_id", "user_id", name="uq_audit_team_member_audit_user"),
        CheckConstraint(_in("role", TeamRole), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(10), default=TeamRole.MEMBER)
    competence_warning: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    audit: Mapped[Audit] = relationship(back_populates="team")
    # one row, named by every use of a team line (its history label, the team table, the documents)
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    @property
    def needs_acknowledgement(self) -> bool:
        return self.competence_warning and self.acknowledged_at is None

    def history_label(self) -> str:
        return self.user.email if self.user else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("audit", self.audit_id), ("user_account", self.user_id)]


class AgendaItem(Tracked, Base):
    __tablename__ = "audit_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    time: Mapped[str] = mapped_column(String(20), default="")
    activity: Mapped[str] = mapped_column(Text)
    auditee_contact: Mapped[str] = mapped_column(String(200), default="")

    audit: Mapped[Audit] = relationship(back_populates="agenda")

    def history_label(self) -> str:
        return f"{self.day} {self.time}"

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("audit", self.audit_id)]


class AuditorCompetence(Tracked, Timestamped, Base):
    """A training course or certificate of an auditor, for one edition, valid between two dates."""

    __tablename__ = "auditor_competence"
    __table_args__ = (
        CheckConstraint(_in("edition", Edition), name="edition"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    certificate: Mapped[str] = mapped_column(String(120), default="")
    edition: Mapped[str] = mapped_column(String(4))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship()

    def covers(self, edition: str, on: date) -> bool:
        return (
            self.edition == edition
            and self.valid_from <= on
            and (self.valid_to is None or on <= self.valid_to)
        )

    def history_label(self) -> str:
        return self.title

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("user_account", self.user_id)]


class ChecklistItem(Tracked, Base):
    __tablename__ = "checklist_item"
    __table_args__ = (CheckConstraint(f"result IS NULL OR {_in('result', ChecklistResult)}", name="result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    # Set when a person remapped a 2008 reference to this 2015 clause: shown as "(was 2008 …)".
    remapped_from_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"))

    audit: Mapped[Audit] = relationship(back_populates="checklist")
    clause: Mapped[Clause | None] = relationship(lazy="joined", foreign_keys=[clause_id])
    remapped_from: Mapped[Clause | None] = relationship(foreign_keys=[remapped_from_id])
    findings: Mapped[list[Finding]] = relationship(
        back_populates="checklist_item", order_by="Finding.id", passive_deletes=True
    )

    def history_label(self) -> str:
        return f"#{self.position}"

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("audit", self.audit_id)]
