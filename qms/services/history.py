"""The change history: one SQLAlchemy hook writes an entry for every change to a tracked record.

Services name the acting user with `act_as(actor)`; the web layer does so for every request.
Bulk `update()`/`delete()` statements bypass the ORM and so this hook: services change tracked
records through the ORM only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Numeric, event, insert, inspect, select
from sqlalchemy.orm import Mapper, Session

from qms import labels
from qms.extensions import db
from qms.formatting import fmt_number
from qms.models.base import Base, Tracked, utcnow
from qms.models.history import HistoryEntry, HistoryLink
from qms.models.org import User

MASK = "***"
CONTEXT_KEY = "history_context"


def act_as(actor: User | None) -> None:
    """Name the user whose changes the session will record from now on."""
    db.session.info["actor_id"] = actor.id if actor is not None else None


@contextmanager
def recorded_as(context: str) -> Iterator[None]:
    """Every history entry written inside the block names what the change was part of (e.g.
    `reorganisation:12`), so a record's history says why it moved."""
    previous = db.session.info.get(CONTEXT_KEY)
    db.session.info[CONTEXT_KEY] = context
    try:
        yield
    finally:
        db.session.info[CONTEXT_KEY] = previous


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


DELETED_KEY = "history_deleted"


def _note_deleted(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    """Every row the flush deletes, including those `session.deleted` never lists: records removed
    from a delete-orphan collection (a measurement, a procedure step) are found only during the flush."""
    session = Session.object_session(target)
    if session is not None and isinstance(target, Tracked):
        session.info.setdefault(DELETED_KEY, []).append(target)


def _deleted_rows(session: Session) -> list[Any]:
    rows = [obj for obj in session.deleted if isinstance(obj, Tracked)]
    seen = {id(obj) for obj in rows}
    for obj in session.info.pop(DELETED_KEY, []):
        if id(obj) not in seen:
            seen.add(id(obj))
            rows.append(obj)
    return rows


def _after_flush(session: Session, _flush_context: Any) -> None:
    pending: list[tuple[Any, str]] = []
    pending += [(obj, "insert") for obj in session.new if isinstance(obj, Tracked)]
    pending += [(obj, "update") for obj in session.dirty if isinstance(obj, Tracked)]
    pending += [(obj, "delete") for obj in _deleted_rows(session)]
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
                context=session.info.get(CONTEXT_KEY),
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
    session.info.pop(DELETED_KEY, None)  # what a failed flush noted is not deleted
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, HistoryEntry | HistoryLink):
            raise RuntimeError("history entries are immutable")


