"""Word documents of internal audits: the audit plan, the audit report, the nonconformity and
corrective-action form (Phiếu yêu cầu hành động khắc phục) and the yearly programme.

Each builder is called inside the language's locale (the web request's, or `force_locale` in the CLI)
and reads through audits.services.reporting, which loads everything in a fixed number of queries."""

from __future__ import annotations

from datetime import date

from docx.document import Document as DocumentType
from flask_babel import gettext as _
from flask_babel import pgettext

from audits.labels import AUDIT_CONFORMITY, AUDIT_KIND, AUDIT_STATUS, FINDING_KIND, FINDING_STATUS, TEAM_ROLE
from audits.models import Audit, AuditClause, AuditProgramme, Finding
from audits.services import reporting
from qms.exports import issuers, layout
from qms.exports.document import heading, key_values, paragraph, table, to_bytes
from qms.formatting import fmt_date, fmt_datetime, fmt_number
from qms.models.clauses import Clause
from qms.models.issuing import DocType
from qms.models.org import User
from qms.services import access, issuing, remapping, settings

# A finding withdrawn by its auditor is not a finding of the audit (the status is spelled out so that
# the report reads the same before and after the withdrawal workflow exists).
WITHDRAWN = "withdrawn"


def _label(labels: dict, value: str) -> str:
    return str(labels.get(value, value))


def _words(labels: dict) -> dict[str, str]:
    return {value: str(word) for value, word in labels.items()}


def _dates(audit: Audit, lang: str) -> str:
    if audit.planned_start == audit.planned_end:
        return fmt_date(audit.planned_start, lang)
    return f"{fmt_date(audit.planned_start, lang)} – {fmt_date(audit.planned_end, lang)}"


def _units(audit: Audit) -> str:
    return "; ".join(f"{u.name} ({u.code})" for u in audit.units)


def _criteria(audit: Audit) -> str:
    return _("TCVN ISO 9001:%(edition)s (ISO 9001:%(edition)s)", edition=audit.edition)


def _team_table(doc: DocumentType, audit: Audit) -> None:
    if not audit.team:
        paragraph(doc, _("No auditor assigned yet."), italic=True)
        return
    members = sorted(audit.team, key=lambda m: (m.role != "lead", m.id))
    table(
        doc,
        [_("No."), _("Name"), _("Role")],
        [(i, m.user.full_name, _label(TEAM_ROLE, m.role)) for i, m in enumerate(members, 1)],
        widths_cm=[1.2, 9.0, 5.8],
    )


def _scope_clause(audit: Audit, link: AuditClause, known: dict[tuple[int, int], list[Clause]]) -> str:
    """The clause number as audited; a remapped one or one kept with its 2015 equivalent in full."""
    shown = remapping.clause_ref(link, "audit_scope", audit.id, known)
    if link.clause.edition == audit.edition and link.remapped_from_id is None and shown == link.clause.label:
        return link.clause.number
    return shown


def _finding_clause(finding: Finding, known: dict[tuple[int, int], list[Clause]]) -> str:
    """As written ("4.2.3 (2008)"); a remapped clause, or one kept with its 2015 equivalent, in full."""
    shown = remapping.clause_ref(finding, "finding", finding.id, known)
    if shown == finding.clause.label:
        return f"{finding.clause.number} ({finding.clause.edition})"
    return shown


def _scope(doc: DocumentType, audit: Audit, lang: str) -> None:
    paragraph(doc, _("Audited units: %(units)s", units=_units(audit)))
    if audit.processes:
        paragraph(doc, _("Processes: %(processes)s", processes=audit.processes))
    links = sorted(audit.clause_links, key=lambda link: link.clause.sort_key)
    if links:
        known = remapping.equivalents_of("audit_scope", ((audit.id, link.clause) for link in links))
        table(
            doc,
            [_("Clause"), _("Requirement")],
            [(_scope_clause(audit, link, known), link.clause.title(lang)) for link in links],
            widths_cm=[2.5, 13.5],
        )
    else:
        paragraph(doc, _("All clauses of the standard applicable to the units."), italic=True)


PLAN_SOURCE = "audit_plan"


