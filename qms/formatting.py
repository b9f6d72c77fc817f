"""Figures and dates as users expect them: `58.053` and `97,95%` in Vietnamese, `58,053` and
`97.95%` in English; dates dd/mm/yyyy in Vietnamese and yyyy-mm-dd in English."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from flask import has_app_context
from flask_babel import get_locale, to_user_timezone

DATE_FORMATS = {"vi": "%d/%m/%Y", "en": "%Y-%m-%d"}


def current_lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in DATE_FORMATS else "vi"


def parse_day(text: str) -> date | None:
    """A day as people write it here (dd/mm/yyyy) or as a date field or spreadsheet cell gives it
    (yyyy-mm-dd); None when it is neither."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def fmt_date(value: date | datetime | None, lang: str | None = None) -> str:
    if value is None:
        return ""
    return value.strftime(DATE_FORMATS[lang or current_lang()])


def fmt_datetime(value: datetime | None, lang: str | None = None) -> str:
    """In the app's time zone (Asia/Ho_Chi_Minh); a naive value is taken as UTC, as stored."""
    if value is None:
        return ""
    if has_app_context():
        value = to_user_timezone(value)
    return f"{fmt_date(value, lang)} {value.strftime('%H:%M')}"


def fmt_number(value: int | float | Decimal | None, lang: str | None = None, decimals: int = 0) -> str:
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=lang or current_lang())


def fmt_percent(value: float | Decimal | None, lang: str | None = None, decimals: int = 2) -> str:
    """`value` is already a percentage (97.95 → '97,95%')."""
    if value is None:
        return ""
    return fmt_number(value, lang, decimals) + "%"


def fmt_measure(value: float | Decimal | None, unit_of_measure: str = "", lang: str | None = None) -> str:
    """A measured value or target in its unit: '1,07%' for '%', else '12 ngày' / '2,50 days'."""
    if value is None:
        return ""
    if unit_of_measure.strip() == "%":
        return fmt_percent(value, lang)
    decimals = 0 if Decimal(value) == Decimal(value).to_integral_value() else 2
    text = fmt_number(value, lang, decimals)
    return f"{text} {unit_of_measure.strip()}".strip()
