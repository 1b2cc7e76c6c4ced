"""Sign-in for people on the website: sessions behind an HttpOnly cookie, and the one-time
codes texted to staff phones. Only hashes of the secrets are stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped


class WebSession(Timestamped, Base):
    """A signed-in browser. It stands for an API key or a staff phone and ends with it: a revoked
    key or a removed phone ends its sessions (the key is re-checked on every request)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # admin | staff | agent
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    staff_phone_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_phones.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class SignInCode(Timestamped, Base):
    """A request for a sign-in code. Every request is recorded, so the per-number limit also
    counts numbers that are no staff phone; only staff phones' requests carry a code."""

    __tablename__ = "sign_in_codes"
    __table_args__ = (Index("ix_sign_in_codes_phone_created", "phone_hash", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64))
    staff_phone_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_phones.id", ondelete="CASCADE")
    )
    code_hash: Mapped[str | None] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
