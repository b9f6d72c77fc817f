"""Findings, their attachments, the unit's corrective-action plan, verification of effectiveness
and follow-up audit proposals."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audits.models.audit import Audit, ChecklistItem, _in
from qms.formatting import current_lang
from qms.models.base import Base, Timestamped, Tracked, utcnow
from qms.models.clauses import Clause
from qms.models.org import Unit, User


class FindingKind(StrEnum):
    MAJOR = "major"
    MINOR = "minor"
    OBSERVATION = "observation"
    OFI = "ofi"


NC_KINDS = frozenset({FindingKind.MAJOR, FindingKind.MINOR})


class RefSeries(StrEnum):
    """The numbered series of finding references, one counter per series and year."""

    NC = "NC"
    OBS = "OBS"
    OFI = "OFI"


def series_of(kind: str) -> RefSeries:
    if kind in NC_KINDS:
        return RefSeries.NC
    return RefSeries.OBS if kind == FindingKind.OBSERVATION else RefSeries.OFI


# The reference prefix of each series in each interface language: điểm lưu ý (LY), cơ hội cải tiến (CT).
REF_PREFIX: dict[str, dict[str, str]] = {
    "en": {RefSeries.NC: "NC", RefSeries.OBS: "OBS", RefSeries.OFI: "OFI"},
    "vi": {RefSeries.NC: "NC", RefSeries.OBS: "LY", RefSeries.OFI: "CT"},
}


def finding_label(series: str, year: int, seq: int, lang: str) -> str:
    prefix = REF_PREFIX.get(lang, REF_PREFIX["vi"]).get(series, series)
    return f"{prefix}-{year}-{seq:03d}"


class FindingStatus(StrEnum):
    OPEN = "open"  # a nonconformity waiting for the unit's plan
    PLAN_SUBMITTED = "plan_submitted"
    PLAN_RETURNED = "plan_returned"
    PLAN_ACCEPTED = "plan_accepted"
    ACTIONS_DONE = "actions_done"
    REOPENED = "reopened"  # verified not effective: a new action is needed
    CLOSED = "closed"  # verified effective
    NOTED = "noted"  # observations and opportunities for improvement
    WITHDRAWN = "withdrawn"  # logged by mistake: kept with its reference, counted nowhere


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class Finding(Tracked, Timestamped, Base):
    __tablename__ = "finding"
    __table_args__ = (
        CheckConstraint(_in("kind", FindingKind), name="kind"),
        CheckConstraint(_in("status", FindingStatus), name="status"),
        CheckConstraint("statement <> ''", name="statement_required"),
        CheckConstraint(
            "(kind IN ('major', 'minor')) = (ref IS NOT NULL)", name="ref_only_for_nonconformities"
        ),
        CheckConstraint(
            "status = 'withdrawn' OR ((kind IN ('major', 'minor')) = (status <> 'noted'))",
            name="noted_only_without_ref",
        ),
        CheckConstraint(
            "(kind IN ('major', 'minor') AND ref_series = 'NC')"
            " OR (kind = 'observation' AND ref_series = 'OBS') OR (kind = 'ofi' AND ref_series = 'OFI')",
            name="ref_series_of_kind",
        ),
        CheckConstraint(
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawn_reason IS NOT NULL"
            " AND withdrawn_reason <> '')",
            name="withdrawn_with_reason",
        ),
        UniqueConstraint("ref_series", "ref_year", "ref_seq", name="uq_finding_ref_series_year_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="RESTRICT"), index=True)
    ref: Mapped[str | None] = mapped_column(String(20), unique=True)
    ref_series: Mapped[str] = mapped_column(String(3))
    ref_year: Mapped[int] = mapped_column(Integer)
    ref_seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    process_code: Mapped[str | None] = mapped_column(String(60))
    requirement: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    statement: Mapped[str] = mapped_column(Text)
    raised_on: Mapped[date] = mapped_column(Date)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    closed_on: Mapped[date | None] = mapped_column(Date)
    round: Mapped[int] = mapped_column(Integer, default=1)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Set when a person remapped the finding's 2008 clause to a 2015 one: shown as "(was 2008 …)".
    remapped_from_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id", ondelete="RESTRICT"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The deadline of each step, stored when the step starts (a later change of the settings does
    # not move it): the unit's plan, the auditor's review of it, the verification of effectiveness.
    plan_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    review_due_on: Mapped[date | None] = mapped_column(Date)
    verify_due_on: Mapped[date | None] = mapped_column(Date)
    # The date the nonconformity is late from (its current step's due date, or its earliest open
    # action's when earlier); NULL when nothing waits. Kept by audits/services/deadlines.py after every
    # flush that touches the finding or its actions, so lists find the overdue ones through an index.
    late_since: Mapped[date | None] = mapped_column(Date, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # the checklist question the finding was raised from, if any
    checklist_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_item.id", ondelete="SET NULL"), index=True
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": version}

    audit: Mapped[Audit] = relationship()
    clause: Mapped[Clause] = relationship(foreign_keys=[clause_id])
    remapped_from: Mapped[Clause | None] = relationship(foreign_keys=[remapped_from_id])
    unit: Mapped[Unit] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    corrective_action: Mapped[CorrectiveAction | None] = relationship(
        back_populates="finding", cascade="all, delete-orphan", uselist=False
    )
    actions: Mapped[list[ActionItem]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="ActionItem.id"
    )
    checks: Mapped[list[EffectivenessCheck]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="EffectivenessCheck.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    checklist_item: Mapped[ChecklistItem | None] = relationship(back_populates="findings")

    @property
    def is_nonconformity(self) -> bool:
        return self.kind in NC_KINDS

    @property
    def is_withdrawn(self) -> bool:
        return self.status == FindingStatus.WITHDRAWN

    def label_in(self, lang: str) -> str:
        """The human reference in a language: NC-2018-007 in both; OBS-2018-003 / LY-2018-003 and
        OFI-2018-002 / CT-2018-002 for observations and opportunities for improvement."""
        if self.ref_series is None or self.ref_year is None or self.ref_seq is None:
            return self.ref or ""
        return finding_label(self.ref_series, self.ref_year, self.ref_seq, lang)

    @property
    def label(self) -> str:
        """The human reference in the interface language."""
        return self.label_in(current_lang())

    def history_label(self) -> str:
        return self.label

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("audit", self.audit_id), ("unit", self.unit_id)]


class Attachment(Tracked, Timestamped, Base):
    """A photo or scan of evidence; the file is stored once under its SHA-256 content hash."""

    __tablename__ = "finding_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    finding: Mapped[Finding] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()

    def history_label(self) -> str:
        return self.filename

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("finding", self.finding_id)]


class CorrectiveAction(Tracked, Base):
    """The unit's answer to a nonconformity: correction, root cause and the auditor's review of the plan.
    The actions themselves are `ActionItem`s."""

    __tablename__ = "corrective_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), unique=True)
    correction: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    whys: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}

    finding: Mapped[Finding] = relationship(back_populates="corrective_action")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    def history_label(self) -> str:
        return self.finding.label if self.finding else ""

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("finding", self.finding_id)]


class ActionItem(Tracked, Timestamped, Base):
    """One corrective action: what, who, by when, done when. `round` is the plan it belongs to: a
    finding reopened after an ineffective verification needs an action of the new round."""

    __tablename__ = "action_item"
    # The actions not done yet, by due date: what the overdue counts and lists read, without the done ones.
    __table_args__ = (
        Index(
            "ix_action_item_open_due_on",
            "due_on",
            sqlite_where=text("done_on IS NULL"),
            postgresql_where=text("done_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    what: Mapped[str] = mapped_column(Text)
    owner_name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_note: Mapped[str] = mapped_column(Text, default="")

    finding: Mapped[Finding] = relationship(back_populates="actions")
    owner: Mapped[User | None] = relationship()
    evidence_files: Mapped[list[ActionEvidence]] = relationship(
        back_populates="action",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ActionEvidence.id",
    )

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today

    def history_label(self) -> str:
        return self.what[:80]

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("finding", self.finding_id)]


class ActionEvidence(Tracked, Timestamped, Base):
    """A file showing an action was done; stored once under its SHA-256 content hash, like attachments."""

    __tablename__ = "action_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action_item.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    action: Mapped[ActionItem] = relationship(back_populates="evidence_files")
    uploaded_by: Mapped[User | None] = relationship()

    def history_label(self) -> str:
        return self.filename

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("finding", self.action.finding_id if self.action else None)]


class EffectivenessCheck(Tracked, Timestamped, Base):
    """An auditor's verification of effectiveness (kiểm tra hiệu lực)."""

    __tablename__ = "effectiveness_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    checked_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    effective: Mapped[bool] = mapped_column(Boolean)
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    finding: Mapped[Finding] = relationship(back_populates="checks")
    verifier: Mapped[User | None] = relationship()

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("finding", self.finding_id)]


class FollowUpProposal(Tracked, Timestamped, Base):
    """A major nonconformity proposes a follow-up audit of its unit once its actions are due."""

    __tablename__ = "follow_up_proposal"
    __table_args__ = (CheckConstraint(_in("status", ProposalStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.PROPOSED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, default="")
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id", ondelete="SET NULL"))

    finding: Mapped[Finding] = relationship()
    unit: Mapped[Unit] = relationship()
    audit: Mapped[Audit | None] = relationship()
    decided_by: Mapped[User | None] = relationship()

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("finding", self.finding_id)]
