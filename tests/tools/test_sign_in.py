"""Website sign-in tools: a key opens a session with its role; a staff phone gets a one-time
code (single use, limited, hashed) that opens a session with the phone's role; sessions end
when closed, expired, the key revoked or the phone removed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from aitickets.errors import Forbidden, InvalidInput, RateLimited
from persistence.db import Database
from persistence.models import DomainEvent, Message, SignInCode
from tests.conftest import ACTORS, Call, FixedClock
from tools.context import Actor
from tools.runner import ToolRunner
from tools.sign_in import resolve_session

PHONE = "+15550100199"


async def _texted_code(db: Database) -> str:
    async with db.sessions() as session:
        body = (await session.scalars(select(Message.body).order_by(Message.id.desc()))).first()
    assert body is not None
    match = re.match(r"(\d{6}) ", body)
    assert match
    return match.group(1)


async def test_a_key_opens_a_session_with_its_role(
    runner: ToolRunner, db: Database, clock: FixedClock
) -> None:
    opened = await runner.call("open_web_session", {}, ACTORS["staff"])
    assert opened.confirmed and opened.role == "staff" and opened.session_token
    actor = await resolve_session(db, opened.session_token, clock())
    assert actor == Actor(name="door", role="staff")
    assert await resolve_session(db, opened.session_token + "x", clock()) is None
    clock.advance(hours=13)
    assert await resolve_session(db, opened.session_token, clock()) is None  # expired


async def test_the_public_cannot_open_a_session_without_a_key(call: Call) -> None:
    with pytest.raises(Forbidden):
        await call("open_web_session", as_="public")


async def test_closing_ends_the_session(call: Call, db: Database, clock: FixedClock) -> None:
    opened = await call("open_web_session", as_="admin")
    closed = await call("close_web_session", as_="public", session_token=opened.session_token)
    assert closed.closed
    assert await resolve_session(db, opened.session_token, clock()) is None
    again = await call("close_web_session", as_="public", session_token=opened.session_token)
    assert not again.closed


async def test_revoking_the_key_ends_its_sessions(
    call: Call, runner: ToolRunner, db: Database, clock: FixedClock
) -> None:
    key = await call("create_api_key", name="door", role="staff")
    actor = Actor(name="door", role="staff", key_id=key.id)
    opened = await runner.call("open_web_session", {}, actor)
    assert (await resolve_session(db, opened.session_token, clock())) == actor
    await call("revoke_api_key", key_id=key.id)
    assert await resolve_session(db, opened.session_token, clock()) is None


async def test_a_staff_phone_signs_in_with_a_texted_code(
    call: Call, db: Database, clock: FixedClock
) -> None:
    await call("add_staff_phone", phone=PHONE, role="staff", name="door phone")
    sent = await call("request_sign_in_code", as_="public", phone="(555) 010-0199")
    assert "code" in sent.message
    code = await _texted_code(db)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = await call("confirm_sign_in_code", as_="public", phone=PHONE, code=wrong)
    assert not refused.confirmed and refused.session_token is None
    ok = await call("confirm_sign_in_code", as_="public", phone=PHONE, code=code)
    assert ok.confirmed and ok.role == "staff"
    actor = await resolve_session(db, ok.session_token, clock())
    assert actor is not None and actor.role == "staff" and actor.name == "phone:door phone"
    replay = await call("confirm_sign_in_code", as_="public", phone=PHONE, code=code)
    assert not replay.confirmed  # single use
    async with db.sessions() as session:
        stored = (await session.scalars(select(SignInCode.code_hash))).all()
        kinds = (await session.scalars(select(DomainEvent.kind))).all()
    assert code not in str(stored)  # only hashes are kept
    assert "auth.signed_in" in kinds


async def test_the_session_follows_the_phones_role_and_removal(
    call: Call, db: Database, clock: FixedClock
) -> None:
    added = await call("add_staff_phone", phone=PHONE, role="admin")
    await call("request_sign_in_code", as_="public", phone=PHONE)
    ok = await call("confirm_sign_in_code", as_="public", phone=PHONE, code=await _texted_code(db))
    await call("add_staff_phone", phone=PHONE, role="staff")
    actor = await resolve_session(db, ok.session_token, clock())
    assert actor is not None and actor.role == "staff"
    await call("remove_staff_phone", phone_id=added.id)
    assert await resolve_session(db, ok.session_token, clock()) is None


async def test_an_unknown_number_gets_the_same_answer_and_no_text(call: Call, db: Database) -> None:
    sent = await call("request_sign_in_code", as_="public", phone="555-010-0777")
    assert "code" in sent.message
    async with db.sessions() as session:
        assert (await session.scalars(select(Message))).all() == []
    refused = await call("confirm_sign_in_code", as_="public", phone="555-010-0777", code="123456")
    assert not refused.confirmed


async def test_codes_are_limited_per_number_and_guesses_per_code(
    call: Call, db: Database, clock: FixedClock
) -> None:
    await call("add_staff_phone", phone=PHONE)
    for _ in range(3):
        await call("request_sign_in_code", as_="public", phone=PHONE)
    with pytest.raises(RateLimited):
        await call("request_sign_in_code", as_="public", phone=PHONE)
    code = await _texted_code(db)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        await call("confirm_sign_in_code", as_="public", phone=PHONE, code=wrong)
    late = await call("confirm_sign_in_code", as_="public", phone=PHONE, code=code)
    assert not late.confirmed  # five wrong guesses voided it
    clock.advance(minutes=11)
    await call("request_sign_in_code", as_="public", phone=PHONE)  # the window moved on
    clock.advance(minutes=11)
    expired = await call(
        "confirm_sign_in_code", as_="public", phone=PHONE, code=await _texted_code(db)
    )
    assert not expired.confirmed


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("request_sign_in_code", {"phone": "not a phone"}),
        ("confirm_sign_in_code", {"phone": PHONE, "code": "12ab56"}),
        ("close_web_session", {"session_token": "short"}),
        ("close_web_session", {"session_token": "x" * 30 + "!"}),
    ],
)
async def test_bad_input_is_refused(call: Call, tool: str, arguments: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        await call(tool, as_="public", **arguments)


async def test_each_sign_in_sweeps_away_ended_sessions_and_old_codes(
    call: Call, db: Database, clock: FixedClock
) -> None:
    from persistence.models import WebSession

    await call("add_staff_phone", phone=PHONE)
    await call("request_sign_in_code", as_="public", phone=PHONE)
    old = await call("open_web_session", as_="admin")
    closed = await call("open_web_session", as_="admin")
    await call("close_web_session", as_="public", session_token=closed.session_token)
    clock.advance(days=2)
    fresh = await call("open_web_session", as_="staff")
    async with db.sessions() as session:
        kept = (await session.scalars(select(WebSession.role))).all()
        codes = (await session.scalars(select(SignInCode))).all()
    assert kept == ["staff"] and codes == []
    assert await resolve_session(db, old.session_token, clock()) is None
    assert await resolve_session(db, fresh.session_token, clock()) is not None
