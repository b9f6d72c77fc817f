"""Forms for remapping stored 2008 clause references."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from qms.forms.base import AppForm


class BulkAcceptForm(AppForm):
    """The checked rows of a list, accepted as proposed in one go."""

    refs = SelectMultipleField(_l("References"), choices=[], validate_choice=False)
    back = HiddenField()
    submit = SubmitField(_l("Accept the selected proposals"))


class DecideForm(AppForm):
    """One reference: the 2015 clause(s) it becomes and why."""

    clauses = SelectMultipleField(_l("ISO 9001:2015 clauses"), choices=[], validate_choice=False)
    comment = TextAreaField(_l("Comment (why these clauses)"), validators=[Optional(), Length(max=2000)])
    back = HiddenField()
    submit = SubmitField(_l("Accept"))


class UndoForm(AppForm):
    back = HiddenField()
    submit = SubmitField(_l("Undo"))
