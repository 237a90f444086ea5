"""The notices the deadline run has sent: one row per ticket and reminder point, so none is ever sent twice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, utcnow
from ticketing.tickets.models import Ticket


class SlaNotice(Base):
    """A reminder (``days_before`` the due date) or an escalation (``days_before`` = -1) about one ticket."""

    __tablename__ = "sla_notices"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "days_before", name="uq_sla_notices_ticket_point"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "reminder" | "escalation"
    days_before: Mapped[int] = mapped_column(Integer)
    recipient_email: Mapped[str] = mapped_column(String(254), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

    ticket: Mapped[Ticket] = relationship()
