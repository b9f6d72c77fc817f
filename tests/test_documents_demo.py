"""The demo's documents, legal texts, context and risks load once and make sense."""

from __future__ import annotations

from sqlalchemy import func, select

from qms.extensions import db
from qms.models.documents import ControlledDocument
from qms.models.legal import LegalText
from qms.models.risks import Risk
from qms.services import documents, legal, org, processes
from qms.services.demo_documents import load_documents_demo


def test_demo_loads_once_with_legal_chain_documents_and_risks(app):
    city = org.create_unit(actor=None, code="UBND-NT", name="UBND thành phố Nha Trang", kind="city")
    units = {
        "P-TNMT": org.create_unit(
            actor=None, code="P-TNMT", name="Phòng TN&MT", kind="department", parent=city
        ),
        "PH-LOCTHO": org.create_unit(
            actor=None, code="PH-LOCTHO", name="UBND phường Lộc Thọ", kind="commune", parent=city
        ),
    }
    process = processes.create_process(
        actor=None, unit=units["P-TNMT"], code="QT-TNMT-01", title="Đăng ký đất đai"
    )
    load_documents_demo(units)
    db.session.commit()
    counts = [
        db.session.scalar(select(func.count()).select_from(m)) for m in (LegalText, ControlledDocument, Risk)
    ]
    load_documents_demo(units)
    db.session.commit()
    assert [
        db.session.scalar(select(func.count()).select_from(m)) for m in (LegalText, ControlledDocument, Risk)
    ] == counts

    old = legal.legal_text_by_number("144/2006/QĐ-TTg")
    assert old.status == "repealed" and old.replaced_by.number == "19/2014/QĐ-TTg"
    assert legal.legal_text_by_number("61/2018/NĐ-CP").issued_on.isoformat() == "2018-04-23"
    assert {r.legal_text.number for r in legal.citations_of(process)} >= {"61/2018/NĐ-CP", "43/2014/NĐ-CP"}
    assert [d.code for d in documents.overdue_for_review()] == ["CSCL-TNMT"]
    assert all(d.has_file and d.status == "in_force" for d in db.session.scalars(select(ControlledDocument)))
    tnmt_risks = db.session.scalars(select(Risk).where(Risk.unit_id == units["P-TNMT"].id)).all()
    assert sorted(r.score for r in tnmt_risks) == [10, 12, 16]
