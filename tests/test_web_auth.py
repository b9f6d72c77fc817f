"""Signing in and out, passwords, language, CSRF, rate limits, cookies and error pages."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from qms.extensions import db
from qms.models.org import User
from qms.services import org
from tests.conftest import PASSWORD, build_app, login


def html_lang(client: FlaskClient, url: str = "/") -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'<html lang="(\w+)">', page)
    assert match, page[:300]
    return match.group(1)


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, page[:500]
    return match.group(1)


def field_block(page: str, name: str) -> str:
    """The HTML of a form field's block: from its input to the next field's label."""
    start = page.index(f'name="{name}"')
    end = page.find("<label", start)
    return page[page.rfind("<input", 0, start) : end if end != -1 else None]


def test_login_and_logout(client, orgdata):
    response = client.post("/login", data={"email": "Member.A@example.vn", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert orgdata.member_a.full_name in page
    response = client.post("/logout")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302


def test_logout_is_post_only(client, orgdata):
    login(client, orgdata.member_a)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_wrong_password_shows_an_error_on_the_form(client, orgdata):
    response = client.post("/login", data={"email": "member.a@example.vn", "password": "wrong-password"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "is-invalid" in field_block(page, "password")
    assert "invalid-feedback" in field_block(page, "password")
    assert 'value="member.a@example.vn"' in page  # the e-mail typed is kept
    assert client.get("/").status_code == 302


def test_inactive_user_cannot_log_in(client, orgdata):
    user = orgdata.user("member_a")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_a_user_deactivated_while_signed_in_is_signed_out(client, orgdata):
    login(client, orgdata.member_a)
    assert client.get("/").status_code == 200
    orgdata.user("member_a").active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_next_leads_back_to_the_page_asked_for(client, orgdata):
    response = client.get("/units/")
    assert response.status_code == 302 and "next=" in response.headers["Location"]
    response = client.post(
        "/login?next=/units/%3Fx%3D1", data={"email": orgdata.member_a.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/units/?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_never_leads_to_another_site(client, orgdata, target):
    response = client.post(
        "/login", query_string={"next": target}, data={"email": orgdata.member_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_change_own_password(client, orgdata):
    login(client, orgdata.member_a)
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong-password",
            "new_password": "brand-new-pass",
            "confirm": "brand-new-pass",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    block = field_block(page, "current_password")
    assert "is-invalid" in block and "invalid-feedback" in block
    assert "is-invalid" not in field_block(page, "new_password")
    assert orgdata.user("member_a").check_password(PASSWORD)

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "brand-new-pass", "confirm": "other-new-pass"},
    )
    assert "is-invalid" in field_block(response.get_data(as_text=True), "confirm")

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "brand-new-pass", "confirm": "brand-new-pass"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert orgdata.user("member_a").check_password("brand-new-pass")
    client.post("/logout")
    login(client, orgdata.member_a, "brand-new-pass")


def test_language_is_remembered_per_user(client, orgdata):
    login(client, orgdata.member_a)
    assert html_lang(client) == "vi"
    response = client.post("/language/en", data={"next": "/units/"})
    assert response.status_code == 302 and response.headers["Location"] == "/units/"
    assert html_lang(client) == "en"
    assert orgdata.user("member_a").language == "en"
    client.post("/logout")
    assert html_lang(client, "/login") == "en"  # the sign-in page stays in the last language
    login(client, orgdata.member_a)
    assert html_lang(client) == "en"
    client.post("/logout")

    other = FlaskClient(client.application, client.response_wrapper, use_cookies=True)
    login(other, orgdata.manager_a)
    assert html_lang(other) == "vi"
    login_same_browser = client
    login(login_same_browser, orgdata.manager_a)
    assert html_lang(login_same_browser) == "vi"  # a user's own language wins over the browser's


def test_anonymous_language_switch_and_unknown_language(client, orgdata):
    assert html_lang(client, "/login") == "vi"
    client.post("/language/en", data={"next": "/login"})
    assert html_lang(client, "/login") == "en"
    client.post("/language/xx", data={"next": "/login"})
    assert html_lang(client, "/login") == "vi"
    response = client.post("/language/en", data={"next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_error_pages_in_both_languages(client, orgdata):
    login(client, orgdata.outsider)
    vi_404 = client.get("/no-such-page")
    assert vi_404.status_code == 404
    vi_403 = client.get(f"/units/{orgdata.unit_a.id}")
    assert vi_403.status_code == 403
    client.post("/language/en")
    en_404 = client.get("/no-such-page").get_data(as_text=True)
    en_403 = client.get(f"/units/{orgdata.unit_a.id}").get_data(as_text=True)
    assert "This page does not exist." in en_404
    assert "You are not allowed to see or do this." in en_403
    assert 'lang="en"' in en_403
    for response, english in ((vi_404, "This page does not exist."), (vi_403, "You are not allowed")):
        page = response.get_data(as_text=True)
        assert 'lang="vi"' in page
        assert english not in page, "the Vietnamese error page shows English"
        assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", page.lower())


def test_session_cookie_is_httponly_and_samesite_lax(client, orgdata):
    response = client.post("/login", data={"email": orgdata.member_a.email, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_remember_me_cookie_is_httponly(client, orgdata):
    response = client.post(
        "/login", data={"email": orgdata.member_a.email, "password": PASSWORD, "remember": "y"}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_is_enforced(database_url, tmp_path, orgdata):
    app = build_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"email": orgdata.member_a.email, "password": PASSWORD})
    assert response.status_code == 400
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": orgdata.member_a.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    # every POST needs it, not only the login form
    assert client.post("/logout").status_code == 400
    assert client.post("/language/en").status_code == 400
    assert client.post("/account/password", data={"current_password": PASSWORD}).status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_login_attempts_are_rate_limited(database_url, tmp_path, orgdata):
    app = build_app(
        database_url, tmp_path / "limited", RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute"
    )
    client = app.test_client()
    for _ in range(3):
        response = client.post("/login", data={"email": orgdata.member_a.email, "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post("/login", data={"email": orgdata.member_a.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "<html" in response.get_data(as_text=True)  # our page, not a bare message
    assert client.get("/login").status_code == 200  # only attempts are limited


def test_unknown_user_id_in_session_is_signed_out(client, orgdata):
    login(client, orgdata.member_a)
    user = db.session.get(User, orgdata.member_a.id)
    org.update_user(
        user,
        actor=orgdata.admin,
        email="renamed@example.vn",
        full_name="Renamed",
        roles=[],
        language="vi",
        active=True,
    )
    db.session.commit()
    assert client.get("/").status_code == 200  # the session follows the id, not the e-mail
