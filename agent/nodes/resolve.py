"""Second node: references become ids through read tools ("her", "his wife", "the usual",
"tonight's show", fuzzy names). A missing value becomes a question; several matches a choice."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from aitickets.errors import TicketsError

from ..context import AgentContext
from ..router.fill import Ask, Choose, Filler, fill_arguments
from ..router.slots import Slots, extract
from ..router.spoken import spoken_code
from ..speech import Speaker
from ..state import Focus, Intent, Pending, State


def asking(pending: Pending, routed_by: str, intent: Intent) -> dict[str, Any]:
    return {
        "pending": pending,
        "intent": None,
        "outcome": {
            "speech": pending["question"],
            "success": True,
            "tool": intent["tool"],
            "arguments": {},
            "data": None,
            "routed_by": routed_by,
            "awaiting": pending["kind"],
        },
    }


def failed(exc: TicketsError, intent: Intent, speaker: Speaker) -> dict[str, Any]:
    return {
        "intent": None,
        "last_intent": {
            "tool": intent["tool"],
            "text": intent.get("text", ""),
            "arguments": intent.get("arguments") or {},
        },
        "outcome": {
            "speech": speaker.error(exc),
            "success": False,
            "tool": intent["tool"],
            "arguments": intent.get("arguments") or {},
            "data": {"error": {"code": exc.code, "message": exc.message}},
            "routed_by": intent.get("routed_by", "local"),
            "awaiting": None,
        },
    }


def speaker_for(ctx: AgentContext, focus: Focus) -> Speaker:
    tz = ctx.tz_for(focus.get("event_id"))
    return Speaker(tz, ctx.runner.clock(), ctx.stats.get("names", {}), dict(focus))


def _merge(slots: Slots, extra: Slots) -> None:
    """A correction or an answer overrides what it says, and keeps the rest of the sentence."""
    if extra.people:
        slots.people = extra.people
        slots.pronoun = None
        slots.relation = None
    # A discount is an amount or a percentage: the one said now replaces the other.
    if extra.money_cents is not None and extra.percent is None:
        slots.percent = None
    if extra.percent is not None and extra.money_cents is None:
        slots.money_cents = None
    if extra.code is None and extra.text:
        extra.code = spoken_code(extra.text)  # "and another one, VIPFIVE": the new code
    for name in ("email", "phone", "quantity", "money_cents", "code", "period", "day"):
        value = getattr(extra, name)
        if value is not None:
            setattr(slots, name, value)
    if extra.shows:
        slots.shows = extra.shows
    elif extra.day is not None and extra.show_word:
        slots.shows = []  # "what about tomorrow's show?": the day picks the show
        slots.show_word = True
    if extra.tier_keys:
        slots.tier_keys = extra.tier_keys
    slots.ids.update(extra.ids)
    for name in ("url", "color", "named", "capacity", "percent"):
        value = getattr(extra, name)
        if value is not None:
            setattr(slots, name, value)
    if extra.proper:
        slots.proper = extra.proper
    if extra.when is not None:
        when = extra.when
        if extra.day is None and slots.day is not None and slots.when is not None:
            # "What time on Friday?" "8pm": Friday, at 8 pm
            when = slots.when.replace(hour=when.hour, minute=when.minute, second=0)
        slots.__dict__["when"] = when  # a cached_property: the correction's time wins
    slots.usual = slots.usual or extra.usual
    slots.clock = slots.clock or extra.clock


_NAME_FIELDS = ("name", "to_name")


def _one_tier(slots: Slots) -> int | None:
    """The one tier of the one show the sentence names, if it names exactly one."""
    if len(slots.tier_keys) != 1 or len(slots.shows) != 1:
        return None
    key = slots.tier_keys[0]
    found = [t.id for t in slots.shows[0].tiers if t.key == key or key in t.key.split()]
    return found[0] if len(found) == 1 else None


def _written_names(arguments: dict[str, Any]) -> dict[str, Any]:
    """ "priya shah", "front row" (speech-to-text without capitals) → "Priya Shah", "Front Row";
    a name that has capitals already is kept as said ("iPhone Night", "DJ Kool")."""
    out = dict(arguments)
    for key, value in arguments.items():
        if key in _NAME_FIELDS and isinstance(value, str) and value == value.lower():
            out[key] = " ".join(w[:1].upper() + w[1:] for w in value.split())
        elif isinstance(value, dict):
            out[key] = _written_names(value)  # purchase_tickets' customer {name, email}
    return out


async def resolve(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    intent = state.get("intent")
    if not intent or intent.get("final"):
        return {}
    catalog = await ctx.catalog.get(ctx.actor)
    ctx.know(catalog)
    focus = dict(state.get("focus") or {})
    now = ctx.runner.clock()
    tz = ctx.tz_for(focus.get("event_id"))
    slots = extract(intent.get("text", ""), catalog, now, tz)
    if intent.get("override"):
        _merge(slots, extract(intent["override"], catalog, now, tz))
    spec = ctx.runner.spec(intent["tool"])
    fields = spec.input_model.model_fields
    arguments = dict(intent.get("arguments") or {})
    filler = Filler(ctx.runner, ctx.actor, catalog, slots, focus, spec, arguments)
    # A chosen customer or show the tool has no field for still steers the other fields.
    if "customer_id" in arguments and "customer_id" not in fields:
        ident = arguments.pop("customer_id")
        filler.memo["customer0"] = catalog.person(ident)
    if "event_id" in arguments and "event_id" not in fields:
        filler.memo["show"] = catalog.show(arguments.pop("event_id"))
    speaker = speaker_for(ctx, focus)
    routed_by = intent.get("routed_by", "local")
    try:
        filled = await fill_arguments(filler)
        if not spec.name.endswith("_api_key"):  # a key's name is a label, kept as typed
            filled = _written_names(filled)
    except Ask as ask:
        pending: Pending = {
            "kind": "value",
            "question": ask.question,
            "intent": {**intent, "arguments": arguments},
            "field": ask.field,
        }
        return asking(pending, routed_by, intent)
    except Choose as choose:
        pending = {
            "kind": "choice",
            "question": choose.question,
            "intent": {**intent, "arguments": arguments},
            "options": choose.options,
            "field": choose.field,
        }
        return asking(pending, routed_by, intent)
    except TicketsError as exc:
        return failed(exc, intent, speaker)
    about: Focus = {}
    person = filler.memo.get("customer0")
    if person is not None:
        about.update(customer_id=person.id, customer_name=person.name)
    show = filler.memo.get("show")
    if show is not None:
        about.update(event_id=show.id, event_name=show.name)
    if "tickets" in filler.memo:
        about["ticket_ids"] = [t.ticket_id for t in filler.memo["tickets"]]
    tier = _one_tier(slots)
    if tier is not None:  # "how many Standard left?" then "make that one $18": that tier
        about["ids"] = {**(focus.get("ids") or {}), "tier_id": tier}
    return {"intent": {**intent, "arguments": filled, "focus": about}}
