"""The management review's documents: the review pack (a report, BC, of the steering committee or of
the unit: every input's figures, the notes and the decisions) and the notice of its conclusions (TB)
sent to the units, numbered when issued."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from docx.document import Document as DocumentType
from flask_babel import gettext as _
from flask_babel import pgettext

from audits.labels import (
    AUDIT_STATUS,
    DECISION_KIND,
    DECISION_STATE,
    FINDING_KIND,
    REVIEW_INPUT_GROUPS,
    REVIEW_STATUS,
)
from audits.models.review import INPUT_GROUPS, ManagementReview, ReviewDecision
from audits.services.review import core
from qms.exports import issuers, layout
from qms.exports.document import heading, key_values, paragraph, table, to_bytes
from qms.formatting import fmt_date, fmt_number, fmt_percent
from qms.models.issuing import DocType, IssuedDocument
from qms.services import issuing, settings
from qms.services.objectives import ATTAINMENT_LABELS, DIRECTION_SIGNS

NOTICE_SOURCE = "review_notice"
KINDS = ("major", "minor", "observation", "ofi")


def file_name(kind: str, review: ManagementReview) -> str:
    scope = review.unit.code if review.unit is not None else "org"
    return f"{kind}-{scope}-{review.held_on.isoformat()}.docx"


def _issuer(review: ManagementReview) -> layout.Issuer:
    return issuers.unit(review.unit) if review.unit is not None else issuers.steering()


def issuer_symbol(review: ManagementReview) -> str:
    return issuers.unit_symbol(review.unit) if review.unit is not None else issuers.steering_symbol()


def scope_name(review: ManagementReview) -> str:
    return review.unit.name if review.unit is not None else _("The organisation")


def _d(value: str | None, lang: str) -> str:
    return fmt_date(date.fromisoformat(value), lang) if value else ""


def _n(value: Any, lang: str) -> str:
    return fmt_number(value, lang) if value is not None else ""


def _p(value: str | None, lang: str) -> str:
    return fmt_percent(Decimal(value), lang) if value is not None else ""


def _word(words: dict, value: str) -> str:
    return str(words.get(value, value))


def _none_line(doc: DocumentType) -> None:
    paragraph(doc, _("Nothing in the period."), italic=True)


def _notes(doc: DocumentType, text: str) -> None:
    if text.strip():
        paragraph(doc, _("Opinions at the meeting:"), bold=True)
        for line in text.splitlines():
            if line.strip():
                paragraph(doc, line.strip())


# --- the review pack -------------------------------------------------------------------------


def pack_heading(review: ManagementReview) -> layout.Heading:
    return layout.Heading(
        kind=_("Report"),
        subject=_(
            "Inputs of the management review of the quality management system, %(start)s – %(end)s",
            start=fmt_date(review.period_start),
            end=fmt_date(review.period_end),
        ),
        symbol=f"{DocType.REPORT.value}-{issuer_symbol(review)}",
        issued_on=review.held_on,
        year=review.held_on.year,
        draft=not review.is_held,
    )


def review_pack(review: ManagementReview, lang: str, *, today: date | None = None) -> DocumentType:
    inputs = core.inputs_of(review, today)
    doc = layout.begin(_issuer(review), pack_heading(review), lang)
    heading(doc, _("1. The review"), 1)
    key_values(
        doc,
        [
            (_("Scope"), scope_name(review)),
            (_("Date of the review"), fmt_date(review.held_on, lang)),
            (_("Chair"), review.chair),
            (_("Attendees"), review.attendees),
            (
                _("Period reviewed"),
                f"{fmt_date(review.period_start, lang)} – {fmt_date(review.period_end, lang)}",
            ),
            (_("Status"), _word(REVIEW_STATUS, review.status)),
            (_("Figures as of"), _d(inputs.get("as_of"), lang)),
        ],
    )
    heading(doc, _("2. Inputs"), 1)
    for group in INPUT_GROUPS:
        heading(doc, str(REVIEW_INPUT_GROUPS[group]), 2)
        _GROUPS[group](doc, inputs.get(group) or {}, lang)
        _notes(doc, getattr(review, f"notes_{group}"))
    heading(doc, _("3. Conclusions"), 1)
    if review.conclusions.strip():
        for line in review.conclusions.splitlines():
            if line.strip():
                layout.body(doc, line.strip())
    else:
        paragraph(doc, _("No conclusions recorded yet."), italic=True)
    heading(doc, _("4. Decisions"), 1)
    _decisions_table(doc, review.decisions, lang)
    signature = issuers.unit_head(review.unit) if review.unit is not None else issuers.steering_head()
    return layout.finish(doc, [_("Filed: ISO secretariat")], [signature])


def _actions(doc: DocumentType, data: dict[str, Any], lang: str) -> None:
    counts = data.get("counts", {})
    table(
        doc,
        [_("Done"), _("Open"), _("Overdue"), _("Total")],
        [
            [
                _n(counts.get("done", 0), lang),
                _n(counts.get("open", 0), lang),
                _n(counts.get("overdue", 0), lang),
                _n(data.get("total", 0), lang),
            ]
        ],
    )
    items = data.get("items", [])
    if items:
        table(
            doc,
            [_("Review"), _("Decision"), _("Owner unit"), _("Due date"), _("State")],
            [
                [
                    _d(i["review_on"], lang),
                    i["what"],
                    i.get("unit", ""),
                    _d(i["due_on"], lang),
                    _word(DECISION_STATE, i["state"]),
                ]
                for i in items
            ],
        )


def _context(doc: DocumentType, data: dict[str, Any], lang: str) -> None:
    items = data.get("items", [])
    if not items:
        _none_line(doc)
        return
    kinds = {"external": _("External"), "internal": _("Internal")}
    table(
        doc,
        [_("Unit"), _("Kind"), _("Issue")],
        [[i.get("unit", ""), kinds.get(i["kind"], i["kind"]), i["description"]] for i in items],
    )


def _performance(doc: DocumentType, data: dict[str, Any], lang: str) -> None:
    paragraph(doc, _("Customer satisfaction"), bold=True)
    if data.get("satisfaction"):
        table(
            doc,
            [_("Unit"), _("Satisfaction index"), _("Respondents")],
            [
                [s.get("unit", ""), _p(s["index"], lang), _n(s["respondents"], lang)]
                for s in data["satisfaction"]
            ],
        )
    else:
        _none_line(doc)
    paragraph(doc, _("Quality objectives"), bold=True)
    objectives = (data.get("objectives") or {}).get("items", [])
    if objectives:
        table(
            doc,
            [_("Unit"), _("Indicator"), _("Target"), _("Measured"), _("Met")],
            [
                [
                    o.get("unit", ""),
                    o["indicator"],
                    f"{DIRECTION_SIGNS.get(o['direction'], '')} {o['target']} {o['unit_of_measure']}".strip(),
                    _measured(o, lang),
                    str(ATTAINMENT_LABELS.get(o["attainment"], o["attainment"])),
                ]
                for o in objectives
            ],
        )
    else:
        _none_line(doc)
    paragraph(doc, _("Process performance (administrative-procedure dossiers)"), bold=True)
    cases = data.get("cases") or {}
    lines = cases.get("by_unit", [])
    if lines:
        rows = [_case_row(line.get("unit", ""), line, lang) for line in lines]
        if cases.get("total"):
            rows.append(_case_row(_("Total"), cases["total"], lang))
        table(
            doc,
            [_("Unit"), _("Received"), _("Resolved"), _("On-time rate"), _("Late rate"), _("Online rate")],
            rows,
        )
    else:
        _none_line(doc)
    paragraph(doc, _("Nonconformities and corrective actions"), bold=True)
    ncs = data.get("nonconformities") or {}
    if ncs.get("by_unit"):
        table(
            doc,
            [
                _("Unit"),
                _("Raised in the period"),
                _("Open"),
                _("Overdue"),
                _("Closed"),
                _("Verified effective"),
                _("Not effective"),
            ],
            [
                [
                    n.get("unit", ""),
                    *(
                        _n(n[k], lang)
                        for k in ("raised", "open", "overdue", "closed", "effective", "not_effective")
                    ),
                ]
                for n in ncs["by_unit"]
            ],
        )
    else:
        _none_line(doc)
    actions = ncs.get("actions") or {}
    table(
        doc,
        [_("Corrective actions"), _("Open"), _("Overdue"), _("Done")],
        [[_("Number"), *(_n(actions.get(k, 0), lang) for k in ("open", "overdue", "done"))]],
    )
    if ncs.get("by_clause"):
        table(
            doc,
            [_("Clause"), _("Nonconformities")],
            [[f"{c['clause']} ({c['edition']})", _n(c["count"], lang)] for c in ncs["by_clause"]],
        )
    paragraph(doc, _("Audit results"), bold=True)
    audits = data.get("audits") or {}
    if audits.get("programme"):
        table(
            doc,
            [_("Year"), _("Audits planned"), _("Audits done"), _("Cancelled"), _("Completion")],
            [
                [
                    str(p["year"]),
                    _n(p["planned"], lang),
                    _n(p["done"], lang),
                    _n(p["cancelled"], lang),
                    _p(p["completion"], lang),
                ]
                for p in audits["programme"]
            ],
        )
    if audits.get("items"):
        table(
            doc,
            [_("Audit"), _("Units"), _("Dates"), _("Status")],
            [
                [
                    a["ref"],
                    a["units"],
                    f"{_d(a['start'], lang)} – {_d(a['end'], lang)}",
                    _word(AUDIT_STATUS, a["status"]),
                ]
                for a in audits["items"]
            ],
        )
    if audits.get("findings_by_unit"):
        total = audits.get("findings_total") or {}
        rows = [
            [f.get("unit", ""), *(_n(f[k], lang) for k in (*KINDS, "total"))]
            for f in audits["findings_by_unit"]
        ]
        rows.append([_("Total"), *(_n(total.get(k, 0), lang) for k in (*KINDS, "total"))])
        table(doc, [_("Unit"), *(_word(FINDING_KIND, k) for k in KINDS), _("Total")], rows)
    else:
        _none_line(doc)


def _measured(o: dict[str, Any], lang: str) -> str:
    if o["value"] is None:
        return ""
    value = Decimal(o["value"])
    return fmt_percent(value, lang) if o["unit_of_measure"].strip() == "%" else fmt_number(value, lang, 2)


def _case_row(label: str, line: dict[str, Any], lang: str) -> list[str]:
    return [
        label,
        _n(line["received"], lang),
        _n(line["resolved"], lang),
        _p(line["on_time_rate"], lang),
        _p(line["late_rate"], lang),
        _p(line["online_rate"], lang),
    ]


def _resources(doc: DocumentType, data: dict[str, Any], lang: str) -> None:
    return None


def _risks(doc: DocumentType, data: dict[str, Any], lang: str) -> None:
    lines = data.get("by_unit", [])
    if not lines:
        _none_line(doc)
        return
    table(
        doc,
        [_("Unit"), _("Risks and opportunities"), _("Actions"), _("Done"), _("Open"), _("Overdue")],
        [
            [r.get("unit", ""), *(_n(r[k], lang) for k in ("risks", "actions", "done", "open", "overdue"))]
            for r in lines
        ],
    )


def _improvement(doc: DocumentType, data: dict[str, Any], lang: str) -> None:
    items = data.get("items", [])
    if not items:
        _none_line(doc)
        return
    table(
        doc,
        [_("Reference"), _("Unit"), _("Opportunity for improvement")],
        [
            [i["ref"] if lang == "vi" else i.get("ref_en", i["ref"]), i.get("unit", ""), i["statement"]]
            for i in items
        ],
    )


_GROUPS = {
    "actions": _actions,
    "context": _context,
    "performance": _performance,
    "resources": _resources,
    "risks": _risks,
    "improvement": _improvement,
}


def _owner(decision: ReviewDecision) -> str:
    unit = decision.owner_unit.name
    return f"{unit} ({decision.owner.full_name})" if decision.owner is not None else unit


def _decisions_table(doc: DocumentType, decisions: list[ReviewDecision], lang: str) -> None:
    if not decisions:
        paragraph(doc, _("No decisions."), italic=True)
        return
    table(
        doc,
        [_("No."), _("Kind"), _("Decision"), _("Owner"), _("Due date")],
        [
            [str(n), _word(DECISION_KIND, d.kind), d.what, _owner(d), fmt_date(d.due_on, lang)]
            for n, d in enumerate(decisions, 1)
        ],
        widths_cm=[1.3, 2.6, 6.6, 3.2, 2.3],
    )


# --- the notice of conclusions ---------------------------------------------------------------


def notice_subject(review: ManagementReview) -> str:
    return _("Conclusions of the management review meeting of %(date)s", date=fmt_date(review.held_on))


def notice_recipients(review: ManagementReview) -> list[str]:
    """The owner units of its decisions, then the file copy."""
    seen: dict[int, str] = {}
    for decision in review.decisions:
        seen.setdefault(decision.owner_unit_id, decision.owner_unit.name)
    return [*seen.values(), _("Filed: VT")]


def notice_signature(review: ManagementReview) -> layout.Signature:
    return layout.Signature(title=pgettext("signature", "Chair of the meeting"), name=review.chair)


def notice_document(
    review: ManagementReview, lang: str, *, number: str | None = None, issued_on: date | None = None
) -> DocumentType:
    """Thông báo kết luận: who met, on what, the conclusions and each decision with its owner and due
    date. A draft (number blank) until it is issued."""
    heading_ = layout.Heading(
        kind=_("Notice"),
        subject=notice_subject(review),
        symbol=f"{DocType.NOTICE.value}-{issuer_symbol(review)}",
        number=number,
        issued_on=issued_on,
        year=(issued_on or review.held_on).year,
        draft=number is None,
    )
    doc = layout.begin(_issuer(review), heading_, lang)
    layout.body(
        doc,
        _(
            "On %(date)s, %(chair)s chaired the management review of the quality management system of "
            "%(scope)s for the period %(start)s – %(end)s.",
            date=fmt_date(review.held_on, lang),
            chair=review.chair,
            scope=review.unit.name if review.unit is not None else settings.superior_body(),
            start=fmt_date(review.period_start, lang),
            end=fmt_date(review.period_end, lang),
        ),
    )
    if review.attendees.strip():
        who = " ".join(review.attendees.split()).rstrip(".")
        layout.body(doc, _("Attending: %(who)s.", who=who))
    layout.body(doc, _("The chair concluded as follows:"))
    heading(doc, _("1. Conclusions"), 1)
    for line in review.conclusions.splitlines() or [""]:
        if line.strip():
            layout.body(doc, line.strip())
    heading(doc, _("2. Decisions"), 1)
    _decisions_table(doc, review.decisions, lang)
    layout.body(
        doc,
        _("The units named above carry out the decisions by their due dates and report what was done."),
    )
    return layout.finish(doc, notice_recipients(review), [notice_signature(review)])


def issued_notice(review: ManagementReview) -> IssuedDocument | None:
    return issuing.current_issue(NOTICE_SOURCE, str(review.id))


def notice_bytes(review: ManagementReview, lang: str) -> bytes:
    """The notice as issued (the same bytes) once issued; a draft with the number left blank before,
    or a fresh export with the issued number in another language."""
    issued = issued_notice(review)
    if issued is not None and issued.lang == lang:
        return issuing.issued_bytes(issued)
    if issued is not None:
        return to_bytes(notice_document(review, lang, number=issued.number, issued_on=issued.issued_on))
    return to_bytes(notice_document(review, lang))
