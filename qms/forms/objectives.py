"""Forms of the quality policy, objectives, measurements, case statistics and satisfaction index."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from qms.forms.base import AppForm
from qms.forms.fields import BoundedIntegerField
from qms.models.objectives import Source
from qms.services.objectives import SOURCE_LABELS

PERIOD_HELP = _l("2018 (year), 2018-Q3 (quarter) or 2018-07 (month)")


def direction_choices() -> list[tuple[str, str]]:
    return [("<=", _l("≤ at most")), (">=", _l("≥ at least"))]


def source_choices() -> list[tuple[str, str]]:
    return [(s.value, SOURCE_LABELS[s]) for s in Source]


class PolicyForm(AppForm):
    text = TextAreaField(_l("Quality policy"), validators=[DataRequired()], render_kw={"rows": 8})
    approved_by = StringField(_l("Approved by"), validators=[Optional(), Length(max=200)])
    approved_on = DateField(_l("Approved on"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ObjectiveForm(AppForm):
    year = BoundedIntegerField(_l("Year"), validators=[InputRequired()])
    statement = TextAreaField(_l("Objective"), validators=[DataRequired()], render_kw={"rows": 2})
    indicator = StringField(_l("Indicator"), validators=[DataRequired(), Length(max=255)])
    direction = SelectField(_l("Direction"), choices=direction_choices)
    target = DecimalField(_l("Target"), places=None, validators=[InputRequired()])
    unit_of_measure = StringField(_l("Unit of measure"), default="%", validators=[Length(max=40)])
    source = SelectField(_l("Measured from"), choices=source_choices)
    include_sub_units = BooleanField(_l("Include the figures of sub-units"))
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    process_code = StringField(_l("Process served (code)"), validators=[Optional(), Length(max=60)])
    plan_actions = TextAreaField(_l("What will be done"), render_kw={"rows": 3})
    plan_resources = TextAreaField(_l("Resources required"), render_kw={"rows": 2})
    plan_responsible = StringField(_l("Who is responsible"), validators=[Optional(), Length(max=255)])
    plan_due = DateField(_l("By when"), validators=[Optional()])
    plan_evaluation = TextAreaField(_l("How results are evaluated"), render_kw={"rows": 2})
    submit = SubmitField(_l("Save"))


class MeasurementForm(AppForm):
    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=10)])
    value = DecimalField(_l("Measured value"), places=None, validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record"))


class CaseStatisticsForm(AppForm):
    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=10)])
    received = BoundedIntegerField(_l("Dossiers received"), validators=[InputRequired()])
    resolved = BoundedIntegerField(_l("Dossiers resolved"), validators=[InputRequired()])
    on_time = BoundedIntegerField(_l("Resolved early or on time"), validators=[InputRequired()])
    late = BoundedIntegerField(_l("Resolved late"), validators=[InputRequired()])
    online_eligible = BoundedIntegerField(
        _l("Dossiers of procedures offered online"), default=0, validators=[InputRequired()]
    )
    online = BoundedIntegerField(_l("Dossiers received online"), default=0, validators=[InputRequired()])
    submit = SubmitField(_l("Save"))


class SatisfactionForm(AppForm):
    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=10)])
    index_percent = DecimalField(_l("Satisfaction index (%)"), places=None, validators=[InputRequired()])
    respondents = BoundedIntegerField(_l("Respondents"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
