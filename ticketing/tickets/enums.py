"""Ticket categories, statuses and channels (snake_case values are stored in the database)."""

from __future__ import annotations

import enum


class TicketCategory(str, enum.Enum):
    """The right a family is exercising, or why a person is needed."""

    records = "records"
    correction = "correction"
    directory_optout = "directory_optout"
    consent = "consent"
    complaint = "complaint"
    misuse = "misuse"
    question = "question"


class TicketStatus(str, enum.Enum):
    """Where a ticket is in its life."""

    new = "new"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    waiting_on_family = "waiting_on_family"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"


class TicketPriority(str, enum.Enum):
    """How soon an officer must look."""

    normal = "normal"
    urgent = "urgent"


class Channel(str, enum.Enum):
    """How the family reached us (and how replies reach them)."""

    web = "web"
    sms = "sms"
    email = "email"


class EventKind(str, enum.Enum):
    """Kinds of timeline entries the help desk itself writes (channels may add their own snake_case kinds)."""

    opened = "opened"
    status = "status"
    family_message = "family_message"
    officer_reply = "officer_reply"
    note = "note"
    attachment = "attachment"
    records_link = "records_link"
    assigned = "assigned"
    verified = "verified"
    reminder = "reminder"
    escalated = "escalated"
    follow_link = "follow_link"
    purged = "purged"


# What a family sees of its own request on the follow page: never internal notes, attachments or assignments.
FAMILY_VISIBLE_KINDS = frozenset(
    {
        EventKind.opened.value,
        EventKind.status.value,
        EventKind.family_message.value,
        EventKind.officer_reply.value,
        EventKind.records_link.value,
    }
)
