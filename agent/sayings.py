"""What each tool's result sounds like, keyed by tool name: one or two short sentences that
answer what was asked. A tool missing here gets speech.generic's sentence from its result's
shape."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .phrasing import Data, count, listing, money, ordinal, phone

if TYPE_CHECKING:
    from .speech import Speaker


def _about(d: Data, a: Data, s: Speaker) -> str:
    """The section asked about (or the mission), then who is on the team."""
    sections = {k: v for k, v in (d.get("sections") or {}).items() if v.get("body")}
    asked = a.get("section") or next(
        (k for k in sections if re.search(rf"\b{k}\b", s.focus.get("_text", ""), re.I)), None
    )
    key = (
        asked
        if asked in sections
        else next((k for k in ("mission", "hero", "story") if k in sections), None)
    )
    said = []
    if key:
        section = sections[key]
        title = section.get("title") or key.capitalize()
        said.append(f"{title}: {section['body']}")
    team = [m["name"] for m in d.get("team") or []]
    if team:
        said.append(f"Team: {listing(team)}.")
    return " ".join(said) or "The About page is empty."


def _waitlist_place(d: Data, a: Data, s: Speaker) -> str:
    who = a.get("name") or s.focus.get("customer_name") or a.get("email") or "They"
    verb = "is already" if d.get("already_on_list") else "is"
    return f"{who} {verb} {ordinal(d['position'])} in line for {d['event_name']}."


def _waitlist(d: Data, a: Data, s: Speaker) -> str:
    if not d.get("waiting"):
        return f"Nobody is waiting for {d['event_name']}."
    names = [e["name"] for e in d.get("entries") or []]
    return (
        f"{count(d['waiting'], 'person')} waiting for {d['event_name']}, "
        f"{count(d['seats_wanted'], 'seat')} wanted: {listing(names)}."
    ).replace("persons", "people")


def _promo_check(d: Data, a: Data, s: Speaker) -> str:
    if not d.get("valid"):
        why = (d.get("reason") or "it is not valid").rstrip(".")
        return f"{d['code']} can't be used: {why}."
    off = f"{d['amount']} percent" if d.get("kind") == "percent" else money(d.get("amount"))
    said = f"{d['code']} is valid, {off} off"
    if d.get("discount_cents"):
        said += f", {money(d['discount_cents'])} off this order"
    return said + "."


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
    names = list(dict.fromkeys(p["holder_name"] for p in people))
    if len(names) < len(people):  # one holder's name on several tickets
        return f"Checked in {count(len(people), 'ticket')} for {listing(names)}.{extra}"
    return f"Checked in {count(len(people), 'guest')}: {listing(names)}.{extra}"


def _revenue(d: Data, a: Data, s: Speaker) -> str:
    top = sorted(d.get("by_event", []), key=lambda e: -e["net_cents"])
    best = f" {top[0]['name']} brought in the most." if len(top) > 1 else ""
    when = s.period(d["period_start"], d["period_end"])
    if re.search(r"\bhow many\b", s.focus.get("_text", ""), re.I):  # a count asked: it first
        sold = count(d["tickets_sold"], "ticket")
        return f"{sold} sold {when}, {money(d['net_cents'])} net.{best}"
    return (
        f"{money(d['net_cents'])} net from {count(d['tickets_sold'], 'ticket')} "
        f"{s.period(d['period_start'], d['period_end'])}.{best}"
    )


def _event_sales(d: Data, a: Data, s: Speaker) -> str:
    said = s.focus.get("_text", "")
    asked = [
        t
        for t in d.get("tiers") or []
        if len(d["tiers"]) > 1 and re.search(rf"\b{re.escape(t['name'])}\b", said, re.I)
    ]
    if len(asked) == 1:  # "what's VIP pulled in for jazz": that tier's figures
        tier = asked[0]
        return (
            f"{tier['name']} for {d['name']} has sold {tier['sold']} of {tier['capacity']}, "
            f"for {money(tier['net_cents'])}."
        )
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
    said = s.focus.get("_text", "")
    asked = [
        t for t in tiers if len(tiers) > 1 and re.search(rf"\b{re.escape(t['name'])}\b", said, re.I)
    ]
    if len(asked) == 1:  # "how many standard left for salsa": that tier
        return f"{asked[0]['remaining']} {asked[0]['name']} left for {name}."
    parts = listing([f"{t['remaining']} {t['name']}" for t in tiers if t.get("remaining")])
    return f"{name} has {left} tickets left: {parts}."


def _stats(d: Data, a: Data, s: Speaker) -> str:
    waiting = d["expected"] - d["checked_in"]
    rest = f"; {waiting} still to come" if waiting > 0 else ""
    return f"{d['checked_in']} of {d['expected']} are in for {d['event_name']}{rest}."


def _purchase(d: Data, a: Data, s: Speaker) -> str:
    who = a.get("customer", {}).get("name", "them")
    paid = "comped" if d.get("payment_method") == "comp" else f"for {money(d['total_cents'])}"
    return (
        f"Sold {count(d['quantity'], 'ticket')} to {who} for "
        f"{s.event_name(d.get('event_id'))}, {paid}."
    )


def _refund(d: Data, a: Data, s: Speaker) -> str:
    amount = d.get("refunded_cents") or d.get("amount_cents") or d.get("refund_cents")
    who = d.get("holder_name") or s.focus.get("customer_name")
    tail = f" {money(amount)} goes back." if amount else ""
    return f"Refunded {who}'s ticket.{tail}" if who else f"Refunded that ticket.{tail}"


def _profile(d: Data, a: Data, s: Speaker) -> str:
    vip = ", a VIP" if d.get("vip") else ""
    said = (
        f"{d['name']}{vip}: {count(d['order_count'], 'order')}, "
        f"{money(d['lifetime_spend_cents'])} spent."
    )
    contact = [phone(d["phone"])] if d.get("phone") else []
    contact += [d["email"]] if d.get("email") else []
    if d.get("do_not_call"):
        contact.append("do not call")
    elif re.search(r"\b(?:do not|don't|dont|no) call", s.focus.get("_text", ""), re.I):
        said += " Not on the do-not-call list."
    return f"{said} Contact: {', '.join(contact)}." if contact else said


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
    who = s.focus.get("customer_name") or "They"
    if not tickets:
        return f"{who} has no tickets."
    shows = listing(sorted({t["event_name"] for t in tickets}))
    said = f"{who} has {count(d.get('total', len(tickets)), 'ticket')}, for {shows}"
    gone = [t["status"] for t in tickets if t["status"] in ("refunded", "cancelled")]
    if gone:
        return f"{said}; {count(len(gone), 'ticket')} refunded or cancelled."
    if re.search(r"\brefund", s.focus.get("_text", ""), re.I):
        return f"{said}; none refunded."
    return f"{said}."


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
    if a.get("q"):
        listed = bool(
            re.search(r"\bon the (?:\w+ )?list\b|\bbooked\b|\bticket", s.focus.get("_text", ""))
        )
        return _one_guest(guests, str(a["q"]), s.event_name(d.get("event_id")), listed)
    if not guests:
        return "Nobody on that list."
    names = listing([g["holder_name"] for g in guests])
    return f"{count(d.get('total', len(guests)), 'guest')}: {names}."


def _one_guest(guests: list[Data], asked: str, event: str, listed: bool = False) -> str:
    """ "Did Sarah check in?": yes or no, with how many of their tickets are in; "is Jane on
    the list?": yes or no, then whether she is in."""
    live = [g for g in guests if g["status"] in ("valid", "checked_in")]
    if not live:
        return f"No, {asked.title()} has no ticket for {event}."
    name = live[0]["holder_name"]
    inside = sum(g["status"] == "checked_in" for g in live)
    if listed:
        state = (
            "all checked in"
            if inside == len(live)
            else "none checked in yet"
            if not inside
            else f"{inside} checked in so far"
        )
        return f"Yes, {name} has {count(len(live), 'ticket')} for {event}, {state}."
    if inside == len(live):
        both = f", all {len(live)} tickets" if len(live) > 1 else ""
        return f"Yes, {name} is checked in for {event}{both}."
    if inside == 0:
        return f"No, {name} hasn't checked in yet; {count(len(live), 'ticket')} waiting."
    return f"{name} has {inside} of {len(live)} tickets checked in for {event}."


