"""Every list page exports what it shows: the same rows, with the page's filters, as real types."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from html import unescape
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from qms.extensions import db
from qms.models.org import Unit
from qms.services import demo, setup
from tests.conftest import build_app

ADMIN = next(u.email for u in demo.DEMO_USERS if "admin" in u.roles)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo city once for the module: the lists need data, not a particular engine."""
    folder: Path = tmp_path_factory.mktemp("lists")
    app = build_app(f"sqlite:///{folder / 'qms.sqlite3'}", folder / "instance")
    with app.app_context():
        setup.initialise()
        demo.load_demo()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def admin(demo_app: Flask) -> FlaskClient:
    client = demo_app.test_client()
    response = client.post("/login", data={"email": ADMIN, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def sheet_rows(client: FlaskClient, url: str) -> list[tuple]:  # type: ignore[type-arg]
    response = client.get(url + ("&" if "?" in url else "?") + "format=xlsx")
    assert response.status_code == 200, url
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return list(load_workbook(BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True))


def first_cells(client: FlaskClient, url: str, table_id: str | None = None) -> list[str]:
    """The text of the first cell of each body row of the page's (first, or named) table."""
    page = client.get(url).get_data(as_text=True)
    if table_id:
        page = page[page.index(f'id="{table_id}"') :]
    if "<tbody>" not in page:
        return []
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    cells = re.findall(r"<tr[^>]*>\s*<td[^>]*>(.*?)</td>", body, flags=re.S)
    return [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


def link_texts(client: FlaskClient, url: str, href: str) -> list[str]:
    """The texts of the page's links to records (`href` is their path prefix), in page order."""
    page = client.get(url).get_data(as_text=True)
    return [unescape(t).strip() for t in re.findall(rf'<a href="{href}\d+">([^<]+)</a>', page)]


def unit_id(app: Flask, code: str | None) -> int:
    with app.app_context():
        stmt = select(Unit.id).where(Unit.code == code if code else Unit.parent_id.is_(None))
        return int(db.session.scalar(stmt.order_by(Unit.id).limit(1)))


def test_procedures_and_documents_export_the_rows_shown(demo_app: Flask, admin: FlaskClient) -> None:
    tnmt = unit_id(demo_app, "P-TNMT")
    for url in ("/procedures/", f"/procedures/unit/{tnmt}"):
        rows = sheet_rows(admin, url)
        assert rows and [r[0] for r in rows] == first_cells(admin, url), url
    for url in ("/documents/", "/documents/?all=1", f"/units/{tnmt}/documents"):
        rows = sheet_rows(admin, url)
        assert rows and [r[0] for r in rows] == link_texts(admin, url, "/documents/"), url
    documents = sheet_rows(admin, "/documents/?all=1")
    assert any(isinstance(r[5], datetime) for r in documents)  # issue dates are dates
    assert len(documents) >= len(sheet_rows(admin, "/documents/"))


def test_objectives_and_case_statistics_export_numbers(demo_app: Flask, admin: FlaskClient) -> None:
    city = unit_id(demo_app, None)
    objectives = sheet_rows(admin, f"/units/{city}/objectives?year=2018")
    assert objectives and all(isinstance(r[3], int | float) for r in objectives)  # targets are numbers
    assert [r[5] for r in objectives][:1] == [1.07]
    stats = sheet_rows(admin, f"/units/{city}/statistics?year=2018")
    own = next(r for r in stats if r[0] == "2018")
    assert own[2] == 58053 and own[3] == 56863 and abs(own[10] - 0.0107) < 0.0001
    workbook = load_workbook(BytesIO(admin.get(f"/units/{city}/statistics?year=2018&format=xlsx").data))
    assert workbook.active.cell(row=2, column=11).number_format == "0.00%"


def test_risks_users_and_units(demo_app: Flask, admin: FlaskClient) -> None:
    units = sheet_rows(admin, "/admin/units")
    assert [r[0] for r in units] == first_cells(admin, "/admin/units")
    users = sheet_rows(admin, "/admin/users")
    assert sorted(r[1] for r in users) == sorted(u.email for u in demo.DEMO_USERS) or len(users) >= len(
        demo.DEMO_USERS
    )
    tnmt = unit_id(demo_app, "P-TNMT")
    risks = sheet_rows(admin, f"/units/{tnmt}/context/")
    assert all(isinstance(r[5], int) and r[5] == r[3] * r[4] for r in risks)  # score = likelihood × impact


def test_a_list_export_follows_the_readers_access(demo_app: Flask) -> None:
    client = demo_app.test_client()
    member = next(u.email for u in demo.DEMO_USERS if not u.roles and u.unit_role == "member")
    client.post("/login", data={"email": member, "password": demo.DEMO_PASSWORD})
    assert client.get("/admin/users?format=xlsx").status_code == 403
    rows = sheet_rows(client, "/procedures/")
    assert [r[0] for r in rows] == first_cells(client, "/procedures/")
    assert all(r[2] == "PH-LOCTHO" for r in rows)  # only the member's own unit


def test_dates_show_the_readers_way(demo_app: Flask, admin: FlaskClient) -> None:
    workbook = load_workbook(BytesIO(admin.get("/documents/?all=1&format=xlsx").data))
    sheet = workbook.active
    formats = {sheet.cell(row=r, column=6).number_format for r in range(2, sheet.max_row + 1)
               if isinstance(sheet.cell(row=r, column=6).value, date | datetime)}  # fmt: skip
    assert formats == {"dd/mm/yyyy"}


def test_the_findings_register_exports_its_filtered_rows(demo_app: Flask) -> None:
    from audits.services.demo import load_audit_demo

    with demo_app.app_context():
        if not db.session.scalar(select(Unit.id).where(Unit.code == "P-TNMT")):
            pytest.skip("the demo city is missing")
        from audits.models import Finding

        if db.session.scalar(select(Finding.id).limit(1)) is None:
            load_audit_demo()
            db.session.commit()
        tnmt = db.session.scalar(select(Unit.id).where(Unit.code == "P-TNMT"))
        db.session.remove()
    client = demo_app.test_client()
    steering = next(u.email for u in demo.DEMO_USERS if "steering" in u.roles)
    client.post("/login", data={"email": steering, "password": demo.DEMO_PASSWORD})
    url = f"/audits/findings?year=2018&unit_id={tnmt}"
    rows = sheet_rows(client, url)
    shown = link_texts(client, url, "/audits/findings/")
    assert rows and [r[0] for r in rows] == shown
    assert all(r[2] == "P-TNMT" for r in rows) and isinstance(rows[0][8], datetime)


def test_the_corrective_actions_list_exports_its_filtered_rows(demo_app: Flask) -> None:
    from audits.models import Finding
    from audits.services.demo import load_audit_demo

    with demo_app.app_context():
        if db.session.scalar(select(Finding.id).limit(1)) is None:
            load_audit_demo()
            db.session.commit()
        db.session.remove()
    client = demo_app.test_client()
    steering = next(u.email for u in demo.DEMO_USERS if "steering" in u.roles)
    client.post("/login", data={"email": steering, "password": demo.DEMO_PASSWORD})
    page = client.get("/audits/programmes").get_data(as_text=True)
    assert 'href="/audits/actions"' in page  # reachable from the audits pages
    for url in ("/audits/actions?year=2018", "/audits/actions?year=2018&state=done"):
        rows = sheet_rows(client, url)
        shown = link_texts(client, url, "/audits/findings/")
        assert rows and [r[0] for r in rows] == shown, url
    done = sheet_rows(client, "/audits/actions?year=2018&state=done")
    assert all(isinstance(r[6], datetime) for r in done) and all(r[7] for r in done)  # date and note
    assert len(done) < len(sheet_rows(client, "/audits/actions?year=2018"))
