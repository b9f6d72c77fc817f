"""Background jobs: what kinds of long work exist, asking for one, and recording how it went.

A kind is registered at app start (`register`) with the function that does the work; that function
takes the job and a `Progress` callback and returns a `JobResult` (a file to download and/or a message).
Where the work runs (a worker through Redis, or at once in the request) is decided by `qms.jobs`; the
state kept here is the same either way, so the progress page reads it from any process.
The scheduled work (`qms notify`) is recorded as a `SchedulerRun` on success, for the health page.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from qms.extensions import db
from qms.models.base import utcnow
from qms.models.jobs import BackgroundJob, JobStatus, SchedulerRun
from qms.models.org import User
from qms.services import access
from qms.services.errors import DomainError, NotFound

Progress = Callable[[int, str], None]


def missed_after() -> timedelta:
    """A day's run is missed when no run succeeded within this time (a daily cron plus slack; set
    QMS_SCHEDULER_MISSED_HOURS=74 when cron runs on weekdays only)."""
    return timedelta(hours=int(current_app.config.get("QMS_SCHEDULER_MISSED_HOURS", 26)))


@dataclass
class JobResult:
    """What a job leaves: a file (bytes and download name) and/or a message for the progress page."""

    data: bytes | None = None
    name: str | None = None
    message: str = ""


@dataclass(frozen=True)
class JobKind:
    name: str
    title: Any  # a lazy string: shown on the progress page in the reader's language
    run: Callable[[BackgroundJob, Progress], JobResult]
    scheduled: bool = False  # scheduled work: each success is recorded as a SchedulerRun


# Filled at app start by the areas that offer long work; the same in every process (no per-request state).
_KINDS: dict[str, JobKind] = {}


def register(
    name: str, title: Any, run: Callable[[BackgroundJob, Progress], JobResult], *, scheduled: bool = False
) -> None:
    _KINDS[name] = JobKind(name, title, run, scheduled)


def kind_of(job: BackgroundJob) -> JobKind:
    try:
        return _KINDS[job.kind]
    except KeyError:
        raise DomainError(_l("Unknown kind of job: %(kind)s", kind=job.kind)) from None


def title_of(job: BackgroundJob) -> Any:
    found = _KINDS.get(job.kind)
    return found.title if found is not None else job.kind


def submit(kind: str, params: dict[str, Any], *, actor: User | None) -> BackgroundJob:
    """A new queued job; the caller commits, then hands its id to `qms.jobs.dispatch`. The files of jobs
    finished longer ago than QMS_JOB_FILES_DAYS go first, so the folder does not grow for ever."""
    if kind not in _KINDS:
        raise DomainError(_l("Unknown kind of job: %(kind)s", kind=kind))
    remove_old_files()
    job = BackgroundJob(
        kind=kind,
        params=params,
        requested_by_id=actor.id if actor is not None else None,
        status=JobStatus.QUEUED.value,
        progress=0,
        message="",
    )
    db.session.add(job)
    db.session.flush()
    return job


def get_job(job_id: int) -> BackgroundJob:
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        raise NotFound(_l("No such job."))
    return job


def visible_job(job_id: int, user: User | None) -> BackgroundJob:
    job = get_job(job_id)
    access.require_see_job(user, job.requested_by_id)
    return job


def jobs_of(user: User, limit: int = 20) -> list[BackgroundJob]:
    stmt = (
        select(BackgroundJob)
        .where(BackgroundJob.requested_by_id == user.id)
        .order_by(BackgroundJob.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def recent_jobs(limit: int = 30) -> list[BackgroundJob]:
    stmt = select(BackgroundJob).order_by(BackgroundJob.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def mark_running(job: BackgroundJob) -> None:
    job.status = JobStatus.RUNNING.value
    job.started_at = utcnow()
    job.progress = 0
    job.error = None
    db.session.flush()


def result_folder(job_id: int) -> Path:
    """Where a job's file is kept: under the instance folder, which every process of a deployment shares."""
    return Path(current_app.instance_path) / "jobs" / str(job_id)


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", Path(name).name).strip("._")
    return cleaned or "result"


