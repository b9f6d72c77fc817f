"""Background jobs: inline without Redis, on an RQ worker with Redis, failures recorded, the progress page
only for its requester (and administrators); the scheduler's health from `qms notify`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from audits.models import Audit
from audits.services import importing
from cli import cli
from qms.extensions import db
from qms.models.base import utcnow
from qms.models.jobs import BackgroundJob, SchedulerRun
from qms.services import jobs as job_service
from qms.services.errors import DomainError
from tests.audits_support import nonconformity, planned_audit
from tests.conftest import Org, build_app, login

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def findings2018(app, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    nonconformity(orgdata, audit)
    nonconformity(orgdata, audit, kind="major", clause="8.2.2", statement="Chưa đánh giá nội bộ năm 2017.")
    db.session.commit()


def fetch(client, url: str):
    """GET a download and close it (the file is streamed from disk)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def ask_for_register(client) -> int:
    response = client.post("/audits/programmes/2018/findings.xlsx")
    assert response.status_code == 302
    assert "/jobs/" in response.headers["Location"]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_register_job_runs_inline_without_redis(app, findings2018, as_user):
    client = as_user("steering")
    job_id = ask_for_register(client)
    job = db.session.get(BackgroundJob, job_id)
    db.session.refresh(job)
    assert (job.status, job.progress, job.result_name) == ("done", 100, "findings-2018.xlsx")
    assert job.requested_by.email == "steering@example.vn"

    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f"/jobs/{job_id}/download" in page and 'id="job-download"' in page
    assert "job-progress.js" in page and "<script>" not in page  # polling from a static file only
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["finished"] is True and status["status"] == "done"
    assert status["download"] == f"/jobs/{job_id}/download"

    download = fetch(client, f"/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith("findings-2018.xlsx")
    sheet = openpyxl.load_workbook(BytesIO(download.data)).active
    assert sheet.max_row == 3  # the header and the two findings
    assert str(job_id) in client.get("/jobs/").get_data(as_text=True)


def test_all_audit_reports_of_a_year_as_one_archive(app, findings2018, as_user):
    import zipfile

    client = as_user("steering")
    assert 'id="download-audit-reports"' in client.get("/audits/programmes/2018").get_data(as_text=True)
    response = client.post("/audits/programmes/2018/audit-reports.zip")
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert client.get(f"/jobs/{job_id}/status.json").get_json()["status"] == "done"
    archive = zipfile.ZipFile(BytesIO(fetch(client, f"/jobs/{job_id}/download").data))
    assert archive.namelist() == ["audit-report-DG-2018-01.docx"]
    assert as_user("manager_a").post("/audits/programmes/2018/audit-reports.zip").status_code == 403
    assert as_user("steering").post("/audits/programmes/1999/audit-reports.zip").status_code == 404


def test_only_the_requester_and_admins_see_a_job(app, findings2018, as_user):
    job_id = ask_for_register(as_user("steering"))
    for other in ("auditor", "leader", "manager_a"):
        client = as_user(other)
        assert client.get(f"/jobs/{job_id}").status_code == 403
        assert client.get(f"/jobs/{job_id}/status.json").status_code == 403
        assert client.get(f"/jobs/{job_id}/download").status_code == 403
    client = as_user("admin")
    assert client.get(f"/jobs/{job_id}").status_code == 200
    assert fetch(client, f"/jobs/{job_id}/download").status_code == 200
    client.post("/logout")
    assert client.get(f"/jobs/{job_id}").status_code == 302  # to the sign-in page
    assert as_user("admin").get("/jobs/99999").status_code == 404


def test_failures_are_recorded_with_a_clear_message(app, orgdata, as_user):
    def refuses(job, progress):
        progress(40, "half way")
        raise DomainError("the register of 1999 does not exist")

    def breaks(job, progress):
        raise ZeroDivisionError("division by zero")

    job_service.register("test_refuses", "Refuses", refuses)
    job_service.register("test_breaks", "Breaks", breaks)
    from qms import jobs

    steering = orgdata.user("steering")
    first = job_service.submit("test_refuses", {}, actor=steering)
    second = job_service.submit("test_breaks", {}, actor=steering)
    db.session.commit()
    jobs.dispatch(first.id)
    jobs.dispatch(second.id)
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, first.error) == ("failed", "the register of 1999 does not exist")
    assert first.finished_at is not None and first.result_path is None
    assert second.status == "failed" and second.error == "unexpected ZeroDivisionError: division by zero"

    client = as_user("steering")
    page = client.get(f"/jobs/{first.id}").get_data(as_text=True)
    assert 'id="job-error"' in page and "the register of 1999 does not exist" in page
    assert client.get(f"/jobs/{first.id}/download").status_code == 404
    with pytest.raises(DomainError):
        job_service.submit("no_such_kind", {}, actor=steering)


