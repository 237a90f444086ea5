"""A Rasa NLU component that turns the gateway's language decision into a `language` entity.

The gateway detects each conversation's language and sends it as message metadata (`{"language": "es"}`). This
component, part of the NLU pipeline, reads it and adds an entity the `language` slot is filled from, so every
response variation comes out in the family's language without an extra call to Rasa or the action server.
Runs inside Rasa's own environment (.venv-rasa); it imports nothing from the application.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

LANGUAGES = ("en", "es")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class MetadataLanguageExtractor(GraphComponent, EntityExtractorMixin):
    """Adds a `language` entity from the message metadata set by the gateway."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MetadataLanguageExtractor":
        """Create the component (it has no state)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the entity to each message whose metadata names a supported language."""
        for message in messages:
            metadata = message.get("metadata") or {}
            language = metadata.get("language") if isinstance(metadata, dict) else None
            if language not in LANGUAGES:
                continue
            entity = {"entity": "language", "value": language, "start": 0, "end": 0, "extractor": self.name}
            message.set(ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to learn."""
        return training_data
