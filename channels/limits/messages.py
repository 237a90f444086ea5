"""What a family is told when a limit refuses them, in their conversation's language (``limits.*`` in the catalogue).

The gateway answers 429 with one of these as ``detail`` (and ``Retry-After``); on SMS the same words go out once
per window as a text.
"""

from __future__ import annotations

import math

from core.i18n import Language, as_language
from core.messages import message

KINDS = ("messages", "conversations", "streams", "sms")


def wait_words(seconds: float, language: str) -> str:
    """``"2 minutes"`` / ``"2 minutos"``: the wait, rounded up to whole minutes."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} {message('limits.minute' if minutes == 1 else 'limits.minutes', language)}"


def limit_message(kind: str, language: str, retry_after: float) -> str:
    """The words for a refused request of ``kind``, in ``language`` (English unless ``es``)."""
    if kind not in KINDS:
        raise KeyError(kind)
    return message(f"limits.{kind}", language, wait=wait_words(retry_after, language))


class RateLimited(Exception):
    """A limit refused the request; the gateway answers 429 with :meth:`message`."""

    def __init__(self, kind: str, language: str, retry_after: float) -> None:
        super().__init__(kind)
        self.kind = kind
        self.language: Language = as_language(language)
        self.retry_after = max(1.0, retry_after)

    def message(self) -> str:
        """The words for the family."""
        return limit_message(self.kind, self.language, self.retry_after)
