"""The schema: migrations agree with the models on SQLite and PostgreSQL, branch cleanly and downgrade;
SQLite's pragmas; the secret key kept in the instance folder."""

from __future__ import annotations

import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from qms.app import create_app
from qms.extensions import db
from qms.paths import MIGRATIONS_DIR
from tests.conftest import build_app

FOUNDATION = "1e2b7647cdfd"


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_the_models(app):
    """The database upgraded to heads has exactly the tables, columns, types, indexes and constraints
    of the models: a model changed without a migration (or the reverse) fails here."""
    assert schema_differences() == []


def test_database_has_every_migration(app):
    script = script_directory()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    # a head another branch depends on is recorded through its dependant
    applied = {r.revision for r in script.iterate_revisions(tuple(current), "base")}
    assert applied == {r.revision for r in script.walk_revisions()}


def test_migrations_branch_only_from_the_foundation():
    """One base (the foundation); each area adds one linear branch on it. A second head inside a
    branch means two migrations were written on the same parent and must be chained."""
    script = script_directory()
    assert script.get_bases() == [FOUNDATION]
    revisions = list(script.walk_revisions())
    for revision in revisions:
        if revision.revision != FOUNDATION:
            assert len(revision.nextrev) <= 1, f"{revision.revision} has several children: {revision.nextrev}"
    branches = script.get_revision(FOUNDATION).nextrev
    assert len(script.get_heads()) == max(1, len(branches))
    for head in script.get_heads():
        chain = {r.revision for r in script.iterate_revisions(head, "base")}
        assert FOUNDATION in chain


def test_every_migration_downgrades_on_sqlite(tmp_path):
    path = tmp_path / "migrations.sqlite3"
    app = build_app(f"sqlite:///{path}", tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="heads")
        assert "unit" in inspect(db.engine).get_table_names()
        downgrade(directory=str(MIGRATIONS_DIR), revision="base")
        db.engine.dispose()
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=str(MIGRATIONS_DIR), revision="heads")
        assert schema_differences() == []
        db.session.remove()
        db.engine.dispose()


# --- SQLite pragmas --------------------------------------------------------------------------


def test_sqlite_runs_with_foreign_keys_and_wal(sqlite_template, tmp_path):
    import shutil

    path = tmp_path / "qms.sqlite3"
    shutil.copy(sqlite_template, path)
    app = build_app(f"sqlite:///{path}", tmp_path / "instance")
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar().lower() == "wal"
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("INSERT INTO membership (user_id, unit_id, role) VALUES (9999, 9999, 'member')")
            )
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


# --- the secret key --------------------------------------------------------------------------


def test_secret_key_is_generated_once_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("QMS_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.sqlite3'}"}
    first = create_app(dict(config), instance_path=str(instance))
    key_file = instance / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 32
    second = create_app(dict(config), instance_path=str(instance))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    other = create_app(dict(config), instance_path=str(tmp_path / "elsewhere"))
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("QMS_SECRET_KEY", "from-the-environment")
    instance = tmp_path / "instance"
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.sqlite3'}"},
        instance_path=str(instance),
    )
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("QMS_SECRET_KEY", "k")
    monkeypatch.setenv("QMS_DATABASE_URL", "postgres://user@db.example/qms")
    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "instance"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/qms"
    monkeypatch.delenv("QMS_DATABASE_URL")
    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "instance"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'qms.sqlite3'}"
