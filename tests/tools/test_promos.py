import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from persistence.db import Database
from persistence.models import DomainEvent, PromoCode, PromoRedemption, Ticket
from tests.conftest import NOW, FixedClock
from tests.factories import make_customer, make_event, make_ticket, make_tier
from tools.promos import discount_for, redeem_promo, release_promo_use


async def _promo(db: Database, code: str) -> PromoCode:
    async with db.sessions() as s:
        promo = await s.scalar(select(PromoCode).where(PromoCode.code == code))
        assert promo is not None
        return promo


async def test_create_upper_cases_and_records_a_domain_event(call, db) -> None:
    event_id = await make_event(db)
    out = await call(
        "create_promo_code",
        as_="staff",
        code=" jazz-20 ",
        kind="percent",
        amount=20,
        event_id=event_id,
        max_uses=10,
    )
    assert (out.code, out.kind, out.amount, out.uses, out.active) == (
        "JAZZ-20",
        "percent",
        20,
        0,
        True,
    )
    async with db.sessions() as s:
        kinds = (await s.scalars(select(DomainEvent.kind))).all()
    assert kinds == ["promo.created"]


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "ab", "kind": "fixed", "amount": 500},
        {"code": "NO SPACES", "kind": "fixed", "amount": 500},
        {"code": "OK1", "kind": "percent", "amount": 101},
        {"code": "OK2", "kind": "fixed", "amount": 0},
        {"code": "OK3", "kind": "bogo", "amount": 5},
        {"code": "OK4", "kind": "fixed", "amount": 5, "valid_from": "2026-12-01T00:00:00"},
        {
            "code": "OK5",
            "kind": "fixed",
            "amount": 5,
            "valid_from": "2026-12-02T00:00:00Z",
            "valid_until": "2026-12-01T00:00:00Z",
        },
    ],
)
async def test_create_rejects_bad_input(call, fields) -> None:
    with pytest.raises(InvalidInput):
        await call("create_promo_code", as_="staff", **fields)


async def test_create_duplicate_code_conflicts_whatever_the_case(call) -> None:
    await call("create_promo_code", as_="staff", code="SPRING", kind="fixed", amount=500)
    with pytest.raises(Conflict, match="already exists"):
        await call("create_promo_code", as_="staff", code="spring", kind="percent", amount=5)


async def test_create_for_unknown_event_is_not_found(call) -> None:
    with pytest.raises(NotFound):
        await call(
            "create_promo_code", as_="staff", code="GHOST", kind="fixed", amount=5, event_id=999
        )


async def test_agents_and_public_cannot_manage_codes(call) -> None:
    with pytest.raises(Forbidden):
        await call("create_promo_code", as_="agent", code="NOPE", kind="fixed", amount=5)
    with pytest.raises(Forbidden):
        await call("list_promo_codes", as_="public")


async def test_list_filters_active_and_event_scope(call, db) -> None:
    jazz = await make_event(db)
    comedy = await make_event(db, "Comedy")
    await call("create_promo_code", as_="staff", code="ALL", kind="fixed", amount=100)
    await call(
        "create_promo_code", as_="staff", code="JAZZ", kind="fixed", amount=100, event_id=jazz
    )
    await call(
        "create_promo_code", as_="staff", code="LAUGH", kind="fixed", amount=100, event_id=comedy
    )
    await call(
        "create_promo_code",
        as_="staff",
        code="OLD",
        kind="fixed",
        amount=100,
        valid_until=NOW - timedelta(days=1),
    )
    off = await call("create_promo_code", as_="staff", code="OFF", kind="fixed", amount=100)
    await call("deactivate_promo_code", as_="staff", promo_code_id=off.id)

    active = await call("list_promo_codes", as_="staff")
    assert {p.code for p in active.promo_codes} == {"ALL", "JAZZ", "LAUGH"}
    assert active.total == 3
    for_jazz = await call("list_promo_codes", as_="staff", event_id=jazz)
    assert {p.code for p in for_jazz.promo_codes} == {"ALL", "JAZZ"}
    everything = await call("list_promo_codes", as_="staff", active_only=False, limit=2)
    assert everything.total == 5 and len(everything.promo_codes) == 2


