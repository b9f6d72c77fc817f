"""Moving data between databases: `qms dump` writes one archive, `qms load` reads it into an empty
SQLite or PostgreSQL database all or nothing, `qms backup` copies a live SQLite database."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from audits.models import Finding
from audits.services import attachments
from audits.services.demo import load_audit_demo
from qms.config import normalise_database_url
from qms.extensions import db
from qms.models.history import HistoryEntry
from qms.models.org import Unit, User
from qms.services import demo, org
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL, build_app, emptied_postgres, login
from tests.process_support import cli_process, empty_target, invoke, kill_midway, running
from tests.q3_support import png_bytes

# A real image whose bytes take every value: a photo of a site visit as an auditor would attach it.
PNG = png_bytes((64, 64), noise=True)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def fresh_sqlite(folder: Path, template: Path) -> Flask:
    """A new database as `qms init` leaves it (schema at head, reference data)."""
    folder.mkdir(parents=True)
    shutil.copy(template, folder / "qms.sqlite3")
    return build_app(f"sqlite:///{folder / 'qms.sqlite3'}", folder / "instance")


def data_files(archive: Path) -> dict[str, bytes]:
    """Every member of the archive but the manifest (which says when it was made)."""
    with zipfile.ZipFile(archive) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != "manifest.json"}


def stored_files(instance: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every visible file under the instance's file folders."""
    found = {}
    for area in ("files", "attachments"):
        folder = instance / area
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            relative = path.relative_to(instance)
            if path.is_file() and not any(p.startswith(".") for p in relative.parts):
                found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def people_rows() -> int:
    return (db.session.scalar(select(func.count()).select_from(User)) or 0) + (
        db.session.scalar(select(func.count()).select_from(Unit)) or 0
    )


@pytest.fixture(scope="module")
def demo_dump(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The demo city with its 2018 audits, one finding's photo attached: (archive, instance, database)."""
    folder = tmp_path_factory.mktemp("source")
    app = fresh_sqlite(folder / "db", sqlite_template)
    with running(app):
        demo.load_demo()
        load_audit_demo()
        finding = db.session.scalars(select(Finding).order_by(Finding.id)).first()
        assert finding is not None
        attachments.add_attachment(
            finding, actor=None, filename="anh-hien-truong.png", data=PNG, root=Path(app.instance_path)
        )
        db.session.commit()
        archive = folder / "a.zip"
        result = invoke(app, "dump", str(archive))
        assert result.exit_code == 0, result.stderr
        assert "written" in result.output
        db.engine.dispose()
    return archive, Path(app.instance_path), folder / "db" / "qms.sqlite3"


# --- the archive --------------------------------------------------------------------------------


def test_dump_writes_manifest_tables_and_files(demo_dump):
    archive, instance, _database = demo_dump
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
        assert manifest["format_version"] == 1
        assert manifest["app_version"]
        assert manifest["created_at"]
        assert len(manifest["alembic_revisions"]) >= 1
        assert "tables/alembic_version.jsonl" in names
        assert manifest["tables"]["unit"] > 10
        assert manifest["tables"]["history_entry"] > 100
        # every member but the manifest is listed with its SHA-256
        assert set(manifest["files"]) == names - {"manifest.json"}
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest
        units = [json.loads(line) for line in zf.read("tables/unit.jsonl").decode().splitlines()]
        assert [u["id"] for u in units] == sorted(u["id"] for u in units)
        assert len(units) == manifest["tables"]["unit"]
        entry = json.loads(zf.read("tables/history_entry.jsonl").decode().splitlines()[0])
        assert entry["at"].endswith("+00:00")  # ISO, in UTC
        stats = json.loads(zf.read("tables/case_statistics.jsonl").decode().splitlines()[0])
        assert isinstance(stats["received"], int)
        photo = hashlib.sha256(PNG).hexdigest()
        assert f"files/attachments/{photo[:2]}/{photo}" in names
    for relative in stored_files(instance):
        assert f"files/{relative.split('/', 1)[0]}/{relative.split('/', 1)[1]}" in names


def test_two_dumps_of_the_same_data_have_identical_data_files(demo_dump, tmp_path):
    archive, instance, database = demo_dump
    app = build_app(f"sqlite:///{database}", instance.parent / "instance-again")
    shutil.copytree(instance / "files", instance.parent / "instance-again" / "files", dirs_exist_ok=True)
    shutil.copytree(
        instance / "attachments", instance.parent / "instance-again" / "attachments", dirs_exist_ok=True
    )
    with running(app):
        assert invoke(app, "dump", str(tmp_path / "again.zip")).exit_code == 0
    assert data_files(tmp_path / "again.zip") == data_files(archive)


# --- loading ------------------------------------------------------------------------------------


def test_load_into_a_new_sqlite_database_gives_back_the_same_data(demo_dump, sqlite_template, tmp_path):
    archive, instance, _database = demo_dump
    app = fresh_sqlite(tmp_path / "b", sqlite_template)
    with running(app):
        result = invoke(app, "load", str(archive))
        assert result.exit_code == 0, result.stderr
        assert "loaded" in result.output
        assert invoke(app, "dump", str(tmp_path / "b.zip")).exit_code == 0
        assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) > 100
        # the demo logins work on the loaded database, and a new record gets a fresh id
        login(app.test_client(), "leader@demo.qms.vn", demo.DEMO_PASSWORD)
        org.create_unit(actor=None, code="P-NEW", name="Phòng mới", kind="department")
        db.session.commit()
    assert data_files(tmp_path / "b.zip") == data_files(archive)
    assert stored_files(Path(app.instance_path)) == stored_files(instance)
    assert not list(Path(app.instance_path).rglob(".restore-*"))


