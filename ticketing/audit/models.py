"""Audit tables: the append-only log and the one-row head that serialises appends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.database import Base, UtcDateTime, utcnow


class AuditEntry(Base):
    """One thing someone did with a ticket's personal data.

    ``hash`` is SHA-256 over ``prev_hash`` followed by the canonical JSON of the entry, so changing, removing or
    reordering any entry breaks every hash after it. The application never updates or deletes a row; on PostgreSQL
    a trigger refuses UPDATE, DELETE and TRUNCATE as well.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    # No foreign key: the log outlives anything it mentions, and a cascade must never touch it.
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    ticket_reference: Mapped[str | None] = mapped_column(String(20), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The end of the chain (one row): appenders update it first, which serialises them on every backend."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
