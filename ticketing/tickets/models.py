"""Ticket tables: the ticket, its timeline and its attachments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, enum_column, utcnow
from ticketing.tickets.enums import Channel, TicketCategory, TicketPriority, TicketStatus


class Ticket(Base):
    """A request a family opened, routed to a designated contact, with its legal due date.

    After the retention period a closed ticket is *purged*: everything personal is destroyed and the row keeps only
    what reports need (category, status, school, dates).
    """

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    category: Mapped[TicketCategory] = mapped_column(enum_column(TicketCategory, length=32))
    status: Mapped[TicketStatus] = mapped_column(
        enum_column(TicketStatus, length=32), default=TicketStatus.new, index=True
    )
    priority: Mapped[TicketPriority] = mapped_column(
        enum_column(TicketPriority, length=32), default=TicketPriority.normal
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, length=32))
    language: Mapped[str] = mapped_column(String(2))
    # The pseudonymous conversation id the request came from (never a phone number or a name).
    requester_ref: Mapped[str] = mapped_column(String(64), index=True)
    # The roster people (requester and student) once identity verification links them; no FK: the roster is
    # another module's table.
    requester_person_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    student_person_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    verification_method: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Through which channel the identity was confirmed: the code's way to the contact on file ("sms", "email"), or
    # the office's ("phone", "in_person", "form"). Records of a ticket the office verified go to the contact on file.
    verification_channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    school_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    assignee_email: Mapped[str] = mapped_column(String(254), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Set when the district answered (resolved or rejected); cleared by a reopen.
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Set when the ticket became terminal (closed or rejected); retention counts from here.
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    due_on: Mapped[date] = mapped_column(Date)
    due_citation: Mapped[str] = mapped_column(String(200))

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="ticket", order_by="TicketAttachment.id", cascade="all, delete-orphan"
    )


class TicketEvent(Base):
    """One entry of a ticket's timeline: a status change, a message, a note, an attachment."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text, default="")
    # Structured details (a status change's from/to, an attachment's id) so pages can render them in any language.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketAttachment(Base):
    """A file on a ticket, stored under the data directory by a random name.

    It is served only to officers in scope and, for records, to the family through a secure link.
    """

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
