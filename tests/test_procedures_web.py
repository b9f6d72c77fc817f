"""Procedure pages: forms with errors next to fields, steps with branches, the map, approval,
new versions and who may do what."""

from __future__ import annotations

import re

from sqlalchemy import select

from qms.extensions import db
from qms.models.processes import Process, ProcessStatus
from qms.services import processes

NEW = {
    "code": "QT-A-01",
    "title": "Cấp giấy phép xây dựng",
    "kind": "administrative",
    "time_limit_days": "5",
    "purpose": "Giải quyết đúng hạn",
    "scope": "Phòng A",
    "references_text": "Nghị định 61/2018/NĐ-CP",
    "clauses": "4.4 8.1",
    "definitions": "TTHC: Thủ tục hành chính",
    "forms_text": "BM.01 | Giấy tiếp nhận",
    "records_text": "Sổ theo dõi | Một cửa | 24 tháng | electronic",
}


def create(client, orgdata, **changes):
    return client.post(f"/procedures/unit/{orgdata.unit_a.id}/new", data={**NEW, **changes})


def step(client, process_id, **fields):
    data = {"kind": "task", "days": "0", "responsible": "Một cửa", **fields}
    return client.post(f"/procedures/{process_id}/steps/new", data=data)


def the_process() -> Process:
    return db.session.scalar(select(Process).where(Process.code == "QT-A-01"))


def test_manager_builds_a_procedure_with_a_branch_and_sees_its_map(as_user, orgdata):
    client = as_user("manager_a")
    response = create(client, orgdata)
    assert response.status_code == 302
    p = the_process()
    assert p.status == ProcessStatus.DRAFT and p.forms == [{"code": "BM.01", "name": "Giấy tiếp nhận"}]
    assert step(client, p.id, text="Tiếp nhận hồ sơ", days="0.5").status_code == 302
    assert step(client, p.id, text="Thẩm định hồ sơ", responsible="Chuyên viên", days="3").status_code == 302
    ids = [s.id for s in the_process().steps]
    response = client.post(
        f"/procedures/{p.id}/steps/new",
        data={
            "kind": "decision",
            "text": "Hồ sơ đầy đủ?",
            "responsible": "Một cửa",
            "days": "0",
            "yes_step_id": str(ids[1]),
            "no_step_id": str(ids[0]),
        },
    )
    assert response.status_code == 302
    # Move the decision up to be step 2.
    decision = the_process().steps[2]
    assert client.post(f"/procedures/{p.id}/steps/{decision.id}/move/up").status_code == 302
    db.session.expire_all()
    assert [s.text for s in the_process().steps] == ["Tiếp nhận hồ sơ", "Hồ sơ đầy đủ?", "Thẩm định hồ sơ"]
    page = client.get(f"/procedures/{p.id}").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="process-map"' in page
    assert page.count('class="map-decision"') == 1
    assert "Hồ sơ đầy đủ?" in page and "Thẩm định hồ sơ" in page
    assert 'id="approve-form"' in page and 'id="problems"' not in page
    assert f"/procedures/{p.id}/edit" in page


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(as_user, orgdata):
    client = as_user("manager_a")
    response = create(client, orgdata, code="XYZ", title="Giữ lại tiêu đề")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'name="code"[^>]*is-invalid|is-invalid[^>]*name="code"', page)
    assert "Giữ lại tiêu đề" in page
    assert db.session.scalar(select(Process)) is None
    response = create(client, orgdata, time_limit_days="2.3")
    assert re.search(
        r'is-invalid[^>]*name="time_limit_days"|name="time_limit_days"[^>]*is-invalid',
        response.get_data(as_text=True),
    )
    assert create(client, orgdata).status_code == 302
    p = the_process()
    response = step(client, p.id, text="Tiếp nhận", responsible="")
    assert response.status_code == 200
    assert re.search(
        r'is-invalid[^>]*name="responsible"|name="responsible"[^>]*is-invalid',
        response.get_data(as_text=True),
    )
    response = step(client, p.id, kind="decision", text="Đủ?", yes_step_id="", no_step_id="")
    assert 'name="yes_step_id"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert the_process().steps == []


