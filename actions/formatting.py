"""Dates and lists the way a family reads them, in English or Spanish."""

from __future__ import annotations

from datetime import date

_EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_ES_DAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
_ES_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def long_date(day: date, lang: str) -> str:
    """``Friday, December 11, 2026`` or ``viernes 11 de diciembre de 2026``."""
    if lang == "es":
        return f"{_ES_DAYS[day.weekday()]} {day.day} de {_ES_MONTHS[day.month - 1]} de {day.year}"
    return f"{_EN_DAYS[day.weekday()]}, {_EN_MONTHS[day.month - 1]} {day.day}, {day.year}"


def month_name(day: date, lang: str) -> str:
    """``December`` or ``diciembre``."""
    return (_ES_MONTHS if lang == "es" else _EN_MONTHS)[day.month - 1]
