"""Personal API tokens: created and revoked by their owner (or for a service account from the CLI).

The secret is shown once; only its SHA-256 is kept. The secret carries 256 random bits, so a fast
hash suffices (a slow password hash guards guessable secrets, and would slow every API request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from qms.extensions import db
from qms.models.base import utcnow
from qms.models.org import Membership, User
from qms.models.tokens import ApiToken
from qms.services import access
from qms.services.bookkeeping import NOTE_EVERY, note_use
from qms.services.errors import DomainError, NotFound
from qms.services.history import act_as

TOKEN_PREFIX = "qms_"
DEFAULT_DAYS = 90
MAX_DAYS = 366
NAME_MAX = 100


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def default_expiry(today: date | None = None) -> date:
    return (today or utcnow().date()) + timedelta(days=DEFAULT_DAYS)


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def create_token(user: User, *, actor: User | None, name: str, expires: date | None = None) -> IssuedToken:
    """A new token for `user`, valid until the end of `expires` (UTC; default 90 days, at most a year)."""
    access.require_manage_tokens(actor, user)
    act_as(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A name is required."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("At most %(n)s characters.", n=NAME_MAX), field="name")
    today = utcnow().date()
    expires = expires or default_expiry(today)
    if expires <= today:
        raise DomainError(_("The expiry date must be after today."), field="expires")
    if expires > today + timedelta(days=MAX_DAYS):
        raise DomainError(_("A token is valid for at most one year."), field="expires")
    if not user.active:
        raise DomainError(_("This account is disabled."), field="user")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        user=user,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        expires_at=datetime.combine(expires, time.max, tzinfo=UTC),
    )
    db.session.add(token)
    db.session.flush()
    return IssuedToken(token=token, secret=secret)


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    )


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("No such token."))
    return token


def token_by_prefix(prefix: str) -> ApiToken:
    """The one token whose shown prefix is `prefix` (what the CLI names a token by)."""
    found = list(db.session.scalars(select(ApiToken).where(ApiToken.prefix == prefix.strip())))
    if len(found) != 1:
        raise NotFound(_("No single token has the prefix %(prefix)s.", prefix=prefix))
    return found[0]


def revoke_token(token: ApiToken, *, actor: User | None) -> None:
    access.require_manage_tokens(actor, token.user)
    act_as(actor)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def is_usable(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return token.revoked_at is None and _as_utc(token.expires_at) > now and token.user.active


def authenticate(secret: str) -> User | None:
    """The active user whose unexpired, unrevoked token this is (its last use noted), else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_secret(secret))
        .options(
            selectinload(ApiToken.user).selectinload(User.role_rows),
            selectinload(ApiToken.user).selectinload(User.memberships).joinedload(Membership.unit),
        )
    )
    if token is None or not is_usable(token):
        return None
    now = utcnow()
    if token.last_used_at is None or now - _as_utc(token.last_used_at) > NOTE_EVERY:
        touch = update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
        note_use(touch, what=f"API token {token.prefix}")
    return token.user
