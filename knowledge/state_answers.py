"""Sentences chosen by the configured state, for the ``{state_<key>}`` placeholders of articles.

Where a state gives families more than FERPA (a right to copies, notice before a transfer, orders of protection,
a right to sue), an article says so through one of these placeholders instead of a sentence per state in the
article itself. The sentences are data (``knowledge/state_answers.yml``): a ``default`` for every state, and an
entry per state where its law differs, each in English and Spanish with the sources that back it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

STATE_ANSWERS_FILE = Path(__file__).resolve().parent / "state_answers.yml"
PREFIX = "state_"


class StateSource(BaseModel):
    """A source of a state sentence (the same shape as an article's)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    citation: str = Field(min_length=3)
    url: str = Field(pattern=r"^https?://")


class StateSentence(BaseModel):
    """One sentence in both languages, with its sources."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    en: str = Field(min_length=10)
    es: str = Field(min_length=10)
    sources: list[StateSource] = Field(default_factory=list)

    def get(self, lang: str) -> str:
        """The sentence in ``lang``."""
        return self.es if lang == "es" else self.en


class StateAnswers(RootModel[dict[str, dict[str, StateSentence]]]):
    """Every key (one placeholder each): ``default`` and per-state sentences."""

    @field_validator("root")
    @classmethod
    def _defaults(cls, value: dict[str, dict[str, StateSentence]]) -> dict[str, dict[str, StateSentence]]:
        for key, by_state in value.items():
            if "default" not in by_state:
                raise ValueError(f"{key}: every key needs a 'default' sentence")
            for state in by_state:
                if state != "default" and (len(state) != 2 or not state.isupper()):
                    raise ValueError(f"{key}: {state!r} is not a postal code")
        return value

    def placeholders(self) -> frozenset[str]:
        """The placeholder names: ``state_`` and each key."""
        return frozenset(PREFIX + key for key in self.root)

    def sentence(self, placeholder: str, state: str) -> StateSentence:
        """The sentence ``placeholder`` stands for in ``state`` (the default where the state has none)."""
        by_state = self.root[placeholder.removeprefix(PREFIX)]
        return by_state.get(state) or by_state["default"]


@lru_cache(maxsize=4)
def load_state_answers(path: Path = STATE_ANSWERS_FILE) -> StateAnswers:
    """Parse ``state_answers.yml`` (raises ``pydantic.ValidationError`` or ``yaml.YAMLError``)."""
    return StateAnswers.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
