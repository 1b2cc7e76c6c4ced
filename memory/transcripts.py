"""Every voice turn, appended to its own table; sessions listed and exported as eval
transcripts (the YAML shape evals/format.py reads: what was said, and the tool, arguments,
success and pending question of each reply as the expected values).

The queries take an open session, so the read-only admin tools (tools/transcripts.py) run them
in their unit of work; the `Database` helpers beside them are for scripts and tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.db import Database
from persistence.models import VoiceTurn

REDACTED = "[redacted]"
# Secrets by their shape, wherever they were said: our API keys, Stripe and webhook secrets,
# LLM provider keys, bearer tokens.
_SECRET_VALUE = re.compile(
    r"\batk_[A-Za-z0-9_\-]{8,}"
    r"|\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{6,}"
    r"|\bwhsec_[A-Za-z0-9]{6,}"
    r"|\bsk-(?:or-v1-)?[A-Za-z0-9_\-]{16,}"
    r"|\bBearer\s+[A-Za-z0-9._~+/\-]{8,}=*",
)
# Argument names whose values are credentials or private links, never expected values.
_SECRET_ARGUMENT = re.compile(r"token|secret|password|api_?key|otp", re.I)


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    turns: int
    started_at: datetime
    last_at: datetime


async def record_turn(
    db: Database,
    *,
    session_id: str,
    actor: str,
    text: str,
    reply: dict[str, Any],
    latency_ms: float,
    at: datetime,
) -> None:
    async with db.unit_of_work() as session:
        position = await session.scalar(
            select(func.count(VoiceTurn.id)).where(VoiceTurn.session_id == session_id)
        )
        session.add(
            VoiceTurn(
                session_id=session_id,
                position=position or 0,
                actor=actor,
                text=text,
                speech=reply.get("speech", ""),
                tool=reply.get("tool"),
                arguments=reply.get("arguments") or {},
                success=bool(reply.get("success", True)),
                routed_by=reply.get("routed_by", "local"),
                awaiting=reply.get("awaiting"),
                latency_ms=round(latency_ms, 2),
                created_at=at,
            )
        )


async def recent_sessions(
    session: AsyncSession, *, limit: int = 50, offset: int = 0
) -> list[SessionSummary]:
    """Sessions, the most recently active first, with their turn count and first/last time."""
    last = func.max(VoiceTurn.created_at)
    rows = await session.execute(
        select(VoiceTurn.session_id, func.count(VoiceTurn.id), func.min(VoiceTurn.created_at), last)
        .group_by(VoiceTurn.session_id)
        .order_by(last.desc(), VoiceTurn.session_id)
        .limit(limit)
        .offset(offset)
    )
    return [SessionSummary(sid, n, first, latest) for sid, n, first, latest in rows.all()]


async def turns_of(session: AsyncSession, session_id: str) -> list[VoiceTurn]:
    rows = await session.scalars(
        select(VoiceTurn)
        .where(VoiceTurn.session_id == session_id)
        .order_by(VoiceTurn.position, VoiceTurn.id)
    )
    return list(rows.all())


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """`value` (text, or JSON-like data) without secrets: configured ones wherever they appear,
    anything shaped like a key or token, and arguments named like credentials (dropped)."""
    known = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            for secret in known:
                item = item.replace(secret, REDACTED)
            return _SECRET_VALUE.sub(REDACTED, item)
        if isinstance(item, dict):
            return {k: clean(v) for k, v in item.items() if not _SECRET_ARGUMENT.search(str(k))}
        if isinstance(item, list):
            return [clean(v) for v in item]
        return item

    return clean(value)


def transcript_name(session_id: str) -> str:
    """A name the eval format accepts (lower-case letters, digits, `-`, `_`)."""
    slug = re.sub(r"[^a-z0-9_\-]+", "-", session_id.lower()).strip("-_")
    return f"session-{slug or 'unnamed'}"[:100]


def as_transcript(
    session_id: str,
    turns: list[VoiceTurn],
    *,
    category: str = "recorded",
    role_of_tool: Callable[[str], str] | None = None,
    secrets: Iterable[str] = (),
) -> dict[str, Any]:
    """A recorded conversation as an eval transcript: replaying it should call the same tools
    with the same arguments, succeed or fail the same way and ask the same questions. The
    session runs as admin when one of its tools needs an admin key, else as staff; the clock is
    the session's first turn, so "tonight" means what it meant then."""
    secrets = list(secrets)
    tools_used = {turn.tool for turn in turns if turn.tool}
    admin = role_of_tool is not None and any(role_of_tool(t) == "admin" for t in tools_used)
    transcript: dict[str, Any] = {
        "name": transcript_name(session_id),
        "category": category,
        "description": redact(
            f"Recorded voice session {session_id}: {len(turns)} turns"
            + (f", by {', '.join(sorted({t.actor for t in turns if t.actor}))}" if turns else ""),
            secrets,
        ),
        "role": "admin" if admin else "staff",
    }
    if turns:
        transcript["clock"] = turns[0].created_at.astimezone(UTC).isoformat()
    transcript["turns"] = []
    for turn in turns:
        expect: dict[str, Any] = {"tool": turn.tool}
        arguments = redact(turn.arguments or {}, secrets)
        if arguments:
            expect["arguments"] = arguments
        expect["success"] = turn.success
        expect["awaiting"] = turn.awaiting  # null too: no question may be pending
        transcript["turns"].append({"say": redact(turn.text, secrets), "expect": expect})
    return transcript


def transcript_yaml(transcript: dict[str, Any]) -> str:
    """One conversation as a YAML list item, so exports can be appended to a transcripts file."""
    import yaml

    return str(yaml.safe_dump([transcript], sort_keys=False, allow_unicode=True, width=100))


# --- the same, for scripts and tests holding a Database -----------------------------------------


async def list_sessions(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    async with db.sessions() as session:
        return [
            {
                "session_id": s.session_id,
                "turns": s.turns,
                "started_at": s.started_at,
                "last_at": s.last_at,
            }
            for s in await recent_sessions(session, limit=limit)
        ]


async def session_turns(db: Database, session_id: str) -> list[VoiceTurn]:
    async with db.sessions() as session:
        return await turns_of(session, session_id)


async def export_transcript(db: Database, session_id: str, *, category: str = "recorded") -> dict:
    return as_transcript(session_id, await session_turns(db, session_id), category=category)
