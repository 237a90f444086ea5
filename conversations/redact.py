"""Redaction of what must never be stored or given to Rasa in clear text.

Dates (a date of birth, in every form :func:`identity.verification.dates.parse_date` accepts, and a birthday
without its year), one-time codes (also spaced or hyphenated), student ids and other long numbers, phone numbers
and email addresses are replaced by a marker before a message is stored or forwarded. Every pattern runs in
linear time. Ticket references (``RD-XXXX-XXXX``) are kept:
they identify a request, not a person.
"""

from __future__ import annotations

import re
import unicodedata

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    "ene|abr|ago|set|dic"
)
# A day as families write it: "17", "17th", "1ro", "1º", "primero".
_DAY = r"(?:\d{1,2}(?:st|nd|rd|th|ro|ero|er|o|a|º|°)?|primero)"
# A year: "2010", or "'10".
_YEAR = r"(?:\d{4}|'\d{2})"
_JOIN = r"(?:\s*,)?\s+(?:(?:de|del|of|the)\s+){0,2}"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # A match starts only where a run of address characters starts, so a long run without "@" is read once.
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Numeric dates: 4/17/2010, 17.04.10, 2010-04-17 (also glued to a word, as the date parser reads them).
    (re.compile(r"(?<!\d)\d{1,4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}(?!\d)"), "[date]"),
    (re.compile(rf"\b\d{{4}}\s*,?\s+(?:{_MONTHS})\.?\s+{_DAY}\b", re.IGNORECASE), "[date]"),
    # Spelled dates, the year optional (a birthday is personal too): April 17th, 2010; abril 17 de 2010;
    # Apr 17 '10; the 17th of April 2010; 17 de abril del 2010; 1ro de septiembre; 2010 April 17.
    (
        re.compile(rf"\b(?:{_MONTHS})\.?{_JOIN}{_DAY}\b(?:{_JOIN}{_YEAR}\b)?", re.IGNORECASE),
        "[date]",
    ),
    (
        re.compile(rf"(?:\bthe\s+)?\b{_DAY}{_JOIN}(?:{_MONTHS})\b\.?(?:{_JOIN}{_YEAR}\b)?", re.IGNORECASE),
        "[date]",
    ),
    (re.compile(r"(?<![\w-])\+?\d[\d\s().-]{8,}\d(?![\w-])"), "[phone]"),
    # One-time codes, also spaced or hyphenated: 482 913, 482-913.
    (re.compile(r"(?<![\w-])\d{3}[ \t-]\d{3}(?![\w-])"), "[code]"),
    (re.compile(r"(?<![\w-])\d{4,}(?![\w-])"), "[number]"),
]


def redact(text: str) -> str:
    """``text`` with dates, codes, ids, phone numbers and emails replaced by markers.

    The text is first NFKC-normalised (full-width or superscript digits become ASCII digits), as the date parser
    reads it, so no form the parser would take as a date of birth survives.
    """
    text = unicodedata.normalize("NFKC", text)
    for pattern, marker in _PATTERNS:
        text = pattern.sub(marker, text)
    return text