def plan_heading(audit: Audit, number: str | None, issued_on: date | None) -> layout.Heading:
    return layout.Heading(
        kind=_("Plan"),
        subject=_("Internal audit %(ref)s at %(units)s", ref=audit.ref, units=_unit_names(audit)),
        symbol=f"{DocType.PLAN.value}-{issuers.steering_symbol()}",
        number=number,
        issued_on=issued_on,
        year=audit.year,
        draft=number is None,
    )


def plan_recipients(audit: Audit) -> list[str]:
    recipients = [u.name for u in audit.units]
    recipients.append(_("Members of the audit team"))
    recipients.append(_("Filed: ISO secretariat"))
    return recipients


def audit_plan(
    audit: Audit, lang: str, *, number: str | None = None, issued_on: date | None = None
) -> DocumentType:
    """Kế hoạch đánh giá: objectives, scope, criteria, team and agenda; numbered when it is sent to the
    audited units."""
    doc = layout.begin(issuers.steering(), plan_heading(audit, number, issued_on), lang)
    key_values(
        doc,
        [
            (_("Reference"), audit.ref),
            (_("Type of audit"), _label(AUDIT_KIND, audit.kind)),
            (_("Audit programme"), str(audit.programme.year)),
            (_("Dates"), _dates(audit, lang)),
            (_("Lead auditor"), audit.lead.full_name if audit.lead else ""),
        ],
    )
    heading(doc, _("1. Objectives"), 1)
    paragraph(doc, audit.objectives or audit.programme.objectives or _("Not stated."))
    heading(doc, _("2. Scope"), 1)
    _scope(doc, audit, lang)
    heading(doc, _("3. Criteria"), 1)
    paragraph(doc, _criteria(audit))
    paragraph(
        doc, _("The documented information of the audited units and the applicable legal requirements.")
    )
    heading(doc, _("4. Audit team"), 1)
    _team_table(doc, audit)
    heading(doc, _("5. Agenda"), 1)
    if audit.agenda:
        table(
            doc,
            [_("Date"), _("Time"), _("Activity"), _("Auditee contact")],
            [(fmt_date(a.day, lang), a.time, a.activity, a.auditee_contact) for a in audit.agenda],
            widths_cm=[2.8, 2.4, 7.0, 3.8],
        )
    else:
        paragraph(doc, _("No agenda recorded yet."), italic=True)
    return layout.finish(doc, plan_recipients(audit), [issuers.steering_head()])


def audit_plan_bytes(audit: Audit, lang: str) -> bytes:
    """The plan as sent to the units (the same bytes) once it was sent; a fresh draft otherwise."""
    issued = issuing.current_issue(PLAN_SOURCE, audit.ref)
    if issued is not None and issued.lang == lang:
        return issuing.issued_bytes(issued)
    return to_bytes(audit_plan(audit, lang))


def _summary_rows(counts: dict[str, int], lang: str) -> list[tuple[str, str]]:
    rows = [(_label(FINDING_KIND, kind), fmt_number(n, lang)) for kind, n in counts.items()]
    rows.append((_("Total"), fmt_number(sum(counts.values()), lang)))
    return rows


def _conclusion(doc: DocumentType, audit: Audit) -> None:
    if audit.conformity is None and audit.effective is None and not audit.conclusion:
        paragraph(doc, _("No conclusion recorded yet."), italic=True)
        return
    effective = {None: "—", True: _("Yes"), False: _("No")}[audit.effective]
    key_values(
        doc,
        [
            (_("Conformity of the system"), _label(AUDIT_CONFORMITY, audit.conformity or "—")),
            (_("Effectively implemented and maintained"), effective),
        ],
    )
    if audit.conclusion:
        paragraph(doc, audit.conclusion)
    for caption, text in ((_("Strengths"), audit.strengths), (_("Recommendations"), audit.recommendations)):
        if text:
            paragraph(doc, caption, bold=True)
            paragraph(doc, text)


REPORT_SOURCE = "audit_report"


