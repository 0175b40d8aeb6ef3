"""Sending one email through the SMTP server SMTP_URL names (standard library smtplib).

`smtp://user:pass@host:587` upgrades with STARTTLS (required before any password is sent,
except to a server on this machine); `smtps://host:465` speaks TLS from the start. Any failure
is one MailError; the caller records it and tries again later.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TIMEOUT_SECONDS = 30


class MailError(RuntimeError):
    """The email was not accepted; the message says why."""


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # TLS from the start (smtps)
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise MailError("SMTP_URL must look like smtp://user:password@host:587")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 587),
            tls=parts.scheme == "smtps",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def build_message(sender: str, email: Email) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


def send(settings, email: Email) -> None:
    """Send one email now (MailError on any refusal or failure)."""
    server = SmtpServer.from_url(settings.smtp_url)
    message = build_message(settings.smtp_from, email)
    context = ssl.create_default_context()
    try:
        if server.tls:
            client = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        with client:
            client.ehlo()
            if not server.tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif not server.tls and server.username and server.host not in LOOPBACK:
                raise MailError(
                    f"{server.host} does not offer STARTTLS; the password is not sent in clear"
                )
            if server.username:
                client.login(server.username, server.password or "")
            client.send_message(message)
    except MailError:
        raise
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error
