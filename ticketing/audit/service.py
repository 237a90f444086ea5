"""Audit service: append an entry, verify the chain, sign checkpoints, read and export the log.

Takes ``db_session``; never commits. Contract:

- :func:`record` is the only way to write the log. It first bumps the one-row ``audit_head`` (an UPDATE, which
  takes the row lock on PostgreSQL and the write lock on SQLite), so concurrent appenders from several workers
  queue up and each links to the true previous entry; ``prev_hash`` is also unique, so a fork cannot be stored.
- Each entry's ``hash`` is ``HMAC-SHA256(chain key, prev_hash + canonical_json(entry))``; the first entry links to
  ``GENESIS``. The chain key is derived from ``RIGHTSDESK_SECRET_KEY`` (:mod:`core.keyring`) and is never in
  the database, so someone who can write the database cannot forge an entry or re-link the chain after an edit.
  The head carries an HMAC of ``(seq, last_hash)`` too, so it cannot be rewound to an earlier entry by hand.
- Entries written before links were keyed (``key_version`` 0, plain SHA-256) stay as they were: the migration that
  introduced keys sealed them with one keyed entry (``audit.chain_keyed``, naming how many there were), and a
  legacy entry anywhere else is a break.
- :func:`verify_chain` walks the log in order and names the first entry whose link or hash is wrong, a gap in the
  sequence, a missing, rewound or forged head, or a difference from a signed checkpoint (:func:`make_checkpoint`):
  a checkpoint kept outside the database (a file, syslog) shows entries cut from the end or rewritten after it
  even by someone who knows how to recompute everything the database holds.
- Nothing here updates or deletes an entry. Entries hold ticket ids and references, never message bodies or
  secrets.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.keyring import ProcessKeys, derive_key
from ticketing.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64
HEAD_ID = 1
LEGACY = 0  # plain SHA-256 links, written before links were keyed
KEYED = 1  # HMAC-SHA256 links
SEAL_ACTION = "audit.chain_keyed"


@dataclass(frozen=True)
class AuditKeys:
    """The keys of the audit log: one for links and the head, one for checkpoints kept outside the database."""

    chain: bytes
    checkpoint: bytes

    @classmethod
    def from_secret(cls, secret_key: str) -> AuditKeys:
        """Both keys, derived from the deployment's secret key."""
        return cls(
            derive_key(secret_key, b"rightsdesk audit chain"), derive_key(secret_key, b"rightsdesk audit checkpoint")
        )


_keys = ProcessKeys(AuditKeys.from_secret)
configure = _keys.configure  # use a secret key for every link this process writes or checks
keys = _keys.get


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


def chain_hash(prev_hash: str, canonical: str, key: bytes | None = None) -> str:
    """The link: HMAC-SHA256 with ``key`` over the previous hash and the entry (plain SHA-256 for legacy entries)."""
    data = (prev_hash + canonical).encode("utf-8")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def head_mac(key: bytes, seq: int, last_hash: str) -> str:
    """The head's HMAC: only the application can move the head, forward or back."""
    return hmac.new(key, f"head:{seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


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
    """Append one entry to the log, chained (keyed) to the previous one."""
    key = keys().chain
    seq, prev_hash = _bump_head(db_session)
    created_at = (now or utcnow()).astimezone(timezone.utc)
    clean_detail: dict[str, Any] = _clean(detail or {})
    actor, action = actor[:254], action[:64]
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
        actor=actor,
        action=action,
        ticket_id=ticket_id,
        ticket_reference=ticket_reference,
        detail=clean_detail,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, canonical, key),
        key_version=KEYED,
    )
    db_session.add(entry)
    db_session.flush()
    db_session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(last_hash=entry.hash, mac=head_mac(key, seq, entry.hash))
        .execution_options(synchronize_session=False)
    )
    return entry


@dataclass(frozen=True)
class Checkpoint:
    """A signed copy of the head, kept outside the database (a file, syslog)."""

    seq: int
    hash: str
    time: str
    mac: str

    def line(self) -> str:
        """One JSON line."""
        return json.dumps({"seq": self.seq, "hash": self.hash, "time": self.time, "mac": self.mac}, sort_keys=True)


class CheckpointError(ValueError):
    """A checkpoint that is unreadable or whose signature does not match this deployment's key."""


