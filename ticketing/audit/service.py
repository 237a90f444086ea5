"""Audit service: append an entry, verify the chain, read and export the log. Takes ``db_session``; never commits.

Contract:

- :func:`record` is the only way to write the log. It first bumps the one-row ``audit_head`` (an UPDATE, which
  takes the row lock on PostgreSQL and the write lock on SQLite), so concurrent appenders from several workers
  queue up and each links to the true previous entry; ``prev_hash`` is also unique, so a fork cannot be stored.
- Each entry's ``hash`` is ``sha256(prev_hash + canonical_json(entry))``; the first entry links to ``GENESIS``.
- :func:`verify_chain` walks the log in order and names the first entry whose link or hash is wrong, a gap in the
  sequence, or a head that does not match the last entry (entries cut from the end).
- Nothing here updates or deletes an entry. Entries hold ticket ids and references, never message bodies.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticketing.audit.models import AuditEntry, AuditHead
from ticketing.database import utcnow

GENESIS = "0" * 64
HEAD_ID = 1


def _clean(value: Any) -> Any:
    """JSON-safe, round-trip-stable values (no floats, no objects)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return str(value)


def _timestamp(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(
    *,
    seq: int,
    created_at: datetime,
    actor: str,
    action: str,
    ticket_id: int | None,
    ticket_reference: str | None,
    detail: dict[str, Any],
) -> str:
    """The entry as canonical JSON (sorted keys, no spaces, UTF-8 text): what the hash covers."""
    return json.dumps(
        {
            "seq": seq,
            "created_at": _timestamp(created_at),
            "actor": actor,
            "action": action,
            "ticket_id": ticket_id,
            "ticket_reference": ticket_reference,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    """SHA-256 over the previous hash followed by the entry's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _entry_canonical(entry: AuditEntry) -> str:
    return canonical_json(
        seq=entry.seq,
        created_at=entry.created_at,
        actor=entry.actor,
        action=entry.action,
        ticket_id=entry.ticket_id,
        ticket_reference=entry.ticket_reference,
        detail=entry.detail or {},
    )


def _bump_head(db_session: Session) -> tuple[int, str]:
    """Take the chain's lock by bumping the head; returns (this entry's seq, the previous hash)."""
    bump = update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq + 1)
    result = cast(CursorResult[Any], db_session.execute(bump.execution_options(synchronize_session=False)))
    if result.rowcount == 0:
        try:
            with db_session.begin_nested():
                db_session.execute(insert(AuditHead).values(id=HEAD_ID, seq=1, last_hash=GENESIS))
        except IntegrityError:  # another worker created it first
            db_session.execute(bump.execution_options(synchronize_session=False))
    seq, last_hash = db_session.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)).one()
    return int(seq), str(last_hash)


def record(
    *,
    db_session: Session,
    actor: str,
    action: str,
    ticket_id: int | None = None,
    ticket_reference: str | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the log, chained to the previous one."""
    seq, prev_hash = _bump_head(db_session)
    created_at = (now or utcnow()).astimezone(timezone.utc)
    clean_detail: dict[str, Any] = _clean(detail or {})
    canonical = canonical_json(
        seq=seq,
        created_at=created_at,
        actor=actor,
        action=action,
        ticket_id=ticket_id,
        ticket_reference=ticket_reference,
        detail=clean_detail,
    )
    entry = AuditEntry(
        seq=seq,
        created_at=created_at,
        actor=actor[:254],
        action=action[:64],
        ticket_id=ticket_id,
        ticket_reference=ticket_reference,
        detail=clean_detail,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, canonical),
    )
    db_session.add(entry)
    db_session.flush()
    db_session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(last_hash=entry.hash)
        .execution_options(synchronize_session=False)
    )
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain."""

    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        """Whether every entry links and hashes correctly."""
        return not self.problem


def verify_chain(*, db_session: Session, batch_size: int = 1000) -> ChainReport:
    """Check every link and hash in order; the report names the first broken entry."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch_size))
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(
                checked, expected_seq, entry.id, f"entry #{expected_seq} is missing (next found is #{entry.seq})"
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                checked, entry.seq, entry.id, f"entry #{entry.seq} does not link to entry #{entry.seq - 1}"
            )
        if chain_hash(prev_hash, _entry_canonical(entry)) != entry.hash:
            return ChainReport(checked, entry.seq, entry.id, f"entry #{entry.seq} was changed after it was written")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    head = db_session.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)).first()
    if head is not None and (head.seq != checked or head.last_hash != prev_hash):
        if head.seq > checked:
            return ChainReport(
                checked, checked + 1, None, f"entries #{checked + 1} to #{head.seq} were removed from the end"
            )
        return ChainReport(checked, head.seq, None, "the chain's head does not match its last entry")
    return ChainReport(checked)


def entries(
    *,
    db_session: Session,
    ticket_reference: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[Sequence[AuditEntry], int]:
    """Entries newest first (filtered by ticket reference or actor) and the total that match."""
    stmt = select(AuditEntry)
    count = select(func.count()).select_from(AuditEntry)
    if ticket_reference:
        stmt = stmt.where(AuditEntry.ticket_reference == ticket_reference)
        count = count.where(AuditEntry.ticket_reference == ticket_reference)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
        count = count.where(AuditEntry.actor == actor)
    rows = db_session.scalars(stmt.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)).all()
    return rows, int(db_session.scalar(count) or 0)


CSV_COLUMNS = ["seq", "created_at", "actor", "action", "ticket_reference", "detail", "prev_hash", "hash"]


def export_csv(*, db_session: Session, ticket_reference: str | None = None) -> Iterator[str]:
    """The log (oldest first) as CSV lines, with the hashes so a copy can be verified elsewhere."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    if ticket_reference:
        stmt = stmt.where(AuditEntry.ticket_reference == ticket_reference)
    yield buffer.getvalue()
    for entry in db_session.scalars(stmt.execution_options(yield_per=1000)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [
                entry.seq,
                _timestamp(entry.created_at),
                entry.actor,
                entry.action,
                entry.ticket_reference or "",
                json.dumps(entry.detail or {}, sort_keys=True, ensure_ascii=False),
                entry.prev_hash,
                entry.hash,
            ]
        )
        yield buffer.getvalue()
