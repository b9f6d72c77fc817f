"""A `qms` process killed with SIGKILL in the middle of an import or an export leaves the database and
the files at the target path as they were: imports are one transaction, files are renamed into place
whole. SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import docx
import pytest
from sqlalchemy import create_engine, text

from audits.services import importing
from qms.config import normalise_database_url
from tests.process_support import cli_process, empty_target, kill_midway

COLUMNS = ",".join(importing.COLUMNS)


def findings_file(path: Path, rows: int, audits: int = 1) -> Path:
    """`rows` nonconformities of unit P-A, spread over `audits` audits of October 2017."""
    lines = [COLUMNS]
    for i in range(rows):
        ref = f"DG-2017-{i % audits + 1:02d}"
        lines.append(
            f"{ref},P-A,2017-10-02,2017-10-03,minor,2008,4.2.3,Hồ sơ số {i} chưa lưu đúng nơi,"
            "Sổ theo dõi năm 2016,2017-10-02,2017-11-30,"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(url: str, instance: Path, *args: str) -> str:
    process = cli_process(url, instance, *args, pause="0")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    return out.decode()


def counts(url: str) -> tuple[int, int, int]:
    """Audits, findings and history entries."""
    engine = create_engine(normalise_database_url(url))
    with engine.connect() as conn:
        found = tuple(
            conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0
            for table in ("audit", "finding", "history_entry")
        )
    engine.dispose()
    return found  # type: ignore[return-value]


@contextmanager
def writing_findings(url: str) -> Iterator[Callable[[], bool]]:
    """A check that holds once another connection is inside a write transaction that has written."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")

        def locked() -> bool:  # the import's transaction holds the one write lock
            conn = sqlite3.connect(path, timeout=0)
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            finally:
                conn.close()
            return False

        yield locked
        return
    engine = create_engine(normalise_database_url(url))

    def inserting() -> bool:  # a transaction holds the row lock of an INSERT into finding
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                        " WHERE c.relname = 'finding' AND l.mode = 'RowExclusiveLock'"
                        " AND l.pid <> pg_backend_pid()"
                    )
                ).scalar()
            )

    try:
        yield inserting
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_killed_import_leaves_the_database_as_it_was(engine, sqlite_template, tmp_path):
    url = empty_target(engine, tmp_path / "db", sqlite_template)
    instance = tmp_path / "instance"
    units = tmp_path / "units.csv"
    units.write_text("code,name,kind,parent_code\nP-A,Phòng Tư pháp,department,\n", encoding="utf-8")
    run(url, instance, "import", "units", str(units))
    before = counts(url)

    big = findings_file(tmp_path / "findings.csv", rows=3000)
    process = cli_process(url, instance, "import", "findings", str(big), pause="0")
    with writing_findings(url) as started:
        kill_midway(process, started, after=1.0)
    assert process.returncode == -9
    assert counts(url) == before  # no audit, no finding, no history entry of the stopped run

    # the database takes the next import at once: no lock or half-written row is left behind
    out = run(url, instance, "import", "findings", str(findings_file(tmp_path / "small.csv", rows=3)))
    assert "3" in out
    audits, findings, _history = counts(url)
    assert (audits, findings) == (before[0] + 1, before[1] + 3)


def test_a_killed_export_leaves_only_whole_files(sqlite_template, tmp_path):
    url = empty_target("sqlite", tmp_path / "db", sqlite_template)
    instance = tmp_path / "instance"
    units = tmp_path / "units.csv"
    units.write_text("code,name,kind,parent_code\nP-A,Phòng Tư pháp,department,\n", encoding="utf-8")
    run(url, instance, "import", "units", str(units))
    run(url, instance, "import", "findings", str(findings_file(tmp_path / "f.csv", rows=120, audits=40)))

    out = tmp_path / "reports"
    out.mkdir()
    earlier = out / "earlier.docx"  # a file of an earlier run in the same folder
    earlier.write_bytes(b"an earlier report")
    process = cli_process(url, instance, "export", "audit-report", "--year", "2017", "--all", "-o", str(out))
    kill_midway(process, lambda: any(p.suffix == ".docx" and p != earlier for p in out.iterdir()), after=0.3)
    assert process.returncode == -9

    written = [p for p in out.iterdir() if p.suffix == ".docx" and p != earlier]
    assert 0 < len(written) < 40, "the export was stopped midway"
    for path in written:  # every report under its own name opens whole
        assert "DG-2017-" in "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    leftovers = [p for p in out.iterdir() if p.name.startswith(".")]
    assert len(leftovers) <= 1 and all(p.name.endswith(".part") for p in leftovers)
    assert earlier.read_bytes() == b"an earlier report"
