"""The admin tools over recorded voice sessions: the listing, and the export as an eval
transcript that the evals loader accepts and that carries no secrets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from aitickets.errors import Forbidden, InvalidInput, NotFound
from aitickets.settings import Settings
from evals.format import load_file, registry_problems
from memory.transcripts import record_turn, redact, transcript_yaml
from persistence.db import Database
from tests.conftest import ADMIN_KEY, NOW, Call
from tools.transcripts import configured_secrets

STRIPE_KEY = "sk_live_51Hs3cr3tStr1peKey"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"stripe_secret_key": STRIPE_KEY, "openrouter_api_key": "or-plain-secret-value"}
    )


async def _turn(db: Database, session_id: str, text: str, minutes: float = 0, **reply: Any) -> None:
    await record_turn(
        db,
        session_id=session_id,
        actor="door",
        text=text,
        reply={"speech": "ok", "success": True, "routed_by": "local", **reply},
        latency_ms=5.0,
        at=NOW + timedelta(minutes=minutes),
    )


async def test_sessions_are_listed_most_recent_first_with_counts(call: Call, db: Database) -> None:
    await _turn(db, "early", "how many are in tonight?", 0, tool="get_checkin_stats")
    await _turn(db, "late", "check in Sam", 5, tool="check_in_by_name")
    await _turn(db, "early", "and VIP?", 10, tool="get_checkin_stats")
    await _turn(db, "middle", "hello", 7)
    listed = (await call("list_voice_sessions")).sessions
    assert [(s.session_id, s.turns) for s in listed] == [("early", 2), ("middle", 1), ("late", 1)]
    assert listed[0].started_at == NOW and listed[0].last_at == NOW + timedelta(minutes=10)
    assert [
        s.session_id for s in (await call("list_voice_sessions", limit=1, offset=1)).sessions
    ] == ["middle"]


async def test_only_admins_read_transcripts(call: Call, db: Database) -> None:
    await _turn(db, "s", "check in Sam", tool="check_in_by_name")
    for tool, arguments in (
        ("list_voice_sessions", {}),
        ("export_voice_transcript", {"session_id": "s"}),
    ):
        with pytest.raises(Forbidden):
            await call(tool, as_="staff", **arguments)


async def test_unknown_session_and_bad_input_say_so(call: Call) -> None:
    with pytest.raises(NotFound, match="No voice session 'ghost'"):
        await call("export_voice_transcript", session_id="ghost")
    with pytest.raises(InvalidInput):
        await call("export_voice_transcript", session_id="")
    with pytest.raises(InvalidInput):
        await call("export_voice_transcript", session_id="s", category="Has Spaces")
    with pytest.raises(InvalidInput):
        await call("list_voice_sessions", limit=0)


async def test_export_round_trips_through_the_evals_loader(
    call: Call, db: Database, tmp_path: Path
) -> None:
    await _turn(
        db,
        "Door #1",
        "refund Mike's ticket",
        0,
        tool="refund_ticket",
        arguments={"ticket_id": 7},
        awaiting="confirmation",
    )
    await _turn(db, "Door #1", "yes", 1, tool="refund_ticket", arguments={"ticket_id": 7})
    await _turn(db, "Door #1", "blah blah", 2, success=False)
    await _turn(
        db,
        "Door #1",
        "make a staff key called bar",
        3,
        tool="create_api_key",
        arguments={"name": "bar", "role": "staff"},
    )
    out = await call("export_voice_transcript", session_id="Door #1", category="door")
    assert (out.session_id, out.turns, out.role) == ("Door #1", 4, "admin")
    path = tmp_path / "t.yaml"
    path.write_text(transcript_yaml(out.transcript), encoding="utf-8")
    [transcript] = load_file(path)
    assert registry_problems(transcript) == []
    assert (transcript.name, transcript.category, transcript.role) == (
        "session-door-1",
        "door",
        "admin",
    )
    assert transcript.clock == NOW
    first, second, third, _ = transcript.turns
    assert first.say == "refund Mike's ticket"
    assert (first.expect.tool, first.expect.arguments, first.expect.awaiting) == (
        "refund_ticket",
        {"ticket_id": 7},
        "confirmation",
    )
    # `awaiting: null` is exported, so the replay checks that no question is left pending.
    assert second.expect.awaiting is None and "awaiting" in second.expect.checks()
    assert (third.expect.tool, third.expect.success) == (None, False)
    assert "tool" in third.expect.checks()


async def test_the_export_carries_no_secrets(call: Call, db: Database, settings: Settings) -> None:
    api_key = "atk_" + "Q" * 43
    await _turn(db, "leaky", f"my key is {api_key} and stripe is {STRIPE_KEY}", tool="list_jobs")
    await _turn(
        db,
        "leaky",
        f"the admin key {ADMIN_KEY} and or-plain-secret-value",
        1,
        tool="get_my_tickets",
        arguments={"access_token": "tok_abcdefghijklmnop"},
    )
    await _turn(
        db,
        "leaky",
        "ping it",
        2,
        tool="register_webhook",
        arguments={"url": "https://crm.example.org/hook", "secret": "whsec_abcdef123456"},
    )
    out = await call("export_voice_transcript", session_id="leaky")
    text = transcript_yaml(out.transcript) + out.model_dump_json()
    for secret in (
        api_key,
        STRIPE_KEY,
        ADMIN_KEY,
        "or-plain-secret-value",
        "tok_abcdefghijklmnop",
        "whsec_abcdef123456",
    ):
        assert secret not in text
    turns = out.transcript["turns"]
    assert turns[0]["say"] == "my key is [redacted] and stripe is [redacted]"
    assert "arguments" not in turns[1]["expect"]  # only a credential was given: nothing to expect
    assert turns[2]["expect"]["arguments"] == {"url": "https://crm.example.org/hook"}


def test_configured_secrets_are_every_credential_setting(settings: Settings) -> None:
    pg = settings.model_copy(
        update={
            "database_url": "postgresql://app:hunter2pass@db/tickets",
            "wallet_key": "/etc/keys/wallet.pem",  # a path, which must not be taken for a secret
        }
    )
    found = configured_secrets(pg)
    assert {STRIPE_KEY, ADMIN_KEY, "or-plain-secret-value", "hunter2pass"} <= set(found)
    assert not any(value.endswith(".pem") for value in found)


def test_redact_leaves_ordinary_words_alone() -> None:
    text = "refund ticket 42 for Mike, skip the risk_test and task_live notes"
    assert redact(text) == text
    assert redact({"qr_token": "x", "name": "Bearer abcdefghijk"}) == {"name": "[redacted]"}
