"""The help desk's own configuration: reminder points, bilingual reply templates and bilingual rejection reasons.

The family reads a rejection's reason word for word, so an officer who does not write the family's language
starts from one of the reasons (Spanish review E64).

One YAML file (``RIGHTSDESK_HELPDESK_FILE``, default ``ticketing/helpdesk.yml``), validated on load and reloaded
when it changes. Templates and reasons may use ``{reference}``, ``{category}``, ``{due_date}``, ``{officer_name}``,
``{district_name}``, ``{office_email}``, ``{office_contact}`` and ``{link_days}``; any other placeholder is refused
when the file is loaded.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

PLACEHOLDERS = frozenset(
    {
        "reference",
        "category",
        "due_date",
        "officer_name",
        "district_name",
        "office_email",
        "office_contact",
        "link_days",
    }
)


class Reminders(BaseModel):
    """When the assignee is reminded of a due date, and whether overdue tickets escalate."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    days_before_due: list[int] = Field(default_factory=lambda: [5, 2, 1])
    escalate_when_overdue: bool = True

    @field_validator("days_before_due")
    @classmethod
    def _positive_and_sorted(cls, value: list[int]) -> list[int]:
        if any(v < 0 or v > 365 for v in value):
            raise ValueError("reminder points are days before the due date, from 0 to 365")
        return sorted(set(value), reverse=True)


class ReplyTemplate(BaseModel):
    """A reply to start from, in both languages."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    title: str = Field(min_length=1, max_length=80)
    en: str = Field(min_length=1)
    es: str = Field(min_length=1)

    @field_validator("en", "es")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        unknown = names - PLACEHOLDERS
        if unknown or "" in names:
            raise ValueError(f"unknown placeholder(s): {', '.join(sorted(unknown)) or '{}'}")
        return value

    def render(self, lang: str, **values: str) -> str:
        """The template in ``lang`` with its placeholders filled."""
        text = self.es if lang == "es" else self.en
        return text.format(**{name: values.get(name, "") for name in PLACEHOLDERS})


class HelpdeskConfig(BaseModel):
    """The whole file."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    reminders: Reminders = Field(default_factory=Reminders)
    reply_templates: list[ReplyTemplate] = Field(default_factory=list)
    reason_templates: list[ReplyTemplate] = Field(default_factory=list)

    def template(self, template_id: str) -> ReplyTemplate | None:
        """The template with this id."""
        return next((t for t in self.reply_templates if t.id == template_id), None)

    def reason_template(self, template_id: str) -> ReplyTemplate | None:
        """The rejection reason with this id."""
        return next((t for t in self.reason_templates if t.id == template_id), None)


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> HelpdeskConfig:
    with path.open(encoding="utf-8") as fh:
        return HelpdeskConfig.model_validate(yaml.safe_load(fh) or {})


def load_helpdesk(path: Path) -> HelpdeskConfig:
    """The configuration in ``path`` (parsed again only when the file changed)."""
    return _load(path, path.stat().st_mtime_ns)
