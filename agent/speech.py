"""Sentences to be read aloud: one or two short ones, no ids, JSON or markdown; money and
times as people say them; lists summarised. What a tool's result sounds like is declared with
the tool (its voice's `say`); anything else gets a generic sentence from the result's shape
(here)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aitickets.errors import TicketsError
from tools.phrasing import Data, count, listing, money, past, phone, plural, singular, when
from tools.registry import ToolSpec

__all__ = ["Speaker", "count", "generic", "listing", "money", "plural", "when"]


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
        # The end is exclusive (midnight after the last day): say the last day itself.
        b = (datetime.fromisoformat(end) - timedelta(microseconds=1)).astimezone(self.tz)
        if b.date() == a.date():
            return f"on {a:%A}" if a.date() != self.now.astimezone(self.tz).date() else "today"
        return f"from {a:%A %B} {a.day} to {b:%A %B} {b.day}"

    def result(self, spec: ToolSpec, data: Data, arguments: Data) -> str:
        say = spec.voice.say
        if say is not None:
            try:
                return say(data, arguments, self)
            except (KeyError, TypeError, ValueError, IndexError):
                pass
        return generic(spec.name, data)

    def error(self, exc: TicketsError) -> str:
        hint = ERROR_HINTS.get(exc.code, "")
        return f"{exc.message} {hint}".strip()


_FACTS = (
    "email",
    "phone",
    "title",
    "address",
    "capacity",
    "status",
    "role",
    "url",
    "color",
    "price_cents",
    "body",
)


def _fact(key: str, value: Any) -> str:
    if key == "phone":
        return phone(str(value))
    if key == "price_cents":
        return money(value)
    if key == "capacity":
        return f"capacity {value}"
    return str(value)


def generic(tool: str, data: Data) -> str:
    """A sentence for any tool from the shape of its result."""
    verb, _, rest = tool.partition("_")
    name = data.get("name") or data.get("holder_name") or data.get("title") or data.get("code")
    reading = verb in ("get", "lookup", "list", "read", "validate", "search")
    for key, value in data.items():
        if not reading:
            break
        if isinstance(value, list) and value and not isinstance(value[0], dict):
            continue
        if isinstance(value, list) and key not in ("tiers", "category_ids"):
            labels = [
                str(
                    v.get("name")
                    or v.get("holder_name")
                    or v.get("code")
                    or v.get("title")
                    or v.get("url")
                    or ""
                )
                + (f" ({v['role']})" if isinstance(v.get("role"), str) else "")
                for v in value
                if isinstance(v, dict)
            ]
            total = data.get("total", len(value))
            if not value:
                return f"There are no {key.replace('_', ' ')}."
            if not any(labels):
                return f"{count(total, singular(key))}."
            noun = singular(key)
            if noun == "team":
                noun = "team member"
            return f"{count(total, noun)}: {listing(labels)}."
    if reading:
        facts = [
            _fact(k, data[k])
            for k in _FACTS
            if isinstance(data.get(k), (str, int)) and str(data[k]) and data.get(k) != name
        ][:3]
        head = str(name) if name else singular(rest).capitalize()
        return ", ".join([head, *facts]) + "."
    thing = rest.replace("_", " ")
    if name and "email" in data and "customer" in thing:
        return f"{past(verb)} {thing} for {name}."
    if name:
        return f"{past(verb)} {thing} {name}.".replace("  ", " ")
    if isinstance(data.get("url"), str):
        return f"{past(verb)} {thing} for {data['url']}."
    return f"{past(verb)} {thing}.".replace("  ", " ")
