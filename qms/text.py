"""Stored text is clean and bounded, whichever way it comes in (form, import, CLI, API, service).

One attribute listener on every String/Text column of every model: the value is put in Unicode NFC
(so "Phòng" typed as one code point per letter or as letter + combining mark is the same text and the
same duplicate), control characters that no document format can hold are dropped (tab and line breaks
stay), and a value longer than its column (`String(n)`) or than MAX_TEXT (free text, `Text`) is refused
with a DomainError naming the field, which views show next to the form field of that name. The web
request's form values and imported cells are put in NFC too, so duplicate checks that compare the
input with stored text before anything is stored compare like with like.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask import Request
from flask_babel import gettext as _
from sqlalchemy import String, Text, event
from sqlalchemy.orm import ColumnProperty, InstrumentedAttribute, Mapper
from werkzeug.datastructures import ImmutableMultiDict

from qms.formatting import fmt_number
from qms.services.errors import DomainError

MAX_TEXT = 20_000  # characters of one free-text field (a statement, notes, a plan)
# C0 control characters other than tab, line feed and carriage return: XML (.docx, .xlsx) refuses them
# and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: str) -> str:
    """`value` in NFC without control characters."""
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return value


def limit_of(attribute: InstrumentedAttribute[Any]) -> int:
    """How many characters a model attribute holds: its column length, or MAX_TEXT for free text."""
    column = attribute.property.columns[0]  # type: ignore[attr-defined]
    length = getattr(column.type, "length", None)
    return int(length) if length else MAX_TEXT


def too_long(limit: int, length: int) -> str:
    return _(
        "At most %(limit)s characters (%(length)s given).", limit=fmt_number(limit), length=fmt_number(length)
    )


def _bounded_setter(key: str, limit: int) -> Any:
    def on_set(_target: object, value: object, _old: object, _initiator: object) -> object:
        if not isinstance(value, str):
            return value
        value = clean(value)
        if len(value) > limit:
            raise DomainError(too_long(limit, len(value)), field=key)
        return value

    return on_set


def _instrument(mapper: Mapper[Any], cls: type) -> None:
    for prop in mapper.column_attrs:
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
            continue
        column_type = prop.columns[0].type
        if not isinstance(column_type, String):  # Text and Enum are Strings too
            continue
        limit = column_type.length or (MAX_TEXT if isinstance(column_type, Text) else None)
        attribute = getattr(cls, prop.key)
        listener = _bounded_setter(prop.key, limit or 10**9)
        event.listen(attribute, "set", listener, retval=True)


_installed: set[type] = set()


def install(base: type) -> None:
    """Instrument every model mapped on `base`: those mapped now, and any mapped later (once SQLAlchemy
    configures it)."""
    if not event.contains(Mapper, "after_configured", _configured):
        _bases.append(base)
        event.listen(Mapper, "after_configured", _configured)
    _instrument_all(base)


_bases: list[type] = []


def _configured() -> None:
    for base in _bases:
        _instrument_all(base)


def _instrument_all(base: type) -> None:
    for mapper in base.registry.mappers:  # type: ignore[attr-defined]
        cls = mapper.class_
        if cls in _installed:
            continue
        _installed.add(cls)
        _instrument(mapper, cls)


class CleanRequest(Request):
    """Form values in NFC without control characters, for every view and form."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form:
            self.__dict__["form"] = ImmutableMultiDict(
                [(key, clean(value)) for key, value in form.items(multi=True)]
            )