def test_over_the_limit_cannot_be_approved_through_the_web(as_user, orgdata):
    client = as_user("manager_a")
    create(client, orgdata, time_limit_days="1")
    p = the_process()
    step(client, p.id, text="Thẩm định", days="2")
    page = client.get(f"/procedures/{p.id}").get_data(as_text=True)
    assert 'id="problems"' in page and 'id="approve-form"' not in page
    client.post(f"/procedures/{p.id}/approve", data={"effective_date": "2018-01-02"})
    db.session.expire_all()
    assert the_process().status == ProcessStatus.DRAFT


def test_approve_and_new_version_through_the_web(as_user, orgdata):
    client = as_user("manager_a")
    create(client, orgdata)
    p = the_process()
    step(client, p.id, text="Tiếp nhận", days="1")
    assert (
        client.post(f"/procedures/{p.id}/approve", data={"effective_date": "2018-01-02"}).status_code == 302
    )
    db.session.expire_all()
    p = the_process()
    assert p.status == ProcessStatus.APPROVED and p.effective_date.isoformat() == "2018-01-02"
    page = client.get(f"/procedures/{p.id}").get_data(as_text=True)
    assert 'id="new-version"' in page and f"/procedures/{p.id}/edit" not in page
    assert client.get(f"/procedures/{p.id}/edit").status_code == 302  # approved: revise by a new version
    response = client.post(f"/procedures/{p.id}/new-version")
    assert response.status_code == 302
    v2 = processes.draft_of(p)
    assert (
        v2 is not None and v2.version == 2 and response.headers["Location"].endswith(f"/procedures/{v2.id}")
    )
    page = client.get(f"/procedures/{p.id}").get_data(as_text=True)
    assert 'id="new-version"' not in page  # a draft is already being written


def test_access_rules(as_user, orgdata):
    client = as_user("manager_a")
    create(client, orgdata)
    p = the_process()
    step(client, p.id, text="Tiếp nhận", days="1")
    s = the_process().steps[0]
    client = as_user("manager_b")
    assert client.get(f"/procedures/{p.id}").status_code == 403
    assert client.get(f"/procedures/{p.id}/edit").status_code == 403
    assert client.post(f"/procedures/{p.id}/steps/{s.id}/delete").status_code == 403
    assert (
        client.post(f"/procedures/{p.id}/approve", data={"effective_date": "2018-01-02"}).status_code == 403
    )
    assert client.get(f"/procedures/unit/{orgdata.unit_a.id}/new").status_code == 403
    assert client.get(f"/procedures/unit/{orgdata.unit_a.id}").status_code == 403
    assert client.get("/procedures/map").status_code == 403
    client = as_user("member_a")
    page = client.get(f"/procedures/{p.id}").get_data(as_text=True)
    assert "Tiếp nhận" in page and f"/procedures/{p.id}/edit" not in page and "approve-form" not in page
    assert client.get(f"/procedures/{p.id}/steps/new").status_code == 403
    client = as_user("steering")
    assert client.get(f"/procedures/{p.id}").status_code == 200
    assert client.get("/procedures/map").status_code == 200
    assert "QT-A-01" in client.get("/procedures/").get_data(as_text=True)
    db.session.expire_all()
    assert len(the_process().steps) == 1


def test_links_and_interaction_maps(as_user, orgdata):
    client = as_user("manager_a")
    create(client, orgdata)
    create(client, orgdata, code="QT-A-02", title="Lưu trữ hồ sơ")
    a = the_process()
    b = db.session.scalar(select(Process).where(Process.code == "QT-A-02"))
    response = client.post(
        f"/procedures/{a.id}/links", data={"target_id": str(b.id), "label": "Hồ sơ đã giải quyết"}
    )
    assert response.status_code == 302
    page = client.get(f"/procedures/unit/{orgdata.unit_a.id}/map").get_data(as_text=True)
    assert 'id="interaction-map"' in page and "QT-A-02" in page
    labels = re.findall(r'<text[^>]*stroke="#fff"[^>]*>(.*?)</text>', page, re.S)
    words = " ".join(" ".join(re.sub(r"<[^>]+>", " ", t).split()) for t in labels)
    assert words == "Hồ sơ đã giải quyết"
    unit_page = client.get(f"/units/{orgdata.unit_a.id}").get_data(as_text=True)
    assert f"/procedures/unit/{orgdata.unit_a.id}" in unit_page
