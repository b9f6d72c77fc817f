"""Server-side sessions: signing out, a new password or a disabled account end them for good; sign-in
takes as long for unknown accounts; attempts limited per account and per address; the password policy."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cli import cli
from qms.extensions import db
from qms.models import org as org_models
from qms.models.base import utcnow
from qms.models.org import User
from qms.models.sessions import UserSession
from qms.services import org, passwords
from qms.services.errors import DomainError
from tests.conftest import PASSWORD, build_app, login

STRONG = "lotus-river-lantern-42"


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def copy_of(client: FlaskClient, app: Flask, *names: str) -> FlaskClient:
    """Another browser holding copies of some of this browser's cookies."""
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        other.set_cookie(name, cookie.value)
    return other


def session_count(user: User) -> int:
    return db.session.scalar(select(func.count(UserSession.id)).where(UserSession.user_id == user.id)) or 0


def logout(client: FlaskClient) -> None:
    assert client.post("/logout").status_code == 302


# --- sessions end for good -------------------------------------------------------------------


def test_copied_session_cookie_is_refused_after_logout(app, client, orgdata):
    login(client, orgdata.member_a)
    thief = copy_of(client, app, "session")
    assert signed_in(thief)  # the copy works while the session is open

    logout(client)
    assert not signed_in(thief)
    assert not signed_in(client)
    assert session_count(orgdata.member_a) == 0


def test_remember_cookie_is_refused_after_logout(app, client, orgdata):
    response = client.post(
        "/login", data={"email": orgdata.member_a.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    remembered = copy_of(client, app, "remember_token")
    assert signed_in(remembered)  # the remember cookie alone signs in, while its session is open
    remembered_later = copy_of(client, app, "remember_token")

    logout(client)
    assert not signed_in(remembered_later)


def test_changing_ones_password_signs_out_the_other_sessions(app, orgdata):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, orgdata.member_a)
    login(phone, orgdata.member_a)
    assert session_count(orgdata.member_a) == 2

    response = laptop.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": STRONG, "confirm": STRONG},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert signed_in(laptop)  # the session that changed it stays
    assert not signed_in(phone)
    assert session_count(orgdata.member_a) == 1


def test_admin_and_cli_setting_a_password_sign_the_user_out_everywhere(app, orgdata):
    member, admin = app.test_client(), app.test_client()
    login(member, orgdata.member_a)
    login(admin, orgdata.admin)
    response = admin.post(f"/admin/users/{orgdata.member_a.id}/password", data={"password-password": STRONG})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert not signed_in(member)
    assert signed_in(admin)

    login(member, orgdata.member_a, STRONG)
    result = app.test_cli_runner().invoke(
        cli,
        ["user", "set-password", orgdata.member_a.email, "--password-stdin"],
        input="quiet-harbour-falcon\n",
    )
    assert result.exit_code == 0, result.output
    assert not signed_in(member)


def test_admin_setting_own_password_keeps_own_session(app, orgdata):
    admin, other = app.test_client(), app.test_client()
    login(admin, orgdata.admin)
    login(other, orgdata.admin)
    response = admin.post(f"/admin/users/{orgdata.admin.id}/password", data={"password-password": STRONG})
    assert response.status_code == 302
    assert signed_in(admin)
    assert not signed_in(other)


def test_deactivating_a_user_ends_their_sessions(app, client, orgdata):
    login(client, orgdata.member_a)
    admin = db.session.get(User, orgdata.admin.id)
    user = db.session.get(User, orgdata.member_a.id)
    org.update_user(
        user, actor=admin, email=user.email, full_name=user.full_name, roles=[], language="vi", active=False
    )
    db.session.commit()
    assert session_count(user) == 0
    # active again: the old cookie still opens nothing
    org.update_user(
        user, actor=admin, email=user.email, full_name=user.full_name, roles=[], language="vi", active=True
    )
    db.session.commit()
    assert not signed_in(client)


def test_a_cookie_naming_only_the_user_id_signs_no_one_in(client, orgdata):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(orgdata.member_a.id)
        sess["_fresh"] = True
    assert not signed_in(client)


def test_only_a_digest_of_the_session_key_is_stored(client, orgdata):
    login(client, orgdata.member_a)
    with client.session_transaction() as sess:
        cookie_id = sess["_user_id"]
    user_id, _sep, key = cookie_id.partition(":")
    assert user_id == str(orgdata.member_a.id) and len(key) >= 32
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == orgdata.member_a.id))
    assert row is not None
    assert row.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in row.key_digest


