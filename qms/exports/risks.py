"""The unit's context, interested parties and risk register (ISO 9001:2015 4.1, 4.2, 6.1) in Word."""

from __future__ import annotations

from datetime import date

from docx.document import Document as DocumentType
from flask_babel import gettext as _

from qms.exports.document import heading, paragraph, table
from qms.exports.layout import iso_document, iso_header
from qms.formatting import fmt_date
from qms.models.org import Unit
from qms.models.risks import LEVEL_THRESHOLDS, ContextIssue
from qms.services import risks
from qms.services.risks import LEVEL_LABELS, RISK_KIND_LABELS


def _issues_table(doc: DocumentType, issues: list[ContextIssue], lang: str) -> None:
    if not issues:
        paragraph(doc, _("None recorded."), italic=True)
        return
    table(
        doc,
        [_("No."), _("Issue description"), _("Review date")],
        [(i, issue.description, fmt_date(issue.review_date, lang)) for i, issue in enumerate(issues, 1)],
        widths_cm=[1.2, 19.0, 3.5],
    )


def risk_register(unit: Unit, lang: str, *, today: date | None = None) -> DocumentType:
    """Call inside the language's locale (the web request's, or `force_locale` in the CLI)."""
    today = today or date.today()
    reg = risks.register_of(unit)
    title = _("Context, interested parties, risks and opportunities")
    doc = iso_document(f"{title} — {unit.code}", landscape=True)
    iso_header(
        doc,
        body_name=unit.name,
        kind=_("Risk register"),
        title=title,
        facts=[
            (_("Unit"), unit.code),
            (_("Standard"), "TCVN ISO 9001:2015 — 4.1, 4.2, 6.1"),
            (_("Date"), fmt_date(today, lang)),
        ],
    )

    heading(doc, _("1. Context of the unit: internal and external issues"), 1)
    heading(doc, _("1.1. Internal issues"), 2)
    _issues_table(doc, reg.internal, lang)
    heading(doc, _("1.2. External issues"), 2)
    _issues_table(doc, reg.external, lang)

    heading(doc, _("2. Interested parties and their needs and expectations"), 1)
    if reg.parties:
        table(
            doc,
            [_("No."), _("Interested party"), _("Needs and expectations"), _("Review date")],
            [(i, p.name, p.needs, fmt_date(p.review_date, lang)) for i, p in enumerate(reg.parties, 1)],
            widths_cm=[1.2, 6.0, 13.0, 3.5],
        )
    else:
        paragraph(doc, _("None recorded."), italic=True)

    heading(doc, _("3. Risks and opportunities"), 1)
    bands = ", ".join(
        f"{low}–{high}: {LEVEL_LABELS[level]}"
        for (low, (high, level)) in zip(
            [1] + [ceiling + 1 for ceiling, _level in LEVEL_THRESHOLDS[:-1]], LEVEL_THRESHOLDS, strict=True
        )
    )
    paragraph(
        doc, _("Score = likelihood × impact, each rated 1 to 5. Levels: %(bands)s.", bands=bands), italic=True
    )
    register = reg.risks + reg.opportunities
    if register:
        table(
            doc,
            [
                _("No."),
                _("Kind"),
                _("Risk or opportunity"),
                _("Likelihood"),
                _("Impact"),
                _("Score"),
                _("Level"),
                _("Owner"),
                _("Review date"),
            ],
            [
                (
                    i,
                    RISK_KIND_LABELS[r.kind],
                    r.title + (f"\n{r.description}" if r.description else ""),
                    r.likelihood,
                    r.impact,
                    r.score,
                    LEVEL_LABELS[r.level],
                    r.owner,
                    fmt_date(r.review_date, lang),
                )
                for i, r in enumerate(register, 1)
            ],
            widths_cm=[1.2, 2.6, 8.0, 1.9, 1.7, 1.5, 2.2, 3.2, 2.4],
            font_size=10,
        )
    else:
        paragraph(doc, _("None recorded."), italic=True)

    heading(doc, _("4. Treatment actions"), 1)
    numbers = {r.id: i for i, r in enumerate(register, 1)}
    actions = [(r, a) for r in register for a in r.actions]
    if actions:
        table(
            doc,
            [_("Risk no."), _("Action"), _("Owner"), _("Due"), _("Done")],
            [
                (numbers[r.id], a.what, a.owner, fmt_date(a.due, lang), fmt_date(a.done_on, lang))
                for r, a in actions
            ],
            widths_cm=[1.8, 12.5, 4.0, 2.8, 2.8],
            font_size=10,
        )
    else:
        paragraph(doc, _("None recorded."), italic=True)
    return doc
