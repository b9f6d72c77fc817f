"""The base of every form of the app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, StringField


def clean_text_fields(fields: Iterable[Field]) -> None:
    """A text field left out of a submitted form reads as empty text, as a blank input does, so the
    code after validation never meets None, or the edited record's own value of another type, where it
    expects the submitted string; NUL characters (which PostgreSQL cannot store) are dropped. Sub-forms
    included."""
    for field in fields:
        if isinstance(field, FormField):
            clean_text_fields(field.form)
        elif isinstance(field, FieldList):
            clean_text_fields(field.entries)
        elif isinstance(field, StringField):
            if not field.raw_data:
                field.data = ""
            elif isinstance(field.data, str) and "\x00" in field.data:
                field.data = field.data.replace("\x00", "")


class AppForm(FlaskForm):
    """A Flask-WTF form whose submitted text fields are always text (see clean_text_fields)."""

    def validate(self, extra_validators: Any = None) -> bool:
        clean_text_fields(self)
        return super().validate(extra_validators=extra_validators)
