"""Importing a findings file from the browser: the upload is kept beside its job, which imports it (on a
worker when Redis is configured) all or nothing, as `qms import findings`."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from audits.forms import FindingsImportForm
from audits.jobs import IMPORT_FINDINGS
from audits.services import importing
from audits.views.blueprint import bp
from audits.views.programme_pages import require_planner
from qms import jobs
from qms.extensions import db
from qms.services import jobs as job_service


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_findings() -> str | Response:
    require_planner()
    form = FindingsImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        name = secure_filename(upload.filename or "") or "findings.csv"
        job = job_service.submit(IMPORT_FINDINGS, {"file": name}, actor=current_user)
        folder = job_service.result_folder(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        upload.save(folder / name)
        db.session.commit()
        jobs.dispatch(job.id)
        return redirect(url_for("jobs.show", job_id=job.id))
    return render_template("audits/import_findings.html", form=form, columns=importing.COLUMNS)
