"""Signed-in sessions kept on the server.

Signing in opens a session row; the browser's cookies (the session cookie and the "remember me" cookie)
carry the user's id and the session's random key. Every request looks the row up, so signing out, a new
password or a disabled account ends the session for good, even for a copied cookie, in every app process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from qms.extensions import db
from qms.models.base import utcnow
from qms.models.org import Membership, User
from qms.models.sessions import UserSession
from qms.services.bookkeeping import NOTE_EVERY, note_use

# How often a session's "last seen" time is written: a write per request would be wasted work.


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive times; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def max_idle() -> timedelta:
    """A session not used for this long is over (it is also how long "remember me" lasts)."""
    return timedelta(days=current_app.config.get("QMS_SESSION_DAYS", 30))


def open_session(user: User, *, user_agent: str = "") -> str:
    """Opens a session for a user who has just proved who they are; returns its key (kept only in the
    browser's cookies) and marks the user object with it, so that `user.get_id()` names the session."""
    key = secrets.token_urlsafe(32)
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.last_seen_at < utcnow() - max_idle()
        )
    )
    db.session.add(UserSession(key_digest=_digest(key), user_id=user.id, user_agent=user_agent[:255]))
    db.session.flush()
    user.session_key = key
    return key


def user_for_cookie(cookie_id: str) -> User | None:
    """The active user whose open session a cookie names ("<user id>:<key>"), or None."""
    user_id, _sep, key = cookie_id.partition(":")
    if not key or not user_id.isdigit():
        return None  # a cookie from before sessions were kept on the server, or forged
    # One statement for the person, their session, roles and units (what every page's access checks
    # read), fresh on every request.
    found = (
        db.session.execute(
            select(User, UserSession.id, UserSession.last_seen_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.key_digest == _digest(key), User.id == int(user_id))
            .options(joinedload(User.role_rows), joinedload(User.memberships).joinedload(Membership.unit))
            .execution_options(populate_existing=True)
        )
        .unique()
        .first()
    )
    if found is None:
        return None
    user, session_id, last_seen = found
    now = utcnow()
    if _aware(last_seen) < now - max_idle() or not user.active:
        return None
    if now - _aware(last_seen) > NOTE_EVERY:
        _touch(session_id, now)
    user.session_key = key
    return user


def _touch(session_id: int, now: datetime) -> None:
    """Note that the session was used."""
    touch = update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
    note_use(touch, what=f"session {session_id}")


def current_session_id(user: User) -> int | None:
    if not user.session_key:
        return None
    digest = _digest(user.session_key)
    return db.session.scalar(select(UserSession.id).where(UserSession.key_digest == digest))


def end_session(user: User) -> None:
    """Signing out: the session the user object was loaded for ends."""
    if user.session_key:
        db.session.execute(delete(UserSession).where(UserSession.key_digest == _digest(user.session_key)))
        db.session.flush()
    user.session_key = None


def end_all(user: User, *, keep_current: bool = False) -> int:
    """Ends every session of the user (but the one this user object was loaded for, if `keep_current`);
    returns how many ended."""
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_current and user.session_key:
        stmt = stmt.where(UserSession.key_digest != _digest(user.session_key))
    ended = db.session.execute(stmt).rowcount or 0
    db.session.flush()
    return ended


def end_one(user: User, session_id: int) -> bool:
    """Ends one of the user's own sessions; False when it is not theirs or already over."""
    ended = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    ).rowcount
    db.session.flush()
    return bool(ended)


def open_sessions(user: User) -> list[UserSession]:
    """The user's sessions still open, the most recently used first."""
    since = utcnow() - max_idle()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.last_seen_at >= since)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )
