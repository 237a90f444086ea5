"""``POST /sms/twilio`` (Twilio's inbound-message webhook) and ``POST /sms/twilio/status`` (delivery callbacks).

Both check ``X-Twilio-Signature`` with :class:`twilio.request_validator.RequestValidator` against the URL Twilio
called as the public sees it (``RIGHTSDESK_PUBLIC_URL`` + the path), so the check holds behind a proxy that
terminates TLS or rewrites the host. A missing or bad signature gets 403 and changes nothing. The webhook answers
with empty TwiML as soon as the message is stored (:func:`channels.sms.service.handle_inbound`; Twilio gives up
after 15 seconds); the assistant answers in the background and its reply goes out through the outbox. Logs
name the MessageSid, never a number or a body.

A sender over ``RIGHTSDESK_RATE_SMS_PER_SENDER`` gets 429 (Retry-After): the message is recorded, not stored or
answered, and the family is told once per window, in their conversation's language, to wait and send it again.
STOP, START and HELP are always honoured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from twilio.request_validator import SIGNATURE_SETTINGS_HEADER, RequestValidator, get_signature_algorithm

from channels.chat import MAX_MESSAGE_CHARS, ChatService
from channels.deps import get_chat
from channels.limits.messages import limit_message
from channels.limits.rates import Rate
from channels.limits.service import Limiter
from channels.sms.keywords import classify
from channels.sms.service import InboundSms, handle_inbound, record_limited_sms
from core.contacts import BadContact, contact_hash, normalize_phone
from core.db import unit_of_work
from core.deps import get_settings
from core.settings import Settings
from outbox.service import record_delivery_status

log = logging.getLogger(__name__)
router = APIRouter(prefix="/sms/twilio", tags=["sms"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
_STATUS = re.compile(r"^[a-z_]{1,32}$")


def public_request_url(settings: Settings, request: Request) -> str:
    """The URL Twilio called, as configured publicly (scheme and host from the settings, path from the request)."""
    url = settings.public_url + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


# Twilio's webhooks carry a few dozen fields; anything with far more is not Twilio.
MAX_FORM_FIELDS = 100


def _form_pairs(body: bytes) -> list[tuple[str, str | UploadFile]] | None:
    """The urlencoded fields of ``body``, or None when it is not a form Twilio could have signed."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FORM_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        return None
    return [(name, value) for name, value in pairs]


async def verified_form(request: Request, settings: Settings) -> FormData:
    """The request's form fields, once Twilio's signature over them is checked (403 otherwise).

    Nothing in the form is trusted, or even parsed as a form, before the signature holds: the body (already held
    to ``RIGHTSDESK_MAX_BODY_BYTES`` by the edge) is read raw, split into its fields, checked, and only then
    returned. Only ``application/x-www-form-urlencoded`` is accepted, as Twilio sends.
    """
    if not settings.twilio_auth_token:
        raise HTTPException(status_code=403, detail="The SMS channel is not configured (TWILIO_AUTH_TOKEN).")
    signature = request.headers.get("X-Twilio-Signature")
    if not signature:
        raise HTTPException(status_code=403, detail="Missing X-Twilio-Signature.")
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise HTTPException(status_code=403, detail="Invalid X-Twilio-Signature.")
    pairs = _form_pairs(await request.body())
    if pairs is None:
        raise HTTPException(status_code=403, detail="Invalid X-Twilio-Signature.")
    form = FormData(pairs)
    validator = RequestValidator(settings.twilio_auth_token)
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not validator.validate(public_request_url(settings, request), form, signature, algorithm):
        raise HTTPException(status_code=403, detail="Invalid X-Twilio-Signature.")
    return form


