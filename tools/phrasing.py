"""How numbers, money, times, phones and lists are said aloud: the small helpers every spoken
sentence is made of."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Data = dict[str, Any]


def money(cents: int | None) -> str:
    cents = int(cents or 0)
    dollars, rest = divmod(abs(cents), 100)
    sign = "minus " if cents < 0 else ""
    return f"{sign}${dollars:,}" if rest == 0 else f"{sign}${dollars:,}.{rest:02d}"


def plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {plural(noun)}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def listing(names: list[str], limit: int = 3) -> str:
    """ "Jazz Night, Comedy Hour and 3 more"."""
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        return "none"
    if len(names) <= limit + 1:  # "and 1 more" would take as long as the name itself
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


def singular(noun: str) -> str:
    noun = noun.replace("_", " ")
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("sses", "shes", "ches", "xes")):
        return noun[:-2]
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


_PAST = {"set": "Set", "get": "Here is", "send": "Sent", "run": "Ran", "undo": "Undid"}


def past(verb: str) -> str:
    if verb in _PAST:
        return _PAST[verb]
    if verb.endswith("e"):
        return verb.capitalize() + "d"
    if re.search(r"[^aeiou][aeiou][pt]$", verb) and verb not in ("edit", "limit"):
        return verb.capitalize() + verb[-1] + "ed"
    return verb.capitalize() + "ed"


def phone(value: str) -> str:
    """ "+15550100103" → "555 010 0103"."""
    digits = re.sub(r"\D", "", value)
    if value.startswith("+1") and len(digits) == 11:
        return f"{digits[1:4]} {digits[4:7]} {digits[7:]}"
    return value
