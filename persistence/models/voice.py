"""Voice conversations: one append-only row per turn, apart from the agent's small checkpoint
state, so transcripts can be listed and exported without growing every checkpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class VoiceTurn(Base):
    __tablename__ = "voice_turns"
    __table_args__ = (Index("ix_voice_turns_session_position", "session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(default=0)
    actor: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    speech: Mapped[str] = mapped_column(Text, default="")
    tool: Mapped[str | None] = mapped_column(String(100))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    success: Mapped[bool] = mapped_column(default=True)
    routed_by: Mapped[str] = mapped_column(String(16), default="local")
    awaiting: Mapped[str | None] = mapped_column(String(16))
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
