"""SMS keywords (pure): STOP and START as carriers and Twilio know them, HELP, and their Spanish counterparts.

A keyword is the whole message (case, accents, spaces and punctuation around it do not matter): "Stop." is an
opt-out, "please don't stop" is not. The keyword's language is the language of the confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.sms.render import normalize_word

STOP = "stop"
START = "start"
HELP = "help"

_KEYWORDS: dict[str, tuple[str, str]] = {
    **{w: (STOP, "en") for w in ("stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "optout")},
    **{w: (STOP, "en") for w in ("opt out", "revoke")},
    **{w: (STOP, "es") for w in ("parar", "para", "detener", "cancelar", "baja", "darse de baja", "alto")},
    **{w: (START, "en") for w in ("start", "unstop", "subscribe")},
    **{w: (START, "es") for w in ("comenzar", "iniciar", "empezar", "reanudar")},
    **{w: (HELP, "en") for w in ("help", "info")},
    **{w: (HELP, "es") for w in ("ayuda", "informacion")},
}


@dataclass(frozen=True)
class Keyword:
    """A keyword message: what it asks for and in which language."""

    action: str
    language: str
    word: str


def classify(text: str) -> Keyword | None:
    """The keyword ``text`` is, or None for an ordinary message."""
    word = normalize_word(text or "")
    found = _KEYWORDS.get(word)
    if found is None:
        return None
    return Keyword(action=found[0], language=found[1], word=word.upper())
