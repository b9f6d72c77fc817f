"""The change history: one SQLAlchemy hook writes an entry for every change to a tracked record.

Services name the acting user with `act_as(actor)`; the web layer does so for every request.
Bulk `update()`/`delete()` statements bypass the ORM and so this hook: services change tracked
records through the ORM only.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from qms.extensions import db
from qms.models.base import Tracked, utcnow
from qms.models.history import HistoryEntry, HistoryLink
from qms.models.org import User

MASK = "***"


def act_as(actor: User | None) -> None:
    """Name the user whose changes the session will record from now on."""
    db.session.info["actor_id"] = actor.id if actor is not None else None


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _record_id(obj: Any) -> str:
    # From the primary-key attributes: in after_flush a new object has its id but no identity key yet.
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    if any(part is None for part in identity):
        return ""
    return ":".join(str(part) for part in identity)


def _changes(obj: Any, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    excluded = type(obj).__history_exclude__
    changes: dict[str, list[Any]] = {}
    for column_attr in state.mapper.column_attrs:
        key = column_attr.key
        hist = state.attrs[key].history
        if action == "insert":
            value = getattr(obj, key)
            if value is None or key == "id":
                continue
            old, new = None, value
        elif action == "delete":
            value = hist.unchanged[0] if hist.unchanged else (hist.deleted[0] if hist.deleted else None)
            if value is None or key == "id":
                continue
            old, new = value, None
        else:
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
        if key in excluded:
            changes[key] = [MASK if old else None, MASK if new else None]
        else:
            changes[key] = [_plain(old), _plain(new)]
    return changes


def _after_flush(session: Session, _flush_context: Any) -> None:
    pending: list[tuple[Any, str]] = []
    pending += [(obj, "insert") for obj in session.new if isinstance(obj, Tracked)]
    pending += [(obj, "update") for obj in session.dirty if isinstance(obj, Tracked)]
    pending += [(obj, "delete") for obj in session.deleted if isinstance(obj, Tracked)]
    if not pending:
        return
    connection = session.connection()
    actor_id = session.info.get("actor_id")
    now = utcnow()
    for obj, action in pending:
        if action == "update" and not session.is_modified(obj, include_collections=False):
            continue
        changes = _changes(obj, action)
        if action == "update" and not changes:
            continue
        table = obj.__tablename__
        record_id = _record_id(obj)
        entry_id = connection.execute(
            insert(HistoryEntry.__table__)
            .values(
                at=now,
                actor_id=actor_id,
                record_type=table,
                record_id=record_id,
                action=action,
                record_label=obj.history_label()[:255],
                changes=changes,
            )
            .returning(HistoryEntry.__table__.c.id)
        ).scalar_one()
        anchors = {(table, record_id)}
        anchors.update((t, str(i)) for t, i in obj.history_anchors() if i is not None)
        connection.execute(
            insert(HistoryLink.__table__),
            [{"entry_id": entry_id, "record_type": t, "record_id": i} for t, i in sorted(anchors)],
        )


def _before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, HistoryEntry | HistoryLink):
            raise RuntimeError("history entries are immutable")


def install() -> None:
    """Register the hook on every ORM session (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_flush", _before_flush)


def history_of(record_type: str, record_id: object, *, limit: int = 200) -> list[HistoryEntry]:
    """Entries shown on a record's page, newest first."""
    stmt = (
        select(HistoryEntry)
        .join(HistoryLink, HistoryLink.entry_id == HistoryEntry.id)
        .where(HistoryLink.record_type == record_type, HistoryLink.record_id == str(record_id))
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
