"""The yearly report's section on the quality system (Word), written the way the city's yearly
administrative-reform report writes it: what was issued and where the system applies, the internal
audit round, the management review and its notice, the transition, then the dossier figures of the
city level and of the ward/commune level in the report's own sentences, and the satisfaction index.

It is a section to paste into the yearly report, and a report (BC) the People's Committee can issue on
its own: the official layout of qms/exports/layout.py. Where something did not happen (no audit round,
no review), the sentence says so instead of printing zeros. Called inside the language's locale.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from docx.document import Document as DocumentType
from flask_babel import gettext as _
from flask_babel import ngettext

from audits.services.annual_report import AnnualReport, AuditRound, Level, annual_report
from audits.services.review_summary import HeldReview
from qms.exports import issuers, layout
from qms.exports.document import to_bytes
from qms.formatting import fmt_date, fmt_number, fmt_percent
from qms.models.issuing import DocType
from qms.models.org import Unit, UnitKind
from qms.services import settings


def _n(value: int, lang: str) -> str:
    return fmt_number(value, lang)


def target_text(value: Decimal, lang: str | None = None) -> str:
    """A target as the report writes it: `30%`, `2,5%`."""
    decimals = 0 if value == value.to_integral_value() else 2
    return fmt_number(value, lang, decimals) + "%"


def _month(on: date, lang: str) -> str:
    """`8 năm 2018` (after "tháng") / `August 2018`."""
    if lang == "vi":
        return f"{on.month} năm {on.year}"
    return format_date(on, "MMMM y", locale="en")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _standard(edition: str | None) -> str:
    return f"TCVN ISO 9001:{edition}" if edition else "TCVN ISO 9001"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(first)s and %(last)s", first=", ".join(parts[:-1]), last=parts[-1])


def _units_phrase(by_kind: dict[str, int], lang: str) -> str:
    """`10 cơ quan chuyên môn và 27 UBND xã, phường` / `10 specialised departments and 27 …` (the People's
    Committee itself, which the sentence names, is not counted)."""
    phrases = []
    for kind in (UnitKind.DEPARTMENT, UnitKind.SERVICE_UNIT, UnitKind.COMMUNE):
        count = by_kind.get(kind.value, 0)
        if not count:
            continue
        n = _n(count, lang)
        if kind == UnitKind.DEPARTMENT:
            phrases.append(
                ngettext("%(n)s specialised department", "%(n)s specialised departments", count, n=n)
            )
        elif kind == UnitKind.SERVICE_UNIT:
            phrases.append(ngettext("%(n)s public service unit", "%(n)s public service units", count, n=n))
        else:
            phrases.append(
                ngettext(
                    "%(n)s ward or commune People's Committee",
                    "%(n)s ward and commune People's Committees",
                    count,
                    n=n,
                )
            )
    return _join(phrases)


# --- 1. the quality management system ----------------------------------------------------------


def _issued_sentence(report: AnnualReport, body: str, lang: str) -> str:
    year = str(report.year)
    names = [
        (report.objectives, _("quality objectives")),
        (report.plan, _("quality plan")),
        (report.policy, _("quality policy")),
    ]
    issued = [name for done, name in names if done]
    missing = [name for done, name in names if not done]
    standard = _standard(report.edition)
    applying = _units_phrase(report.applying, lang) if report.unit is None else ""
    if not issued:
        first = _(
            "%(body)s has not issued its %(missing)s for %(year)s",
            body=body,
            missing=_join(missing),
            year=year,
        )
    elif not missing:
        first = _(
            "%(body)s issued in full its %(issued)s for %(year)s",
            body=body,
            issued=_join(issued),
            year=year,
        )
    else:
        first = _(
            "%(body)s issued its %(issued)s for %(year)s; not yet issued: %(missing)s",
            body=body,
            issued=_join(issued),
            missing=_join(missing),
            year=year,
        )
    if applying:
        return _(
            "%(first)s; the quality management system under %(standard)s is maintained and applied in "
            "settling dossiers and administrative procedures for organisations and citizens at %(units)s.",
            first=first,
            standard=standard,
            units=applying,
        )
    if report.objectives:
        return _(
            "%(first)s; it maintains and applies the quality management system under %(standard)s in "
            "settling dossiers and administrative procedures for organisations and citizens.",
            first=first,
            standard=standard,
        )
    return first + "."


def _round_sentence(report: AnnualReport, body: str, lang: str) -> str:
    found: AuditRound | None = report.audit_round
    if found is None:
        if report.audits_planned:
            return ngettext(
                "The internal audit round of %(year)s (%(n)s audit planned) has not been held yet.",
                "The internal audit round of %(year)s (%(n)s audits planned) has not been held yet.",
                report.audits_planned,
                year=str(report.year),
                n=_n(report.audits_planned, lang),
            )
        return _("No internal audit was held in %(year)s.", year=str(report.year))
    units = ", ".join(found.unit_names) or _units_phrase(found.units_by_kind, lang)
    if found.start == found.end:
        return _(
            "On %(date)s, the audit team of %(body)s carried out the internal audit of the application of "
            "the quality management system under %(standard)s at %(units)s.",
            date=fmt_date(found.start, lang),
            body=body,
            standard=_standard(found.edition),
            units=units,
        )
    return _(
        "From %(start)s to %(end)s, the audit team of %(body)s carried out the internal audit of the "
        "application of the quality management system under %(standard)s at %(units)s.",
        start=fmt_date(found.start, lang),
        end=fmt_date(found.end, lang),
        body=body,
        standard=_standard(found.edition),
        units=units,
    )


def _review_sentence(review: HeldReview, after_audit: bool, lang: str) -> str:
    month = _month(review.held_on, lang)
    if review.notice_number:
        notice_date = fmt_date(review.notice_date, lang) if review.notice_date else ""
        if after_audit:
            return _(
                "After the audit, the management review met in %(month)s and issued Notice No. %(number)s of "
                "%(date)s on the conclusions of the management review after the internal audit.",
                month=month,
                number=review.notice_number,
                date=notice_date,
            )
        return _(
            "The management review met in %(month)s and issued Notice No. %(number)s of %(date)s on its "
            "conclusions.",
            month=month,
            number=review.notice_number,
            date=notice_date,
        )
    if after_audit:
        return _(
            "After the audit, the management review met in %(month)s; the notice of its conclusions has not "
            "been issued yet.",
            month=month,
        )
    return _(
        "The management review met in %(month)s; the notice of its conclusions has not been issued yet.",
        month=month,
    )


def _reviews_sentences(report: AnnualReport, lang: str) -> list[str]:
    if not report.reviews:
        return [_("No management review was held in %(year)s.", year=str(report.year))]
    end = report.audit_round.end if report.audit_round else None
    return [_review_sentence(r, end is not None and r.held_on >= end, lang) for r in report.reviews]


def _nonconformities_sentence(found: AuditRound, lang: str) -> str:
    if not found.nonconformities:
        return _("The internal audit found no nonconformity.")
    total = found.nonconformities
    open_ = total - found.corrected
    detail = _("%(major)s major, %(minor)s minor", major=_n(found.major, lang), minor=_n(found.minor, lang))
    if not open_:
        return ngettext(
            "The internal audit found %(n)s nonconformity (%(detail)s); it has been corrected and its "
            "correction verified effective.",
            "The internal audit found %(n)s nonconformities (%(detail)s); all of them have been corrected "
            "and the corrections verified effective.",
            total,
            n=_n(total, lang),
            detail=detail,
        )
    return ngettext(
        "The internal audit found %(n)s nonconformity (%(detail)s); %(corrected)s have been corrected and "
        "verified effective, %(open)s are still being corrected.",
        "The internal audit found %(n)s nonconformities (%(detail)s); %(corrected)s have been corrected and "
        "verified effective, %(open)s are still being corrected.",
        total,
        n=_n(total, lang),
        detail=detail,
        corrected=_n(found.corrected, lang),
        open=_n(open_, lang),
    )


def _transition_sentence(report: AnnualReport, lang: str) -> str | None:
    status = report.transition
    if status is None:
        return None
    text = ngettext(
        "Transition of the quality management system to TCVN ISO 9001:2015 (to be completed by %(target)s): "
        "as of %(as_of)s, %(units)s unit in the transition has done %(done)s of the %(applicable)s items "
        "that apply (%(percent)s)",
        "Transition of the quality management system to TCVN ISO 9001:2015 (to be completed by %(target)s): "
        "as of %(as_of)s, the %(units)s units in the transition have done %(done)s of the %(applicable)s "
        "items that apply (%(percent)s)",
        status.units,
        target=fmt_date(status.target_date, lang),
        as_of=fmt_date(status.as_of, lang),
        units=_n(status.units, lang),
        done=_n(status.done, lang),
        applicable=_n(status.applicable, lang),
        percent=fmt_percent(status.percent, lang),
    )
    if status.units_behind:
        behind = ngettext(
            "%(n)s unit is behind schedule", "%(n)s units are behind schedule", status.units_behind,
            n=_n(status.units_behind, lang),
        )  # fmt: skip
        return f"{text}; {behind}."
    return _("%(text)s; no unit is behind schedule.", text=text)


def _communes_sentence(report: AnnualReport, lang: str) -> str | None:
    activity = report.communes
    if activity is None:
        return None
    return _(
        "For the ward and commune People's Committees: %(objectives)s of %(total)s set quality objectives "
        "for %(year)s, %(plans)s drew up a quality plan, %(audited)s were audited internally and "
        "%(surveyed)s measured the satisfaction of organisations and citizens.",
        objectives=_n(activity.with_objectives, lang),
        total=_n(activity.total, lang),
        year=str(report.year),
        plans=_n(activity.with_plan, lang),
        audited=_n(activity.audited, lang),
        surveyed=_n(activity.surveyed, lang),
    )


# --- 2. dossiers and 3. satisfaction ---------------------------------------------------------------


def _versus(rate: Decimal, target: Decimal, lang: str, *, exceed: bool = True) -> str:
    """Against a target to reach (at least): `vượt chỉ tiêu`, `đạt`, `chưa đạt`; `exceed=False` only
    says whether it was met."""
    shown = target_text(target, lang)
    if exceed and rate > target:
        return _("exceeding the target set (%(target)s)", target=shown)
    if rate >= target:
        return _("meeting the target set (%(target)s)", target=shown)
    return _("below the target set (%(target)s)", target=shown)


def cases_sentences(level: Level, year: int, lang: str) -> list[str]:
    """The report's sentences on one level's dossiers: received, resolved and its rate, early/on-time and
    its rate, late and its rate (both over resolved); then online against the target."""
    cases = level.cases
    if cases is None or not cases.received:
        return [
            _(
                "No figures on the settling of administrative procedures were recorded for %(body)s in "
                "%(year)s.",
                body=level.name,
                year=str(year),
            )
        ]
    if not cases.resolved:
        return [
            _(
                "* Results of settling administrative procedures at %(body)s in %(year)s: dossiers received: "
                "%(received)s; none resolved yet.",
                body=level.name,
                year=str(year),
                received=_n(cases.received, lang),
            )
        ]
    sentences = [
        _(
            "* Results of settling administrative procedures at %(body)s in %(year)s: dossiers received: "
            "%(received)s. Dossiers resolved: %(resolved)s, a rate of %(resolved_rate)s, of which "
            "%(on_time)s resolved early or on time, a rate of %(on_time_rate)s; %(late)s resolved late, "
            "a rate of %(late_rate)s.",
            body=level.name,
            year=str(year),
            received=_n(cases.received, lang),
            resolved=_n(cases.resolved, lang),
            resolved_rate=fmt_percent(cases.resolution_rate, lang),
            on_time=_n(cases.on_time, lang),
            on_time_rate=fmt_percent(cases.on_time_rate, lang),
            late=_n(cases.late, lang),
            late_rate=fmt_percent(cases.late_rate, lang),
        )
    ]
    rate = cases.online_rate
    if rate is not None:
        values = {
            "body": _capital(level.name),
            "online": _n(cases.online, lang),
            "rate": fmt_percent(rate, lang),
        }
        if level.online_target is not None:
            sentences.append(
                _(
                    "%(body)s received and settled %(online)s dossiers online, %(rate)s of the dossiers of "
                    "the administrative procedures offered online, %(versus)s.",
                    versus=_versus(rate, level.online_target, lang),
                    **values,
                )
            )
        else:
            sentences.append(
                _(
                    "%(body)s received and settled %(online)s dossiers online, %(rate)s of the dossiers of "
                    "the administrative procedures offered online.",
                    **values,
                )
            )
    return sentences


def satisfaction_sentence(level: Level, year: int, lang: str) -> str:
    if level.satisfaction is None:
        return _(
            "No satisfaction index was recorded for %(body)s in %(year)s.", body=level.name, year=str(year)
        )
    index = fmt_percent(level.satisfaction, lang)
    if level.satisfaction_target is None:
        return _(
            "The satisfaction index of %(body)s in %(year)s reached %(index)s.",
            body=level.name,
            year=str(year),
            index=index,
        )
    return _(
        "The satisfaction index of %(body)s in %(year)s reached %(index)s, %(versus)s.",
        body=level.name,
        year=str(year),
        index=index,
        versus=_versus(level.satisfaction, level.satisfaction_target, lang, exceed=False),
    )


# --- the document ------------------------------------------------------------------------------


def _symbol(report: AnnualReport) -> str:
    if report.unit is None:
        return f"{DocType.REPORT.value}-{settings.get('chair_symbol')}"
    return f"{DocType.REPORT.value}-{issuers.unit_symbol(report.unit)}"


def heading(report: AnnualReport) -> layout.Heading:
    """A report the People's Committee (or the unit) numbers and dates when it signs it."""
    return layout.Heading(
        kind=_("Report"),
        subject=_("Results of applying the quality management system in %(year)s", year=report.year),
        symbol=_symbol(report),
    )


