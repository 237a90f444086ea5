"""What a family is told when a limit refuses them, in their conversation's language (pure).

The gateway answers 429 with one of these as ``detail`` (and ``Retry-After``); on SMS the same words go out once
per window as a text.
"""

from __future__ import annotations

import math

MESSAGES = {
    "messages": {
        "en": "You are sending messages faster than the assistant can answer. Please wait and try again in {wait}.",
        "es": "Está enviando mensajes más rápido de lo que el asistente puede responder. Espere e intente de nuevo "
        "en {wait}.",
    },
    "conversations": {
        "en": "Too many new conversations were started from this connection. Please try again in {wait}, or "
        "continue the conversation you already have.",
        "es": "Se iniciaron demasiadas conversaciones nuevas desde esta conexión. Intente de nuevo en {wait}, o "
        "continúe la conversación que ya tiene.",
    },
    "streams": {
        "en": "This conversation is open in too many windows. Close the others and reload this page.",
        "es": "Esta conversación está abierta en demasiadas ventanas. Cierre las otras y vuelva a cargar esta página.",
    },
    "sms": {
        "en": "You are sending messages faster than we can answer. Please wait {wait}, then send your message again. "
        "Reply HELP for help.",
        "es": "Está enviando mensajes más rápido de lo que podemos responder. Espere {wait} y vuelva a enviar su "
        "mensaje. Responda AYUDA para recibir ayuda.",
    },
}
_UNITS = {"en": ("minute", "minutes"), "es": ("minuto", "minutos")}


def wait_words(seconds: float, language: str) -> str:
    """``"2 minutes"`` / ``"2 minutos"``: the wait, rounded up to whole minutes."""
    minutes = max(1, math.ceil(seconds / 60))
    one, many = _UNITS["es" if language == "es" else "en"]
    return f"{minutes} {one if minutes == 1 else many}"


def limit_message(kind: str, language: str, retry_after: float) -> str:
    """The words for a refused request of ``kind``, in ``language`` (English unless ``es``)."""
    language = "es" if language == "es" else "en"
    return MESSAGES[kind][language].format(wait=wait_words(retry_after, language))


class RateLimited(Exception):
    """A limit refused the request; the gateway answers 429 with :meth:`message`."""

    def __init__(self, kind: str, language: str, retry_after: float) -> None:
        super().__init__(kind)
        self.kind = kind
        self.language = "es" if language == "es" else "en"
        self.retry_after = max(1.0, retry_after)

    def message(self) -> str:
        """The words for the family."""
        return limit_message(self.kind, self.language, self.retry_after)
