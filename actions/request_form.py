"""The request form: which questions a request needs, their validation, and the confirmation.

``validate_request_form`` decides the questions (Rasa's "dynamic form"): for the requests about a student's
records (see, correct, opt out, consent, status) first who is asking, their name, the student's name and date of
birth, and the code; then what the request needs, and only that; then the family confirms what will be sent.
Complaints and misuse reports need no verification (a misuse report may be anonymous).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import answers
from actions import slots as s
from actions.context import get_context, language_of
from actions.verification import OFFICE, STOPPED, expect, validate_birth_date, validate_code
from core.messages import message
from flows.family import IDENTITY_CATEGORIES
from ticketing.family.messages import category_label as ticket_category_label

STATUS = "status"
# Requests about a student's records (and following them): the requester's identity is verified first.
VERIFIED_CATEGORIES = frozenset({category.value for category in IDENTITY_CATEGORIES} | {STATUS})
# An answer that is clearly one of these (another request, a question, a code problem) is not taken as the answer
# to a short question (a name, a choice, a date, a code): the form hands the turn to that rule instead.
SWITCH_INTENTS = frozenset(
    {
        "request_records",
        "request_correction",
        "request_directory_optout",
        "request_consent",
        "report_complaint",
        "report_misuse",
        "check_status",
        "ask_rights",
        "ask_more_detail",
        "switch_language",
        "bot_challenge",
        "resend_code",
        "no_code",
        "verify_another_way",
    }
)
SWITCH_CONFIDENCE = 0.6
SHORT_ANSWERS = frozenset(
    {
        s.RELATIONSHIP,
        s.REQUESTER_NAME,
        s.STUDENT_NAME,
        s.STUDENT_DOB,
        s.VERIFICATION_CODE,
        s.RECORDS_ACCESS,
        s.OPTOUT_SCOPE,
        s.CONSENT_ACTION,
        s.MISUSE_ANONYMOUS,
        s.REPORTER_NAME,
    }
)


def wants_something_else(tracker: Tracker) -> bool:
    """Whether the family's message is clearly another request, a question or a code problem."""
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") in SWITCH_INTENTS and float(intent.get("confidence") or 0) >= SWITCH_CONFIDENCE


def category_label(category: str, lang: str) -> str:
    """The request's name in ``lang``."""
    if category == STATUS:
        return message("request_summary.check_a_request", lang)
    return ticket_category_label(category, lang)


def details_for(category: str, values: Mapping[str, Any]) -> list[str]:
    """The questions about the request itself."""
    if category == "records":
        return [s.RECORDS_ACCESS]
    if category == "correction":
        return [s.RECORD_TO_CORRECT, s.CORRECTION_PROBLEM, s.CORRECTION_REASON]
    if category == "directory_optout":
        return [s.OPTOUT_SCOPE] + ([s.OPTOUT_CATEGORIES] if values.get(s.OPTOUT_SCOPE) == "some" else [])
    if category == "consent":
        return [s.CONSENT_ACTION, s.CONSENT_DETAILS]
    if category == "complaint":
        return [s.COMPLAINT_DETAILS]
    if category == "misuse":
        named = [s.REPORTER_NAME] if values.get(s.MISUSE_ANONYMOUS) == "no" else []
        return [s.MISUSE_ANONYMOUS, *named, s.MISUSE_DETAILS]
    return []


def slots_for(category: str | None, values: Mapping[str, Any]) -> list[str]:
    """Every question this request asks, in order, given the answers so far (``values``)."""
    if not category:
        return []
    asked: list[str] = []
    if category in VERIFIED_CATEGORIES:
        status = values.get(s.VERIFICATION_STATUS)
        who = [s.RELATIONSHIP] + ([] if values.get(s.RELATIONSHIP) == "student" else [s.REQUESTER_NAME])
        if status in OFFICE:
            # The office verifies another way: it needs the names, not the date of birth or a code.
            asked += [*who, s.STUDENT_NAME]
        elif status != "verified":
            asked += [*who, s.STUDENT_NAME, s.STUDENT_DOB]
            if status in STOPPED:
                return asked
            asked.append(s.VERIFICATION_CODE)
            if values.get(s.VERIFICATION_CODE) is None:
                return asked
    asked += details_for(category, values)
    if category != STATUS:
        asked.append(s.REQUEST_CONFIRMED)
    return asked


def current_values(tracker: Tracker) -> dict[str, Any]:
    """The request form's slots as they are now."""
    return {name: tracker.get_slot(name) for name in s.ALL_REQUEST_SLOTS}


Validator = Callable[[Any, CollectingDispatcher, Tracker], dict[str, Any]]