def report_heading(audit: Audit) -> layout.Heading:
    """Type, subject and number of an audit report: numbered and dated once steering approves it."""
    return layout.Heading(
        kind=_("Report"),
        subject=_("Results of internal audit %(ref)s at %(units)s", ref=audit.ref, units=_unit_names(audit)),
        symbol=f"{DocType.REPORT.value}-{issuers.steering_symbol()}",
        number=audit.report_number,
        issued_on=audit.report_date,
        year=audit.year,
        draft=audit.report_number is None,
    )


def report_recipients(audit: Audit) -> list[str]:
    recipients = [_("Leadership of the People's Committee"), _("Members of the ISO steering committee")]
    recipients += [u.name for u in audit.units]
    recipients.append(_("Filed: ISO secretariat"))
    return recipients


def report_signatures(audit: Audit) -> list[layout.Signature]:
    """The lead auditor signs the report; the head of the steering committee approves it on the
    committee's behalf."""
    approver = audit.report_approved_by.full_name if audit.report_approved_by else None
    lead = layout.Signature(
        title=pgettext("signature", "Lead auditor"), name=audit.lead.full_name if audit.lead else ""
    )
    return [lead, issuers.steering_head(approver)]


def audit_report_bytes(audit: Audit, lang: str, reader: User | None = None) -> bytes:
    """The report as issued (the same bytes, whatever changed since) once steering approved it; a
    fresh export otherwise, or in another language than the issued one. A reader who may see only
    some of its findings (access.finding_unit_scope) gets a fresh export of those."""
    restricted = reader is not None and access.finding_unit_scope(reader) is not None
    issued = issuing.current_issue(REPORT_SOURCE, audit.ref)
    if issued is not None and issued.lang == lang and not restricted:
        return issuing.issued_bytes(issued)
    return to_bytes(audit_report(audit, lang, reader=reader))


def _unit_names(audit: Audit) -> str:
    return ", ".join(u.name for u in audit.units)


def audit_report(
    audit: Audit, lang: str, *, today: date | None = None, reader: User | None = None
) -> DocumentType:
    """Báo cáo đánh giá: identification, team, scope and criteria, summary, findings, corrective-action
    status, conclusion and distribution list."""
    today = today or date.today()
    findings = [f for f in reporting.findings_of(audit, reader) if f.status != WITHDRAWN]
    doc = layout.begin(issuers.steering(), report_heading(audit), lang)
    heading(doc, _("1. Identification of the audit"), 1)
    key_values(
        doc,
        [
            (_("Reference"), audit.ref),
            (_("Type of audit"), _label(AUDIT_KIND, audit.kind)),
            (_("Audited units"), _units(audit)),
            (_("Dates"), _dates(audit, lang)),
            (_("Lead auditor"), audit.lead.full_name if audit.lead else ""),
            (_("Status"), _label(AUDIT_STATUS, audit.status)),
        ],
    )
    heading(doc, _("2. Audit team"), 1)
    _team_table(doc, audit)
    heading(doc, _("3. Scope and criteria"), 1)
    _scope(doc, audit, lang)
    paragraph(doc, _("Criteria: %(criteria)s", criteria=_criteria(audit)))
    heading(doc, _("4. Summary of findings"), 1)
    table(
        doc,
        [_("Kind of finding"), _("Count")],
        _summary_rows(reporting.counts_by_kind(findings), lang),
        widths_cm=[11.0, 5.0],
    )
    heading(doc, _("5. Findings"), 1)
    if findings:
        known = remapping.equivalents_of("finding", ((f.id, f.clause) for f in findings))
        kinds, statuses = _words(FINDING_KIND), _words(FINDING_STATUS)  # translated once, not per row
        table(
            doc,
            [_("Ref."), _("Kind"), _("Clause"), _("Unit"), _("Statement"), _("Status")],
            [
                (
                    f.label_in(lang),
                    kinds.get(f.kind, f.kind),
                    _finding_clause(f, known),
                    f.unit.code,
                    f.statement,
                    statuses.get(f.status, f.status),
                )
                for f in findings
            ],
            widths_cm=[2.4, 2.4, 1.8, 2.0, 5.4, 2.4],
            font_size=10,
        )
    else:
        paragraph(doc, _("No findings."), italic=True)
    heading(doc, _("6. Corrective actions"), 1)
    status = reporting.action_status(findings, today)
    key_values(
        doc,
        [
            (_("Nonconformities"), fmt_number(status.nonconformities, lang)),
            (_("Waiting for the unit's plan"), fmt_number(status.waiting_plan, lang)),
            (_("Actions under way"), fmt_number(status.in_progress, lang)),
            (_("Actions done, to verify"), fmt_number(status.to_verify, lang)),
            (_("Closed (verified effective)"), fmt_number(status.closed, lang)),
            (_("Corrective actions"), fmt_number(status.actions, lang)),
            (
                _("Actions overdue on %(date)s", date=fmt_date(today, lang)),
                fmt_number(status.actions_overdue, lang),
            ),
        ],
    )
    heading(doc, _("7. Conclusion"), 1)
    _conclusion(doc, audit)
    return layout.finish(doc, report_recipients(audit), report_signatures(audit))


