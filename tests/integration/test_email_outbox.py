"""Email from the outbox over SMTP, against a local aiosmtpd server (plain, and STARTTLS with a login)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SmtpSession
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session, sessionmaker

from core import contacts
from core.db import unit_of_work
from core.settings import Settings
from outbox.models import OutboxMessage, OutboxStatus
from outbox.service import enqueue
from outbox.worker import OutboxWorker
from tests.fakes.twilio_server import free_port

USER, PASSWORD = "desk", "s3cret-for-tests"


@dataclass
class Mailbox:
    """What the SMTP server received, and how."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str], bool, bool]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: SmtpSession, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        if address.startswith("busy@"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: SmtpSession, envelope: Envelope) -> str:
        parsed = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append(
            (envelope.mail_from or "", list(envelope.rcpt_tos), session.ssl is not None, session.authenticated)
        )
        return "250 Message accepted for delivery"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int
    cert: Path | None = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer(mailbox, port)
    controller.stop()


@pytest.fixture
def smtp_tls_server(tmp_path: Path) -> Iterator[SmtpServer]:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_require_tls=True,
    )
    controller.start()
    yield SmtpServer(mailbox, port, cert)
    controller.stop()


def mail_settings(settings: Settings, server: SmtpServer, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "smtp_starttls": False,
        "smtp_from": "Maple Valley privacy office <privacy@maplevalley.example.org>",
        "outbox_backoff_seconds": 0.05,
        "outbox_backoff_max_seconds": 0.1,
        "outbox_max_attempts": 2,
        **extra,
    }
    configured = settings.model_copy(update=values)
    contacts.configure(configured.secret_key)
    return configured


def send(factory: sessionmaker[Session], to: str, subject: str = "Your verification code", body: str = "") -> int:
    with unit_of_work(factory) as db_session:
        return enqueue(
            db_session=db_session,
            kind="email",
            to=to,
            subject=subject,
            body=body or "Your code is 481 920. It expires in 10 minutes.\nSu código es 481 920.",
        ).id


def status_of(factory: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with factory() as db_session:
        return db_session.get_one(OutboxMessage, message_id)


def test_an_email_is_delivered_over_smtp(
    session_factory: sessionmaker[Session], settings: Settings, smtp_server: SmtpServer
) -> None:
    configured = mail_settings(settings, smtp_server)
    message_id = send(session_factory, "parent@example.org")
    assert OutboxWorker(configured, session_factory).run_once() == 1
    assert status_of(session_factory, message_id).status is OutboxStatus.sent
    (email,) = smtp_server.mailbox.messages
    assert email["To"] == "parent@example.org"
    assert email["Subject"] == "Your verification code"
    assert "privacy@maplevalley.example.org" in email["From"]
    assert email["Message-ID"] and email["Date"]
    body = email.get_content()
    assert "481 920" in body and "Su código" in body
    assert smtp_server.mailbox.envelopes[0][1] == ["parent@example.org"]


def test_starttls_and_login_when_configured(
    session_factory: sessionmaker[Session], settings: Settings, smtp_tls_server: SmtpServer
) -> None:
    configured = mail_settings(
        settings,
        smtp_tls_server,
        smtp_starttls=True,
        smtp_ca_file=smtp_tls_server.cert,
        smtp_username=USER,
        smtp_password=PASSWORD,
    )
    message_id = send(session_factory, "parent@example.org")
    OutboxWorker(configured, session_factory).run_once()
    assert status_of(session_factory, message_id).status is OutboxStatus.sent
    (_mail_from, _rcpts, over_tls, authenticated) = smtp_tls_server.mailbox.envelopes[0]
    assert over_tls and authenticated


def test_an_untrusted_certificate_is_not_accepted(
    session_factory: sessionmaker[Session], settings: Settings, smtp_tls_server: SmtpServer
) -> None:
    configured = mail_settings(
        settings, smtp_tls_server, smtp_starttls=True, smtp_username=USER, smtp_password=PASSWORD
    )
    message_id = send(session_factory, "parent@example.org")
    OutboxWorker(configured, session_factory).run_once()
    message = status_of(session_factory, message_id)
    assert message.status is OutboxStatus.queued and "SSL" in (message.last_error or "")
    assert smtp_tls_server.mailbox.messages == []


def test_a_refused_recipient_is_undeliverable_and_a_busy_server_is_retried(
    session_factory: sessionmaker[Session], settings: Settings, smtp_server: SmtpServer
) -> None:
    configured = mail_settings(settings, smtp_server)
    refused = send(session_factory, "nobody@example.org")
    busy = send(session_factory, "busy@example.org", subject="Reminder")
    worker = OutboxWorker(configured, session_factory)
    worker.run_once()
    assert status_of(session_factory, refused).status is OutboxStatus.undeliverable
    assert "550" in (status_of(session_factory, refused).last_error or "")
    assert status_of(session_factory, busy).status is OutboxStatus.queued
    time.sleep(0.15)
    worker.run_once()
    gave_up = status_of(session_factory, busy)
    assert gave_up.status is OutboxStatus.failed and "451" in (gave_up.last_error or "")


def test_an_unreachable_server_is_retried(session_factory: sessionmaker[Session], settings: Settings) -> None:
    configured = mail_settings(settings, SmtpServer(Mailbox(), free_port()))
    message_id = send(session_factory, "parent@example.org")
    OutboxWorker(configured, session_factory).run_once()
    message = status_of(session_factory, message_id)
    assert message.status is OutboxStatus.queued and message.attempts == 1
    assert "could not take the message" in (message.last_error or "")


def test_the_password_is_never_sent_without_tls(session_factory: sessionmaker[Session], settings: Settings) -> None:
    """F17: a server that would take AUTH in the clear never sees it; the message fails for good, visibly."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=_authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        configured = mail_settings(
            settings, SmtpServer(mailbox, port), smtp_starttls=False, smtp_username=USER, smtp_password=PASSWORD
        )
        message_id = send(session_factory, "parent@example.org")
        OutboxWorker(configured, session_factory).run_once()
    finally:
        controller.stop()
    message = status_of(session_factory, message_id)
    assert message.status is OutboxStatus.failed and "unencrypted" in (message.last_error or "")
    assert mailbox.messages == [] and mailbox.envelopes == []


def test_implicit_tls_from_the_first_byte(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    """F17: SMTPS (port 465 style): TLS before the greeting, certificate verified, then the login."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=context,
        authenticator=_authenticator,
        auth_require_tls=False,  # aiosmtpd counts only STARTTLS as TLS here; the whole connection is TLS anyway
    )
    controller.start()
    try:
        configured = mail_settings(
            settings,
            SmtpServer(mailbox, port, cert),
            smtp_starttls=False,
            smtp_implicit_tls_setting=True,
            smtp_ca_file=cert,
            smtp_username=USER,
            smtp_password=PASSWORD,
        )
        message_id = send(session_factory, "parent@example.org")
        OutboxWorker(configured, session_factory).run_once()
    finally:
        controller.stop()
    assert status_of(session_factory, message_id).status is OutboxStatus.sent
    (_mail_from, _rcpts, _starttls, authenticated) = mailbox.envelopes[0]
    assert authenticated  # over a server that speaks nothing but TLS
    assert Settings(RIGHTSDESK_DATA_DIR=tmp_path, RIGHTSDESK_SMTP_PORT=465).smtp_implicit_tls