def test_unreachable_queue_fails_the_job_clearly(database_url, tmp_path, findings2018):
    app = build_app(database_url, tmp_path / "instance", QMS_REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    with app.app_context():
        login(client, "steering@example.vn")
        job_id = ask_for_register(client)
        status = client.get(f"/jobs/{job_id}/status.json").get_json()
        assert status["status"] == "failed"
        # in the requester's language (Vietnamese, the default)
        assert status["error"] == "Không kết nối được hàng đợi tác vụ; vui lòng thử lại sau."


def test_import_as_a_background_job(app, orgdata, runner, tmp_path):
    path = tmp_path / "findings.csv"
    path.write_text(
        ",".join(importing.COLUMNS)
        + "\nDG-2017-04,P-A,2017-10-02,2017-10-03,minor,2008,4.2.3,Danh mục tài liệu cũ,,"
        + "2017-10-02,2017-11-30,\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, args=["import", "findings", "--background", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 imported (1 nonconformities)" in result.output
    assert db.session.scalar(select(Audit).where(Audit.ref == "DG-2017-04")) is not None
    job = db.session.scalars(select(BackgroundJob).where(BackgroundJob.kind == "import_findings")).one()
    assert job.status == "done"

    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(importing.COLUMNS) + "\nDG-2017-05,NOPE,2017-10-02,,minor,2008,4.2.3,x,,,,\n")
    result = runner.invoke(cli, args=["import", "findings", "--background", str(bad)])
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert db.session.scalar(select(Audit).where(Audit.ref == "DG-2017-05")) is None


def test_import_findings_from_the_browser_as_a_job(app, orgdata, as_user):
    header = ",".join(importing.COLUMNS)
    good = header + "\nDG-2017-04,P-A,2017-10-02,2017-10-03,minor,2008,4.2.3,Danh mục cũ,,2017-10-02,,\n"
    client = as_user("steering")
    assert 'id="import-findings"' in client.get("/audits/programmes").get_data(as_text=True)
    assert "audit_ref,unit_code" in client.get("/audits/import").get_data(as_text=True)
    response = client.post(
        "/audits/import",
        data={"file": (BytesIO(good.encode()), "findings.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert client.get(f"/jobs/{job_id}/status.json").get_json()["status"] == "done"
    assert db.session.scalar(select(Audit).where(Audit.ref == "DG-2017-04")) is not None

    bad = header + "\nDG-2017-05,NOPE,2017-10-02,2017-10-03,minor,2008,4.2.3,x,,2017-10-02,,\n"
    response = client.post(
        "/audits/import",
        data={"file": (BytesIO(bad.encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["status"] == "failed" and "unit_code" in status["error"]
    assert db.session.scalar(select(Audit).where(Audit.ref == "DG-2017-05")) is None

    response = client.post(
        "/audits/import",
        data={"file": (BytesIO(b"x"), "findings.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    assert as_user("manager_a").get("/audits/import").status_code == 403


# --- with Redis and an RQ worker -------------------------------------------------------------------


def redis_or_skip():
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: queued-job tests skipped")
    return connection


@pytest.fixture
def redis_app(database_url, tmp_path, orgdata):
    connection = redis_or_skip()
    queue_name = f"qms-test-{uuid.uuid4().hex[:8]}"
    app = build_app(database_url, tmp_path / "instance", QMS_REDIS_URL=REDIS_URL, QMS_JOB_QUEUE=queue_name)
    yield app
    connection.delete(f"rq:queue:{queue_name}")


def test_job_queued_in_redis_and_done_by_a_worker(redis_app, findings2018):
    from rq import SimpleWorker

    from qms import jobs

    client = redis_app.test_client()
    with redis_app.app_context():
        login(client, "steering@example.vn")
        job_id = ask_for_register(client)
        job = db.session.get(BackgroundJob, job_id)
        assert job.status == "queued"
        page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
        assert 'data-job-finished="no"' in page and 'id="job-download"' not in page
        assert client.get(f"/jobs/{job_id}/status.json").get_json()["finished"] is False

        queue = jobs.queue()
        assert queue.count == 1
        SimpleWorker([queue], connection=queue.connection).work(burst=True)

        db.session.expire_all()
        job = db.session.get(BackgroundJob, job_id)
        assert job.status == "done", job.error
        download = fetch(client, f"/jobs/{job_id}/download")
        assert openpyxl.load_workbook(BytesIO(download.data)).active.max_row == 3


def test_notify_is_queued_when_redis_is_configured(redis_app, monkeypatch):
    monkeypatch.setenv("QMS_SMTP_URL", "smtp://127.0.0.1:9")
    from rq import SimpleWorker

    from qms import jobs

    with redis_app.app_context():
        result = redis_app.test_cli_runner().invoke(cli, args=["notify", "--today", "2018-09-05"])
        assert result.exit_code == 0, result.output
        assert "queued" in result.output
        queue = jobs.queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        run = db.session.scalars(select(SchedulerRun)).one()
        assert run.summary.startswith("0 reminder(s) sent")


# --- the scheduler's health ------------------------------------------------------------------------


def test_scheduler_health_after_notify_and_missed_day(app, orgdata, runner, as_user, monkeypatch):
    client = as_user("admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'id="scheduler-missed"' in page  # never run yet

    monkeypatch.setenv("QMS_SMTP_URL", "smtp://127.0.0.1:9")  # nothing waits: no connection is made
    result = runner.invoke(cli, args=["notify"])
    assert result.exit_code == 0, result.output
    assert "0 reminder(s) sent" in result.output
    run = db.session.scalars(select(SchedulerRun)).one()
    assert run.kind == "notify" and run.job_id is not None

    assert 'id="scheduler-missed"' not in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/scheduler").get_data(as_text=True)
    assert 'id="scheduler-last-run"' in page and "0 reminder(s) sent" in page

    run.finished_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    assert 'id="scheduler-missed"' in client.get("/admin/").get_data(as_text=True)
    assert job_service.scheduler_health().missed

    assert as_user("steering").get("/admin/scheduler").status_code == 403


def test_failed_notify_is_not_a_successful_run(app, orgdata, runner, monkeypatch):
    monkeypatch.delenv("QMS_SMTP_URL", raising=False)
    result = runner.invoke(cli, args=["notify"])
    assert result.exit_code == 1
    assert db.session.scalars(select(SchedulerRun)).first() is None


def test_files_of_jobs_finished_more_than_a_week_ago_are_removed_by_the_next_job(app, findings2018, as_user):
    client = as_user("steering")
    old_id, recent_id = ask_for_register(client), ask_for_register(client)
    old, recent = db.session.get(BackgroundJob, old_id), db.session.get(BackgroundJob, recent_id)
    db.session.refresh(old)
    db.session.refresh(recent)
    old_file = job_service.result_folder(old_id)
    assert old_file.is_dir() and job_service.result_folder(recent_id).is_dir()
    old.finished_at = utcnow() - timedelta(days=8)
    recent.finished_at = utcnow() - timedelta(days=6)
    db.session.commit()

    newest = ask_for_register(client)  # asking for another file clears what is older than 7 days
    db.session.refresh(old)
    db.session.refresh(recent)
    assert not old_file.exists() and old.result_path is None and old.result_name == "findings-2018.xlsx"
    assert job_service.result_folder(recent_id).is_dir() and recent.result_path is not None
    assert fetch(client, f"/jobs/{newest}/download").status_code == 200

    page = client.get(f"/jobs/{old_id}").get_data(as_text=True)
    assert 'id="job-file-removed"' in page and 'id="job-download"' not in page
    assert "findings-2018.xlsx" in page and "7" in page
    assert fetch(client, f"/jobs/{old_id}/download").status_code == 404
    assert client.get(f"/jobs/{old_id}/status.json").get_json()["download"] is None
    listing = client.get("/jobs/").get_data(as_text=True)
    assert f"/jobs/{old_id}/download" not in listing and f"/jobs/{recent_id}/download" in listing
