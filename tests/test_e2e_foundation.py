"""The foundation as a person uses it, in the real Chromium: sign in, switch language, browse the
clauses, create a unit; the navigation on a phone; every page at laptop and phone width in both languages."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from qms.extensions import db
from qms.models.org import Unit, User
from qms.services import demo, org
from tests.e2e_support import (
    ADMIN_EMAIL,
    LAPTOP,
    MEMBER_EMAIL,
    PHONE,
    LiveServer,
    set_language,
    sign_in,
    sign_out,
    snap,
)

pytestmark = pytest.mark.browser


def translated(server: LiveServer, text: str, lang: str) -> str:
    with server.app.test_request_context(), force_locale(lang):
        return _(text)


def reset_language(server: LiveServer, email: str, lang: str = "vi") -> None:
    with server.app.app_context():
        user = org.require_user(email)
        org.set_language(user, lang)
        db.session.commit()
        db.session.remove()


def ids(server: LiveServer) -> dict[str, int]:
    with server.app.app_context():
        found = {
            "city": db.session.scalar(select(Unit.id).where(Unit.code == demo.CITY_CODE)),
            "admin": db.session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)),
        }
        db.session.remove()
    return found


def heading(page: Any) -> str:
    return page.locator("main h1").first.inner_text().strip()


def test_admin_journey(live_server: LiveServer, open_page: Any, screenshots: Path) -> None:
    reset_language(live_server, ADMIN_EMAIL, "vi")
    dashboard_vi = translated(live_server, "Dashboard", "vi")
    assert dashboard_vi != "Dashboard", "the Vietnamese catalogue does not translate 'Dashboard'"
    page = open_page(*LAPTOP)

    # Sign in: the first page is the dashboard, in Vietnamese.
    sign_in(page, live_server, ADMIN_EMAIL)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert heading(page) == dashboard_vi
    snap(page, screenshots, "journey-1-dashboard-vi")

    # The switch turns the whole interface to English, and it is remembered for this user.
    page.locator("#lang-switch").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url == live_server("/")
    assert heading(page) == "Dashboard"
    assert page.locator("#nav-system").inner_text().strip() == "Quality system"
    sign_out(page)
    sign_in(page, live_server, ADMIN_EMAIL)
    assert heading(page) == "Dashboard"

    # The clause browser: search by words, open 9.2, see its 2008 counterpart 8.2.2.
    page.locator("#nav-system").click()  # the quality system's menu holds the clauses
    page.locator("#mainnav").get_by_role("link", name="ISO 9001 clauses").click()
    page.wait_for_url(re.compile(r".*/clauses/.*"))
    page.locator("#q").fill("internal audit")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*q=internal\+audit.*"))
    rows = page.locator("#clauses tbody tr")
    assert rows.count() >= 1
    assert "9.2" in [t.strip() for t in page.locator("#clauses tbody td:first-child a").all_inner_texts()]
    snap(page, screenshots, "journey-2-clause-search-en")
    page.locator("#clauses").get_by_role("link", name="9.2", exact=True).click()
    page.wait_for_url(live_server("/clauses/2015/9.2"))
    assert heading(page).startswith("9.2 ")
    assert "Internal audit" in heading(page)
    counterpart = page.locator("#counterparts").get_by_role("link", name=re.compile(r"8\.2\.2"))
    assert counterpart.count() == 1
    snap(page, screenshots, "journey-3-clause-9.2-en")

    # Administration → Units → New unit: the form creates it and its page shows the history entry.
    page.locator("#mainnav").get_by_role("button", name="Administration").or_(
        page.locator("#mainnav").get_by_role("link", name="Administration")
    ).first.click()
    page.locator(".dropdown-menu").get_by_role("link", name="Units").click()
    page.wait_for_url(live_server("/admin/units"))
    page.get_by_role("link", name="New unit").click()
    page.wait_for_url(live_server("/admin/units/new"))
    code = f"P-E2E-{uuid.uuid4().hex[:6].upper()}"
    page.get_by_label("Code").fill(code)
    page.get_by_label("Name").fill("Phòng Thử nghiệm")
    page.get_by_label("Kind").select_option("department")
    city = page.locator("#parent_id option", has_text=f"{demo.CITY_CODE} —")
    page.get_by_label("Parent unit").select_option(city.get_attribute("value"))
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r".*/units/\d+$"))
    assert heading(page) == "Phòng Thử nghiệm"
    assert code in page.locator("main").inner_text()
    assert page.locator(".alert-success").inner_text().strip().startswith(f"Unit {code} created")
    page.locator("#history summary").click()  # the history is collapsed until asked for
    history = page.locator("#history tbody tr")
    assert history.count() >= 1
    assert "created" in history.first.inner_text()
    assert "Quản trị hệ thống" in history.first.inner_text()
    assert page.locator(".breadcrumb").get_by_role("link", name=demo.CITY_CODE).count() == 1
    snap(page, screenshots, "journey-4-new-unit-en")
    reset_language(live_server, ADMIN_EMAIL, "vi")


def test_phone_navigation_collapses(live_server: LiveServer, open_page: Any, screenshots: Path) -> None:
    reset_language(live_server, ADMIN_EMAIL, "vi")
    page = open_page(*PHONE)
    sign_in(page, live_server, ADMIN_EMAIL)
    toggler = page.locator(".navbar-toggler")
    units_link = page.locator("#mainnav").get_by_role("link", name=translated(live_server, "Units", "vi"))
    assert toggler.is_visible()
    assert not units_link.is_visible()
    assert page.locator("#lang-switch").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    toggler.click()
    page.locator("#mainnav.collapse.show").wait_for()
    units_link.wait_for(state="visible")
    assert page.locator("#user-menu").is_visible()
    snap(page, screenshots, "phone-menu-open-vi")
    units_link.click()
    page.wait_for_url(live_server("/units/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]


# Every page of the foundation, at laptop and phone width, in both languages: each renders in the
# right language with the right status and never scrolls sideways; the screenshots are kept.
PAGES = [
    ("dashboard", "/", 200, "Dashboard"),
    ("units", "/units/", 200, "Units"),
    ("unit", "/units/{city}", 200, None),
    ("clauses", "/clauses/", 200, "ISO 9001 clauses"),
    ("clause", "/clauses/2015/9.2", 200, None),
    ("clause-2008", "/clauses/2008/8.2.2", 200, None),
    ("admin-units", "/admin/units", 200, None),
    ("admin-users", "/admin/users", 200, None),
    ("user-edit", "/admin/users/{admin}", 200, None),
    ("unit-new", "/admin/units/new", 200, "New unit"),
    ("password", "/account/password", 200, "Change password"),
    ("404", "/no-such-page", 404, "404"),
]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_every_page_renders(
    live_server: LiveServer, open_page: Any, screenshots: Path, lang: str, size: str
) -> None:
    width, height = LAPTOP if size == "laptop" else PHONE
    known = ids(live_server)

    def check(page: Any, name: str, status: int, expected_heading: str | None, response: Any) -> None:
        assert response.status == status, name
        assert page.locator("html").get_attribute("lang") == lang, name
        if expected_heading is not None:
            wanted = (
                expected_heading
                if expected_heading.isdigit()
                else translated(live_server, expected_heading, lang)
            )
            assert heading(page) == wanted, name
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} scrolls sideways at {width}px ({overflow}px wide)"
        if size == "laptop":
            heights = page.eval_on_selector_all(
                ".navbar .nav-link, #lang-switch", "links => links.map(a => a.getBoundingClientRect().height)"
            )
            assert max(heights, default=0) < 50, f"{name}: a menu label breaks over two lines {heights}"
        snap(page, screenshots, f"{lang}-{size}-{name}")

    # Signed out: the login page, in the language chosen with the switch.
    page = open_page(width, height)
    page.goto(live_server("/login"))
    set_language(page, lang)
    response = page.goto(live_server("/login"))
    check(page, "login", 200, "Sign in", response)

    # The administrator sees every page.
    reset_language(live_server, ADMIN_EMAIL, lang)
    sign_in(page, live_server, ADMIN_EMAIL)
    for name, path, status, expected in PAGES:
        response = page.goto(live_server(path.format(**known)))
        check(page, name, status, expected, response)
    reset_language(live_server, ADMIN_EMAIL, "vi")

    # A unit member is refused the administration.
    member = open_page(width, height)
    reset_language(live_server, MEMBER_EMAIL, lang)
    sign_in(member, live_server, MEMBER_EMAIL)
    response = member.goto(live_server("/admin/users"))
    check(member, "403", 403, "403", response)
    assert translated(live_server, "You are not allowed to see or do this.", lang) in member.inner_text(
        "main"
    )
    reset_language(live_server, MEMBER_EMAIL, "vi")
