"""Test-only: run a custom action the way the action server does, and read what it said and set."""

from __future__ import annotations

import asyncio
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from core.settings import REPO_ROOT


def bot_domain() -> dict[str, Any]:
    """The responses of bot/domain, as Rasa sends the domain to the action server."""
    responses: dict[str, Any] = {}
    for path in sorted((REPO_ROOT / "bot" / "domain").glob("*.yml")):
        responses.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    return {"responses": responses}


def run_action(
    action: Any, tracker: Tracker, domain: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``action`` run on ``tracker``: the messages it sent and the events it returned."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots ``events`` set, by name."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
