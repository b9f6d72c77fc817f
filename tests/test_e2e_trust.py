"""Trust journeys in the real Chromium, in Vietnamese: a person makes and revokes an API token and signs
out a session of theirs on another browser, from the user menu, at laptop and phone width; steering asks
for the findings register as a background job and its page follows the job (queued in Redis, run by
`qms worker`) until the file can be downloaded; the administrator sees the scheduler's page."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from qms.app import create_app
from tests.e2e_support import (
    ADMIN_EMAIL,
    LAPTOP,
    MEMBER_EMAIL,
    PHONE,
    LiveServer,
    serving,
    sign_in,
    snap,
)
from tests.test_e2e_audit_year import go

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/15"
STEERING = "steering@demo.qms.vn"


def user_menu(page: Any, entry: str) -> None:
    """Open the user menu (inside the collapsed navigation on a phone) and follow `entry`."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator(".navbar-collapse.show").wait_for(state="visible")  # opened, not still sliding
    page.locator("#user-menu").click()
    link = page.locator("#user-menu + .dropdown-menu.show").get_by_role("link", name=entry, exact=True)
    link.wait_for(state="visible")
    link.click()
    page.wait_for_load_state("load")


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


@pytest.mark.parametrize(("width", "height", "name"), [(*LAPTOP, "laptop"), (*PHONE, "phone")])
def test_a_person_makes_and_revokes_an_api_token(
    live_server: LiveServer, open_page: Any, screenshots: Path, width: int, height: int, name: str
) -> None:
    page = open_page(width, height)
    sign_in(page, live_server, MEMBER_EMAIL)
    user_menu(page, "Mã truy cập API")
    assert page.locator("h1").inner_text() == "Mã truy cập API"

    # An empty name is refused next to the field; the date typed stays.
    page.locator("input[name=expires]").fill("2099-01-01")
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("input[name=name].is-invalid").count() == 1
    assert page.locator("input[name=expires]").input_value() == "2099-01-01"

    token_name = f"Một cửa {name}"
    page.locator("input[name=name]").fill(token_name)
    page.locator("input[name=expires]").fill("")
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state("load")
    secret = page.locator("#new-token code").inner_text().strip()
    assert secret.startswith("qms_")
    assert no_horizontal_scroll(page)
    snap(page, screenshots, f"api-token-created-{name}", full_page=True)

    # The token works on the API, and the secret is never shown again.
    assert page.request.get(live_server("/api/v1/units"), headers={"Authorization": f"Bearer {secret}"}).ok
    user_menu(page, "Mã truy cập API")
    assert secret not in page.content()

    row = page.locator("tbody tr", has_text=token_name)
    page.once("dialog", lambda dialog: dialog.accept())  # "Revoke this token? …"
    row.get_by_role("button", name="Thu hồi").click()
    page.wait_for_load_state("load")
    assert "đã thu hồi" in page.locator("tbody tr", has_text=token_name).inner_text()
    refused = page.request.get(live_server("/api/v1/units"), headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401


@pytest.mark.parametrize(("width", "height", "name"), [(*LAPTOP, "laptop"), (*PHONE, "phone")])
def test_a_person_signs_out_a_session_on_another_browser(
    live_server: LiveServer, open_page: Any, screenshots: Path, width: int, height: int, name: str
) -> None:
    elsewhere = open_page()
    sign_in(elsewhere, live_server, ADMIN_EMAIL)
    page = open_page(width, height)
    sign_in(page, live_server, ADMIN_EMAIL)
    user_menu(page, "Phiên đăng nhập")
    assert page.locator("#sessions tbody tr", has_text="Phiên này").count() == 1
    assert page.locator("#sessions tbody tr").count() >= 2
    assert no_horizontal_scroll(page)
    snap(page, screenshots, f"sessions-{name}", full_page=True)

    page.locator("#end-others").click()
    page.wait_for_load_state("load")
    assert page.locator("#sessions tbody tr").count() == 1
    # the other browser's next page is the sign-in page; this one stays signed in
    elsewhere.reload()
    assert "/login" in elsewhere.url
    page.reload()
    assert "/login" not in page.url


@pytest.fixture
def queued_server(live_server: LiveServer) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """The demo database served by a second app that queues its background jobs in Redis, and the
    environment a `qms worker` for that queue needs. Nothing runs the queue until the test starts one."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    database = live_server.app.config["SQLALCHEMY_DATABASE_URI"]
    queue = f"qms-e2e-{uuid.uuid4().hex[:8]}"
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": database,
            "QMS_REDIS_URL": REDIS_URL,
            "QMS_JOB_QUEUE": queue,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "1000 per minute",
        },
        instance_path=live_server.app.instance_path,
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QMS_DATABASE_URL": database,
        "QMS_INSTANCE_PATH": live_server.app.instance_path,
        "QMS_REDIS_URL": REDIS_URL,
        "QMS_JOB_QUEUE": queue,
        "QMS_SECRET_KEY": "e2e-secret",
    }
    try:
        with serving(app) as server:
            yield server, env
    finally:
        redis.Redis.from_url(REDIS_URL).delete(f"rq:queue:{queue}")


def test_the_job_page_follows_a_queued_export_until_its_file_is_ready(
    queued_server: tuple[LiveServer, dict[str, str]], open_page: Any, screenshots: Path, tmp_path: Path
) -> None:
    server, worker_env = queued_server
    page = open_page()
    sign_in(page, server, STEERING)
    go(page, "Đánh giá nội bộ")
    if page.locator("#download-findings").count() == 0:  # the programme list: open 2018's programme
        page.get_by_role("link", name="2018", exact=True).first.click()
        page.wait_for_load_state("load")
    page.locator("#download-findings").click()
    page.wait_for_url("**/jobs/*")

    # Queued, and nothing runs the queue yet: the page says so and keeps asking.
    assert page.locator("#job").get_attribute("data-job-finished") == "no"
    assert page.locator("#job-waiting").is_visible()
    assert page.locator("#job-download").count() == 0
    snap(page, screenshots, "job-queued")

    worker = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "worker", "--burst"],
        env=worker_env,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr.decode(errors="replace")[-2000:]

    # The page's script notices the job has finished and reloads: the download is offered.
    page.locator("#job-download").wait_for(state="visible", timeout=20_000)
    assert page.locator("#job-progress").inner_text() == "100%"
    snap(page, screenshots, "job-done")
    with page.expect_download() as download_info:
        page.locator("#job-download").click()
    download = download_info.value
    assert download.suggested_filename == "findings-2018.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(str(path))
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    cells = [str(c.value) for row in sheet.iter_rows(max_row=40) for c in row if c.value]
    assert any("NC-2018-" in c for c in cells)

    # The job is listed under "My jobs" as done.
    user_menu(page, "Tác vụ của tôi")
    assert page.locator("main table tbody tr").first.inner_text().count("2018") >= 1


def test_the_administrator_sees_the_scheduler(
    live_server: LiveServer, open_page: Any, screenshots: Path
) -> None:
    page = open_page(*PHONE)
    sign_in(page, live_server, ADMIN_EMAIL)
    page.locator(".navbar-toggler").click()
    page.locator(".navbar-collapse.show").wait_for(state="visible")
    page.get_by_role("button", name="Quản trị").first.click()
    link = page.locator(".dropdown-menu.show").get_by_role("link", name="Việc định kỳ và tác vụ nền")
    link.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().endswith("Việc định kỳ và tác vụ nền")
    assert no_horizontal_scroll(page)
    snap(page, screenshots, "scheduler-phone", full_page=True)
