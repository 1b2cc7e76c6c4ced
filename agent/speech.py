"""Sentences to be read aloud: one or two short ones, no ids, JSON or markdown; money and
times as people say them; lists summarised. What each tool's result sounds like is a small
table keyed by tool name; anything else gets a generic sentence from the result's shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aitickets.errors import TicketsError

Data = dict[str, Any]


def money(cents: int | None) -> str:
    cents = int(cents or 0)
    dollars, rest = divmod(abs(cents), 100)
    sign = "minus " if cents < 0 else ""
    return f"{sign}${dollars:,}" if rest == 0 else f"{sign}${dollars:,}.{rest:02d}"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def listing(names: list[str], limit: int = 3) -> str:
    """ "Jazz Night, Comedy Hour and 3 more"."""
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        return "none"
    if len(names) <= limit:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def when(value: str | datetime | None, tz: ZoneInfo, now: datetime) -> str:
    if value is None:
        return "at a time to be announced"
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    clock = local.strftime("%I:%M %p").lstrip("0").replace(":00", "").lower()
    days = (local.date() - today).days
    if days == 0:
        return f"tonight at {clock}" if local.hour >= 17 else f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if 1 < days < 7:
        return f"{local:%A} at {clock}"
    return f"{local:%A %B} {local.day} at {clock}"


def _checked_in(d: Data, a: Data, s: Speaker) -> str:
    people = d.get("checked_in", [])
    if not people:
        return "Nobody new was checked in."
    first = people[0]["holder_name"]
    extra = (
        f" {count(d['remaining_on_order'], 'more ticket')} still to come."
        if d.get("remaining_on_order")
        else ""
    )
    if len(people) == 1:
        return f"{first} is checked in for {s.event_name(d.get('event_id'))}.{extra}"
    names = listing([p["holder_name"] for p in people])
    return f"Checked in {count(len(people), 'guest')}: {names}.{extra}"


def _revenue(d: Data, a: Data, s: Speaker) -> str:
    top = sorted(d.get("by_event", []), key=lambda e: -e["net_cents"])
    best = f" {top[0]['name']} brought in the most." if len(top) > 1 else ""
    return (
        f"{money(d['net_cents'])} net from {count(d['tickets_sold'], 'ticket')} "
        f"{s.period(d['period_start'], d['period_end'])}.{best}"
    )


def _event_sales(d: Data, a: Data, s: Speaker) -> str:
    return (
        f"{d['name']} has sold {d['tickets_sold']} of {d['capacity']} tickets, "
        f"{round(d['sell_through_percent'])} percent, for {money(d['net_cents'])}."
    )


def _availability(d: Data, a: Data, s: Speaker) -> str:
    tiers = d.get("tiers", [])
    left = sum(t.get("remaining", 0) for t in tiers) if tiers else d.get("remaining", 0)
    name = d.get("name") or d.get("event_name") or s.event_name(d.get("event_id"))
    if not left:
        return f"{name} is sold out."
    parts = listing([f"{t['remaining']} {t['name']}" for t in tiers if t.get("remaining")])
    return f"{name} has {left} tickets left: {parts}."


def _stats(d: Data, a: Data, s: Speaker) -> str:
    return f"{d['checked_in']} of {d['expected']} are in for {d['event_name']}."


def _purchase(d: Data, a: Data, s: Speaker) -> str:
    who = a.get("customer", {}).get("name", "them")
    paid = "comped" if d.get("payment_method") == "comp" else f"for {money(d['total_cents'])}"
    return (
        f"Sold {count(d['quantity'], 'ticket')} to {who} for "
        f"{s.event_name(d.get('event_id'))}, {paid}."
    )


def _refund(d: Data, a: Data, s: Speaker) -> str:
    amount = d.get("refunded_cents") or d.get("amount_cents") or d.get("refund_cents")
    who = d.get("holder_name") or s.focus.get("customer_name") or "The ticket"
    tail = f" {money(amount)} goes back." if amount else ""
    return f"Refunded {who}'s ticket.{tail}"


def _profile(d: Data, a: Data, s: Speaker) -> str:
    vip = " a VIP," if d.get("vip") else ""
    return (
        f"{d['name']} is{vip} with {count(d['order_count'], 'order')} and "
        f"{money(d['lifetime_spend_cents'])} spent."
    )


def _events(d: Data, a: Data, s: Speaker) -> str:
    events = d.get("events", [])
    if not events:
        return "Nothing is on for that time."
    first = events[0]
    return (
        f"{count(d.get('total', len(events)), 'event')}: "
        f"{listing([e['name'] for e in events])}. "
        f"Next is {first['name']} {s.when(first['starts_at'])}."
    )


def _event(d: Data, a: Data, s: Speaker) -> str:
    return f"{d['name']} is {s.when(d['starts_at'])}, {d['sold']} of {d['capacity']} sold."


def _customer_tickets(d: Data, a: Data, s: Speaker) -> str:
    tickets = d.get("tickets", [])
    if not tickets:
        return "They have no tickets."
    shows = listing(sorted({t["event_name"] for t in tickets}))
    return f"{count(d.get('total', len(tickets)), 'ticket')}, for {shows}."


def _party(d: Data, a: Data, s: Speaker) -> str:
    names = [
        f"{m['name']} ({m['relation']})" if m.get("relation") else m["name"] for m in d["members"]
    ]
    names += d.get("guest_names", [])
    if not names:
        return f"{d['name']} has no party on record."
    return f"With {d['name']}: {listing(names)}."


def _search(d: Data, a: Data, s: Speaker) -> str:
    found = d.get("customers", [])
    if not found:
        return "I found nobody by that."
    return f"Found {count(d['total'], 'customer')}: {listing([c['name'] for c in found])}."


def _member(d: Data, a: Data, s: Speaker) -> str:
    title = f" as {d['title']}" if d.get("title") else ""
    return f"Added {d['name']}{title} to the About page."


def _guests(d: Data, a: Data, s: Speaker) -> str:
    guests = d.get("guests", [])
    names = listing([g["holder_name"] for g in guests])
    return f"{count(d.get('total', len(guests)), 'guest')}: {names}."


def _tiers(d: Data, a: Data, s: Speaker) -> str:
    tiers = d.get("tiers", d if isinstance(d, list) else [])
    return listing([f"{t['name']} at {money(t['price_cents'])}" for t in tiers]) + "."


SAY: dict[str, Callable[[Data, Data, Speaker], str]] = {
    "check_in_by_name": _checked_in,
    "check_in_party": _checked_in,
    "get_revenue_report": _revenue,
    "get_event_sales": _event_sales,
    "get_ticket_availability": _availability,
    "get_checkin_stats": _stats,
    "purchase_tickets": _purchase,
    "refund_ticket": _refund,
    "get_customer_profile": _profile,
    "list_events": _events,
    "get_event": _event,
    "get_customer_tickets": _customer_tickets,
    "get_customer_party": _party,
    "search_customers": _search,
    "add_team_member": _member,
    "guest_list": _guests,
    "list_ticket_tiers": _tiers,
    "toggle_all_tickets": lambda d, a, s: (
        f"Sales are {'open' if a.get('on_sale') else 'paused'} "
        f"for {s.event_name(a.get('event_id'))}."
    ),
    "check_in_ticket": lambda d, a, s: f"{d['holder_name']} is checked in.",
    "undo_check_in": lambda d, a, s: f"{d.get('holder_name', 'They')} is no longer checked in.",
    "set_vip_status": lambda d, a, s: f"{d['name']} is {'now' if d['vip'] else 'no longer'} a VIP.",
    "remove_team_member": lambda d, a, s: f"Removed {d.get('name', 'them')} from the team.",
    "register_customer": lambda d, a, s: f"Registered {d['name']}.",
    "transfer_ticket": lambda d, a, s: (
        f"The ticket now belongs to {d.get('holder_name', a.get('to_name'))}."
    ),
}  # fmt: skip


ERROR_HINTS = {
    "not_found": "Check the name and try again.",
    "no_guest": "Check the spelling, or say which event.",
    "already_checked_in": "",
    "forbidden": "Ask a manager to do it.",
    "sold_out": "Offer the waitlist or another tier.",
    "invalid_input": "Say it again with the missing detail.",
    "no_event_today": "",
}


class Speaker:
    """Builds sentences with the venue's zone, the clock and the names the agent knows."""

    def __init__(self, tz: ZoneInfo, now: datetime, names: dict[int, str], focus: Data) -> None:
        self.tz, self.now, self.names, self.focus = tz, now, names, focus

    def event_name(self, ident: int | None) -> str:
        if ident and ident in self.names:
            return self.names[ident]
        return self.focus.get("event_name", "the event")

    def when(self, value: str | datetime | None) -> str:
        return when(value, self.tz, self.now)

    def period(self, start: str, end: str) -> str:
        a = datetime.fromisoformat(start).astimezone(self.tz)
        b = datetime.fromisoformat(end).astimezone(self.tz)
        if (b - a).days <= 1:
            return f"on {a:%A}" if a.date() != self.now.astimezone(self.tz).date() else "today"
        return f"from {a:%A %B} {a.day} to {b:%A %B} {b.day}"

    def result(self, tool: str, data: Data, arguments: Data) -> str:
        say = SAY.get(tool)
        if say is not None:
            try:
                return say(data, arguments, self)
            except (KeyError, TypeError, ValueError, IndexError):
                pass
        return generic(tool, data)

    def error(self, exc: TicketsError) -> str:
        hint = ERROR_HINTS.get(exc.code, "")
        return f"{exc.message} {hint}".strip()


def generic(tool: str, data: Data) -> str:
    """A sentence for any tool from the shape of its result."""
    action = tool.replace("_", " ")
    name = data.get("name") or data.get("holder_name") or data.get("title") or data.get("code")
    for key, value in data.items():
        if isinstance(value, list) and key not in ("tiers", "category_ids"):
            labels = [
                str(v.get("name") or v.get("holder_name") or v.get("code") or v.get("title") or "")
                for v in value
                if isinstance(v, dict)
            ]
            total = data.get("total", len(value))
            if not value:
                return f"There are no {key.replace('_', ' ')}."
            return f"{count(total, key.rstrip('s').replace('_', ' '))}: {listing(labels)}."
    if name:
        return f"Done: {action}, {name}."
    return f"Done: {action}."
