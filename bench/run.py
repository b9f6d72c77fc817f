"""Time the audit pages on the benchmark database and count their SQL statements.

    .venv/bin/python bench/run.py [-n 5]                        # SQLite file bench/bench.sqlite3
    QMS_DATABASE_URL=postgresql://… .venv/bin/python bench/run.py   # PostgreSQL

Build the database first with bench/build_dataset.py. Prints, for each measurement, the median and
the best of N repetitions and the number of SQL statements of one repetition.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from build_dataset import PASSWORD, STEERING, app_for, database_url  # noqa: E402
from flask_babel import force_locale  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from audits.exports import documents  # noqa: E402
from audits.models import Finding  # noqa: E402
from audits.services import reporting  # noqa: E402
from qms.exports.document import to_bytes  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.models.clauses import Clause  # noqa: E402
from qms.models.org import Unit  # noqa: E402

BIG_AUDIT = "DG-2025-01"


def measure(name: str, repeat: int, action: Callable[[], object]) -> tuple[str, float, float, int]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    action()  # warm-up: templates compiled, caches filled
    times = []
    for i in range(repeat):
        if i == 0:
            event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
        if i == 0:
            event.remove(db.engine, "before_cursor_execute", count)
    return name, statistics.median(times) * 1000, min(times) * 1000, len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--repeat", type=int, default=5, help="Repetitions of each measurement.")
    parser.add_argument("--url", help="Database URL (default: QMS_DATABASE_URL, else bench/bench.sqlite3).")
    args = parser.parse_args()
    app = app_for(database_url(args.url))
    client = app.test_client()
    response = client.post("/login", data={"email": STEERING, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit("cannot sign in: build the database first with bench/build_dataset.py")

    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == "U007"))
        clause = db.session.scalar(
            select(Clause.number)
            .join(Finding, Finding.clause_id == Clause.id)
            .where(Finding.unit_id == unit_id, Finding.status == "closed", Finding.kind == "minor")
            .limit(1)
        )
        total = db.session.scalar(select(db.func.count(Finding.id)))
        big_count = db.session.scalar(
            select(db.func.count(Finding.id)).where(Finding.audit.has(ref=BIG_AUDIT))
        )
        engine = db.engine.url.render_as_string(hide_password=True)

    def page(url: str) -> Callable[[], object]:
        def get() -> object:
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
            return r

        return get

    def report() -> bytes:
        with app.app_context(), app.test_request_context(), force_locale("vi"):
            audit = reporting.audit_by_ref(BIG_AUDIT)
            data = to_bytes(documents.audit_report(audit, "vi"))
            db.session.remove()
            return data

    filtered = f"/audits/findings?unit_id={unit_id}&status=closed&kind=minor&clause={clause}"
    runs = [
        ("findings list, page 1 of all (50 rows)", page("/audits/findings")),
        ("findings list, page 1000 of all (50 rows)", page("/audits/findings?page=1000")),
        ("findings list, filtered unit+status+kind+clause", page(filtered)),
        (f"audit page {BIG_AUDIT} ({big_count} findings)", page(f"/audits/{BIG_AUDIT}")),
        (f"audit-report export {BIG_AUDIT} (.docx)", report),
    ]
    print(f"{engine}: {total:,} findings; median and best of {args.repeat} runs")
    print(f"{'measurement':<52} {'median ms':>10} {'best ms':>9} {'SQL':>5}")
    for name, action in runs:
        with app.app_context():
            name, median, best, queries = measure(name, args.repeat, action)
        print(f"{name:<52} {median:>10.1f} {best:>9.1f} {queries:>5}")


if __name__ == "__main__":
    main()
