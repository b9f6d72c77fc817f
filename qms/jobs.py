"""Where background jobs run: on an RQ worker through Redis when QMS_REDIS_URL is set, else at once.

This module is an entry point like a view or a CLI command: `perform` commits the job's state (running,
then done or failed) and the work's own changes in one transaction at the end.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import gettext as _

from qms.extensions import db
from qms.services import jobs
from qms.services.errors import DomainError

# The name RQ records for the job: a plain module function it imports in the worker.
PERFORM = "qms.jobs.perform_in_worker"


def redis_url() -> str | None:
    return current_app.config.get("QMS_REDIS_URL") or None


def redis_connection() -> Any:
    from redis import Redis

    url = redis_url()
    if not url:
        raise DomainError(_("QMS_REDIS_URL is not set: there is no job queue"))
    return Redis.from_url(url)


def queue(connection: Any = None) -> Any:
    from rq import Queue

    return Queue(current_app.config["QMS_JOB_QUEUE"], connection=connection or redis_connection())


def dispatch(job_id: int) -> None:
    """Hand a committed job to the queue, or run it now when no Redis is configured. A queue that cannot
    be reached fails the job with a clear message rather than leaving it queued for ever."""
    if not redis_url():
        perform(job_id)
        return
    from redis.exceptions import RedisError

    try:
        queue().enqueue(PERFORM, job_id, job_id=f"qms-job-{job_id}", job_timeout=3600, result_ttl=3600)
    except RedisError as exc:
        current_app.logger.error("job %s not queued: %s", job_id, exc)
        db.session.rollback()
        jobs.mark_failed(jobs.get_job(job_id), _("The job queue cannot be reached; try again later."))
        db.session.commit()


def perform(job_id: int) -> None:
    """Run one job in the current app context and commit its outcome."""
    job = jobs.get_job(job_id)
    try:
        kind = jobs.kind_of(job)
    except DomainError as exc:  # a job of a kind this version no longer knows
        jobs.mark_failed(job, str(exc.message))
        db.session.commit()
        return
    jobs.mark_running(job)
    db.session.commit()
    db.session.info["actor_id"] = job.requested_by_id  # the history names who asked for the work
    try:
        result = kind.run(job, lambda percent, message="": jobs.report_progress(job_id, percent, message))
        job = jobs.get_job(job_id)
        jobs.mark_done(job, result)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        if isinstance(exc, DomainError):
            error = str(exc.message)
        else:
            current_app.logger.exception("job %s (%s) failed", job_id, kind.name)
            error = _("unexpected %(kind)s: %(error)s", kind=type(exc).__name__, error=exc)
        jobs.mark_failed(jobs.get_job(job_id), error)
        db.session.commit()
    finally:
        db.session.info.pop("actor_id", None)


def perform_in_worker(job_id: int) -> None:
    """What the RQ worker calls: within the app the worker was started with (or a new one)."""
    if has_app_context():
        perform(job_id)
        return
    from qms.app import create_app

    app: Flask = create_app()
    with app.app_context():
        perform(job_id)


def run_worker(*, burst: bool = False) -> bool:
    """Work the configured queue until stopped (or until it is empty, with `burst`). A forking worker on
    POSIX (each job in a child process), a simple one where fork does not exist (Windows)."""
    from rq import SimpleWorker, Worker

    connection = redis_connection()
    worker_class = Worker if hasattr(os, "fork") else SimpleWorker
    worker = worker_class([queue(connection)], connection=connection)
    db.engine.dispose()  # no pooled connection shared with the forked children
    return bool(worker.work(burst=burst, with_scheduler=False))
