"""Forms for a unit's context issues, interested parties, risks and opportunities, and actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from qms.forms.base import AppForm
from qms.models.risks import IssueKind, RiskKind


def issue_kind_choices() -> list[tuple[str, str]]:
    from qms.services.risks import ISSUE_KIND_LABELS

    return [(k.value, ISSUE_KIND_LABELS[k]) for k in IssueKind]


def risk_kind_choices() -> list[tuple[str, str]]:
    from qms.services.risks import RISK_KIND_LABELS

    return [(k.value, RISK_KIND_LABELS[k]) for k in RiskKind]


class IssueForm(AppForm):
    kind = SelectField(_l("Kind"), choices=issue_kind_choices, validators=[DataRequired()])
    description = TextAreaField(_l("Issue description"), validators=[DataRequired()])
    review_date = DateField(_l("Review date"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class PartyForm(AppForm):
    name = StringField(_l("Interested party"), validators=[DataRequired(), Length(max=200)])
    needs = TextAreaField(_l("Needs and expectations"), validators=[DataRequired()])
    review_date = DateField(_l("Review date"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class RiskForm(AppForm):
    kind = SelectField(_l("Kind"), choices=risk_kind_choices, validators=[DataRequired()])
    title = StringField(_l("Risk or opportunity"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    likelihood = IntegerField(_l("Likelihood (1–5)"), validators=[InputRequired(), NumberRange(min=1, max=5)])
    impact = IntegerField(_l("Impact (1–5)"), validators=[InputRequired(), NumberRange(min=1, max=5)])
    owner = StringField(_l("Owner"), validators=[Optional(), Length(max=200)])
    review_date = DateField(_l("Review date"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ActionForm(AppForm):
    what = TextAreaField(_l("Action"), validators=[DataRequired()])
    owner = StringField(_l("Owner"), validators=[Optional(), Length(max=200)])
    due = DateField(_l("Due"), validators=[InputRequired()])
    done_on = DateField(_l("Done on"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
