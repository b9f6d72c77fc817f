"""The wheel works on its own: built, installed in a fresh virtual environment and run from a folder
outside the checkout, `qms init` finds the migrations and the reference data, and `qms run` serves the
login page with its templates, its translations and Bootstrap's stylesheet from the app itself."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from babel.support import Translations

from qms.paths import TRANSLATIONS_DIR

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parent.parent
PIP = ["-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]


def run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: int = 300) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


def reference_counts(database: Path) -> dict[str, int]:
    with closing(sqlite3.connect(database)) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("clause", "clause_mapping", "history_entry")
        }


def wait_for(url: str, server: subprocess.Popen[str], seconds: float = 60) -> tuple[int, str, str]:
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            out, err = server.communicate()
            pytest.fail(f"qms run exited {server.returncode}:\n{out}\n{err}")
        try:
            return fetch(url)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_installed_wheel_initialises_and_serves(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "FLASK_"))}
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env.update(
        QMS_INSTANCE_PATH=str(tmp_path / "instance"),
        QMS_DATABASE_URL=f"sqlite:///{tmp_path / 'qms.sqlite3'}",
        QMS_SECRET_KEY="packaging-test",
    )

    # Build the wheel and install it, with its dependencies, into a fresh virtual environment.
    wheels = tmp_path / "wheels"
    run([sys.executable, *PIP, "wheel", str(CHECKOUT), "--no-deps", "-w", str(wheels)], cwd=outside, env=env)
    (wheel,) = wheels.glob("qms_tracker-*.whl")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=outside, env=env)
    python, qms = venv / "bin" / "python", venv / "bin" / "qms"
    run([str(python), *PIP, "install", str(wheel)], cwd=outside, env=env, timeout=600)

    # The code comes from the environment, not from the checkout.
    location = run(
        [str(python), "-c", "import qms, cli; print(qms.__file__, cli.__file__)"], cwd=outside, env=env
    )
    assert str(CHECKOUT) not in location
    assert str(venv) in location

    # Migrations and reference data are found; a second run changes nothing.
    run([str(qms), "init"], cwd=outside, env=env)
    loaded = reference_counts(tmp_path / "qms.sqlite3")
    assert loaded["clause"] > 100 and loaded["clause_mapping"] > 50, loaded
    run([str(qms), "init"], cwd=outside, env=env)
    assert reference_counts(tmp_path / "qms.sqlite3") == loaded

    # The production server serves the login page, translated, with Bootstrap served locally.
    port = free_port()
    server = subprocess.Popen(
        [str(qms), "run", "--port", str(port)],
        cwd=outside,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        status, _type, page = wait_for(base + "/login", server)
        assert status == 200
        assert '<html lang="vi">' in page
        assert (
            re.search(r'<form method="post"', page) and 'name="email"' in page and 'name="password"' in page
        )
        sign_in_vi = Translations.load(str(TRANSLATIONS_DIR), ["vi"]).gettext("Sign in")
        assert sign_in_vi != "Sign in" and sign_in_vi in page
        stylesheets = re.findall(r'<link[^>]+href="([^"]+\.css)"', page)
        bootstrap = [href for href in stylesheets if "bootstrap" in href]
        assert bootstrap and all(href.startswith("/") for href in stylesheets), stylesheets
        for href in stylesheets:
            status, content_type, css = fetch(base + href)
            assert status == 200 and content_type.startswith("text/css"), (href, status, content_type)
            assert css.strip()
        status, _type, css = fetch(base + bootstrap[0])
        assert "Bootstrap" in css[:500]
    finally:
        server.terminate()
        try:
            server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
