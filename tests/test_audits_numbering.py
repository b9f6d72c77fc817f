"""Nonconformity numbers under concurrency: auditors saving at the same moment on PostgreSQL, each with
its own connection, never get the same number."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from audits.models import Audit, Finding
from audits.services import findings
from qms.extensions import db
from qms.models.org import Unit, User
from tests.audits_support import planned_audit
from tests.conftest import Org

THREADS = 4
EACH = 3


def test_concurrent_saves_get_distinct_consecutive_numbers(app: Flask, orgdata: Org) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrent sessions are tested on PostgreSQL")
    audit_id = planned_audit(orgdata).id
    auditor_id, unit_id = orgdata.auditor.id, orgdata.unit_a.id
    db.session.remove()
    barrier = threading.Barrier(THREADS)
    refs: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def auditor_saves() -> None:
        try:
            with app.app_context():
                audit, auditor = db.session.get(Audit, audit_id), db.session.get(User, auditor_id)
                unit = db.session.get(Unit, unit_id)
                for _ in range(EACH):
                    barrier.wait(timeout=30)  # everyone saves at the same moment
                    finding = findings.create_finding(
                        audit,
                        actor=auditor,
                        kind="minor",
                        edition="2008",
                        clause="4.2.3",
                        unit=unit,
                        statement="Đồng thời",
                        raised_on=date(2018, 7, 17),
                    )
                    time.sleep(0.05)  # hold the transaction open while the others wait
                    db.session.commit()
                    with lock:
                        refs.append(finding.ref)
                db.session.remove()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=auditor_saves) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(refs) == [f"NC-2018-{n:03d}" for n in range(1, THREADS * EACH + 1)]
    stored = list(db.session.scalars(select(Finding.ref)))
    assert len(stored) == len(set(stored)) == THREADS * EACH
