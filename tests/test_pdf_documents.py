"""PDF beside Word: every document type converts through LibreOffice, in the official layout (the motto
and the number on page 1 of an administrative document), from the CLI and from the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from audits.services.demo import load_audit_demo
from cli import cli
from qms.exports import pdf
from qms.extensions import db
from qms.services import demo, setup
from tests.conftest import build_app

pytestmark = pytest.mark.skipif(not pdf.available(), reason="LibreOffice (soffice) is not installed")

MOTTO = "Độc lập - Tự do - Hạnh phúc"
DOCUMENTS = [
    # (CLI arguments, text page 1 must hold)
    (["audit-report", "DG-2018-03"], ["BÁO CÁO", "Số: 03/BC-BCĐ", MOTTO]),
    (["audit-plan", "DG-2018-03"], ["KẾ HOẠCH", MOTTO]),
    (["programme", "2018"], ["CHƯƠNG TRÌNH", "125/QĐ-UBND", MOTTO]),
    (["objectives", "--unit", "UBND-NT", "--year", "2018"], ["KẾ HOẠCH", MOTTO]),
    (["nc-report", "NC-2018-001"], ["NC-2018-001"]),
    (["procedure", "QT-TNMT-01"], ["QUY TRÌNH", "QT-TNMT-01"]),
    (["risks", "--unit", "P-TNMT"], ["P-TNMT"]),
]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder: Path = tmp_path_factory.mktemp("pdf")
    app = build_app(f"sqlite:///{folder / 'qms.sqlite3'}", folder / "instance")
    with app.app_context():
        setup.initialise()
        demo.load_demo()
        load_audit_demo()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("args", "expected"), DOCUMENTS, ids=[a[0] for a, _e in DOCUMENTS])
def test_each_document_type_exports_as_pdf(
    demo_app: Flask, tmp_path: Path, args: list[str], expected: list[str]
) -> None:
    target = tmp_path / "document.pdf"
    command = ["export", *args, "--format", "pdf", "-o", str(target)]
    result = demo_app.test_cli_runner().invoke(cli, args=command)
    assert result.exit_code == 0, result.output
    reader = PdfReader(str(target))
    assert len(reader.pages) >= 1
    first = " ".join(reader.pages[0].extract_text().split())
    for text in expected:
        assert text in first, (text, first[:400])


def test_a_page_offers_the_pdf_and_the_issued_register_converts(demo_app: Flask) -> None:
    client = demo_app.test_client()
    admin = next(u.email for u in demo.DEMO_USERS if "steering" in u.roles)
    client.post("/login", data={"email": admin, "password": demo.DEMO_PASSWORD})
    page = client.get("/audits/DG-2018-03").get_data(as_text=True)
    assert "/audits/DG-2018-03/report.docx?format=pdf" in page
    response = client.get("/audits/DG-2018-03/report.docx?format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    register = client.get("/issued/?q=DG-2018-03").get_data(as_text=True)
    assert "03/BC-BCĐ" in register and "format=pdf" in register
