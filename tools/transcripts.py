"""Recorded voice conversations for admins: the sessions, and one exported as an eval transcript
(the YAML evals/ replays) with every secret left out. The queries are memory/transcripts.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from aitickets.errors import NotFound
from aitickets.settings import Settings
from memory.transcripts import as_transcript, recent_sessions, turns_of

from .common import In, Out, Page
from .context import ToolContext
from .registry import registry, tool


class ListVoiceSessionsIn(Page):
    pass


class VoiceSessionOut(Out):
    session_id: str
    turns: int
    started_at: datetime
    last_at: datetime


class ListVoiceSessionsOut(Out):
    sessions: list[VoiceSessionOut]


class ExportVoiceTranscriptIn(In):
    session_id: str = Field(min_length=1, max_length=128)
    category: str = Field(
        default="recorded",
        min_length=1,
        max_length=40,
        pattern=r"^[a-z0-9][a-z0-9_\-]*$",
        description="the eval category the conversation is filed under",
    )


class VoiceTranscriptOut(Out):
    session_id: str
    turns: int
    role: Literal["staff", "admin"]
    transcript: dict[str, Any] = Field(
        description="one conversation in the eval transcript format (evals/format.py)"
    )


def configured_secrets(settings: Settings) -> list[str]:
    """Every credential in the settings: none of them may leave in an export."""
    found = [
        value
        for name, value in settings
        if isinstance(value, str)
        and value
        and any(part in name for part in ("key", "secret", "token", "password"))
        and name != "wallet_key"  # a file path, not the key itself
    ]
    password = urlsplit(settings.database_url).password
    return [*found, password] if password else found


@tool(
    category="admin",
    role="admin",
    read_only=True,
    examples=["list the recorded voice sessions", "which voice conversations were recorded"],
)
async def list_voice_sessions(ctx: ToolContext, args: ListVoiceSessionsIn) -> ListVoiceSessionsOut:
    """Recorded voice sessions, most recently active first, with their turn count and the time
    of their first and last turn."""
    rows = await recent_sessions(ctx.session, limit=args.limit, offset=args.offset)
    return ListVoiceSessionsOut(
        sessions=[
            VoiceSessionOut(
                session_id=r.session_id, turns=r.turns, started_at=r.started_at, last_at=r.last_at
            )
            for r in rows
        ]
    )


@tool(
    category="admin",
    role="admin",
    read_only=True,
    examples=["export voice session door-1 as an eval transcript"],
)
async def export_voice_transcript(
    ctx: ToolContext, args: ExportVoiceTranscriptIn
) -> VoiceTranscriptOut:
    """One recorded voice session as an eval transcript: each thing said, with the tool, its
    arguments, success and any pending question as the expected reply. Keys, tokens and other
    secrets are left out."""
    turns = await turns_of(ctx.session, args.session_id)
    if not turns:
        raise NotFound(f"No voice session {args.session_id!r} was recorded.")

    def role_of_tool(name: str) -> str:
        return registry.get(name).role if name in registry else "staff"

    transcript = as_transcript(
        args.session_id,
        turns,
        category=args.category,
        role_of_tool=role_of_tool,
        secrets=configured_secrets(ctx.settings),
    )
    return VoiceTranscriptOut(
        session_id=args.session_id,
        turns=len(turns),
        role=transcript["role"],
        transcript=transcript,
    )
