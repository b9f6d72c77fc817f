"""The organisation: units, users, org-wide roles and unit memberships."""

from __future__ import annotations

import secrets
from datetime import date
from enum import StrEnum
from functools import cache

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from qms.models.base import Base, Timestamped, Tracked


class UnitKind(StrEnum):
    CITY = "city"
    DEPARTMENT = "department"
    COMMUNE = "commune"
    SERVICE_UNIT = "service_unit"


class OrgRole(StrEnum):
    ADMIN = "admin"
    STEERING = "steering"
    AUDITOR = "auditor"
    LEADER = "leader"


class MemberRole(StrEnum):
    MANAGER = "manager"
    MEMBER = "member"


def _in(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{v.value}'" for v in enum)
    return f"{column} IN ({values})"


class Unit(Tracked, Timestamped, Base):
    """A unit over time: it exists from `valid_from` to `valid_until` (inclusive; empty = open-ended).

    Official codes are reused (22366 was Phước Tiến in 2018, Tân Tiến from 11/2024, Phường Nha Trang from
    7/2025), so a code names a unit only together with a date: (code, valid_from) is unique, and the
    services refuse two units of the same code whose validity overlaps (qms/services/org.py).
    """

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint(_in("kind", UnitKind), name="kind"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from", name="validity_in_order"
        ),
        UniqueConstraint("code", "valid_from", name="uq_unit_code_valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")
    memberships: Mapped[list[Membership]] = relationship(back_populates="unit", cascade="all, delete-orphan")

    @hybrid_method
    def valid_on(self, on: date) -> bool:
        """The unit exists on that day."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )

    @valid_on.inplace.expression
    @classmethod
    def _valid_on_expression(cls, on: date) -> ColumnElement[bool]:
        return and_(
            or_(cls.valid_from.is_(None), cls.valid_from <= on),
            or_(cls.valid_until.is_(None), cls.valid_until >= on),
        )

    def is_historical(self, on: date | None = None) -> bool:
        """The unit had ended before that day (default today): its records stay readable, nothing new
        is added to it."""
        return self.valid_until is not None and self.valid_until < (on or date.today())

    def ancestors(self) -> list[Unit]:
        chain: list[Unit] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


# How passwords are hashed (werkzeug's method string). The test suite swaps in a cheap one.
PASSWORD_METHOD = "scrypt"


@cache
def _unusable_hash() -> str:
    """A hash of no one's password, made like the real ones, checked when there is no real one to check."""
    return generate_password_hash(secrets.token_urlsafe(16), method=PASSWORD_METHOD)


def check_no_password(password: str) -> bool:
    """Takes as long as checking a real password, and fails: signing in as an unknown or disabled account
    costs the same time as signing in with a wrong password, so the time tells nothing."""
    check_password_hash(_unusable_hash(), password)
    return False


class User(UserMixin, Tracked, Timestamped, Base):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("language IN ('vi', 'en')", name="language"),)
    __history_exclude__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str] = mapped_column(String(2), default="vi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    role_rows: Mapped[list[UserRole]] = relationship(back_populates="user", cascade="all, delete-orphan")
    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The key of the signed-in session this object was loaded for (not a column; qms/services/sessions.py).
    session_key = None

    def get_id(self) -> str:
        """What the session and remember cookies carry: the user and their server-side session's key."""
        return f"{self.id}:{self.session_key}" if self.session_key else str(self.id)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return check_no_password(password)
        return check_password_hash(self.password_hash, password)

    def membership_in(self, unit_id: int) -> Membership | None:
        return next((m for m in self.memberships if m.unit_id == unit_id), None)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(Tracked, Base):
    __tablename__ = "user_role"
    __table_args__ = (CheckConstraint(_in("role", OrgRole), name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")

    def history_label(self) -> str:
        return self.role

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("user_account", self.user_id)]


class Membership(Tracked, Timestamped, Base):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "unit_id", name="uq_membership_user_unit"),
        CheckConstraint(_in("role", MemberRole), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    unit: Mapped[Unit] = relationship(back_populates="memberships")

    def history_label(self) -> str:
        return self.role

    def history_anchors(self) -> list[tuple[str, object]]:
        return [("user_account", self.user_id), ("unit", self.unit_id)]
