"""Public input never changes an existing customer's contact details: a purchase or a waitlist
sign-up that gives a victim's phone with an attacker's email leaves the victim's record as it
was, and the victim's next confirmation (its my-tickets link) reaches the victim only."""

from __future__ import annotations

from datetime import timedelta

from persistence.models import Customer
from tests.conftest import NOW
from tests.factories import make_customer, make_event, make_tier
from tests.integrations.helpers import drain, messages
from tools.customers import upsert_customer

VICTIM_PHONE = "+15550142001"
ATTACKER = "mallory@example.net"


async def _customer(db, ident: int) -> Customer:
    async with db.sessions() as s:
        row = await s.get(Customer, ident)
        assert row is not None
        return row


async def test_a_public_purchase_with_a_victims_phone_does_not_take_over_the_record(
    db, call, settings, clock
) -> None:
    victim = await make_customer(db, "Vera Okafor", phone=VICTIM_PHONE)
    event = await make_event(db, starts_at=NOW + timedelta(days=5))
    free = await make_tier(db, event, "Free", price_cents=0)
    mine = await call(
        "purchase_tickets",
        as_="public",
        event_id=event,
        tier_id=free,
        quantity=1,
        customer={"name": "Vera Okafor", "email": ATTACKER, "phone": VICTIM_PHONE},
    )
    assert mine.customer_id != victim  # a record of its own
    row = await _customer(db, victim)
    assert (row.email, row.phone) == (None, VICTIM_PHONE)
    # The box office sells to the victim by phone: the confirmation never reaches the attacker.
    sale = await call(
        "purchase_tickets",
        as_="staff",
        event_id=event,
        tier_id=free,
        quantity=1,
        payment="cash",
        customer={"name": "Vera Okafor", "phone": VICTIM_PHONE},
    )
    assert sale.customer_id == victim
    await drain(db, settings, clock)
    leaked = [m for m in await messages(db) if sale.access_token in (m.body or "")]
    assert all(m.to_address != ATTACKER for m in leaked)


async def test_a_public_sign_up_never_fills_in_a_missing_email_or_phone(db, call) -> None:
    by_phone = await make_customer(db, "Vera Okafor", phone=VICTIM_PHONE)
    by_email = await make_customer(db, "Sam Reed", email="sam@example.com")
    event = await make_event(db, starts_at=NOW + timedelta(days=5))
    await call(
        "join_waitlist",
        as_="public",
        event_id=event,
        name="Vera Okafor",
        email=ATTACKER,
        phone=VICTIM_PHONE,
        quantity=1,
    )
    await call(
        "join_waitlist",
        as_="public",
        event_id=event,
        name="Sam Reed",
        email="SAM@example.com",
        phone="+15550142999",
        quantity=1,
    )
    assert (await _customer(db, by_phone)).email is None
    assert (await _customer(db, by_email)).phone is None


async def test_public_matching_rules(db) -> None:
    phone_only = await make_customer(db, "Pat Lee", phone=VICTIM_PHONE)
    with_email = await make_customer(db, "Ann Lee", email="ann@example.com", phone="+15550142002")
    async with db.unit_of_work() as s:
        # Phone only on both sides: the same phone-only identity (texts go to that phone).
        row, created = await upsert_customer(
            s, name="Pat Lee", email=None, phone=VICTIM_PHONE, now=NOW
        )
        assert (row.id, created) == (phone_only, False)
        # The email's owner, as they are: a different phone typed with it changes nothing.
        row, created = await upsert_customer(
            s, name="Ann", email="ANN@example.com", phone="+15550142003", now=NOW
        )
        assert (row.id, created, row.phone) == (with_email, False, "+15550142002")
        # A known phone with an unknown email: a new customer, never the phone's owner.
        row, created = await upsert_customer(
            s, name="Pat Lee", email="other@example.com", phone=VICTIM_PHONE, now=NOW
        )
        assert created and row.id not in (phone_only, with_email)
        # Without an email, a phone whose owner has one is not matched either.
        row, created = await upsert_customer(
            s, name="Ann Lee", email=None, phone="+15550142002", now=NOW
        )
        assert created and row.id != with_email


async def test_staff_may_still_complete_a_record(db) -> None:
    ident = await make_customer(db, "Pat Lee", phone=VICTIM_PHONE)
    async with db.unit_of_work() as s:
        row, created = await upsert_customer(
            s, name="Pat Lee", email="pat@example.com", phone=VICTIM_PHONE, now=NOW, trusted=True
        )
        assert (row.id, created, row.email) == (ident, False, "pat@example.com")
