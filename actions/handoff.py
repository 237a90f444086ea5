"""Handing a conversation to a person in the privacy office ("talk to a person").

The use case is :func:`flows.family.bring_in_a_person`, the same the gateway runs when the assistant fails to
understand twice: the conversation's open question ticket is reused, or a new one is opened.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import channel_of, get_context, language_of, office_email, run_flow
from actions.slots import OFFER_PENDING, OFFERED_REQUEST
from core.i18n import long_date
from flows.family import PersonAsked, bring_in_a_person
from flows.transaction import DeskUnavailable
from ticketing.tickets.enums import Channel

log = logging.getLogger(__name__)


class ActionHandoff(Action):
    """Bring in a person: the conversation's open question ticket, or a new one; say what happens and when."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language_of(tracker)
        try:
            person = run_flow(
                partial(
                    bring_in_a_person,
                    district=get_context().knowledge.district,
                    sender_id=tracker.sender_id,
                    channel=Channel(channel_of(tracker)),
                    language=lang,
                    why=PersonAsked.asked,
                )
            )
        except DeskUnavailable:
            dispatcher.utter_message(response="utter_request_failed", office_email=office_email())
            return []
        log.info("%s ticket %s for a person", "reused" if person.reused else "opened", person.reference)
        dispatcher.utter_message(
            response="utter_handoff_already" if person.reused else "utter_handoff_opened",
            reference=person.reference,
            due_date=long_date(person.due_on, lang),
        )
        return [SlotSet(OFFERED_REQUEST, None), SlotSet(OFFER_PENDING, False)]