def _choice(slot: str, not_understood: str) -> Validator:
    """One of the answers offered (buttons, or words that mean one); otherwise say so and ask again."""

    def validate(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        chosen = answers.choice(slot, value)
        if chosen is None:
            dispatcher.utter_message(response=not_understood)
        return {slot: chosen}

    return validate


def _name(slot: str) -> Validator:
    """A person's full name."""

    def validate(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        name = answers.full_name(value)
        if name is None:
            dispatcher.utter_message(response="utter_name_not_understood")
        return {slot: name}

    return validate


def _text(slot: str) -> Validator:
    """A free-text answer long enough to act on."""

    def validate(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        text = answers.free_text(value)
        if text is None:
            dispatcher.utter_message(response="utter_answer_too_short")
        return {slot: text}

    return validate


def _birth_date(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    return validate_birth_date(dispatcher, tracker)


def _code(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    if value in ("verified", "office"):  # set by the actions, not typed: verified already, or the office checks
        return {s.VERIFICATION_CODE: value}
    return validate_code(dispatcher, tracker)


# How each answer of the form is checked (the form's ``validate_<slot>``).
VALIDATORS: dict[str, Validator] = {
    s.RELATIONSHIP: _choice(s.RELATIONSHIP, "utter_relationship_not_understood"),
    s.REQUESTER_NAME: _name(s.REQUESTER_NAME),
    s.STUDENT_NAME: _name(s.STUDENT_NAME),
    s.STUDENT_DOB: _birth_date,
    s.VERIFICATION_CODE: _code,
    s.RECORDS_ACCESS: _choice(s.RECORDS_ACCESS, "utter_choice_not_understood"),
    s.OPTOUT_SCOPE: _choice(s.OPTOUT_SCOPE, "utter_choice_not_understood"),
    s.CONSENT_ACTION: _choice(s.CONSENT_ACTION, "utter_choice_not_understood"),
    s.MISUSE_ANONYMOUS: _choice(s.MISUSE_ANONYMOUS, "utter_choice_not_understood"),
    s.REPORTER_NAME: _name(s.REPORTER_NAME),
    **{
        slot: _text(slot)
        for slot in (
            s.RECORD_TO_CORRECT,
            s.CORRECTION_PROBLEM,
            s.CORRECTION_REASON,
            s.OPTOUT_CATEGORIES,
            s.CONSENT_DETAILS,
            s.COMPLAINT_DETAILS,
            s.MISUSE_DETAILS,
        )
    },
}


class ValidateRequestForm(FormValidationAction):
    """Which question comes next, and whether each answer is one."""

    def name(self) -> str:
        return "validate_request_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        return slots_for(tracker.get_slot(s.REQUEST_CATEGORY), current_values(tracker))

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        candidates = set(tracker.slots_to_validate())
        if candidates & SHORT_ANSWERS and wants_something_else(tracker):
            # Not an answer: reject this turn so the rule for what the family asked runs; the question comes back.
            return [*reset_events(sorted(candidates & SHORT_ANSWERS)), ActionExecutionRejected(self.form_name())]
        events: list[dict[str, Any]] = await super().run(dispatcher, tracker, domain)
        requested = next(
            (
                e.get("value")
                for e in reversed(events)
                if e.get("event") == "slot" and e.get("name") == s.REQUESTED_SLOT
            ),
            tracker.get_slot(s.REQUESTED_SLOT),
        )
        if requested not in (s.STUDENT_DOB, s.VERIFICATION_CODE):
            # Nothing sensitive is being asked: the gateway stops holding answers back.
            expect(tracker, None)
        return events

    def __getattr__(self, name: str) -> Callable[..., Awaitable[dict[str, Any]]]:
        """``validate_<slot>`` for each slot of :data:`VALIDATORS` (rasa_sdk looks validators up by that name)."""
        validator = VALIDATORS.get(name[len("validate_") :]) if name.startswith("validate_") else None
        if validator is None:
            raise AttributeError(name)
        checked = validator

        async def validate(
            value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
        ) -> dict[str, Any]:
            return checked(value, dispatcher, tracker)

        return validate


def summary_text(tracker: Tracker, names: Mapping[str, str] | None = None) -> str:
    """The request as the family confirms it, one answer a line (``names``: the roster's, once verified)."""
    values = {**current_values(tracker), **(names or {})}
    category = str(values.get(s.REQUEST_CATEGORY) or "")
    lang = language_of(tracker)
    asked = slots_for(category, values)
    if category in VERIFIED_CATEGORIES:
        asked += [s.RELATIONSHIP, s.REQUESTER_NAME, s.STUDENT_NAME]
    lines = answers.summary_lines(category_label(category, lang), values, asked, lang)
    return "\n".join(f"- {line}" for line in lines)


class ActionAskRequestConfirmed(Action):
    """Read the request back and ask to send it (yes, change an answer, no)."""

    def name(self) -> str:
        return "action_ask_request_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_ask_request_confirmed", summary=summary_text(tracker))
        return []


class ActionAskOptoutCategories(Action):
    """Ask which directory-information categories, listing the district's."""

    def name(self) -> str:
        return "action_ask_optout_categories"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language_of(tracker)
        categories = get_context().knowledge.district.directory_information.categories.get(lang)
        dispatcher.utter_message(response="utter_ask_optout_categories", categories="; ".join(categories) + ".")
        return []


def reset_events(names: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """Clear these slots."""
    return [SlotSet(name, None) for name in names]
