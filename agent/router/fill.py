"""Turn slots into a tool's arguments, field by field, through read tools only. Fillers are
keyed by field name (event_id, customer_id, ticket_id, tier_id, quantity, from_ …), so a new tool
with the usual field names needs no code. A missing required value becomes a question, several
matches a choice of at most three."""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from aitickets.errors import NotFound
from tools.context import Actor
from tools.crm import get_customer_party
from tools.registry import ToolFn, ToolSpec
from tools.runner import ToolRunner

from .catalog import Catalog, Person, Show
from .cues import EVERY_SHOW
from .slots import PERSON_PRONOUNS, Slots
from .values import is_name

MAX_OPTIONS = 3
# At the door "tonight's show" goes without saying; elsewhere a missing show is asked for.
DOOR_CATEGORIES = frozenset({"checkin", "tickets", "orders", "dashboard"})

_PLACEHOLDER = re.compile(
    r"(?:someone|somebody|anyone|another person|a friend|a mate|them|him|her)(?: else)?"
)
# Relations that answer for one another when only the general one was recorded.
_KIN = (
    {"wife", "husband", "spouse", "partner"},
    {"mother", "father", "parent"},
    {"son", "daughter", "child"},
    {"brother", "sister", "sibling"},
)


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

    async def read(self, tool: ToolFn, **arguments: Any) -> Any:
        """Run a read tool, named by its function (the router reads; it never names a tool)."""
        return await self.runner.call(tool.__name__, arguments, self.actor)

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
            together = await self._one_party(mention.candidates)
            if together is not None:
                return together  # "the Smith party": either Smith stands for all of them
            options = [_person_option(p, "customer_id") for p in mention.candidates]
            raise Choose(f"Which {mention.text.title()}: {_labels(options)}?", "customer", options)
        if index == 0 and slots.relation and self.focus.get("customer_id"):
            return await self._relative(slots.relation)
        if index == 0 and (slots.pronoun or required) and self.focus.get("customer_id"):
            ident = self.focus["customer_id"]
            return self.catalog.person(ident) or Person(
                ident, self.focus.get("customer_name", "them"), self.focus.get("customer_email"), ""
            )
        return None

    async def _one_party(self, candidates: list[Person]) -> Person | None:
        if "_party" not in self.spec.name:
            return None
        party = await self.read(get_customer_party, customer_id=candidates[0].id)
        members = {m.customer_id for m in party.members}
        return candidates[0] if all(p.id in members for p in candidates[1:]) else None

    async def _relative(self, relation: str) -> Person:
        """ "his wife": the member linked as wife, else as spouse or partner (and so on)."""
        party = await self.read(get_customer_party, customer_id=self.focus["customer_id"])
        kin = next((g for g in _KIN if relation in g), {relation})
        for member in sorted(party.members, key=lambda m: m.relation != relation):
            if member.relation in kin:
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
        if not required and EVERY_SHOW.search(slots.text):
            return None  # "today, all events": no one show
        for_day = re.search(r"\bfor (?:tonight|today|tomorrow)\b", slots.text, re.I)
        if slots.day is not None and (
            required or slots.event_pronoun or slots.show_word or for_day
        ):
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
        if re.search(r"\bnext (?:show|event|gig|concert)\b", slots.text, re.I):
            coming = [s for s in shows if s.status != "cancelled" and s.starts_at >= slots.now]
            if coming:
                return min(coming, key=lambda s: s.starts_at)  # "the next show"
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
        kind = self.spec.voice.slots.get(name)
        own = BY_KIND.get(kind) if kind else None
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
        for pattern in self.spec.voice.patterns:
            match = re.search(pattern, self.slots.text, re.I)
            if match and name in match.groupdict() and match.group(name):
                value = match.group(name).strip(" ,.!?")
                if name in ("name", "to_name", "title") and not is_name(value):
                    continue
                if name in ("name", "to_name") and _PLACEHOLDER.fullmatch(value.lower()):
                    continue  # "to someone else": a name still to be asked for
                if name == "name" and value.lower() in PERSON_PRONOUNS:
                    continue
                shows = {w for show in self.slots.shows for w in show.key.split()}
                person_name = name == "to_name" or self.spec.category != "events"
                if person_name and shows & set(value.lower().split()):
                    continue  # "… for jazz" names a show, not a person
                return value
        return None

    def generic(self, name: str, info: FieldInfo) -> Any:
        """Literal fields take a value the sentence says; bools follow the tool's flags."""
        flags = self.spec.voice.flags
        if name in flags:
            yes, no = flags[name]
            # the flag's words outside names: "open mic" opens nothing
            free = " ".join(t for t in self.slots.tokens if t not in self.slots.consumed)
            if re.search(no, free, re.I):
                return False
            if re.search(yes, free, re.I):
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
    "to_name": "Who is it going to?",
    "phone": "What's the phone number?",
    "price_cents": "How much is it?",
    "new_starts_at": "When should it move to?",
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


# The fillers build on the Filler above; each module adds those of its concern.
from .fill_basics import FILLERS  # noqa: E402
from .fill_customers import CUSTOMER_BY_KIND, CUSTOMER_FILLERS  # noqa: E402
from .fill_events import EVENT_BY_KIND, EVENT_FILLERS  # noqa: E402
from .fill_tools import BY_KIND  # noqa: E402
from .fill_values import EXTRA  # noqa: E402

FILLERS.update(EXTRA)
FILLERS.update(CUSTOMER_FILLERS)
FILLERS.update(EVENT_FILLERS)
BY_KIND.update(CUSTOMER_BY_KIND)
BY_KIND.update(EVENT_BY_KIND)
