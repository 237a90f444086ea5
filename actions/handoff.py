"""Handing a conversation to a person in the privacy office."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.context import channel_of, get_context, language_of, office_email
from actions.formatting import long_date
from actions.slots import OFFER_PENDING, OFFERED_REQUEST
from core.db import unit_of_work
from ticketing.tickets.enums import Channel
from ticketing.tickets.service import ask_for_a_person

log = logging.getLogger(__name__)
ASKED_SUMMARY = "The family asked to talk to a person."


class ActionHandoff(Action):
    """Bring in a person: the conversation's open question ticket, or a new one; say what happens and when."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        context = get_context()
        lang = language_of(tracker)
        try:
            with unit_of_work(context.session_factory) as db_session:
                ticket, reused = ask_for_a_person(
                    db_session=db_session,
                    district=context.knowledge.district,
                    channel=Channel(channel_of(tracker)),
                    language=lang,
                    requester_ref=tracker.sender_id,
                    summary=ASKED_SUMMARY,
                )
                reference, due_on = ticket.reference, ticket.due_on
        except SQLAlchemyError:
            log.exception("could not open a question ticket")
            dispatcher.utter_message(response="utter_request_failed", office_email=office_email())
            return []
        log.info("%s ticket %s for a person", "reused" if reused else "opened", reference)
        dispatcher.utter_message(
            response="utter_handoff_already" if reused else "utter_handoff_opened",
            reference=reference,
            due_date=long_date(due_on, lang),
        )
        return [SlotSet(OFFERED_REQUEST, None), SlotSet(OFFER_PENDING, False)]
