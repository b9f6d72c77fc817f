"""Time the project against its floor (bench/floor.py) on the benchmark database, and count its SQL.

    .venv/bin/python bench/run.py [-n 5]                        # SQLite file bench/bench.sqlite3
    QMS_DATABASE_URL=postgresql://… .venv/bin/python bench/run.py   # PostgreSQL
    .venv/bin/python bench/run.py --sizes 10000,100000,300000   # builds or reuses each size; growth table

Each measurement is a whole request as a browser makes it: WSGI through Flask's test client with a
signed-in session cookie (the project's and the floor's app read the same cookie). Project (A) and
floor (B) run interleaved, A B A B, in one process; the ratio is the median of the per-round ratios
A/B. The last line names the worst ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import floor  # noqa: E402
from build_dataset import STEERING, app_for, database_url  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from flask_babel import force_locale  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from audits.models import Audit, AuditTeamMember, Finding  # noqa: E402
from qms import labels as qms_labels  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.models.clauses import Clause  # noqa: E402
from qms.models.org import Unit, User  # noqa: E402
from qms.services import sessions  # noqa: E402

BIG_AUDIT = "DG-2025-01"
REGISTER_YEAR = 2025


@dataclass
class Measurement:
    name: str
    project: Callable[[], object]
    floor: Callable[[], object]
    project_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    statements: int = 0

    @property
    def ratio(self) -> float:
        return statistics.median(a / b for a, b in zip(self.project_ms, self.floor_ms, strict=True))


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def signed_in(app: Flask, cookie_id: str) -> FlaskClient:
    """A test client carrying the session cookie of a signed-in person ("<user id>:<session key>")."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id
        session["_fresh"] = True
    return client


def open_session(user_id: int) -> str:
    """A server-side session of the person, as signing in opens one; the cookie's value naming it."""
    user = db.session.get(User, user_id)
    key = sessions.open_session(user, user_agent="bench")
    db.session.commit()
    return f"{user_id}:{key}"


def get(client: FlaskClient, url: str) -> Callable[[], object]:
    def run() -> object:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data()

    return run


def shown_labels(app: Flask) -> dict[str, str]:
    """The Vietnamese words the project shows for kinds and statuses, for the floor's pages."""
    kinds = ("major", "minor", "observation", "ofi")
    statuses = ("open", "plan_submitted", "plan_returned", "plan_accepted", "actions_done", "reopened",
                "closed", "noted", "withdrawn")  # fmt: skip
    with app.test_request_context(), force_locale("vi"):
        words = {k: str(qms_labels.value("finding", "kind", k)) for k in kinds}
        words.update({s: str(qms_labels.value("finding", "status", s)) for s in statuses})
        for s in ("planned", "in_progress", "reported", "draft", "submitted", "approved"):
            words.setdefault(s, str(qms_labels.value("audit", "status", s)))
        return words