def mark_done(job: BackgroundJob, result: JobResult) -> None:
    if result.data is not None:
        from qms.exports.document import write_atomic

        name = _safe_name(result.name or "result")
        folder = result_folder(job.id)
        write_atomic(result.data, folder / name)
        job.result_path = str(Path("jobs") / str(job.id) / name)
        job.result_name = result.name or name
    job.status = JobStatus.DONE.value
    job.progress = 100
    job.message = result.message
    job.finished_at = utcnow()
    if kind_of(job).scheduled:
        record_scheduler_run(job.kind, result.message, job=job)
    db.session.flush()


def mark_failed(job: BackgroundJob, error: str) -> None:
    job.status = JobStatus.FAILED.value
    job.error = error
    job.finished_at = utcnow()
    db.session.flush()


def files_kept_days() -> int:
    return int(current_app.config.get("QMS_JOB_FILES_DAYS", 7))


def file_removed(job: BackgroundJob) -> bool:
    """The job left a file that is no longer kept (its name stays, to say what it was)."""
    return job.status == JobStatus.DONE and job.result_name is not None and job.result_path is None


def remove_old_files(now: datetime | None = None) -> int:
    """Remove the files of jobs finished more than QMS_JOB_FILES_DAYS ago; how many were removed."""
    cutoff = (now or utcnow()) - timedelta(days=files_kept_days())
    old = db.session.scalars(
        select(BackgroundJob).where(
            BackgroundJob.result_path.is_not(None), BackgroundJob.finished_at < cutoff
        )
    ).all()
    for job in old:
        shutil.rmtree(result_folder(job.id), ignore_errors=True)
        job.result_path = None
    db.session.flush()
    return len(old)


def result_file(job: BackgroundJob) -> Path:
    """The file a finished job left, or NotFound when it has none (or it was removed)."""
    if job.status != JobStatus.DONE or not job.result_path:
        raise NotFound(_l("This job has no file to download."))
    path = Path(current_app.instance_path) / job.result_path
    if not path.is_file():
        raise NotFound(_l("The file of this job is no longer kept."))
    return path


def report_progress(job_id: int, percent: int, message: str = "") -> None:
    """Record progress in a transaction of its own, so that other processes see it while the job's own
    work is still uncommitted. Best effort: a busy database only delays the next report."""
    percent = max(0, min(100, int(percent)))
    if db.engine.dialect.name == "sqlite":
        # One writer at a time: a second connection would wait for the job's own write lock (busy_timeout,
        # for each report) and give up. The figures go in with the job's work instead.
        job = db.session.get(BackgroundJob, job_id)
        if job is not None:
            job.progress, job.message = percent, message
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(
                update(BackgroundJob)
                .where(BackgroundJob.id == job_id)
                .values(progress=percent, message=message)
            )
    except OperationalError:
        current_app.logger.warning("progress of job %s not recorded: database busy", job_id)


# --- the scheduler's health ----------------------------------------------------------------------


@dataclass
class SchedulerHealth:
    kind: str
    last_run: SchedulerRun | None
    missed: bool
    recent: list[SchedulerRun]


def record_scheduler_run(kind: str, summary: str, *, job: BackgroundJob | None = None) -> SchedulerRun:
    run = SchedulerRun(kind=kind, summary=summary, job_id=job.id if job else None, finished_at=utcnow())
    db.session.add(run)
    db.session.flush()
    return run


def scheduler_health(kind: str = "notify", now: datetime | None = None) -> SchedulerHealth:
    """The last successful run of `kind`, and whether a day was missed: no success within 26 hours
    (QMS_SCHEDULER_MISSED_HOURS)."""
    now = now or utcnow()
    stmt = select(SchedulerRun).where(SchedulerRun.kind == kind).order_by(SchedulerRun.finished_at.desc())
    recent = list(db.session.scalars(stmt.limit(10)))
    last = recent[0] if recent else None
    missed = last is None or _aware(last.finished_at) < now - missed_after()
    return SchedulerHealth(kind=kind, last_run=last, missed=missed, recent=recent)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes for timezone-aware columns; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
