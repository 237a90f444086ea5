"""An inbound SMS, once its signature is checked: idempotency, keywords, opt-out, and the stored family message.

:func:`handle_inbound` is what the webhook runs for a message whose signature holds: a redelivery is ignored, the
sender's conversation is found or started, and :func:`receive_sms` does everything that must happen before the
webhook answers Twilio, in one transaction: the MessageSid is recorded (a unique constraint: a redelivery fails
here and changes nothing), STOP / START / HELP are honoured and confirmed through the outbox, a picture-only
message gets a polite reply, and an ordinary message is stored for the assistant, which answers it in the
background (:meth:`ChatService.answer_pending`).

The phone number never reaches Rasa and is never stored in clear text: the conversation is found by a keyed
hash of it and keeps it encrypted for replies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from channels.chat import record_family_message
from channels.sms.keywords import START, STOP, Keyword, classify
from channels.sms.models import SmsInbound
from channels.sms.outbound import queue_sms_to_conversation
from channels.sms.render import resolve_reply
from conversations.models import Conversation
from conversations.service import record_inbound, record_outbound, start_conversation
from core.contacts import contact_hash, encrypt
from core.db import unit_of_work, utcnow
from core.i18n import as_language
from core.messages import message
from knowledge.district import District
from outbox.models import SmsOptOut
from outbox.service import enqueue


@dataclass(frozen=True)
class InboundSms:
    """The parts of Twilio's webhook we use (``from_number`` already normalized to E.164)."""

    message_sid: str
    from_number: str
    body: str
    num_media: int = 0


@dataclass(frozen=True)
class SmsOutcome:
    """What became of an inbound SMS: ``kind`` as stored in ``sms_inbound``, and whether the assistant answers."""

    kind: str
    conversation_id: int | None
    answer: bool = False


class DuplicateSms(Exception):
    """A MessageSid already processed (Twilio redelivered it)."""


def help_text(district: District, language: str) -> str:
    """The HELP reply, with the district's privacy contact."""
    officer = district.contacts.district_privacy_officer
    return message(
        "sms.help",
        language,
        site=message("sms.site", language),
        district=district.short_name_for(language),
        name=officer.name,
        title=officer.title.get(language),
        phone=officer.phone_shown,
        email=officer.email,
    )


def find_sms_conversation(*, db_session: Session, phone: str) -> Conversation | None:
    """The SMS conversation of ``phone`` (found by its keyed hash)."""
    return db_session.scalar(select(Conversation).where(Conversation.contact_hash == contact_hash(phone)))


def start_sms_conversation(*, db_session: Session, phone: str) -> Conversation:
    """A new SMS conversation for ``phone``: a keyed hash to find it, the number encrypted for replies."""
    conversation, _unused_token = start_conversation(db_session=db_session, channel="sms")
    conversation.contact_hash = contact_hash(phone)
    conversation.contact_encrypted = encrypt(phone)
    db_session.flush()
    return conversation


def ensure_sms_conversation(session_factory: sessionmaker[Session], phone: str) -> int:
    """The id of ``phone``'s conversation, created if needed (two first messages at once create one)."""
    for _ in range(3):
        try:
            with unit_of_work(session_factory) as db_session:
                conversation = find_sms_conversation(db_session=db_session, phone=phone)
                if conversation is None:
                    conversation = start_sms_conversation(db_session=db_session, phone=phone)
                return conversation.id
        except IntegrityError:
            continue  # another request created it a moment ago: find it
    raise RuntimeError("could not create the SMS conversation")


def already_received(*, db_session: Session, message_sid: str) -> bool:
    """Whether this MessageSid was processed before."""
    return db_session.scalar(select(SmsInbound.id).where(SmsInbound.message_sid == message_sid)) is not None


def needs_conversation(*, db_session: Session, sms: InboundSms) -> bool:
    """Whether the message is for the conversation (not STOP/START, not from a number that opted out)."""
    keyword = classify(sms.body)
    if keyword is not None and keyword.action in (STOP, START):
        return False
    return db_session.get(SmsOptOut, contact_hash(sms.from_number)) is None


def _note(db_session: Session, conversation: Conversation | None, text: str, reply: str) -> None:
    """Keep a keyword exchange in the transcript (the officer sees why the family stopped hearing from us)."""
    if conversation is None:
        return
    message = record_inbound(db_session=db_session, conversation=conversation, text=text)
    message.status = "answered"
    record_outbound(db_session=db_session, conversation=conversation, text=reply, data={"from": "system"})


