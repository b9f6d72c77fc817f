"""Reporting periods: a year `2018`, a quarter `2018-Q3` or a month `2018-07`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext as _

from qms.services.errors import DomainError

MIN_YEAR, MAX_YEAR = 1990, 2100
_PERIOD_RE = re.compile(r"^(\d{4})(?:-(?:[Qq]([1-4])|(\d{1,2})))?$")


class Granularity(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    year: int
    granularity: Granularity
    index: int = 0  # the quarter 1–4 or the month 1–12; 0 for a year

    def __str__(self) -> str:
        if self.granularity == Granularity.QUARTER:
            return f"{self.year}-Q{self.index}"
        if self.granularity == Granularity.MONTH:
            return f"{self.year}-{self.index:02d}"
        return str(self.year)

    @property
    def last_month(self) -> int:
        if self.granularity == Granularity.QUARTER:
            return self.index * 3
        if self.granularity == Granularity.MONTH:
            return self.index
        return 12

    @property
    def months(self) -> int:
        return {Granularity.YEAR: 12, Granularity.QUARTER: 3, Granularity.MONTH: 1}[self.granularity]

    def previous(self) -> Period:
        """The period of the same length just before: 2018 → 2017, 2018-Q1 → 2017-Q4, 2018-07 → 2018-06."""
        if self.granularity == Granularity.YEAR:
            return Period(self.year - 1, self.granularity)
        last = 4 if self.granularity == Granularity.QUARTER else 12
        if self.index == 1:
            return Period(self.year - 1, self.granularity, last)
        return Period(self.year, self.granularity, self.index - 1)

    def sort_key(self) -> tuple[int, int, int]:
        """Chronological by the period's end; a year before the quarter and month ending with it."""
        return (self.year, self.last_month, -self.months)


def parse_period(text: str | None, *, field: str = "period") -> Period:
    """'2018', '2018-Q3', '2018-q3', '2018-07' or '2018-7'; anything else is refused."""
    raw = (text or "").strip()
    match = _PERIOD_RE.match(raw)
    if not match:
        raise DomainError(
            _("'%(value)s' is not a period: write 2018, 2018-Q3 or 2018-07.", value=raw), field=field
        )
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            _("The year must lie between %(min)s and %(max)s.", min=MIN_YEAR, max=MAX_YEAR), field=field
        )
    if match.group(2):
        return Period(year, Granularity.QUARTER, int(match.group(2)))
    if match.group(3):
        month = int(match.group(3))
        if not 1 <= month <= 12:
            raise DomainError(_("'%(value)s' is not a month of the year.", value=raw), field=field)
        return Period(year, Granularity.MONTH, month)
    return Period(year, Granularity.YEAR)


def normalise(text: str) -> str:
    return str(parse_period(text))


def sort_periods(periods: list[str]) -> list[str]:
    return sorted(periods, key=lambda p: parse_period(p).sort_key())


def check_year(year: int | None, *, field: str = "year") -> int:
    if year is None:
        raise DomainError(_("A year is required."), field=field)
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise DomainError(
            _("The year must lie between %(min)s and %(max)s.", min=MIN_YEAR, max=MAX_YEAR), field=field
        )
    return int(year)