@pytest.mark.skipif(not POSTGRES_URL, reason=POSTGRES_SKIP)
def test_sqlite_to_postgresql_to_sqlite_keeps_every_byte(demo_dump, sqlite_template, tmp_path):
    archive_a, _instance, _database = demo_dump
    url = emptied_postgres()
    pg = build_app(url, tmp_path / "pg-instance")
    with running(pg):
        assert invoke(pg, "init").exit_code == 0
        result = invoke(pg, "load", str(archive_a))
        assert result.exit_code == 0, result.stderr
        assert invoke(pg, "dump", str(tmp_path / "b.zip")).exit_code == 0
        # the id sequences continue after the loaded rows
        unit = org.create_unit(actor=None, code="P-NEW", name="Phòng mới", kind="department")
        db.session.flush()
        assert unit.id > max(db.session.scalars(select(Unit.id).where(Unit.code != "P-NEW")))
        db.session.rollback()
        db.engine.dispose()
    c = fresh_sqlite(tmp_path / "c", sqlite_template)
    with running(c):
        result = invoke(c, "load", str(tmp_path / "b.zip"))
        assert result.exit_code == 0, result.stderr
        assert invoke(c, "dump", str(tmp_path / "c.zip")).exit_code == 0
    a, b, c_files = data_files(archive_a), data_files(tmp_path / "b.zip"), data_files(tmp_path / "c.zip")
    assert a == b == c_files
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        assert json.loads(zf.read("manifest.json"))["database"] == "postgresql"


# --- bad input: one line, exit 1, nothing written -----------------------------------------------


