"""More fillers keyed by field name: names after "called", titles, web addresses, colours,
capacities, prices, promo kinds, tier status, literal synonyms ("hide" → unlisted), and ids of
things the router does not keep in its catalog (venues, categories, team members, promo codes),
found by name through read tools. Registered into fill.FILLERS at import."""

from __future__ import annotations

import re
import typing
from collections.abc import Awaitable, Callable
from typing import Any

from rapidfuzz import fuzz, process

from aitickets.errors import TicketsError
from tools.about import list_team_members
from tools.promos import list_promo_codes

from . import values
from .fill import _MISSING, Ask, Choose, Filler, _labels
from .spoken import spoken_code
from .text import STOP, fold

Fill = Callable[[Filler, bool], Awaitable[Any]]

_TITLE = re.compile(
    r"\b(?:as|she's|he's|they're|she is|he is|they are|is)\s+(?:our|the|a|an)\s+"
    r"(?:new\s+)?(?P<title>[a-z][\w -]{1,60}?)(?=\s+(?:to|on|in|for|at)\b|[,.!?]|$)",
    re.I,
)
_BODY = re.compile(r"\b(?:to say|to read|saying|that says|reads?)\s*:?\s+(?P<body>.{3,})$", re.I)
# Everyday words for a Literal field's values.
LITERAL_SYNONYMS: dict[str, dict[str, str]] = {
    "visibility": {
        r"\bhid(e|den)\b|\bprivate\b|\bunlist|\boff the (?:\w+ )?(?:site|website|listings)\b|"
        r"\btake (?:it )?down\b|\btaken down\b": "unlisted",
        r"\bpublish|\bvisible\b|\bunhide\b|\bshow it\b|\bback on the|\bpublic again\b": "public",
        r"\bdraft\b": "draft",
    },
    "contact_method": {
        r"\btext(?:s|ed)?\b|\btext messages?\b|\bsms\b": "sms",
        r"\bwhats ?app\b": "whatsapp",
        r"\bcall\b|\bphone\b|\bring\b": "phone",
        r"\be-?mail(?:ed|s)?\b": "email",
    },
    "frequency": {
        r"\bevery other (?:week|mon|tue|wed|thu|fri|sat|sun)\w*|\bfortnight|\bbi-?weekly\b": (
            "biweekly"
        ),
        r"\bevery (?:week|mon|tue|wed|thu|fri|sat|sun)\w*|\bweekly\b": "weekly",
        r"\bevery month\b|\bmonthly\b": "monthly",
    },
    "channel": {r"\btexts?\b|\bsms\b": "sms", r"\be-?mails?\b": "email"},
    "status": {
        r"\bnot\b|n't\b|\byet to\b|\bstill to\b|\bmissing\b|\bno[- ]shows?\b|\boutstanding\b": (
            "valid"
        ),
        r"\bchecked[- ]in\b|\barrived\b|\bin the door\b|\bare in\b|\bare here\b": "checked_in",
        r"\brefund": "refunded",
        r"\bcancel": "cancelled",
        r"\bfail": "failed",
        r"\bqueued\b|\bpending\b": "queued",
        r"\bwent out\b|\bsent\b|\bdelivered\b": "sent",
    },
    "role": {r"\bdoor\b|\bbox office\b|\bbar\b": "staff"},
}


async def _named_name(f: Filler, required: bool) -> Any:
    """A name after "called/named", else (for people tools) the person mentioned, else a
    capitalised name nobody knows yet ("register Ann Lee")."""
    new_name = values.renamed(f.slots.text)
    if new_name and not f.spec.name.startswith(("create_", "add_", "register_")):
        return new_name
    names_person = f.spec.voice.slots.get("name") == "person_name"
    if f.slots.named and not names_person:
        return f.slots.named
    if not required:
        return _MISSING
    if names_person or f.spec.category in ("customers", "checkin"):
        person = await f.customer(False)
        if person:
            return person.name
        if f.slots.people:
            return f.slots.people[0].text.title()
    if f.slots.named:
        return f.slots.named
    before = _before_noun(f)
    if before and (any(c.isupper() for c in before) or not f.slots.proper):
        return before if any(c.isupper() for c in before) else before.title()
    if f.slots.quoted and len(f.slots.quoted) <= 80:
        return f.slots.quoted
    if f.slots.proper:
        return f.slots.proper[0]
    if not f.spec.name.startswith("create_"):
        return _MISSING
    started = _STARTING.search(f.slots.text)
    if started:
        return " ".join(w[:1].upper() + w[1:] for w in started.group(1).split())
    return _set_apart(f) or _MISSING