def measurements(url: str) -> tuple[list[Measurement], str, int, Flask]:
    app = app_for(url)
    with app.app_context():
        from qms.services import setup

        setup.initialise()  # a dataset built before the latest migrations is brought up to date
        steering = db.session.scalar(select(User.id).where(User.email == STEERING))
        if steering is None:
            raise SystemExit(f"{url}: no benchmark data, build it first with bench/build_dataset.py")
        auditor = db.session.scalar(
            select(AuditTeamMember.user_id)
            .join(Audit, Audit.id == AuditTeamMember.audit_id)
            .where(Audit.ref == BIG_AUDIT, AuditTeamMember.role == "lead")
        )
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == "U007"))
        clause = db.session.scalar(
            select(Clause.number)
            .join(Finding, Finding.clause_id == Clause.id)
            .where(Finding.unit_id == unit_id, Finding.status == "closed", Finding.kind == "minor")
            .limit(1)
        )
        total = db.session.scalar(select(func.count(Finding.id))) or 0
        steering, auditor = open_session(steering), open_session(auditor)
        engine = db.engine
        where = engine.url.render_as_string(hide_password=True)
    words = shown_labels(app)
    bare = floor.floor_app(url, app.config["SECRET_KEY"], words)
    bare_engine = bare.extensions["floor_engine"]
    project_steering, floor_steering = signed_in(app, steering), signed_in(bare, steering)
    project_auditor, floor_auditor = signed_in(app, auditor), signed_in(bare, auditor)
    deep = min(1000, max((total + 49) // 50, 1))
    filtered = f"/audits/findings?unit_id={unit_id}&status=closed&kind=minor&clause={clause}"

    def pages(name: str, url: str, auditor_view: bool = False) -> Measurement:
        a, b = (project_auditor, floor_auditor) if auditor_view else (project_steering, floor_steering)
        return Measurement(name, get(a, url), get(b, url))

    runs = [
        pages("findings list, page 1", "/audits/findings"),
        pages("findings list, filtered", filtered),
        pages(
            f"findings list, page {deep}" + (" (last)" if deep < 1000 else ""),
            f"/audits/findings?page={deep}",
        ),
        pages(f"audit page {BIG_AUDIT} (200 findings)", f"/audits/{BIG_AUDIT}"),
        pages("steering dashboard", "/"),
        pages("auditor's dashboard", "/", auditor_view=True),
        pages("auditor's My work", "/audits/my-work", auditor_view=True),
        pages("programmes list", "/audits/programmes"),
        pages("corrective actions list", "/audits/actions"),
        Measurement(
            "audit report .docx vs python-docx cell.text",
            get(project_steering, f"/audits/{BIG_AUDIT}/report.docx"),
            lambda: floor.report_table_docx(bare_engine, BIG_AUDIT, words),
        ),
        Measurement(
            "audit report .docx vs table as one XML string",
            get(project_steering, f"/audits/{BIG_AUDIT}/report.docx"),
            lambda: floor.report_table_xml(bare_engine, BIG_AUDIT, words),
        ),
        Measurement(
            f"findings register {REGISTER_YEAR} .xlsx vs write-only",
            get(project_steering, f"/audits/programmes/{REGISTER_YEAR}/findings.xlsx"),
            lambda: floor.register_xlsx(bare_engine, REGISTER_YEAR, words),
        ),
    ]
    for m in runs:
        m.name = m.name.replace(f"page {deep} (last)", "deep page (last)")
    app.extensions["bench_floor_engine"] = bare_engine
    return runs, f"{where}: {total:,} findings", total, app


def count_statements(app: Flask, m: Measurement) -> None:
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        m.project()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    m.statements = len(statements)


def run(
    url: str, rounds: int, only: str | None = None, skip: str | None = None
) -> tuple[list[Measurement], str]:
    runs, title, _total, app = measurements(url)
    if only:
        runs = [m for m in runs if only in m.name]
    if skip:
        runs = [m for m in runs if skip not in m.name]
    for m in runs:  # warm-up: templates compiled, caches filled; then the statements of one request
        m.project()
        m.floor()
        count_statements(app, m)
    for _round in range(rounds):
        for m in runs:
            m.project_ms.append(_timed(m.project))
            m.floor_ms.append(_timed(m.floor))
    with app.app_context():  # close the connections of both apps
        db.session.remove()
        db.engine.dispose()
    app.extensions["bench_floor_engine"].dispose()
    return runs, title


def print_table(runs: list[Measurement], title: str, rounds: int) -> None:
    print(f"{title}; {rounds} interleaved rounds, medians")
    print(f"{'measurement':<48} {'project ms':>10} {'floor ms':>9} {'ratio':>6} {'SQL':>4}")
    for m in runs:
        print(
            f"{m.name:<48} {statistics.median(m.project_ms):>10.1f} {statistics.median(m.floor_ms):>9.1f}"
            f" {m.ratio:>6.2f} {m.statements:>4}"
        )


def build(findings: int, url: str) -> None:
    """Build the database of that size unless it already holds the benchmark data."""
    app = (
        app_for(url)
        if not url.startswith("sqlite") or Path(url.removeprefix("sqlite:///")).exists()
        else None
    )
    if app is not None:
        try:
            with app.app_context():
                built = db.session.scalar(select(func.count(Finding.id))) == findings
                db.session.remove()
                db.engine.dispose()
            if built:
                return
        except Exception:
            pass
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "build_dataset.py"), "--findings", str(findings), "--url", url],
        check=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", "--repeat", type=int, default=5, help="Interleaved rounds.")
    parser.add_argument("--url", help="Database URL (default: QMS_DATABASE_URL, else bench/bench.sqlite3).")
    parser.add_argument(
        "--sizes", help="Comma-separated numbers of findings: build or reuse each, print growth."
    )
    parser.add_argument("--only", help="Only the measurements whose name contains this text.")
    parser.add_argument("--skip", help="Leave out the measurements whose name contains this text.")
    args = parser.parse_args(argv)
    if args.sizes and args.url:
        parser.error("--sizes picks one database per size (QMS_DATABASE_URL names PostgreSQL's): no --url")
    if not args.sizes:
        runs, title = run(database_url(args.url), args.rounds, args.only, args.skip)
        print_table(runs, title, args.rounds)
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
        by_size: dict[int, list[Measurement]] = {}
        for size in sizes:
            url = database_url(None, size)
            build(size, url)
            by_size[size], title = run(url, args.rounds, args.only, args.skip)
            print_table(by_size[size], title, args.rounds)
            print()
        runs = by_size[sizes[-1]]
        small, large = min(sizes), max(sizes)
        print("growth: project ms per size (median), and largest / smallest")
        print(f"{'measurement':<48} " + " ".join(f"{s:>9,}" for s in sizes) + f" {'growth':>7}")
        for i, m in enumerate(by_size[small]):
            ms = [statistics.median(by_size[s][i].project_ms) for s in sizes]
            growth = statistics.median(by_size[large][i].project_ms) / statistics.median(m.project_ms)
            print(f"{m.name:<48} " + " ".join(f"{v:>9.1f}" for v in ms) + f" {growth:>7.2f}")
    worst = max(runs, key=lambda m: m.ratio)
    print(f"worst ratio: {worst.ratio:.2f} ({worst.name})")


if __name__ == "__main__":
    main()
