"""identity: the roster (orgs, people, parent links) and verification (sessions, one-time codes)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_orgs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('org_type', sa.String(length=32), nullable=False),
    sa.Column('identifier', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_orgs')),
    sa.UniqueConstraint('sourced_id', name=op.f('uq_roster_orgs_sourced_id'))
    )
    op.create_table('roster_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sourced_id', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('student', 'parent', 'guardian', name='rosterrole', native_enum=False, length=16), nullable=False),
    sa.Column('given_name', sa.String(length=120), nullable=False),
    sa.Column('middle_name', sa.String(length=120), nullable=False),
    sa.Column('family_name', sa.String(length=120), nullable=False),
    sa.Column('school_sourced_id', sa.String(length=255), nullable=True),
    sa.Column('birth_date_hash', sa.String(length=64), nullable=True),
    sa.Column('email_sealed', sa.Text(), nullable=True),
    sa.Column('sms_sealed', sa.Text(), nullable=True),
    sa.Column('phone_sealed', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_people')),
    sa.UniqueConstraint('sourced_id', name=op.f('uq_roster_people_sourced_id'))
    )
    op.create_index(op.f('ix_roster_people_active'), 'roster_people', ['active'], unique=False)
    op.create_index(op.f('ix_roster_people_birth_date_hash'), 'roster_people', ['birth_date_hash'], unique=False)
    op.create_table('roster_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sa.Enum('student', 'parent', 'guardian', name='rosterrole', native_enum=False, length=16), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['roster_people.id'], name=op.f('fk_roster_links_agent_id_roster_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['roster_people.id'], name=op.f('fk_roster_links_student_id_roster_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_links')),
    sa.UniqueConstraint('agent_id', 'student_id', name=op.f('uq_roster_links_agent_id'))
    )
    op.create_index(op.f('ix_roster_links_student_id'), 'roster_links', ['student_id'], unique=False)
    op.create_table('verification_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=64), nullable=False),
    sa.Column('awaiting', sa.String(length=16), nullable=True),
    sa.Column('awaiting_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('held_kind', sa.String(length=16), nullable=True),
    sa.Column('held_sealed', sa.Text(), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_requester_id', sa.Integer(), nullable=True),
    sa.Column('claimed_student_id', sa.Integer(), nullable=True),
    sa.Column('claimed_restricted', sa.Boolean(), nullable=False),
    sa.Column('code_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('code_requests', sa.JSON(), nullable=False),
    sa.Column('wrong_tries', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_requester_id', sa.Integer(), nullable=True),
    sa.Column('verified_student_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claimed_requester_id'], ['roster_people.id'], name=op.f('fk_verification_sessions_claimed_requester_id_roster_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['claimed_student_id'], ['roster_people.id'], name=op.f('fk_verification_sessions_claimed_student_id_roster_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_requester_id'], ['roster_people.id'], name=op.f('fk_verification_sessions_verified_requester_id_roster_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_student_id'], ['roster_people.id'], name=op.f('fk_verification_sessions_verified_student_id_roster_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_sessions')),
    sa.UniqueConstraint('sender_id', name=op.f('uq_verification_sessions_sender_id'))
    )
    op.create_index(op.f('ix_verification_sessions_updated_at'), 'verification_sessions', ['updated_at'], unique=False)
    op.create_table('verification_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('delivery', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('void_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wrong_tries', sa.Integer(), nullable=False),
    sa.Column('locks_person_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('message_cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['roster_people.id'], name=op.f('fk_verification_codes_person_id_roster_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['verification_sessions.id'], name=op.f('fk_verification_codes_session_id_verification_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_codes'))
    )
    op.create_index(op.f('ix_verification_codes_created_at'), 'verification_codes', ['created_at'], unique=False)
    op.create_index(op.f('ix_verification_codes_locks_person_until'), 'verification_codes', ['locks_person_until'], unique=False)
    op.create_index(op.f('ix_verification_codes_person_id'), 'verification_codes', ['person_id'], unique=False)
    op.create_index(op.f('ix_verification_codes_session_id'), 'verification_codes', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_verification_codes_session_id'), table_name='verification_codes')
    op.drop_index(op.f('ix_verification_codes_person_id'), table_name='verification_codes')
    op.drop_index(op.f('ix_verification_codes_locks_person_until'), table_name='verification_codes')
    op.drop_index(op.f('ix_verification_codes_created_at'), table_name='verification_codes')
    op.drop_table('verification_codes')
    op.drop_index(op.f('ix_verification_sessions_updated_at'), table_name='verification_sessions')
    op.drop_table('verification_sessions')
    op.drop_index(op.f('ix_roster_links_student_id'), table_name='roster_links')
    op.drop_table('roster_links')
    op.drop_index(op.f('ix_roster_people_birth_date_hash'), table_name='roster_people')
    op.drop_index(op.f('ix_roster_people_active'), table_name='roster_people')
    op.drop_table('roster_people')
    op.drop_table('roster_orgs')
