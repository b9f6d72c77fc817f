"""Security headers on every response, no inline script anywhere, and the cookies' flags."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qms.paths import TEMPLATES_DIR
from tests.conftest import PASSWORD, build_app, login

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def policy(header: str) -> dict[str, str]:
    parts = (p.strip().split(None, 1) for p in header.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.parametrize("url", ["/login", "/", "/account/sessions", "/static/qms.js", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, orgdata, url):
    if url != "/login":
        login(client, orgdata.admin)
    response = client.get(url)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (url, name)
    csp = policy(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["frame-ancestors"] == "'none'"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP unless told otherwise
    response.close()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def template_files() -> list[Path]:
    return list(Path(TEMPLATES_DIR).rglob("*.html"))


def test_no_template_has_inline_script_that_the_policy_would_block():
    files = template_files()
    assert len(files) > 20
    offenders = [
        str(path)
        for path in files
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, SCRIPT_URL)
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_rendered_pages_have_no_inline_script(client, orgdata):
    login(client, orgdata.admin)
    for url in ("/", "/account/sessions", "/account/password", "/admin/users"):
        page = client.get(url).get_data(as_text=True)
        assert "<script" in page  # the page does load its scripts, from files
        assert not INLINE_SCRIPT.search(page), url
        assert not EVENT_HANDLER.search(page), url


def set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def sign_in_remembered(app, email: str):
    return app.test_client().post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})


def test_cookies_are_httponly_and_samesite_lax_but_not_secure_by_default(app, orgdata):
    cookies = set_cookies(sign_in_remembered(app, orgdata.member_a.email))
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name]
        assert "SameSite=Lax" in cookies[name]
        assert "Secure" not in cookies[name]


def test_secure_cookies_setting_marks_cookies_secure_and_sends_hsts(
    database_url, tmp_path, orgdata, monkeypatch
):
    monkeypatch.setenv("QMS_SECURE_COOKIES", "1")
    app = build_app(database_url, tmp_path / "secure")
    response = sign_in_remembered(app, orgdata.member_a.email)
    cookies = set_cookies(response)
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name]
        assert "HttpOnly" in cookies[name]
        assert "SameSite=Lax" in cookies[name]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
