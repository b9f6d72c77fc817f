"""A bounded load on a running app, loopback only: simulated people sign in, read pages and push figures.

    .venv/bin/python bench/load.py                                   # SQLite, one process, 50 users × 60 s
    .venv/bin/python bench/load.py --users 20 --seconds 15
    QMS_DATABASE_URL=postgresql://postgres@127.0.0.1/qms_load .venv/bin/python bench/load.py --processes 2

The script makes a new instance folder (and empties the PostgreSQL database it is given), loads the
demo, adds one unit, manager and API token per simulated person, starts `qms run` (with `--workers N`
for N > 1) on a free port of 127.0.0.1, and lets each person, until the time is up: open the dashboard
and *My work* with a signed-in session, read the API's unit list, and push one month's case figures of
their own unit through the API. At the end it counts the figures stored and prints the requests, errors
(5xx, refused connections, unexpected answers), writes acknowledged and found, and p50/p95 per kind.
It exits 1 on any error or lost write.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
QMS = str(Path(sys.executable).with_name("qms"))
PASSWORD = "Ngọc lan nở sớm 2026"  # any strong password; the accounts are made here


# The PostgreSQL database given is emptied first (a load needs its own, new data).
RESET_POSTGRESQL = """
from sqlalchemy import text
from qms.app import create_app
from qms.extensions import db
app = create_app()
with app.app_context():
    db.session.execute(text("DROP SCHEMA public CASCADE"))
    db.session.execute(text("CREATE SCHEMA public"))
    db.session.commit()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(env: dict[str, str], users: int) -> list[tuple[str, str, str]]:
    """Demo data plus, per simulated person, a unit they manage and an API token: (email, unit, token)."""
    subprocess.run([QMS, "demo"], env=env, check=True, capture_output=True)
    code = f"""
import json
from qms.app import create_app
from qms.extensions import db
from qms.models.org import MemberRole, UnitKind
from qms.services import org, tokens
app = create_app()
people = []
with app.app_context():
    for i in range({users}):
        unit = org.create_unit(
            actor=None, code=f"LOAD-{{i:03d}}", name=f"Đơn vị thử tải {{i}}", kind=UnitKind.COMMUNE
        )
        user = org.create_user(actor=None, email=f"load{{i}}@load.qms.vn", full_name=f"Người dùng {{i}}",
                               password={PASSWORD!r}, password_policy=False)
        org.add_membership(user, unit, MemberRole.MANAGER, actor=None)
        people.append((user.email, unit.code, tokens.create_token(user, actor=None, name="load").secret))
    db.session.commit()
print(json.dumps(people))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return [tuple(p) for p in json.loads(out.stdout.strip().splitlines()[-1])]


def stored_figures(env: dict[str, str]) -> int:
    code = """
from sqlalchemy import func, select
from qms.app import create_app
from qms.extensions import db
from qms.models.objectives import CaseStatistics
from qms.models.org import Unit
app = create_app()
with app.app_context():
    stmt = select(func.count(CaseStatistics.id)).join(Unit, Unit.id == CaseStatistics.unit_id)
    print(db.session.scalar(stmt.where(Unit.code.like("LOAD-%"))))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.acknowledged = 0

    def record(self, kind: str, started: float, ok: bool, what: str = "") -> None:
        with self.lock:
            self.times[kind].append((time.perf_counter() - started) * 1000)
            if not ok:
                self.errors.append(f"{kind}: {what}")


def person(base: str, email: str, unit: str, token: str, until: float, tally: Tally) -> None:
    web = requests.Session()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    try:
        started = time.perf_counter()
        page = web.get(f"{base}/login", timeout=30)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        signed = web.post(
            f"{base}/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1) if csrf else ""},
            timeout=30,
            allow_redirects=False,
        )
        tally.record("sign in", started, signed.status_code == 302, f"{signed.status_code}")
    except requests.RequestException as exc:
        tally.record("sign in", started, False, type(exc).__name__)
        return
    month = 0
    while time.perf_counter() < until:
        for kind, call in (
            ("dashboard", lambda: web.get(f"{base}/", timeout=30)),
            ("my work", lambda: web.get(f"{base}/audits/my-work", timeout=30)),
            ("api units", lambda: api.get(f"{base}/api/v1/units?limit=50", timeout=30)),
        ):
            started = time.perf_counter()
            try:
                response = call()
                tally.record(kind, started, response.status_code == 200, f"{response.status_code}")
            except requests.RequestException as exc:
                tally.record(kind, started, False, type(exc).__name__)
        year, index = divmod(month, 12)
        month += 1
        item = {"unit_code": unit, "period": f"{2001 + year}-{index + 1:02d}", "received": 40, "resolved": 38,
                "on_time": 37, "late": 1, "online_eligible": 30, "online": 12}  # fmt: skip
        started = time.perf_counter()
        try:
            response = api.post(f"{base}/api/v1/case-statistics", json={"items": [item]}, timeout=30)
            ok = response.status_code in (200, 201) and response.json().get("created") == 1
            tally.record("api push", started, ok, f"{response.status_code} {response.text[:120]}")
            if ok:
                with tally.lock:
                    tally.acknowledged += 1
        except requests.RequestException as exc:
            tally.record("api push", started, False, type(exc).__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processes", type=int, default=1, help="app processes (gunicorn workers when > 1)")
    args = parser.parse_args(argv)

    instance = Path(tempfile.mkdtemp(prefix="qms-load-"))
    env = {
        **os.environ,
        "QMS_INSTANCE_PATH": str(instance),
        "QMS_SECRET_KEY": "load",
        "QMS_LOGIN_RATE_LIMIT": "1000 per minute",
        "QMS_LOGIN_ADDRESS_RATE_LIMIT": "10000 per minute",
    }
    url = os.environ.get("QMS_DATABASE_URL")
    if url:
        subprocess.run([sys.executable, "-c", RESET_POSTGRESQL], env=env, check=True, capture_output=True)
    people = prepare(env, args.users)
    port = free_port()
    command = [QMS, "run", "--port", str(port)]
    if args.processes > 1:
        command += ["--workers", str(args.processes)]
    log = (instance / "server.log").open("wb")  # the server's own account of any error
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/login", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        tally = Tally()
        until = time.perf_counter() + args.seconds
        threads = [threading.Thread(target=person, args=(base, *p, until, tally)) for p in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    found = stored_figures(env)
    engine = "PostgreSQL" if url else "SQLite"
    print(f"{engine}, {args.processes} process(es), {args.users} users × {args.seconds:g} s")
    print(f"{'request':12} {'count':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, times in tally.times.items():
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"{kind:12} {len(times):7d} {statistics.median(times):8.1f} {p95:8.1f}")
    lost = tally.acknowledged - found
    print(f"errors: {len(tally.errors)}; writes acknowledged: {tally.acknowledged},", end=" ")
    print(f"stored: {found};", end=" ")
    print(f"lost: {lost}")
    for error in tally.errors[:10]:
        print("  ", error)
    if tally.errors:
        print(f"the server's log: {instance / 'server.log'}")
    return 1 if tally.errors or lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