def _over_limit(request: Request, sms: InboundSms) -> float | None:
    """Count an ordinary message against its sender's limit; over it, record it unanswered (a worker thread).

    STOP, START and HELP are never counted: they are always honoured. Returns the seconds to wait, or None.
    """
    settings: Settings = request.app.state.settings
    limiter: Limiter = request.app.state.limiter
    rate = Rate.parse(settings.rate_sms_per_sender)
    if rate is None or classify(sms.body) is not None:
        return None
    sender = "sms:sender:" + contact_hash(sms.from_number)
    exceeded = limiter.hit([(sender, rate)])
    if exceeded is None:
        return None
    # The family is told once per window (each notice is a text the district pays for).
    tell = limiter.once(f"{sender}:told:{int(time.time() // rate.seconds)}", rate.seconds)
    wait = exceeded.retry_after
    with unit_of_work(request.app.state.session_factory) as db_session:
        record_limited_sms(
            db_session=db_session,
            sms=sms,
            notice=(lambda language: limit_message("sms", language, wait)) if tell else None,
        )
    return wait


_SENDER_LOCKS: dict[str, tuple[asyncio.Lock, int]] = {}


@contextlib.asynccontextmanager
async def _sender_lock(key: str) -> AsyncIterator[None]:
    """A lock per sender, in this process (dropped when nobody holds or waits for it)."""
    lock, users = _SENDER_LOCKS.get(key, (asyncio.Lock(), 0))
    _SENDER_LOCKS[key] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _SENDER_LOCKS[key]
        if users <= 1:
            del _SENDER_LOCKS[key]
        else:
            _SENDER_LOCKS[key] = (lock, users - 1)


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="application/xml")


@router.post("")
async def inbound_sms(
    request: Request,
    background: BackgroundTasks,
    chat: ChatService = Depends(get_chat),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Store an inbound SMS and answer Twilio at once; the assistant replies in the background."""
    form = await verified_form(request, settings)
    message_sid = str(form.get("MessageSid") or form.get("SmsMessageSid") or "")
    if not _MESSAGE_SID.match(message_sid):
        raise HTTPException(status_code=400, detail="MessageSid is missing or malformed.")
    try:
        phone = normalize_phone(str(form.get("From") or ""))
    except BadContact as exc:
        raise HTTPException(status_code=400, detail="From is not a phone number.") from exc
    num_media = str(form.get("NumMedia") or "0")
    sms = InboundSms(
        message_sid=message_sid,
        from_number=phone,
        body=str(form.get("Body") or "")[:MAX_MESSAGE_CHARS],
        num_media=int(num_media) if num_media.isdigit() else 0,
    )
    wait = await run_in_threadpool(_over_limit, request, sms)
    if wait is not None:
        log.info("sms %s: over the sender's limit; not answered", message_sid)
        return Response(
            EMPTY_TWIML, status_code=429, media_type="application/xml", headers={"Retry-After": str(int(wait))}
        )
    # One sender's texts are stored in the order they arrived (the work runs in worker threads, which could
    # otherwise overtake each other), so they are answered in that order.
    async with _sender_lock(contact_hash(sms.from_number)):
        outcome = await run_in_threadpool(
            handle_inbound, request.app.state.session_factory, sms, request.app.state.knowledge.district
        )
    if outcome is None:
        log.info("sms %s: redelivery ignored", message_sid)
        return _twiml()
    log.info("sms %s: %s (conversation %s)", message_sid, outcome.kind, outcome.conversation_id)
    if outcome.answer and outcome.conversation_id is not None:
        background.add_task(chat.answer_pending, outcome.conversation_id)
    return _twiml()


def _record_status(factory: sessionmaker[Session], message_sid: str, status: str, error_code: str | None) -> bool:
    with unit_of_work(factory) as db_session:
        message = record_delivery_status(
            db_session=db_session, provider_id=message_sid, status=status, error_code=error_code
        )
        return message is not None


@router.post("/status", status_code=204)
async def delivery_status(request: Request, settings: Settings = Depends(get_settings)) -> Response:
    """Twilio's status callback for a message we sent: sent, delivered, undelivered or failed."""
    form = await verified_form(request, settings)
    message_sid = str(form.get("MessageSid") or form.get("SmsSid") or "")
    status = str(form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not _MESSAGE_SID.match(message_sid) or not _STATUS.match(status):
        raise HTTPException(status_code=400, detail="MessageSid or MessageStatus is missing or malformed.")
    error_code = str(form.get("ErrorCode") or "")[:8] or None
    if not await run_in_threadpool(_record_status, request.app.state.session_factory, message_sid, status, error_code):
        log.info("status callback for unknown message %s (%s)", message_sid, status)
    return Response(status_code=204)
