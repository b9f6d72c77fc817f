"""SQLite settings of every connection, and transactions that take the write lock when they begin.

SQLite lets one connection write at a time. A deferred transaction (the driver begins one just before
the first INSERT/UPDATE/DELETE) takes a read snapshot first and upgrades it to a write lock; when another
connection commits in between, SQLite answers "database is locked" at once, whatever busy_timeout says.
So a transaction that may write starts with `BEGIN IMMEDIATE`, which takes the write lock up front and
waits up to busy_timeout for it: a web request other than GET/HEAD/OPTIONS, a CLI command, or code
inside `writing()`. Anything else keeps the driver's behaviour (reads outside a transaction, WAL letting
them run beside the writer), so pages that only read never queue behind one another. The BEGIN is
emitted from SQLAlchemy's `begin` event, as the SQLAlchemy pysqlite documentation describes; the
driver sees the open transaction and adds none of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import click
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# Writers queue for the lock about as long as a browser waits for a page: under a burst of writes a
# request waits its turn rather than failing.
BUSY_TIMEOUT_MS = 30_000
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_writing: ContextVar[bool] = ContextVar("qms_sqlite_writing", default=False)
_reading: ContextVar[bool] = ContextVar("qms_sqlite_reading", default=False)


def install() -> None:
    """Listen on every engine (once): SQLite connections get the pragmas and the explicit BEGIN."""
    if not event.contains(Engine, "connect", on_connect):
        event.listen(Engine, "connect", on_connect)
    if not event.contains(Engine, "begin", on_begin):
        event.listen(Engine, "begin", on_begin)


def on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def on_begin(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        return
    if _reading.get():
        conn.exec_driver_sql("BEGIN")  # deferred: one snapshot from the first read, no write lock
    elif may_write():
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def may_write() -> bool:
    """Whether the work now running may write: decides the kind of transaction it begins."""
    if _writing.get():
        return True
    if has_request_context():
        return request.method not in READ_METHODS
    return click.get_current_context(silent=True) is not None


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside this block are read transactions, even in a CLI command: everything
    read in one of them comes from the same moment, and writers elsewhere are not held up."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block take the write lock first (work outside a request or a
    CLI command that reads then writes, e.g. a background job)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)
