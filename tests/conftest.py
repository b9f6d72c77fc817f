"""Fixtures: every app-backed test runs on SQLite and, when QMS_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from qms.app import create_app
from qms.config import normalise_database_url
from qms.extensions import db
from qms.models import org as org_models
from qms.models.org import Unit, User
from qms.services import org, setup

PASSWORD = "secret-pass-1"
APP_PASSWORD_METHOD = org_models.PASSWORD_METHOD  # before the suite makes hashing cheap
POSTGRES_URL = os.environ.get("QMS_TEST_POSTGRES_URL")
POSTGRES_SKIP = "QMS_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped"
# Modules whose tests check what a page, a document or a message says, not what the database does: their
# PostgreSQL variant adds time, not coverage, so only their SQLite variant runs. Everything that queries,
# counts, numbers, constrains, imports, migrates or moves data keeps both engines.
ENGINE_INDEPENDENT = frozenset(
    {
        "test_i18n",
        "test_user_facing_text",
        "test_official_layout",
        "test_pdf_documents",
        "test_readable_history",
        "test_security_headers",
        "test_audits_exports",
        "test_review_exports",
        "test_transition_exports",
        "test_objectives_export",
        "test_risks_export",
        "test_procedures_export",
        "test_list_exports",
        "test_web_admin",
        "test_documents_web",
        "test_risks_web",
        "test_objectives_web",
        "test_procedures_web",
        "test_remapping_web",
        # journeys through the pages: the services and queries under them keep their own PostgreSQL tests
        "test_audit_cycle_answers",
        "test_audit_cycle_checklist",
        "test_audit_cycle_findings",
        "test_audit_cycle_programme",
        "test_audit_cycle_report",
        "test_audits_web",
        "test_web_auth",
        "test_documents_legal",
        "test_issuing",
        "test_security_sessions",
        "test_security_access",
        "test_api_tokens",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the PostgreSQL variant of the tests of ENGINE_INDEPENDENT modules."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        module = item.module.__name__.rpartition(".")[2] if item.module else ""
        engine_free = params.get("database_url") == "postgres" and module in ENGINE_INDEPENDENT
        (dropped if engine_free else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


KEPT_TABLES = {"alembic_version", "clause"}

# Browser tests' fixtures (live_server, chromium, open_page, screenshots).
pytest_plugins = ["tests.e2e_support", "tests.mail_support"]


def test_config(url: str, **extra: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Messages raised outside a web request (services called directly, CliRunner) in English,
        # so tests can match them; pages keep the Vietnamese default (tests/test_i18n.py checks both).
        "CLI_LANGUAGE": "en",
    }
    config.update(extra)
    return config


_built_apps: list[Flask] = []


def build_app(url: str, instance: Path, **extra: Any) -> Flask:
    app = create_app(test_config(url, **extra), instance_path=str(instance))
    _built_apps.append(app)
    return app


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """Hash passwords with one round in tests: scrypt costs ~0.1 s per sign-in, thousands of times over.
    test_org_services checks that the app itself uses scrypt."""
    org_models.PASSWORD_METHOD = "pbkdf2:sha256:1"
    org_models._unusable_hash.cache_clear()
    yield
    org_models.PASSWORD_METHOD = APP_PASSWORD_METHOD
    org_models._unusable_hash.cache_clear()


@pytest.fixture(autouse=True)
def _dispose_built_apps() -> Iterator[None]:
    """Close the pooled connections of every app a test built, so none is left for the garbage
    collector (psycopg warns about it, and the warning fails whichever test runs then)."""
    yield
    while _built_apps:
        with _built_apps.pop().app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at the schema head with the reference data, copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "qms.sqlite3"
    app = build_app(f"sqlite:///{path}", folder / "instance")
    with app.app_context():
        setup.initialise()
        db.session.commit()
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()
    return path


def emptied_postgres() -> str:
    """The test PostgreSQL database with nothing in it (its public schema made anew); its URL."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    url = normalise_database_url(POSTGRES_URL)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = emptied_postgres()
    app = build_app(url, tmp_path_factory.mktemp("pg") / "instance")
    with app.app_context():
        setup.initialise()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        emptied = [f'"{t}"' for t in tables if t not in KEPT_TABLES]
        if emptied:
            conn.execute(text(f"TRUNCATE {', '.join(emptied)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "qms.sqlite3"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build_app(database_url, tmp_path / "instance")
    with app.app_context():
        if database_url.startswith("postgresql"):
            setup.load_all_reference_data()  # the correspondence and question bank were emptied too
            db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@dataclass
class Org:
    """A small organisation: a city with two departments and one person per role."""

    city: Unit
    unit_a: Unit
    unit_b: Unit
    admin: User
    steering: User
    auditor: User
    leader: User
    manager_a: User
    member_a: User
    manager_b: User
    outsider: User

    def user(self, name: str) -> User:
        return db.session.get(User, getattr(self, name).id)


@pytest.fixture
def orgdata(app: Flask) -> Org:
    city = org.create_unit(actor=None, code="CITY", name="UBND thành phố", kind="city")
    unit_a = org.create_unit(actor=None, code="P-A", name="Phòng A", kind="department", parent=city)
    unit_b = org.create_unit(actor=None, code="P-B", name="Phòng B", kind="department", parent=city)

    def person(
        email: str, roles: tuple[str, ...] = (), unit: Unit | None = None, role: str = "member"
    ) -> User:
        user = org.create_user(
            actor=None, email=email, full_name=email.split("@")[0].title(), password=PASSWORD, roles=roles
        )
        if unit is not None:
            org.add_membership(user, unit, role, actor=None)
        return user

    data = Org(
        city=city,
        unit_a=unit_a,
        unit_b=unit_b,
        admin=person("admin@example.vn", ("admin",)),
        steering=person("steering@example.vn", ("steering",)),
        auditor=person("auditor@example.vn", ("auditor",), unit_b),
        leader=person("leader@example.vn", ("leader",)),
        manager_a=person("manager.a@example.vn", (), unit_a, "manager"),
        member_a=person("member.a@example.vn", (), unit_a, "member"),
        manager_b=person("manager.b@example.vn", (), unit_b, "manager"),
        outsider=person("outsider@example.vn"),
    )
    db.session.commit()
    return data


def login(client: FlaskClient, user: User | str, password: str = PASSWORD) -> None:
    email = user if isinstance(user, str) else user.email
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.data[:500]


@pytest.fixture
def as_user(client: FlaskClient, orgdata: Org) -> Any:
    """as_user('manager_a') signs the test client in as that person and returns the client."""

    def sign_in(name: str) -> FlaskClient:
        client.post("/logout")
        login(client, getattr(orgdata, name))
        return client

    return sign_in
