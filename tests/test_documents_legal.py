"""The legal basis: legal texts cited by procedures; amending or repealing a text flags its procedures."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from qms.extensions import db
from qms.models.history import HistoryEntry
from qms.models.legal import LegalStatus
from qms.services import legal, processes
from qms.services.errors import DomainError, NotAllowed


def setup_texts(orgdata):
    decree = legal.create_legal_text(
        actor=orgdata.user("steering"),
        number="61/2018/NĐ-CP",
        title="Về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính",
        issuer="Chính phủ",
        issued_on=date(2018, 4, 23),
    )
    land = legal.create_legal_text(
        actor=None, number="43/2014/NĐ-CP", title="Quy định chi tiết thi hành một số điều của Luật Đất đai"
    )
    process_a = processes.create_process(
        actor=None, unit=orgdata.unit_a, code="QT-TNMT-01", title="Đăng ký biến động đất đai"
    )
    process_b = processes.create_process(actor=None, unit=orgdata.unit_b, code="QT-B-01", title="Cấp bản sao")
    legal.cite(process_a, decree, actor=orgdata.user("manager_a"))
    legal.cite(process_a, land, actor=orgdata.user("manager_a"))
    legal.cite(process_b, decree, actor=orgdata.user("manager_b"))
    db.session.commit()
    return decree, land, process_a, process_b


def test_amending_a_text_flags_every_citing_procedure_until_reviewed(app, orgdata):
    decree, _land, process_a, process_b = setup_texts(orgdata)
    assert legal.procedures_needing_review() == []

    replacement = legal.create_legal_text(actor=None, number="107/2021/NĐ-CP", title="Sửa đổi, bổ sung")
    legal.set_status(decree, LegalStatus.AMENDED, actor=orgdata.user("steering"), replaced_by=replacement)
    db.session.commit()
    flagged = legal.procedures_needing_review()
    assert [p.code for p, _refs in flagged] == ["QT-B-01", "QT-TNMT-01"]
    assert [r.legal_text.number for r in flagged[1][1]] == ["61/2018/NĐ-CP"]
    assert [p.code for p, _refs in legal.procedures_needing_review(orgdata.unit_a)] == ["QT-TNMT-01"]
    assert legal.needs_review(process_a) and legal.needs_review(process_b)

    with pytest.raises(NotAllowed):
        legal.mark_reviewed(process_a, actor=orgdata.user("manager_b"))
    assert legal.mark_reviewed(process_a, actor=orgdata.user("manager_a")) == 1
    db.session.commit()
    assert not legal.needs_review(process_a)
    assert [p.code for p, _refs in legal.procedures_needing_review()] == ["QT-B-01"]
    ref = next(r for r in legal.citations_of(process_a) if r.legal_text_id == decree.id)
    assert ref.reviewed_by_id == orgdata.manager_a.id and ref.reviewed_at is not None
    with pytest.raises(DomainError):
        legal.mark_reviewed(process_a, actor=orgdata.user("manager_a"))

    # Repealing it later flags the reviewed procedure again.
    legal.set_status(decree, LegalStatus.REPEALED, actor=None)
    db.session.commit()
    assert legal.needs_review(process_a)
    changes = db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.record_type == "process_legal_ref")
    ).all()
    assert any(e.changes.get("needs_review") == [False, True] for e in changes)


def test_land_text_change_flags_only_its_procedures(app, orgdata):
    _decree, land, process_a, process_b = setup_texts(orgdata)
    legal.set_status(land, LegalStatus.REPEALED, actor=None)
    assert legal.needs_review(process_a) and not legal.needs_review(process_b)


def test_citing_a_repealed_text_is_flagged_at_once_and_twice_refused(app, orgdata):
    old = legal.create_legal_text(
        actor=None,
        number="144/2006/QĐ-TTg",
        title="Áp dụng HTQLCL theo TCVN ISO 9001:2000",
        status=LegalStatus.REPEALED,
    )
    process = processes.create_process(actor=None, unit=orgdata.unit_a, code="QT-X", title="X")
    legal.cite(process, old, actor=None)
    assert legal.needs_review(process)
    with pytest.raises(DomainError) as caught:
        legal.cite(process, old, actor=None)
    assert caught.value.field == "legal_text_id"


def test_register_rules(app, orgdata):
    legal.create_legal_text(actor=None, number="19/2014/QĐ-TTg", title="ISO")
    with pytest.raises(DomainError) as caught:
        legal.create_legal_text(actor=None, number="19/2014/QĐ-TTg", title="again")
    assert caught.value.field == "number"
    other = legal.create_legal_text(actor=None, number="X/1", title="x")
    with pytest.raises(DomainError) as caught:
        legal.create_legal_text(actor=None, number="X/2", title="x", replaced_by=other)
    assert caught.value.field == "replaced_by_id"
    for name in ("manager_a", "auditor", "leader"):
        with pytest.raises(NotAllowed):
            legal.create_legal_text(actor=orgdata.user(name), number="Y/1", title="y")


def test_procedure_page_unit_page_and_dashboard_show_the_flag(app, orgdata, as_user):
    decree, _land, process_a, _process_b = setup_texts(orgdata)
    legal.set_status(decree, LegalStatus.AMENDED, actor=None)
    db.session.commit()

    client = as_user("member_a")
    page = client.get(f"/legal/procedures/{process_a.id}").get_data(as_text=True)
    assert 'id="needs-review"' in page and "61/2018/NĐ-CP" in page
    procedure_page = client.get(f"/procedures/{process_a.id}").get_data(as_text=True)
    assert 'id="legal-basis"' in procedure_page and 'id="needs-review"' in procedure_page
    assert f"/legal/procedures/{process_a.id}/reviewed" not in page  # a member only reads
    unit_page = client.get(f"/units/{orgdata.unit_a.id}").get_data(as_text=True)
    assert 'id="procedures-needing-review"' in unit_page and "QT-TNMT-01" in unit_page
    dashboard = client.get("/").get_data(as_text=True)
    assert 'id="procedures-needing-review"' in dashboard and "QT-TNMT-01" in dashboard

    assert as_user("manager_b").post(f"/legal/procedures/{process_a.id}/reviewed").status_code == 403
    assert as_user("member_a").post(f"/legal/procedures/{process_a.id}/reviewed").status_code == 403
    assert as_user("outsider").get(f"/legal/procedures/{process_a.id}").status_code == 403
    response = as_user("manager_a").post(f"/legal/procedures/{process_a.id}/reviewed")
    assert response.status_code == 302
    page = as_user("manager_a").get(f"/procedures/{process_a.id}").get_data(as_text=True)
    assert 'id="legal-basis"' in page and 'id="needs-review"' not in page
    assert 'id="procedures-needing-review"' not in as_user("manager_a").get("/").get_data(as_text=True)


def test_legal_register_pages(app, orgdata, as_user):
    client = as_user("steering")
    response = client.post(
        "/legal/new",
        data={
            "number": "19/2014/QĐ-TTg",
            "title": "Áp dụng HTQLCL",
            "issuer": "Thủ tướng Chính phủ",
            "issued_on": "2014-03-05",
            "status": "in_force",
            "replaced_by_id": "0",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert "19/2014/QĐ-TTg" in client.get("/legal/").get_data(as_text=True)
    bad = client.post(
        "/legal/new",
        data={"number": "19/2014/QĐ-TTg", "title": "again", "status": "in_force", "replaced_by_id": "0"},
    )
    with force_locale("vi"):
        expected = _("The legal text %(number)s is already registered.", number="19/2014/QĐ-TTg")
    assert bad.status_code == 200 and expected in bad.get_data(as_text=True)
    assert as_user("manager_a").get("/legal/new").status_code == 403
    assert as_user("manager_a").get("/legal/").status_code == 200


def test_cite_from_the_procedure_page(app, orgdata, as_user):
    text = legal.create_legal_text(actor=None, number="61/2018/NĐ-CP", title="Một cửa")
    process = processes.create_process(actor=None, unit=orgdata.unit_a, code="QT-1", title="T")
    db.session.commit()
    assert (
        as_user("manager_b")
        .post(f"/legal/procedures/{process.id}/cite", data={"cite-legal_text_id": text.id})
        .status_code
        == 403
    )
    response = as_user("manager_a").post(
        f"/legal/procedures/{process.id}/cite", data={"cite-legal_text_id": text.id}
    )
    assert response.status_code == 302
    assert [r.legal_text.number for r in legal.citations_of(process)] == ["61/2018/NĐ-CP"]


def test_a_new_version_keeps_the_legal_basis_and_section_3_names_it(app, orgdata):
    decree, land, process_a, _process_b = setup_texts(orgdata)
    processes.add_step(process_a, actor=None, text="Tiếp nhận hồ sơ", responsible="Một cửa", days="1")
    processes.approve(process_a, actor=None, effective_date=date(2018, 7, 1))
    draft = processes.new_version(process_a, actor=orgdata.user("manager_a"))
    db.session.commit()
    assert {r.legal_text.number for r in legal.citations_of(draft)} == {decree.number, land.number}
    references = processes.cited_references(draft)
    assert any(line.startswith("61/2018/NĐ-CP — ") for line in references)
