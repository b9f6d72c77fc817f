"""What the yearly report and the leadership pages read of management reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import extract, func, select

from audits.models.review import ManagementReview, ReviewDecision, ReviewStatus
from qms.extensions import db
from qms.models.issuing import IssuedDocument


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
    from audits.exports.review import NOTICE_SOURCE

    counts = (
        select(ReviewDecision.review_id, func.count(ReviewDecision.id).label("n"))
        .group_by(ReviewDecision.review_id)
        .subquery()
    )
    stmt = (
        select(ManagementReview, counts.c.n)
        .outerjoin(counts, counts.c.review_id == ManagementReview.id)
        .where(
            ManagementReview.status == ReviewStatus.HELD,
            extract("year", ManagementReview.held_on) == year,
            ManagementReview.unit_id.is_(None) if unit_id is None else ManagementReview.unit_id == unit_id,
        )
        .order_by(ManagementReview.held_on, ManagementReview.id)
    )
    rows = db.session.execute(stmt).all()
    notices: dict[str, IssuedDocument] = {}
    if rows:
        for document in db.session.scalars(
            select(IssuedDocument)
            .where(
                IssuedDocument.source == NOTICE_SOURCE,
                IssuedDocument.source_ref.in_([str(r.id) for r, _n in rows]),
            )
            .order_by(IssuedDocument.id)
        ):
            notices[document.source_ref] = document  # the latest issue wins
    found = []
    for review, n in rows:
        notice = notices.get(str(review.id))
        found.append(
            HeldReview(
                review_id=review.id,
                held_on=review.held_on,
                unit_id=review.unit_id,
                chair=review.chair,
                period_start=review.period_start,
                period_end=review.period_end,
                decisions=int(n or 0),
                notice_number=notice.number if notice else None,
                notice_date=notice.issued_on if notice else None,
            )
        )
    return found


def open_decisions(unit_ids: set[int] | None = None) -> dict[int, tuple[int, int]]:
    """Decisions of held reviews not yet done, per owner unit id: (open, overdue)."""
    from audits.services.review.core import count_open_decisions

    return count_open_decisions(unit_ids)
