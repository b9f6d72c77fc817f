"""Forms of the transition: opening and editing it, a unit's owner, an item, evidence, a plan step."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from qms.forms.admin import MultiCheckboxField
from qms.forms.base import AppForm
from qms.models.transition import ItemStatus


def item_status_choices() -> list[tuple[str, str]]:
    from qms.services.transition import ITEM_STATUS_LABELS

    return [(s.value, ITEM_STATUS_LABELS[s]) for s in ItemStatus]


def _optional_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class TransitionForm(AppForm):
    """Opening the transition, and steering's later edits (title, target, scope, responsible)."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)])
    target_date = DateField(_l("Target date"), validators=[InputRequired()])
    units = MultiCheckboxField(_l("Units in scope"), coerce=int, validators=[Optional()])
    responsible_id = SelectField(_l("Responsible"), coerce=_optional_int, validators=[Optional()])
    submit = SubmitField(_l("Save"))


class OwnerForm(AppForm):
    owner_id = SelectField(_l("Owner"), coerce=_optional_int, validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ItemForm(AppForm):
    status = SelectField(_l("Status"), choices=item_status_choices, validators=[DataRequired()])
    owner_id = SelectField(_l("Owner"), coerce=_optional_int, validators=[Optional()])
    due = DateField(_l("Due"), validators=[Optional()])
    notes = TextAreaField(
        _l("Notes"),
        validators=[Optional()],
        description=_l("How the requirement is met, or why it does not apply."),
    )
    submit = SubmitField(_l("Save"))


class RecordEvidenceForm(AppForm):
    kind = HiddenField()
    record_id = SelectField(_l("Record"), coerce=_optional_int, validators=[Optional()])
    submit = SubmitField(_l("Attach"))


class FileEvidenceForm(AppForm):
    file = FileField(_l("File"), description=_l("PDF, Word, Excel, OpenDocument text, PNG or JPEG."))
    submit = SubmitField(_l("Upload"))


class StepForm(AppForm):
    what = TextAreaField(_l("What"), validators=[DataRequired()])
    who = StringField(_l("Who"), validators=[Optional(), Length(max=300)])
    due = DateField(_l("Due"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
