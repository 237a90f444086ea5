"""Whether the assistant understood a turn: its replies are not the fallback responses.

Rasa says it did not understand with two responses of the bot's domain: ``utter_default`` (NLU and dialogue
fallback) and ``utter_kb_none`` (the knowledge base has no reliable answer). The gateway reads their texts, in
every language variation, from the same ``bot/domain/`` files Rasa's model is trained from (read only), and a
turn whose reply is one of them was not understood. This costs no extra call to Rasa per turn, works with
several Rasa processes, and follows the texts when the bot's authors change them (the model is retrained from
the same files).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from channels.rasa_client import BotMessage

BOT_DOMAIN_DIR = Path(__file__).resolve().parent.parent / "bot" / "domain"
FALLBACK_RESPONSES = ("utter_default", "utter_kb_none")


def _normalize(text: str) -> str:
    return " ".join(text.split())


def fallback_texts(domain_dir: Path = BOT_DOMAIN_DIR, names: Iterable[str] = FALLBACK_RESPONSES) -> frozenset[str]:
    """Every text variation of the responses ``names`` in the domain files under ``domain_dir``."""
    wanted = set(names)
    texts: set[str] = set()
    for path in sorted(domain_dir.glob("*.yml")):
        domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (domain.get("responses") or {}).items():
            if name in wanted:
                texts.update(_normalize(str(v["text"])) for v in variations or [] if v.get("text"))
    return frozenset(texts)


@dataclass(frozen=True)
class FallbackDetector:
    """Tells a turn the assistant did not understand."""

    texts: frozenset[str]

    @classmethod
    def from_bot_domain(cls, domain_dir: Path = BOT_DOMAIN_DIR) -> FallbackDetector:
        """The detector for the bot's own fallback responses."""
        return cls(fallback_texts(domain_dir))

    def not_understood(self, messages: list[BotMessage]) -> bool:
        """True when a reply of the turn is a fallback response."""
        return any(_normalize(m.text) in self.texts for m in messages)
