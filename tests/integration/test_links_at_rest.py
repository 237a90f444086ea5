"""No records or follow link rests in clear in the database (issue 11, F6).

A message with a live link keeps a marker in the transcript and the link sealed beside it; the family's page
reads it rendered. On SMS the text goes to the outbox as a sensitive message: encrypted, and replaced by a marker
once Twilio has it. A scan of every text column of the database finds no token.
"""

from __future__ import annotations

import secrets

from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from channels.delivery import LINK_MARKER, send_to_family
from channels.sms.service import find_sms_conversation
from conversations.service import start_conversation
from core.db import unit_of_work, utcnow
from knowledge.district import District
from outbox.models import OutboxMessage
from outbox.service import SENSITIVE_REMOVED
from rightsdesk.tables import Base
from tests.fakes import fixtures
from tests.fakes.fixtures import Gateway
from ticketing.family.notify import send_records_link
from ticketing.tickets.enums import Channel, TicketCategory
from ticketing.tickets.service import open_ticket

fake_twilio = fixtures.fake_twilio
sms_settings = fixtures.sms_settings
gateway = fixtures.gateway
PARENT = "+15557654321"


def database_holds(gw: Gateway, secret: str) -> list[str]:
    """Every table and column whose stored text contains ``secret``."""
    found = []
    with gw.session_factory() as db_session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            for row in db_session.execute(select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    if value is not None and secret in str(value):
                        found.append(f"{table.name}.{column.name}")
    return found


def test_a_records_link_on_the_web_is_sealed_at_rest_and_shown_to_the_family(
    gateway: Gateway, district: District
) -> None:
    token = secrets.token_urlsafe(32)
    with unit_of_work(gateway.session_factory) as db_session:
        conversation, session_id = start_conversation(db_session=db_session, channel="web")
        ticket = open_ticket(
            db_session=db_session,
            district=district,
            category=TicketCategory.records,
            channel=Channel.web,
            language="en",
            requester_ref=conversation.rasa_sender,
            verified=True,  # by a code to the contact on file: the link goes to this conversation
        )
        send_records_link(
            db_session=db_session,
            ticket=ticket,
            token=token,
            expires_at=utcnow(),
            public_url=gateway.settings.public_url,
            timezone="America/Los_Angeles",
        )
    assert database_holds(gateway, token) == []
    history = gateway.client.post("/api/chat/history", json={"session_id": session_id}).json()
    (shown,) = [m["text"] for m in history["messages"] if m["from"] == "office"]
    assert f"{gateway.settings.public_url}/records/{token}" in shown and LINK_MARKER not in shown


def test_a_link_by_sms_is_a_sensitive_outbox_message_forgotten_once_sent(gateway: Gateway) -> None:
    assert gateway.sms(PARENT, "hello").status_code == 200
    token = secrets.token_urlsafe(32)
    link = f"https://rightsdesk.example.org/request/{token}"
    with unit_of_work(gateway.session_factory) as db_session:
        conversation = find_sms_conversation(db_session=db_session, phone=PARENT)
        assert conversation is not None
        send_to_family(
            db_session=db_session,
            requester_ref=conversation.rasa_sender,
            text=f"Here is the history of your request: {LINK_MARKER}",
            link=link,
        )
    assert database_holds(gateway, token) == []
    gateway.deliver(rounds=3)
    assert any(link in body for body in gateway.twilio.sent_to(PARENT))
    with gateway.session_factory() as db_session:
        carried = [m for m in db_session.scalars(select(OutboxMessage)) if m.sensitive]
    assert carried and all(m.body == SENSITIVE_REMOVED for m in carried)
    assert database_holds(gateway, token) == []
