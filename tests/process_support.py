"""Work run as another process: the `qms` command in a subprocess, stopped with SIGKILL midway, and
databases of either engine as `qms init` leaves them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from cli import cli
from qms.extensions import db
from tests.conftest import build_app, emptied_postgres

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()


def invoke(app: Flask, *args: str):
    result = app.test_cli_runner().invoke(cli, args=list(args))
    assert "Traceback" not in result.output + result.stderr, result.output + result.stderr
    db.session.expire_all()
    return result


def cli_process(database_url: str, instance: Path, *args: str, pause: str = "0.3") -> subprocess.Popen:
    """`qms ARGS` in its own process on the database at the URL; `pause` slows dump and load down."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QMS_DATABASE_URL": database_url,
        "QMS_INSTANCE_PATH": str(instance),
        "QMS_SECRET_KEY": "test-secret",
        "QMS_PORTABLE_PAUSE": pause,
    }
    return subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(check: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def kill_midway(process: subprocess.Popen, started: Callable[[], bool], after: float = 1.5) -> None:
    """SIGKILL the process `after` seconds once `started()` holds (nothing of it can clean up)."""
    try:
        wait_for(started)
        time.sleep(after)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def empty_target(engine: str, folder: Path, template: Path) -> str:
    """A database as `qms init` leaves it, of the engine, by its URL."""
    folder.mkdir()
    if engine == "sqlite":
        shutil.copy(template, folder / "qms.sqlite3")
        return f"sqlite:///{folder / 'qms.sqlite3'}"
    url = emptied_postgres()
    app = build_app(url, folder / "init-instance")
    with running(app):
        assert invoke(app, "init").exit_code == 0
        db.engine.dispose()
    return url
