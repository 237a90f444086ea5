"""The outbox worker (``rightsdesk outbox-worker``): claims due messages and sends them.

SMS go through Twilio's REST API (the real ``twilio`` library, pointed at ``TWILIO_API_BASE``), email over SMTP:
STARTTLS (the default) or TLS from the first byte (``RIGHTSDESK_SMTP_IMPLICIT_TLS``, on for port 465), the
server's certificate verified. A password is never sent over an unencrypted connection: with a login configured
and no TLS the message fails for good instead.

Each outcome is one of three: sent (Twilio's MessageSid kept for its status callbacks), a retry later (network
trouble, a 5xx or 429 from Twilio, a 4xx from the SMTP server: exponential backoff with jitter, at most
``RIGHTSDESK_OUTBOX_MAX_ATTEMPTS`` tries), or a permanent failure (Twilio refused the message, the SMTP server
refused the recipient, the channel is not configured) that the console lists. Several workers may run at once;
each message is claimed by one. Logs and stored errors name message ids and Twilio's error codes (with the fixed
texts of :data:`~outbox.service.TWILIO_ERRORS`), never recipients or bodies: Twilio's own error texts
can quote the number, so they are dropped.
"""

from __future__ import annotations

import logging
import signal
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import FrameType
from typing import Any

from requests import RequestException
from sqlalchemy.orm import Session, sessionmaker
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from core import bootstrap
from core.db import unit_of_work
from core.settings import Settings
from outbox.models import OutboxKind, OutboxMessage, OutboxStatus
from outbox.service import (
    OPTED_OUT_ERROR,
    TWILIO_ERRORS,
    backoff,
    body_of,
    claim_due,
    is_opted_out,
    mark_failed,
    mark_retry,
    mark_sent,
    recipient_of,
)

log = logging.getLogger(__name__)
TWILIO_DEFAULT_BASE = "https://api.twilio.com"
TWILIO_TIMEOUT_SECONDS = 10.0
# Twilio error codes that mean this recipient cannot be reached (not worth another try).
TWILIO_UNDELIVERABLE = frozenset({21610, 21612, 21614, 21408})


class RetryLater(Exception):
    """A failure that may pass: try again after the backoff."""


class PermanentFailure(Exception):
    """A failure another try will not fix."""

    def __init__(self, message: str, undeliverable: bool = False) -> None:
        super().__init__(message)
        self.undeliverable = undeliverable


@dataclass(frozen=True)
class Envelope:
    """What a transport needs to send one message (the recipient in clear text, in memory only)."""

    message_id: int
    kind: OutboxKind
    to: str
    subject: str | None
    body: str


class ApiBaseHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's own HTTP client, with ``https://api.twilio.com`` replaced by the configured API base."""

    def __init__(self, api_base: str, timeout: float = TWILIO_TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout, logger=logging.getLogger("outbox.twilio_http"))
        self.api_base = api_base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> TwilioResponse:
        """Send the request to the configured base."""
        if url.startswith(TWILIO_DEFAULT_BASE):
            url = self.api_base + url[len(TWILIO_DEFAULT_BASE) :]
        response: TwilioResponse = super().request(method, url, *args, **kwargs)
        return response


