"""Actions that open and follow requests (tickets) to the privacy office."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.context import channel_of, get_context, language_of
from actions.formatting import long_date
from actions.slots import REQUEST_CATEGORY, REQUEST_CONFIRMED
from ticketing.database import unit_of_work
from ticketing.tickets.enums import CATEGORY_LABELS, STATUS_LABELS, Channel, TicketCategory
from ticketing.tickets.service import open_ticket, tickets_for_requester

log = logging.getLogger(__name__)

CATEGORY_OF_INTENT = {
    "request_records": TicketCategory.records,
    "request_correction": TicketCategory.correction,
    "request_directory_optout": TicketCategory.directory_optout,
    "request_consent": TicketCategory.consent,
    "report_complaint": TicketCategory.complaint,
    "report_misuse": TicketCategory.misuse,
}


def open_request(
    dispatcher: CollectingDispatcher, tracker: Tracker, category: TicketCategory, response: str
) -> str | None:
    """Open a ticket for this conversation and tell the family its reference and due date."""
    context = get_context()
    lang = language_of(tracker)
    try:
        with unit_of_work(context.session_factory) as db_session:
            ticket = open_ticket(
                db_session=db_session,
                district=context.knowledge.district,
                category=category,
                channel=Channel(channel_of(tracker)),
                language=lang,
                requester_ref=tracker.sender_id,
            )
            reference, due_on = ticket.reference, ticket.due_on
    except SQLAlchemyError:
        log.exception("could not open a %s ticket", category.value)
        dispatcher.utter_message(response="utter_request_failed")
        return None
    log.info("opened ticket %s (%s)", reference, category.value)
    dispatcher.utter_message(response=response, reference=reference, due_date=long_date(due_on, lang))
    return reference


class ActionStartRequest(Action):
    """Explain the right being exercised and remember which request this is."""

    def name(self) -> str:
        return "action_start_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        category = CATEGORY_OF_INTENT.get(intent, TicketCategory.records)
        dispatcher.utter_message(response=f"utter_request_intro_{category.value}")
        return [SlotSet(REQUEST_CATEGORY, category.value), SlotSet(REQUEST_CONFIRMED, None)]


class ActionOpenRequest(Action):
    """Open the ticket the family confirmed (or say nothing was opened)."""

    def name(self) -> str:
        return "action_open_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = [SlotSet(REQUEST_CONFIRMED, None), SlotSet(REQUEST_CATEGORY, None)]
        category_value = tracker.get_slot(REQUEST_CATEGORY)
        if tracker.get_slot(REQUEST_CONFIRMED) is not True or not category_value:
            dispatcher.utter_message(response="utter_request_cancelled")
            return reset
        open_request(dispatcher, tracker, TicketCategory(category_value), "utter_request_opened")
        return reset


class ActionCheckStatus(Action):
    """The status of the requests opened in this conversation."""

    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        context = get_context()
        lang = language_of(tracker)
        with unit_of_work(context.session_factory) as db_session:
            tickets = [
                (t.reference, t.category, t.status, t.due_on)
                for t in tickets_for_requester(db_session=db_session, requester_ref=tracker.sender_id)
            ]
        if not tickets:
            dispatcher.utter_message(response="utter_status_none")
            return []
        for reference, category, status, due_on in tickets[:5]:
            dispatcher.utter_message(
                response="utter_status_item",
                reference=reference,
                category=CATEGORY_LABELS[lang][category],
                status=STATUS_LABELS[lang][status],
                due_date=long_date(due_on, lang),
            )
        return []
