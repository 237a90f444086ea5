"""Handing a conversation to a person in the privacy office."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.request_flows import open_request
from ticketing.tickets.enums import TicketCategory


class ActionHandoff(Action):
    """Open a ticket for a person to answer here, and say what happens next and when."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        open_request(dispatcher, tracker, TicketCategory.question, "utter_handoff_opened")
        return []
