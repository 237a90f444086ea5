"""Redaction of what must never be stored or given to Rasa in clear text.

Dates (a date of birth), one-time codes, student ids and other long numbers, phone numbers and email addresses
are replaced by a marker before a message is stored or forwarded. Ticket references (``RD-XXXX-XXXX``) are kept:
they identify a request, not a person.
"""

from __future__ import annotations

import re

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # A match starts only where a run of address characters starts, so a long run without "@" is read once.
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b\d{1,4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{2,4}\b"), "[date]"),
    (re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.IGNORECASE), "[date]"),
    (
        re.compile(rf"\b\d{{1,2}}\s+(?:de\s+)?(?:{_MONTHS})\.?,?\s+(?:de\s+|del\s+)?\d{{4}}\b", re.IGNORECASE),
        "[date]",
    ),
    (re.compile(r"(?<![\w-])\+?\d[\d\s().-]{8,}\d(?![\w-])"), "[phone]"),
    (re.compile(r"(?<![\w-])\d{4,}(?![\w-])"), "[number]"),
]


def redact(text: str) -> str:
    """``text`` with dates, codes, ids, phone numbers and emails replaced by markers."""
    for pattern, marker in _PATTERNS:
        text = pattern.sub(marker, text)
    return text
