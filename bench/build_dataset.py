"""Build the benchmark database: 200 units, 2,000 audits and 100,000 findings with their corrective actions.

    .venv/bin/python bench/build_dataset.py                    # SQLite file bench/bench.sqlite3
    .venv/bin/python bench/build_dataset.py --findings 10000   # SQLite file bench/bench-10000.sqlite3
    QMS_DATABASE_URL=postgresql://… .venv/bin/python bench/build_dataset.py   # PostgreSQL (emptied first)

The schema and the ISO clauses come from `qms init`'s setup; the records are written with Core
`insert()` in batches (executemany), which bypasses the history hook: this is test data, not history.
Audit DG-2025-01 has exactly 200 findings (the audit page and report `bench/run.py` measures).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select, text  # noqa: E402

from audits.models import (  # noqa: E402
    ActionItem,
    Audit,
    AuditProgramme,
    AuditTeamMember,
    AuditUnit,
    CorrectiveAction,
    Finding,
    RefCounter,
)
from audits.services import deadlines  # noqa: E402
from qms.app import create_app  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.models.clauses import Clause  # noqa: E402
from qms.models.org import Membership, Unit, User, UserRole  # noqa: E402
from qms.services import org, setup  # noqa: E402

DEFAULT_SQLITE = ROOT / "bench" / "bench.sqlite3"
PASSWORD = "bench-pass-1"
STEERING = "steering@bench.qms.vn"
UNITS, AUDITS, FINDINGS, AUDITORS = 200, 2_000, 100_000, 20
YEARS = list(range(2016, 2026))  # 200 audits a year, one per unit
BIG_AUDIT_FINDINGS = 200
SERIES = {"major": "NC", "minor": "NC", "observation": "OBS", "ofi": "OFI"}
BATCH = 5_000
NC_STATUSES = [
    "open",
    "plan_submitted",
    "plan_returned",
    "plan_accepted",
    "actions_done",
    "reopened",
    "closed",
]
STATEMENTS = [
    "Danh mục tài liệu nội bộ chưa được cập nhật theo văn bản mới.",
    "Hồ sơ giải quyết thủ tục hành chính thiếu phiếu kiểm soát quá trình.",
    "Mục tiêu chất lượng chưa được đo lường theo kỳ.",
    "Chưa thực hiện đánh giá sự hài lòng của người dân.",
    "Sổ theo dõi hồ sơ trễ hạn chưa ghi đủ nguyên nhân.",
]


def app_for(url: str | None):
    config = {"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    if url:
        config["SQLALCHEMY_DATABASE_URI"] = url
    return create_app(config, instance_path=str(ROOT / "bench" / "instance"))


def database_url(argument: str | None, findings: int = FINDINGS) -> str:
    """The database of `findings` findings: the URL given, else QMS_DATABASE_URL, else a SQLite file in
    bench/. Sizes other than the default get their own file (bench/bench-N.sqlite3) or, on PostgreSQL,
    their own database (the URL's database name followed by _N)."""
    if argument:
        path = argument.removeprefix("sqlite:///")
        if argument.startswith("sqlite:///") and path and not Path(path).is_absolute():
            return f"sqlite:///{Path(path).resolve()}"  # relative to here, not to the instance folder
        return argument
    if os.environ.get("QMS_DATABASE_URL"):
        from qms.config import normalise_database_url

        url = normalise_database_url(os.environ["QMS_DATABASE_URL"])
        if findings == FINDINGS:
            return url
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        return parsed.set(database=f"{parsed.database}_{findings}").render_as_string(hide_password=False)
    if findings == FINDINGS:
        return f"sqlite:///{DEFAULT_SQLITE}"
    return f"sqlite:///{ROOT / 'bench' / f'bench-{findings}.sqlite3'}"


def create_postgres_database(url: str) -> None:
    """Create the PostgreSQL database of `url` when it does not exist yet (SQLite creates its file)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("postgresql"):
        return
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    engine.dispose()


def _batches(rows: list[dict], size: int = BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def bulk(table, rows: list[dict]) -> None:
    for chunk in _batches(rows):
        db.session.execute(insert(table), chunk)


def _reset_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in (
        "unit",
        "user_account",
        "audit_programme",
        "audit",
        "audit_team_member",
        "finding",
        "action_item",
        "corrective_action",
        "membership",
    ):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )
        )


def empty_database() -> None:
    if db.engine.dialect.name == "postgresql":
        tables = db.session.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        emptied = [f'"{t}"' for t in tables if t != "alembic_version" and not t.startswith("clause")]
        if emptied:
            db.session.execute(text(f"TRUNCATE {', '.join(emptied)} RESTART IDENTITY CASCADE"))
    else:
        if db.session.scalar(select(func.count(Unit.id))):
            raise SystemExit(f"{db.engine.url} already holds data: delete the file first")


def build(seed: int = 2018, findings_total: int = FINDINGS) -> dict[str, int]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    clause_ids = list(
        db.session.scalars(
            select(Clause.id).where(Clause.edition == "2015", Clause.level >= 2).order_by(Clause.sort_key)
        )
    )

    city = org.create_unit(actor=None, code="BENCH-CITY", name="UBND thành phố (benchmark)", kind="city")
    org.create_user(
        actor=None, email=STEERING, full_name="Ban chỉ đạo ISO", password=PASSWORD, roles=("steering",)
    )
    db.session.flush()
    first_unit = db.session.scalar(select(func.max(Unit.id))) + 1
    unit_ids = list(range(first_unit, first_unit + UNITS))
    bulk(
        Unit.__table__,
        [
            {
                "id": uid,
                "code": f"U{i:03d}",
                "name": f"Đơn vị số {i}",
                "kind": "department",
                "parent_id": city.id,
                "active": True,
                "created_at": now,
            }
            for i, uid in enumerate(unit_ids, 1)
        ],
    )
    first_user = db.session.scalar(select(func.max(User.id))) + 1
    auditor_ids = list(range(first_user, first_user + AUDITORS))
    manager_ids = list(range(first_user + AUDITORS, first_user + AUDITORS + UNITS))
    bulk(
        User.__table__,
        [
            {
                "id": uid,
                "email": f"auditor{i}@bench.qms.vn",
                "full_name": f"Chuyên gia {i}",
                "password_hash": "!",
                "language": "vi",
                "active": True,
                "created_at": now,
            }
            for i, uid in enumerate(auditor_ids, 1)
        ]
        + [
            {
                "id": uid,
                "email": f"manager{i}@bench.qms.vn",
                "full_name": f"Trưởng đơn vị {i}",
                "password_hash": "!",
                "language": "vi",
                "active": True,
                "created_at": now,
            }
            for i, uid in enumerate(manager_ids, 1)
        ],
    )
    bulk(UserRole.__table__, [{"user_id": uid, "role": "auditor"} for uid in auditor_ids])
    bulk(
        Membership.__table__,
        [
            {"user_id": m, "unit_id": u, "role": "manager", "created_at": now}
            for m, u in zip(manager_ids, unit_ids, strict=True)
        ],
    )
    bulk(
        AuditProgramme.__table__,
        [
            {
                "id": i,
                "year": y,
                "edition": "2015",
                "objectives": f"Chương trình đánh giá nội bộ năm {y}",
                "scope": "",
                "notes": "",
                "created_at": now,
            }
            for i, y in enumerate(YEARS, 1)
        ],
    )

    audits, links, team = [], [], []
    audit_id = 0
    for p, year in enumerate(YEARS, 1):
        for seq, unit_id in enumerate(unit_ids, 1):
            audit_id += 1
            start = date(year, 1, 5) + timedelta(days=(seq * 3) % 330)
            audits.append(
                {
                    "id": audit_id,
                    "ref": f"DG-{year}-{seq:02d}",
                    "year": year,
                    "seq": seq,
                    "programme_id": p,
                    "edition": "2015",
                    "kind": "planned",
                    "status": "reported" if year < 2025 else "in_progress",
                    "cancel_reason": "",
                    "planned_start": start,
                    "planned_end": start + timedelta(days=1),
                    "objectives": "Đánh giá sự phù hợp và hiệu lực của HTQLCL",
                    "processes": "",
                    "conclusion": "",
                    "created_at": now,
                }
            )
            links.append({"audit_id": audit_id, "unit_id": unit_id})
            lead, member = rng.sample(auditor_ids, 2)
            team.append({"audit_id": audit_id, "user_id": lead, "role": "lead", "competence_warning": False})
            team.append(
                {"audit_id": audit_id, "user_id": member, "role": "member", "competence_warning": False}
            )
    bulk(Audit.__table__, audits)
    bulk(AuditUnit.__table__, links)
    bulk(AuditTeamMember.__table__, team)

    # DG-2025-01 gets 200 findings; the others share the rest.
    big = next(a for a in audits if a["ref"] == "DG-2025-01")
    per_audit = [BIG_AUDIT_FINDINGS if a is big else 0 for a in audits]
    others = [i for i, a in enumerate(audits) if a is not big]
    for n in range(max(findings_total - BIG_AUDIT_FINDINGS, 0)):
        per_audit[others[n % len(others)]] += 1

    findings, actions, plans = [], [], []
    counters: dict[tuple[str, int], int] = {}
    finding_id = 0
    for audit, count in zip(audits, per_audit, strict=True):
        unit_id = links[audit["id"] - 1]["unit_id"]
        for _ in range(count):
            finding_id += 1
            kind = rng.choices(["major", "minor", "observation", "ofi"], [10, 50, 25, 15])[0]
            raised = audit["planned_start"]
            year = raised.year
            series = SERIES[kind]
            counters[(series, year)] = seq = counters.get((series, year), 0) + 1
            row = {
                "id": finding_id,
                "audit_id": audit["id"],
                "ref": None,
                "ref_series": series,
                "ref_year": year,
                "ref_seq": seq,
                "kind": kind,
                "status": "noted",
                "clause_id": rng.choice(clause_ids),
                "unit_id": unit_id,
                "requirement": "",
                "evidence": "Hồ sơ kiểm tra ngẫu nhiên",
                "statement": rng.choice(STATEMENTS),
                "raised_on": raised,
                "closed_on": None,
                "plan_due_on": None,
                "review_due_on": None,
                "verify_due_on": None,
                "round": 1,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            if kind in ("major", "minor"):
                status = (
                    rng.choice(NC_STATUSES)
                    if year >= 2024
                    else rng.choice(["closed", "closed", "actions_done"])
                )
                row.update(ref=f"NC-{year}-{seq:03d}", status=status)
                if status == "closed":
                    row["closed_on"] = raised + timedelta(days=75)
                if status in ("open", "plan_returned", "reopened"):
                    row["plan_due_on"] = raised + timedelta(days=15)
                elif status == "plan_submitted":
                    row["review_due_on"] = raised + timedelta(days=20)
                elif status == "actions_done":
                    row["verify_due_on"] = raised + timedelta(days=55)
                if status != "open":
                    plans.append(
                        {
                            "finding_id": finding_id,
                            "correction": "Khắc phục ngay",
                            "root_cause": "Chưa phân công",
                            "whys": [],
                            "review_comment": "",
                            "version": 1,
                            "updated_at": now,
                        }
                    )
                    for j in range(rng.randint(1, 2)):
                        done = status in ("actions_done", "closed")
                        actions.append(
                            {
                                "finding_id": finding_id,
                                "round": 1,
                                "what": f"Hành động khắc phục {j + 1}",
                                "owner_name": "Trưởng đơn vị",
                                "owner_id": None,
                                "due_on": raised + timedelta(days=30 + 15 * j),
                                "done_on": raised + timedelta(days=25) if done else None,
                                "created_at": now,
                            }
                        )
            findings.append(row)
    bulk(Finding.__table__, findings)
    bulk(CorrectiveAction.__table__, plans)
    bulk(ActionItem.__table__, actions)
    db.session.execute(delete(RefCounter))
    bulk(
        RefCounter.__table__,
        [{"scope": f"{series}-{y}", "value": v} for (series, y), v in counters.items()]
        + [{"scope": f"DG-{y}", "value": UNITS} for y in YEARS],
    )
    _reset_sequences()
    return {"units": UNITS, "audits": len(audits), "findings": len(findings), "actions": len(actions)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="Database URL (default: QMS_DATABASE_URL, else bench/bench.sqlite3).")
    parser.add_argument(
        "--findings", type=int, default=FINDINGS, help=f"Number of findings (default {FINDINGS:,})."
    )
    args = parser.parse_args(argv)
    if args.findings < BIG_AUDIT_FINDINGS:
        raise SystemExit(f"--findings must be at least {BIG_AUDIT_FINDINGS}")
    url = database_url(args.url, args.findings)
    create_postgres_database(url)
    app = app_for(url)
    started = time.perf_counter()
    with app.app_context():
        setup.initialise()
        db.session.commit()
        empty_database()
        counts = build(findings_total=args.findings)
        # the rows went in as bulk inserts, past the hook that keeps each finding's lateness date
        deadlines.refresh_late_since(db.session.connection())
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        where = db.engine.url.render_as_string(hide_password=True)
    took = time.perf_counter() - started
    print(f"{where}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f" in {took:.1f} s")


if __name__ == "__main__":
    main()
