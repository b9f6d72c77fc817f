"""The context and risks pages: forms with errors next to fields, 403 for other units, history."""

from __future__ import annotations

from sqlalchemy import func, select

from qms.extensions import db
from qms.models.risks import Risk
from qms.services import risks


def risk_form(**extra):
    data = {
        "kind": "risk",
        "title": "Hồ sơ trễ hạn",
        "description": "",
        "likelihood": "4",
        "impact": "5",
        "owner": "Trưởng phòng",
        "review_date": "2019-06-30",
    }
    data.update(extra)
    return data


def test_manager_adds_a_risk_and_sees_its_score(app, orgdata, as_user):
    client = as_user("manager_a")
    base = f"/units/{orgdata.unit_a.id}/context"
    response = client.post(f"{base}/risks/new", data=risk_form())
    assert response.status_code == 302
    risk = db.session.scalar(select(Risk))
    assert risk.score == 20
    page = client.get(base + "/").get_data(as_text=True)
    assert "Hồ sơ trễ hạn" in page and '<td class="text-end figure score">20</td>' in page
    assert 'id="history"' in page and "Hồ sơ trễ hạn" in page.split('id="history"')[1]
    action = client.post(
        f"{base}/risks/{risk.id}/actions/new",
        data={"what": "Nhắc hạn", "owner": "Văn thư", "due": "2018-09-30", "done_on": ""},
    )
    assert action.status_code == 302
    assert "Nhắc hạn" in client.get(f"{base}/risks/{risk.id}").get_data(as_text=True)
    unit_page = client.get(f"/units/{orgdata.unit_a.id}").get_data(as_text=True)
    assert f'href="{base}/"' in unit_page


def test_bad_input_is_shown_next_to_the_field_and_kept(app, orgdata, as_user):
    client = as_user("manager_a")
    response = client.post(f"/units/{orgdata.unit_a.id}/context/risks/new", data=risk_form(likelihood="7"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    after_field = page.split('name="likelihood"')[1][:400]
    assert "invalid-feedback" in after_field
    assert 'value="Hồ sơ trễ hạn"' in page
    assert db.session.scalar(select(func.count(Risk.id))) == 0
    empty = client.post(
        f"/units/{orgdata.unit_a.id}/context/parties/new", data={"name": "Người dân", "needs": ""}
    )
    assert (
        empty.status_code == 200
        and "invalid-feedback" in empty.get_data(as_text=True).split('name="needs"')[1][:500]
    )


def test_access_rules(app, orgdata, as_user):
    risk = risks.save_risk(orgdata.unit_a, actor=None, kind="risk", title="R", likelihood=2, impact=2)
    issue = risks.save_issue(orgdata.unit_a, actor=None, kind="internal", description="I")
    db.session.commit()
    base = f"/units/{orgdata.unit_a.id}/context"
    for name in ("member_a", "steering", "auditor", "leader"):
        client = as_user(name)
        assert client.get(base + "/").status_code == 200, name
        assert client.get(f"{base}/risks/{risk.id}").status_code == 200
        assert client.get(f"{base}/export.docx").status_code == 200
        assert client.get(f"{base}/risks/new").status_code == 403
        assert client.post(f"{base}/issues/{issue.id}/delete").status_code == 403
    for name in ("manager_b", "outsider"):
        client = as_user(name)
        assert client.get(base + "/").status_code == 403
        assert client.get(f"{base}/export.docx").status_code == 403
        assert client.post(f"{base}/risks/new", data=risk_form()).status_code == 403
        assert client.post(f"{base}/risks/{risk.id}/edit", data=risk_form()).status_code == 403
    # A record of unit A reached through unit B's address is refused even to B's manager.
    other = f"/units/{orgdata.unit_b.id}/context"
    assert as_user("manager_b").post(f"{other}/risks/{risk.id}/edit", data=risk_form()).status_code == 403
    assert db.session.get(Risk, risk.id).title == "R"


def test_delete_from_the_page(app, orgdata, as_user):
    issue = risks.save_issue(orgdata.unit_a, actor=None, kind="internal", description="Sắp xóa")
    db.session.commit()
    client = as_user("manager_a")
    assert client.post(f"/units/{orgdata.unit_a.id}/context/issues/{issue.id}/delete").status_code == 302
    assert (
        "Sắp xóa"
        not in client.get(f"/units/{orgdata.unit_a.id}/context/")
        .get_data(as_text=True)
        .split('id="history"')[0]
    )
