"""A Rasa NLU component that routes each message: answer first, a request, or a person (see ``routing.py``).

It runs last in the NLU pipeline, after the intent classifier and the fallback classifier, and may replace the
intent (a question worded with a request's words becomes ``ask_rights``; a request for a person becomes
``human_handoff``) and add a ``routing`` property to the parse data (``{"offer": kind, "request_cue": kind}``),
which the answer reads from the tracker's latest message. It is not an entity: nothing in the text names it. The
words it goes by are in ``routing_cues.yml``. Runs inside Rasa's own environment (.venv-rasa); it imports nothing
from the application.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.routing import ROUTING, load_cues, route


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MessageRouter(GraphComponent):
    """Replaces the intent when the wording says the family asks, requests, or wants a person."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageRouter":
        """Create the component (its cues are read once)."""
        load_cues()
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Route each message."""
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get("name")
            text = message.get(TEXT) or ""
            if not name or not text:
                continue
            routed = route(text, name, message.get(INTENT_RANKING_KEY))
            if routed.intent != name:
                confidence = max(float(intent.get("confidence") or 0.0), 0.9)
                message.set(INTENT, {"name": routed.intent, "confidence": confidence}, add_to_output=True)
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != routed.intent]
                message.set(
                    INTENT_RANKING_KEY,
                    [{"name": routed.intent, "confidence": confidence}, *ranking],
                    add_to_output=True,
                )
            if routed.routing:
                message.set(ROUTING, dict(routed.routing), add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to learn."""
        return training_data