def _tiers(d: Data, a: Data, s: Speaker) -> str:
    tiers = d.get("tiers", d if isinstance(d, list) else [])
    asked = bool(re.search(r"\b(paus\w*|selling|on sale|status)\b", s.focus.get("_text", ""), re.I))
    said = [
        f"{t['name']} at {money(t['price_cents'])}"
        + (", paused" if t.get("status") == "paused" else ", on sale" if asked else "")
        for t in tiers
    ]
    return listing(said) + "."


def _linked(d: Data, a: Data, s: Speaker) -> str:
    """LinkOut(customer_id=X, related_id=Y): Y is X's relation."""
    first = d["links"][0]
    back = next((k for k in d["links"] if k["customer_id"] == first["related_id"]), None)
    owner = f"{back['related_name']}'s" if back else "their"
    return f"Linked: {first['related_name']} is {owner} {first['relation']}."


def _dashboard_people(d: Data, a: Data, s: Speaker) -> str:
    people = [f"{g['name']} ({phone(g['phone'])})" for g in d.get("access") or []]
    if not people:
        return "Nobody has access to that dashboard yet."
    return f"{count(len(people), 'phone')} can open it: {listing(people)}."


def _notes(d: Data, a: Data, s: Speaker) -> str:
    bodies = [n["body"].rstrip(".") for n in d.get("notes") or []]
    if not bodies:
        return "There are no notes on file."
    who = s.focus.get("customer_name")
    head = f"Notes on {who}" if who else count(d.get("total", len(bodies)), "note")
    more = d.get("total", len(bodies)) - 3
    tail = f"; and {count(more, 'more note')}" if more > 0 else ""
    return f"{head}: {'; '.join(bodies[:3])}{tail}."


