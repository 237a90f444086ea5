"""A scripted stand-in for Rasa's HTTP API (REST channel, tracker events, status) behind an httpx transport.

Integration tests run the gateway without the Rasa server; this function answers the way Rasa's REST channel
does, from a few rules, and records what it was sent (so tests can check order, pseudonyms and pauses). The
fallback reply is the bot's real ``utter_default`` text, read from ``bot/domain/``. The e2e tests run real Rasa.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import yaml

from channels.fallback import BOT_DOMAIN_DIR


def bot_response_text(name: str, language: str = "en") -> str:
    for path in sorted(BOT_DOMAIN_DIR.glob("*.yml")):
        responses = (yaml.safe_load(path.read_text()) or {}).get("responses") or {}
        for variation in responses.get(name, []):
            conditional = any(c.get("value") == "es" for c in variation.get("condition") or [])
            if conditional == (language == "es"):
                return str(variation["text"])
    raise KeyError(name)


@dataclass
class ScriptedRasa:
    """Answers like Rasa: ``zzz`` is not understood, ``confirm`` asks yes/no, ``slow`` takes a second."""

    received: list[dict[str, Any]] = field(default_factory=list)
    tracker_events: list[tuple[str, str]] = field(default_factory=list)
    paused: set[str] = field(default_factory=set)
    down: bool = False

    async def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if path == "/health":  # the action server's
            return httpx.Response(200, json={"status": "ok"})
        if path == "/status":
            return httpx.Response(200, json={"model_id": "scripted"})
        if path.endswith("/tracker/events"):
            sender = path.split("/")[2]
            event = json.loads(request.content)["event"]
            self.tracker_events.append((sender, event))
            (self.paused.add if event == "pause" else self.paused.discard)(sender)
            return httpx.Response(200, json={"sender_id": sender, "events": None})
        if path != "/webhooks/rest/webhook":
            return httpx.Response(404, json={"message": "not found"})
        body = json.loads(request.content)
        self.received.append(body)
        sender, text = body["sender"], body["message"]
        language = (body.get("metadata") or {}).get("language", "en")
        if sender in self.paused:
            return httpx.Response(200, json=[])
        if text.startswith("slow"):
            await asyncio.sleep(1.0)
        if text.startswith("zzz"):
            reply: list[dict[str, Any]] = [
                {
                    "recipient_id": sender,
                    "text": bot_response_text("utter_default", language),
                    "buttons": [{"title": "Talk to a person", "payload": "/human_handoff"}],
                }
            ]
        elif text.startswith("confirm"):
            reply = [
                {
                    "recipient_id": sender,
                    "text": "Shall I open the request?" if language == "en" else "¿Abro la solicitud?",
                    "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
                }
            ]
        elif text == "/affirm":
            reply = [{"recipient_id": sender, "text": "Done: you said yes."}]
        elif text.startswith("rights"):
            reply = [
                {
                    "recipient_id": sender,
                    "text": "You can see your child's records within 45 days.\n\nSource: 34 CFR 99.10",
                    "buttons": [
                        {"title": "More detail", "payload": "/ask_more_detail"},
                        {"title": "Talk to a person", "payload": "/human_handoff"},
                    ],
                },
                {
                    "recipient_id": sender,
                    "custom": {
                        "article": {
                            "id": "ferpa-inspect-review",
                            "topic": "ferpa_inspect_review",
                            "title": "Seeing your child's records",
                            "sources": [{"citation": "34 CFR 99.10", "url": "https://www.ecfr.gov/x"}],
                            "url": "https://rightsdesk.example.org/rights/en/ferpa-inspect-review",
                        }
                    },
                },
            ]
        else:
            reply = [{"recipient_id": sender, "text": f"Answer to: {text}"}]
        return httpx.Response(200, json=reply)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def texts(self) -> list[str]:
        return [r["message"] for r in self.received]
