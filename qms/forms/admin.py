from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from qms.forms.base import AppForm
from qms.labels import MAPPING_STATUS_LABELS, RELATION_LABELS
from qms.models.org import MemberRole, OrgRole, UnitKind
from qms.services.org import MIN_PASSWORD_LENGTH


def unit_kind_choices() -> list[tuple[str, str]]:
    labels = {
        UnitKind.CITY: _l("City People's Committee"),
        UnitKind.DEPARTMENT: _l("Specialised department"),
        UnitKind.COMMUNE: _l("Ward/commune People's Committee"),
        UnitKind.SERVICE_UNIT: _l("Public service unit"),
    }
    return [(k.value, labels[k]) for k in UnitKind]


def org_role_choices() -> list[tuple[str, str]]:
    labels = {
        OrgRole.ADMIN: _l("Administrator"),
        OrgRole.STEERING: _l("ISO steering committee"),
        OrgRole.AUDITOR: _l("Internal auditor"),
        OrgRole.LEADER: _l("Leadership"),
    }
    return [(r.value, labels[r]) for r in OrgRole]


def member_role_choices() -> list[tuple[str, str]]:
    return [(MemberRole.MANAGER.value, _l("Manager")), (MemberRole.MEMBER.value, _l("Member"))]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UnitForm(AppForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=unit_kind_choices, validators=[DataRequired()])
    parent_id = SelectField(_l("Parent unit"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class UserForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    # A callable: WTForms 3.3 deprecates a literal list of tuples (a warning at every form build).
    language = SelectField(_l("Language"), choices=lambda: [("vi", "Tiếng Việt"), ("en", "English")])
    roles = MultiCheckboxField(_l("Organisation-wide roles"), choices=org_role_choices)
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)]
    )


class SetPasswordForm(AppForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH)])
    submit = SubmitField(_l("Set password"))


class MembershipForm(AppForm):
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])
    role = SelectField(_l("Role in the unit"), choices=member_role_choices, validators=[DataRequired()])
    submit = SubmitField(_l("Add to unit"))


class MappingForm(AppForm):
    status = SelectField(_l("Status"), choices=lambda: list(MAPPING_STATUS_LABELS.items()))
    relation = SelectField(
        _l("Relation"),
        choices=lambda: list(RELATION_LABELS.items()),
        description=_l("How the 2008 requirement relates to the 2015 one: your judgement."),
    )
    note_vi = TextAreaField(
        _l("Note (Vietnamese)"),
        validators=[Length(max=2000)],
        description=_l("What changed between the editions, as Vietnamese users read it."),
    )
    alternatives_vi = TextAreaField(
        _l("Alternatives (Vietnamese)"),
        validators=[Length(max=2000)],
        description=_l("For a disputed correspondence: what the other sources propose, in Vietnamese."),
    )
    note = TextAreaField(
        _l("Note (English)"),
        validators=[Length(max=2000)],
        description=_l("What changed between the editions."),
    )
    alternatives = TextAreaField(
        _l("Alternatives (English)"),
        validators=[Length(max=2000)],
        description=_l("For a disputed correspondence: what the other sources propose."),
    )
    submit = SubmitField(_l("Save"))


class EmptyForm(AppForm):
    """A form with only the CSRF token, for POST buttons."""

    submit = SubmitField(_l("Confirm"))


def settings_form(specs, data: dict[str, str]) -> AppForm:  # type: ignore[no-untyped-def]
    """A form with one text field per organisation setting (qms/services/settings.py)."""

    class SettingsForm(AppForm):
        submit = SubmitField(_l("Save"))

    for spec in specs:
        setattr(
            SettingsForm,
            spec.key,
            StringField(spec.label, validators=[Optional(), Length(max=spec.max_length)]),
        )
    return SettingsForm(data=data)
