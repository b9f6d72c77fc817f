"""Notes of use written in passing (when a session or an API token was last used): best effort, in a
short transaction of their own, never a reason to refuse the request that makes them."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import Update
from sqlalchemy.exc import OperationalError

from qms.extensions import db
from qms.sqlite import BUSY_TIMEOUT_MS, may_write

# A last use is noted at most this often: reading pages or the API must not write on every request.
NOTE_EVERY = timedelta(minutes=5)
# How long a note waits for SQLite's write lock before it is left out: a page is not kept waiting for it.
NOTE_WAIT_MS = 200


def note_use(statement: Update, *, what: str) -> None:
    """Run `statement` (an UPDATE of a last-use column) without making the request depend on it."""
    if db.engine.dialect.name == "sqlite" and may_write():
        # The request already holds SQLite's one write lock: a second connection would wait for it and
        # give up; the note goes in with the request's own changes.
        db.session.execute(statement)
        return
    sqlite = db.engine.dialect.name == "sqlite"
    try:
        # In a transaction of its own: a request that only reads must not depend on it committing.
        with db.engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={NOTE_WAIT_MS}")
            try:
                conn.execute(statement)
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except OperationalError:
        current_app.logger.warning("%s: last use not recorded, database busy", what)
