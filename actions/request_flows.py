"""Actions that start, change, cancel and open requests (tickets) to the privacy office, and follow them.

A verified request opens a ticket marked verified, with the requester and student from the roster, routed by the
student's school; one the office verifies another way opens unverified, and the office confirms the identity
before sharing anything. The family is told the reference and the date by which the district must respond.

What happens is the family's use cases (:mod:`flows.family`: open a request, list my requests); these actions
read the slots, run one use case in one transaction (:func:`actions.context.run_flow`) and utter the response.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions import slots as s
from actions.context import channel_of, get_context, language_of, office_email, run_flow
from actions.request_form import (
    STATUS,
    VERIFIED_CATEGORIES,
    current_values,
    reset_events,
    slots_for,
    summary_text,
)
from actions.verification import STOPPED, expect
from core.i18n import long_date
from flows import family
from flows.transaction import DeskUnavailable
from identity.verification import service as verification
from ticketing.family.messages import category_label, status_label
from ticketing.tickets.enums import Channel, TicketCategory

log = logging.getLogger(__name__)

CATEGORY_OF_INTENT = {
    "request_records": "records",
    "request_correction": "correction",
    "request_directory_optout": "directory_optout",
    "request_consent": "consent",
    "report_complaint": "complaint",
    "report_misuse": "misuse",
    "check_status": STATUS,
}


def _verified_slots(tracker: Tracker) -> list[dict[str, Any]]:
    """The identity this conversation verified within the hour, as slots (none if it did not)."""
    who = run_flow(partial(verification.verified_identity, sender_id=tracker.sender_id))
    if who is None:
        return []
    return [
        SlotSet(s.RELATIONSHIP, who.relationship),
        SlotSet(s.REQUESTER_NAME, who.requester_name),
        SlotSet(s.STUDENT_NAME, who.student_name),
        SlotSet(s.STUDENT_DOB, "given"),
        SlotSet(s.VERIFICATION_CODE, "verified"),
        SlotSet(s.VERIFICATION_STATUS, "verified"),
    ]


def _forget(tracker: Tracker, identity_too: bool = False) -> None:
    run_flow(partial(verification.forget_answers, sender_id=tracker.sender_id, identity_too=identity_too))


class ActionStartRequest(Action):
    """Explain the right being exercised and remember which request this is (or switch to it mid-form)."""

    def name(self) -> str:
        return "action_start_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        # A yes to "Shall I start the request now?" starts the request just offered.
        offered = tracker.get_slot(s.OFFERED_REQUEST) if intent == "affirm" else None
        category = offered if offered in CATEGORY_OF_INTENT.values() else CATEGORY_OF_INTENT.get(intent, "records")
        in_form = (tracker.active_loop or {}).get("name") == s.REQUEST_FORM
        requested = tracker.get_slot(s.REQUESTED_SLOT)
        if in_form and tracker.get_slot(s.REQUEST_CATEGORY) == category and requested:
            # It sounded like the request itself, but it answers the question asked ("his grades are wrong").
            value = answers.answer_for(requested, tracker.latest_message.get("text"))
            return [SlotSet(requested, value)] if value is not None else []
        events = [
            SlotSet(s.REQUEST_CATEGORY, category),
            *reset_events([*s.DETAIL_SLOTS, s.REQUEST_CONFIRMED, s.OFFERED_REQUEST]),
        ]
        verified: list[dict[str, Any]] = []
        if not in_form or tracker.get_slot(s.VERIFICATION_STATUS) in STOPPED:
            # A new request: start from the identity this conversation verified, if any.
            _forget(tracker)
            events += reset_events([*s.IDENTITY_SLOTS, s.VERIFICATION_STATUS, s.VERIFICATION_RETRY])
            verified = _verified_slots(tracker)
            events += verified
        already = bool(verified) or tracker.get_slot(s.VERIFICATION_STATUS) == "verified"
        if not (already and category == STATUS):
            dispatcher.utter_message(response=f"utter_request_intro_{category}")
        if already and category in VERIFIED_CATEGORIES and category != STATUS:
            student = next((e["value"] for e in verified if e["name"] == s.STUDENT_NAME), None)
            dispatcher.utter_message(
                response="utter_already_verified", student=student or tracker.get_slot(s.STUDENT_NAME)
            )
        return events


class ActionAcceptOffer(ActionStartRequest):
    """A yes to "Shall I start the request now?": start the request just offered (and stop waiting for the yes)."""

    def name(self) -> str:
        return "action_accept_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        return [*events, SlotSet(s.OFFER_PENDING, False)]


class ActionStrayAnswer(Action):
    """An answer (a name, a code, a date) with no question asked: say why nothing is asked now.

    After verification stopped (too many wrong codes, or too many codes asked for), a code the family types again
    gets the same explanation with the time it resumes and the other way to verify, not "I didn't understand"
    (which twice in a row would bring in a person for nothing).
    """

    def name(self) -> str:
        return "action_stray_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        status = tracker.get_slot(s.VERIFICATION_STATUS)
        if status in ("locked", "too_many_codes"):
            _explain_stop(dispatcher, tracker, str(status))
            return []
        dispatcher.utter_message(response="utter_default")
        return []


class ActionCancelRequest(Action):
    """Drop the request in progress; nothing is opened."""

    def name(self) -> str:
        return "action_cancel_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        _forget(tracker)
        dispatcher.utter_message(response="utter_request_cancelled")
        return reset_events([*s.ALL_REQUEST_SLOTS, s.REQUESTED_SLOT])


class ActionChangeAnswer(Action):
    """Offer the answers given so far to change, or clear the one chosen so the form asks it again."""

    def name(self) -> str:
        return "action_change_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        values = current_values(tracker)
        asked = slots_for(values.get(s.REQUEST_CATEGORY), values)
        changeable = [
            slot
            for slot in (*answers.SUMMARY_SLOTS[:3], s.STUDENT_DOB, *answers.SUMMARY_SLOTS[3:])
            if slot in asked and values.get(slot) is not None
        ]
        chosen = next(
            (
                str(e.get("value"))
                for e in tracker.latest_message.get("entities") or []
                if e.get("entity") == s.SLOT_TO_CHANGE_ENTITY
            ),
            None,
        )
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if chosen is None and intent == "change_slot":
            chosen = answers.slot_named_in(tracker.latest_message.get("text") or "")
        if chosen not in changeable:
            lang = language_of(tracker)
            buttons = [
                {"title": answers.change_label(slot, lang), "payload": f'/change_slot{{"slot_to_change": "{slot}"}}'}
                for slot in changeable
            ]
            dispatcher.utter_message(response="utter_ask_answer_to_change", buttons=buttons)
            return []
        cleared: list[str] = [chosen, s.REQUEST_CONFIRMED]
        if chosen in (s.RELATIONSHIP, s.REQUESTER_NAME, s.STUDENT_NAME, s.STUDENT_DOB):
            # New identity details: verify again (a code already sent no longer counts).
            _forget(tracker, identity_too=True)
            cleared += list(s.VERIFICATION_SLOTS)
        if chosen == s.OPTOUT_SCOPE:
            cleared.append(s.OPTOUT_CATEGORIES)
        if chosen == s.MISUSE_ANONYMOUS:
            cleared.append(s.REPORTER_NAME)
        return reset_events(cleared)


def _explain_stop(dispatcher: CollectingDispatcher, tracker: Tracker, status: str) -> None:
    time = tracker.get_slot(s.VERIFICATION_RETRY) or ""
    if status == "eligible_student":
        dispatcher.utter_message(response="utter_eligible_student")
    elif status == "student_under_18":
        dispatcher.utter_message(response="utter_student_under_18")
    elif status == "too_many_codes":
        dispatcher.utter_message(response="utter_too_many_codes", time=time)
    else:
        dispatcher.utter_message(response="utter_locked", time=time)


def _list_status(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    lang = language_of(tracker)
    requests = run_flow(partial(family.list_requests_for, sender_id=tracker.sender_id))
    if requests is None:
        dispatcher.utter_message(response="utter_status_unverified")
        return
    if not requests:
        dispatcher.utter_message(response="utter_status_none")
        return
    for request in requests[:5]:
        dispatcher.utter_message(
            response="utter_status_item",
            reference=request.reference,
            category=category_label(request.category, lang),
            status=status_label(request.status, lang),
            due_date=long_date(request.due_on, lang),
        )


class ActionOpenRequest(Action):
    """The form is done: open the ticket the family confirmed, list their requests, or say why not."""

    def name(self) -> str:
        return "action_open_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = reset_events(s.ALL_REQUEST_SLOTS)
        category = tracker.get_slot(s.REQUEST_CATEGORY)
        status = tracker.get_slot(s.VERIFICATION_STATUS)
        expect(tracker, None)
        if not category:
            return reset
        if category in VERIFIED_CATEGORIES and status in STOPPED:
            # Kept: "verify another way" goes on with this request.
            _explain_stop(dispatcher, tracker, str(status))
            return []
        if category == STATUS:
            _list_status(dispatcher, tracker)
            return reset
        if tracker.get_slot(s.REQUEST_CONFIRMED) is not True:
            _forget(tracker)
            dispatcher.utter_message(response="utter_request_cancelled")
            return reset
        self._open(dispatcher, tracker, category, status)
        return reset

    def _open(self, dispatcher: CollectingDispatcher, tracker: Tracker, category: str, status: str | None) -> None:
        lang = language_of(tracker)
        try:
            opened = run_flow(
                partial(
                    family.open_family_request,
                    district=get_context().knowledge.district,
                    sender_id=tracker.sender_id,
                    category=TicketCategory(category),
                    channel=Channel(channel_of(tracker)),
                    language=lang,
                    code_verified=status == "verified",
                    # A verified request names the requester and the student as the roster has them.
                    summary=lambda names: summary_text(
                        tracker,
                        {s.REQUESTER_NAME: names.requester_name, s.STUDENT_NAME: names.student_name} if names else None,
                    ),
                )
            )
        except DeskUnavailable:
            dispatcher.utter_message(response="utter_request_failed", office_email=office_email())
            return
        log.info(
            "opened ticket %s (%s, %s)", opened.reference, category, "verified" if opened.verified else "unverified"
        )
        dispatcher.utter_message(
            response="utter_request_opened_unverified" if opened.awaiting_identity else "utter_request_opened",
            reference=opened.reference,
            due_date=long_date(opened.due_on, lang),
        )
