"""A real SMTP server for the tests that send mail (aiosmtpd on 127.0.0.1): the `smtp_server` fixture,
registered for every test module by conftest's pytest_plugins."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Mailbox:
    """An aiosmtpd handler keeping every message it receives, with its envelope recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def by_recipient(self) -> dict[str, EmailMessage]:
        out: dict[str, EmailMessage] = {}
        for recipients, message in self.received:
            for rcpt in recipients:
                assert rcpt not in out, f"{rcpt} got more than one message"
                out[rcpt] = message
        return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = auth_data.login == b"qms" and auth_data.password == b"p@ss word"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=_authenticate, auth_require_tls=False
    )
    controller.start()
    monkeypatch.setenv("QMS_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("QMS_MAIL_FROM", "QMS Tracker <qms@example.vn>")
    try:
        yield mailbox, port
    finally:
        controller.stop()