def test_unused_sessions_expire_and_used_ones_are_touched(client, orgdata):
    login(client, orgdata.member_a)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == orgdata.member_a.id))
    assert row is not None
    row.last_seen_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert signed_in(client)
    db.session.expire_all()
    row = db.session.get(UserSession, row.id)
    assert row is not None
    seen = row.last_seen_at.replace(tzinfo=None) if row.last_seen_at.tzinfo else row.last_seen_at
    assert seen > (utcnow() - timedelta(minutes=1)).replace(tzinfo=None)

    row.last_seen_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert not signed_in(client)


def test_sessions_page_lists_and_signs_out_the_others(app, orgdata):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, orgdata.member_a)
    phone.post(
        "/login",
        data={"email": orgdata.member_a.email, "password": PASSWORD},
        headers={"User-Agent": "PhoneBrowser/1.0"},
    )
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert "PhoneBrowser/1.0" in page
    assert page.count('class="badge text-bg-success"') == 1  # this session is marked

    response = laptop.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert "PhoneBrowser/1.0" not in laptop.get("/account/sessions").get_data(as_text=True)


def test_one_cannot_end_someone_elses_session(app, orgdata):
    mine, theirs = app.test_client(), app.test_client()
    login(mine, orgdata.member_a)
    login(theirs, orgdata.manager_a)
    their_row = db.session.scalar(select(UserSession).where(UserSession.user_id == orgdata.manager_a.id))
    assert their_row is not None
    mine.post(f"/account/sessions/{their_row.id}/end")
    assert signed_in(theirs)


# --- sign-in takes as long whether or not the account exists ---------------------------------


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = org_models.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(org_models, "check_password_hash", counting)
    return calls


def test_every_failed_sign_in_checks_one_real_hash(orgdata, hash_checks):
    admin = db.session.get(User, orgdata.admin.id)
    user = db.session.get(User, orgdata.member_a.id)
    org.update_user(
        user, actor=admin, email=user.email, full_name=user.full_name, roles=[], language="vi", active=False
    )
    db.session.commit()

    for email in ("nobody@example.vn", orgdata.manager_a.email, orgdata.member_a.email):
        hash_checks.clear()
        assert org.authenticate(email, "wrong-password") is None
        assert len(hash_checks) == 1, email
        # as costly as a real one: made the way real passwords are hashed
        assert hash_checks[0] == user.password_hash.split("$", 1)[0], email
    hash_checks.clear()
    assert org.authenticate(orgdata.member_a.email, PASSWORD) is None  # disabled, right password
    assert len(hash_checks) == 1


def test_sign_in_form_checks_a_hash_for_unknown_accounts(client, orgdata, hash_checks):
    response = client.post("/login", data={"email": "nobody@example.vn", "password": "whatever-1"})
    assert response.status_code == 200
    assert len(hash_checks) == 1


# --- attempts limited per account and per address --------------------------------------------


def limited_app(database_url: str, tmp_path, **limits: object) -> Flask:
    return build_app(database_url, tmp_path / "limited", RATELIMIT_ENABLED=True, **limits)


def attempt(client: FlaskClient, email: str, address: str, **headers: str) -> int:
    return client.post(
        "/login",
        data={"email": email, "password": "wrong-password"},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    ).status_code


def test_guesses_at_one_account_are_limited_from_any_address(database_url, tmp_path, orgdata):
    app = limited_app(
        database_url, tmp_path, LOGIN_RATE_LIMIT="3 per minute", LOGIN_ADDRESS_RATE_LIMIT="100 per minute"
    )
    client = app.test_client()
    for n in range(3):
        assert attempt(client, orgdata.member_a.email, f"10.0.0.{n}") == 200
    assert attempt(client, " Member.A@example.vn ", "10.0.0.9") == 429  # same account, however typed
    assert attempt(client, orgdata.manager_a.email, "10.0.0.9") == 200  # another account is not locked


def test_one_address_has_a_more_generous_limit_of_its_own(database_url, tmp_path, orgdata):
    app = limited_app(
        database_url, tmp_path, LOGIN_RATE_LIMIT="3 per minute", LOGIN_ADDRESS_RATE_LIMIT="5 per minute"
    )
    client = app.test_client()
    for n in range(5):
        assert attempt(client, f"person{n}@example.vn", "192.0.2.1") == 200  # one office, five people
    assert attempt(client, "person9@example.vn", "192.0.2.1") == 429
    assert attempt(client, "person9@example.vn", "192.0.2.2") == 200


