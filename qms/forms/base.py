"""The base of every form of the app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, StringField


def blank_missing_text(fields: Iterable[Field]) -> None:
    """A text field left out of a submitted form reads as empty text, as a blank input does, so the
    code after validation never meets None, or the edited record's own value of another type, where it
    expects the submitted string (sub-forms included)."""
    for field in fields:
        if isinstance(field, FormField):
            blank_missing_text(field.form)
        elif isinstance(field, FieldList):
            blank_missing_text(field.entries)
        elif isinstance(field, StringField) and not field.raw_data:
            field.data = ""


class AppForm(FlaskForm):
    """A Flask-WTF form whose submitted text fields are never None."""

    def validate(self, extra_validators: Any = None) -> bool:
        blank_missing_text(self)
        return super().validate(extra_validators=extra_validators)