def nc_report(finding: Finding, lang: str) -> DocumentType:
    """Phiếu yêu cầu hành động khắc phục: the nonconformity, correction, cause, actions, verification and
    signatures."""
    title = _("Nonconformity and corrective action request")
    doc = layout.iso_document(f"{title} {finding.label}")
    layout.iso_header(
        doc,
        body_name=issuers.steering().body,
        kind=_("Form"),
        title=title,
        facts=[
            (_("Code"), settings.get("nc_form_code")),
            (_("Issue"), settings.get("nc_form_issue")),
            (_("Reference"), finding.label),
            (_("Audit"), finding.audit.ref),
        ],
    )
    clause = finding.clause
    key_values(
        doc,
        [
            (_("Reference"), finding.label),
            (_("Audit"), f"{finding.audit.ref} ({_dates(finding.audit, lang)})"),
            (_("Unit"), f"{finding.unit.name} ({finding.unit.code})"),
            (_("Kind"), _label(FINDING_KIND, finding.kind)),
            (_("Clause"), f"{remapping.clause_ref(finding, 'finding', finding.id)} {clause.title(lang)}"),
            (_("Raised on"), fmt_date(finding.raised_on, lang)),
            (_("Raised by"), finding.raised_by.full_name if finding.raised_by else ""),
            (_("Status"), _label(FINDING_STATUS, finding.status)),
        ],
    )
    heading(doc, _("1. Nonconformity"), 1)
    if finding.requirement:
        paragraph(doc, _("Requirement: %(text)s", text=finding.requirement))
    if finding.evidence:
        paragraph(doc, _("Evidence: %(text)s", text=finding.evidence))
    paragraph(doc, _("Statement: %(text)s", text=finding.statement), bold=True)
    plan = finding.corrective_action
    heading(doc, _("2. Correction"), 1)
    paragraph(doc, (plan.correction if plan else "") or _("Not recorded yet."))
    heading(doc, _("3. Root cause"), 1)
    paragraph(doc, (plan.root_cause if plan else "") or _("Not recorded yet."))
    for i, why in enumerate(plan.whys if plan else [], 1):
        paragraph(doc, _("Why %(n)s: %(text)s", n=i, text=why))
    heading(doc, _("4. Corrective actions"), 1)
    if finding.actions:
        table(
            doc,
            [_("No."), _("Action"), _("Owner"), _("Due on"), _("Done on"), _("Round")],
            [
                (i, a.what, a.owner_name, fmt_date(a.due_on, lang), fmt_date(a.done_on, lang), a.round)
                for i, a in enumerate(finding.actions, 1)
            ],
            widths_cm=[1.0, 6.2, 3.2, 2.3, 2.3, 1.2],
            font_size=10,
        )
    else:
        paragraph(doc, _("No corrective action recorded yet."), italic=True)
    if plan is not None and plan.reviewed_at is not None:
        paragraph(
            doc,
            _(
                "Plan reviewed by %(who)s on %(when)s. %(comment)s",
                who=plan.reviewed_by.full_name if plan.reviewed_by else "",
                when=fmt_datetime(plan.reviewed_at, lang),
                comment=plan.review_comment,
            ),
        )
    heading(doc, _("5. Verification of effectiveness"), 1)
    if finding.checks:
        table(
            doc,
            [_("Date"), _("Verifier"), _("Evidence"), _("Effective")],
            [
                (
                    fmt_date(c.checked_on, lang),
                    c.verifier.full_name if c.verifier else "",
                    c.evidence,
                    _("Yes") if c.effective else _("No"),
                )
                for c in finding.checks
            ],
            widths_cm=[2.5, 4.0, 7.5, 2.0],
        )
    else:
        paragraph(doc, _("Not verified yet."), italic=True)
    heading(doc, _("6. Signatures"), 1)
    sign = table(
        doc,
        [_("Auditor"), _("Head of the audited unit"), _("Verifier")],
        [(_("(signature, full name)"),) * 3, ("\n\n\n",) * 3],
        widths_cm=[5.3, 5.4, 5.3],
    )
    sign.autofit = False
    return doc