def section_paragraphs(report: AnnualReport, lang: str) -> list[tuple[str, list[str]]]:
    """The section as (heading, paragraphs): what the document holds, and what a page could show."""
    body = report.top.name
    system = [_issued_sentence(report, body, lang)]
    audit = [_round_sentence(report, body, lang), *_reviews_sentences(report, lang)]
    if report.audit_round is not None:
        audit.append(_nonconformities_sentence(report.audit_round, lang))
    system.append(" ".join(audit))
    for extra in (_transition_sentence(report, lang), _communes_sentence(report, lang)):
        if extra:
            system.append(extra)
    cases: list[str] = []
    for level in report.levels:
        cases += cases_sentences(level, report.year, lang)
    satisfaction = [satisfaction_sentence(level, report.year, lang) for level in report.levels]
    return [
        (
            _("1. The quality management system under %(standard)s", standard=_standard(report.edition)),
            system,
        ),
        (_("2. Results of settling administrative procedures"), cases),
        (_("3. Satisfaction index"), satisfaction),
    ]


def annual_report_document(report: AnnualReport, lang: str) -> DocumentType:
    if report.unit is None:
        issuer, signature = issuers.unit(report.top), issuers.chair()
    else:
        issuer, signature = issuers.unit(report.unit), issuers.unit_head(report.unit)
    doc = layout.begin(issuer, heading(report), lang)
    for title, paragraphs in section_paragraphs(report, lang):
        layout.section_heading(doc, title, 2)
        for text in paragraphs:
            layout.body(doc, text)
    recipients = [
        _("Department of Home Affairs"),
        _("Department of Science and Technology"),
        _("Members of the ISO steering committee"),
        _("Filed: ISO secretariat"),
    ]
    return layout.finish(doc, recipients, [signature])


def annual_report_bytes(year: int, unit: Unit | None, lang: str, *, today: date | None = None) -> bytes:
    return to_bytes(annual_report_document(annual_report(year, unit, today=today), lang))


def file_name(year: int, unit: Unit | None = None) -> str:
    return f"annual-report-{year}" + (f"-{unit.code}" if unit is not None else "") + ".docx"