def _checkpoint_mac(seq: int, hash_: str, time: str) -> str:
    return hmac.new(keys().checkpoint, f"checkpoint:{seq}:{hash_}:{time}".encode(), hashlib.sha256).hexdigest()


def make_checkpoint(*, db_session: Session, now: datetime | None = None) -> Checkpoint:
    """Sign the current head (call after :func:`verify_chain` said the chain is intact)."""
    head = db_session.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)).first()
    seq, last_hash = (int(head.seq), str(head.last_hash)) if head else (0, GENESIS)
    stamp = _timestamp((now or utcnow()).astimezone(timezone.utc))
    return Checkpoint(seq, last_hash, stamp, _checkpoint_mac(seq, last_hash, stamp))


def read_checkpoints(lines: Iterable[str]) -> list[Checkpoint]:
    """The checkpoints of a file (one JSON line each); ``CheckpointError`` if one is malformed or forged."""
    found = []
    for number, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text:
            continue
        try:
            data = json.loads(text)
            checkpoint = Checkpoint(int(data["seq"]), str(data["hash"]), str(data["time"]), str(data["mac"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"line {number} is not a checkpoint") from exc
        expected = _checkpoint_mac(checkpoint.seq, checkpoint.hash, checkpoint.time)
        if not hmac.compare_digest(expected, checkpoint.mac):
            raise CheckpointError(f"line {number} is not signed with this deployment's key")
        found.append(checkpoint)
    return found


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


def verify_chain(*, db_session: Session, checkpoints: Sequence[Checkpoint] = (), batch_size: int = 1000) -> ChainReport:
    """Check every link and hash in order, the head, and the checkpoints; the report names the first break."""
    key = keys().chain
    pinned = {c.seq: c for c in checkpoints}
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    legacy = 0
    keyed = False
    rows = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch_size))
    for entry in rows:
        seq = entry.seq
        if seq != expected_seq:
            return ChainReport(
                checked, expected_seq, entry.id, f"entry #{expected_seq} is missing (next found is #{seq})"
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(checked, seq, entry.id, f"entry #{seq} does not link to entry #{seq - 1}")
        if entry.key_version == LEGACY:
            if keyed:
                return ChainReport(checked, seq, entry.id, f"entry #{seq} is not keyed: it was not written by the desk")
            legacy += 1
            expected = chain_hash(prev_hash, _entry_canonical(entry))
        else:
            if (
                not keyed
                and legacy
                and (entry.action != SEAL_ACTION or (entry.detail or {}).get("legacy_entries") != legacy)
            ):
                return ChainReport(
                    checked, seq, entry.id, f"entries #1 to #{legacy} were never sealed by a keyed entry"
                )
            keyed = True
            expected = chain_hash(prev_hash, _entry_canonical(entry), key)
        if not hmac.compare_digest(expected, entry.hash):
            return ChainReport(checked, seq, entry.id, f"entry #{seq} was changed after it was written")
        if seq in pinned and pinned[seq].hash != entry.hash:
            return ChainReport(
                checked, seq, entry.id, f"entry #{seq} differs from the checkpoint of {pinned[seq].time}: rewritten"
            )
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    if legacy and not keyed:
        return ChainReport(checked, 1, None, f"entries #1 to #{legacy} were never sealed by a keyed entry")
    head = db_session.execute(
        select(AuditHead.seq, AuditHead.last_hash, AuditHead.mac).where(AuditHead.id == HEAD_ID)
    ).first()
    if head is None:
        return ChainReport(checked, None, None, "the chain's head is missing")
    if head.seq > checked:
        return ChainReport(
            checked, checked + 1, None, f"entries #{checked + 1} to #{head.seq} were removed from the end"
        )
    if head.seq < checked or head.last_hash != prev_hash:
        return ChainReport(checked, head.seq, None, "the chain's head was rewound: it does not match the last entry")
    if keyed and not (head.mac and hmac.compare_digest(head.mac, head_mac(key, head.seq, head.last_hash))):
        return ChainReport(checked, head.seq, None, "the chain's head was rewritten outside the desk")
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq, reverse=True):
        if checkpoint.seq > checked:
            return ChainReport(
                checked,
                checked + 1,
                None,
                f"entries #{checked + 1} to #{checkpoint.seq} were removed after the checkpoint of {checkpoint.time}",
            )
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