class TwilioSender:
    """Sends SMS through Twilio's Messages API."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: Client | None = None
        if settings.twilio_configured:
            self.client = Client(
                settings.twilio_account_sid,
                settings.twilio_auth_token,
                http_client=ApiBaseHttpClient(settings.twilio_api_base),
            )

    def send(self, envelope: Envelope) -> str:
        """Create the message at Twilio; returns its MessageSid."""
        if self.client is None:
            raise PermanentFailure(
                "Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER or "
                "TWILIO_MESSAGING_SERVICE_SID)"
            )
        sender: dict[str, str] = (
            {"messaging_service_sid": self.settings.twilio_messaging_service_sid}
            if self.settings.twilio_messaging_service_sid
            else {"from_": self.settings.twilio_from_number or ""}
        )
        try:
            created = self.client.messages.create(
                to=envelope.to,
                body=envelope.body,
                status_callback=f"{self.settings.public_url}/sms/twilio/status",
                **sender,
            )
        except TwilioRestException as exc:
            # By code only: Twilio's message text may quote the recipient's number (F15).
            reason = TWILIO_ERRORS.get(str(exc.code), "see Twilio's error reference") if exc.code else ""
            detail = f"Twilio answered {exc.status}" + (f" (error {exc.code}: {reason})" if exc.code else "")
            if exc.status == 429 or exc.status >= 500:
                raise RetryLater(detail) from exc
            raise PermanentFailure(detail, undeliverable=exc.code in TWILIO_UNDELIVERABLE) from exc
        except (RequestException, TwilioException, OSError) as exc:
            raise RetryLater(f"Twilio could not be reached: {type(exc).__name__}") from exc
        return str(created.sid)


class SmtpSender:
    """Sends email over SMTP, with STARTTLS and a login when configured."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _tls_context(self) -> ssl.SSLContext:
        cafile = str(self.settings.smtp_ca_file) if self.settings.smtp_ca_file else None
        return ssl.create_default_context(cafile=cafile)

    def send(self, envelope: Envelope) -> str | None:
        """Hand the email to the SMTP server; returns None (SMTP gives no delivery id we can follow)."""
        settings = self.settings
        if not settings.smtp_configured or not settings.smtp_host or not settings.smtp_from:
            raise PermanentFailure("email is not configured (RIGHTSDESK_SMTP_HOST and RIGHTSDESK_SMTP_FROM)")
        email = EmailMessage()
        email["From"] = settings.smtp_from
        email["To"] = envelope.to
        email["Subject"] = envelope.subject or ""
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(envelope.body)
        implicit = settings.smtp_implicit_tls
        if settings.smtp_username and not (implicit or settings.smtp_starttls):
            raise PermanentFailure(
                "refused to send the SMTP password over an unencrypted connection: turn on RIGHTSDESK_SMTP_STARTTLS "
                "or use TLS from the first byte (RIGHTSDESK_SMTP_IMPLICIT_TLS, port 465)"
            )
        try:
            smtp: smtplib.SMTP
            if implicit:
                smtp = smtplib.SMTP_SSL(
                    settings.smtp_host,
                    settings.smtp_port,
                    timeout=settings.smtp_timeout_seconds,
                    context=self._tls_context(),
                )
            else:
                smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
            with smtp:
                smtp.ehlo()
                if settings.smtp_starttls and not implicit:
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = f"the SMTP server refused the recipient ({', '.join(str(c) for c in codes)})"
            if all(400 <= code < 500 for code in codes):
                raise RetryLater(detail) from exc
            raise PermanentFailure(detail, undeliverable=True) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            detail = f"the SMTP server refused the message ({exc.smtp_code})"
            if 400 <= exc.smtp_code < 500:
                raise RetryLater(detail) from exc
            raise PermanentFailure(detail) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentFailure(
                "the SMTP server does not offer STARTTLS (RIGHTSDESK_SMTP_STARTTLS) or the login (AUTH) configured"
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise RetryLater(f"the SMTP server could not take the message: {type(exc).__name__}") from exc
        return None


Transport = Callable[[Envelope], "str | None"]


class OutboxWorker:
    """Claims due messages and sends them, one at a time, oldest first."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        transports: dict[OutboxKind, Transport] | None = None,
        batch_size: int = 10,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.transports: dict[OutboxKind, Transport] = transports or {
            OutboxKind.sms: TwilioSender(settings).send,
            OutboxKind.email: SmtpSender(settings).send,
        }
        self.batch_size = batch_size

    def run_once(self) -> int:
        """Send what is due now; returns how many messages were tried."""
        with unit_of_work(self.session_factory) as db_session:
            claimed = claim_due(db_session=db_session, limit=self.batch_size)
        for message_id in claimed:
            self._send_one(message_id)
        return len(claimed)

    def _envelope(self, message_id: int) -> Envelope | None:
        """Read the claimed message; None when it must not go out (and it is marked so)."""
        with unit_of_work(self.session_factory) as db_session:
            message = db_session.get_one(OutboxMessage, message_id)
            try:
                to = recipient_of(message)
                body = body_of(message)
            except ValueError as exc:
                mark_failed(db_session=db_session, message=message, error=str(exc))
                return None
            if message.kind is OutboxKind.sms and not message.opt_out_notice:
                if is_opted_out(db_session=db_session, phone=to):
                    mark_failed(db_session=db_session, message=message, error=OPTED_OUT_ERROR, undeliverable=True)
                    return None
            return Envelope(message.id, message.kind, to, message.subject, body)

    def _send_one(self, message_id: int) -> None:
        envelope = self._envelope(message_id)
        if envelope is None:
            log.info("outbox %s: not sent (recipient opted out or unreadable)", message_id)
            return
        provider_id: str | None = None
        outcome: Exception | None = None
        try:
            provider_id = self.transports[envelope.kind](envelope)
        except (RetryLater, PermanentFailure) as exc:
            outcome = exc
        except Exception as exc:  # a bug in a transport must not stop the worker; the message is retried
            log.exception("outbox %s: unexpected error", message_id)
            outcome = RetryLater(f"unexpected error: {type(exc).__name__}")
        with unit_of_work(self.session_factory) as db_session:
            message = db_session.get_one(OutboxMessage, message_id)
            if outcome is None:
                mark_sent(db_session=db_session, message=message, provider_id=provider_id)
                log.info("outbox %s: sent (%s)", message_id, envelope.kind.value)
            elif isinstance(outcome, PermanentFailure):
                mark_failed(
                    db_session=db_session, message=message, error=str(outcome), undeliverable=outcome.undeliverable
                )
                log.warning("outbox %s: failed for good: %s", message_id, outcome)
            else:
                delay = backoff(
                    message.attempts, self.settings.outbox_backoff_seconds, self.settings.outbox_backoff_max_seconds
                )
                mark_retry(
                    db_session=db_session,
                    message=message,
                    error=str(outcome),
                    max_attempts=self.settings.outbox_max_attempts,
                    delay=delay,
                )
                if message.status is OutboxStatus.failed:
                    log.warning("outbox %s: gave up after %s tries: %s", message_id, message.attempts, outcome)
                else:
                    log.info(
                        "outbox %s: try %s failed (%s); next in %.0f s",
                        message_id,
                        message.attempts,
                        outcome,
                        delay.total_seconds(),
                    )

    def run_forever(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set, polling every ``RIGHTSDESK_OUTBOX_POLL_SECONDS`` when idle."""
        while not stop.is_set():
            try:
                busy = self.run_once() > 0
            except Exception:
                log.exception("outbox worker: a round failed; trying again")
                busy = False
            if not busy:
                stop.wait(self.settings.outbox_poll_seconds)


def main(settings: Settings) -> int:
    """``rightsdesk outbox-worker``: run until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    kernel = bootstrap(settings)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker = OutboxWorker(settings, kernel.session_factory)
    log.info(
        "outbox worker started (sms: %s, email: %s)",
        "configured" if settings.twilio_configured else "not configured",
        "configured" if settings.smtp_configured else "not configured",
    )
    started = time.monotonic()
    try:
        worker.run_forever(stop)
    finally:
        kernel.close()
        log.info("outbox worker stopped after %.0f s", time.monotonic() - started)
    return 0
