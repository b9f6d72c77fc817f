"""What the yearly report and the leadership pages read of management reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class HeldReview:
    """A management review that was held, as the yearly report mentions it."""

    review_id: int
    held_on: date
    unit_id: int | None  # None: the organisation's review
    chair: str
    period_start: date
    period_end: date
    decisions: int  # how many decisions it took
    notice_number: str | None  # "05/TB-BCĐ" when its notice of conclusions was issued
    notice_date: date | None


def held_reviews(year: int, unit_id: int | None = None) -> list[HeldReview]:
    """Reviews held in `year` (of the organisation when unit_id is None, else of that unit), by date."""
    return []


def open_decisions(unit_ids: set[int] | None = None) -> dict[int, tuple[int, int]]:
    """Decisions of held reviews not yet done, per owner unit id: (open, overdue)."""
    return {}
