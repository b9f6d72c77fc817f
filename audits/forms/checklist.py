"""Forms of the checklist (all its rows in one form) and of the question bank."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from audits.forms import EDITIONS
from audits.labels import CHECKLIST_RESULT
from qms.forms.base import AppForm


class ChecklistRowForm(Form):
    """One question of the checklist: a sub-form, the page's form carries the CSRF token."""

    item_id = HiddenField()
    question = TextAreaField(_l("Question"), validators=[Optional()])
    result = SelectField(_l("Result"), choices=lambda: [("", "—"), *CHECKLIST_RESULT.items()])
    notes = TextAreaField(_l("Evidence notes"), validators=[Optional()])


class ChecklistForm(AppForm):
    """The whole checklist: every row is saved with one button; the question typed in the "add" fields
    is added by the second button, together with the rows' edits."""

    rows = FieldList(FormField(ChecklistRowForm))
    new_question = TextAreaField(_l("Question"), validators=[Optional()])
    new_clause_id = SelectField(_l("Clause"), coerce=int, default=0, validators=[Optional()])
    save = SubmitField(_l("Save the checklist"))
    add = SubmitField(_l("Add the question"))


class BankFilterForm(AppForm):
    class Meta:
        csrf = False

    edition = SelectField(_l("Edition"), choices=lambda: EDITIONS)
    clause = StringField(_l("Clause (number)"), validators=[Optional(), Length(max=20)])


class BankQuestionForm(AppForm):
    edition = SelectField(_l("Edition"), choices=lambda: EDITIONS)
    clause = StringField(_l("Clause (number)"), validators=[Optional(), Length(max=20)])
    question_vi = TextAreaField(_l("Question (Vietnamese)"), validators=[Optional()])
    question_en = TextAreaField(_l("Question (English)"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class BankQuestionEditForm(AppForm):
    question_vi = TextAreaField(_l("Question (Vietnamese)"), validators=[Optional()])
    question_en = TextAreaField(_l("Question (English)"), validators=[Optional()])
    active = BooleanField(_l("Active (used when checklists are generated)"))
    submit = SubmitField(_l("Save"))