async def test_validate_previews_discount_on_tier_price_times_quantity(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=2999)
    await call("create_promo_code", as_="staff", code="TENOFF", kind="percent", amount=10)
    out = await call(
        "validate_promo_code",
        as_="public",
        code="tenoff",
        event_id=event_id,
        tier_id=tier_id,
        quantity=3,
    )
    assert out.valid and out.code == "TENOFF"
    assert out.subtotal_cents == 8997
    assert out.discount_cents == 899  # 899.7 rounds down to whole cents
    assert out.reason is None


async def test_validate_reveals_only_validity_and_discount(call, db) -> None:
    event_id = await make_event(db)
    await call(
        "create_promo_code", as_="staff", code="SECRET", kind="fixed", amount=500, max_uses=3
    )
    out = await call("validate_promo_code", as_="public", code="SECRET", event_id=event_id)
    dumped = out.model_dump()
    assert "uses" not in dumped and "max_uses" not in dumped and "id" not in dumped
    assert dumped["discount_cents"] is None  # no tier given, nothing to preview


async def test_validate_says_why_a_code_cannot_be_used(call, db, clock: FixedClock) -> None:
    jazz = await make_event(db)
    comedy = await make_event(db, "Comedy")
    await call(
        "create_promo_code", as_="staff", code="JAZZONLY", kind="fixed", amount=5, event_id=jazz
    )
    await call(
        "create_promo_code",
        as_="staff",
        code="LATER",
        kind="fixed",
        amount=5,
        valid_from=NOW + timedelta(days=1),
        valid_until=NOW + timedelta(days=2),
    )
    off = await call("create_promo_code", as_="staff", code="PAUSED", kind="fixed", amount=5)
    await call("deactivate_promo_code", as_="staff", promo_code_id=off.id)

    async def reason(code: str, event_id: int = comedy) -> str | None:
        out = await call("validate_promo_code", as_="public", code=code, event_id=event_id)
        assert not out.valid
        return out.reason

    assert "not valid for this event" in (await reason("JAZZONLY") or "")
    assert "not valid yet" in (await reason("LATER") or "")
    assert await reason("PAUSED") == await reason("NOSUCHCODE")  # switched off = unknown
    clock.advance(days=3)
    assert "expired" in (await reason("LATER") or "")


async def test_validate_wrong_tier_for_event_is_not_found(call, db) -> None:
    jazz = await make_event(db)
    other = await make_event(db, "Other")
    tier_id = await make_tier(db, other)
    await call("create_promo_code", as_="staff", code="ANY", kind="fixed", amount=5)
    with pytest.raises(NotFound):
        await call("validate_promo_code", as_="public", code="ANY", event_id=jazz, tier_id=tier_id)


async def test_deactivate_and_activate_undo_each_other(call, db) -> None:
    promo = await call("create_promo_code", as_="staff", code="TOGGLE", kind="fixed", amount=5)
    off = await call("deactivate_promo_code", as_="staff", promo_code_id=promo.id)
    again = await call("deactivate_promo_code", as_="staff", promo_code_id=promo.id)
    assert not off.active and not again.active
    on = await call("activate_promo_code", as_="staff", promo_code_id=promo.id)
    assert on.active
    async with db.sessions() as s:
        kinds = (await s.scalars(select(DomainEvent.kind).order_by(DomainEvent.id))).all()
    assert kinds == ["promo.created", "promo.deactivated", "promo.activated"]  # repeat is silent


async def test_delete_unused_code_needs_admin(call, db) -> None:
    promo = await call("create_promo_code", as_="staff", code="GONE", kind="fixed", amount=5)
    with pytest.raises(Forbidden):
        await call("delete_promo_code", as_="staff", promo_code_id=promo.id)
    out = await call("delete_promo_code", as_="admin", promo_code_id=promo.id)
    assert out.deleted.code == "GONE"
    with pytest.raises(NotFound):
        await call("delete_promo_code", as_="admin", promo_code_id=promo.id)


