"""Counters that hand out numbers never reused: audits, nonconformities, issued documents."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from qms.models.base import Base


class RefCounter(Base):
    """The last number handed out in a scope ('DG-2018', 'NC-2018', 'BC-BCĐ-2018'); numbers are never
    reused. The table is created by the internal-audits migration, which introduced it."""

    __tablename__ = "ref_counter"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
