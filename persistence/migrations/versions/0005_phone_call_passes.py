"""phone call passes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import persistence.models.base


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_call_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("call_sid", sa.String(length=128), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("issued_at", persistence.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", persistence.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", persistence.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_call_passes")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_phone_call_passes_token_hash")),
    )
    with op.batch_alter_table("phone_call_passes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phone_call_passes_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("phone_call_passes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_call_passes_expires_at"))
    op.drop_table("phone_call_passes")
