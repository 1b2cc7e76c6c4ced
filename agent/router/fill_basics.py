"""Fillers keyed by field name for what every family shares: the show, the customer, their
tickets and orders, tiers and "the usual", the buyer, periods and times, money, contacts,
codes and ids. Each turns slots (or the focus) into one argument, or _MISSING."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aitickets.errors import NotFound
from tools.customers import get_customer_profile, get_customer_tickets
from tools.promos import list_promo_codes

from .fill import _MISSING, Ask, Choose, Filler, _labels


async def _event_id(f: Filler, required: bool) -> Any:
    show = await f.show(required)
    return show.id if show else _MISSING


async def _customer_id(f: Filler, required: bool) -> Any:
    person = await f.customer(required)
    return person.id if person else _MISSING


async def _related_id(f: Filler, required: bool) -> Any:
    person = await f.customer(required, index=1)
    if person is None and f.slots.pronoun in ("they", "them", "their"):
        return (f.focus.get("ids") or {}).get("related_id", _MISSING)  # "they": the pair
    return person.id if person else _MISSING


async def _name(f: Filler, required: bool) -> Any:
    if not required:
        return _MISSING
    person = await f.customer(False)
    if person:
        return person.name
    if f.slots.people:
        return f.slots.people[0].text.title()
    return _MISSING


async def _customers_tickets(f: Filler, statuses: tuple[str, ...]) -> list[Any]:
    person = await f.customer(True)
    if person is None:
        return []
    show = await f.show(False)
    args: dict[str, Any] = {"customer_id": person.id, "limit": 50}
    if show:
        args["event_id"] = show.id
    result = await f.read(get_customer_tickets, **args)
    mine = [t for t in result.tickets if t.status in statuses]
    if not show and f.slots.day is not None:
        # "won't make tonight": the ticket for the show on that day, when there is one
        day = f.slots.day
        that_day = [t for t in mine if t.event_starts_at.astimezone(f.slots.tz).date() == day]
        mine = that_day or mine
    own = [t for t in mine if t.holder_customer_id == person.id]
    chosen = own or mine
    if not chosen:
        where = f" for {show.name}" if show else ""
        raise NotFound(f"{person.name} has no ticket{where} I can use for that.", code="no_ticket")
    f.memo["tickets"] = chosen
    return chosen


async def _ticket_id(f: Filler, required: bool) -> Any:
    if "ticket" in f.slots.ids:
        return f.slots.ids["ticket"]
    statuses = f.spec.voice.acts_on or ("valid", "checked_in")
    if not f.slots.people and not f.slots.pronoun and f.focus.get("ticket_ids"):
        return f.focus["ticket_ids"][0]
    tickets = await _customers_tickets(f, statuses)
    return tickets[0].ticket_id if tickets else _MISSING


async def _order_id(f: Filler, required: bool) -> Any:
    if "order" in f.slots.ids:
        return f.slots.ids["order"]
    if not required:
        return _MISSING
    tickets = await _customers_tickets(f, ("valid", "checked_in"))
    return tickets[0].order_id if tickets else _MISSING


async def _usual(f: Filler) -> tuple[str | None, int | None]:
    if "usual" in f.memo:
        return f.memo["usual"]
    person = await f.customer(True)
    usual: tuple[str | None, int | None] = (None, None)
    if person:
        profile = await f.read(get_customer_profile, customer_id=person.id, history_limit=50)
        sizes = Counter(o.ticket_count for o in profile.history if o.ticket_count)
        tickets = await f.read(get_customer_tickets, customer_id=person.id, limit=200)
        tiers = Counter(
            t.tier_name for t in tickets.tickets if t.bought_by_customer_id == person.id
        )
        usual = (
            tiers.most_common(1)[0][0] if tiers else None,
            sizes.most_common(1)[0][0] if sizes else None,
        )
    f.memo["usual"] = usual
    return usual


async def _tier_id(f: Filler, required: bool) -> Any:
    if "tier" in f.slots.ids:
        return f.slots.ids["tier"]
    show = await f.show(True)
    if show is None or not show.tiers:
        return _MISSING
    wanted = list(f.slots.tier_keys)
    if f.slots.usual:
        tier_name, _ = await _usual(f)
        if tier_name:
            wanted.insert(0, tier_name.lower())
    for key in wanted:
        for tier in show.tiers:
            if tier.key == key or tier.key.startswith(key) or key in tier.key.split():
                return tier.id
    made = (f.focus.get("ids") or {}).get("tier_id")
    if not wanted and made in {t.id for t in show.tiers}:
        return made  # "that tier", just made
    if len(show.tiers) == 1:
        return show.tiers[0].id
    if not required:
        return _MISSING
    options = [{"label": t.name, "patch": {"tier_id": t.id}} for t in show.tiers]
    raise Choose(f"Which tickets for {show.name}: {_labels(options[:3])}?", "tier_id", options)


_PAID_BY = (
    (
        "comp",
        re.compile(
            r"\bcomp(?:ed|ing|s|'d)?\b|\bon the house\b|\bfor free\b|\bfree of charge\b", re.I
        ),
    ),
    ("cash", re.compile(r"\bcash\b|\bpaid at the (?:door|window|desk)\b", re.I)),
    ("card", re.compile(r"\bcard\b|\bcredit\b|\bdebit\b|\bpay(?:ment)? link\b|\bonline\b", re.I)),
)


async def _payment(f: Filler, required: bool) -> Any:
    """How a box-office sale is paid. A paid tier with nothing said is asked: tickets are issued
    at once only for cash or comp, and a card sale is a held order, not a sale."""
    for method, said in _PAID_BY:
        if said.search(f.slots.text):
            return method
    tier_id = await _tier_id(f, False)
    show = await f.show(False)
    tier = next((t for t in (show.tiers if show else ()) if t.id == tier_id), None)
    if tier is None or tier.price_cents <= 0:
        return _MISSING  # free: nothing to pay
    raise Ask("Cash, card or comp?", "payment")


async def _quantity(f: Filler, required: bool) -> Any:
    if f.slots.usual:
        _, size = await _usual(f)
        if size:
            return size
    if f.slots.quantity is not None:
        return f.slots.quantity
    return 1 if required else _MISSING


async def _buyer(f: Filler, required: bool) -> Any:
    person = await f.customer(False)
    if person is None and not f.slots.people:
        if f.slots.proper:
            name = f.slots.proper[-1]  # someone new: "sell two to Ann Lee"
        elif re.search(r"\bwalk[- ]?(?:in|up)s?\b|\bat the door\b", f.slots.text, re.I):
            name = "Walk-in"
        else:
            return _MISSING
        buyer = {"name": name}
        if f.slots.email:
            buyer["email"] = f.slots.email
        if f.slots.phone:
            buyer["phone"] = f.slots.phone
        return buyer
    name = person.name if person else f.slots.people[0].text.title()
    buyer: dict[str, Any] = {"name": name}
    email = f.slots.email or (person.email if person else None)
    if email:
        buyer["email"] = email
    if f.slots.phone:
        buyer["phone"] = f.slots.phone
    return buyer


def _report_period(f: Filler) -> tuple[datetime, datetime] | None:
    """A report looks back: "the weekend" or "Monday" that has not come yet means the last one."""
    period = f.slots.period
    if period is None:
        return None
    start, end = period
    ahead = re.search(r"\b(tomorrow|tonight|today|next|coming|upcoming)\b", f.slots.text, re.I)
    short = end - start <= timedelta(days=3)
    if f.spec.category == "analytics" and start > f.slots.now and short and not ahead:
        return start - timedelta(days=7), end - timedelta(days=7)
    return period


async def _period_start(f: Filler, required: bool) -> Any:
    period = _report_period(f)
    return period[0].isoformat() if period else _MISSING


async def _period_end(f: Filler, required: bool) -> Any:
    period = _report_period(f)
    return period[1].isoformat() if period else _MISSING


async def _when(f: Filler, required: bool) -> Any:
    when: datetime | None = f.slots.when
    if when is None:
        return _MISSING
    if f.spec.name.startswith("create_") and not f.slots.clock:
        # "a show on Friday": a new show never starts at midnight by default; ask the hour.
        field = (
            "first_starts_at"
            if "first_starts_at" in f.spec.input_model.model_fields
            else ("starts_at")
        )
        raise Ask(f"What time on {when:%A}?", field)
    return when.isoformat()


async def _money(f: Filler, required: bool) -> Any:
    return f.slots.money_cents if f.slots.money_cents is not None else _MISSING


async def _amount(f: Filler, required: bool) -> Any:
    if f.slots.percent is not None:
        return f.slots.percent
    return await _money(f, required)


async def _number(f: Filler, required: bool) -> Any:
    return f.slots.quantity if f.slots.quantity is not None else _MISSING


async def _email(f: Filler, required: bool) -> Any:
    return f.slots.email or _MISSING


async def _phone(f: Filler, required: bool) -> Any:
    return f.slots.phone or _MISSING


async def _code(f: Filler, required: bool) -> Any:
    return f.slots.code or _MISSING


async def _promo_id(f: Filler, required: bool) -> Any:
    if "code" in f.slots.ids:
        return f.slots.ids["code"]
    if not f.slots.code:
        return _MISSING
    codes = await f.read(list_promo_codes, active_only=False, limit=200)
    for promo in codes.promo_codes:
        if promo.code.upper() == f.slots.code:
            return promo.id
    raise NotFound(f"There is no promo code {f.slots.code}.", code="no_promo")


async def _vip(f: Filler, required: bool) -> Any:
    if not any(t in ("vip", "vips", "vip's") for t in f.slots.tokens):
        return _MISSING
    return not f.slots.negated


async def _text(f: Filler, required: bool) -> Any:
    return f.slots.quoted or _MISSING


async def _query(f: Filler, required: bool) -> Any:
    if f.slots.email:
        return f.slots.email
    if f.slots.phone:
        return f.slots.phone
    if f.slots.people:
        mention = f.slots.people[0]
        if len(mention.candidates) == 1 and "customer0" not in f.memo:
            f.memo["customer0"] = mention.candidates[0]  # "is Mike coming?": he is "him" next
        return mention.text
    guest = f.spec.voice.slots.get("q") == "guest"
    if guest and f.slots.relation and f.focus.get("customer_id"):
        relative = await f.customer(False)  # "is his wife here yet": her name
        if relative is not None:
            return relative.name
    if guest and f.slots.pronoun and f.focus.get("customer_name"):
        return f.focus["customer_name"]  # "is she in?": the guest just talked about
    return _MISSING


async def _id_of(kind: str, f: Filler) -> Any:
    return f.slots.ids.get(kind, _MISSING)


def _by_id(kind: str) -> Callable[[Filler, bool], Awaitable[Any]]:
    async def fill(f: Filler, required: bool) -> Any:
        return await _id_of(kind, f)

    return fill


FILLERS: dict[str, Callable[[Filler, bool], Awaitable[Any]]] = {
    "event_id": _event_id,
    "customer_id": _customer_id,
    "related_id": _related_id,
    "name": _name,
    "to_name": _name,
    "ticket_id": _ticket_id,
    "order_id": _order_id,
    "tier_id": _tier_id,
    "quantity": _quantity,
    "payment": _payment,
    "customer": _buyer,
    "from_": _period_start,
    "to": _period_end,
    "starts_at": _when,
    "new_starts_at": _when,
    "first_starts_at": _when,
    "amount_cents": _money,
    "price_cents": _money,
    "amount": _amount,
    "capacity": _number,
    "email": _email,
    "to_email": _email,
    "phone": _phone,
    "to_phone": _phone,
    "code": _code,
    "promo_code_id": _promo_id,
    "vip": _vip,
    "body": _text,
    "q": _query,
    "member_id": _by_id("member"),
    "key_id": _by_id("key"),
    "entry_id": _by_id("entry"),
    "category_id": _by_id("category"),
    "venue_id": _by_id("venue"),
    "series_id": _by_id("series"),
}
