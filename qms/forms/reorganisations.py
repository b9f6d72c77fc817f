"""Forms of the reorganisation screens: the legal act of a draft, and one move at a time."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from qms import labels
from qms.forms.admin import MultiCheckboxField, unit_kind_choices
from qms.forms.base import AppForm
from qms.models.reorganisation import MoveKind
from qms.services.reorganisation.kinds import OWN_KINDS, present


class ReorganisationForm(AppForm):
    legal_basis = StringField(
        _l("Legal basis"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("The legal act the reorganisation follows, e.g. Nghị quyết 1196/NQ-UBTVQH15."),
    )
    legal_act_date = DateField(_l("Date of the legal act"), validators=[Optional()])
    effective_on = DateField(_l("Effective date"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save"))


def move_kind_choices() -> list[tuple[str, str]]:
    return [(k.value, labels.value("reorganisation_move", "kind", k.value)) for k in MoveKind]


def new_kind_choices() -> list[tuple[str, str]]:
    return [("", "—"), *unit_kind_choices()]


def record_kind_choices() -> list[tuple[str, str]]:
    return [(k.key, str(k.label)) for k in present(OWN_KINDS) if k.moves is not None]


class MoveForm(AppForm):
    """One move; the unit lists are set by the view (the units that exist on the effective date)."""

    kind = SelectField(_l("Kind of move"), choices=move_kind_choices, validators=[DataRequired()])
    source = SelectField(_l("Unit"), coerce=int, validators=[Optional()])
    target = SelectField(
        _l("Successor"),
        coerce=int,
        validators=[Optional()],
        description=_l("An existing unit, or leave it empty and describe the new unit below."),
    )
    new_code = StringField(_l("New code"), validators=[Optional(), Length(max=40)])
    new_name = StringField(_l("New name"), validators=[Optional(), Length(max=200)])
    new_kind = SelectField(_l("New kind"), choices=new_kind_choices, validators=[Optional()])
    new_parent = SelectField(_l("New parent unit"), coerce=int, validators=[Optional()])
    record_kinds = MultiCheckboxField(
        _l("Records received"),
        choices=record_kind_choices,
        description=_l("For a split: the kinds of record this successor receives."),
    )
    submit = SubmitField(_l("Add the move"))
