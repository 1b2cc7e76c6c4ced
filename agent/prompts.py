"""Text the agent sends or says that is not a tool result: the LLM router's instructions and
the confirmation questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tools.registry import ToolSpec

ROUTER_SYSTEM = (
    "You route what venue staff say to one tool call. Pick exactly one of the tools offered "
    "and fill only the arguments the sentence or the focus gives; leave ids out unless the "
    "focus names them. If nothing fits, call no tool."
)


def focus_line(focus: dict[str, Any]) -> str:
    parts = []
    if focus.get("event_id"):
        parts.append(f"event {focus.get('event_name', '')} (event_id {focus['event_id']})")
    if focus.get("customer_id"):
        parts.append(
            f"customer {focus.get('customer_name', '')} (customer_id {focus['customer_id']})"
        )
    return "Focus: " + ("; ".join(parts) if parts else "none")


def confirmation_question(spec: ToolSpec, intent: Any, names: dict[int, str]) -> str:
    """ "Refund Mike Brown's ticket for Jazz Night?" from the resolved focus and arguments."""
    about = intent.get("focus") or {}
    arguments = intent.get("arguments") or {}
    action = spec.name.replace("_", " ")
    who = about.get("customer_name")
    event = about.get("event_name") or names.get(arguments.get("event_id") or 0)
    words = action.split()
    verb, rest = words[0], " ".join(words[1:])
    if who and rest:
        target = f"{who}'s {rest}"
    elif event and rest in ("event", "tier", "ticket tier"):
        target = f"{event}" if rest == "event" else f"the {rest} of {event}"
    else:
        name = arguments.get("name")
        target = f"{rest} {name}" if name else f"the {rest}" if rest else ""
    where = f" for {event}" if event and event not in target else ""
    moved = arguments.get("new_starts_at")
    if isinstance(moved, str) and event and verb == "postpone":  # where it moves to, said first
        at = datetime.fromisoformat(moved)
        hour = at.strftime("%I:%M %p").lstrip("0").replace(":00", "").lower()
        return f"Move {event} to {at:%A %B} {at.day} at {hour}? Say yes to go ahead."
    part = arguments.get("amount_cents")
    if isinstance(part, int) and verb == "refund":  # a partial refund says how much
        dollars, cents = divmod(part, 100)
        amount = f"${dollars:,}" if not cents else f"${dollars:,}.{cents:02d}"
        return f"Refund {amount} of {target}{where}? Say yes to go ahead.".replace("  ", " ")
    return f"{verb.capitalize()} {target}{where}? Say yes to go ahead.".replace("  ", " ")
