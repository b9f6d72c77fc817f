"""The reorganisation screens through the test client: who may open them, a draft and its moves with the
refusals next to their field, the preview's counts, apply and undo, and the units pages after them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from qms.extensions import db
from qms.models.org import Unit
from qms.models.reorganisation import Reorganisation, ReorganisationMove
from qms.services import reorganisation as reorg_service
from qms.services.history import act_as
from tests.conftest import Org
from tests.test_reorganisation import populate, with_findings

EFFECTIVE = date(2025, 7, 1)


@pytest.fixture
def tree(orgdata: Org) -> Org:
    """CITY → P-A, P-B with records of every kind; in P-A an open nonconformity and a noted observation."""
    act_as(None)
    populate(orgdata.unit_a, "A")
    populate(orgdata.unit_b, "B")
    db.session.commit()
    with_findings(orgdata)
    db.session.commit()
    return orgdata


def draft(orgdata: Org, basis: str = "Nghị quyết 1667/NQ-UBTVQH15") -> Reorganisation:
    reorg = reorg_service.create(
        actor=orgdata.user("admin"),
        legal_basis=basis,
        effective_on=EFFECTIVE,
        legal_act_date=date(2025, 6, 16),
    )
    db.session.commit()
    return reorg


def english(client: FlaskClient) -> FlaskClient:
    client.post("/language/en", data={"next": "/"})
    return client


def field_html(page: str, name: str) -> str:
    """A field's element and what follows it, up to the next field's wrapper."""
    start = page.rfind("<", 0, page.index(f'name="{name}"'))
    end = page.find('class="mb-3', start + 1)
    return page[start : end if end != -1 else None]


def row(page: str, row_id: str) -> str:
    start = page.index(f'id="{row_id}"')
    return page[start : page.index("</tr>", start)]


def cell(html: str, css: str) -> str:
    found = re.search(rf'class="[^"]*{css}[^"]*">([^<]*)<', html)
    assert found, (css, html)
    return found.group(1).strip()


def move_data(**values: Any) -> dict[str, Any]:
    data = {f"move-{k}": v for k, v in values.items()}
    data.setdefault("move-target", 0)
    data.setdefault("move-new_parent", 0)
    data.setdefault("move-source", 0)
    return data


# --- access ------------------------------------------------------------------------------------------


def test_administrators_and_the_steering_committee_reorganise_others_may_not(orgdata, as_user):
    reorg = draft(orgdata)
    pages = ["/reorganisations/", "/reorganisations/new", f"/reorganisations/{reorg.id}",
             f"/reorganisations/{reorg.id}/preview", f"/reorganisations/{reorg.id}/edit"]  # fmt: skip
    for name in ("admin", "steering"):
        client = as_user(name)
        for page in pages:
            assert client.get(page).status_code == 200, (name, page)
    steering_units = as_user("steering").get("/units/").get_data(as_text=True)
    assert 'href="/reorganisations/"' in steering_units  # steering has no Administration menu
    for name in ("manager_a", "member_a", "auditor", "leader"):
        client = as_user(name)
        for page in pages:
            assert client.get(page).status_code == 403, (name, page)
        assert client.post("/reorganisations/new", data={"legal_basis": "x"}).status_code == 403
        assert client.post(f"/reorganisations/{reorg.id}/apply").status_code == 403
        assert 'href="/reorganisations/"' not in client.get("/units/").get_data(as_text=True)
    admin_page = as_user("admin").get("/").get_data(as_text=True)
    assert 'id="nav-reorganisations"' in admin_page
    assert db.session.scalar(select(Reorganisation.status).where(Reorganisation.id == reorg.id)) == "draft"


# --- the draft ---------------------------------------------------------------------------------------


def test_a_draft_shows_its_errors_next_to_the_field_and_keeps_what_was_typed(orgdata, as_user):
    client = as_user("steering")
    page = client.post(
        "/reorganisations/new",
        data={"legal_basis": "", "effective_on": "2025-07-01", "note": "Sáp nhập phường"},
    ).get_data(as_text=True)
    assert "is-invalid" in field_html(page, "legal_basis")
    assert "Sáp nhập phường" in page and 'value="2025-07-01"' in page
    # the service's refusal: the act is dated after the effective date, shown next to the act's date
    page = client.post(
        "/reorganisations/new",
        data={"legal_basis": "Nghị quyết 1196/NQ-UBTVQH15", "legal_act_date": "2025-08-01",
              "effective_on": "2025-07-01"},
    ).get_data(as_text=True)  # fmt: skip
    assert "is-invalid" in field_html(page, "legal_act_date")
    assert "invalid-feedback" in field_html(page, "legal_act_date")
    assert 'value="Nghị quyết 1196/NQ-UBTVQH15"' in page
    assert db.session.scalar(select(Reorganisation.id)) is None

    response = client.post(
        "/reorganisations/new",
        data={"legal_basis": "Nghị quyết 1196/NQ-UBTVQH15", "legal_act_date": "2025-06-16",
              "effective_on": "2025-07-01", "note": "Sáp nhập phường"},
    )  # fmt: skip
    assert response.status_code == 302
    reorg = db.session.scalar(select(Reorganisation))
    assert (reorg.legal_basis, reorg.effective_on, reorg.status) == (
        "Nghị quyết 1196/NQ-UBTVQH15",
        EFFECTIVE,
        "draft",
    )
    listed = row(client.get("/reorganisations/").get_data(as_text=True), f"reorganisation-{reorg.id}")
    assert "16/06/2025" in listed and "01/07/2025" in listed and 'data-status="draft"' in listed

    # the draft is edited; an error keeps what was typed there too
    page = client.post(
        f"/reorganisations/{reorg.id}/edit", data={"legal_basis": "", "effective_on": "2025-07-02"}
    ).get_data(as_text=True)
    assert "is-invalid" in field_html(page, "legal_basis") and 'value="2025-07-02"' in page
    client.post(
        f"/reorganisations/{reorg.id}/edit",
        data={"legal_basis": "Nghị quyết 1667/NQ-UBTVQH15", "effective_on": "2025-07-01"},
    )
    assert db.session.get(Reorganisation, reorg.id).legal_basis == "Nghị quyết 1667/NQ-UBTVQH15"


def test_each_kind_of_move_is_added_and_a_refusal_is_shown_next_to_its_field(orgdata, as_user):
    client = as_user("admin")
    reorg = draft(orgdata)
    a, b, city = orgdata.unit_a.id, orgdata.unit_b.id, orgdata.city.id
    url = f"/reorganisations/{reorg.id}/moves"
    moves = [
        move_data(kind="merge", source=a, target=b),
        move_data(kind="merge", source=b, new_code="p-ab", new_name="Phòng AB", new_kind="department",
                  new_parent=city),
        move_data(kind="split", source=a, target=b, record_kinds=["finding", "objective"]),
        move_data(kind="rename", source=a, new_code="P-A2", new_name="Phòng A mới"),
        move_data(kind="move", source=a, new_parent=b),
        move_data(kind="end", source=b),
        move_data(kind="create", new_code="P-C", new_name="Phòng C", new_kind="department", new_parent=city),
    ]  # fmt: skip
    for data in moves:
        response = client.post(url, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    kinds = list(
        db.session.scalars(
            select(ReorganisationMove.kind)
            .where(ReorganisationMove.reorganisation_id == reorg.id)
            .order_by(ReorganisationMove.id)
        )
    )
    assert kinds == ["merge", "merge", "split", "rename", "move", "end", "create"]
    split = db.session.scalar(select(ReorganisationMove).where(ReorganisationMove.kind == "split"))
    assert split.record_kinds == ["objective", "finding"] or split.record_kinds == ["finding", "objective"]
    page = client.get(f"/reorganisations/{reorg.id}").get_data(as_text=True)
    assert "P-AB — Phòng AB" in page and "P-C — Phòng C" in page

    # a split without the kinds of record it gives: refused next to that field, what was typed kept
    page = client.post(
        url, data=move_data(kind="split", source=a, new_code="P-X", new_name="Phòng X", new_kind="department")
    ).get_data(as_text=True)
    assert "invalid-feedback" in page[page.index('name="move-record_kinds"') :][:8000]
    assert 'value="P-X"' in page and 'value="Phòng X"' in page
    # a merge with neither successor nor new unit: refused next to the new code
    page = client.post(url, data=move_data(kind="merge", source=a)).get_data(as_text=True)
    assert "is-invalid" in field_html(page, "move-new_code")

    # a move is removed
    client.post(f"/reorganisations/{reorg.id}/moves/{split.id}/delete")
    assert db.session.get(ReorganisationMove, split.id) is None


# --- preview, apply, undo -----------------------------------------------------------------------------


def test_the_preview_counts_open_and_closed_records_of_a_merge(tree, as_user):
    client = as_user("admin")
    reorg = draft(tree)
    a, b = tree.unit_a, tree.unit_b
    client.post(f"/reorganisations/{reorg.id}/moves", data=move_data(kind="merge", source=a.id, target=b.id))
    page = client.get(f"/reorganisations/{reorg.id}/preview").get_data(as_text=True)
    assert 'id="problems"' not in page
    findings = row(page, f"flow-{a.id}-finding")  # an open nonconformity moves, the noted observation stays
    assert (cell(findings, "flow-total"), cell(findings, "flow-moving"), cell(findings, "flow-staying")) == (
        "2",
        "1",
        "1",
    )
    assert cell(findings, "flow-successor") == "P-B — Phòng B"
    objectives = row(page, f"flow-{a.id}-objective")  # 2025 moves, 2018 stays
    assert (
        cell(objectives, "flow-total"),
        cell(objectives, "flow-moving"),
        cell(objectives, "flow-staying"),
    ) == (
        "2",
        "1",
        "1",
    )
    policies = row(page, f"flow-{a.id}-quality_policy")  # a past year's policy stays
    assert (cell(policies, "flow-moving"), cell(policies, "flow-successor")) == ("0", "—")
    assert re.search(r'id="apply"\s*>', page)  # not disabled
    assert "30/06/2025" in page  # the old unit's last day


def test_apply_then_undo(tree, as_user):
    client = english(as_user("admin"))
    reorg = draft(tree)
    a, b = tree.unit_a.id, tree.unit_b.id
    for source in (a, b):  # both into one new unit
        response = client.post(
            f"/reorganisations/{reorg.id}/moves",
            data=move_data(kind="merge", source=source, new_code="P-AB", new_name="Phòng AB",
                           new_kind="department", new_parent=tree.city.id),
        )  # fmt: skip
        assert response.status_code == 302
    page = client.post(f"/reorganisations/{reorg.id}/apply", follow_redirects=True).get_data(as_text=True)
    assert "applied:" in page and "2 unit(s) ended, 1 created" in page
    assert "Applied by Admin on" in page and 'data-status="applied"' in page
    new = db.session.scalar(select(Unit).where(Unit.code == "P-AB"))
    assert new is not None and new.valid_from == EFFECTIVE

    # the old units are historical, read-only, and say what they are now part of
    old = client.get(f"/units/{a}").get_data(as_text=True)
    assert 'id="unit-historical"' in old and "Now part of" in old
    assert f'href="/units/{new.id}"' in old[old.index('id="unit-historical"') :][:800]
    assert f'href="/admin/units/{a}/edit"' not in old
    assert "until 2025-06-30" in old
    assert client.get(f"/admin/units/{a}/edit").status_code == 302
    tree_page = client.get("/units/").get_data(as_text=True)
    assert "now part of" in tree_page and f'href="/units/{new.id}"' in tree_page
    successor = client.get(f"/units/{new.id}").get_data(as_text=True)
    listed = successor[successor.index('id="unit-predecessors"') :][:1200]
    assert f'href="/units/{a}"' in listed and f'href="/units/{b}"' in listed
    admin_units = client.get("/admin/units").get_data(as_text=True)
    assert (
        f'href="/admin/units/{a}/edit"' not in admin_units
        and f'href="/admin/units/{new.id}/edit"' in admin_units
    )

    # undo puts everything back
    page = client.post(f"/reorganisations/{reorg.id}/undo", follow_redirects=True).get_data(as_text=True)
    assert "undone" in page and 'data-status="undone"' in page and "Undone by Admin on" in page
    assert db.session.scalar(select(Unit).where(Unit.code == "P-AB")) is None
    db.session.expire_all()
    assert db.session.get(Unit, a).valid_until is None and db.session.get(Unit, a).active
    assert 'id="unit-historical"' not in client.get(f"/units/{a}").get_data(as_text=True)
    # an undone reorganisation is not undone twice: the refusal is shown
    page = client.post(f"/reorganisations/{reorg.id}/undo", follow_redirects=True).get_data(as_text=True)
    assert "Only an applied reorganisation can be undone" in page


def test_apply_is_refused_while_the_preview_shows_problems(tree, as_user):
    client = english(as_user("steering"))
    reorg = draft(tree)
    # unit A ends with open records and no successor
    client.post(f"/reorganisations/{reorg.id}/moves", data=move_data(kind="end", source=tree.unit_a.id))
    page = client.get(f"/reorganisations/{reorg.id}/preview").get_data(as_text=True)
    problems = page[page.index('id="problems"') :][:3000]
    assert "<li>" in problems and "P-A" in problems
    assert re.search(r'id="apply"\s*disabled', page)
    page = client.post(f"/reorganisations/{reorg.id}/apply", follow_redirects=True).get_data(as_text=True)
    assert "cannot be applied" in page and 'id="problems"' in page
    assert db.session.get(Reorganisation, reorg.id).status == "draft"
    assert db.session.get(Unit, tree.unit_a.id).valid_until is None
