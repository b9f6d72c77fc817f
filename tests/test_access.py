"""Who may see and do what: a 403 for every denied case, per role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qms.extensions import db
from qms.models.clauses import ClauseMapping
from qms.models.org import Unit
from qms.services import access

ROLES = ["admin", "steering", "auditor", "leader", "manager_a", "member_a", "manager_b", "outsider"]
NON_ADMINS = [r for r in ROLES if r != "admin"]
READ_EVERYTHING = ["admin", "steering", "auditor", "leader"]


def admin_urls(app, orgdata) -> list[tuple[str, str]]:
    """(method, url) of every administration endpoint, with the ids of real records."""
    mapping_id = db.session.scalar(select(ClauseMapping.id).limit(1))
    membership = orgdata.member_a.membership_in(orgdata.unit_a.id)
    ids = {
        "unit_id": orgdata.unit_a.id,
        "user_id": orgdata.member_a.id,
        "membership_id": membership.id,
        "mapping_id": mapping_id,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(ids.get(arg, 1))).replace(f"<{arg}>", str(ids.get(arg, 1)))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, url))
    return urls


def test_every_admin_page_is_listed(app, orgdata):
    urls = admin_urls(app, orgdata)
    assert ("GET", "/admin/users") in urls
    assert ("POST", f"/admin/units/{orgdata.unit_a.id}/edit") in urls
    assert ("POST", f"/admin/users/{orgdata.member_a.id}/memberships") in urls
    assert len(urls) >= 14


@pytest.mark.parametrize("role", NON_ADMINS)
def test_non_admins_get_403_on_every_admin_page_and_post(app, orgdata, as_user, role):
    client = as_user(role)
    before = (orgdata.user("member_a").full_name, len(orgdata.user("member_a").memberships))
    for method, url in admin_urls(app, orgdata):
        data = {
            "code": "HACK",
            "name": "Hack",
            "kind": "department",
            "full_name": "Hacked",
            "user-full_name": "Hacked",
            "user-email": "h@example.vn",
            "password-password": "x" * 12,
            "membership-unit_id": orgdata.unit_b.id,
            "membership-role": "manager",
        }
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 403, (role, method, url)
    db.session.expire_all()
    assert (orgdata.user("member_a").full_name, len(orgdata.user("member_a").memberships)) == before
    assert db.session.scalar(select(Unit.id).where(Unit.code == "HACK")) is None


def test_admin_opens_every_admin_page(app, orgdata, as_user):
    client = as_user("admin")
    for method, url in admin_urls(app, orgdata):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_anonymous_visitor_is_sent_to_login(app, client, orgdata):
    for method, url in [("GET", "/"), ("GET", "/units/"), ("GET", "/clauses/"), *admin_urls(app, orgdata)]:
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def _readable(role: str) -> set[str]:
    if role in READ_EVERYTHING:
        return {"city", "unit_a", "unit_b"}
    return {
        "manager_a": {"unit_a"},
        "member_a": {"unit_a"},
        "manager_b": {"unit_b"},
        "outsider": set(),
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_unit_pages_per_role(orgdata, as_user, role):
    client = as_user(role)
    readable = _readable(role)
    for name in ("city", "unit_a", "unit_b"):
        unit = getattr(orgdata, name)
        response = client.get(f"/units/{unit.id}")
        expected = 200 if name in readable else 403
        assert response.status_code == expected, (role, name)
        if expected == 200:
            assert unit.name in response.get_data(as_text=True)
    listing = client.get("/units/").get_data(as_text=True)
    for name in ("unit_a", "unit_b"):
        link = f'href="/units/{getattr(orgdata, name).id}"'
        assert (link in listing) == (name in readable), (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_access_rules_per_role(orgdata, role):
    user = orgdata.user(role)
    unit_a, unit_b = orgdata.unit_a, orgdata.unit_b
    assert access.can_administer(user) == (role == "admin")
    assert access.reads_everything(user) == (role in READ_EVERYTHING)
    assert access.can_read_unit(user, unit_a) == ("unit_a" in _readable(role))
    assert access.can_read_unit(user, unit_b) == ("unit_b" in _readable(role))
    # only a unit's manager edits its records; org-wide roles read but do not edit
    assert access.can_edit_unit_records(user, unit_a) == (role == "manager_a")
    assert access.can_edit_unit_records(user, unit_b) == (role == "manager_b")


def test_missing_unit_is_404(orgdata, as_user):
    assert as_user("admin").get("/units/999999").status_code == 404
