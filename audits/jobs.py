"""The audits' long work, run as background jobs (see qms/services/jobs.py): the findings register of a
year, the daily reminder digests (`qms notify`) and the import of a findings file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.models.jobs import BackgroundJob
from qms.services import jobs
from qms.services.errors import DomainError
from qms.services.jobs import JobResult, Progress

FINDINGS_REGISTER = "findings_register"
AUDIT_REPORTS = "audit_reports"
NOTIFY = "notify"
IMPORT_FINDINGS = "import_findings"


def register() -> None:
    jobs.register(FINDINGS_REGISTER, _l("Findings register (.xlsx)"), findings_register)
    jobs.register(AUDIT_REPORTS, _l("Audit reports of a year (.zip)"), audit_reports)
    jobs.register(NOTIFY, _l("Reminder digests"), notify, scheduled=True)
    jobs.register(IMPORT_FINDINGS, _l("Import of audit findings"), import_findings)


def findings_register(job: BackgroundJob, progress: Progress) -> JobResult:
    from audits.exports.register import findings_workbook
    from qms.exports import workbook

    year = int(job.params["year"])
    with force_locale(job.params.get("lang", "vi")):
        progress(10, _("Reading the findings of %(year)s", year=year))
        data = workbook.to_bytes(findings_workbook(year))
        return JobResult(data, f"findings-{year}.xlsx", _("Findings register of %(year)s", year=year))


def audit_reports(job: BackgroundJob, progress: Progress) -> JobResult:
    """Every audit report of a year in one .zip archive, as `qms export audit-report --year Y --all`."""
    import zipfile
    from io import BytesIO

    from audits.exports import documents
    from audits.services import reporting

    year = int(job.params["year"])
    lang = job.params.get("lang", "vi")
    with force_locale(lang):
        audits = reporting.audits_of_year(year)
        if not audits:
            raise DomainError(_("no audits in %(year)s", year=year))
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, audit in enumerate(audits):
                progress(int(100 * done / len(audits)), _("Audit report %(ref)s", ref=audit.ref))
                name = documents.file_name("audit-report", audit.ref)
                archive.writestr(name, documents.audit_report_bytes(audit, lang))
        message = _("%(count)s audit reports of %(year)s", count=len(audits), year=year)
        return JobResult(buffer.getvalue(), f"audit-reports-{year}.zip", message)


def notify(job: BackgroundJob, progress: Progress) -> JobResult:
    """Send the day's digests; a success is recorded as a scheduler run (the health page reads it)."""
    from audits.services import reminders
    from qms.services import mail

    params = job.params
    day = date.fromisoformat(params["today"]) if params.get("today") else date.today()
    settings = mail.smtp_settings()
    if settings is None:
        raise DomainError(_("QMS_SMTP_URL is not set: no reminder sent"))
    days = int(params.get("days", reminders.HORIZON_DAYS))
    escalate_after = params.get("escalate_after")
    if escalate_after is None:
        escalate_after = reminders.escalate_after_days()
    progress(10, _("Gathering the work that waits"))
    found = reminders.digests(day, days=days, escalate_after=escalate_after)
    out = reminders.messages(
        settings, found, day, days=days, base_url=params.get("base_url", ""), escalate_after=escalate_after
    )
    progress(50, _("Sending %(count)s message(s)", count=len(out)))
    sent = mail.send(settings, out)
    return JobResult(
        message=_("%(count)s reminder(s) sent through %(server)s", count=sent, server=settings.describe())
    )


def import_findings(job: BackgroundJob, progress: Progress) -> JobResult:
    """All or nothing, as `qms import findings`; the file was copied beside the job when it was asked for."""
    from audits.services import importing
    from qms.services import access

    if job.requested_by is not None:  # from the web: the steering committee; from the CLI: the operator
        access.require_plan_audits(job.requested_by)
    path = jobs.result_folder(job.id) / Path(job.params["file"]).name
    progress(5, _("Reading %(file)s", file=path.name))
    result = importing.import_findings(str(path), actor=job.requested_by)
    return JobResult(
        message=_(
            "findings: %(findings)s imported (%(ncs)s nonconformities), %(skipped)s already present; "
            "audits created: %(audits)s",
            findings=result.findings,
            ncs=len(result.nonconformities),
            skipped=result.skipped,
            audits=", ".join(result.audits_created) or "0",
        )
    )