# "we're starting a quiz night, every wednesday …": what is being started is the new show
_STARTING = re.compile(
    r"\b(?:starting|launching|running|hosting|trying)\s+(?:a|an|our|a new)\s+"
    r"([a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,3}?)(?=\s*,|\s+(?:every|on|at|from|this|next|each)\b)",
    re.I,
)


# A clause that is not a name: a day, a time, a number, a price, an order or a show's own name.
_NOT_A_NAME = re.compile(
    r"\d|\$|\b(?:today|tonight|tomorrow|yesterday|this|next|at|am|pm|on|for|please|thanks|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|each|of them|seats?|tickets?|"
    r"bucks|dollars?|percent|put|add|create|make|new|set|need|want|can|could|would|it|its)\b",
    re.I,
)


def _set_apart(f: Filler) -> str | None:
    """ "put a new show on the calendar, karaoke night, this saturday at 8 pm": the name said
    between commas, once the order itself and the day, time and price are set aside."""
    clauses = [c.strip(" .!?") for c in re.split(r"[,;]", f.slots.numbered)][1:]
    shows = {w for show in f.slots.shows for w in show.key.split()}
    for clause in clauses:
        parts = clause.split()
        if not 1 <= len(parts) <= 4 or _NOT_A_NAME.search(clause):
            continue
        if shows & set(parts):
            continue
        return " ".join(p.capitalize() for p in parts)
    return None


_NOT_BEFORE = frozenset(
    [
        *("new", "ticket", "another", "seat", "seater", "second", "third", "other", "extra"),
        *("additional", "small", "big", "separate", "brand", "our", "my", "first", "next"),
    ]
)


def _before_noun(f: Filler) -> str | None:
    """ "add a balcony tier" → "Balcony": the words just before the thing a create_ tool makes."""
    if not f.spec.name.startswith(("create_", "add_")):
        return None
    noun = f.spec.name.rsplit("_", 1)[-1]
    found = re.search(
        rf"\b(?:a|an|the|new|another)\s+(?:new\s+)?(?P<name>(?:[\w'&-]+\s+){{0,2}}?[\w'&-]+)"
        rf"\s+{noun}\b",
        f.slots.text,
        re.I,
    )
    if not found:
        return None
    parts = [w for w in found.group("name").split() if not re.search(r"\d", w)]
    parts = [w for w in parts if w.lower() not in _NOT_BEFORE]
    value = " ".join(parts)
    if not value or not values.is_name(value):
        return None
    return value


_TO_NAME = re.compile(r"\b(?:to|for)\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,2})")


async def _to_name(f: Filler, required: bool) -> Any:
    found = _TO_NAME.search(f.slots.text)
    if found and found.group(1) not in ("VIP", "GA"):
        return found.group(1)
    if len(f.slots.people) >= 2:
        mention = f.slots.people[1]
        return mention.candidates[0].name if len(mention.candidates) == 1 else mention.text
    if f.slots.proper:
        return f.slots.proper[-1]
    return _MISSING


async def _team_member_name(f: Filler, required: bool) -> Any:
    """A team member by fuzzy name, read through list_team_members."""
    found = await _team_member(f)
    return found.name if found else _MISSING


async def _team_member(f: Filler) -> Any:
    if "member" in f.memo:
        return f.memo["member"]
    found = None
    try:
        team = await f.read(list_team_members)
    except TicketsError:
        team = None
    members = list(getattr(team, "team", None) or [])
    tokens = [t for t in f.slots.tokens if t not in STOP and len(t) > 2]
    best = 0.0
    for member in members:
        parts = fold(member.name).split()
        score = sum(
            1
            for part in parts
            if process.extractOne(part, tokens, scorer=fuzz.ratio, score_cutoff=85)
        )
        if score > best:
            best, found = score, member
    f.memo["member"] = found
    return found


async def _title(f: Filler, required: bool) -> Any:
    if f.spec.voice.slots.get("title") != "job_title":
        return _MISSING
    found = _TITLE.search(f.slots.text)
    if found:
        return found.group("title").strip()
    return _MISSING


async def _body(f: Filler, required: bool) -> Any:
    if f.slots.quoted:
        return f.slots.quoted
    if f.slots.colon_text:
        return f.slots.colon_text
    found = _BODY.search(f.slots.text)
    return found.group("body").strip(" .") if found else _MISSING


async def _url(f: Filler, required: bool) -> Any:
    return f.slots.url or _MISSING


