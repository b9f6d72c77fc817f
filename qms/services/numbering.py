"""Numbers that are unique and never reused, taken from a counter row per scope.

A number is taken with one `UPDATE … SET value = value + 1 … RETURNING value`: on PostgreSQL the row
stays locked until the transaction ends, so two people saving at the same moment get consecutive
numbers, never the same one. Because the counter only grows, deleting a record never frees its number.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from qms.extensions import db
from qms.models.counters import RefCounter


def _insert_missing(scope: str) -> None:
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(RefCounter).values(scope=scope, value=0).on_conflict_do_nothing()
    db.session.execute(stmt)


def increment_and_get(scope: str) -> int:
    """The next number of `scope`, starting at 1."""
    stmt = (
        update(RefCounter)
        .where(RefCounter.scope == scope)
        .values(value=RefCounter.value + 1)
        .returning(RefCounter.value)
        .execution_options(synchronize_session=False)
    )
    value = db.session.execute(stmt).scalar_one_or_none()
    if value is None:
        _insert_missing(scope)
        value = db.session.execute(stmt).scalar_one()
    return int(value)