def test_forwarded_address_counts_only_behind_a_configured_proxy(database_url, tmp_path, orgdata):
    limits = {"LOGIN_RATE_LIMIT": "100 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "2 per minute"}
    direct = limited_app(database_url, tmp_path, **limits).test_client()
    for n in range(2):
        assert attempt(direct, f"a{n}@example.vn", "10.1.1.1", **{"X-Forwarded-For": f"203.0.113.{n}"}) == 200
    # without a trusted proxy the header is ignored: the same connecting address, limited
    assert attempt(direct, "a9@example.vn", "10.1.1.1", **{"X-Forwarded-For": "203.0.113.9"}) == 429

    proxied = build_app(
        database_url, tmp_path / "proxied", RATELIMIT_ENABLED=True, QMS_PROXY_COUNT=1, **limits
    )
    client = proxied.test_client()
    for n in range(2):
        assert attempt(client, f"b{n}@example.vn", "10.1.1.1", **{"X-Forwarded-For": "203.0.113.1"}) == 200
    assert attempt(client, "b9@example.vn", "10.1.1.1", **{"X-Forwarded-For": "203.0.113.1"}) == 429
    # another client behind the same proxy has its own count
    assert attempt(client, "b9@example.vn", "10.1.1.1", **{"X-Forwarded-For": "203.0.113.2"}) == 200


# --- the password policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["12345678", "password", "abcdefgh", "qwertyuiop", "nguyen.van.an@example.vn", "NguyenVanAn1"]
)
def test_weak_passwords_are_refused(app, password):
    with pytest.raises(DomainError):
        passwords.check(password, email="nguyen.van.an@example.vn", full_name="Nguyễn Văn An")


def test_a_long_unusual_password_passes(app):
    passwords.check(STRONG, email="nguyen.van.an@example.vn", full_name="Nguyễn Văn An")
    passwords.check("x" * 20 + STRONG * 5, email="a@example.vn")  # longer than zxcvbn reads


def test_admin_form_refuses_a_weak_password_next_to_the_field(client, orgdata):
    login(client, orgdata.admin)
    response = client.post(
        "/admin/users/new",
        data={
            "email": "new.person@example.vn",
            "full_name": "New Person",
            "password": "password",
            "language": "vi",
        },
    )
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert "quá dễ đoán" in page  # Vietnamese first
    assert 'value="new.person@example.vn"' in page  # input kept
    assert org.user_by_email("new.person@example.vn") is None


def test_own_password_change_refuses_ones_own_email(client, orgdata):
    login(client, orgdata.member_a)
    weak = orgdata.member_a.email
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": weak, "confirm": weak}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    new_field = page[page.index('name="new_password"') :]
    assert "invalid-feedback" in new_field[: new_field.index("<label")]
    assert db.session.get(User, orgdata.member_a.id).check_password(PASSWORD)


def test_cli_refuses_a_weak_password_in_one_line(runner, orgdata):
    result = runner.invoke(
        cli,
        ["user", "create", "weak@example.vn", "--name", "Weak", "--password-stdin"],
        input="12345678\n",
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert org.user_by_email("weak@example.vn") is None
    result = runner.invoke(
        cli, ["user", "set-password", orgdata.member_a.email, "--password-stdin"], input="password\n"
    )
    assert result.exit_code == 1
    assert db.session.get(User, orgdata.member_a.id).check_password(PASSWORD)


def test_demo_users_keep_the_shared_demo_password(app):
    from qms.services import demo

    user = org.create_user(
        actor=None,
        email="demo.person@example.vn",
        full_name="Demo",
        password=demo.DEMO_PASSWORD,
        password_policy=False,
    )
    assert user.check_password(demo.DEMO_PASSWORD)
    with pytest.raises(DomainError):
        org.create_user(actor=None, email="other@example.vn", full_name="Other", password=demo.DEMO_PASSWORD)


def test_a_form_sent_after_a_pause_is_not_held_up_by_noting_the_session_use(client, orgdata):
    """Noting the session's use must not wait for the request's own write lock (SQLite has one)."""
    login(client, orgdata.member_a)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == orgdata.member_a.id))
    row.last_seen_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    started = time.perf_counter()
    response = client.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert time.perf_counter() - started < 3  # the busy timeout is 5 s
    db.session.expire_all()
    seen = db.session.get(UserSession, row.id).last_seen_at
    assert (seen.replace(tzinfo=None) if seen.tzinfo else seen) > (utcnow() - timedelta(minutes=1)).replace(
        tzinfo=None
    )