def rewritten(source: Path, target: Path, change) -> Path:
    """A copy of the archive with some members changed by `change(name, data) -> data`."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            new.writestr(name, change(name, old.read(name)))
    return target


def _other_revision(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["alembic_revisions"] = ["0000unknown"]
    return json.dumps(manifest).encode()


def _damaged_units(name: str, data: bytes) -> bytes:
    return data.replace(b"Nha Trang", b"Nha Tranh") if name == "tables/unit.jsonl" else data


def test_bad_archives_and_targets_are_refused_and_nothing_is_written(demo_dump, sqlite_template, tmp_path):
    archive, _instance, _database = demo_dump
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("not an archive")
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("hello.txt", "hi")
    cases = {
        str(tmp_path / "missing.zip"): "no such file",
        str(not_zip): "not a QMS Tracker archive",
        str(other_zip): "not a QMS Tracker archive",
        str(rewritten(archive, tmp_path / "damaged.zip", _damaged_units)): "checksum mismatch",
        str(rewritten(archive, tmp_path / "old.zip", _other_revision)): "schema revision",
    }
    app = fresh_sqlite(tmp_path / "target", sqlite_template)
    instance = Path(app.instance_path)
    with running(app):
        for path, message in cases.items():
            line = one_line_error(invoke(app, "load", path))
            assert message in line, line
            assert people_rows() == 0
            assert stored_files(instance) == {}
        # a database holding records is refused, whatever the archive
        assert invoke(app, "load", str(archive)).exit_code == 0
        loaded = people_rows()
        line = one_line_error(invoke(app, "load", str(archive)))
        assert "already holds records" in line
        assert people_rows() == loaded


def test_a_database_without_the_schema_is_told_to_run_init(demo_dump, tmp_path):
    archive, _instance, _database = demo_dump
    app = build_app(f"sqlite:///{tmp_path / 'blank.sqlite3'}", tmp_path / "instance")
    with running(app):
        line = one_line_error(invoke(app, "load", str(archive)))
        assert "qms init" in line


def test_dump_to_a_folder_is_refused(demo_dump, tmp_path):
    _archive, _instance, database = demo_dump
    app = build_app(f"sqlite:///{database}", tmp_path / "instance")
    with running(app):
        assert "folder" in one_line_error(invoke(app, "dump", str(tmp_path)))


# --- killed midway ------------------------------------------------------------------------------


def count_people(url: str) -> tuple[int, int]:
    engine = create_engine(normalise_database_url(url))
    with engine.connect() as conn:
        units = conn.execute(text("SELECT count(*) FROM unit")).scalar()
        users = conn.execute(text("SELECT count(*) FROM user_account")).scalar()
    engine.dispose()
    return units or 0, users or 0


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_killed_load_leaves_the_database_and_the_files_as_they_were(
    engine, demo_dump, sqlite_template, tmp_path
):
    archive, source_instance, _database = demo_dump
    url = empty_target(engine, tmp_path / "target", sqlite_template)
    instance = tmp_path / "target" / "instance"
    process = cli_process(url, instance, "load", str(archive))
    kill_midway(process, lambda: any(instance.rglob(".restore-*")))  # files unpacked, rows going in
    assert count_people(url) == (0, 0)
    assert stored_files(instance) == {}
    # the same database then loads, and nothing of the stopped run is left
    again = cli_process(url, instance, "load", str(archive), pause="0")
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()
    assert count_people(url) > (0, 0)
    assert stored_files(instance) == stored_files(source_instance)
    assert not list(instance.rglob(".restore-*"))


def test_a_killed_dump_leaves_no_file_at_its_path(demo_dump, tmp_path):
    _archive, instance, database = demo_dump
    target = tmp_path / "out" / "dump.zip"
    process = cli_process(f"sqlite:///{database}", instance, "dump", str(target))
    kill_midway(process, lambda: any((tmp_path / "out").glob(".dump.zip.*")))
    assert not target.exists()
    assert [p.name.startswith(".dump.zip.") for p in (tmp_path / "out").iterdir()] == [True]


# --- backup -------------------------------------------------------------------------------------


def test_backup_copies_the_live_sqlite_database_and_the_files(demo_dump, tmp_path):
    _archive, instance, database = demo_dump
    app = build_app(f"sqlite:///{database}", instance)
    with running(app):
        # a reader holds the database open meanwhile: the online backup does not need it closed
        db.session.execute(select(func.count()).select_from(Unit)).scalar()
        result = invoke(app, "backup", str(tmp_path / "backups"))
        assert result.exit_code == 0, result.stderr
        units = db.session.scalar(select(func.count()).select_from(Unit))
    folders = [p for p in (tmp_path / "backups").iterdir() if not p.name.startswith(".")]
    assert len(folders) == 1 and folders[0].name.startswith("qms-backup-")
    assert str(folders[0]) in result.output
    with sqlite3.connect(folders[0] / "qms.sqlite3") as copy:
        assert copy.execute("SELECT count(*) FROM unit").fetchone() == (units,)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert stored_files(folders[0]) == stored_files(instance)
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [folders[0].name]


def test_backup_without_a_database_file_is_refused(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'none.sqlite3'}", tmp_path / "instance")
    with running(app):
        assert "no such file" in one_line_error(invoke(app, "backup", str(tmp_path / "backups")))
    assert not (tmp_path / "none.sqlite3").exists()
    assert not (tmp_path / "backups").exists()


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    app = build_app("postgresql+psycopg://nobody@127.0.0.1:1/qms", tmp_path / "instance")
    with running(app):
        line = one_line_error(invoke(app, "backup", str(tmp_path / "backups")))
    assert "pg_dump" in line and "pg_restore" in line
    assert not (tmp_path / "backups").exists()
