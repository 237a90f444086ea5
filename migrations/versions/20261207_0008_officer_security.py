"""Officers, records and retention (issue 12): password origin, sign-in steps, keyed audit chain, append-only on
SQLite, the channel identity was confirmed through.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

The audit log's links become HMACs with a key derived from the secret key. Entries already written keep their
plain SHA-256 links (``key_version`` 0): rewriting them would need UPDATEs on an append-only table and would
launder any change made before. Instead this migration seals them with one keyed entry (``audit.chain_keyed``,
naming how many legacy entries there are and the last one's hash), written here, once; the verifier accepts legacy
entries only as the prefix that seal names. The seal needs the secret key: ``rightsdesk migrate`` and ``rightsdesk
run`` pass it (``config.attributes["secret_key"]``); a database with audit entries refuses to upgrade without it.

SQLite gets triggers that refuse UPDATE and DELETE on ``audit_log`` (PostgreSQL has had them since 0002). A later
migration that rebuilds ``audit_log`` on SQLite (batch mode) must create them again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "audit_log_no_update": "BEFORE UPDATE ON audit_log",
    "audit_log_no_delete": "BEFORE DELETE ON audit_log",
}


def _key_for_seal() -> str | None:
    """The secret key when there are legacy entries to seal (checked before any change: SQLite DDL is not undone)."""
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_log")).scalar() or 0
    if not count:
        return None
    secret_key = context.config.attributes.get("secret_key")
    if not secret_key:
        raise RuntimeError(
            "the audit log has entries to seal with the secret key: upgrade with `rightsdesk migrate` "
            "(it knows RIGHTSDESK_SECRET_KEY)"
        )
    return str(secret_key)


def _seal_legacy_entries(secret_key: str) -> None:
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() or 0
    from ticketing.audit.service import GENESIS, SEAL_ACTION, AuditKeys, canonical_json, chain_hash, head_mac
    from core.db import utcnow

    key = AuditKeys.from_secret(secret_key).chain
    row = bind.execute(sa.text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).one()
    last_seq, last_hash = int(row.seq), str(row.hash or GENESIS)
    seq = last_seq + 1
    now = utcnow()
    detail = {"legacy_entries": int(count), "legacy_head": last_hash}
    canonical = canonical_json(
        seq=seq,
        created_at=now,
        actor="system (migration)",
        action=SEAL_ACTION,
        ticket_id=None,
        ticket_reference=None,
        detail=detail,
    )
    digest = chain_hash(last_hash, canonical, key)
    audit_log = sa.table(
        "audit_log",
        sa.column("seq", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("ticket_id", sa.Integer),
        sa.column("ticket_reference", sa.String),
        sa.column("detail", sa.JSON),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
        sa.column("key_version", sa.Integer),
    )
    bind.execute(
        audit_log.insert().values(
            seq=seq,
            created_at=now,
            actor="system (migration)",
            action=SEAL_ACTION,
            ticket_id=None,
            ticket_reference=None,
            detail=detail,
            prev_hash=last_hash,
            hash=digest,
            key_version=1,
        )
    )
    bind.execute(
        sa.text("UPDATE audit_head SET seq = :seq, last_hash = :hash, mac = :mac WHERE id = 1"),
        {"seq": seq, "hash": digest, "mac": head_mac(key, seq, digest)},
    )


def upgrade() -> None:
    secret_key = _key_for_seal()
    with op.batch_alter_table("officers") as batch:
        batch.add_column(sa.Column("password_origin", sa.String(length=16), server_default="chosen", nullable=False))
    with op.batch_alter_table("officer_sessions") as batch:
        batch.add_column(sa.Column("step", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("pending_totp", sa.Text(), nullable=True))
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("verification_channel", sa.String(length=16), nullable=True))
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("key_version", sa.Integer(), server_default="0", nullable=False))
    if secret_key:
        _seal_legacy_entries(secret_key)
    if op.get_bind().dialect.name == "sqlite":
        for name, when in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} BEGIN "
                "SELECT RAISE(ABORT, 'audit_log is append-only: changing or removing an entry is not allowed'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("key_version")
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("mac")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("verification_channel")
    with op.batch_alter_table("officer_sessions") as batch:
        batch.drop_column("pending_totp")
        batch.drop_column("step")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("password_origin")
