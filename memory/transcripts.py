"""Every voice turn, appended to its own table; sessions listed and exported as eval
transcripts (the YAML shape evals/ replays: what was said, the tool and arguments expected,
what the reply said)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from persistence.db import Database
from persistence.models import VoiceTurn


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


async def list_sessions(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(
                VoiceTurn.session_id,
                func.count(VoiceTurn.id),
                func.min(VoiceTurn.created_at),
                func.max(VoiceTurn.created_at),
            )
            .group_by(VoiceTurn.session_id)
            .order_by(func.max(VoiceTurn.created_at).desc())
            .limit(limit)
        )
        return [
            {"session_id": sid, "turns": n, "started_at": first, "last_at": last}
            for sid, n, first, last in rows.all()
        ]


async def session_turns(db: Database, session_id: str) -> list[VoiceTurn]:
    async with db.sessions() as session:
        rows = await session.scalars(
            select(VoiceTurn)
            .where(VoiceTurn.session_id == session_id)
            .order_by(VoiceTurn.position, VoiceTurn.id)
        )
        return list(rows.all())


async def export_transcript(db: Database, session_id: str, *, category: str = "recorded") -> dict:
    """A conversation as an eval transcript: replaying it should call the same tools."""
    turns = await session_turns(db, session_id)
    return {
        "name": f"session {session_id}",
        "category": category,
        "turns": [
            {
                "say": turn.text,
                **({"expect_tool": turn.tool} if turn.tool else {}),
                **({"expect_arguments": turn.arguments} if turn.arguments else {}),
                "reply": turn.speech,
                **({"awaiting": turn.awaiting} if turn.awaiting else {}),
            }
            for turn in turns
        ],
    }
