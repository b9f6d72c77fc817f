"""Browser-test fixtures: the real app served over HTTP, driven by Debian's Chromium through Playwright.

Loaded for every test module by `pytest_plugins` in tests/conftest.py. Fixtures:

- `live_server` (session): the app on a temporary SQLite database initialised with the reference data
  and the demo city, served by werkzeug on a free 127.0.0.1 port in a background thread;
- `chromium` (session): Debian's Chromium (never a downloaded browser); the test is skipped when
  /usr/bin/chromium is missing;
- `open_page` (function): `open_page(width=1280, height=800)` opens a fresh browser context (no cookies)
  and returns its page; `sign_in(page, live_server, email)` signs in through the login form;
- `screenshots` (session): the folder screenshots go to (QMS_E2E_SCREENSHOTS, or a temporary folder);
  `snap(page, folder, name)` saves a PNG of the window (or of the whole page) there.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from audits.services.demo import load_audit_demo
from qms.app import create_app
from qms.extensions import db
from qms.services import demo, setup

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = (1280, 800)
PHONE = (390, 844)
ADMIN_EMAIL = next(u.email for u in demo.DEMO_USERS if "admin" in u.roles)
MEMBER_EMAIL = next(u.email for u in demo.DEMO_USERS if not u.roles and u.unit_role == "member")


class QuietHandler(WSGIRequestHandler):
    """No line per request in the test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class LiveServer:
    url: str
    app: Flask

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: Flask) -> Iterator[LiveServer]:
    """The app served by werkzeug on a free 127.0.0.1 port in a background thread, then stopped and its
    connections closed."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="qms-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'qms.sqlite3'}",
            "LOGIN_RATE_LIMIT": "1000 per minute",
        },
        instance_path=str(folder / "instance"),
    )
    with app.app_context():
        setup.initialise()
        demo.load_demo()
        load_audit_demo()
        db.session.commit()
        db.session.remove()
    with serving(app) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def open_(width: int = LAPTOP[0], height: int = LAPTOP[1]) -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("QMS_E2E_SCREENSHOTS")
    if wanted:
        folder = Path(wanted)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


def snap(page: Any, folder: Path, name: str, *, full_page: bool = False) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Any, server: LiveServer, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait for the dashboard."""
    page.goto(server("/login"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(server("/"))


def sign_out(page: Any) -> None:
    page.evaluate("document.querySelector('form[action$=\"/logout\"]').submit()")
    page.wait_for_url("**/login")


def set_language(page: Any, lang: str) -> None:
    """Press the language switch if the page is not in `lang` yet."""
    if page.locator("html").get_attribute("lang") != lang:
        page.locator("#lang-switch").click()
        page.wait_for_function(f"document.documentElement.lang === '{lang}'")
