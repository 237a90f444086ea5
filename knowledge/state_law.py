"""State law a district file must keep: deadlines, legal school holidays, directory-information categories.

The rules are data (``knowledge/state_law.yml``, each with its citation); :func:`check_district` compares a
district file with its state's rules and FERPA's and says what breaks them:

- a deadline longer than the state's or FERPA's maximum is an error naming the law. Same units compare by
  number. Across units (a district counting calendar days against a law counting business days, or the reverse)
  it is an error when the district's due date can fall later for some weekday of receipt, holidays aside;
  school days count like business days, which is never later.
- a listed holiday on a Saturday or Sunday is an error: business days already skip weekends, so the entry skips
  nothing, and it almost always means the observed weekday (July 4 on a Sunday is closed on Monday the 5th) was
  meant and is now counted as a working day. A date listed twice is an error too.
- a holiday that is not one of the state's legal school holidays (or the weekday it is observed on) is a
  warning, not an error: a board may close on other days, but skipping a day the law counts moves due dates
  later than the law's, so counsel should confirm each one.
- a directory-information category outside a closed state list, or one the law forbids (a Social Security
  number; in Illinois a student ID or a security-camera image), is an error; English and Spanish lists of
  different lengths are an error (a category lost in translation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.district import Deadline, District

STATE_LAW_FILE = Path(__file__).resolve().parent / "state_law.yml"
Unit = Literal["calendar", "business", "school"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class LegalDeadline(BaseModel):
    """The longest time a law allows, or ``days: None`` when it sets no number (the note says what applies)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    days: int | None = Field(default=None, gt=0)
    unit: Unit | None = None
    citation: str
    url: str
    note: str = ""

    @model_validator(mode="after")
    def _unit_with_days(self) -> LegalDeadline:
        if (self.days is None) != (self.unit is None):
            raise ValueError("a deadline has both days and unit, or neither (with a note)")
        return self

    def describe(self) -> str:
        """``10 business days (105 ILCS 10/5(c))``."""
        return f"{self.days} {self.unit} days ({self.citation})"


class HolidayRule(BaseModel):
    """One legal holiday, by its rule.

    A fixed date, the nth weekday of a month, a day relative to Easter, or a weekday in the week of a date
    (California lets a district pick the Monday or Friday of the week of February 12).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    fixed: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    month: int | None = Field(default=None, ge=1, le=12)
    weekday: str | None = None
    nth: int | None = None
    easter: int | None = None
    week_of: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    weekdays: list[str] = Field(default_factory=list)

    def days_in(self, year: int) -> set[date]:
        """The dates this holiday can be observed on in ``year``.

        A fixed date that falls on a weekend may be observed on the Friday before or the Monday after.
        """
        if self.fixed:
            day = date(year, int(self.fixed[:2]), int(self.fixed[3:]))
            if day.weekday() == 5:
                return {day, day - timedelta(days=1)}
            if day.weekday() == 6:
                return {day, day + timedelta(days=1)}
            return {day}
        if self.easter is not None:
            return {easter_sunday(year) + timedelta(days=self.easter)}
        if self.week_of:
            anchor = date(year, int(self.week_of[:2]), int(self.week_of[3:]))
            monday = anchor - timedelta(days=anchor.weekday())
            return {monday + timedelta(days=WEEKDAYS.index(w)) for w in self.weekdays}
        if self.month and self.weekday and self.nth:
            return {nth_weekday(year, self.month, WEEKDAYS.index(self.weekday), self.nth)}
        raise ValueError(f"holiday {self.name!r} has no rule")


class Holidays(BaseModel):
    """A state's legal school holidays."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    citation: str
    url: str
    note: str = ""
    days: list[HolidayRule]

    def on(self, day: date) -> HolidayRule | None:
        """The holiday observed on ``day``, if any."""
        return next((rule for rule in self.days if day in rule.days_in(day.year)), None)


