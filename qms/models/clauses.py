"""ISO 9001 clause catalogues (2008 and 2015) and the correspondence between them."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Tracked


class Edition(StrEnum):
    ISO_2008 = "2008"
    ISO_2015 = "2015"


class MappingStatus(StrEnum):
    """How a correspondence was checked against the sources."""

    VERIFIED = "verified"  # seen in a reproduction of the ISO/TC 176 correlation matrix N1293
    CORROBORATED = "corroborated"  # seen in third-party tables only
    DISPUTED = "disputed"  # sources disagree: `alternatives` says how
    UNVERIFIED = "unverified"  # no source found yet


class Relation(StrEnum):
    """How the 2008 requirement relates to its 2015 counterpart: our judgement, not a source's."""

    EQUAL = "equal"
    SUBSET = "subset"  # the 2008 requirement is part of the 2015 one
    SUPERSET = "superset"  # the 2015 requirement covers only part of the 2008 one
    INTERSECT = "intersect"
    NEW = "new"  # a 2015 clause with no 2008 side


def clause_sort_key(number: str) -> str:
    """'8.5.10' sorts after '8.5.9': each part zero-padded."""
    return ".".join(part.zfill(3) for part in number.split("."))


class Clause(Base):
    __tablename__ = "clause"
    __table_args__ = (
        UniqueConstraint("edition", "number", name="uq_clause_edition_number"),
        CheckConstraint("edition IN ('2008', '2015')", name="edition"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[str] = mapped_column(String(4))
    number: Mapped[str] = mapped_column(String(20))
    title_en: Mapped[str] = mapped_column(String(255), default="")
    title_vi: Mapped[str] = mapped_column(String(255), default="")
    title_vi_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[int] = mapped_column(Integer)
    sort_key: Mapped[str] = mapped_column(String(60), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"))
    source: Mapped[str] = mapped_column(Text, default="")
    # What ISO 9001:2015 no longer requires of a 2008 clause; empty when the requirement stays.
    dropped_en: Mapped[str] = mapped_column(Text, default="")
    dropped_vi: Mapped[str] = mapped_column(Text, default="")

    parent: Mapped[Clause | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Clause]] = relationship(back_populates="parent", order_by="Clause.sort_key")

    def title(self, lang: str) -> str:
        return (self.title_en if lang == "en" else self.title_vi) or self.title_en or self.title_vi

    def dropped(self, lang: str) -> str:
        """What 2015 no longer requires of this 2008 clause, in the language asked ("" if nothing)."""
        return (self.dropped_en if lang == "en" else self.dropped_vi) or self.dropped_en or self.dropped_vi

    @property
    def label(self) -> str:
        return f"ISO 9001:{self.edition} {self.number}"

    def __repr__(self) -> str:
        return f"<Clause {self.edition} {self.number}>"


class ClauseMapping(Tracked, Base):
    """One correspondence between a 2008 clause and a 2015 clause.

    A 2015 clause with nothing in 2008 (7.1.6, 8.5.6) has a row with no 2008 side.
    """

    __tablename__ = "clause_mapping"
    __table_args__ = (
        UniqueConstraint("clause_2008_id", "clause_2015_id", name="uq_clause_mapping_pair"),
        CheckConstraint("status IN ('verified', 'corroborated', 'disputed', 'unverified')", name="status"),
        CheckConstraint("relation IN ('equal', 'subset', 'superset', 'intersect', 'new')", name="relation"),
        CheckConstraint("clause_2008_id IS NOT NULL OR clause_2015_id IS NOT NULL", name="at_least_one_side"),
        CheckConstraint("(relation = 'new') = (clause_2008_id IS NULL)", name="new_has_no_2008_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_2008_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"), index=True)
    clause_2015_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    note_vi: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    relation: Mapped[str] = mapped_column(String(20))
    alternatives: Mapped[str] = mapped_column(Text, default="")
    alternatives_vi: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")

    # one row each: a correspondence line is read as its two clauses wherever it is used
    clause_2008: Mapped[Clause | None] = relationship(foreign_keys=[clause_2008_id], lazy="joined")
    clause_2015: Mapped[Clause | None] = relationship(foreign_keys=[clause_2015_id], lazy="joined")

    def note_in(self, lang: str) -> str:
        """What changed, in the language asked; Vietnamese falls back to English when not written."""
        return (self.note_vi if lang == "vi" else "") or self.note

    def alternatives_in(self, lang: str) -> str:
        """What other sources propose, in the language asked; Vietnamese falls back to English."""
        return (self.alternatives_vi if lang == "vi" else "") or self.alternatives

    def history_label(self) -> str:
        old = self.clause_2008.number if self.clause_2008 is not None else "—"
        new = self.clause_2015.number if self.clause_2015 is not None else "—"
        return f"2008 {old} ↔ 2015 {new}"
