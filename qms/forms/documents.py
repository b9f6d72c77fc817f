"""Forms for controlled documents and legal texts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from qms.forms.base import AppForm
from qms.models.documents import DocumentKind
from qms.models.legal import LegalStatus


def document_kind_choices() -> list[tuple[str, str]]:
    from qms.services.documents import KIND_LABELS

    return [(k.value, KIND_LABELS[k]) for k in DocumentKind]


def legal_status_choices() -> list[tuple[str, str]]:
    from qms.services.legal import STATUS_LABELS

    return [(s.value, STATUS_LABELS[s]) for s in LegalStatus]


class DocumentForm(AppForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=document_kind_choices, validators=[DataRequired()])
    issue_date = DateField(_l("Issue date"), validators=[Optional()])
    approver = StringField(_l("Approver"), validators=[Optional(), Length(max=200)])
    review_due = DateField(_l("Review due"), validators=[Optional()])
    clauses = StringField(
        _l("ISO 9001:2015 clauses"),
        validators=[Optional(), Length(max=500)],
        description=_l("Clause numbers separated by commas, e.g. 7.5, 8.2.1"),
    )
    file = FileField(
        _l("File"),
        description=_l("PDF, Word, Excel, OpenDocument text, PNG or JPEG."),
    )
    submit = SubmitField(_l("Save"))


class LegalTextForm(AppForm):
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=60)])
    title = TextAreaField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=200)])
    issued_on = DateField(_l("Date issued"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=legal_status_choices, validators=[DataRequired()])
    replaced_by_id = SelectField(_l("Replaced or amended by"), coerce=int, validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class CiteForm(AppForm):
    legal_text_id = SelectField(_l("Legal text"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Cite"))