class DirectoryItem(BaseModel):
    """A category the law allows or forbids, with the words that recognise it in a district's English list."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    item: str
    match: list[str]

    def matches(self, category: str) -> bool:
        """Whether ``category`` (a district's wording) is this item."""
        return any(re.search(pattern, category, re.IGNORECASE) for pattern in self.match)


class DirectoryRules(BaseModel):
    """Which directory-information categories a district may designate."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    citation: str
    url: str
    closed: bool
    allowed: list[DirectoryItem] = Field(default_factory=list)
    forbidden: list[DirectoryItem] = Field(default_factory=list)


class Rules(BaseModel):
    """The rules of one jurisdiction (a state, or FERPA)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = "FERPA"
    access: LegalDeadline
    correction: LegalDeadline
    breach_notice: LegalDeadline
    holidays: Holidays | None = None
    directory_information: DirectoryRules | None = None


class StateLaw(BaseModel):
    """The whole file: FERPA's rules and each covered state's."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    federal: Rules
    states: dict[str, Rules]


@lru_cache(maxsize=4)
def load_state_law(path: Path = STATE_LAW_FILE) -> StateLaw:
    """Parse ``state_law.yml`` (raises ``pydantic.ValidationError`` or ``yaml.YAMLError``)."""
    return StateLaw.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def easter_sunday(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    return date(year, month, (h + m - 7 * n + 114) % 31 + 1)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` ``weekday`` (0 = Monday) of the month; ``nth = -1`` is the last one."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7 + 7 * (-nth - 1))


def _span(days: int, counts_weekdays_only: bool, start_weekday: int) -> int:
    """Calendar days from receipt to the due date, for a request received on ``start_weekday``, no holidays."""
    if not counts_weekdays_only:
        return days
    elapsed, counted, weekday = 0, 0, start_weekday
    while counted < days:
        elapsed += 1
        weekday = (weekday + 1) % 7
        if weekday < 5:
            counted += 1
    return elapsed


def longer_than(deadline: Deadline, law: LegalDeadline) -> bool:
    """Whether ``deadline`` (a district's) can end later than ``law`` allows."""
    if law.days is None or law.unit is None:
        return False
    law_weekdays_only = law.unit != "calendar"
    if deadline.business_days == law_weekdays_only:
        return deadline.days > law.days
    latest = max(_span(deadline.days, deadline.business_days, start) for start in range(7))
    earliest = min(_span(law.days, law_weekdays_only, start) for start in range(7))
    return latest > earliest


def _unit(deadline: Deadline) -> str:
    return f"{deadline.days} {'business' if deadline.business_days else 'calendar'} days"


@dataclass
class DistrictCheck:
    """What :func:`check_district` found."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _deadlines_to_check(district: District) -> list[tuple[str, Deadline | None, str, bool]]:
    """(label, the district's deadline, the rule it must keep, whether the state's rule applies too)."""
    records = (
        "deadlines.records" if "records" in district.deadlines else "deadlines.federal_records (no deadlines.records)"
    )
    return [
        (records, district.deadlines.get("records") or district.deadlines.get("federal_records"), "access", True),
        ("deadlines.federal_records", district.deadlines.get("federal_records"), "access", False),
        ("deadlines.correction", district.deadlines.get("correction"), "correction", True),
        ("deadlines.breach_notice", district.deadlines.get("breach_notice"), "breach_notice", True),
    ]


def check_district(district: District, where: str, law: StateLaw | None = None) -> DistrictCheck:
    """Compare ``district`` (read from ``where``) with its state's law and FERPA's."""
    law = law or load_state_law()
    found = DistrictCheck()
    state = law.states.get(district.state)
    if state is None:
        found.warnings.append(
            f"{where}: no rules for state {district.state!r} in knowledge/state_law.yml; only FERPA was checked"
        )
    for label, deadline, kind, state_applies in _deadlines_to_check(district):
        rules = [r for r in (state if state_applies else None, law.federal) if r is not None]
        for rule in rules:
            legal: LegalDeadline = getattr(rule, kind)
            if deadline is None:
                if kind == "breach_notice" and legal.days is not None:
                    found.warnings.append(f"{where}: no {label}; {rule.name} requires notice within {legal.describe()}")
                continue
            if longer_than(deadline, legal):
                found.errors.append(
                    f"{where}: {label} is {_unit(deadline)}, longer than {rule.name} allows: {legal.describe()}"
                )
                break
    _check_holidays(district, where, state, found)
    _check_directory(district, where, state, law.federal, found)
    return found


def _check_holidays(district: District, where: str, state: Rules | None, found: DistrictCheck) -> None:
    seen: set[date] = set()
    for day in district.holidays:
        if day in seen:
            found.errors.append(f"{where}: holiday {day} is listed twice")
        seen.add(day)
        if day.weekday() >= 5:
            found.errors.append(
                f"{where}: holiday {day} is a {WEEKDAY_NAMES[day.weekday()]}; business days already skip weekends, "
                "so list the weekday the office is closed instead"
            )
        elif state is not None and state.holidays is not None and state.holidays.on(day) is None:
            found.warnings.append(
                f"{where}: holiday {day} is not a legal school holiday in {state.name} ({state.holidays.citation}); "
                "skipping it makes business-day due dates later than the law's. Keep it only if the office is "
                "closed that day by board decision."
            )


def _check_directory(district: District, where: str, state: Rules | None, federal: Rules, found: DistrictCheck) -> None:
    categories = district.directory_information.categories
    if len(categories.en) != len(categories.es):
        found.errors.append(
            f"{where}: directory_information.categories has {len(categories.en)} English and {len(categories.es)} "
            "Spanish entries; each category needs both"
        )
    rules = [(r.name, r.directory_information) for r in (federal, state) if r is not None and r.directory_information]
    for category in categories.en:
        for _, rule in rules:
            for item in rule.forbidden:
                if item.matches(category):
                    found.errors.append(
                        f"{where}: directory category {category!r} is {item.item}, which may never be directory "
                        f"information ({rule.citation})"
                    )
        for owner, rule in rules:
            if rule.closed and not any(item.matches(category) for item in rule.allowed):
                allowed = "; ".join(item.item for item in rule.allowed)
                found.errors.append(
                    f"{where}: directory category {category!r} is not on the list {owner} allows "
                    f"({rule.citation}): {allowed}"
                )
