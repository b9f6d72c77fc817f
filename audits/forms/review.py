"""Forms of the management review pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from audits.labels import DECISION_KIND, REVIEW_INPUT_GROUPS
from qms.forms.base import AppForm


class ReviewForm(AppForm):
    """Date, chair, attendees, the period reviewed and the scope (0: the organisation)."""

    held_on = DateField(_l("Date of the review"), validators=[Optional()])
    chair = StringField(_l("Chair"), validators=[Optional(), Length(max=200)])
    attendees = TextAreaField(_l("Attendees"), validators=[Optional()])
    period_start = DateField(_l("Period from"), validators=[Optional()])
    period_end = DateField(_l("Period to"), validators=[Optional()])
    unit_id = SelectField(_l("Scope"), coerce=int, default=0)
    submit = SubmitField(_l("Save"))


class ReviewNotesForm(AppForm):
    """What was said on each input group, and the conclusions: saved with one button."""

    notes_actions = TextAreaField(REVIEW_INPUT_GROUPS["actions"], validators=[Optional()])
    notes_context = TextAreaField(REVIEW_INPUT_GROUPS["context"], validators=[Optional()])
    notes_performance = TextAreaField(REVIEW_INPUT_GROUPS["performance"], validators=[Optional()])
    notes_resources = TextAreaField(REVIEW_INPUT_GROUPS["resources"], validators=[Optional()])
    notes_risks = TextAreaField(REVIEW_INPUT_GROUPS["risks"], validators=[Optional()])
    notes_improvement = TextAreaField(REVIEW_INPUT_GROUPS["improvement"], validators=[Optional()])
    conclusions = TextAreaField(_l("Conclusions"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class DecisionForm(AppForm):
    kind = SelectField(_l("Kind"), choices=lambda: list(DECISION_KIND.items()))
    what = TextAreaField(_l("Decision"), validators=[Optional()])
    owner_unit_id = SelectField(_l("Owner unit"), coerce=int, default=0)
    owner_id = SelectField(_l("Owner (person)"), coerce=int, default=0)
    due_on = DateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Save the decision"))


class DecisionDoneForm(AppForm):
    done_on = DateField(_l("Done on"), validators=[Optional()])
    done_note = TextAreaField(_l("What was done"), validators=[Optional()])
    submit = SubmitField(_l("Mark as done"))


class ReopenForm(AppForm):
    reason = TextAreaField(_l("Reason for reopening"), validators=[Optional()])
    submit = SubmitField(_l("Reopen the review"))


class NoticeForm(AppForm):
    issued_on = DateField(_l("Date of issue"), validators=[Optional()])
    submit = SubmitField(_l("Issue the notice"))
