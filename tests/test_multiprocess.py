"""A province deployment in small: two app processes (one under gunicorn, `qms run --workers 1`, one under
waitress, `qms run`) and one `qms worker`, on PostgreSQL and Redis. What one process knows, the other
knows: the signed-in session, the login rate limit's counter, and the background job's file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
import requests

from qms.extensions import db
from tests.audits_support import nonconformity, planned_audit
from tests.conftest import PASSWORD, Org
from tests.e2e_support import free_port

REDIS_URL = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parent.parent
BOOT_SECONDS = 30


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: the multi-process test is skipped")


@pytest.fixture
def deployment(database_url: str, app, orgdata: Org, tmp_path: Path) -> Iterator[list[str]]:
    """Two app processes and a worker on the test's PostgreSQL database; their URLs. Always stopped."""
    if not hasattr(os, "killpg"):
        pytest.skip("gunicorn and process groups need a POSIX system")
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL, not a test's SQLite file")
    redis_or_skip()
    audit = planned_audit(orgdata)
    nonconformity(orgdata, audit)
    db.session.commit()

    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QMS_DATABASE_URL": database_url,
        "QMS_REDIS_URL": REDIS_URL,
        "QMS_JOB_QUEUE": f"qms-mp-{uuid.uuid4().hex[:8]}",
        "QMS_SECRET_KEY": "province-secret",
        "QMS_INSTANCE_PATH": str(tmp_path / "shared-instance"),
        "QMS_LOGIN_RATE_LIMIT": "3 per minute",
        # Rate-limit counters default to Redis; a prefix of this run's own keeps other runs' counts apart.
        "QMS_RATELIMIT_STORAGE_URI": "",
        "QMS_RATELIMIT_KEY_PREFIX": f"qms-mp-{uuid.uuid4().hex[:8]}",
        "QMS_LANG": "en",
    }
    qms = [sys.executable, str(ROOT / "cli.py")]
    ports = [free_port(), free_port()]
    commands = [
        [*qms, "run", "--workers", "1", "--threads", "2", "--port", str(ports[0])],
        [*qms, "run", "--threads", "2", "--port", str(ports[1])],
        [*qms, "worker"],
    ]
    logs = [(tmp_path / f"process-{n}.log").open("wb") for n in range(len(commands))]
    processes = [
        subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        for command, log in zip(commands, logs, strict=True)
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            _wait_until_up(url, processes, tmp_path)
        yield urls
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, 15)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(timeout=5)
        for log in logs:
            log.close()
        import redis

        redis.Redis.from_url(REDIS_URL).delete(f"rq:queue:{env['QMS_JOB_QUEUE']}")


def _wait_until_up(url: str, processes: list[subprocess.Popen], logs: Path) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        dead = [p for p in processes if p.poll() is not None]
        if dead:
            output = "\n".join(f.read_text(errors="replace") for f in sorted(logs.glob("process-*.log")))
            pytest.fail(f"a process stopped while starting:\n{output[-3000:]}")
        try:
            if requests.get(url + "/login", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {BOOT_SECONDS} s")


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url).text
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found, page[:500]
    return found.group(1)


def test_two_app_processes_and_a_worker_share_everything(deployment: list[str]):
    one, two = deployment
    browser = requests.Session()

    # A session made on process 1 works on process 2 (cookies go to the host whatever the port).
    token = csrf_token(browser, one + "/login")
    response = browser.post(
        one + "/login",
        data={"csrf_token": token, "email": "steering@example.vn", "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 302
    assert browser.get(two + "/audits/programmes/2018", allow_redirects=False).status_code == 200

    # An export job asked for on process 1 is run by the worker and downloaded from process 2.
    token = csrf_token(browser, one + "/audits/programmes/2018")
    response = browser.post(
        one + "/audits/programmes/2018/findings.xlsx", data={"csrf_token": token}, allow_redirects=False
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_path = "/jobs/" + response.headers["Location"].rstrip("/").split("/jobs/")[1]
    deadline = time.monotonic() + 20
    status = browser.get(two + job_path + "/status.json").json()
    while not status["finished"] and time.monotonic() < deadline:
        time.sleep(0.3)
        status = browser.get(two + job_path + "/status.json").json()
    assert status["status"] == "done", status
    download = browser.get(two + status["download"])
    assert download.status_code == 200
    assert openpyxl.load_workbook(BytesIO(download.content)).active.max_row == 2
    assert requests.get(two + status["download"], allow_redirects=False).status_code == 302  # signed out

    # The login rate limit counted on process 1 (3 per minute: the sign-in above and two wrong
    # passwords) is enforced on process 2.
    stranger = requests.Session()
    for _ in range(2):
        token = csrf_token(stranger, one + "/login")
        wrong = {"csrf_token": token, "email": "steering@example.vn", "password": "wrong"}
        assert stranger.post(one + "/login", data=wrong).status_code == 200
    token = csrf_token(stranger, two + "/login")
    wrong = {"csrf_token": token, "email": "steering@example.vn", "password": "wrong"}
    assert stranger.post(two + "/login", data=wrong).status_code == 429
