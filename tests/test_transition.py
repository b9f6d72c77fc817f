"""The transition to ISO 9001:2015: opening it (page and CLI) creates one checklist per unit, evidence is
proposed from the unit's records and attached in one click or uploaded, status rules refuse bad input next
to the field, access per role, progress across the city counted right with its chart, the dashboard card."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from cli import cli
from qms.extensions import db
from qms.models.transition import (
    ItemStatus,
    Transition,
    TransitionEvidence,
    TransitionItem,
    TransitionStep,
    TransitionUnit,
)
from qms.services import documents, org, risks
from qms.services import transition as service
from qms.services.errors import DomainError
from qms.services.transition import catalogue
from tests.q3_support import EXE, PDF

CATALOGUE = len(catalogue.items())
TARGET = date.today() + timedelta(days=365)


@pytest.fixture
def people(orgdata):
    """Everyone reads the pages in English, so the tests can match the words."""
    for name in ("steering", "leader", "manager_a", "member_a", "manager_b", "auditor", "outsider", "admin"):
        orgdata.user(name).language = "en"
    db.session.commit()
    return orgdata


def item_count(unit_id: int | None = None) -> int:
    stmt = select(func.count(TransitionItem.id))
    if unit_id is not None:
        stmt = stmt.where(TransitionItem.unit_id == unit_id)
    return db.session.scalar(stmt) or 0


def opened(orgdata, *units, today: date | None = None) -> Transition:
    result = service.open_transition(actor=None, target_date=TARGET, units=list(units) or None, today=today)
    db.session.commit()
    return result.transition


def item_of(unit, key: str) -> TransitionItem:
    return db.session.scalar(
        select(TransitionItem).where(TransitionItem.unit_id == unit.id, TransitionItem.key == key)
    )


def field_errors(html: str, name: str) -> list[str]:
    """The messages shown right under the field `name`."""
    match = re.search(
        rf'name="{name}"[^>]*>.*?((?:<div class="invalid-feedback[^"]*">[^<]*</div>\s*)+)', html, re.S
    )
    return re.findall(r'<div class="invalid-feedback[^"]*">([^<]*)</div>', match.group(1)) if match else []


# --- opening -------------------------------------------------------------------------------------


def test_catalogue_covers_what_2015_adds_in_both_languages():
    keys = {i.clause_2015 for i in catalogue.items()}
    wanted = "4.1 4.2 4.3 4.4 5.1 5.2 5.3 6.1 6.2 6.3 7.1.6 7.2 7.3 7.5 8.4 8.5.6 8.6 9.1 9.2 9.3 10.2 10.3"
    assert set(wanted.split()) <= keys
    for entry in catalogue.items():
        assert entry.title_vi and entry.title_en and entry.guidance_vi and entry.guidance_en, entry.key


def test_cli_opens_once_and_adds_only_a_new_units_items(app, runner, people):
    result = runner.invoke(
        cli, ["transition", "open", "--target", TARGET.isoformat(), "--title", "Chuyển đổi 2015"]
    )
    assert result.exit_code == 0, result.output
    assert "transition opened: Chuyển đổi 2015" in result.output and "3 units" in result.output
    assert item_count() == 3 * CATALOGUE
    assert db.session.scalar(select(func.count(TransitionStep.id))) == len(catalogue.steps())

    again = runner.invoke(cli, ["transition", "open", "--target", TARGET.isoformat()])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert item_count() == 3 * CATALOGUE
    assert db.session.scalar(select(func.count(Transition.id))) == 1

    new = org.create_unit(actor=None, code="P-C", name="Phòng C", kind="department", parent=people.city)
    db.session.commit()
    added = runner.invoke(
        cli, ["transition", "open", "--target", TARGET.isoformat(), "--unit", "P-C", "--unit", "P-A"]
    )
    assert added.exit_code == 0, added.output
    assert "units added: P-C" in added.output and "P-A" not in added.output.split("units added:")[1]
    assert item_count(new.id) == CATALOGUE and item_count() == 4 * CATALOGUE


def test_cli_refuses_a_target_before_the_start_and_an_unknown_unit(app, runner, people):
    past = runner.invoke(cli, ["transition", "open", "--target", "2001-01-01"])
    assert past.exit_code == 1 and "target date cannot be before" in past.stderr
    unknown = runner.invoke(cli, ["transition", "open", "--target", TARGET.isoformat(), "--unit", "NOPE"])
    assert unknown.exit_code == 1 and "NOPE" in unknown.stderr
    assert db.session.scalar(select(func.count(Transition.id))) == 0


def test_steering_opens_it_on_the_page_for_the_units_chosen(app, people, as_user):
    page = as_user("leader").get("/transition/").get_data(as_text=True)
    assert "No transition to ISO 9001:2015 is open." in page and 'id="open-transition"' not in page
    assert as_user("manager_a").get("/transition/open").status_code == 403

    client = as_user("steering")
    assert 'id="open-transition"' in client.get("/transition/").get_data(as_text=True)
    response = client.post(
        "/transition/open",
        data={"title": "Kế hoạch chuyển đổi", "target_date": TARGET.isoformat(), "units": [people.unit_a.id],
              "responsible_id": str(people.steering.id)},
    )  # fmt: skip
    assert response.status_code == 302
    transition = service.current_transition()
    assert transition.title == "Kế hoạch chuyển đổi" and transition.responsible_id == people.steering.id
    assert item_count(people.unit_a.id) == CATALOGUE and item_count() == CATALOGUE
    steps = transition.steps
    assert [s.due for s in steps] == sorted(s.due for s in steps)
    assert steps[0].due >= transition.started_on and steps[-1].due == TARGET
    assert all(i.due == TARGET for i in db.session.scalars(select(TransitionItem)))
    # a second opening leads back to the progress page, creating nothing
    assert client.post("/transition/open", data={"target_date": TARGET.isoformat()}).status_code == 302
    assert item_count() == CATALOGUE

    # steering adds a unit to the scope: only its items are created
    edit = client.post(
        "/transition/edit",
        data={"title": "Kế hoạch chuyển đổi", "target_date": TARGET.isoformat(),
              "units": [people.unit_a.id, people.unit_b.id], "responsible_id": ""},
    )  # fmt: skip
    assert edit.status_code == 302
    assert item_count(people.unit_b.id) == CATALOGUE and item_count() == 2 * CATALOGUE


def test_a_target_before_the_start_is_refused_next_to_the_field(app, people, as_user):
    client = as_user("steering")
    response = client.post(
        "/transition/open",
        data={"title": "Tiêu đề giữ lại", "target_date": "2001-01-01", "units": [people.unit_a.id]},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert any("cannot be before the transition starts" in e for e in field_errors(html, "target_date"))
    assert 'value="Tiêu đề giữ lại"' in html
    assert db.session.scalar(select(func.count(Transition.id))) == 0


# --- evidence ----------------------------------------------------------------------------------------


def test_existing_risks_are_proposed_and_attached_in_one_click(app, people, as_user):
    unit = people.unit_a
    for title in ("Hồ sơ trễ hạn", "Mất dữ liệu", "Thiếu nhân sự"):
        risks.save_risk(unit, actor=None, kind="risk", title=title, likelihood=3, impact=3)
    opened(people, unit)
    item = item_of(unit, "risks")
    client = as_user("manager_a")
    page = client.get(f"/transition/items/{item.id}").get_data(as_text=True)
    assert "3 risks and opportunities recorded" in page
    assert client.post(f"/transition/items/{item.id}/evidence/risks").status_code == 302
    evidence = db.session.scalar(select(TransitionEvidence))
    assert (evidence.kind, evidence.record_count) == ("risks", 3)

    # the register is attached with its count at that moment
    risks.save_risk(
        unit, actor=None, kind="opportunity", title="Dịch vụ công trực tuyến", likelihood=2, impact=2
    )
    db.session.commit()
    page = client.get(f"/transition/items/{item.id}").get_data(as_text=True)
    listed = page.split('id="evidence-list"')[1].split("</ul>")[0]
    assert "3 risks and opportunities recorded" in listed
    assert "4 risks and opportunities recorded" in page.split('id="proposals"')[1]

    # an item whose registers are empty proposes nothing
    context_page = client.get(f"/transition/items/{item_of(unit, 'context').id}").get_data(as_text=True)
    assert 'id="proposals"' not in context_page


def test_a_controlled_document_is_chosen_from_the_units_records(app, people, as_user):
    unit = people.unit_a
    mine = documents.create_document(unit, actor=None, code="STCL", title="Sổ tay chất lượng", kind="manual")
    other = documents.create_document(people.unit_b, actor=None, code="CS", title="Chính sách", kind="policy")
    opened(people, unit)
    item = item_of(unit, "policy")
    client = as_user("manager_a")
    page = client.get(f"/transition/items/{item.id}").get_data(as_text=True)
    assert "STCL rev. 1" in page and "Chính sách" not in page.split('id="proposals"')[1]
    refused = client.post(
        f"/transition/items/{item.id}/evidence/document", data={"document-record_id": other.id}
    )
    assert refused.status_code == 302 and db.session.scalar(select(func.count(TransitionEvidence.id))) == 0
    client.post(f"/transition/items/{item.id}/evidence/document", data={"document-record_id": mine.id})
    evidence = db.session.scalar(select(TransitionEvidence))
    assert (evidence.kind, evidence.record_id) == ("document", mine.id)
    assert f"/documents/{mine.id}" in client.get(f"/transition/items/{item.id}").get_data(as_text=True)


def test_the_audit_kind_is_registered_by_the_audits_package(app):
    kinds = {k.key for k in service.evidence_kinds()}
    assert {"context", "parties", "risks", "objectives", "procedure", "document", "audit"} <= kinds


def test_uploaded_evidence_downloads_and_removal_keeps_its_history(app, people, as_user):
    opened(people, people.unit_a)
    item = item_of(people.unit_a, "knowledge")
    client = as_user("manager_a")
    bad = client.post(
        f"/transition/items/{item.id}/file",
        data={"file": (BytesIO(EXE), "setup.exe")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and field_errors(bad.get_data(as_text=True), "file")
    response = client.post(
        f"/transition/items/{item.id}/file",
        data={"file": (BytesIO(PDF), "bai-hoc.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    evidence = db.session.scalar(select(TransitionEvidence))
    assert evidence.file_name == "bai-hoc.pdf"
    for name in ("manager_a", "member_a", "leader"):
        download = as_user(name).get(f"/transition/evidence/{evidence.id}/file")
        assert download.status_code == 200 and download.data == PDF, name
        download.close()
    assert as_user("manager_b").get(f"/transition/evidence/{evidence.id}/file").status_code == 403

    client = as_user("manager_a")
    assert client.post(f"/transition/evidence/{evidence.id}/remove").status_code == 302
    db.session.refresh(evidence)
    assert evidence.removed_at is not None and evidence.removed_by_id == people.manager_a.id
    page = client.get(f"/transition/items/{item.id}").get_data(as_text=True)
    assert "<del>bai-hoc.pdf</del>" in page
    assert "bai-hoc.pdf" in page.split('id="history"')[1]


# --- status rules --------------------------------------------------------------------------------


def test_status_rules_refuse_next_to_the_field_and_keep_the_input(app, people, as_user):
    opened(people, people.unit_a)
    item = item_of(people.unit_a, "scope")
    client = as_user("manager_a")
    url = f"/transition/items/{item.id}"

    done = client.post(url, data={"status": "done", "owner_id": "", "due": "2030-01-31", "notes": ""})
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert any("evidence attached or a note" in e for e in field_errors(html, "status"))
    assert 'value="2030-01-31"' in html

    na = client.post(url, data={"status": "not_applicable", "owner_id": "", "due": "", "notes": ""})
    assert any("reason" in e for e in field_errors(na.get_data(as_text=True), "notes"))

    outsider = client.post(
        url,
        data={
            "status": "in_progress",
            "owner_id": str(people.manager_b.id),
            "due": "",
            "notes": "Ghi chú giữ lại",
        },
    )
    html = outsider.get_data(as_text=True)
    assert any("must be a person of P-A" in e for e in field_errors(html, "owner_id"))
    assert "Ghi chú giữ lại" in html
    db.session.refresh(item)
    assert item.status == ItemStatus.NOT_STARTED and item.notes == "" and item.due == TARGET

    ok = client.post(
        url,
        data={
            "status": "done",
            "owner_id": str(people.member_a.id),
            "due": "",
            "notes": "Phạm vi trong sổ tay",
        },
    )
    assert ok.status_code == 302
    db.session.refresh(item)
    assert (item.status, item.owner_id, item.notes) == ("done", people.member_a.id, "Phạm vi trong sổ tay")
    na_ok = client.post(
        f"/transition/items/{item_of(people.unit_a, 'release').id}",
        data={"status": "not_applicable", "owner_id": "", "due": "", "notes": "Không có sản phẩm"},
    )
    assert na_ok.status_code == 302


def test_the_service_refuses_done_without_evidence_and_accepts_it_with_evidence(app, people):
    opened(people, people.unit_a)
    risks.save_party(people.unit_a, actor=None, name="Người dân", needs="Đúng hẹn")
    item = item_of(people.unit_a, "interested_parties")
    with pytest.raises(DomainError) as refused:
        service.update_item(item, actor=None, status="done", owner_id=None, due=None, notes="")
    assert refused.value.field == "status"
    service.attach_register(item, actor=None, kind="parties")
    service.update_item(item, actor=None, status="done", owner_id=None, due=None, notes="")
    assert item.status == "done"


# --- access --------------------------------------------------------------------------------------


def test_access_per_role(app, people, as_user):
    opened(people, people.unit_a, people.unit_b)
    item = item_of(people.unit_a, "context")
    change = {"status": "in_progress", "owner_id": "", "due": "", "notes": "Đang rà soát"}

    manager = as_user("manager_a")
    page = manager.get("/transition/units/P-A")
    assert page.status_code == 200 and 'id="items"' in page.get_data(as_text=True)
    assert 'id="edit-item"' in manager.get(f"/transition/items/{item.id}").get_data(as_text=True)
    assert manager.post(f"/transition/items/{item.id}", data=change).status_code == 302

    other = as_user("manager_b")
    assert other.get("/transition/units/P-A").status_code == 403
    assert other.get(f"/transition/items/{item.id}").status_code == 403
    assert other.post(f"/transition/items/{item.id}", data=change).status_code == 403
    assert other.get("/transition/units/P-B").status_code == 200

    for name in ("steering", "leader", "member_a"):
        reader = as_user(name)
        assert reader.get("/transition/units/P-A").status_code == 200, name
        html = reader.get(f"/transition/items/{item.id}").get_data(as_text=True)
        assert "Đang rà soát" in html and 'id="edit-item"' not in html, name
        assert reader.post(f"/transition/items/{item.id}", data=change).status_code == 403, name
        assert reader.post(f"/transition/items/{item.id}/evidence/risks").status_code == 403, name

    # steering names each unit's owner, who must be a person of the unit
    steering = as_user("steering")
    steering.post("/transition/units/P-A/owner", data={"owner_id": str(people.member_a.id)})
    entry = db.session.scalar(select(TransitionUnit).where(TransitionUnit.unit_id == people.unit_a.id))
    assert entry.owner_id == people.member_a.id
    assert as_user("manager_a").post("/transition/units/P-A/owner", data={"owner_id": ""}).status_code == 403
    with pytest.raises(DomainError) as wrong:
        service.set_unit_owner(entry.transition, people.unit_a, actor=None, owner_id=people.manager_b.id)
    assert wrong.value.field == "owner_id"
    with pytest.raises(DomainError) as outside:
        service.scope_entry(entry.transition, people.city)
    assert outside.value.field == "unit"
    assert as_user("steering").get("/transition/units/CITY").status_code == 404


# --- progress ------------------------------------------------------------------------------------


def test_progress_figures_chart_and_sorting(app, people, as_user, monkeypatch):
    from qms.services import remapping

    monkeypatch.setattr(
        remapping, "references_left", lambda unit_ids=None: {people.unit_a.id: 3, people.unit_b.id: 1}
    )
    monkeypatch.setattr(remapping, "references_left_total", lambda: 4)
    monkeypatch.setattr(remapping, "remap_url", lambda code=None: f"/remap/{code}" if code else "/remap/")
    transition = opened(people, people.unit_a, people.unit_b)
    a = people.unit_a
    for key in ("context", "policy"):
        service.update_item(item_of(a, key), actor=None, status="done", owner_id=None, due=None, notes="Có")
    service.update_item(
        item_of(a, "release"), actor=None, status="not_applicable", owner_id=None, due=None, notes="Không"
    )
    late = item_of(a, "knowledge")
    late.due = date.today() - timedelta(days=3)
    finished_late = item_of(a, "roles")
    service.update_item(
        finished_late, actor=None, status="done", owner_id=None, due=date(2020, 1, 1), notes="Có"
    )
    db.session.commit()

    figures = service.progress(transition)
    row_a = next(r for r in figures.rows if r.unit.code == "P-A")
    assert (row_a.done, row_a.applicable, row_a.overdue, row_a.left) == (3, CATALOGUE - 1, 1, 3)
    assert round(row_a.percent, 2) == round(300 / (CATALOGUE - 1), 2)
    assert (figures.done, figures.applicable, figures.left) == (3, 2 * CATALOGUE - 1, 4)

    page = as_user("steering").get("/transition/?sort=done&dir=desc").get_data(as_text=True)
    assert '<svg id="progress-chart"' in page and "cdn" not in page.lower()
    assert page.index('data-unit="P-A"') < page.index('data-unit="P-B"')
    assert "/transition/units/P-A?status=done" in page and "/transition/units/P-A?overdue=1" in page
    assert 'href="/remap/P-A">3</a>' in page
    percent = f"{300 / (CATALOGUE - 1):.2f}%"
    assert percent in page
    ascending = as_user("steering").get("/transition/?sort=done&dir=asc").get_data(as_text=True)
    tail = ascending.split('id="progress-table"')[1]
    assert tail.index('data-unit="P-B"') < tail.index('data-unit="P-A"')

    overdue_page = as_user("manager_a").get("/transition/units/P-A?overdue=1").get_data(as_text=True)
    assert overdue_page.count('data-key="') == 1 and 'data-key="knowledge"' in overdue_page
    done_page = as_user("manager_a").get("/transition/units/P-A?status=done").get_data(as_text=True)
    assert done_page.count('data-key="') == 3

    # a unit's people see their unit's row only, without the organisation's figure
    member = as_user("member_a").get("/transition/").get_data(as_text=True)
    assert 'data-unit="P-A"' in member and 'data-unit="P-B"' not in member
    assert 'id="organisation-progress"' not in member


def test_dashboard_card_per_role(app, people, as_user):
    assert 'id="transition-card"' not in as_user("steering").get("/").get_data(as_text=True)
    opened(people, people.unit_a, people.unit_b)
    late = item_of(people.unit_b, "context")
    late.due = date.today() - timedelta(days=1)
    service.update_item(
        item_of(people.unit_a, "policy"), actor=None, status="done", owner_id=None, due=None, notes="Có"
    )
    db.session.commit()

    for name in ("steering", "leader"):
        page = as_user(name).get("/").get_data(as_text=True)
        card = page.split('id="transition-card"')[1].split('id="objectives')[0]
        assert 'id="transition-org-percent"' in card and "P-B (1)" in card and "P-A (" not in card, name
    manager = as_user("manager_a").get("/").get_data(as_text=True)
    card = manager.split('id="transition-card"')[1]
    assert 'data-unit="P-A"' in card and f"{100 / CATALOGUE:.2f}%" in card and 'data-unit="P-B"' not in card
    assert 'id="transition-card"' not in as_user("member_a").get("/").get_data(as_text=True)
    assert 'id="transition-card"' not in as_user("outsider").get("/").get_data(as_text=True)


def test_steering_edits_the_plans_steps(app, people, as_user):
    transition = opened(people, people.unit_a)
    step = transition.steps[1]
    client = as_user("steering")
    bad = client.post(
        f"/transition/steps/{step.id}/edit", data={"what": "Đào tạo", "who": "BCĐ", "due": "2001-01-01"}
    )
    assert bad.status_code == 200 and field_errors(bad.get_data(as_text=True), "due")
    ok = client.post(
        f"/transition/steps/{step.id}/edit", data={"what": "Đào tạo lại", "who": "BCĐ", "due": ""}
    )
    assert ok.status_code == 302
    db.session.refresh(step)
    assert step.what == "Đào tạo lại"
    assert (
        as_user("manager_a").post(f"/transition/steps/{step.id}/edit", data={"what": "x"}).status_code == 403
    )


def test_a_unit_that_worked_on_its_items_stays_in_scope(app, people):
    transition = opened(people, people.unit_a, people.unit_b)
    service.update_item(
        item_of(people.unit_a, "policy"), actor=None, status="in_progress", owner_id=None, due=None, notes=""
    )
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        service.update_transition(
            transition, actor=None, title="T", target_date=TARGET, units=[people.unit_b], responsible=None
        )
    assert refused.value.field == "units" and "P-A" in str(refused.value)
    db.session.rollback()
    assert item_count(people.unit_a.id) == CATALOGUE  # nothing was removed

    # a unit nobody has worked on leaves with its items
    service.update_transition(
        transition, actor=None, title="T", target_date=TARGET, units=[people.unit_a], responsible=None
    )
    db.session.commit()
    assert item_count(people.unit_b.id) == 0 and item_count(people.unit_a.id) == CATALOGUE
