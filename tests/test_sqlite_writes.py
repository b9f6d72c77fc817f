"""SQLite under many writers: transactions that may write take the write lock when they begin, so a
read-then-write waits its turn (busy_timeout) instead of failing with "database is locked"."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from cli import cli
from qms import sqlite
from qms.extensions import db
from qms.models import org as org_models
from qms.models.org import Unit
from qms.models.tokens import ApiToken
from qms.services import org, tokens
from tests.conftest import PASSWORD, build_app, login

THREADS = 32


@pytest.fixture
def file_app(sqlite_template: Path, tmp_path: Path) -> Flask:
    path = tmp_path / "qms.sqlite3"
    shutil.copy(sqlite_template, path)
    return build_app(f"sqlite:///{path}", tmp_path / "instance")


def _read_then_write(app: Flask, context: Callable[[int], object]) -> list[BaseException]:
    """THREADS workers, each with its own session, read the units, pause, then add one and commit."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            with app.app_context(), context(i):  # type: ignore[attr-defined]
                barrier.wait(timeout=30)
                count = db.session.scalar(select(func.count(Unit.id)))
                time.sleep(0.02)  # others read meanwhile
                org.create_unit(actor=None, code=f"T-{i}", name=f"Đơn vị {count} {i}", kind="department")
                db.session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            with app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _units(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(Unit.id)).where(Unit.code.like("T-%"))) or 0)


def test_concurrent_posts_that_read_then_write_all_succeed(file_app: Flask) -> None:
    errors = _read_then_write(file_app, lambda i: file_app.test_request_context("/units", method="POST"))
    assert errors == []
    assert _units(file_app) == THREADS


def test_work_outside_requests_marked_as_writing_all_succeeds(file_app: Flask) -> None:
    errors = _read_then_write(file_app, lambda i: sqlite.writing())
    assert errors == []
    assert _units(file_app) == THREADS


def _begins(app: Flask, run: Callable[[], object], seen: list[str] | None = None) -> list[str]:
    seen = [] if seen is None else seen

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            run()
        finally:
            event.remove(engine, "before_cursor_execute", record)
    return seen


def test_reads_begin_deferred_and_writes_begin_immediate(file_app: Flask, tmp_path: Path) -> None:
    def in_request(method: str) -> Callable[[], object]:
        def run() -> None:
            with file_app.test_request_context("/", method=method):
                db.session.scalar(select(func.count(Unit.id)))
                db.session.remove()

        return run

    assert _begins(file_app, in_request("GET")) == []  # the driver's own, deferred, if it writes
    assert _begins(file_app, in_request("POST")) == ["BEGIN IMMEDIATE"]

    def cli_command() -> None:
        out = tmp_path / "c.docx"
        result = file_app.test_cli_runner().invoke(cli, args=["export", "correspondence", "-o", str(out)])
        assert result.exit_code == 0, result.output

    assert set(_begins(file_app, cli_command)) == {"BEGIN IMMEDIATE"}


def test_signing_in_checks_the_password_before_taking_the_write_lock(
    file_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password check is slow on purpose: other writers must not queue behind it."""
    with file_app.app_context():
        org.create_user(actor=None, email="lan@example.vn", full_name="Lan", password=PASSWORD, roles=[])
        db.session.commit()
    seen: list[str] = []
    real = org_models.check_password_hash

    def checking(pwhash: str, password: str) -> bool:
        seen.append("password checked")
        return real(pwhash, password)

    monkeypatch.setattr(org_models, "check_password_hash", checking)
    client = file_app.test_client()
    assert client.get("/login").status_code == 200
    _begins(file_app, lambda: login(client, "lan@example.vn"), seen)
    assert seen[:3] == ["BEGIN", "password checked", "BEGIN IMMEDIATE"], seen


def test_an_api_read_answers_at_once_while_another_connection_writes(file_app: Flask, tmp_path: Path) -> None:
    with file_app.app_context():
        user = org.create_user(
            actor=None, email="api@example.vn", full_name="API", password=PASSWORD, roles=[]
        )
        db.session.commit()
        issued = tokens.create_token(user, actor=None, name="một cửa")
        db.session.commit()
        secret, token_id = issued.secret, issued.token.id
    client = file_app.test_client()
    writer = sqlite3.connect(tmp_path / "qms.sqlite3", timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock meanwhile
    try:
        started = time.perf_counter()
        response = client.get("/api/v1/units", headers={"Authorization": f"Bearer {secret}"})
        waited = time.perf_counter() - started
    finally:
        writer.rollback()
        writer.close()
    assert response.status_code == 200
    assert waited < 2  # the note of the token's use waited 0.2 s at most, then was left out
    with file_app.app_context():
        assert db.session.get(ApiToken, token_id).last_used_at is None
    # with the lock free, the next call notes it
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with file_app.app_context():
        assert db.session.get(ApiToken, token_id).last_used_at is not None
