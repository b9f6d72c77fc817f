"""Administration through the browser: units, users, roles and memberships."""

from __future__ import annotations

import re

from sqlalchemy import select

from qms.extensions import db
from qms.models.org import Membership, Unit, User
from qms.services import org
from tests.conftest import PASSWORD, login


def field_html(page: str, name: str) -> str:
    """A field's input/select element and the feedback that follows it, up to the next field."""
    start = page.rfind("<", 0, page.index(f'name="{name}"'))
    end = page.find('class="mb-3"', start)
    return page[start : end if end != -1 else None]


def assert_error_on(page: str, name: str) -> None:
    html = field_html(page, name)
    assert "is-invalid" in html and "invalid-feedback" in html, html


def unit_form(orgdata, **values):
    data = {
        "code": "P-NEW",
        "name": "Phòng mới",
        "kind": "department",
        "parent_id": orgdata.city.id,
        "active": "y",
    }
    data.update(values)
    return data


def test_admin_creates_a_unit(orgdata, as_user):
    client = as_user("admin")
    assert client.get("/admin/units/new").status_code == 200
    response = client.post("/admin/units/new", data=unit_form(orgdata, code="p-tnmt", name="Phòng TN&MT"))
    assert response.status_code == 302
    unit = org.unit_by_code("P-TNMT")
    assert response.headers["Location"] == f"/units/{unit.id}"
    assert (unit.name, unit.kind, unit.parent_id, unit.active) == (
        "Phòng TN&MT",
        "department",
        orgdata.city.id,
        True,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phòng TN&amp;MT" in page and "alert-success" in page
    assert "P-TNMT" in client.get("/admin/units").get_data(as_text=True)


def test_unit_form_with_a_duplicate_code_keeps_the_input(orgdata, as_user):
    client = as_user("admin")
    response = client.post("/admin/units/new", data=unit_form(orgdata, code="P-A", name="Tên đã gõ"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_error_on(page, "code")
    assert 'value="P-A"' in field_html(page, "code")
    assert 'value="Tên đã gõ"' in field_html(page, "name")
    assert re.search(
        rf'<option selected value="{orgdata.city.id}">|<option value="{orgdata.city.id}" selected', page
    )
    assert db.session.scalar(select(Unit.id).where(Unit.name == "Tên đã gõ")) is None


def test_unit_form_refuses_a_cycle(orgdata, as_user):
    client = as_user("admin")
    child = org.create_unit(actor=None, code="P-A-1", name="Tổ 1", kind="service_unit", parent=orgdata.unit_a)
    db.session.commit()
    edit = f"/admin/units/{orgdata.unit_a.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    parent_select = field_html(page, "parent_id")
    assert f'value="{child.id}"' not in parent_select  # a descendant is not offered
    assert f'value="{orgdata.unit_a.id}"' not in parent_select
    for parent in (child.id, orgdata.unit_a.id):
        response = client.post(
            edit, data=unit_form(orgdata, code="P-A", name="Phòng A sửa", parent_id=parent)
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert_error_on(page, "parent_id")
        assert 'value="Phòng A sửa"' in field_html(page, "name")
    db.session.expire_all()
    unit_a = db.session.get(Unit, orgdata.unit_a.id)
    assert (unit_a.parent_id, unit_a.name) == (orgdata.city.id, "Phòng A")


def test_unit_form_checks_the_code_format(orgdata, as_user):
    response = as_user("admin").post("/admin/units/new", data=unit_form(orgdata, code="mã sai"))
    assert response.status_code == 200
    assert_error_on(response.get_data(as_text=True), "code")


def test_admin_edits_a_unit(orgdata, as_user):
    client = as_user("admin")
    response = client.post(
        f"/admin/units/{orgdata.unit_a.id}/edit",
        data=unit_form(orgdata, code="P-A2", name="Phòng A2", parent_id=orgdata.unit_b.id, active=""),
    )
    assert response.status_code == 302
    db.session.expire_all()
    unit = db.session.get(Unit, orgdata.unit_a.id)
    assert (unit.code, unit.parent_id, unit.active) == ("P-A2", orgdata.unit_b.id, False)


def test_admin_creates_a_user(orgdata, as_user):
    client = as_user("admin")
    assert client.get("/admin/users/new").status_code == 200
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Hoa@Example.vn",
            "full_name": "Nguyễn Thị Hoa",
            "language": "en",
            "roles": ["auditor", "leader"],
            "active": "y",
            "password": "initial-pass",
        },
    )
    assert response.status_code == 302
    user = org.user_by_email("hoa@example.vn")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert (user.full_name, user.language, user.roles) == ("Nguyễn Thị Hoa", "en", {"auditor", "leader"})
    assert "Nguyễn Thị Hoa" in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout")
    login(client, "hoa@example.vn", "initial-pass")


def test_user_form_with_a_duplicate_email_keeps_the_input(orgdata, as_user):
    client = as_user("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "MEMBER.A@example.vn",
            "full_name": "Tên đã gõ",
            "language": "vi",
            "roles": ["leader"],
            "active": "y",
            "password": "initial-pass",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_error_on(page, "email")
    assert 'value="MEMBER.A@example.vn"' in page and 'value="Tên đã gõ"' in page
    assert re.search(r'checked[^>]*value="leader"|value="leader"[^>]*checked', page)
    assert db.session.scalar(select(User.id).where(User.full_name == "Tên đã gõ")) is None


def test_user_form_with_a_short_password(orgdata, as_user):
    response = as_user("admin").post(
        "/admin/users/new",
        data={
            "email": "x@example.vn",
            "full_name": "X",
            "language": "vi",
            "active": "y",
            "password": "short",
        },
    )
    assert response.status_code == 200
    assert_error_on(response.get_data(as_text=True), "password")


def test_admin_edits_a_users_roles_and_deactivates_them(orgdata, as_user):
    client = as_user("admin")
    response = client.post(
        f"/admin/users/{orgdata.member_a.id}",
        data={
            "user-email": "member.a@example.vn",
            "user-full_name": "Member A",
            "user-language": "vi",
            "user-roles": ["steering"],
            "user-submit": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = orgdata.user("member_a")
    assert (user.roles, user.active) == ({"steering"}, False)
    client.post("/logout")
    response = client.post("/login", data={"email": "member.a@example.vn", "password": PASSWORD})
    assert response.status_code == 200  # deactivated: not signed in


def test_admin_cannot_remove_their_own_admin_role_through_the_form(orgdata, as_user):
    client = as_user("admin")
    response = client.post(
        f"/admin/users/{orgdata.admin.id}",
        data={
            "user-email": "admin@example.vn",
            "user-full_name": "Admin",
            "user-language": "vi",
            "user-roles": ["leader"],
            "user-active": "y",
            "user-submit": "1",
        },
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    db.session.expire_all()
    assert "admin" in orgdata.user("admin").roles


def test_admin_adds_and_removes_a_membership(orgdata, as_user):
    client = as_user("admin")
    outsider = orgdata.outsider
    response = client.post(
        f"/admin/users/{outsider.id}/memberships",
        data={
            "membership-unit_id": orgdata.unit_b.id,
            "membership-role": "manager",
            "membership-submit": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    membership = orgdata.user("outsider").membership_in(orgdata.unit_b.id)
    assert membership is not None and membership.role == "manager"
    unit_page = client.get(f"/units/{orgdata.unit_b.id}").get_data(as_text=True)
    assert outsider.email in unit_page
    # the new manager now reads the unit
    client.post("/logout")
    login(client, outsider)
    assert client.get(f"/units/{orgdata.unit_b.id}").status_code == 200
    client.post("/logout")
    login(client, orgdata.admin)
    response = client.post(f"/admin/memberships/{membership.id}/remove", data={"remove-submit": "1"})
    assert response.status_code == 302
    assert db.session.scalar(select(Membership.id).where(Membership.id == membership.id)) is None


def test_membership_form_refuses_an_unknown_unit(orgdata, as_user):
    response = as_user("admin").post(
        f"/admin/users/{orgdata.outsider.id}/memberships",
        data={"membership-unit_id": 999999, "membership-role": "member", "membership-submit": "1"},
    )
    assert response.status_code == 400
    assert_error_on(response.get_data(as_text=True), "membership-unit_id")


def test_admin_sets_a_password(orgdata, as_user):
    client = as_user("admin")
    response = client.post(
        f"/admin/users/{orgdata.member_a.id}/password",
        data={"password-password": "set-by-admin", "password-submit": "1"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/admin/users/{orgdata.member_a.id}/password",
        data={"password-password": "short", "password-submit": "1"},
    )
    assert response.status_code == 400
    assert_error_on(response.get_data(as_text=True), "password-password")
    client.post("/logout")
    login(client, orgdata.member_a, "set-by-admin")


def test_admin_navigation_only_for_admins(orgdata, as_user):
    assert 'href="/admin/users"' in as_user("admin").get("/").get_data(as_text=True)
    assert 'href="/admin/users"' not in as_user("steering").get("/").get_data(as_text=True)
