"""The request form's actions, driven by trackers and a CollectingDispatcher, on a real (SQLite) database.

The demo roster is imported; the gateway's part (holding a typed date of birth or code) is played by calling the
verification service's hook, as channels/chat.py does.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import (
    ActionAskRequestConfirmed,
    ActionAskStudentDob,
    ActionAskVerificationCode,
    ActionChangeAnswer,
    ActionOpenRequest,
    ActionStartRequest,
    ActionVerifyAnotherWay,
    ValidateRequestForm,
    answers,
)
from actions import slots as s
from actions.context import ActionContext
from actions.request_form import slots_for
from core import contacts
from core import secrets as vault
from core.db import unit_of_work
from core.settings import REPO_ROOT
from identity.roster.demo import DEMO_ROSTER_DIR
from identity.roster.service import import_roster
from identity.verification.service import hold_answer
from outbox.models import OutboxMessage
from outbox.service import body_of
from tests.support.actions import run_action, slot_values
from ticketing.tickets.models import Ticket, TicketEvent

SECRET = "action-tests-secret-key-0123456789abcdefghijkl"
DOMAIN = yaml.safe_load((REPO_ROOT / "bot" / "domain" / "requests.yml").read_text())
ANA = {
    "request_category": "records",
    "relationship": "parent",
    "requester_name": "Ana María López Rivera",
    "student_name": "Mateo García-López",
}


@pytest.fixture
def context(action_context: ActionContext) -> ActionContext:
    """The action context with the keys configured and the demo roster imported."""
    vault.configure(SECRET)
    contacts.configure(SECRET)
    with unit_of_work(action_context.session_factory) as db_session:
        assert import_roster(
            db_session=db_session, directory=DEMO_ROSTER_DIR, known_schools=["mvhs", "cedar", "birch"]
        ).ok
    return action_context


def tracker(
    sender: str = "c-test",
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    confidence: float = 0.95,
    candidates: dict[str, Any] | None = None,
    requested: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    in_form: bool = True,
) -> Tracker:
    values = {"language": "en", "requested_slot": requested, **(slots or {}), **(candidates or {})}
    events: list[dict[str, Any]] = [{"event": "action", "name": "request_form"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()]
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "metadata": {"language": values["language"], "channel": "web"},
    }
    loop = {"name": "request_form"} if in_form else {}
    return Tracker(sender, values, latest, events, False, None, loop, "action_listen")


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return run_action(action, t, DOMAIN)


def gateway_holds(context: ActionContext, sender: str, typed: str, language: str = "en") -> str:
    with unit_of_work(context.session_factory) as db_session:
        return hold_answer(db_session=db_session, sender_id=sender, text=typed, language=language)


def outbox(context: ActionContext) -> list[OutboxMessage]:
    with context.session_factory() as db_session:
        return list(db_session.scalars(select(OutboxMessage)))


def test_each_request_asks_only_what_it_needs() -> None:
    who = ["relationship", "requester_name", "student_name", "student_dob"]
    assert slots_for("records", {}) == [*who, "verification_code"]
    assert slots_for("records", {"verification_code": "verified", "verification_status": "verified"}) == [
        "records_access",
        "request_confirmed",
    ]
    assert slots_for("correction", {"verification_status": "verified"})[:3] == [
        "record_to_correct",
        "correction_problem",
        "correction_reason",
    ]
    assert "optout_categories" not in slots_for("directory_optout", {"verification_status": "verified"})
    assert "optout_categories" in slots_for(
        "directory_optout", {"verification_status": "verified", "optout_scope": "some"}
    )
    assert slots_for("complaint", {}) == ["complaint_details", "request_confirmed"]
    assert slots_for("misuse", {}) == ["misuse_anonymous", "misuse_details", "request_confirmed"]
    assert "reporter_name" in slots_for("misuse", {"misuse_anonymous": "no"})
    assert slots_for("status", {"verification_status": "verified"}) == []
    # A student asks for themselves: no separate requester name. Stopped verification asks nothing more.
    assert "requester_name" not in slots_for("records", {"relationship": "student"})
    assert slots_for("records", {"verification_status": "eligible_student"}) == who
    # The office verifies another way: names, never a date of birth or a code.
    office = slots_for("consent", {"verification_status": "office"})
    assert "student_dob" not in office and "verification_code" not in office and "student_name" in office


@pytest.mark.parametrize(
    ("slot", "typed", "value"),
    [
        ("relationship", "I'm his mom", "parent"),
        ("relationship", "soy su tutora legal", "guardian"),
        ("relationship", "I'm the student's father", "parent"),
        ("relationship", "soy el estudiante", "student"),
        ("records_access", "copias por favor", "copies"),
        ("records_access", "I'd like to look at them and get copies, both", "both"),
        ("optout_scope", "solo los reclutadores militares", "military"),
        ("consent_action", "I want to take it back", "withdraw"),
        ("misuse_anonymous", "prefiero que sea anónimo", "yes"),
    ],
)
def test_typed_choices_in_both_languages(slot: str, typed: str, value: str) -> None:
    assert answers.choice(slot, typed) == value


def test_every_answer_the_form_asks_for_is_checked_and_a_poor_one_asked_again() -> None:
    form = ValidateRequestForm()
    for slot in (*s.IDENTITY_SLOTS, *s.DETAIL_SLOTS):
        assert callable(getattr(form, f"validate_{slot}", None)), slot
    assert getattr(form, "validate_request_confirmed", None) is None  # a yes/no button the form reads as given
    dispatcher = CollectingDispatcher()
    checked = asyncio.run(form.validate_consent_details("ok", dispatcher, tracker(), DOMAIN))  # type: ignore[attr-defined]
    assert checked == {"consent_details": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_answer_too_short"]
    dispatcher = CollectingDispatcher()
    checked = asyncio.run(form.validate_relationship("mom", dispatcher, tracker(), DOMAIN))  # type: ignore[attr-defined]
    assert checked == {"relationship": "parent"} and dispatcher.messages == []


def test_the_date_of_birth_is_read_from_the_gateway_and_a_code_goes_to_the_phone_on_file(
    context: ActionContext,
) -> None:
    run(ActionAskStudentDob(), tracker("c-hit", ANA, requested="student_dob"))
    assert gateway_holds(context, "c-hit", "4/17/2013") == "[date]"
    messages, events = run(
        ValidateRequestForm(),
        tracker("c-hit", ANA, text="[date]", candidates={"student_dob": "[date]"}, requested="student_dob"),
    )
    assert [m["response"] for m in messages] == ["utter_code_sent"]
    assert (
        slot_values(events)["student_dob"] == "given" and slot_values(events)["requested_slot"] == "verification_code"
    )
    (sms,) = outbox(context)
    assert contacts.decrypt(sms.recipient_encrypted) == "+15550100121"
    assert not re.search(r"\d{6}", sms.body)  # the code rests encrypted; only the sender reads it
    code = re.search(r"\b(\d{6})\b", body_of(sms))
    assert code
    # The code: the gateway holds it, the form checks it.
    run(ActionAskVerificationCode(), tracker("c-hit", {**ANA, "student_dob": "given"}, requested="verification_code"))
    assert gateway_holds(context, "c-hit", code.group(1)) == "[code]"
    messages, events = run(
        ValidateRequestForm(),
        tracker(
            "c-hit",
            {**ANA, "student_dob": "given"},
            candidates={"verification_code": "[code]"},
            requested="verification_code",
        ),
    )
    assert [m["response"] for m in messages] == ["utter_verified"]
    assert slot_values(events)["verification_status"] == "verified"
    assert slot_values(events)["requested_slot"] == "records_access" or "records_access" not in slot_values(events)


def test_unmatched_details_hear_the_same_words_and_nothing_is_sent(context: ActionContext) -> None:
    run(ActionAskStudentDob(), tracker("c-miss", ANA, requested="student_dob"))
    gateway_holds(context, "c-miss", "4/18/2013")
    messages, events = run(
        ValidateRequestForm(), tracker("c-miss", ANA, candidates={"student_dob": "[date]"}, requested="student_dob")
    )
    assert [m["response"] for m in messages] == ["utter_code_sent"]
    assert slot_values(events)["verification_status"] == "code_sent"
    assert outbox(context) == []


def test_a_date_that_was_not_held_is_asked_again(context: ActionContext) -> None:
    messages, events = run(
        ValidateRequestForm(),
        tracker(
            "c1",
            ANA,
            text="sometime in spring",
            candidates={"student_dob": "sometime in spring"},
            requested="student_dob",
        ),
    )
    assert [m["response"] for m in messages] == ["utter_dob_not_understood"]
    assert slot_values(events)["student_dob"] is None


def test_an_answer_that_is_another_request_hands_the_turn_over(context: ActionContext) -> None:
    t = tracker(
        "c1",
        {"relationship": "parent"},
        text="actually I want to file a complaint",
        intent="report_complaint",
        candidates={"requester_name": "actually I want to file a complaint"},
        requested="requester_name",
    )
    messages, events = run(ValidateRequestForm(), t)
    assert messages == []
    assert {"event": "action_execution_rejected", "name": "request_form"}.items() <= events[-1].items()
    assert slot_values(events)["requester_name"] is None
    # A name the model is unsure about is still a name.
    t = tracker(
        "c1",
        {"request_category": "records", "relationship": "parent"},
        text="Thomas Müller",
        intent="ask_more_detail",
        confidence=0.28,
        candidates={"requester_name": "Thomas Müller"},
        requested="requester_name",
    )
    _, events = run(ValidateRequestForm(), t)
    assert slot_values(events)["requester_name"] == "Thomas Müller"


def test_switching_to_the_same_request_answers_the_question(context: ActionContext) -> None:
    t = tracker(
        "c1",
        {"request_category": "consent", "verification_status": "verified"},
        text="I want to withdraw my consent",
        intent="request_consent",
        requested="consent_action",
    )
    messages, events = run(ActionStartRequest(), t)
    assert messages == [] and slot_values(events) == {"consent_action": "withdraw"}


def test_a_verified_request_opens_a_verified_ticket_routed_by_school(context: ActionContext) -> None:
    run(ActionAskStudentDob(), tracker("c-v", ANA, requested="student_dob"))
    gateway_holds(context, "c-v", "April 17 2013")
    run(ValidateRequestForm(), tracker("c-v", ANA, candidates={"student_dob": "[date]"}, requested="student_dob"))
    code = re.search(r"\b(\d{6})\b", body_of(outbox(context)[-1]))
    assert code
    run(ActionAskVerificationCode(), tracker("c-v", {**ANA, "student_dob": "given"}, requested="verification_code"))
    gateway_holds(context, "c-v", code.group(1))
    run(
        ValidateRequestForm(),
        tracker("c-v", ANA, candidates={"verification_code": "[code]"}, requested="verification_code"),
    )
    slots = {
        **ANA,
        "request_category": "records",
        "student_dob": "given",
        "verification_code": "verified",
        "verification_status": "verified",
        "records_access": "copies",
        "request_confirmed": True,
        "language": "es",
    }
    messages, _ = run(ActionAskRequestConfirmed(), tracker("c-v", slots, requested="request_confirmed"))
    assert "copias" in messages[0]["summary"] and "Mateo" in messages[0]["summary"]
    messages, events = run(ActionOpenRequest(), tracker("c-v", slots, in_form=False))
    assert messages[0]["response"] == "utter_request_opened" and " de 20" in messages[0]["due_date"]
    assert all(e["value"] is None for e in events if e.get("event") == "slot")
    with context.session_factory() as db_session:
        ticket = db_session.scalar(select(Ticket))
        assert ticket is not None and ticket.verified and ticket.verification_method == "code_to_contact_on_file"
        assert ticket.school_id == "mvhs" and ticket.assignee_email == "records.mvhs@maplevalley.example.org"
        assert ticket.requester_person_id and ticket.student_person_id
        assert "Mateo García-López" in ticket.summary and "2013" not in ticket.summary
    # The same conversation asks for the status: already verified, it is listed at once.
    messages, events = run(
        ActionStartRequest(), tracker("c-v", {"language": "es"}, intent="check_status", in_form=False)
    )
    assert messages == [] and slot_values(events)["verification_status"] == "verified"
    messages, _ = run(
        ActionOpenRequest(),
        tracker("c-v", {"request_category": "status", "verification_status": "verified", "language": "es"}),
    )
    assert [m["response"] for m in messages] == ["utter_status_item"] and messages[0]["status"] == "recibida"


def test_a_restricted_parent_gets_an_unverified_ticket_with_a_note_for_the_office(context: ActionContext) -> None:
    carmen = {
        "request_category": "records",
        "relationship": "parent",
        "requester_name": "Carmen Ortega",
        "student_name": "Sofía Ramírez Ortega",
    }
    run(ActionAskStudentDob(), tracker("c-r", carmen, requested="student_dob"))
    gateway_holds(context, "c-r", "September 3 2014")
    messages, _ = run(
        ValidateRequestForm(), tracker("c-r", carmen, candidates={"student_dob": "[date]"}, requested="student_dob")
    )
    assert [m["response"] for m in messages] == ["utter_code_sent"] and outbox(context) == []
    _, events = run(
        ActionVerifyAnotherWay(), tracker("c-r", {**carmen, "request_category": "records"}, intent="verify_another_way")
    )
    assert slot_values(events)["verification_status"] == "office"
    slots = {
        **carmen,
        "request_category": "records",
        "verification_status": "office",
        "verification_code": "office",
        "records_access": "inspect",
        "request_confirmed": True,
    }
    messages, _ = run(ActionOpenRequest(), tracker("c-r", slots, in_form=False))
    assert messages[0]["response"] == "utter_request_opened_unverified"
    with context.session_factory() as db_session:
        ticket = db_session.scalar(select(Ticket))
        assert ticket is not None and not ticket.verified and ticket.requester_person_id is None
        notes = [e.body for e in db_session.scalars(select(TicketEvent).where(TicketEvent.kind == "note"))]
        assert len(notes) == 1 and "court order" in notes[0]
        assert "court" not in ticket.summary


def test_changing_an_identity_answer_means_verifying_again(context: ActionContext) -> None:
    slots = {**ANA, "request_category": "records", "student_dob": "given", "verification_status": "code_sent"}
    messages, events = run(
        ActionChangeAnswer(), tracker("c1", slots, intent="change_answer", requested="verification_code")
    )
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Who is asking", "Your name", "Student", "Date of birth"] and events == []
    t = tracker("c1", slots, intent="change_slot", entities=[{"entity": "slot_to_change", "value": "student_name"}])
    _, events = run(ActionChangeAnswer(), t)
    cleared = slot_values(events)
    assert cleared["student_name"] is None and cleared["student_dob"] is None and cleared["verification_status"] is None
    # Typed: "change the date of birth".
    t = tracker("c1", slots, text="change the answer about the date of birth", intent="change_slot")
    _, events = run(ActionChangeAnswer(), t)
    assert "student_dob" in slot_values(events)


def test_a_parent_of_an_18_year_old_is_told_the_rights_are_the_students(context: ActionContext) -> None:
    helen = {
        "request_category": "records",
        "relationship": "parent",
        "requester_name": "Helen Kim",
        "student_name": "Daniel Kim",
    }
    run(ActionAskStudentDob(), tracker("c-e", helen, requested="student_dob"))
    gateway_holds(context, "c-e", "9 de mayo de 2007", language="es")
    messages, events = run(
        ValidateRequestForm(), tracker("c-e", helen, candidates={"student_dob": "[date]"}, requested="student_dob")
    )
    assert messages == [] and slot_values(events)["verification_status"] == "eligible_student"
    assert slot_values(events)["requested_slot"] is None and outbox(context) == []
    slots = {**helen, "request_category": "records", "verification_status": "eligible_student", "student_dob": "given"}
    messages, events = run(ActionOpenRequest(), tracker("c-e", slots))
    assert [m["response"] for m in messages] == ["utter_eligible_student"] and events == []


def test_times_are_shown_on_the_12_hour_clock_in_both_languages(context: ActionContext) -> None:
    """Spanish review E23: "15:45" (and "las 01:30") was misread; Spanish says "3:45 p. m."."""
    from datetime import datetime, timezone

    from actions.verification import local_time

    afternoon = datetime(2026, 12, 7, 21, 45, tzinfo=timezone.utc)  # 3:45 PM in Chicago
    early = datetime(2026, 12, 7, 7, 5, tzinfo=timezone.utc)  # 1:05 AM in Chicago
    noon = datetime(2026, 12, 7, 18, 0, tzinfo=timezone.utc)
    assert local_time(afternoon, "es") == "3:45 p. m." and local_time(afternoon, "en") == "3:45 PM"
    assert local_time(early, "es") == "1:05 a. m." and local_time(noon, "es") == "12:00 p. m."
