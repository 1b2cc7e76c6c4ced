"""Fillers for fields whose meaning depends on the tool, keyed by the slot kind the tool declares
for the field (tools/voice.py): a promo's kind and use limit, a tier's status, a reminder's hours,
a key's or a grantee's name, the guest list's status, the events a webhook hears."""

from __future__ import annotations

import re
from typing import Any

from tools.voice import SlotKind

from .fill import _MISSING, Filler
from .fill_values import Fill, _id, _literal, _team_member_name

_PAUSE = re.compile(
    r"\b(stop|pause|halt|suspend|freeze|close|hold off|off sale|kill|shut|pull)\b", re.I
)


_RESUME = re.compile(r"\b(resume|restart|reopen|re-open|start|back on|open|unpause)\b", re.I)


_HOURS_BEFORE = re.compile(
    r"\b(\d{1,3})\s*(hours?|hrs?|days?|weeks?)\s*(?:before|ahead|prior|in advance|early|out)\b",
    re.I,
)


async def _hours_before(f: Filler, required: bool) -> Any:
    """ "forty eight hours before it starts", "two days ahead" → hours."""
    found = _HOURS_BEFORE.search(f.slots.numbered)
    if not found:
        return _MISSING
    unit = found.group(2).lower()
    per = 24 if unit.startswith("day") else 168 if unit.startswith("week") else 1
    return int(found.group(1)) * per


_MAX_USES = re.compile(
    r"\bfirst (\d{1,6})\b|\b(\d{1,6}) (?:uses|times|redemptions)\b|"
    r"\b(?:limit(?:ed)? to|up to|max(?:imum)?(?: of)?|only) (\d{1,6})\b"
    r"(?! ?(?:%|percent|dollars?|bucks))|"
    r"\b(\d{1,6}) (?:people|customers|buyers|tickets) only\b",
    re.I,
)


async def _max_uses(f: Filler, required: bool) -> Any:
    """ "first twenty people only", "limited to 50 uses"."""
    found = _MAX_USES.search(f.slots.numbered)
    if not found:
        return _MISSING
    return int(next(g for g in found.groups() if g))


_KEY_FOR = re.compile(
    r"\b(?:key|token)s?\s+(?:for|called|named)\s+(?:the\s+|our\s+)?"
    r"(?P<name>[\w' -]{2,60}?)\s*(?:[,.!?]|$)",
    re.I,
)


async def _key_name(f: Filler, required: bool) -> Any:
    """ "a new staff key for the coat check": what the key is for names it."""
    if f.slots.named:
        return f.slots.named
    found = _KEY_FOR.search(f.slots.text)
    return found.group("name").strip() if found else _MISSING


async def _guest_status(f: Filler, required: bool) -> Any:
    """ "who's checked in", "who hasn't arrived": a status; "has Mike arrived?": every ticket of
    his, so the answer can say which are in."""
    if f.slots.people or f.slots.pronoun:
        return _MISSING
    return await _literal("status")(f, required)


async def _grantee_name(f: Filler, required: bool) -> Any:
    """ "give Leah at 555… access": who the phone belongs to, when the sentence names them."""
    shows = {w for show in f.slots.shows for w in show.key.split()}
    for name in f.slots.proper:
        if name.lower() not in shows and name not in ("VIP", "GA"):
            return name
    return _MISSING


async def _promo_kind(f: Filler, required: bool) -> Any:
    if f.slots.percent is not None:
        return "percent"
    if f.slots.money_cents is not None:
        return "fixed"
    return _MISSING


async def _tier_status(f: Filler, required: bool) -> Any:
    if _PAUSE.search(f.slots.text):
        return "paused"
    if _RESUME.search(f.slots.text):
        return "on_sale"
    return _MISSING


_EVENT_KINDS = (
    (r"\brefund", "order.refunded"),
    (r"\bticket (?:purchase|sale)s?\b|\btickets? (?:bought|sold)\b", "ticket.purchased"),
    (r"\b(?:orders?|sales?|purchases?|bought|sold)\b", "order.*"),
    (r"\b(?:customers?|sign ?ups?|registrations?)\b", "customer.*"),
    (r"\b(?:check[- ]?ins?|arrivals?|scans?)\b", "ticket.checked_in"),
    (r"\b(?:events?|shows?)\b(?! to)", "event.*"),
    (r"\bwait ?list", "waitlist.*"),
)


async def _webhook_events(f: Filler, required: bool) -> Any:
    """ "ping https://… for new orders" → ["order.*"]; nothing said → every event."""
    text = (f.slots.text.replace(f.slots.url, " ") if f.slots.url else f.slots.text).lower()
    kinds: list[str] = []
    for pattern, kind in _EVENT_KINDS:
        taken = {"order.refunded", "ticket.purchased"} & set(kinds)
        if re.search(pattern, text) and not (kind == "order.*" and taken):
            kinds.append(kind)
    return kinds or _MISSING


# Fillers for the slot kinds a tool declares on its fields.
BY_KIND: dict[SlotKind, Fill] = {
    "discount_kind": _promo_kind,
    "sale_status": _tier_status,
    "team_member": _team_member_name,
    "team_member_id": _id("member"),  # the tool takes one of the two
    "webhook_events": _webhook_events,
    "grantee": _grantee_name,
    "guest_status": _guest_status,
    "hours_before": _hours_before,
    "use_limit": _max_uses,
    "key_label": _key_name,
}
