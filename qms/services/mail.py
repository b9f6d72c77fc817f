"""Sending e-mail through the SMTP server named by QMS_SMTP_URL, from QMS_MAIL_FROM.

`smtp://user:pass@host:port` talks plain SMTP (port 25 by default) and upgrades with STARTTLS when the
server offers it; `smtps://…` uses TLS from the start (port 465 by default). User and password are
optional (percent-encode special characters). Messages are built with `email.message.EmailMessage`.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

from flask_babel import gettext as _

from qms.services.errors import DomainError

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpSettings:
    secure: bool  # TLS from the start (smtps)
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str

    def describe(self) -> str:
        return f"{'smtps' if self.secure else 'smtp'}://{self.host}:{self.port}"


def smtp_settings(url: str | None = None, sender: str | None = None) -> SmtpSettings | None:
    """The configured server, or None when QMS_SMTP_URL is not set. A malformed URL is an error."""
    url = (url if url is not None else os.environ.get("QMS_SMTP_URL", "")).strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DomainError(
            _(
                "QMS_SMTP_URL must look like smtp://user:password@host:port or smtps://…, not %(url)s",
                url=parts.scheme,
            )
        )
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise DomainError(_("QMS_SMTP_URL has an invalid port.")) from None
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    sender = (sender if sender is not None else os.environ.get("QMS_MAIL_FROM", "")).strip()
    if not sender:
        sender = username if username and "@" in username else f"qms-tracker@{parts.hostname}"
    return SmtpSettings(parts.scheme == "smtps", parts.hostname, port, username, password, sender)


def message(settings: SmtpSettings, to: str, to_name: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = formataddr((to_name, to))
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    msg.set_content(body)
    return msg


def send(settings: SmtpSettings, messages: Iterable[EmailMessage]) -> int:
    """Send the messages over one connection; the number sent."""
    messages = list(messages)
    if not messages:
        return 0
    context = ssl.create_default_context()
    try:
        if settings.secure:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        with server:
            server.ehlo()
            if not settings.secure and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            if settings.username:
                server.login(settings.username, settings.password or "")
            for msg in messages:
                server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DomainError(
            _(
                "the mail server %(server)s refused or failed: %(error)s",
                server=settings.describe(),
                error=exc,
            )
        ) from exc
    return len(messages)
