"""Merge the officer-security and public-edge branches into one head.

Revision ID: 0010
Revises: 0008, 0009_edge_sessions
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0010"
down_revision = ("0008", "0009_edge_sessions")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
