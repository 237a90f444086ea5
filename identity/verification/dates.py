"""Dates as families write them, in English and Spanish (pure).

Accepted: ``4/17/2010``, ``04-17-10``, ``2010-04-17``, ``April 17 2010``, ``Apr. 17th, 2010``, ``17 April 2010``,
``17/04/2010``, ``17 de abril de 2010``, ``abril 17 del 2010``, ``1ro de mayo de 2011``, also inside a sentence
("he was born on April 17, 2010"). A numeric date whose day and month could be swapped (``4/5/2010``) is read
month first in English and day first in Spanish by :func:`parse_date`; :func:`date_readings` gives both readings,
so the assistant can ask which one the family meant. When one number is over 12 it is read the only way it can be.
Two-digit years are read as the most recent such year not in the future. Anything else — two dates, no year, a
date that does not exist or is in the future — is not a date.
"""

from __future__ import annotations

import re
from datetime import date

from identity.names import fold

MONTHS = {
    **dict.fromkeys(["january", "jan", "enero", "ene"], 1),
    **dict.fromkeys(["february", "feb", "febrero"], 2),
    **dict.fromkeys(["march", "mar", "marzo"], 3),
    **dict.fromkeys(["april", "apr", "abril", "abr"], 4),
    **dict.fromkeys(["may", "mayo"], 5),
    **dict.fromkeys(["june", "jun", "junio"], 6),
    **dict.fromkeys(["july", "jul", "julio"], 7),
    **dict.fromkeys(["august", "aug", "agosto", "ago"], 8),
    **dict.fromkeys(["september", "sep", "sept", "septiembre", "setiembre", "set"], 9),
    **dict.fromkeys(["october", "oct", "octubre"], 10),
    **dict.fromkeys(["november", "nov", "noviembre"], 11),
    **dict.fromkeys(["december", "dec", "diciembre", "dic"], 12),
}
OLDEST_YEARS = 120
_NUMERIC = re.compile(r"(?<!\d)(\d{1,4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{2,4})(?!\d)")
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th|ro|ero|er|o|a|º|°)\b")
_WORD = re.compile(r"[a-z]+|\d+")


def _year(value: str, today: date) -> int:
    year = int(value)
    if len(value) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _valid(year: int, month: int, day: int, today: date) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if found > today or found.year < today.year - OLDEST_YEARS:
        return None
    return found


def _numeric(text: str, language: str, today: date) -> list[date | None]:
    found: list[date | None] = []
    for match in _NUMERIC.finditer(text):
        first, _, second, third = match.groups()
        if len(first) == 4:
            found.append(_valid(int(first), int(second), int(third), today))
            continue
        if len(first) == 3 or len(third) == 3:
            found.append(None)
            continue
        a, b, year = int(first), int(second), _year(third, today)
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            month, day = a, b
        elif language == "es":
            day, month = a, b
        else:
            month, day = a, b
        found.append(_valid(year, month, day, today))
    return found


def _spelled(text: str, today: date) -> date | None:
    words = _WORD.findall(_ORDINAL.sub("", text.replace("primero", "1")))
    # A month word counts only next to a number ("may I ask" is not May; "April 17" is April).
    months = [
        MONTHS[w]
        for i, w in enumerate(words)
        if w in MONTHS and any(n.isdigit() for n in words[max(0, i - 2) : i] + words[i + 1 : i + 3])
    ]
    numbers = [w for w in words if w.isdigit()]
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(months) != 1 or len(years) != 1 or len(days) != 1 or len(numbers) != 2:
        return None
    return _valid(int(years[0]), months[0], int(days[0]), today)


def date_readings(text: str, language: str, today: date) -> list[date]:
    """The ways the date in ``text`` could be read: two when they differ, else the one of :func:`parse_date`.

    A numeric date whose day and month could be swapped, each a real date ("12/11/2016": December 11 or
    12 November), has two: month first (the US way) then day first.
    """
    folded = fold(text or "")[:200]
    matches = list(_NUMERIC.finditer(folded))
    if len(matches) == 1:
        first, _, second, third = matches[0].groups()
        if len(first) <= 2 and len(third) != 3 and int(first) <= 12 and int(second) <= 12 and first != second:
            year = _year(third, today)
            month_first = _valid(year, int(first), int(second), today)
            day_first = _valid(year, int(second), int(first), today)
            if month_first and day_first and month_first != day_first:
                return [month_first, day_first]
    found = parse_date(text, language, today)
    return [found] if found else []


def parse_date(text: str, language: str, today: date) -> date | None:
    """The one date written in ``text`` (see the module docstring), or None."""
    folded = fold(text or "")[:200]
    numeric = _numeric(folded, language, today)
    if numeric:
        return numeric[0] if len(numeric) == 1 else None
    return _spelled(folded, today)
