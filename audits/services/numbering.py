"""References that are unique and never reused: `DG-2018-03` for audits, `NC-2018-007` for nonconformities,
and a number of their own for observations (`OBS-2018-003`) and opportunities for improvement
(`OFI-2018-002`), shown with the prefix of the interface language (see `Finding.label`).

Each scope ('DG-2018', 'NC-2018', 'OBS-2018', 'OFI-2018') has a counter row. A number is taken with one
`UPDATE … SET value = value + 1 … RETURNING value`: on PostgreSQL the row stays locked until the
transaction ends, so two auditors saving at the same moment get consecutive numbers, never the same
one. Because the counter only grows, deleting a record never frees its number.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from audits.models import RefCounter
from qms.extensions import db


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


def next_audit_ref(year: int) -> tuple[str, int]:
    seq = increment_and_get(f"DG-{year}")
    return f"DG-{year}-{seq:02d}", seq


def next_finding_seq(series: str, year: int) -> int:
    """The next number of a finding series ('NC', 'OBS', 'OFI') in `year`."""
    return increment_and_get(f"{series}-{year}")


def next_nc_ref(year: int) -> tuple[str, int]:
    seq = next_finding_seq("NC", year)
    return f"NC-{year}-{seq:03d}", seq
