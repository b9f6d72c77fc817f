"""Forms of the procedures area: a procedure, a step, approval and a link between processes."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from qms.forms.base import AppForm
from qms.models.processes import ProcessKind, StepKind


def process_kind_choices() -> list[tuple[str, str]]:
    labels = {
        ProcessKind.ADMINISTRATIVE: _l("Internal procedure for an administrative procedure"),
        ProcessKind.MANAGEMENT: _l("Management process"),
        ProcessKind.SUPPORT: _l("Support process"),
    }
    return [(k.value, labels[k]) for k in ProcessKind]


class ProcessForm(AppForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)], description="QT-TNMT-01")
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=process_kind_choices)
    time_limit_days = StringField(
        _l("Legal time limit (working days)"), validators=[Optional(), Length(max=10)]
    )
    purpose = TextAreaField(_l("1. Purpose"), render_kw={"rows": 3})
    scope = TextAreaField(_l("2. Scope"), render_kw={"rows": 3})
    references_text = TextAreaField(_l("3. References (one per line)"), render_kw={"rows": 4})
    clauses = StringField(_l("ISO 9001:2015 clauses (e.g. 4.4 8.1 8.5.1)"), validators=[Length(max=300)])
    definitions = TextAreaField(
        _l("4. Definitions and abbreviations (one 'term: meaning' per line)"), render_kw={"rows": 4}
    )
    forms_text = TextAreaField(_l("6. Forms (one 'code | name' per line)"), render_kw={"rows": 3})
    records_text = TextAreaField(
        _l("7. Records to keep (one 'name | where kept | retention | paper, electronic or both' per line)"),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Save"))


class StepForm(AppForm):
    kind = SelectField(
        _l("Kind of step"),
        choices=lambda: [
            (StepKind.TASK.value, _l("Task")),
            (StepKind.DECISION.value, _l("Decision (yes / no)")),
        ],
    )
    text = TextAreaField(
        _l("What is done (for a decision: the condition)"), validators=[DataRequired()], render_kw={"rows": 2}
    )
    responsible = StringField(_l("Responsible (unit or role)"), validators=[Length(max=200)])
    days = StringField(
        _l("Working days (halves allowed, e.g. 0.5)"), default="0", validators=[Length(max=10)]
    )
    output = StringField(_l("Form or record produced"), validators=[Length(max=300)])
    next_step_id = SelectField(_l("Next step (for a task)"), validate_choice=False)
    yes_step_id = SelectField(_l("If yes, go to (for a decision)"), validate_choice=False)
    no_step_id = SelectField(_l("If no, go to (for a decision)"), validate_choice=False)
    submit = SubmitField(_l("Save step"))


class ApproveForm(AppForm):
    effective_date = DateField(_l("Effective date"), validators=[DataRequired()])
    submit = SubmitField(_l("Approve"))


class LinkForm(AppForm):
    target_id = SelectField(_l("Its output goes to"), validate_choice=False)
    label = StringField(_l("What passes (output → input)"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Add link"))
