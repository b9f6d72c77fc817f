"""Downloads: the audit plan and report, the nonconformity form, the programme, the findings register and
the calendar, in the language of the page."""

from __future__ import annotations

from io import BytesIO

from flask import redirect, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from audits.exports import documents
from audits.exports.register import audit_calendar, findings_workbook
from audits.jobs import AUDIT_REPORTS, FINDINGS_REGISTER
from audits.services import reporting
from audits.views.audit_pages import audit_or_404
from audits.views.blueprint import bp
from audits.views.finding_pages import finding_or_404
from audits.views.programme_pages import programme_or_404, require_reader
from qms import jobs
from qms.exports import document, workbook
from qms.extensions import db
from qms.formatting import current_lang
from qms.services import jobs as job_service
from qms.views.helpers import document_download

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, name: str, mimetype: str) -> Response:
    if mimetype == DOCX:
        return document_download(data, name)  # Word, or PDF with ?format=pdf
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/<ref>/plan.docx")
@login_required
def audit_plan_docx(ref: str) -> Response:
    audit = reporting.audit_by_ref(audit_or_404(ref).ref)
    data = documents.audit_plan_bytes(audit, current_lang())
    return _download(data, documents.file_name("audit-plan", audit.ref), DOCX)


@bp.route("/<ref>/report.docx")
@login_required
def audit_report_docx(ref: str) -> Response:
    audit = reporting.audit_by_ref(audit_or_404(ref).ref)
    data = documents.audit_report_bytes(audit, current_lang(), current_user)
    return _download(data, documents.file_name("audit-report", audit.ref), DOCX)


@bp.route("/findings/<int:finding_id>/nc-report.docx")
@login_required
def nc_report_docx(finding_id: int) -> Response:
    finding = finding_or_404(finding_id)
    doc = documents.nc_report(finding, current_lang())
    return _download(document.to_bytes(doc), documents.file_name("nc-report", finding.label), DOCX)


@bp.route("/programmes/<int:year>/programme.docx")
@login_required
def programme_docx(year: int) -> Response:
    require_reader()
    programme = programme_or_404(year)
    data = documents.programme_bytes(programme, current_lang())
    return _download(data, documents.file_name("programme", year), DOCX)


@bp.route("/programmes/<int:year>/findings.xlsx", methods=["GET", "POST"])
@login_required
def findings_xlsx(year: int) -> Response:
    """GET builds the register at once; POST (the page's button) asks for it as a background job and
    shows the job's progress page, which offers the file when it is ready."""
    require_reader()
    programme_or_404(year)
    if request.method == "POST":
        params = {"year": year, "lang": current_lang()}
        job = job_service.submit(FINDINGS_REGISTER, params, actor=current_user)
        db.session.commit()
        jobs.dispatch(job.id)
        return redirect(url_for("jobs.show", job_id=job.id))
    return _download(workbook.to_bytes(findings_workbook(year)), f"findings-{year}.xlsx", XLSX)


@bp.route("/programmes/<int:year>/audit-reports.zip", methods=["POST"])
@login_required
def audit_reports_zip(year: int) -> Response:
    """Every audit report of the year in one archive, prepared as a background job."""
    require_reader()
    programme_or_404(year)
    job = job_service.submit(AUDIT_REPORTS, {"year": year, "lang": current_lang()}, actor=current_user)
    db.session.commit()
    jobs.dispatch(job.id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/programmes/<int:year>/audits.ics")
@login_required
def calendar_ics(year: int) -> Response:
    require_reader()
    programme_or_404(year)
    return _download(audit_calendar(year).to_ical(), f"audits-{year}.ics", "text/calendar")
