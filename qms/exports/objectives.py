"""The unit's quality policy and objectives register for a year (Chính sách và mục tiêu chất lượng),
with targets, measured values, attainment and the plans, as a Word document."""

from __future__ import annotations

from datetime import date

from docx.document import Document as DocumentType
from flask_babel import force_locale
from flask_babel import gettext as _

from qms.exports import issuers, layout
from qms.exports.document import heading, paragraph, table
from qms.formatting import fmt_date, fmt_measure, fmt_number, fmt_percent
from qms.models.org import Unit
from qms.services import case_stats, objectives
from qms.services.objectives import ATTAINMENT_LABELS, DIRECTION_SIGNS, SOURCE_LABELS, TREND_LABELS


def objectives_document(
    unit: Unit, year: int, *, lang: str = "vi", today: date | None = None
) -> DocumentType:
    with force_locale(lang):
        return _build(unit, year, lang, today or date.today())


def _target(o: objectives.Objective, lang: str) -> str:
    return f"{DIRECTION_SIGNS[o.direction]} {fmt_measure(o.target, o.unit_of_measure, lang)}"


def _build(unit: Unit, year: int, lang: str, today: date) -> DocumentType:
    quality = objectives.overview(unit, year)
    doc = layout.begin(
        issuers.unit(unit),
        layout.Heading(
            kind=_("Plan"),
            subject=_("Quality plan %(year)s: quality policy and objectives", year=year),
            symbol=f"KH-{issuers.unit_symbol(unit)}",
            year=year,
            draft=True,
        ),
        lang,
    )
    layout.body(
        doc,
        _(
            "%(unit)s sets out its quality policy, its quality objectives for %(year)s and the plans to "
            "achieve them, with the figures measured up to %(today)s.",
            unit=unit.name,
            year=year,
            today=fmt_date(today, lang),
        ),
    )

    heading(doc, _("1. Quality policy"), 1)
    if quality.policy:
        for line in quality.policy.text.splitlines():
            if line.strip():
                paragraph(doc, line.strip())
        approved = [quality.policy.approved_by, fmt_date(quality.policy.approved_on, lang)]
        if any(approved):
            paragraph(doc, _("Approved by: %(who)s", who=" — ".join(a for a in approved if a)), italic=True)
    else:
        paragraph(doc, _("No quality policy recorded for %(year)s.", year=year), italic=True)

    heading(doc, _("2. Quality objectives"), 1)
    if quality.evaluations:
        rows = []
        for n, e in enumerate(quality.evaluations, start=1):
            o = e.objective
            measured = fmt_measure(e.value, o.unit_of_measure, lang) if e.value is not None else "—"
            if e.value is not None and e.period:
                measured += f" ({e.period})"
            rows.append(
                [
                    n,
                    o.statement,
                    o.indicator,
                    _target(o, lang),
                    measured,
                    str(ATTAINMENT_LABELS[e.attainment]),
                    str(TREND_LABELS[e.trend]) if e.trend else "—",
                    o.owner.full_name if o.owner else "",
                ]
            )
        table(
            doc,
            [_("No."), _("Objective"), _("Indicator"), _("Target"), _("Measured"), _("Attainment"),
             _("Trend"), _("Owner")],
            rows,
            widths_cm=[1.0, 4.2, 3.0, 1.8, 2.2, 1.6, 1.6, 2.0],
            font_size=10,
        )  # fmt: skip
        paragraph(
            doc,
            _(
                "Met: %(met)s · Not met: %(not_met)s · No data: %(no_data)s",
                met=quality.count(objectives.Attainment.MET),
                not_met=quality.count(objectives.Attainment.NOT_MET),
                no_data=quality.count(objectives.Attainment.NO_DATA),
            ),
            italic=True,
        )
    else:
        paragraph(doc, _("No quality objectives for %(year)s yet.", year=year), italic=True)

    heading(doc, _("3. Plans for achieving the objectives"), 1)
    if quality.evaluations:
        table(
            doc,
            [_("No."), _("What will be done"), _("Resources required"), _("Who is responsible"),
             _("By when"), _("How results are evaluated")],
            [
                [n, e.objective.plan_actions, e.objective.plan_resources, e.objective.plan_responsible,
                 fmt_date(e.objective.plan_due, lang), e.objective.plan_evaluation]
                for n, e in enumerate(quality.evaluations, start=1)
            ],
            widths_cm=[1.0, 4.4, 2.8, 2.6, 2.0, 3.6],
            font_size=10,
        )  # fmt: skip

    heading(doc, _("4. Measurements"), 1)
    for n, e in enumerate(quality.evaluations, start=1):
        o = e.objective
        heading(doc, f"{n}. {o.indicator}", 2)
        paragraph(doc, f"{_('Measured from')}: {SOURCE_LABELS[o.source]} · {_('Target')}: {_target(o, lang)}")
        if e.series:
            table(
                doc,
                [_("Period"), _("Value"), _("Attainment")],
                [
                    [p, fmt_measure(v, o.unit_of_measure, lang) if v is not None else "—",
                     str(ATTAINMENT_LABELS[a])]
                    for p, v, a in e.series
                ],
                widths_cm=[4, 4, 4],
            )  # fmt: skip
        else:
            paragraph(doc, _("No data."), italic=True)

    lines = case_stats.unit_statistics(unit, year)
    if lines:
        heading(doc, _("5. Administrative-procedure dossiers %(year)s", year=year), 1)
        rows = []
        for line in reversed(lines):
            for scope, f in ((_("this unit"), line.own_figures), (_("with sub-units"), line.with_sub_units)):
                if f is None:
                    continue
                rows.append(
                    [line.period, scope, fmt_number(f.received, lang), fmt_number(f.resolved, lang),
                     fmt_number(f.on_time, lang), fmt_number(f.late, lang), fmt_number(f.online, lang),
                     fmt_percent(f.resolution_rate, lang), fmt_percent(f.on_time_rate, lang),
                     fmt_percent(f.late_rate, lang), fmt_percent(f.online_rate, lang)]
                )  # fmt: skip
        table(
            doc,
            [_("Period"), _("Figures of"), _("Received"), _("Resolved"), _("On time"), _("Late"),
             _("Online"), _("Resolution rate"), _("On-time rate"), _("Late rate"), _("Online rate")],
            rows,
            font_size=9,
        )  # fmt: skip
    satisfaction = case_stats.unit_satisfaction(unit, year)
    if satisfaction:
        heading(doc, _("6. Satisfaction index %(year)s", year=year), 1)
        table(
            doc,
            [_("Period"), _("This unit"), _("Respondents"), _("With sub-units")],
            [
                [s.period, fmt_percent(s.own.index_percent, lang) if s.own else "—",
                 fmt_number(s.own.respondents, lang) if s.own and s.own.respondents is not None else "—",
                 fmt_percent(s.with_sub_units, lang) if s.with_sub_units is not None else "—"]
                for s in reversed(satisfaction)
            ],
            widths_cm=[3, 4, 4, 4],
        )  # fmt: skip
    layout.finish(
        doc,
        [_("ISO steering committee"), _("Filed: %(unit)s", unit=unit.code)],
        [issuers.unit_head(unit)],
    )
    return doc
