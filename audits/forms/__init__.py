"""Forms of the audit pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
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
from wtforms.widgets import CheckboxInput, ListWidget

from audits.labels import AUDIT_CONFORMITY, AUDIT_KIND, FINDING_KIND, TEAM_ROLE
from qms.forms.base import AppForm


def _choices(words: dict) -> list[tuple[str, object]]:
    return list(words.items())


EDITIONS = [("2015", "TCVN ISO 9001:2015"), ("2008", "TCVN ISO 9001:2008")]


class EmptyForm(AppForm):
    submit = SubmitField(_l("Confirm"))


class ProgrammeForm(AppForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    edition = SelectField(_l("Audit criteria"), choices=lambda: EDITIONS)
    objectives = TextAreaField(_l("Objectives"), validators=[Optional()])
    scope = TextAreaField(_l("Scope"), validators=[Optional()])
    notes = TextAreaField(_l("Notes (e.g. month of the management review)"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ProgrammeDecisionForm(AppForm):
    """A leader approves a submitted programme with the approving decision, or returns it."""

    decision = RadioField(
        _l("Decision"),
        choices=lambda: [("approve", _l("Approve the programme")), ("return", _l("Return it for changes"))],
        validators=[InputRequired()],
    )
    decision_number = StringField(
        _l("Number of the approving decision"), validators=[Optional(), Length(max=60)]
    )
    decision_date = DateField(_l("Date of the decision"), validators=[Optional()])
    comment = TextAreaField(_l("Comment (what must change)"), validators=[Optional()])
    submit = SubmitField(_l("Record the decision"))


class FollowUpPlanForm(AppForm):
    proposal_ids = SelectMultipleField(
        _l("Proposed follow-up audits"),
        coerce=int,
        validators=[Optional()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Plan follow-up audits"))


class AuditForm(AppForm):
    kind = SelectField(_l("Type"), choices=lambda: _choices(AUDIT_KIND))
    planned_start = DateField(_l("Start"), validators=[Optional()])
    planned_end = DateField(_l("End"), validators=[Optional()])
    unit_ids = SelectMultipleField(_l("Audited units"), coerce=int, validators=[Optional()])
    clause_ids = SelectMultipleField(_l("Clauses in scope"), coerce=int, validators=[Optional()])
    processes = TextAreaField(_l("Processes in scope"), validators=[Optional()])
    process_code = StringField(_l("Process code"), validators=[Optional(), Length(max=60)])
    objectives = TextAreaField(_l("Objectives"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class TeamForm(AppForm):
    user_id = SelectField(_l("Auditor"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=lambda: _choices(TEAM_ROLE))
    submit = SubmitField(_l("Add to the team"))


class AgendaForm(AppForm):
    day = DateField(_l("Day"), validators=[Optional()])
    time = StringField(_l("Time"), validators=[Optional(), Length(max=20)])
    activity = StringField(_l("Activity"), validators=[Optional()])
    auditee_contact = StringField(_l("Auditee contact"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Add"))


class TransitionForm(AppForm):
    action = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Optional()])
    report_date = DateField(_l("Date of the report"), validators=[Optional()])
    submit = SubmitField(_l("Confirm"))


class ConclusionForm(AppForm):
    """The lead auditor's conclusion of an audit."""

    conformity = RadioField(
        _l("Does the quality management system conform to the standard?"),
        choices=lambda: _choices(AUDIT_CONFORMITY),
        validators=[Optional()],
    )
    effective = RadioField(
        _l("Is it effectively implemented and maintained?"),
        choices=lambda: [("yes", _l("Yes")), ("no", _l("No"))],
        validators=[Optional()],
    )
    conclusion = TextAreaField(_l("Overall conclusion"), validators=[Optional()])
    strengths = TextAreaField(_l("Strengths"), validators=[Optional()])
    recommendations = TextAreaField(_l("Recommendations"), validators=[Optional()])
    submit = SubmitField(_l("Save the conclusion"))


class CompetenceForm(AppForm):
    title = StringField(_l("Training or certificate"), validators=[Optional(), Length(max=255)])
    certificate = StringField(_l("Certificate number"), validators=[Optional(), Length(max=120)])
    edition = SelectField(_l("Edition"), choices=lambda: EDITIONS)
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid to"), validators=[Optional()])
    submit = SubmitField(_l("Add"))


class FindingForm(AppForm):
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


class WithdrawForm(AppForm):
    reason = TextAreaField(_l("Why is the finding withdrawn?"), validators=[Optional()])
    submit = SubmitField(_l("Withdraw the finding"))


class AttachmentForm(AppForm):
    file = FileField(_l("File (photo, scan, PDF, Word, Excel)"), validators=[FileRequired()])
    submit = SubmitField(_l("Attach"))


class FindingsImportForm(AppForm):
    file = FileField(
        _l("File (.csv or .xlsx)"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("A .csv or .xlsx file, please."))],
    )
    submit = SubmitField(_l("Import"))


MAX_ACTION_ROWS = 50


class ActionRowForm(Form):
    """One row of the plan's actions: what, who (a user of the unit, or a name), by when."""

    id = HiddenField()
    what = TextAreaField(_l("Corrective action"), validators=[Optional()])
    owner_id = SelectField(_l("Who"), coerce=int, default=0, validate_choice=False)
    owner_name = StringField(
        _l("or name someone without an account"), validators=[Optional(), Length(max=200)]
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
    remove = BooleanField(_l("Remove"))


class PlanForm(AppForm):
    """The unit's whole answer in one form: correction, root cause with the 5 whys, and the actions."""

    version = HiddenField()
    correction = TextAreaField(_l("Correction (immediate fix)"), validators=[Optional()])
    root_cause = TextAreaField(_l("Root cause"), validators=[Optional()])
    whys = FieldList(StringField(_l("Why?"), validators=[Optional()]), min_entries=5, max_entries=20)
    actions = FieldList(FormField(ActionRowForm), min_entries=1, max_entries=MAX_ACTION_ROWS)
    save = SubmitField(_l("Save"))
    add_row = SubmitField(_l("Add a row"))
    submit_plan = SubmitField(_l("Save and submit for review"))


EMPTY_ACTION_ROWS = 2


class DoneForm(AppForm):
    done_on = DateField(_l("Done on"), validators=[Optional()])
    note = TextAreaField(_l("What was done"), validators=[Optional()])
    files = MultipleFileField(_l("Evidence files (optional)"))
    submit = SubmitField(_l("Mark done"))


class ReviewForm(AppForm):
    decision = RadioField(
        _l("Decision"),
        choices=lambda: [("accept", _l("Accept the plan")), ("return", _l("Return the plan"))],
        validators=[InputRequired()],
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional()])
    submit = SubmitField(_l("Record the review"))


class VerifyForm(AppForm):
    checked_on = DateField(_l("Date of verification"), validators=[Optional()])
    evidence = TextAreaField(_l("Evidence seen"), validators=[Optional()])
    effective = RadioField(
        _l("Effective?"),
        choices=lambda: [("yes", _l("Yes: close the finding")), ("no", _l("No: reopen it"))],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Record the verification"))


class ProposalForm(AppForm):
    decision = RadioField(
        _l("Decision"),
        choices=lambda: [("accept", _l("Plan a follow-up audit")), ("dismiss", _l("Dismiss"))],
        validators=[InputRequired()],
    )
    planned_start = DateField(_l("Start"), validators=[Optional()])
    planned_end = DateField(_l("End"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional()])
    submit = SubmitField(_l("Decide"))
