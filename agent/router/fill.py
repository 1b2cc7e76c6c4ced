"""Turn slots into a tool's arguments, field by field, through read tools only. Fillers are
keyed by field name (event_id, customer_id, ticket_id, tier_id, quantity, from_ …), so a new tool
with the usual field names needs no code. A missing required value becomes a question, several
matches a choice of at most three."""

from __future__ import annotations

import re
import typing
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from aitickets.errors import NotFound
from tools.context import Actor
from tools.registry import ToolSpec
from tools.runner import ToolRunner

from .catalog import Catalog, Person, Show
from .lexicon import TOOL_WORDS
from .slots import PERSON_PRONOUNS, Slots
from .values import is_name

MAX_OPTIONS = 3
# At the door "tonight's show" goes without saying; elsewhere a missing show is asked for.
DOOR_CATEGORIES = frozenset({"checkin", "tickets", "orders", "dashboard"})


class Ask(Exception):
    def __init__(self, question: str, field: str) -> None:
        super().__init__(question)
        self.question, self.field = question, field


class Choose(Exception):
    def __init__(self, question: str, field: str, options: list[dict[str, Any]]) -> None:
        super().__init__(question)
        self.question, self.field, self.options = question, field, options[:MAX_OPTIONS]


_MISSING = object()


@dataclass
class Filler:
    runner: ToolRunner
    actor: Actor
    catalog: Catalog
    slots: Slots
    focus: dict[str, Any]
    spec: ToolSpec
    args: dict[str, Any]
    memo: dict[str, Any] = field(default_factory=dict)

    async def read(self, tool: str, **arguments: Any) -> Any:
        return await self.runner.call(tool, arguments, self.actor)

    # --- people and shows -------------------------------------------------------------------
    async def customer(self, required: bool, index: int = 0) -> Person | None:
        key = f"customer{index}"
        if key in self.memo:
            return self.memo[key]
        person = await self._customer(required, index)
        self.memo[key] = person
        return person

    async def _customer(self, required: bool, index: int) -> Person | None:
        slots = self.slots
        if index == 0 and "customer" in slots.ids:
            return self.catalog.person(slots.ids["customer"]) or Person(
                slots.ids["customer"], f"customer {slots.ids['customer']}", None, ""
            )
        if index == 0 and slots.email and not slots.people:
            found = [p for p in self.catalog.people if p.email == slots.email]
            if found:
                return found[0]
        if len(slots.people) > index:
            mention = slots.people[index]
            if len(mention.candidates) == 1:
                return mention.candidates[0]
            options = [_person_option(p, "customer_id") for p in mention.candidates]
            raise Choose(f"Which {mention.text.title()}: {_labels(options)}?", "customer", options)
        if index == 0 and slots.relation and self.focus.get("customer_id"):
            return await self._relative(slots.relation)
        if index == 0 and (slots.pronoun or required) and self.focus.get("customer_id"):
            ident = self.focus["customer_id"]
            return self.catalog.person(ident) or Person(
                ident, self.focus.get("customer_name", "them"), None, ""
            )
        return None

    async def _relative(self, relation: str) -> Person:
        party = await self.read("get_customer_party", customer_id=self.focus["customer_id"])
        for member in party.members:
            if member.relation == relation:
                return self.catalog.person(member.customer_id) or Person(
                    member.customer_id, member.name, None, ""
                )
        raise NotFound(
            f"I don't know {party.name}'s {relation}; say their name.", code="no_relation"
        )

    async def show(self, required: bool) -> Show | None:
        if "show" in self.memo:
            return self.memo["show"]
        found = await self._show(required)
        self.memo["show"] = found
        return found

    async def _show(self, required: bool) -> Show | None:
        slots, shows = self.slots, self.catalog.shows
        if "event" in slots.ids:
            ident = slots.ids["event"]
            return self.catalog.show(ident) or Show(ident, f"event {ident}", slots.now, "", "", "")
        if slots.shows:
            return slots.shows[0]
        if slots.day is not None and (required or slots.event_pronoun or slots.show_word):
            on_day = [
                s
                for s in shows
                if s.status != "cancelled" and s.starts_at.astimezone(slots.tz).date() == slots.day
            ]
            if len(on_day) == 1:
                return on_day[0]
            if len(on_day) > 1:
                options = [
                    {"label": s.name, "patch": {"event_id": s.id}} for s in on_day[:MAX_OPTIONS]
                ]
                raise Choose(f"Which show: {_labels(options)}?", "event_id", options)
        focused = self.focus.get("event_id")
        if focused and (slots.event_pronoun or required):
            return self.catalog.show(focused) or Show(
                focused, self.focus.get("event_name", "that event"), slots.now, "", "", ""
            )
        if required and self.spec.category in DOOR_CATEGORIES:
            today = slots.now.astimezone(slots.tz).date()
            upcoming = [
                s
                for s in shows
                if s.status != "cancelled" and s.starts_at.astimezone(slots.tz).date() == today
            ]
            if len(upcoming) == 1:
                return upcoming[0]
        return None

    # --- per-field values -------------------------------------------------------------------
    async def value(self, name: str, info: FieldInfo) -> Any:
        if name in self.args:
            return self.args[name]
        required = info.is_required()
        if name == "body" and (self.slots.quoted or self.slots.colon_text):
            return self.slots.quoted or self.slots.colon_text
        pattern = self.pattern_value(name)
        if pattern is not None:
            return pattern
        own = BY_TOOL.get((self.spec.name, name))
        filler = own or FILLERS.get(name)
        if filler is not None:
            found = await filler(self, required)
            if found is not _MISSING and found is not None:
                return found
            if own is not None:
                return _MISSING
        made = (self.focus.get("ids") or {}).get(name)
        if required and made is not None and name.endswith("_id"):
            return made  # "turn it off" right after making it
        return self.generic(name, info)

    def pattern_value(self, name: str) -> str | None:
        words = TOOL_WORDS.get(self.spec.name)
        if not words:
            return None
        for pattern in words.patterns:
            match = re.search(pattern, self.slots.text, re.I)
            if match and name in match.groupdict() and match.group(name):
                value = match.group(name).strip(" ,.!?")
                if name in ("name", "to_name", "title") and not is_name(value):
                    continue
                if name == "name" and value.lower() in PERSON_PRONOUNS:
                    continue
                shows = {w for show in self.slots.shows for w in show.key.split()}
                if name in ("name", "to_name") and shows & set(value.lower().split()):
                    continue  # "… for jazz" names a show, not a person
                return value
        return None

    def generic(self, name: str, info: FieldInfo) -> Any:
        """Literal fields take a value the sentence says; bools follow the tool's flags."""
        words = TOOL_WORDS.get(self.spec.name)
        if words and name in words.flags:
            yes, no = words.flags[name]
            if re.search(no, self.slots.text, re.I):
                return False
            if re.search(yes, self.slots.text, re.I):
                return True
            return _MISSING if not info.is_required() else True
        for choice in _literals(info.annotation):
            if re.search(rf"\b{re.escape(str(choice)).replace('_', '[ _-]?')}\b", self.slots.text,
                         re.I):  # fmt: skip
                return choice
        return _MISSING


