"""Voice platforms: the phones whose calls to the phone line get a staff role, the pass each
call to the phone line is given, and the tool calls a platform may send again (Retell retries a
failed request) answered once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped, utcnow


class StaffPhone(Timestamped, Base):
    """A phone number that reaches the phone line as staff or admin (anyone else is public)."""

    __tablename__ = "staff_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)  # E.164
    role: Mapped[str] = mapped_column(String(16))  # staff | admin
    name: Mapped[str] = mapped_column(String(100), default="")


class VoiceToolCall(Base):
    """One platform tool call (call id, tool, arguments → `request_key`): `running` while it
    runs, then `done` with the answer every repeat of the request is given."""

    __tablename__ = "voice_tool_calls"
    __table_args__ = (UniqueConstraint("platform", "request_key", name="platform_request"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    request_key: Mapped[str] = mapped_column(String(64))  # sha256 hex
    call_id: Mapped[str] = mapped_column(String(128), index=True)
    tool: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done
    status_code: Mapped[int] = mapped_column(default=200)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PhoneCallPass(Base):
    """What the signed incoming-call webhook learnt about one call (its sid and the number
    Twilio says is calling), behind a secret token put in the ConversationRelay URL. The
    relay's WebSocket presents it once, shortly after; the caller is taken from here, never from
    what the WebSocket client says."""

    __tablename__ = "phone_call_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    call_sid: Mapped[str] = mapped_column(String(128))
    caller: Mapped[str] = mapped_column(String(64), default="")  # Twilio's From, as signed
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
