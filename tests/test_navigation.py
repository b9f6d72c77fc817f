"""The menus every page shows: what each person sees follows their roles and language, although the
menus are drawn once per process for each combination (qms/views/navigation.py)."""

from __future__ import annotations

import re

import pytest

from qms.views import navigation


def menu_links(html: str) -> set[str]:
    nav = html[html.index('<nav class="navbar') : html.index("</nav>")]
    return set(re.findall(r'href="([^"#]+)"', nav))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_person_sees_the_menus_of_their_roles_in_their_language(as_user) -> None:
    navigation._rendered.clear()
    admin = as_user("admin").get("/").get_data(as_text=True)
    assert "Quản trị" in admin and "/admin/users" in menu_links(admin)
    assert 'id="user-menu">Admin<' in admin  # the person's own name, never one kept from another page

    member = as_user("member_a").get("/").get_data(as_text=True)
    links = menu_links(member)
    assert "/admin/users" not in links and "Quản trị" not in member
    assert "/audits/programmes" in links  # people of a unit see its audits
    assert 'id="user-menu">Member.A<' in member

    outsider = as_user("outsider").get("/").get_data(as_text=True)
    assert "/audits/programmes" not in menu_links(outsider)
    assert "/audits/leadership" in menu_links(as_user("leader").get("/").get_data(as_text=True))

    client = as_user("admin")
    client.post("/language/en", data={"next": "/"})
    english = client.get("/").get_data(as_text=True)
    assert "Administration" in english and "Quản trị" not in english
    # one rendering kept per language and set of roles
    assert len(navigation._rendered) == 5