def _literals(annotation: Any) -> list[Any]:
    found: list[Any] = []
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        found += _literals(arg)
    return found


def _person_option(person: Person, field: str) -> dict[str, Any]:
    return {"label": person.name, "email": person.email, "patch": {field: person.id}}


def _labels(options: list[dict[str, Any]]) -> str:
    labels = [
        f"{o['label']} ({o['email']})" if _duplicate(o, options) and o.get("email") else o["label"]
        for o in options
    ]
    return ", ".join(labels[:-1]) + " or " + labels[-1] if len(labels) > 1 else labels[0]


def _duplicate(option: dict[str, Any], options: list[dict[str, Any]]) -> bool:
    return sum(1 for o in options if o["label"] == option["label"]) > 1


# --- fillers keyed by field name ------------------------------------------------------------
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
    result = await f.read("get_customer_tickets", **args)
    mine = [t for t in result.tickets if t.status in statuses]
    own = [t for t in mine if t.holder_customer_id == person.id]
    chosen = own or mine
    if not chosen:
        where = f" for {show.name}" if show else ""
        raise NotFound(f"{person.name} has no ticket{where} I can use for that.", code="no_ticket")
    f.memo["tickets"] = chosen
    return chosen


TICKET_STATUSES = {"undo_check_in": ("checked_in",), "transfer_ticket": ("valid",)}


async def _ticket_id(f: Filler, required: bool) -> Any:
    if "ticket" in f.slots.ids:
        return f.slots.ids["ticket"]
    statuses = TICKET_STATUSES.get(f.spec.name, ("valid", "checked_in"))
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
        profile = await f.read("get_customer_profile", customer_id=person.id, history_limit=50)
        sizes = Counter(o.ticket_count for o in profile.history if o.ticket_count)
        tickets = await f.read("get_customer_tickets", customer_id=person.id, limit=200)
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
    if f.spec.category == "analytics" and start > f.slots.now and end - start <= timedelta(days=3):
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
    return when.isoformat() if when else _MISSING


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
    codes = await f.read("list_promo_codes", active_only=False, limit=200)
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
        return f.slots.people[0].text
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

QUESTIONS = {
    "event_id": "Which event?",
    "customer_id": "Who do you mean?",
    "ticket_id": "Whose ticket?",
    "name": "What's the name?",
    "customer": "Who are the tickets for?",
    "tier_id": "Which tickets?",
    "order_id": "Which order?",
    "body": "What should it say?",
    "title": "What's the title?",
    "code": "What's the code?",
    "promo_code_id": "Which code?",
    "email": "What's their email?",
    "quantity": "How many?",
    "occurrences": "How many times?",
    "frequency": "How often: weekly, every other week or monthly?",
    "first_starts_at": "When is the first one?",
    "capacity": "How many people does it hold?",
    "url": "What's the web address?",
    "starts_at": "When does it start?",
}


async def fill_arguments(f: Filler) -> dict[str, Any]:
    """Every field the sentence or the focus gives; asks for a required one it cannot find."""
    model: type[BaseModel] = f.spec.input_model
    arguments: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        value = await f.value(name, info)
        if value is _MISSING or value is None:
            if info.is_required():
                question = QUESTIONS.get(name, f"What {name.replace('_', ' ')}?")
                raise Ask(question, name)
            continue
        arguments[name] = value
    return arguments


def alias_arguments(spec: ToolSpec, arguments: dict[str, Any]) -> dict[str, Any]:
    """Field names → the names the input model accepts (from_ → "from")."""
    fields = spec.input_model.model_fields
    return {(fields[k].alias or k) if k in fields else k: v for k, v in arguments.items()}


from .fill_values import BY_TOOL, EXTRA  # noqa: E402  (they build on the Filler above)

FILLERS.update(EXTRA)
