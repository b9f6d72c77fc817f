"""Organisation settings (who issues and signs documents) and the register of issued documents.

An issued document keeps its number, date, subject, signer and recipients, and the exact bytes that
were issued (stored by content hash beside uploaded files): downloading it later gives the same file,
whatever changed in the data since. A re-issue after a correction takes a new number and names the
document it replaces."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.org import User


class DocType(StrEnum):
    """Abbreviations of document types (Decree 30/2020/NĐ-CP, Appendix III)."""

    REPORT = "BC"  # Báo cáo
    PLAN = "KH"  # Kế hoạch
    NOTICE = "TB"  # Thông báo
    DECISION = "QĐ"  # Quyết định
    PROGRAMME = "CTr"  # Chương trình
    MINUTES = "BB"  # Biên bản


class OrgSetting(Tracked, Base):
    """One setting of the organisation, edited by an administrator (see qms/services/settings.py)."""

    __tablename__ = "org_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")

    def history_label(self) -> str:
        return self.key


class IssuedDocument(Tracked, Timestamped, Base):
    __tablename__ = "issued_document"
    __table_args__ = (
        UniqueConstraint(
            "issuer_symbol", "doc_type", "year", "seq", name="uq_issued_document_issuer_type_year_seq"
        ),
        CheckConstraint("seq > 0", name="seq_positive"),
        CheckConstraint("doc_type IN (" + ", ".join(f"'{t.value}'" for t in DocType) + ")", name="doc_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), index=True)  # 05/BC-BCĐ: unique within its year
    issuer_symbol: Mapped[str] = mapped_column(String(20))
    doc_type: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    subject: Mapped[str] = mapped_column(Text)
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_title: Mapped[str] = mapped_column(String(200), default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(40), index=True)
    source_ref: Mapped[str] = mapped_column(String(60), index=True)
    lang: Mapped[str] = mapped_column(String(2), default="vi")
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("issued_document.id", ondelete="RESTRICT"), unique=True
    )
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    replaces: Mapped[IssuedDocument | None] = relationship(remote_side=[id])
    issued_by: Mapped[User | None] = relationship()

    def history_label(self) -> str:
        return self.number
