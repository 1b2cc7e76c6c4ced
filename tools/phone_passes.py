"""Passes for the phone line: the signed incoming-call webhook issues one per call, and the
ConversationRelay WebSocket redeems it once, within a short time, to learn who is calling.

Not tools: they decide who the caller is before any tool runs. A pass lives in the database, so
the webhook and the WebSocket may reach different server processes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update

from persistence.db import Database
from persistence.models import PhoneCallPass

# Twilio opens the WebSocket right after it reads the TwiML; a pass not used by then is stale.
PASS_LIFETIME = timedelta(minutes=2)
KEEP_USED = timedelta(hours=1)  # then forgotten (the call's transcript says the rest)
MAX_CALLER = 64


@dataclass(frozen=True)
class CallPass:
    call_sid: str
    caller: str  # the number Twilio signed as `From` ("" when there was none)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_pass(db: Database, *, call_sid: str, caller: str, now: datetime) -> str:
    """A new secret for this call (returned once; stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    async with db.unit_of_work() as session:
        await session.execute(
            delete(PhoneCallPass).where(PhoneCallPass.expires_at < now - KEEP_USED)
        )
        session.add(
            PhoneCallPass(
                token_hash=_digest(token),
                call_sid=call_sid,
                caller=caller[:MAX_CALLER],
                issued_at=now,
                expires_at=now + PASS_LIFETIME,
            )
        )
    return token


async def redeem_pass(db: Database, token: str, *, now: datetime) -> CallPass | None:
    """The call a pass was issued for, once: a used, expired or unknown pass is None. One
    conditional UPDATE, so that two sockets racing with one pass cannot both win."""
    if not token or len(token) > 100:
        return None
    async with db.unit_of_work() as session:
        row = (
            await session.execute(
                update(PhoneCallPass)
                .where(
                    PhoneCallPass.token_hash == _digest(token),
                    PhoneCallPass.used_at.is_(None),
                    PhoneCallPass.expires_at > now,
                )
                .values(used_at=now)
                .returning(PhoneCallPass.call_sid, PhoneCallPass.caller)
                .execution_options(synchronize_session=False)
            )
        ).first()
    return CallPass(call_sid=row.call_sid, caller=row.caller) if row else None