async def test_delete_redeemed_code_conflicts_and_suggests_deactivating(call, db) -> None:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id)
    customer_id = await make_customer(db)
    ticket_id = await make_ticket(db, event_id, tier_id, customer_id)
    promo = await call("create_promo_code", as_="staff", code="USED", kind="fixed", amount=5)
    async with db.unit_of_work() as s:
        redeemed, discount = await redeem_promo(
            s, code="used", event_id=event_id, subtotal_cents=2500, now=NOW
        )
        ticket = await s.get(Ticket, ticket_id)
        assert ticket is not None
        s.add(
            PromoRedemption(
                promo_code_id=redeemed.id, order_id=ticket.order_id, discount_cents=discount
            )
        )
    with pytest.raises(Conflict, match="deactivate") as caught:
        await call("delete_promo_code", as_="admin", promo_code_id=promo.id)
    assert caught.value.code == "promo_in_use"


def test_discount_for_rounds_down_and_never_exceeds_subtotal() -> None:
    percent = PromoCode(code="P", kind="percent", amount=33)
    fixed = PromoCode(code="F", kind="fixed", amount=5000)
    assert discount_for(percent, 1001) == 330
    assert discount_for(PromoCode(code="H", kind="percent", amount=100), 1234) == 1234
    assert discount_for(fixed, 2500) == 2500
    assert discount_for(fixed, 9000) == 5000
    assert discount_for(fixed, 0) == 0


async def test_redeem_consumes_a_use_and_release_gives_it_back(call, db) -> None:
    event_id = await make_event(db)
    await call("create_promo_code", as_="staff", code="ONCE", kind="percent", amount=50, max_uses=1)
    async with db.unit_of_work() as s:
        promo, discount = await redeem_promo(
            s, code=" once ", event_id=event_id, subtotal_cents=3001, now=NOW
        )
        assert (promo.uses, discount) == (1, 1500)
    async with db.unit_of_work() as s:
        with pytest.raises(Conflict) as caught:
            await redeem_promo(s, code="ONCE", event_id=event_id, subtotal_cents=100, now=NOW)
    assert caught.value.code == "promo_exhausted"
    async with db.unit_of_work() as s:
        await release_promo_use(s, promo.id)
        await release_promo_use(s, promo.id)  # never below zero
    assert (await _promo(db, "ONCE")).uses == 0


async def test_redeem_refuses_invalid_codes_with_typed_errors(call, db) -> None:
    jazz = await make_event(db)
    comedy = await make_event(db, "Comedy")
    await call("create_promo_code", as_="staff", code="JAZZ", kind="fixed", amount=5, event_id=jazz)
    cases = [("NOPE", jazz, "promo_unknown"), ("JAZZ", comedy, "promo_wrong_event")]
    for code, event_id, expected in cases:
        async with db.unit_of_work() as s:
            with pytest.raises(InvalidInput) as caught:
                await redeem_promo(s, code=code, event_id=event_id, subtotal_cents=100, now=NOW)
        assert caught.value.code == expected
    assert (await _promo(db, "JAZZ")).uses == 0


async def test_twenty_concurrent_redemptions_of_a_five_use_code_consume_exactly_five(
    call, db
) -> None:
    event_id = await make_event(db)
    await call("create_promo_code", as_="staff", code="RUSH", kind="fixed", amount=500, max_uses=5)

    async def attempt() -> int:
        async with db.unit_of_work() as s:
            _promo_row, discount = await redeem_promo(
                s, code="RUSH", event_id=event_id, subtotal_cents=2500, now=NOW
            )
            await asyncio.sleep(0)
            return discount

    results = await asyncio.gather(*(attempt() for _ in range(20)), return_exceptions=True)
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert won == [500] * 5
    assert len(lost) == 15 and all(isinstance(e, Conflict) for e in lost)
    assert (await _promo(db, "RUSH")).uses == 5


async def test_validate_hides_draft_events_from_the_public(call, db) -> None:
    draft = await make_event(db, visibility="draft")
    await call("create_promo_code", as_="staff", code="EARLY", kind="fixed", amount=5)
    with pytest.raises(NotFound):
        await call("validate_promo_code", as_="public", code="EARLY", event_id=draft)
    staff_view = await call("validate_promo_code", as_="staff", code="EARLY", event_id=draft)
    assert staff_view.valid
