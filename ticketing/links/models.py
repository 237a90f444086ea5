"""Link tables. Only the SHA-256 of a link's token is stored; the token itself exists only in the message sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UtcDateTime, utcnow
from ticketing.tickets.models import Ticket, TicketAttachment


class RecordsLink(Base):
    """A records file delivered to the family: usable until ``expires_at`` unless revoked; every open is audited."""

    __tablename__ = "records_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("ticket_attachments.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    last_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    ticket: Mapped[Ticket] = relationship()
    attachment: Mapped[TicketAttachment] = relationship()


class FollowLink(Base):
    """A link to the family's request page: valid for a few days if unused, then briefly after its first open."""

    __tablename__ = "follow_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    ticket: Mapped[Ticket] = relationship()
