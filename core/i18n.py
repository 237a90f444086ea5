"""The bilingual toolkit: the one language type, and dates, times and words the same way in English and Spanish.

- :data:`Language` is ``"en"`` or ``"es"``; :func:`as_language` turns any stored or requested value into one
  (Spanish only for ``"es"``, English otherwise), so no module spells the normalisation itself.
- :func:`long_date` is how a family reads a date, everywhere (the assistant, handoff, officer messages, the follow
  page): ``Friday, December 4, 2026`` / ``viernes 4 de diciembre de 2026`` (no comma after the weekday: the
  glossary's form). :func:`day_in_words` is the same without the weekday; :func:`local_time` is a time on the
  12-hour clock in both languages (``3:45 PM`` / ``3:45 p. m.``).
- :data:`MONTHS` and :data:`WEEKDAYS` are the names; :data:`MONTH_WORDS` maps every month word families write,
  with abbreviations, to its number (read by the date parser and the redaction of dates).
- :func:`fold` is text in lower case without accents ("Niño" -> "nino"), curly apostrophes made straight, the one
  comparison form of every matcher (language detection, retrieval, names, SMS replies).

Pure: no settings, no I/O.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")

MONTHS: dict[Language, tuple[str, ...]] = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
}  # fmt: skip
WEEKDAYS: dict[Language, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
# Short and regional forms families write, beside the full names ("Apr. 17", "17 de set.", "dic").
_MONTH_ABBREVIATIONS: dict[str, int] = {
    **dict.fromkeys(["jan", "ene"], 1),
    **dict.fromkeys(["feb"], 2),
    **dict.fromkeys(["mar"], 3),
    **dict.fromkeys(["apr", "abr"], 4),
    **dict.fromkeys(["jun"], 6),
    **dict.fromkeys(["jul"], 7),
    **dict.fromkeys(["aug", "ago"], 8),
    **dict.fromkeys(["sep", "sept", "setiembre", "set"], 9),
    **dict.fromkeys(["oct"], 10),
    **dict.fromkeys(["nov"], 11),
    **dict.fromkeys(["dec", "dic"], 12),
}
#: Every month word in lower case without accents (full names of both languages and abbreviations) -> 1..12.
MONTH_WORDS: dict[str, int] = {
    **{name.lower(): number for names in MONTHS.values() for number, name in enumerate(names, 1)},
    **_MONTH_ABBREVIATIONS,
}


def as_language(value: object) -> Language:
    """``"es"`` for ``"es"``, ``"en"`` for anything else (a stored column, a slot, a query parameter, None)."""
    return "es" if value == "es" else "en"


def other_language(language: object) -> Language:
    """The other of the two languages (the target of a page's language toggle)."""
    return "en" if as_language(language) == "es" else "es"


def long_date(day: date, language: object) -> str:
    """``Friday, December 4, 2026`` or ``viernes 4 de diciembre de 2026``."""
    lang = as_language(language)
    weekday, month = WEEKDAYS[lang][day.weekday()], MONTHS[lang][day.month - 1]
    if lang == "es":
        return f"{weekday} {day.day} de {month} de {day.year}"
    return f"{weekday}, {month} {day.day}, {day.year}"


def day_in_words(day: date, language: object) -> str:
    """``November 28, 2026`` or ``28 de noviembre de 2026`` (an ISO date is unfamiliar to families)."""
    lang = as_language(language)
    month = MONTHS[lang][day.month - 1]
    return f"{day.day} de {month} de {day.year}" if lang == "es" else f"{month} {day.day}, {day.year}"


def month_name(day: date, language: object) -> str:
    """``December`` or ``diciembre``."""
    return MONTHS[as_language(language)][day.month - 1]


def local_time(moment: datetime | None, language: object, timezone: str) -> str:
    """``3:45 PM`` or ``3:45 p. m.`` in ``timezone``; empty for no moment.

    Spanish uses the 12-hour clock too (review E23): families here read it, and "las 15:45" was misread.
    """
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(timezone))
    hour = local.hour % 12 or 12
    if as_language(language) == "es":
        return f"{hour}:{local.minute:02d} {'a. m.' if local.hour < 12 else 'p. m.'}"
    return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def fold(text: str) -> str:
    """``text`` in lower case, without accents (ñ becomes n), with curly apostrophes made straight."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
