"""Forms of the audit pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from audits.labels import AUDIT_KIND, CHECKLIST_RESULT, FINDING_KIND, TEAM_ROLE


def _choices(words: dict) -> list[tuple[str, object]]:
    return list(words.items())


EDITIONS = [("2015", "TCVN ISO 9001:2015"), ("2008", "TCVN ISO 9001:2008")]


class EmptyForm(FlaskForm):
    submit = SubmitField(_l("Confirm"))


class ProgrammeForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    edition = SelectField(_l("Audit criteria"), choices=lambda: EDITIONS)
    objectives = TextAreaField(_l("Objectives"), validators=[Optional()])
    scope = TextAreaField(_l("Scope"), validators=[Optional()])
    notes = TextAreaField(_l("Notes (e.g. month of the management review)"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class AuditForm(FlaskForm):
    kind = SelectField(_l("Type"), choices=lambda: _choices(AUDIT_KIND))
    planned_start = DateField(_l("Start"), validators=[Optional()])
    planned_end = DateField(_l("End"), validators=[Optional()])
    unit_ids = SelectMultipleField(_l("Audited units"), coerce=int, validators=[Optional()])
    clause_ids = SelectMultipleField(_l("Clauses in scope"), coerce=int, validators=[Optional()])
    processes = TextAreaField(_l("Processes in scope"), validators=[Optional()])
    process_code = StringField(_l("Process code"), validators=[Optional(), Length(max=60)])
    objectives = TextAreaField(_l("Objectives"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class TeamForm(FlaskForm):
    user_id = SelectField(_l("Auditor"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=lambda: _choices(TEAM_ROLE))
    submit = SubmitField(_l("Add to the team"))


class AgendaForm(FlaskForm):
    day = DateField(_l("Day"), validators=[Optional()])
    time = StringField(_l("Time"), validators=[Optional(), Length(max=20)])
    activity = StringField(_l("Activity"), validators=[Optional()])
    auditee_contact = StringField(_l("Auditee contact"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Add"))


class TransitionForm(FlaskForm):
    action = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional()])
    submit = SubmitField(_l("Confirm"))


class CompetenceForm(FlaskForm):
    title = StringField(_l("Training or certificate"), validators=[Optional(), Length(max=255)])
    certificate = StringField(_l("Certificate number"), validators=[Optional(), Length(max=120)])
    edition = SelectField(_l("Edition"), choices=lambda: EDITIONS)
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid to"), validators=[Optional()])
    submit = SubmitField(_l("Add"))


class ChecklistAddForm(FlaskForm):
    question = TextAreaField(_l("Question"), validators=[Optional()])
    clause_id = SelectField(_l("Clause"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Add a question"))


class ChecklistItemForm(FlaskForm):
    question = TextAreaField(_l("Question"), validators=[Optional()])
    result = SelectField(_l("Result"), choices=lambda: [("", "—"), *_choices(CHECKLIST_RESULT)])
    notes = TextAreaField(_l("Evidence notes"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class FindingForm(FlaskForm):
    version = HiddenField()
    kind = SelectField(_l("Kind"), choices=lambda: _choices(FINDING_KIND))
    unit_id = SelectField(_l("Unit"), coerce=int)
    edition = SelectField(_l("Edition"), choices=lambda: EDITIONS)
    clause = StringField(_l("Clause (number)"), validators=[Optional(), Length(max=20)])
    process_code = StringField(_l("Process"), validators=[Optional(), Length(max=60)])
    requirement = TextAreaField(_l("Requirement (criterion)"), validators=[Optional()])
    evidence = TextAreaField(_l("Evidence"), validators=[Optional()])
    statement = TextAreaField(_l("Statement"), validators=[Optional()])
    raised_on = DateField(_l("Raised on"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why is the finding withdrawn?"), validators=[Optional()])
    submit = SubmitField(_l("Withdraw the finding"))


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (photo, scan, PDF, Word, Excel)"), validators=[FileRequired()])
    submit = SubmitField(_l("Attach"))


class PlanForm(FlaskForm):
    version = HiddenField()
    correction = TextAreaField(_l("Correction (immediate fix)"), validators=[Optional()])
    root_cause = TextAreaField(_l("Root cause"), validators=[Optional()])
    whys = TextAreaField(_l("5 whys (one answer a line, optional)"), validators=[Optional()])
    submit = SubmitField(_l("Save the plan"))


class ActionForm(FlaskForm):
    what = TextAreaField(_l("Corrective action"), validators=[Optional()])
    owner_name = StringField(_l("Who"), validators=[Optional(), Length(max=200)])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Add the action"))


class DoneForm(FlaskForm):
    done_on = DateField(_l("Done on"), validators=[Optional()])
    submit = SubmitField(_l("Mark done"))


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=lambda: [("accept", _l("Accept the plan")), ("return", _l("Return the plan"))],
        validators=[InputRequired()],
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional()])
    submit = SubmitField(_l("Record the review"))


class VerifyForm(FlaskForm):
    checked_on = DateField(_l("Date of verification"), validators=[Optional()])
    evidence = TextAreaField(_l("Evidence seen"), validators=[Optional()])
    effective = RadioField(
        _l("Effective?"),
        choices=lambda: [("yes", _l("Yes: close the finding")), ("no", _l("No: reopen it"))],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Record the verification"))


class ProposalForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=lambda: [("accept", _l("Plan a follow-up audit")), ("dismiss", _l("Dismiss"))],
        validators=[InputRequired()],
    )
    planned_start = DateField(_l("Start"), validators=[Optional()])
    planned_end = DateField(_l("End"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional()])
    submit = SubmitField(_l("Decide"))
