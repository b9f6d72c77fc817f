"""The 2008 ↔ 2015 correspondence table: the document an auditor keeps beside the standard.

A reference table, not an issued document: it has no number, recipients or signature, so it is built
on `iso_document()`/`iso_header()` (the organisation's header repeated on every page, as on the
procedure documents) rather than on the Decree 30 layout of `begin()`/`finish()`. Landscape, for six
columns of text.
"""

from __future__ import annotations

from datetime import date

from docx.document import Document as DocumentType
from flask_babel import gettext as _

from qms import labels
from qms.exports.document import heading, paragraph, table
from qms.exports.layout import iso_document, iso_header
from qms.formatting import fmt_date
from qms.models.clauses import Clause, ClauseMapping, Edition
from qms.services import reference, settings
from qms.services.errors import DomainError

DIRECTIONS = (Edition.ISO_2015.value, Edition.ISO_2008.value)  # 2015 → 2008 first
WIDTHS_CM = [1.6, 4.6, 5.0, 2.4, 4.3, 6.8]  # 24.7 cm: A4 landscape less the margins


def _counterpart(mapping: ClauseMapping, other: str, lang: str) -> str:
    clause: Clause | None = getattr(mapping, other)
    if clause is None:
        return "—"
    title = clause.title(lang)
    return f"{clause.number} {title}".strip()


def _notes(mapping: ClauseMapping, lang: str) -> str:
    note = mapping.note_in(lang)
    alternatives = mapping.alternatives_in(lang)
    parts = [note] if note else []
    if alternatives:
        parts.append(_("Alternatives: %(alternatives)s", alternatives=alternatives))
    return "\n".join(parts)


def _rows(from_edition: str, lang: str) -> list[tuple[str, ...]]:
    from_2008 = from_edition == Edition.ISO_2008
    other = "clause_2015" if from_2008 else "clause_2008"
    rows: list[tuple[str, ...]] = []
    for entry in reference.correspondence_table(from_edition):
        clause = entry.clause
        own = f"{clause.edition} {clause.number}"
        dropped = clause.dropped(lang) if from_2008 else ""
        dropped_note = _("No longer required in ISO 9001:2015: %(text)s", text=dropped) if dropped else ""
        if not entry.mappings:
            rows.append((clause.number, clause.title(lang), "—", "", "", dropped_note))
            continue
        for i, mapping in enumerate(entry.mappings):
            counterpart = getattr(mapping, other)
            other_name = f"{counterpart.edition} {counterpart.number}" if counterpart else ""
            notes = _notes(mapping, lang)
            if i == 0 and dropped_note:
                notes = f"{dropped_note}\n{notes}" if notes else dropped_note
            rows.append(
                (
                    clause.number,
                    clause.title(lang),
                    _counterpart(mapping, other, lang),
                    labels.mapping_status(mapping.status),
                    labels.relation_sentence(mapping.relation, own, other_name, own_is_2008=from_2008),
                    notes,
                )
            )
    return rows


def correspondence_document(
    lang: str, *, from_edition: str | None = None, today: date | None = None
) -> DocumentType:
    """Both directions (2015 → 2008, then 2008 → 2015), or the one `from_edition` names.

    Call inside the language's locale (the web request's, or `force_locale` in the CLI)."""
    if from_edition is not None and from_edition not in DIRECTIONS:
        raise DomainError(
            _("Unknown edition: %(edition)s (2008 or 2015).", edition=from_edition), field="from_edition"
        )
    directions = [from_edition] if from_edition else list(DIRECTIONS)
    title = _("Correspondence between ISO 9001:2008 and ISO 9001:2015")
    doc = iso_document(title, landscape=True)
    iso_header(
        doc,
        body_name=settings.superior_body(),
        kind=_("Reference table"),
        title=title,
        facts=[
            (_("Standard"), "TCVN ISO 9001:2015 / TCVN ISO 9001:2008"),
            (_("Date"), fmt_date(today or date.today(), lang)),
        ],
    )
    paragraph(doc, _("How to read the table"), bold=True)
    for value in labels.MAPPING_STATUS_LABELS:
        paragraph(doc, f"{labels.mapping_status(value)}: {labels.mapping_status_explanation(value)}")
    paragraph(doc, str(labels.RELATION_IS_A_JUDGEMENT), italic=True)
    header = [
        _("Clause"),
        _("Title"),
        _("Counterpart"),
        _("Status"),
        _("Relation"),
        _("Notes"),
    ]
    for number, edition in enumerate(directions, 1):
        target = Edition.ISO_2008.value if edition == Edition.ISO_2015 else Edition.ISO_2015.value
        heading(
            doc,
            _(
                "%(n)s. From ISO 9001:%(source)s to ISO 9001:%(target)s",
                n=number,
                source=edition,
                target=target,
            ),
            1,
        )
        table(doc, header, _rows(edition, lang), widths_cm=WIDTHS_CM, font_size=10)
    return doc
