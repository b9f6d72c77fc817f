"""Background jobs: the progress page, its small JSON status for the page's polling, and the download."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from qms.formatting import fmt_datetime
from qms.models.jobs import BackgroundJob
from qms.services import jobs
from qms.services.errors import DomainError
from qms.views.helpers import refuse

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _job_or_refuse(job_id: int) -> BackgroundJob:
    try:
        return jobs.visible_job(job_id, current_user)
    except DomainError as exc:
        refuse(exc)
        raise


@bp.route("/")
@login_required
def index() -> str:
    return render_template("jobs/index.html", jobs=jobs.jobs_of(current_user), title_of=jobs.title_of)


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int) -> str:
    job = _job_or_refuse(job_id)
    return render_template(
        "jobs/show.html",
        job=job,
        title=jobs.title_of(job),
        file_removed=jobs.file_removed(job),
        kept_days=jobs.files_kept_days(),
    )


@bp.route("/<int:job_id>/status.json")
@login_required
def status(job_id: int) -> Response:
    job = _job_or_refuse(job_id)
    return jsonify(_status(job))


def _status(job: BackgroundJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "finished": job.finished,
        "finished_at": fmt_datetime(job.finished_at) if job.finished_at else None,
        "download": url_for("jobs.download", job_id=job.id) if job.result_path else None,
    }


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int) -> Response:
    job = _job_or_refuse(job_id)
    try:
        path = jobs.result_file(job)
    except DomainError as exc:
        refuse(exc)
        raise
    return send_file(path, as_attachment=True, download_name=job.result_name or path.name, max_age=0)
