"""Documents of the transition to ISO 9001:2015, in the official layout: a unit's gap assessment report,
the city-wide status report for the steering committee and the transition plan (Kế hoạch chuyển đổi)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from docx.document import Document as DocumentType
from flask_babel import gettext as _

from qms.exports import issuers, layout
from qms.exports.document import key_values, paragraph, table
from qms.formatting import fmt_date, fmt_datetime, fmt_number, fmt_percent
from qms.models.issuing import DocType
from qms.models.org import Unit
from qms.models.transition import Transition, TransitionItem
from qms.services import remapping
from qms.services import transition as service


def _status(item: TransitionItem) -> str:
    return str(service.ITEM_STATUS_LABELS.get(item.status, item.status))  # type: ignore[call-overload]


def _evidence(item: TransitionItem) -> str:
    return "; ".join(service.evidence_text(e) for e in item.current_evidence)


def items_table(doc: DocumentType, transition: Transition, unit: Unit, lang: str) -> None:
    """Every item of the unit with its status, evidence, owner and due date (notes under the title)."""
    items = service.items_of(transition, unit)
    rows = []
    for i, item in enumerate(items, 1):
        title = service.item_title(item, lang)
        if item.notes:
            title = f"{title}\n{_('Note')}: {item.notes}"
        rows.append(
            (
                i,
                item.clause_2015,
                title,
                _status(item),
                _evidence(item),
                item.owner.full_name if item.owner else "",
                fmt_date(item.due, lang),
            )
        )
    table(
        doc,
        [_("No."), _("Clause"), _("Item"), _("Status"), _("Evidence"), _("Owner"), _("Due")],
        rows,
        widths_cm=[1.3, 1.5, 4.1, 1.9, 3.2, 1.9, 2.1],
        font_size=10,
    )


def remapped_table(doc: DocumentType, unit: Unit, lang: str) -> None:
    accepted = remapping.accepted_for_unit(unit.id)
    if not accepted:
        paragraph(
            doc, _("No ISO 9001:2008 clause reference of this unit has been remapped yet."), italic=True
        )
        return
    table(
        doc,
        [_("Record"), _("ISO 9001:2008"), _("ISO 9001:2015"), _("Accepted by"), _("On")],
        [
            (
                f"{a.kind_label} {a.record_label}",
                a.clause_2008,
                ", ".join(a.clauses_2015),
                a.decided_by,
                fmt_datetime(a.decided_at, lang),
            )
            for a in accepted
        ],
        widths_cm=[5.0, 2.2, 2.8, 3.5, 2.5],
        font_size=10,
    )


def _facts(
    doc: DocumentType, transition: Transition, lang: str, row: service.UnitProgress | None = None
) -> None:
    facts = [
        (_("Transition"), transition.title),
        (_("Started on"), fmt_date(transition.started_on, lang)),
        (_("Target date"), fmt_date(transition.target_date, lang)),
    ]
    if row is not None:
        facts += [
            (_("Owner"), row.owner.full_name if row.owner else ""),
            (
                _("Items done"),
                _("%(done)s of %(applicable)s applicable (%(percent)s)", done=fmt_number(row.done, lang),
                  applicable=fmt_number(row.applicable, lang), percent=fmt_percent(row.percent, lang)),
            ),
            (_("Items overdue"), fmt_number(row.overdue, lang)),
            (_("2008 references left"), fmt_number(row.left, lang)),
        ]  # fmt: skip
    key_values(doc, facts)


def unit_report(transition: Transition, unit: Unit, lang: str, *, today: date | None = None) -> DocumentType:
    """The unit's gap assessment report: every item with status, evidence, owner and due date, then its
    remapped clause references (2008 → 2015, who accepted, when)."""
    service.scope_entry(transition, unit)
    today = today or date.today()
    heading = layout.Heading(
        kind=_("Report"),
        subject=_("Gap assessment against TCVN ISO 9001:2015 of %(unit)s", unit=unit.name),
        symbol=f"{DocType.REPORT.value}-{issuers.unit_symbol(unit)}",
        issued_on=today,
        year=today.year,
    )
    doc = layout.begin(issuers.unit(unit), heading, lang)
    figures = service.progress(transition, today=today, unit_ids={unit.id})
    _facts(doc, transition, lang, figures.rows[0] if figures.rows else None)
    layout.section_heading(doc, _("1. Gap assessment items"))
    items_table(doc, transition, unit, lang)
    layout.section_heading(doc, _("2. Clause references remapped from ISO 9001:2008 to ISO 9001:2015"))
    remapped_table(doc, unit, lang)
    recipients = [_("The ISO steering committee"), _("Filed: ISO secretariat")]
    return layout.finish(doc, recipients, [issuers.unit_head(unit)])


def city_report(
    transition: Transition, lang: str, *, today: date | None = None, tick: Callable[[], None] | None = None
) -> DocumentType:
    """The city-wide status report: a summary row per unit, then a section per unit (`tick` is called
    once per unit, for a progress bar)."""
    today = today or date.today()
    figures = service.progress(transition, today=today)
    heading = layout.Heading(
        kind=_("Report"),
        subject=_("Progress of the transition to TCVN ISO 9001:2015"),
        symbol=f"{DocType.REPORT.value}-{issuers.steering_symbol()}",
        issued_on=today,
        year=today.year,
    )
    doc = layout.begin(issuers.steering(), heading, lang)
    _facts(doc, transition, lang)
    layout.body(
        doc,
        _(
            "Across the %(units)s units in scope, %(done)s of %(applicable)s applicable items are done "
            "(%(percent)s); %(overdue)s items are overdue; %(left)s ISO 9001:2008 clause references are "
            "still to be remapped.",
            units=fmt_number(len(figures.rows), lang),
            done=fmt_number(figures.done, lang),
            applicable=fmt_number(figures.applicable, lang),
            percent=fmt_percent(figures.percent, lang),
            overdue=fmt_number(figures.overdue, lang),
            left=fmt_number(figures.left, lang),
        ),
    )
    layout.section_heading(doc, _("1. Summary by unit"))
    table(
        doc,
        [
            _("No."), _("Unit"), _("Done"), _("Applicable"), _("Share done"), _("Overdue"),
            _("2008 references left"), _("Owner"),
        ],
        [
            (
                i,
                f"{r.unit.code} — {r.unit.name}",
                fmt_number(r.done, lang),
                fmt_number(r.applicable, lang),
                fmt_percent(r.percent, lang),
                fmt_number(r.overdue, lang),
                fmt_number(r.left, lang),
                r.owner.full_name if r.owner else "",
            )
            for i, r in enumerate(figures.rows, 1)
        ],
        widths_cm=[1.3, 4.1, 1.5, 1.8, 1.8, 1.6, 1.9, 2.0],
        font_size=10,
    )  # fmt: skip
    for number, row in enumerate(figures.rows, 2):
        layout.section_heading(doc, f"{number}. {row.unit.code} — {row.unit.name}")
        paragraph(
            doc,
            _(
                "%(done)s of %(applicable)s applicable items done (%(percent)s); %(overdue)s overdue; "
                "owner: %(owner)s.",
                done=fmt_number(row.done, lang),
                applicable=fmt_number(row.applicable, lang),
                percent=fmt_percent(row.percent, lang),
                overdue=fmt_number(row.overdue, lang),
                owner=row.owner.full_name if row.owner else "—",
            ),
        )
        items_table(doc, transition, row.unit, lang)
        layout.section_heading(doc, _("Clause references remapped"), level=2)
        remapped_table(doc, row.unit, lang)
        if tick is not None:
            tick()
    recipients = [_("Leadership of the People's Committee"), _("Members of the ISO steering committee")]
    recipients.append(_("Filed: ISO secretariat"))
    return layout.finish(doc, recipients, [issuers.steering_head()])


def plan(transition: Transition, lang: str) -> DocumentType:
    """Kế hoạch chuyển đổi: purpose and requirements, scope (the units), the steps with who and when, the
    deadline; issued by the steering committee and signed by its head."""
    heading = layout.Heading(
        kind=_("Plan"),
        subject=_(
            "Transition of the quality management system from TCVN ISO 9001:2008 to TCVN ISO 9001:2015"
        ),
        symbol=f"{DocType.PLAN.value}-{issuers.steering_symbol()}",
        issued_on=transition.started_on,
        year=transition.started_on.year,
    )
    doc = layout.begin(issuers.steering(), heading, lang)
    layout.section_heading(doc, _("I. PURPOSE AND REQUIREMENTS"))
    layout.body(doc, _("1. Purpose"), bold=True)
    layout.body(
        doc,
        _(
            "To bring the quality management system of every unit in scope from TCVN ISO 9001:2008 to "
            "TCVN ISO 9001:2015, so that the head of the body can announce its conformity."
        ),
    )
    layout.body(
        doc,
        _(
            "To add what the 2015 edition requires: the context and interested parties, risks and "
            "opportunities, objectives with their plans, organisational knowledge and the control of changes."
        ),
    )
    layout.body(doc, _("2. Requirements"), bold=True)
    layout.body(
        doc,
        _(
            "Each unit assesses its gaps item by item with evidence, updates its procedures and documents, "
            "and remaps its ISO 9001:2008 clause references; the work is finished by the deadline below."
        ),
    )
    layout.section_heading(doc, _("II. SCOPE"))
    layout.body(doc, _("The plan applies to the following units:"))
    units = service.scope_units(transition)
    table(
        doc,
        [_("No."), _("Code"), _("Unit"), _("Owner")],
        [
            (i, s.unit.code, s.unit.name, s.owner.full_name if s.owner else "")
            for i, s in enumerate(sorted(transition.scope, key=lambda s: s.unit.code), 1)
        ],
        widths_cm=[1.3, 3.4, 7.5, 3.8],
        font_size=11,
    )
    layout.section_heading(doc, _("III. STEPS"))
    table(
        doc,
        [_("No."), _("What"), _("Who"), _("Due")],
        [(s.position, s.what, s.who, fmt_date(s.due, lang)) for s in transition.steps],
        widths_cm=[1.3, 8.5, 3.8, 2.4],
        font_size=11,
    )
    layout.section_heading(doc, _("IV. DEADLINE"))
    layout.body(
        doc,
        _(
            "The transition of the %(count)s units is completed by %(date)s.",
            count=fmt_number(len(units), lang),
            date=fmt_date(transition.target_date, lang),
        ),
    )
    layout.section_heading(doc, _("V. IMPLEMENTATION"))
    if transition.responsible is not None:
        layout.body(
            doc, _("%(name)s is responsible for following this plan.", name=transition.responsible.full_name)
        )
    layout.body(
        doc,
        _(
            "The units record the progress of their items as they go; the ISO steering committee follows "
            "it and reports to the leadership."
        ),
    )
    recipients = [_("Leadership of the People's Committee"), _("Members of the ISO steering committee")]
    recipients += [_("The units in scope"), _("Filed: ISO secretariat")]
    return layout.finish(doc, recipients, [issuers.steering_head()])


def unit_file_name(unit: Unit, lang: str) -> str:
    return f"danh-gia-chuyen-doi-{unit.code}.docx" if lang == "vi" else f"transition-{unit.code}.docx"


def city_file_name(lang: str) -> str:
    return "bao-cao-chuyen-doi.docx" if lang == "vi" else "transition-status.docx"


def plan_file_name(lang: str) -> str:
    return "ke-hoach-chuyen-doi.docx" if lang == "vi" else "transition-plan.docx"