def _promo_made(d: Data, a: Data, s: Speaker) -> str:
    off = f"{d['amount']} percent" if d["kind"] == "percent" else money(d["amount"])
    where = f" {s.event_name(d['event_id'])}" if d.get("event_id") else ""
    limit = f", first {d['max_uses']} uses" if d.get("max_uses") else ""
    return f"Code {d['code']} is live: {off} off{where}{limit}."


def _tier_changed(d: Data, a: Data, s: Speaker) -> str:
    said = []
    if "price_cents" in a:
        said.append(f"costs {money(d['price_cents'])}")
    if "capacity" in a:
        said.append(f"holds {d['capacity']}")
    if "status" in a:
        said.append("paused" if d["status"] == "paused" else "on sale")
    if said == ["paused"] or said == ["on sale"]:
        return f"{d['name']} is now {said[0]}."
    return f"{d['name']} now {listing(said)}." if said else f"Updated {d['name']}."


def _customer_changed(d: Data, a: Data, s: Speaker) -> str:
    said = [k.replace("_", " ") for k in ("email", "phone", "name") if k in a]
    what = listing(said) if said else "details"
    verb = "is" if len(said) == 1 else "are"
    return f"{d['name']}'s {what} {verb} updated."


SAY: dict[str, Callable[[Data, Data, Speaker], str]] = {
    "update_customer": _customer_changed,
    "update_ticket_tier": _tier_changed,
    "get_event_dashboard": lambda d, a, s: (
        f"{d['name']}: {d['tickets_sold']} of {d['capacity']} sold for {money(d['net_cents'])}, "
        f"{d['checked_in']} checked in."
    ),
    "create_promo_code": _promo_made,
    "add_event_categories": lambda d, a, s: (
        f"{d['event_name']} is now under {listing([c['name'] for c in d['categories']])}."
    ),
    "remove_event_categories": lambda d, a, s: (
        f"{d['event_name']} is now under {listing([c['name'] for c in d['categories']])}."
        if d["categories"]
        else f"{d['event_name']} has no categories now."
    ),
    "add_customer_note": lambda d, a, s: (
        f"Noted for {s.focus.get('customer_name') or 'them'}: {d['body'].rstrip('.')}."
    ),
    "create_ticket_tier": lambda d, a, s: (
        f"Added {d['name']} to {s.event_name(d.get('event_id'))}: {d['capacity']} at "
        f"{money(d['price_cents'])}."
    ),
    "create_api_key": lambda d, a, s: (
        f"Made a {d['role']} key called {d['name']}; it is shown once, in the app, not read aloud."
    ),
    "configure_auto_reminder": lambda d, a, s: (
        f"{s.event_name(d['event_id'])} ticket holders get a reminder "
        f"{d['hours_before']} hours before it starts."
        if d.get("enabled")
        else f"No reminder for {s.event_name(d['event_id'])}."
    ),
    "create_event": lambda d, a, s: f"Created {d['name']}, {s.when(d['starts_at'])}.",
    "postpone_event": lambda d, a, s: f"{d['name']} now starts {s.when(d['starts_at'])}.",
    "get_customer_notes": _notes,
    "remove_from_waitlist": lambda d, a, s: (
        f"Took {d['name']} off the waitlist for {s.event_name(d.get('event_id'))}."
        if d.get("removed", True)
        else f"{d['name']} was already off the waitlist."
    ),
    "link_customers": _linked,
    "list_dashboard_access": _dashboard_people,
    "grant_dashboard_access": lambda d, a, s: (
        f"{'The promoter' if d['name'] == 'promoter' else d['name']} can now open the "
        f"{s.event_name(d.get('event_id'))} dashboard "
        f"from {phone(d['phone'])}."
    ),
    "check_in_by_name": _checked_in,
    "check_in_party": _checked_in,
    "get_revenue_report": _revenue,
    "get_event_sales": _event_sales,
    "validate_promo_code": _promo_check,
    "get_about_page": _about,
    "join_waitlist": _waitlist_place,
    "get_waitlist_position": _waitlist_place,
    "get_waitlist": _waitlist,
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
