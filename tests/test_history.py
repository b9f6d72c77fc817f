"""The change history: one hook records every insert, update and delete, immutably."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qms.extensions import db
from qms.models.history import HistoryEntry, HistoryLink
from qms.models.org import Membership, Unit, User
from qms.services import org
from qms.services.history import MASK, history_of
from tests.conftest import PASSWORD


def entries(record_type: str, record_id: object) -> list[HistoryEntry]:
    stmt = (
        select(HistoryEntry)
        .where(HistoryEntry.record_type == record_type, HistoryEntry.record_id == str(record_id))
        .order_by(HistoryEntry.id)
    )
    return list(db.session.scalars(stmt))


def history_section(html: str) -> str:
    return html[html.index('id="history"') :]


def test_unit_insert_update_delete_are_recorded_with_actor(orgdata):
    admin = orgdata.admin
    unit = org.create_unit(
        actor=admin, code="P-NEW", name="Phòng mới", kind="department", parent=orgdata.city
    )
    db.session.commit()
    org.update_unit(
        unit,
        actor=admin,
        code="P-NEW",
        name="Phòng mới đổi tên",
        kind="service_unit",
        parent=orgdata.city,
        active=False,
    )
    db.session.commit()
    unit_id = unit.id
    db.session.delete(unit)
    db.session.commit()

    insert, update, delete = entries("unit", unit_id)
    assert [e.action for e in (insert, update, delete)] == ["insert", "update", "delete"]
    assert {e.actor_id for e in (insert, update, delete)} == {admin.id}
    assert insert.changes["code"] == [None, "P-NEW"]
    assert insert.changes["parent_id"] == [None, orgdata.city.id]
    assert update.changes == {
        "name": ["Phòng mới", "Phòng mới đổi tên"],
        "kind": ["department", "service_unit"],
        "active": [True, False],
    }
    assert delete.changes["name"] == ["Phòng mới đổi tên", None]
    assert insert.record_label == "P-NEW"


def test_an_unchanged_save_writes_no_entry(orgdata):
    unit = orgdata.unit_a
    before = len(entries("unit", unit.id))
    org.update_unit(
        unit,
        actor=orgdata.admin,
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        parent=unit.parent,
        active=unit.active,
    )
    db.session.commit()
    assert len(entries("unit", unit.id)) == before


def test_user_changes_are_recorded_and_the_password_hash_is_masked(orgdata):
    admin = orgdata.admin
    user = org.create_user(
        actor=admin, email="new@example.vn", full_name="Người mới", password=PASSWORD, roles=["auditor"]
    )
    db.session.commit()
    org.update_user(
        user,
        actor=admin,
        email="new@example.vn",
        full_name="Người mới 2",
        roles=["auditor"],
        language="en",
        active=True,
    )
    org.set_password(user, "another-password", actor=admin)
    db.session.commit()

    created, *changes = entries("user_account", user.id)
    assert created.actor_id == admin.id
    assert created.changes["email"] == [None, "new@example.vn"]
    assert created.changes["password_hash"] == [None, MASK]
    renamed = next(e for e in changes if "full_name" in e.changes)
    assert renamed.changes["full_name"] == ["Người mới", "Người mới 2"]
    assert renamed.changes["language"] == ["vi", "en"]
    password_change = next(e for e in changes if "password_hash" in e.changes)
    assert password_change.changes["password_hash"] == [MASK, MASK]
    # the hash never reaches any entry
    hash_prefix = db.session.get(User, user.id).password_hash.split("$")[0]
    for entry in db.session.scalars(select(HistoryEntry)):
        assert hash_prefix not in repr(entry.changes), entry.changes
    # the role row shows on the user's page
    role_entries = [e for e in history_of("user_account", user.id) if e.record_type == "user_role"]
    assert role_entries and role_entries[0].changes["role"] == [None, "auditor"]


def test_membership_changes_show_on_user_and_unit(orgdata):
    admin, outsider, unit = orgdata.admin, orgdata.outsider, orgdata.unit_a
    membership = org.add_membership(outsider, unit, "member", actor=admin)
    db.session.commit()
    org.add_membership(outsider, unit, "manager", actor=admin)
    db.session.commit()
    membership_id = membership.id
    org.remove_membership(db.session.get(Membership, membership_id), actor=admin)
    db.session.commit()

    recorded = entries("membership", membership_id)
    assert [e.action for e in recorded] == ["insert", "update", "delete"]
    assert {e.actor_id for e in recorded} == {admin.id}
    assert recorded[1].changes == {"role": ["member", "manager"]}
    for record_type, record_id in (("user_account", outsider.id), ("unit", unit.id)):
        shown = {e.id for e in history_of(record_type, record_id)}
        assert {e.id for e in recorded} <= shown


def test_changes_without_actor_are_attributed_to_the_system(app):
    unit = org.create_unit(actor=None, code="SYS", name="System", kind="city")
    db.session.commit()
    (entry,) = entries("unit", unit.id)
    assert entry.actor_id is None


def test_entries_are_immutable(orgdata):
    entry = entries("unit", orgdata.unit_a.id)[0]
    entry.changes = {"code": [None, "FORGED"]}
    with pytest.raises(RuntimeError, match="immutable"):
        db.session.flush()
    db.session.rollback()

    entry = entries("unit", orgdata.unit_a.id)[0]
    db.session.delete(entry)
    with pytest.raises(RuntimeError, match="immutable"):
        db.session.flush()
    db.session.rollback()

    link = db.session.scalars(select(HistoryLink)).first()
    link.record_id = "0"
    with pytest.raises(RuntimeError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    assert entries("unit", orgdata.unit_a.id)[0].changes["code"] == [None, "P-A"]


def test_unit_page_shows_its_history(orgdata, as_user):
    client = as_user("admin")
    response = client.post(
        f"/admin/units/{orgdata.unit_a.id}/edit",
        data={
            "code": "P-A",
            "name": "Phòng A đổi tên",
            "kind": "department",
            "parent_id": orgdata.city.id,
            "active": "y",
        },
    )
    assert response.status_code == 302
    # a membership change of the unit shows on the unit page too
    org.add_membership(
        orgdata.user("outsider"),
        db.session.get(Unit, orgdata.unit_a.id),
        "member",
        actor=orgdata.user("admin"),
    )
    db.session.commit()
    page = history_section(as_user("member_a").get(f"/units/{orgdata.unit_a.id}").get_data(as_text=True))
    assert "Phòng A đổi tên" in page
    assert orgdata.admin.full_name in page  # who
    assert page.count("<tr>") >= 4  # created, renamed, 3 memberships from the fixture and 1 new


def test_user_admin_page_shows_its_history(orgdata, as_user):
    client = as_user("admin")
    response = client.post(
        f"/admin/users/{orgdata.member_a.id}",
        data={
            "user-email": "member.a@example.vn",
            "user-full_name": "Thành viên A",
            "user-language": "vi",
            "user-active": "y",
            "user-submit": "1",
        },
    )
    assert response.status_code == 302
    page = history_section(client.get(f"/admin/users/{orgdata.member_a.id}").get_data(as_text=True))
    assert "Thành viên A" in page and "Member.A" in page  # new and old name
    assert orgdata.admin.full_name in page
    hashed = db.session.get(User, orgdata.member_a.id).password_hash
    assert hashed.split("$")[0] not in page and hashed.split("$")[-1] not in page