def install() -> None:
    """Register the hook on every ORM session (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Base, "after_delete", _note_deleted, propagate=True)


def history_of(record_type: str, record_id: object, *, limit: int = 1000) -> list[HistoryEntry]:
    """Entries shown on a record's page, newest first."""
    stmt = (
        select(HistoryEntry)
        .join(HistoryLink, HistoryLink.entry_id == HistoryEntry.id)
        .where(HistoryLink.record_type == record_type, HistoryLink.record_id == str(record_id))
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# --- reading the history as people read it ----------------------------------------------------

# Columns kept for the machine, never shown in a history entry: ids, optimistic-locking counters,
# content hashes, sequence numbers behind references, row bookkeeping, secrets.
INTERNAL_COLUMNS = frozenset(
    {
        "id",
        "version_id",
        "sha256",
        "file_sha256",
        "ref_seq",
        "ref_year",
        "seq",
        "created_at",
        "updated_at",
        "updated_by_id",
        "password_hash",
        "token",
        "sort_key",
        "shipped_key",
        "late_since",  # derived from the due dates, kept outside the ORM
    }
)
# `version` is a locking counter on most records, but a procedure's version number is its edition.
_VISIBLE_VERSION = frozenset({"process"})
PAGE_SIZE = 20
_LONG = 300


def is_internal(record_type: str, name: str) -> bool:
    if name == "version":
        return record_type not in _VISIBLE_VERSION
    return name in INTERNAL_COLUMNS or name.endswith(("_hash", "_token", "_sha256"))


@dataclass
class ChangeLine:
    field: str
    old: str
    new: str


@dataclass
class EntryView:
    entry: HistoryEntry
    action: str
    record_type: str
    record_label: str
    lines: list[ChangeLine] = field(default_factory=list)


@dataclass
class HistoryPage:
    rows: list[EntryView]
    page: int
    pages: int
    total: int


def _mappers_by_table() -> dict[str, Mapper[Any]]:
    return {m.local_table.name: m for m in Base.registry.mappers if hasattr(m.local_table, "name")}


def _target_table(mapper: Mapper[Any] | None, column_name: str) -> str | None:
    """The table a foreign-key column points to, read from the model's column."""
    if mapper is None or column_name not in mapper.columns:
        return None
    for fk in mapper.columns[column_name].foreign_keys:
        return str(fk.column.table.name)
    return None


def _name_of(obj: Any) -> str:
    """How a referenced record is named: a unit by code and name, a user by full name, a clause
    with its edition, anything tracked by its history label."""
    table = getattr(obj, "__tablename__", "")
    if table == "unit":
        return f"{obj.code} — {obj.name}"
    if table == "user_account":
        return str(obj.full_name or obj.email)
    if table == "clause":
        return str(obj.label)
    if isinstance(obj, Tracked):
        label = obj.history_label()
        if label:
            return labels.record_label(table, label)
    return str(getattr(obj, "label", "") or f"#{inspect(obj).identity[0]}")


def _resolve(wanted: dict[str, set[int]], mappers: dict[str, Mapper[Any]]) -> dict[tuple[str, int], str]:
    """Names of the referenced records: one query per referenced table."""
    names: dict[tuple[str, int], str] = {}
    for table, ids in wanted.items():
        mapper = mappers.get(table)
        if mapper is None or not ids or len(mapper.primary_key) != 1:
            continue
        pk = mapper.primary_key[0]
        for obj in db.session.scalars(select(mapper.class_).where(pk.in_(ids))):
            names[(table, getattr(obj, mapper.get_property_by_column(pk).key))] = _name_of(obj)
    return names


def _clip(text: str) -> str:
    return text if len(text) <= _LONG else text[: _LONG - 1].rstrip() + "…"


def _empty_on_create(action: str, change: list[Any]) -> bool:
    """A field left empty when the record was created (or deleted) says nothing."""
    side = {"insert": -1, "delete": 0}.get(action)
    return side is not None and bool(change) and change[side] in (None, "", [], {})


def _is_decimal(mapper: Mapper[Any] | None, column_name: str) -> bool:
    return (
        mapper is not None
        and column_name in mapper.columns
        and isinstance(mapper.columns[column_name].type, Numeric)
    )


def _decimal_text(stored: str) -> str:
    """A decimal kept as text in the history ('3.50') with the reader's separators ('3,5')."""
    try:
        number = Decimal(stored)
    except ArithmeticError:
        return stored
    if not number.is_finite():
        return stored
    decimals = 0 if number == number.to_integral_value() else min(2, -number.normalize().as_tuple().exponent)
    return fmt_number(number, decimals=decimals)


def _text(record_type: str, name: str, value: Any) -> str:
    """A stored value as text: lists as `a; b`, records of a list as `key: value`, yes/no, dates."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return ", ".join(
            f"{labels.field(record_type, str(k))}: {_text(record_type, str(k), v)}"
            for k, v in value.items()
            if v not in (None, "")
        )
    if isinstance(value, list | tuple):
        return "; ".join(_text(record_type, name, item) for item in value)
    return labels.value(record_type, name, value)


def readable(entries: Sequence[HistoryEntry], *, page: int = 1, page_size: int = PAGE_SIZE) -> HistoryPage:
    """One page of entries in words: field labels, names for references, no internal columns.

    Entries whose only changes are internal (a locking counter moved) are left out.
    """
    mappers = _mappers_by_table()
    visible: list[tuple[HistoryEntry, list[tuple[str, list[Any]]]]] = []
    for entry in entries:
        changes = [
            (name, change)
            for name, change in (entry.changes or {}).items()
            if not is_internal(entry.record_type, name) and not _empty_on_create(entry.action, change)
        ]
        if entry.action == "update" and not changes:
            continue
        visible.append((entry, changes))
    total = len(visible)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    shown = visible[(page - 1) * page_size : page * page_size]

    wanted: dict[str, set[int]] = {}
    for entry, changes in shown:
        mapper = mappers.get(entry.record_type)
        for name, change in changes:
            target = _target_table(mapper, name)
            if target is None:
                continue
            for value in change:
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted.setdefault(target, set()).add(value)
    names = _resolve(wanted, mappers)

    rows = []
    for entry, changes in shown:
        mapper = mappers.get(entry.record_type)
        lines = []
        for name, change in changes:
            old, new = [*change, None, None][:2]
            target = _target_table(mapper, name)
            texts = []
            for value in (old, new):
                if target is not None and isinstance(value, int) and not isinstance(value, bool):
                    texts.append(names.get((target, value), _("(deleted record)")))
                else:
                    if _is_decimal(mapper, name) and isinstance(value, str):
                        value = _decimal_text(value)
                    texts.append(_clip(_text(entry.record_type, name, value)))
            lines.append(ChangeLine(labels.field(entry.record_type, name), texts[0], texts[1]))
        rows.append(
            EntryView(
                entry=entry,
                action=entry.action,
                record_type=labels.record_type(entry.record_type),
                record_label=labels.record_label(entry.record_type, entry.record_label),
                lines=lines,
            )
        )
    return HistoryPage(rows=rows, page=page, pages=pages, total=total)