PROGRAMME_SOURCE = "audit_programme"


def programme_document(
    programme: AuditProgramme, lang: str, *, number: str | None = None, issued_on: date | None = None
) -> DocumentType:
    """Chương trình đánh giá: the year's objectives, scope, criteria and every audit with its status;
    numbered when the leadership approves it, with the approving decision under its subject."""
    audits = reporting.audits_of_year(programme.year)
    approved = programme.decision_number and programme.decision_date
    if number is None and approved:
        issued = issuing.current_issue(PROGRAMME_SOURCE, str(programme.year))
        number, issued_on = (issued.number, issued.issued_on) if issued else (None, None)
    heading_ = layout.Heading(
        kind=_("Programme"),
        subject=_("Internal audit of the quality management system in %(year)s", year=programme.year),
        symbol=f"{DocType.PROGRAMME.value}-{issuers.steering_symbol()}",
        number=number,
        issued_on=issued_on or programme.decision_date,
        year=programme.year,
        draft=not approved,
        subtitle=_(
            "(Issued with Decision No. %(number)s of %(date)s)",
            number=programme.decision_number,
            date=fmt_date(programme.decision_date, lang),
        )
        if approved
        else "",
    )
    doc = layout.begin(issuers.steering(), heading_, lang)
    key_values(
        doc,
        [
            (_("Year"), str(programme.year)),
            (_("Criteria"), programme.criteria),
            (
                _("Approved by"),
                programme.approved_by.full_name if programme.approved_by else _("Not approved"),
            ),
            (_("Approved on"), fmt_datetime(programme.approved_at, lang)),
            (_("Audits"), fmt_number(len(audits), lang)),
        ],
    )
    heading(doc, _("1. Objectives"), 1)
    paragraph(doc, programme.objectives or _("Not stated."))
    heading(doc, _("2. Scope"), 1)
    paragraph(doc, programme.scope or _("Not stated."))
    heading(doc, _("3. Audits"), 1)
    if audits:
        table(
            doc,
            [_("No."), _("Ref."), _("Audited units"), _("Dates"), _("Type"), _("Lead auditor"), _("Status")],
            [
                (
                    i,
                    a.ref,
                    _units(a),
                    _dates(a, lang),
                    _label(AUDIT_KIND, a.kind),
                    a.lead.full_name if a.lead else "",
                    _label(AUDIT_STATUS, a.status),
                )
                for i, a in enumerate(audits, 1)
            ],
            font_size=10,
        )
    else:
        paragraph(doc, _("No audits planned yet."), italic=True)
    if programme.notes:
        heading(doc, _("4. Notes"), 1)
        paragraph(doc, programme.notes)
    recipients = [_("Leadership of the People's Committee"), _("Members of the ISO steering committee")]
    recipients += [_("The units to be audited"), _("Filed: ISO secretariat")]
    return layout.finish(doc, recipients, [issuers.steering_head()])


def programme_bytes(programme: AuditProgramme, lang: str) -> bytes:
    """The programme as issued once approved (the same bytes); a fresh draft otherwise."""
    issued = issuing.current_issue(PROGRAMME_SOURCE, str(programme.year))
    if issued is not None and issued.lang == lang:
        return issuing.issued_bytes(issued)
    return to_bytes(programme_document(programme, lang))


def file_name(kind: str, ref: str | int) -> str:
    return f"{kind}-{ref}.docx"
