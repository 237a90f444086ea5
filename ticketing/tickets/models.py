"""Ticket tables: the ticket and its timeline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.database import Base, UtcDateTime, utcnow
from ticketing.tickets.enums import Channel, TicketCategory, TicketPriority, TicketStatus


def _enum(cls: type) -> Enum:
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Ticket(Base):
    """A request a family opened, routed to a designated contact, with its legal due date."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    category: Mapped[TicketCategory] = mapped_column(_enum(TicketCategory))
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), default=TicketStatus.new, index=True)
    priority: Mapped[TicketPriority] = mapped_column(_enum(TicketPriority), default=TicketPriority.normal)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    language: Mapped[str] = mapped_column(String(2))
    # The pseudonymous conversation id the request came from (never a phone number or a name).
    requester_ref: Mapped[str] = mapped_column(String(64), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    school_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assignee_email: Mapped[str] = mapped_column(String(254))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    due_on: Mapped[date] = mapped_column(Date)
    due_citation: Mapped[str] = mapped_column(String(200))

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )


class TicketEvent(Base):
    """One entry of a ticket's timeline: a status change, a message, a note."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