def _keyword(
    db_session: Session, sms: InboundSms, keyword: Keyword, conversation: Conversation | None, district: District
) -> str:
    """Honour STOP, START or HELP; returns the ``sms_inbound`` kind.

    The confirmation speaks the conversation's language: STOP, the carriers' English word most families type, in a
    Spanish conversation is confirmed in Spanish (a Spanish keyword is always answered in Spanish).
    """
    spanish_conversation = conversation is not None and conversation.language == "es"
    lang = "es" if spanish_conversation else as_language(keyword.language)
    key = contact_hash(sms.from_number)
    opted_out = db_session.get(SmsOptOut, key)
    names = {"site": message("sms.site", lang), "district": district.short_name_for(lang)}
    conversation_id = conversation.id if conversation else None
    if keyword.action == STOP:
        if opted_out is not None:
            return "ignored"  # confirmed once already
        db_session.add(SmsOptOut(contact_hash=key, keyword=keyword.word[:16], opted_out_at=utcnow()))
        reply = message("sms.stop_confirmed", lang, **names)
        enqueue(
            db_session=db_session,
            kind="sms",
            to=sms.from_number,
            body=reply,
            conversation_id=conversation_id,
            opt_out_notice=True,
        )
        _note(db_session, conversation, sms.body, reply)
        if conversation is not None:
            conversation.sms_options = None
        return "stop"
    if keyword.action == START:
        if opted_out is not None:
            db_session.delete(opted_out)
            db_session.flush()
        reply = message("sms.start_confirmed", lang, **names)
        enqueue(db_session=db_session, kind="sms", to=sms.from_number, body=reply, conversation_id=conversation_id)
        _note(db_session, conversation, sms.body, reply)
        return "start"
    reply = help_text(district, lang)
    # HELP is answered even for a number that opted out (carriers require it); it does not opt them back in.
    enqueue(
        db_session=db_session,
        kind="sms",
        to=sms.from_number,
        body=reply,
        conversation_id=conversation_id,
        opt_out_notice=opted_out is not None,
    )
    _note(db_session, conversation, sms.body, reply)
    return "help"


def record_limited_sms(
    *, db_session: Session, sms: InboundSms, notice: Callable[[str], str] | None
) -> tuple[str, int | None] | None:
    """A message over the sender's limit: recorded (so a redelivery is ignored), its text neither stored nor answered.

    ``notice`` gives the words to send in the conversation's language, once per window (None: already told).
    Returns ``(language, conversation id)``, or None for a MessageSid seen before.
    """
    conversation = find_sms_conversation(db_session=db_session, phone=sms.from_number)
    try:
        with db_session.begin_nested():
            db_session.add(
                SmsInbound(
                    message_sid=sms.message_sid,
                    conversation_id=conversation.id if conversation else None,
                    kind="limited",
                )
            )
    except IntegrityError:
        return None
    language = conversation.language if conversation else "en"
    if notice is not None and db_session.get(SmsOptOut, contact_hash(sms.from_number)) is None:
        enqueue(
            db_session=db_session,
            kind="sms",
            to=sms.from_number,
            body=notice(language),
            conversation_id=conversation.id if conversation else None,
        )
    return language, conversation.id if conversation else None


def receive_sms(*, db_session: Session, sms: InboundSms, district: District, conversation_id: int | None) -> SmsOutcome:
    """Record and act on one inbound SMS; raises :class:`DuplicateSms` for a MessageSid seen before."""
    seen = SmsInbound(message_sid=sms.message_sid, conversation_id=conversation_id, kind="text")
    db_session.add(seen)
    try:
        db_session.flush()
    except IntegrityError as exc:
        raise DuplicateSms(sms.message_sid) from exc
    conversation = db_session.get(Conversation, conversation_id) if conversation_id else None
    if conversation is None:
        conversation = find_sms_conversation(db_session=db_session, phone=sms.from_number)
        seen.conversation_id = conversation.id if conversation else None
    keyword = classify(sms.body)
    if keyword is not None:
        seen.kind = _keyword(db_session, sms, keyword, conversation, district)
        return SmsOutcome(seen.kind, seen.conversation_id)
    if conversation is None or db_session.get(SmsOptOut, contact_hash(sms.from_number)) is not None:
        seen.kind = "ignored"  # the number opted out: nothing is stored or sent until START
        return SmsOutcome(seen.kind, seen.conversation_id)
    body = sms.body.strip()
    if not body:
        seen.kind = "media" if sms.num_media else "ignored"
        if sms.num_media:
            # Before the assistant has answered once, the language is a guess: say it in both.
            reply = (
                message("sms.picture_only", conversation.language)
                if conversation.rasa_language
                else message("sms.picture_only", "en") + "\n\n" + message("sms.picture_only", "es")
            )
            _note(db_session, conversation, "[picture]", reply)
            queue_sms_to_conversation(db_session=db_session, conversation=conversation, body=reply)
        return SmsOutcome(seen.kind, conversation.id)
    chosen = resolve_reply(body, conversation.sms_options)
    # A "2" or "sí" stands for a button's payload; the transcript keeps what the family typed.
    text, display = (chosen[0], body) if chosen else (body, None)
    stored = record_family_message(db_session=db_session, conversation=conversation, text=text, display=display)
    conversation.sms_options = None
    return SmsOutcome("text", conversation.id, answer=stored.status == "pending")


def handle_inbound(session_factory: sessionmaker[Session], sms: InboundSms, district: District) -> SmsOutcome | None:
    """Record and act on one inbound SMS (see the module); None for a redelivery. Runs in a worker thread.

    Three short transactions, none held across another: the redelivery check, finding or starting the sender's
    conversation (two first messages at once must create one), and :func:`receive_sms`, whose unique MessageSid
    makes a redelivery racing this one change nothing.
    """
    with unit_of_work(session_factory) as db_session:
        if already_received(db_session=db_session, message_sid=sms.message_sid):
            return None
        needs = needs_conversation(db_session=db_session, sms=sms)
    conversation_id = ensure_sms_conversation(session_factory, sms.from_number) if needs else None
    try:
        with unit_of_work(session_factory) as db_session:
            return receive_sms(db_session=db_session, sms=sms, district=district, conversation_id=conversation_id)
    except DuplicateSms:
        return None
