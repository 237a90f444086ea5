"""Audit tables: the append-only log and the one-row head that serialises appends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UtcDateTime, utcnow


class AuditEntry(Base):
    """One thing someone did with a ticket's personal data.

    ``hash`` is an HMAC (a key derived from the secret key, never stored here) over ``prev_hash`` followed by the
    canonical JSON of the entry, so changing, removing or reordering any entry breaks every hash after it, and
    nobody without the key can recompute them. ``key_version`` 0 marks entries written before links were keyed
    (plain SHA-256; sealed by one keyed entry). The application never updates or deletes a row: triggers refuse
    UPDATE and DELETE (and TRUNCATE on PostgreSQL), and on PostgreSQL the application's role may only INSERT and
    SELECT here.
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
    key_version: Mapped[int] = mapped_column(Integer, default=1, server_default="0")


class AuditHead(Base):
    """The end of the chain (one row): appenders update it first, which serialises them on every backend.

    ``mac`` is an HMAC of ``(seq, last_hash)`` with the chain key, so the head cannot be moved back by hand.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)
