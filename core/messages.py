"""The message catalogue: every text the desk writes to families outside the Rasa domain, in both languages.

The texts live in ``messages/en.yml`` and ``messages/es.yml`` (the assistant's own responses stay in
``bot/domain``). Both files hold the same keys with the same ``{placeholders}``; ``tests/unit/test_messages.py``
fails otherwise, and on a key the code asks for that a file lacks. Each file is read once per process.

- :func:`message` is one text, filled in: ``message("handoff.officer_left", "es", reference="RD-…")``.
- :func:`message_list` is a list of texts (the web chat's starter questions).
- :func:`messages_in` is a whole section, unfilled, for a page template that shows many of its texts.

Keys are dotted paths into the files. The language is normalised (:func:`core.i18n.as_language`): anything but
``"es"`` is English.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from core.i18n import Language, as_language

MESSAGES_DIR = Path(__file__).resolve().parent.parent / "messages"


@functools.cache
def catalogue(language: Language) -> Mapping[str, Any]:
    """The whole catalogue of ``language`` (read once)."""
    data = yaml.safe_load((MESSAGES_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"messages/{language}.yml is not a mapping")
    return data


def lookup(key: str, language: object) -> Any:
    """The raw entry at the dotted ``key`` (a text, a list of texts or a section); KeyError if there is none."""
    entry: Any = catalogue(as_language(language))
    for part in key.split("."):
        if not isinstance(entry, dict) or part not in entry:
            raise KeyError(f"no message {key!r} in messages/{as_language(language)}.yml")
        entry = entry[part]
    return entry


def message(key: str, language: object, **values: object) -> str:
    """The text at ``key`` in ``language``, its ``{placeholders}`` filled from ``values``."""
    text = lookup(key, language)
    if not isinstance(text, str):
        raise KeyError(f"message {key!r} is not a text")
    return text.format(**values)


def message_list(key: str, language: object) -> list[str]:
    """The list of texts at ``key`` in ``language``."""
    texts = lookup(key, language)
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise KeyError(f"message {key!r} is not a list of texts")
    return list(texts)


def messages_in(key: str, language: object) -> dict[str, Any]:
    """The section at ``key`` in ``language``, its texts unfilled (a template shows them)."""
    section = lookup(key, language)
    if not isinstance(section, dict):
        raise KeyError(f"message {key!r} is not a section")
    return dict(section)
