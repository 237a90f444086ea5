"""Every text the help desk sends a family, in English and Spanish (the two are kept equal)."""

from __future__ import annotations

from datetime import date

from ticketing.tickets.enums import CATEGORY_LABELS, STATUS_LABELS, TicketCategory, TicketStatus

MONTHS = {
    "en": [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ],
    "es": [
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ],
}  # fmt: skip
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "reply": "Privacy office, request {reference}:\n{text}",
        "status": "Update on your request {reference} ({category}): it is now {status}.",
        "reason": "Reason: {reason}",
        "follow": "See the history of your request here: {url}\nYou can open the link in the next {days} days. "
        "Once opened, it works for {minutes} minutes.",
        "records": "The records for your request {reference} are ready: {url}\nThe link works until {until}. Please "
        "do not forward it.",
        "follow_only": "Here is the history of your request {reference}: {url}\nYou can open the link in the next "
        "{days} days. Once opened, it works for {minutes} minutes.",
        "records_on_file": "The records for your request {reference} are ready. We sent the secure link to the "
        "contact we have on file for you, not to this conversation.",
        "records_subject": "Your records — request {reference}",
    },
    "es": {
        "reply": "Oficina de privacidad, solicitud {reference}:\n{text}",
        "status": "Hay novedades sobre su solicitud {reference} ({category}). Estado actual: {status}.",
        "reason": "Motivo: {reason}",
        "follow": "Vea el historial de su solicitud aquí: {url}\nPuede abrir el enlace durante los próximos "
        "{days} días. Después de abrirlo, funciona solo {minutes} minutos.",
        "records": "Los documentos que pidió en su solicitud {reference} están listos: {url}\nEl enlace funciona "
        "hasta el {until}. Por favor, no se lo reenvíe a nadie.",
        "follow_only": "Este es el historial de su solicitud {reference}: {url}\nPuede abrir el enlace durante los "
        "próximos {days} días. Después de abrirlo, funciona solo {minutes} minutos.",
        "records_on_file": "Los documentos que pidió en su solicitud {reference} están listos. Enviamos el enlace "
        "seguro al teléfono o correo electrónico que la escuela tiene de usted, no a esta conversación.",
        "records_subject": "Sus documentos — solicitud {reference}",
    },
}


def lang_of(value: str) -> str:
    """``es`` or ``en``."""
    return "es" if value == "es" else "en"


def long_date(day: date, lang: str) -> str:
    """``Friday, December 4, 2026`` / ``viernes 4 de diciembre de 2026`` (no comma in Spanish)."""
    lang = lang_of(lang)
    weekday = WEEKDAYS[lang][day.weekday()]
    month = MONTHS[lang][day.month - 1]
    if lang == "es":
        return f"{weekday} {day.day} de {month} de {day.year}"
    return f"{weekday}, {month} {day.day}, {day.year}"


def category_label(category: TicketCategory, lang: str) -> str:
    """The request type in the family's words."""
    return CATEGORY_LABELS[lang_of(lang)][category]


def status_label(status: TicketStatus, lang: str) -> str:
    """The status in the family's words."""
    return STATUS_LABELS[lang_of(lang)][status]


def text(key: str, lang: str, **values: object) -> str:
    """One message in ``lang``."""
    return TEXT[lang_of(lang)][key].format(**values)
