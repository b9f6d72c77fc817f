"""Personal API tokens: a user's secret for the JSON API, stored only as its SHA-256 hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qms.models.base import Base, Timestamped, Tracked
from qms.models.org import User


class ApiToken(Tracked, Timestamped, Base):
    __tablename__ = "api_token"
    __history_exclude__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the secret in hex: the secret is 256 random bits, so a fast hash cannot be brute-forced.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def history_label(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("user_account", self.user_id)]

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}…>"
