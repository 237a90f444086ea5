"""Human handoff through the console buttons, on web chat and on SMS; the failed-messages page.

Real database, real console (sign-in, CSRF, scopes), Rasa scripted, Twilio faked (the real `twilio` library).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from conversations.models import Conversation
from core.db import unit_of_work
from knowledge.district import District
from outbox.models import OutboxStatus
from outbox.service import enqueue
from tests.fakes import fixtures
from tests.fakes.fixtures import Gateway
from ticketing.officers.models import OfficerRole
from ticketing.officers.service import add_officer
from ticketing.tickets.enums import Channel, TicketCategory
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import open_ticket

fake_twilio = fixtures.fake_twilio
sms_settings = fixtures.sms_settings
gateway = fixtures.gateway

PASSWORD = "correct horse battery staple"
PARENT = "+15557654321"
OFFICER = "privacy@maplevalley.example.org"


def add(
    gw: Gateway, email: str, role: OfficerRole, schools: list[str] | None = None, name: str = "Dana Whitfield"
) -> None:
    with unit_of_work(gw.session_factory) as db_session:
        add_officer(db_session=db_session, email=email, name=name, role=role, password=PASSWORD, schools=schools)


def ticket_for(gw: Gateway, district: District, conversation_id: int, school_id: str | None = None) -> str:
    with unit_of_work(gw.session_factory) as db_session:
        conversation = db_session.get_one(Conversation, conversation_id)
        ticket = open_ticket(
            db_session=db_session,
            district=district,
            category=TicketCategory.question,
            channel=Channel(conversation.channel),
            language=conversation.language,
            requester_ref=conversation.rasa_sender,
            school_id=school_id,
        )
        return ticket.reference


def web_chat(gw: Gateway, text: str, session_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if session_id:
        body["session_id"] = session_id
    response = gw.client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def history(gw: Gateway, session_id: str) -> list[dict[str, Any]]:
    return gw.client.post("/api/chat/history", json={"session_id": session_id}).json()["messages"]  # type: ignore[no-any-return]


def timeline(gw: Gateway, reference: str) -> list[tuple[str, str]]:
    with gw.session_factory() as db_session:
        ticket = db_session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        return [(e.kind, e.body) for e in ticket.events]


def conversation_id_of(gw: Gateway) -> int:
    with gw.session_factory() as db_session:
        return db_session.scalars(select(Conversation.id)).one()


def test_an_officer_takes_over_a_web_conversation_and_hands_it_back(gateway: Gateway, district: District) -> None:
    first = web_chat(gateway, "I need help with my daughter's file")
    session_id = first["session_id"]
    assert set(first["messages"][0]) == {"text", "buttons", "article"}  # the chat contract is unchanged
    assert all(m["id"] > 0 for m in history(gateway, session_id))  # history items carry their transcript id
    reference = ticket_for(gateway, district, conversation_id_of(gateway))
    add(gateway, OFFICER, OfficerRole.district_officer)
    csrf = gateway.login(OFFICER, PASSWORD)

    page = gateway.client.get(f"/console/tickets/{reference}")
    assert "Take over the conversation" in page.text
    # Without the CSRF token nothing happens.
    refused = gateway.client.post(f"/console/tickets/{reference}/take-over", follow_redirects=False)
    assert refused.status_code == 403
    assert gateway.rasa.tracker_events == []

    taken = gateway.client.post(
        f"/console/tickets/{reference}/take-over", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert taken.status_code == 303 and taken.headers["location"].endswith("#handoff")
    sender = gateway.rasa.received[0]["sender"]
    assert gateway.rasa.tracker_events == [(sender, "pause")]
    joined = history(gateway, session_id)[-1]
    assert "Dana Whitfield from the privacy office has joined" in joined["text"] and joined["from"] == "office"
    assert "Hand back to the assistant" in gateway.client.get(f"/console/tickets/{reference}").text

    # The assistant is silent; the family's message lands on the ticket's timeline (redacted).
    quiet = web_chat(gateway, "She was born 4/17/2010, can you check?", session_id)
    assert quiet["messages"] == []
    assert len(gateway.rasa.received) == 1
    assert ("family_message", "She was born [date], can you check?") in timeline(gateway, reference)

    # The officer's reply reaches the family's page.
    replied = gateway.client.post(
        f"/console/tickets/{reference}/reply",
        data={"csrf_token": csrf, "body": "Thanks, I am looking at it now."},
        follow_redirects=False,
    )
    assert replied.status_code == 303, replied.text
    assert any("I am looking at it now" in m["text"] and m["from"] == "office" for m in history(gateway, session_id))

    back = gateway.client.post(
        f"/console/tickets/{reference}/hand-back", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert back.status_code == 303
    assert gateway.rasa.tracker_events[-1] == (sender, "resume")
    assert "handed this conversation back" in history(gateway, session_id)[-1]["text"]
    again = web_chat(gateway, "one more question", session_id)
    assert again["messages"][0]["text"] == "Answer to: one more question"
    kinds = [kind for kind, _ in timeline(gateway, reference)]
    assert "handoff" in kinds and "handback" in kinds
    # Handing back twice is refused with a clear message, and changes nothing.
    twice = gateway.client.post(f"/console/tickets/{reference}/hand-back", data={"csrf_token": csrf})
    assert twice.status_code == 409 and "already has this conversation" in twice.text


def test_an_officer_talks_with_a_family_over_sms(gateway: Gateway, district: District) -> None:
    gateway.sms(PARENT, "hola, necesito ayuda con el expediente de mi hija")
    gateway.deliver()
    reference = ticket_for(gateway, district, conversation_id_of(gateway))
    add(gateway, OFFICER, OfficerRole.district_officer)
    csrf = gateway.login(OFFICER, PASSWORD)
    gateway.client.post(f"/console/tickets/{reference}/take-over", data={"csrf_token": csrf})
    gateway.sms(PARENT, "gracias, espero")
    gateway.client.post(
        f"/console/tickets/{reference}/reply", data={"csrf_token": csrf, "body": "Le llamo mañana a las 10."}
    )
    gateway.deliver(3)
    sent = gateway.twilio.sent_to(PARENT)
    assert sent[1].startswith("Dana Whitfield, de la oficina de privacidad, se unió")
    assert "RD-" in sent[2] and sent[2].endswith("Le llamo mañana a las 10.")
    assert len(sent) == 3  # the assistant said nothing to "gracias, espero"
    assert gateway.rasa.texts() == ["hola, necesito ayuda con el expediente de mi hija"]
    assert ("family_message", "gracias, espero") in timeline(gateway, reference)


def test_a_school_contact_cannot_take_over_a_ticket_outside_their_school(gateway: Gateway, district: District) -> None:
    web_chat(gateway, "hello")
    reference = ticket_for(gateway, district, conversation_id_of(gateway), school_id="mvhs")
    add(gateway, "office.cedar@maplevalley.example.org", OfficerRole.school_contact, ["cedar"], name="Grace Kim")
    csrf = gateway.login("office.cedar@maplevalley.example.org", PASSWORD)
    response = gateway.client.post(f"/console/tickets/{reference}/take-over", data={"csrf_token": csrf})
    assert response.status_code == 404
    assert gateway.rasa.tracker_events == []
    with gateway.session_factory() as db_session:
        assert db_session.scalars(select(Conversation.handoff_officer)).one() is None


def test_failed_messages_are_visible_in_the_console_and_can_be_sent_again(gateway: Gateway) -> None:
    gateway.twilio.fail_to(PARENT, status=400, code=21211)
    gateway.sms(PARENT, "hello")
    gateway.deliver()
    add(gateway, "admin@maplevalley.example.org", OfficerRole.administrator, name="Ada Admin")
    csrf = gateway.login("admin@maplevalley.example.org", PASSWORD)
    page = gateway.client.get("/console/outbox")
    assert page.status_code == 200
    assert "Failed messages" in page.text and "•••4321" in page.text and "21211" in page.text
    assert "5557654321" not in page.text
    assert 'href="/console/outbox"' in gateway.client.get("/console/queue").text
    (failed,) = [m for m in gateway.outbox() if m.status is OutboxStatus.failed]
    gateway.twilio.clear_failures()
    again = gateway.client.post(f"/console/outbox/{failed.id}/retry", data={"csrf_token": csrf}, follow_redirects=False)
    assert again.status_code == 303
    gateway.deliver()
    assert gateway.twilio.sent_to(PARENT) == ["Answer to: hello"]
    assert "No failed messages." in gateway.client.get("/console/outbox").text


def test_a_failed_one_time_code_is_listed_without_its_text_and_cannot_be_sent_again(gateway: Gateway) -> None:
    gateway.twilio.fail_to(PARENT, status=400, code=21211)
    with unit_of_work(gateway.session_factory) as db_session:
        code_id = enqueue(db_session=db_session, kind="sms", to=PARENT, body="Your code is 482913.", sensitive=True).id
    gateway.deliver()
    add(gateway, "admin@maplevalley.example.org", OfficerRole.administrator, name="Ada Admin")
    csrf = gateway.login("admin@maplevalley.example.org", PASSWORD)
    page = gateway.client.get("/console/outbox").text
    assert "21211" in page and "482913" not in page
    assert "A one-time code is not sent again" in page and f"/console/outbox/{code_id}/retry" not in page
    again = gateway.client.post(f"/console/outbox/{code_id}/retry", data={"csrf_token": csrf}, follow_redirects=False)
    assert again.status_code == 409


def test_school_contacts_do_not_see_the_failed_messages_page(gateway: Gateway) -> None:
    add(gateway, "office.cedar@maplevalley.example.org", OfficerRole.school_contact, ["cedar"], name="Grace Kim")
    gateway.login("office.cedar@maplevalley.example.org", PASSWORD)
    assert gateway.client.get("/console/outbox").status_code == 404
    assert 'href="/console/outbox"' not in gateway.client.get("/console/queue").text


def test_office_messages_reach_an_open_page_as_server_sent_events(sms_settings) -> None:  # type: ignore[no-untyped-def]
    """The event stream over a real HTTP server: a new office message arrives at once; a reconnect resumes."""
    import json
    import threading
    import time

    import httpx
    import uvicorn

    from channels.delivery import send_to_family
    from conversations.service import start_conversation
    from rightsdesk.app import create_app
    from tests.fakes.twilio_server import free_port

    app = create_app(sms_settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        factory = app.state.session_factory
        with unit_of_work(factory) as db_session:
            conversation, token = start_conversation(db_session=db_session, channel="web")
            ref = conversation.rasa_sender
        base = f"http://127.0.0.1:{port}"
        assert httpx.post(f"{base}/api/chat/events/ticket", json={"session_id": "nope"}).status_code == 404
        events: list[dict[str, Any]] = []

        def listen(after: int, headers: dict[str, str]) -> None:
            ticket = httpx.post(f"{base}/api/chat/events/ticket", json={"session_id": token}).json()["ticket"]
            with httpx.stream(
                "GET",
                f"{base}/api/chat/events",
                params={"ticket": ticket, "after": after},
                headers=headers,
                timeout=10,
            ) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        events.append(json.loads(line[6:]))
                        return

        reader = threading.Thread(target=listen, args=(0, {}))
        reader.start()
        time.sleep(0.5)
        started = time.monotonic()
        with unit_of_work(factory) as db_session:
            send_to_family(db_session=db_session, requester_ref=ref, text="Hello from the privacy office.")
        reader.join(10)
        assert time.monotonic() - started < 2.5
        (event,) = events
        assert event["text"] == "Hello from the privacy office." and event["from"] == "office" and event["id"] > 0
        # A reconnect with Last-Event-ID gets only what came after.
        with unit_of_work(factory) as db_session:
            send_to_family(db_session=db_session, requester_ref=ref, text="A second message.")
        listen(0, {"Last-Event-ID": str(event["id"])})
        assert events[-1]["text"] == "A second message."
    finally:
        server.should_exit = True
        thread.join(10)
