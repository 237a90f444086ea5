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

STATUS_LABELS: dict[str, dict[TicketStatus, str]] = {
    "en": {
        TicketStatus.new: "received",
        TicketStatus.acknowledged: "seen by the privacy office",
        TicketStatus.in_progress: "being worked on",
        TicketStatus.waiting_on_family: "waiting for your answer",
        TicketStatus.resolved: "resolved",
        TicketStatus.closed: "closed",
        TicketStatus.rejected: "declined",
    },
    "es": {
        TicketStatus.new: "recibida",
        TicketStatus.acknowledged: "vista por la oficina de privacidad",
        TicketStatus.in_progress: "en proceso",
        TicketStatus.waiting_on_family: "esperando su respuesta",
        TicketStatus.resolved: "resuelta",
        TicketStatus.closed: "cerrada",
        TicketStatus.rejected: "rechazada",
    },
}

CATEGORY_LABELS: dict[str, dict[TicketCategory, str]] = {
    "en": {
        TicketCategory.records: "see records",
        TicketCategory.correction: "correct a record",
        TicketCategory.directory_optout: "directory-information opt-out",
        TicketCategory.consent: "consent",
        TicketCategory.complaint: "complaint",
        TicketCategory.misuse: "misuse or breach report",
        TicketCategory.question: "talk to a person",
    },
    "es": {
        TicketCategory.records: "ver el expediente",
        TicketCategory.correction: "corregir el expediente",
        TicketCategory.directory_optout: "no compartir la información de directorio",
        TicketCategory.consent: "consentimiento",
        TicketCategory.complaint: "queja",
        TicketCategory.misuse: "reporte de mal uso o filtración",
        TicketCategory.question: "hablar con una persona",
    },
}
