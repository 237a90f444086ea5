"""The district configuration a real deployment replaces: contacts, schools, deadlines, vendors, retention, rules.

The rules are the district's own for school devices, immigration enforcement and safety technology.

Loaded from one YAML file (``RIGHTSDESK_DISTRICT_FILE``; the demo district ships in ``knowledge/district/``).
Bilingual values are ``{en: ..., es: ...}`` mappings; :func:`Localized.get` picks one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field

DISTRICT_DIR = Path(__file__).resolve().parent / "district"

STATE_NAMES = {
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "IL": "Illinois",
    "NY": "New York",
    "TX": "Texas",
    "FL": "Florida",
    "WA": "Washington",
}


class Localized(BaseModel):
    """A text in English and Spanish."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    en: str
    es: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (English for anything else)."""
        return self.es if lang == "es" else self.en


class LocalizedList(BaseModel):
    """A list of texts in English and Spanish."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    en: list[str]
    es: list[str]

    def get(self, lang: str) -> list[str]:
        """The list in ``lang``."""
        return self.es if lang == "es" else self.en


class Contact(BaseModel):
    """A designated contact for a school and request category."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    email: str
    phone: str | None = None

    @property
    def phone_shown(self) -> str:
        """The phone as families read it: ``(555) 010-0100`` for a US number (review E82), else as written."""
        phone = (self.phone or "").strip()
        digits = "".join(ch for ch in phone if ch.isdigit())
        if phone.startswith("+") and not (phone.startswith("+1") and len(digits) == 11):
            return phone  # not a US number: as written
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10:
            return phone
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


class PrivacyOfficer(Contact):
    """The district privacy officer: the fallback for every category and the owner of urgent reports."""

    title: Localized
    languages: list[str] = Field(default_factory=lambda: ["en"])


class Contacts(BaseModel):
    """Designated contacts."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    district_privacy_officer: PrivacyOfficer
    schools: dict[str, dict[str, Contact]] = Field(default_factory=dict)


class School(BaseModel):
    """A school of the district."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    name: str
    grades: str


class Deadline(BaseModel):
    """A response deadline and the law it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    days: int = Field(gt=0)
    business_days: bool
    citation: str


class Governance(BaseModel):
    """Who decides about student data (principle 10a)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    body: Localized
    rules_url: str
    meets: Localized


class DirectoryInformation(BaseModel):
    """Directory-information categories and the opt-out window (34 CFR 99.37)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    categories: LocalizedList
    opt_out_window: Localized


class Vendor(BaseModel):
    """A provider on the published vendor list (principle 6)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    provider: str
    # What the transparency page shows, in both languages (review E73: English on the Spanish page).
    product: Localized
    data_elements: LocalizedList
    purpose: Localized
    agreement_url: str
    retention: Localized
    uses_ai: bool


class RetentionItem(BaseModel):
    """One row of the retention schedule (principle 7)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    record: Localized
    keep: Localized


class _PolicyText(BaseModel):
    """A district policy told in a few bilingual sentences, in the order a family would ask about them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def sentences(self, lang: str) -> list[str]:
        """Each part of the policy in ``lang``, in field order."""
        parts = (getattr(self, name) for name in type(self).model_fields)
        return [part.get(lang) for part in parts if isinstance(part, Localized)]

    def text(self, lang: str) -> str:
        """The whole policy as one paragraph in ``lang``."""
        return " ".join(self.sentences(lang))


class DevicePolicy(_PolicyText):
    """School-issued devices and accounts: what is filtered and monitored, kept, seen, and when."""

    devices: Localized
    filtered_and_monitored: Localized
    kept: Localized
    who_sees: Localized
    outside_school_hours: Localized
    choices: Localized


class ImmigrationPolicy(_PolicyText):
    """How staff handle immigration status and requests from immigration agents."""

    status: Localized
    agent_requests: Localized
    records: Localized
    family_notice: Localized


class SafetyTechnology(_PolicyText):
    """Cameras, the threat-assessment team and social-media monitoring."""

    cameras: Localized
    video_kept: Localized
    video_access: Localized
    threat_assessment: Localized
    social_media: Localized


class RetentionPeriods(BaseModel):
    """How long this desk keeps what families send it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    conversation_days: int = Field(gt=0)
    closed_ticket_days: int = Field(gt=0)


class District(BaseModel):
    """The whole district configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    short_name: str
    # How messages are signed in each language when the short name misleads (review E81: "USD" reads as US
    # dollars in Spanish, so a code SMS from "Maple Valley USD" looks like a money scam). Defaults to short_name.
    short_names: Localized | None = None
    state: str = Field(min_length=2, max_length=2)
    timezone: str
    website: str
    languages: list[str]
    governance: Governance
    contacts: Contacts
    schools: list[School]
    deadlines: dict[str, Deadline]
    holidays: list[date] = Field(default_factory=list)
    directory_information: DirectoryInformation
    breach_policy: Localized
    security_practices: LocalizedList
    device_policy: DevicePolicy
    immigration_policy: ImmigrationPolicy
    safety_technology: SafetyTechnology
    vendors: list[Vendor]
    retention_schedule: list[RetentionItem]
    retention: RetentionPeriods

    def short_name_for(self, lang: str) -> str:
        """The short name that signs messages in ``lang``."""
        return self.short_names.get(lang) if self.short_names else self.short_name

    @property
    def state_name(self) -> str:
        """The configured state's name."""
        return STATE_NAMES.get(self.state, self.state)

    def records_deadline(self) -> Deadline:
        """The deadline this deployment applies to a records request: the state's if configured, else FERPA's."""
        return self.deadlines.get("records") or self.deadlines["federal_records"]

    def add_days(self, start: datetime, deadline: Deadline) -> date:
        """The due date ``deadline`` gives a request received at ``start`` (skipping weekends and holidays)."""
        day = start.astimezone(ZoneInfo(self.timezone)).date()
        if not deadline.business_days:
            return day + timedelta(days=deadline.days)
        holidays = set(self.holidays)
        remaining = deadline.days
        while remaining:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in holidays:
                remaining -= 1
        return day

    def school(self, school_id: str) -> School | None:
        """The school with this id."""
        return next((s for s in self.schools if s.id == school_id), None)


def load_district(path: Path) -> District:
    """Parse and validate a district file (raises ``pydantic.ValidationError`` or ``yaml.YAMLError``)."""
    with path.open(encoding="utf-8") as fh:
        return District.model_validate(yaml.safe_load(fh))


@lru_cache(maxsize=4)
def cached_district(path: Path) -> District:
    """The district file, parsed once per process."""
    return load_district(path)
