"""Identity verification in the conversation: the questions, the code, and what to do when it does not come.

The date of birth and the code never pass through Rasa: when the assistant asks for one, the action tells the
verification service (:func:`identity.verification.service.expect_answer`); the gateway holds the family's answer
and Rasa sees ``[date]`` or ``[code]``; the validation here reads the real value from the service by the
conversation's pseudonymous sender id. The words after the details are the same whether or not they matched.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots as s
from actions.context import get_context, language_of, run_flow
from core import i18n
from core.i18n import month_name
from flows.family import give_birth_date
from identity.verification import service as verification
from identity.verification.service import BirthDateOutcome, Claim, CodeOutcome
from ticketing.routing import local_today

log = logging.getLogger(__name__)

# Verification stopped before a code could be checked; the form ends and action_open_request explains.
STOPPED = frozenset({"eligible_student", "student_under_18", "too_many_codes", "locked"})
# The privacy office confirms the identity another way ("office_eligible": for a parent of a student over 18).
OFFICE = frozenset({"office", "office_eligible"})


def local_time(moment: datetime | None, lang: str) -> str:
    """``3:45 PM`` or ``3:45 p. m.`` in the district's time zone (:func:`core.i18n.local_time`)."""
    return i18n.local_time(moment, lang, get_context().knowledge.district.timezone)


def sender_label(lang: str) -> str:
    """How the district signs a code message in ``lang`` (Spanish: no "USD", which reads as dollars)."""
    return get_context().knowledge.district.short_name_for(lang)


def expect(tracker: Tracker, kind: str | None) -> None:
    """Tell the verification service what the assistant is asking for (so the gateway holds the answer)."""
    run_flow(partial(verification.expect_answer, sender_id=tracker.sender_id, kind=kind))


def validate_birth_date(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Use the date of birth the gateway held: eligibility, limits, the roster match and the code."""
    context = get_context()
    lang = language_of(tracker)
    relationship = tracker.get_slot(s.RELATIONSHIP) or "parent"
    student_name = tracker.get_slot(s.STUDENT_NAME) or ""
    claim = Claim(
        relationship=relationship,
        requester_name=student_name if relationship == "student" else (tracker.get_slot(s.REQUESTER_NAME) or ""),
        student_name=student_name,
    )
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    result = run_flow(
        partial(
            give_birth_date,
            sender_id=tracker.sender_id,
            claim=claim,
            language=lang,
            today=local_today(context.knowledge.district),
            sender_label=sender_label(lang),
            # The answer to "Do you mean December 11, 2016?": yes is that reading, no the other.
            confirms_reading=intent == "affirm" if intent in ("affirm", "deny") else None,
        )
    )
    if result.outcome is BirthDateOutcome.ambiguous_date and result.readings:
        first, second = result.readings
        # Only the month names: the conversation (and Rasa's tracker) never holds a date of birth.
        dispatcher.utter_message(
            response="utter_confirm_birth_date", month=month_name(first, lang), other=month_name(second, lang)
        )
        return {s.STUDENT_DOB: None}
    if result.outcome is BirthDateOutcome.no_date:
        dispatcher.utter_message(response="utter_dob_not_understood")
        return {s.STUDENT_DOB: None}
    if result.outcome is BirthDateOutcome.code_sent:
        # The same words whether or not the details matched anyone.
        dispatcher.utter_message(response="utter_code_sent")
    return {
        s.STUDENT_DOB: "given",
        s.VERIFICATION_STATUS: result.outcome.value,
        s.VERIFICATION_RETRY: local_time(result.retry_at, lang) or None,
    }


def validate_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Check the code the gateway held."""
    lang = language_of(tracker)
    result = run_flow(partial(verification.check_code, sender_id=tracker.sender_id))
    if result.outcome is CodeOutcome.verified:
        dispatcher.utter_message(response="utter_verified")
        return {s.VERIFICATION_CODE: "verified", s.VERIFICATION_STATUS: "verified"}
    if result.outcome is CodeOutcome.locked:
        return {
            s.VERIFICATION_CODE: None,
            s.VERIFICATION_STATUS: "locked",
            s.VERIFICATION_RETRY: local_time(result.retry_at, lang),
        }
    if result.outcome is CodeOutcome.wrong:
        dispatcher.utter_message(response="utter_code_wrong", tries=result.tries_left)
    elif result.outcome in (CodeOutcome.expired, CodeOutcome.not_requested):
        dispatcher.utter_message(response="utter_code_expired")
    else:
        dispatcher.utter_message(response="utter_code_format")
    return {s.VERIFICATION_CODE: None}


class ActionAskStudentDob(Action):
    """Ask for the date of birth, and have the gateway hold the answer out of Rasa."""

    def name(self) -> str:
        return "action_ask_student_dob"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        expect(tracker, verification.BIRTH_DATE)
        asked_which = run_flow(partial(verification.choice_pending, sender_id=tracker.sender_id))
        if not asked_which:  # "was the birthday in December?" was just asked: that is the question
            dispatcher.utter_message(response="utter_ask_student_dob")
        return []


class ActionAskVerificationCode(Action):
    """Ask for the code, and have the gateway hold the answer out of Rasa."""

    def name(self) -> str:
        return "action_ask_verification_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        expect(tracker, verification.CODE)
        dispatcher.utter_message(response="utter_ask_verification_code")
        return []


class ActionResendCode(Action):
    """A new code for the details already given (same words whether or not they matched)."""

    def name(self) -> str:
        return "action_resend_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language_of(tracker)
        result = run_flow(
            partial(
                verification.resend_code, sender_id=tracker.sender_id, language=lang, sender_label=sender_label(lang)
            )
        )
        if result.outcome is BirthDateOutcome.code_sent:
            dispatcher.utter_message(response="utter_code_sent")
        elif result.outcome is BirthDateOutcome.too_many_codes:
            dispatcher.utter_message(response="utter_too_many_codes", time=local_time(result.retry_at, lang))
        elif result.outcome is BirthDateOutcome.locked:
            dispatcher.utter_message(response="utter_locked", time=local_time(result.retry_at, lang))
        else:
            dispatcher.utter_message(response="utter_nothing_to_resend")
        return []


class ActionNoCode(Action):
    """Where the code goes, and the two ways on: a new code, or the office verifies another way."""

    def name(self) -> str:
        return "action_no_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_no_code")
        return []


class ActionVerifyAnotherWay(Action):
    """Go on with the request unverified: the privacy office confirms the family's identity another way."""

    def name(self) -> str:
        return "action_verify_another_way"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not tracker.get_slot(s.REQUEST_CATEGORY):
            dispatcher.utter_message(response="utter_nothing_to_change")
            return []
        expect(tracker, None)
        dispatcher.utter_message(response="utter_verify_another_way")
        eligible = tracker.get_slot(s.VERIFICATION_STATUS) == "eligible_student"
        return [
            SlotSet(s.VERIFICATION_CODE, "office"),
            SlotSet(s.VERIFICATION_STATUS, "office_eligible" if eligible else "office"),
            SlotSet(s.VERIFICATION_RETRY, None),
            SlotSet(s.REQUEST_CONFIRMED, None),
        ]
