"""Personal API tokens: created and revoked on one's page or by the CLI; the API refuses a missing,
wrong, expired or revoked token and a disabled account, and acts as the token's owner."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from cli import cli
from qms.extensions import db
from qms.models.history import HistoryEntry
from qms.models.objectives import CaseStatistics
from qms.models.tokens import ApiToken
from qms.services import tokens
from qms.services.errors import DomainError, NotAllowed
from tests.conftest import login


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def new_token(user, **extra) -> str:  # type: ignore[no-untyped-def]
    secret = tokens.create_token(user, actor=None, name=extra.pop("name", "test"), **extra).secret
    db.session.commit()
    return secret


def test_only_the_hash_is_stored_and_the_token_names_its_owner(orgdata):
    issued = tokens.create_token(orgdata.user("manager_a"), actor=None, name="Một cửa", expires=None)
    db.session.commit()
    stored = db.session.get(ApiToken, issued.token.id)
    assert issued.secret.startswith("qms_") and len(issued.secret) > 40
    assert issued.secret not in (stored.token_hash, stored.prefix)
    assert stored.token_hash == tokens.hash_secret(issued.secret)
    assert issued.secret.startswith(stored.prefix)
    assert stored.expires_at.date() == date.today() + timedelta(days=90)
    assert tokens.authenticate(issued.secret).id == orgdata.manager_a.id


def test_expiry_is_checked(orgdata):
    user = orgdata.user("member_a")
    with pytest.raises(DomainError) as exc:
        tokens.create_token(user, actor=user, name="x", expires=date.today() + timedelta(days=400))
    assert exc.value.field == "expires"
    with pytest.raises(DomainError):
        tokens.create_token(user, actor=user, name="x", expires=date.today())
    with pytest.raises(DomainError) as exc:
        tokens.create_token(user, actor=user, name=" ", expires=None)
    assert exc.value.field == "name"


def test_nobody_manages_another_persons_tokens(orgdata):
    with pytest.raises(NotAllowed):
        tokens.create_token(orgdata.user("member_a"), actor=orgdata.user("admin"), name="x", expires=None)
    issued = tokens.create_token(orgdata.user("member_a"), actor=None, name="x", expires=None)
    with pytest.raises(NotAllowed):
        tokens.revoke_token(issued.token, actor=orgdata.user("manager_a"))


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer qms_not-a-real-token", "Basic dXNlcjpwYXNz", "Token qms_x"],
)
def test_missing_or_wrong_token_is_401_problem(client, orgdata, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/units", headers=headers)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_revoked_and_disabled_are_refused(client, orgdata):
    expired = new_token(orgdata.user("manager_a"), name="expired")
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "expired"))
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    revoked = new_token(orgdata.user("manager_a"), name="revoked")
    tokens.revoke_token(tokens.token_by_prefix(revoked[:10]), actor=None)
    disabled_owner = orgdata.user("member_a")
    disabled = new_token(disabled_owner, name="disabled")
    disabled_owner.active = False
    good = new_token(orgdata.user("manager_b"), name="good")
    db.session.commit()
    for secret in (expired, revoked, disabled):
        assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 401
    assert client.get("/api/v1/units", headers=bearer(good)).status_code == 200
    used = db.session.scalar(select(ApiToken).where(ApiToken.name == "good"))
    db.session.refresh(used)
    assert used.last_used_at is not None


def test_a_session_cookie_does_not_authenticate_the_api(client, orgdata):
    login(client, orgdata.manager_a)
    assert client.get("/api/v1/units").status_code == 401


def test_token_use_acts_as_its_owner_in_the_history(client, orgdata):
    secret = new_token(orgdata.user("manager_a"))
    body = {"items": [{"unit_code": "P-A", "period": "2018-07", "received": 10, "resolved": 9,
                       "on_time": 8, "late": 1}]}  # fmt: skip
    response = client.post("/api/v1/case-statistics", json=body, headers=bearer(secret))
    assert response.status_code == 200, response.data
    row = db.session.scalar(select(CaseStatistics))
    entry = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.record_type == "case_statistics", HistoryEntry.record_id == str(row.id)
        )
    )
    assert entry.actor_id == orgdata.manager_a.id


def test_profile_page_creates_shows_once_and_revokes(client, orgdata):
    login(client, orgdata.member_a)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    response = client.post("/account/tokens", data={"name": "Hệ thống một cửa", "expires": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Hệ thống một cửa"))
    start = html.index(token.prefix)
    secret = html[start : html.index("<", start)].strip()
    assert tokens.hash_secret(secret) == token.token_hash
    assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 200
    assert secret not in client.get("/account/tokens").get_data(as_text=True)  # shown once
    # another person cannot revoke it
    other = orgdata.manager_b
    client.post("/logout")
    login(client, other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    client.post("/logout")
    login(client, orgdata.member_a)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 401


def test_creating_and_revoking_a_token_is_history_and_using_it_is_not(client, orgdata):
    login(client, orgdata.member_a)
    client.post("/account/tokens", data={"name": "Hệ thống một cửa", "expires": ""})
    token = db.session.scalar(select(ApiToken))
    secret_hash = token.token_hash
    for _ in range(2):
        client.get("/api/v1/units", headers=bearer(new_token(orgdata.user("member_a"), name="second")))
    client.post(f"/account/tokens/{token.id}/revoke")

    entries = list(
        db.session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.record_type == "api_token", HistoryEntry.record_id == str(token.id))
            .order_by(HistoryEntry.id)
        )
    )
    assert [(e.action, e.actor_id) for e in entries] == [
        ("insert", orgdata.member_a.id),
        ("update", orgdata.member_a.id),
    ]
    assert "revoked_at" in entries[1].changes and "last_used_at" not in entries[1].changes
    assert entries[0].record_label.startswith("Hệ thống một cửa (qms_")
    assert secret_hash not in str([e.changes for e in entries])
    # shown on the person's history, where an administrator looks
    client.post("/logout")
    login(client, orgdata.admin)
    page = client.get(f"/admin/users/{orgdata.member_a.id}").get_data(as_text=True)
    assert "Hệ thống một cửa" in page


def test_profile_page_keeps_input_and_shows_errors_by_the_field(client, orgdata):
    login(client, orgdata.member_a)
    too_late = (date.today() + timedelta(days=500)).isoformat()
    response = client.post("/account/tokens", data={"name": "ISO", "expires": too_late})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "invalid-feedback" in html and 'value="ISO"' in html
    assert db.session.scalar(select(ApiToken)) is None


def test_cli_creates_lists_and_revokes(runner, orgdata, client):
    expires = (date.today() + timedelta(days=30)).strftime("%d/%m/%Y")
    result = runner.invoke(
        cli, args=["token", "create", "manager.a@example.vn", "--name", "Một cửa", "--expires", expires]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 200
    listed = runner.invoke(cli, args=["token", "list", "manager.a@example.vn"])
    assert secret[:10] in listed.output and "valid" in listed.output
    revoked = runner.invoke(cli, args=["token", "revoke", secret[:10]])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize(
    "args",
    [
        ["token", "create", "nobody@example.vn", "--name", "x"],
        ["token", "create", "manager.a@example.vn", "--name", "x", "--expires", "31/02/2030"],
        ["token", "create", "manager.a@example.vn", "--name", "x", "--expires", "2099-01-01"],
        ["token", "revoke", "qms_nothing"],
    ],
)
def test_cli_errors_are_one_line(runner, orgdata, args):
    result = runner.invoke(cli, args=args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_the_api_needs_no_csrf_token_while_pages_do(database_url, tmp_path, orgdata):
    from tests.conftest import build_app

    secret = new_token(orgdata.user("manager_a"))
    guarded = build_app(database_url, tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    item = {"unit_code": "P-A", "period": "2018", "received": 1, "resolved": 1, "on_time": 1, "late": 0}
    pushed = client.post("/api/v1/case-statistics", json={"items": [item]}, headers=bearer(secret))
    assert pushed.status_code == 200, pushed.data
    page = client.post("/login", data={"email": "manager.a@example.vn", "password": "x"})
    assert page.status_code == 400  # the web's forms still need their CSRF token