def _prefixed_url(prefix: str) -> Fill:
    async def fill(f: Filler, required: bool) -> Any:
        if f.slots.url and re.search(rf"\b{prefix}", f.slots.text, re.I):
            return f.slots.url
        return _MISSING

    return fill


async def _color(f: Filler, required: bool) -> Any:
    return f.slots.color or _MISSING


async def _capacity(f: Filler, required: bool) -> Any:
    if f.slots.capacity is not None:
        return f.slots.capacity
    if f.slots.quantity is not None and f.slots.quantity != f.slots.money_cents:
        return f.slots.quantity
    return _MISSING


async def _price(f: Filler, required: bool) -> Any:
    if f.slots.money_cents is not None:
        return f.slots.money_cents
    if re.search(r"\b(free|no charge|zero dollars)\b", f.slots.text, re.I):
        return 0
    return _MISSING


async def _quantity(f: Filler, required: bool) -> Any:
    if f.slots.usual:
        from .fill_basics import _usual

        _, size = await _usual(f)
        if size:
            return size
    if f.slots.quantity is not None:
        return f.slots.quantity
    if not required:
        return _MISSING
    if f.slots.vague_quantity or re.search(r"\btickets\b|\bseats\b", f.slots.text, re.I):
        raise Ask("How many?", "quantity")
    return 1


async def _code(f: Filler, required: bool) -> Any:
    if f.slots.code:
        return f.slots.code
    if f.slots.named:
        return f.slots.named.upper().replace(" ", "")
    spoken = spoken_code(f.slots.text)
    if spoken:
        return spoken
    if f.focus.get("code") and re.search(r"\b(it|that|this|the code)\b", f.slots.text, re.I):
        return f.focus["code"]  # "would it work for comedy hour?" right after making it
    return _MISSING


async def _promo_id(f: Filler, required: bool) -> Any:
    if "code" in f.slots.ids:
        return f.slots.ids["code"]
    codes = await f.read(list_promo_codes, active_only=False, limit=200)
    promos = list(codes.promo_codes)
    if f.slots.code:
        for promo in promos:
            if promo.code.upper() == f.slots.code:
                return promo.id
    tokens = [t.upper() for t in f.slots.tokens]
    for promo in promos:
        if promo.code.upper() in tokens:
            return promo.id
    keys = {promo.code.upper(): promo for promo in promos}
    for token in tokens:
        match = process.extractOne(token, list(keys), scorer=fuzz.ratio, score_cutoff=80)
        if match and len(token) >= 4:
            return keys[match[0]].id
    made = (f.focus.get("ids") or {}).get("promo_code_id")
    if made is not None:
        return made
    if required and len(promos) == 1:
        return promos[0].id
    if required:
        options = [{"label": p.code, "patch": {"promo_code_id": p.id}} for p in promos]
        if options:
            raise Choose(f"Which code: {_labels(options[:3])}?", "promo_code_id", options)
    return _MISSING


async def _member_id(f: Filler, required: bool) -> Any:
    if "member" in f.slots.ids:
        return f.slots.ids["member"]
    found = await _team_member(f)
    return found.id if found else _MISSING


def _literal(name: str) -> Fill:
    async def fill(f: Filler, required: bool) -> Any:
        info = f.spec.input_model.model_fields[name]
        allowed = set(_literals(info.annotation))
        for pattern, value in LITERAL_SYNONYMS[name].items():
            if value in allowed and re.search(pattern, f.slots.text, re.I):
                return value
        return f.generic(name, info)

    return fill


def _literals(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    found: list[Any] = []
    for arg in typing.get_args(annotation):
        found += _literals(arg)
    return found


def _id(kind: str) -> Fill:
    async def fill(f: Filler, required: bool) -> Any:
        return f.slots.ids.get(kind, _MISSING)

    return fill


EXTRA: dict[str, Fill] = {
    "name": _named_name,
    "to_name": _to_name,
    "title": _title,
    "body": _body,
    "url": _url,
    "logo_url": _prefixed_url("logo"),
    "photo_url": _prefixed_url("photo|picture|headshot"),
    "image_url": _prefixed_url("image|picture|photo|poster"),
    "color": _color,
    "capacity": _capacity,
    "price_cents": _price,
    "quantity": _quantity,
    "code": _code,
    "promo_code_id": _promo_id,
    "member_id": _member_id,
    "webhook_id": _id("webhook"),
    "photo_id": _id("photo"),
    "job_id": _id("job"),
    "message_id": _id("message"),
    **{name: _literal(name) for name in LITERAL_SYNONYMS},
}
