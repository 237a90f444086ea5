"""A local fake of Twilio's REST API (the Messages resource), for the real ``twilio`` library to talk to.

It listens on a free loopback port (uvicorn in a thread) and speaks
``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` like Twilio: HTTP Basic auth with the account sid and
auth token, form fields ``To``, ``From`` or ``MessagingServiceSid``, ``Body``, ``StatusCallback``; a 201 with the
message resource as JSON (``sid`` ``SM`` + 32 hex digits), or Twilio's error JSON (``code``, ``message``,
``more_info``, ``status``) with the status and error code Twilio uses. It records every message it accepted,
can fail on demand (the next N requests, or every request to one number), and can play Twilio's part in the
other direction: sign and post an inbound-message webhook or a status callback.
"""

from __future__ import annotations

import base64
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio sends with a webhook to ``url`` with form fields ``params``."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


@dataclass
class Failure:
    status: int
    code: int
    message: str

    def response(self) -> JSONResponse:
        return JSONResponse(
            {
                "code": self.code,
                "message": self.message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
                "status": self.status,
            },
            status_code=self.status,
        )


@dataclass
class FakeTwilio:
    """Twilio's Messages API on ``base_url``, recording what it is sent."""

    account_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    messages: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._fail_next: list[Failure] = []
        self._fail_to: dict[str, Failure] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- failing on demand -------------------------------------------------------------------------------------
    def fail_next(
        self, count: int = 1, status: int = 503, code: int = 20503, message: str = "Service unavailable"
    ) -> None:
        """The next ``count`` requests get this error (Twilio's 5xx and 429 are worth a retry)."""
        with self._lock:
            self._fail_next.extend(Failure(status, code, message) for _ in range(count))

    def fail_to(
        self,
        number: str,
        status: int = 400,
        code: int = 21211,
        message: str = "The 'To' number is not a valid phone number.",
    ) -> None:
        """Every message to ``number`` gets this error (a 4xx: permanent)."""
        with self._lock:
            self._fail_to[number] = Failure(status, code, message)

    def clear_failures(self) -> None:
        """Accept everything again."""
        with self._lock:
            self._fail_next.clear()
            self._fail_to.clear()

    # --- the API -----------------------------------------------------------------------------------------------
    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(password, self.auth_token)

    def _build_app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/2010-04-01/Accounts/{account_sid}/Messages.json")
        async def create_message(account_sid: str, request: Request) -> JSONResponse:
            form = await request.form()
            with self._lock:
                self.requests += 1
            if not self._authorized(request):
                return Failure(401, 20003, "Authenticate").response()
            if account_sid != self.account_sid:
                return Failure(
                    404, 20404, f"The requested resource /{API_VERSION}/Accounts/{account_sid} was not found"
                ).response()
            to = str(form.get("To") or "")
            body = str(form.get("Body") or "")
            from_ = str(form.get("From") or "") or None
            service = str(form.get("MessagingServiceSid") or "") or None
            if not to:
                return Failure(400, 21604, "A 'To' phone number is required.").response()
            if not body and not form.get("MediaUrl"):
                return Failure(400, 21602, "Message body is required.").response()
            if not from_ and not service:
                return Failure(400, 21603, "A 'From' phone number is required.").response()
            if len(body) > 1600:
                return Failure(400, 21617, "The concatenated message body exceeds the 1600 character limit.").response()
            with self._lock:
                failure = self._fail_next.pop(0) if self._fail_next else self._fail_to.get(to)
            if failure is not None:
                return failure.response()
            sid = new_sid()
            now = format_datetime(datetime.now(timezone.utc), usegmt=False)
            resource = {
                "account_sid": self.account_sid,
                "api_version": API_VERSION,
                "body": body,
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": from_,
                "messaging_service_sid": service,
                "num_media": "0",
                "num_segments": str(max(1, (len(body) + 152) // 153)),
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "accepted" if service else "queued",
                "subresource_uris": {"media": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
                "to": to,
                "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
            }
            record = {
                **resource,
                "status_callback": str(form.get("StatusCallback") or "") or None,
                "received_at": time.monotonic(),
            }
            with self._lock:
                self.messages.append(record)
            return JSONResponse(resource, status_code=201)

        return app

    # --- lifecycle ---------------------------------------------------------------------------------------------
    def start(self) -> FakeTwilio:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", ws="none"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-twilio", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Twilio server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    # --- reading what was sent ---------------------------------------------------------------------------------
    def sent_to(self, number: str) -> list[str]:
        with self._lock:
            return [m["body"] for m in self.messages if m["to"] == number]

    def wait_for(self, count: int, number: str | None = None, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait until at least ``count`` messages (to ``number``, if given) were accepted; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [m for m in self.messages if number is None or m["to"] == number]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    # --- Twilio calling us -------------------------------------------------------------------------------------
    def inbound_params(
        self,
        from_number: str,
        body: str,
        to_number: str = "+15550001111",
        message_sid: str | None = None,
        num_media: int = 0,
        messaging_service_sid: str | None = None,
    ) -> dict[str, str]:
        """The form fields of Twilio's inbound-message webhook."""
        sid = message_sid or new_sid()
        params = {
            "ToCountry": "US",
            "ToState": "IL",
            "SmsMessageSid": sid,
            "NumMedia": str(num_media),
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "IL",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": "US",
            "To": to_number,
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_number,
            "ApiVersion": API_VERSION,
        }
        if num_media:
            params["MediaContentType0"] = "image/jpeg"
            params["MediaUrl0"] = (
                f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media/ME{secrets.token_hex(16)}"
            )
        if messaging_service_sid:
            params["MessagingServiceSid"] = messaging_service_sid
        return params

    def signed_headers(self, url: str, params: Mapping[str, str]) -> dict[str, str]:
        """The headers Twilio sends with a webhook to ``url`` (``url`` as Twilio sees it: the public one)."""
        return {"X-Twilio-Signature": sign(self.auth_token, url, params), "User-Agent": "TwilioProxy/1.1"}

    def send_status(
        self, sid: str, status: str, error_code: str | None = None, via: str | None = None
    ) -> httpx.Response:
        """Post the status callback of message ``sid``, signed for its StatusCallback URL (sent to ``via`` if given)."""
        with self._lock:
            message = next(m for m in self.messages if m["sid"] == sid)
        url = message["status_callback"]
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": message["from"] or "+15550001111",
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message["to"],
        }
        if message["messaging_service_sid"]:
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if error_code:
            params["ErrorCode"] = error_code
        target = (via.rstrip("/") + httpx.URL(url).raw_path.decode()) if via else url
        return httpx.post(target, data=params, headers=self.signed_headers(url, params), timeout=10)
