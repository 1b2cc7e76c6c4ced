"""web sign-in: sessions and texted codes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import persistence.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("staff_phone_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", persistence.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", persistence.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", persistence.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_web_sessions_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_phone_id"],
            ["staff_phones.id"],
            name=op.f("fk_web_sessions_staff_phone_id_staff_phones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_sessions_api_key_id"), ["api_key_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_web_sessions_staff_phone_id"), ["staff_phone_id"], unique=False
        )
    op.create_table(
        "sign_in_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_phone_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("expires_at", persistence.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", persistence.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", persistence.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_phone_id"],
            ["staff_phones.id"],
            name=op.f("fk_sign_in_codes_staff_phone_id_staff_phones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_codes")),
    )
    with op.batch_alter_table("sign_in_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sign_in_codes_phone_created", ["phone_hash", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sign_in_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_codes_phone_created")
    op.drop_table("sign_in_codes")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_staff_phone_id"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_api_key_id"))
    op.drop_table("web_sessions")
