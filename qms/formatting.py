"""Figures and dates as users expect them: `58.053` and `97,95%` in Vietnamese, `58,053` and
`97.95%` in English; dates dd/mm/yyyy in Vietnamese and yyyy-mm-dd in English."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import get_locale

DATE_FORMATS = {"vi": "%d/%m/%Y", "en": "%Y-%m-%d"}


def current_lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in DATE_FORMATS else "vi"


def fmt_date(value: date | datetime | None, lang: str | None = None) -> str:
    if value is None:
        return ""
    return value.strftime(DATE_FORMATS[lang or current_lang()])


def fmt_datetime(value: datetime | None, lang: str | None = None) -> str:
    if value is None:
        return ""
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
