"""What every input group needs: the review's scope and period, and units named by code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select, true

from qms.extensions import db
from qms.models.org import Unit


@dataclass(frozen=True)
class Scope:
    """The data a review gathers: of its unit (or every unit), over its period; overdue as of `as_of`
    (the review's date, or today while that date is still ahead)."""

    unit_id: int | None
    start: date
    end: date
    as_of: date
    review_id: int | None = None
    held_on: date | None = None

    def units(self, column: Any) -> ColumnElement[bool]:
        """A condition keeping the rows of the scope's unit (always true for the organisation)."""
        return true() if self.unit_id is None else column == self.unit_id


def unit_labels(ids: set[int]) -> dict[int, dict[str, str]]:
    if not ids:
        return {}
    rows = db.session.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(ids)))
    return {uid: {"unit": code, "unit_name": name} for uid, code, name in rows}


def rate(value: Decimal | None) -> str | None:
    """A percentage as text for the snapshot (JSON has no decimals)."""
    return None if value is None else str(value)


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def by_unit_code(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r.get("unit", ""))
