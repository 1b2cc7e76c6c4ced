"""Fourth node: the registry runs the tool with the session's role. Focus and the undo of the
last action are updated from the arguments and the typed result."""

from __future__ import annotations

import contextlib
from typing import Any

from langgraph.runtime import Runtime

from aitickets.errors import Ambiguous, TicketsError
from tools.registry import ToolSpec

from ..context import AgentContext
from ..router.fill import MAX_OPTIONS, alias_arguments
from ..state import Call, Focus, LastAction, Pending, State
from .resolve import asking, failed, speaker_for

# Categories whose tools can add or rename the people, shows and tiers the router matches.
NAMES_CHANGE = frozenset({"customers", "events", "tiers", "venues", "orders", "about"})


def undo_calls(
    spec: ToolSpec, inverse: ToolSpec, arguments: dict[str, Any], data: Any
) -> list[Call]:
    """The inverse's arguments from the action's arguments and result, by field name: one call
    per admitted ticket for a party check-in, the flag flipped when a tool is its own inverse."""
    fields = inverse.input_model.model_fields
    required = [n for n, f in fields.items() if f.is_required()]
    rows = [data]
    for value in data.values() if isinstance(data, dict) else ():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows = value
            break
    calls: list[Call] = []
    for row in rows:
        args: dict[str, Any] = {}
        for name in fields:
            if name in arguments:
                args[name] = arguments[name]
            elif isinstance(data, dict) and name in data and not isinstance(data[name], list):
                args[name] = data[name]
            elif isinstance(row, dict) and name in row:
                args[name] = row[name]
            elif isinstance(row, dict) and name.endswith("_id") and "id" in row:
                noun = name.removesuffix("_id")
                if noun in spec.name or noun in inverse.name or name in required:
                    args[name] = row["id"]
        if inverse.name == spec.name:
            for name, info in fields.items():
                if info.annotation is bool and name in args:
                    args[name] = not args[name]
                elif info.annotation is bool and name not in args:
                    args[name] = not bool(info.default)
        call: Call = {"tool": inverse.name, "arguments": args}
        if all(name in args for name in required) and call not in calls:
            calls.append(call)
    return calls


def _choice_from(exc: Ambiguous, spec: ToolSpec, arguments: dict[str, Any]) -> list[dict]:
    fields = spec.input_model.model_fields
    options = []
    for option in (exc.details.get("options") or [])[:MAX_OPTIONS]:
        patch: dict[str, Any] = {}
        for key, value in option.items():
            if key in fields:
                patch[key] = value
        if "id" in option and "event_id" in fields and "customer_id" not in option:
            patch["event_id"] = option["id"]
        if "customer_id" in option and "customer_id" not in fields:
            patch["customer_id"] = option["customer_id"]
        label = str(option.get("name") or option.get("label") or option.get("id"))
        options.append({"label": label, "email": option.get("email"), "patch": patch})
    return options


def _focus_from(
    tool: str, focus: Focus, about: Focus, arguments: dict[str, Any], data: Any
) -> Focus:
    new: Focus = dict(focus)  # type: ignore[assignment]
    new.update(about)
    if isinstance(data, dict):
        admitted = data.get("checked_in")
        if isinstance(admitted, list) and admitted:
            new["customer_id"] = admitted[0]["customer_id"]
            new["customer_name"] = admitted[0]["holder_name"]
            new["ticket_ids"] = [t["id"] for t in admitted]
        if isinstance(data.get("event_id"), int):
            new["event_id"] = data["event_id"]
        if isinstance(data.get("code"), str):
            new["code"] = data["code"]
        by_contact = "customer_id" not in data and "customer_id" not in arguments
        if by_contact and isinstance(arguments.get("email"), str):
            # someone given by name and email (joined a waitlist): "she" is them next
            same = new.get("customer_email") == arguments["email"]
            new.pop("customer_id", None)
            new["customer_email"] = arguments["email"]
            if arguments.get("name") or not same:
                new["customer_name"] = str(arguments.get("name") or arguments["email"])
        held = [g for g in data.get("guests") or [] if isinstance(g, dict)]
        if held and len({g.get("customer_id") for g in held}) == 1:
            # "is Jane on the list?" then "check her in": the one guest found is "her" next
            new["customer_id"] = held[0]["customer_id"]
            new["customer_name"] = held[0].get("holder_name", "")
        shown = data.get("events")
        if isinstance(shown, list) and len(shown) == 1 and isinstance(shown[0], dict):
            # "what time's the salsa thing on Friday": the one show found is "it" next
            new["event_id"] = shown[0].get("id") or shown[0].get("event_id")
            new["event_name"] = shown[0].get("name", "")
        if tool.endswith("_event") and isinstance(data.get("id"), int) and "starts_at" in data:
            new["event_id"], new["event_name"] = data["id"], data.get("name", "")
        if isinstance(data.get("customer_id"), int) and "customer_id" not in about:
            new["customer_id"] = data["customer_id"]
            if isinstance(data.get("name"), str) and "holder_name" not in data:
                new["customer_name"] = data["name"]
            if isinstance(data.get("email"), str):
                new["customer_email"] = data["email"]
    if isinstance(arguments.get("event_id"), int):
        new["event_id"] = arguments["event_id"]
    if isinstance(arguments.get("related_id"), int):
        new["ids"] = {**(new.get("ids") or {}), "related_id": arguments["related_id"]}
    ids = _made_ids(tool, arguments, data)
    if ids:
        new["ids"] = {**(new.get("ids") or {}), **ids}
        name = data.get("name") if isinstance(data, dict) else None
        if tool.endswith("_event") and "event_id" in ids:
            new["event_id"] = ids["event_id"]
            if name:
                new["event_name"] = name
        if tool.endswith("_customer") and "customer_id" in ids:
            new["customer_id"] = ids["customer_id"]
            if name:
                new["customer_name"] = name
    return new


def _made_ids(tool: str, arguments: dict[str, Any], data: Any) -> dict[str, int]:
    """The thing a tool made or touched, under every field name that could mean it:
    create_ticket_tier → ticket_tier_id and tier_id; add_team_member → member_id."""
    verb, _, noun = tool.partition("_")
    parts = noun.split("_")
    found: dict[str, int] = {}
    ident = data.get("id") if isinstance(data, dict) else None
    for i in range(len(parts)):
        key = "_".join(parts[i:]) + "_id"
        if isinstance(arguments.get(key), int):
            ident = arguments[key]
    if not isinstance(ident, int) or verb in ("list", "search", "get"):
        ident = None
    entry = data.get("entry_id") if isinstance(data, dict) else None
    if isinstance(entry, int) and verb not in ("list", "search", "get"):
        found["entry_id"] = entry  # "take her off the waitlist" right after putting her on
    if ident is None:
        return found
    for i in range(len(parts)):
        found["_".join(parts[i:]) + "_id"] = ident
    return found


async def execute(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    intent = state.get("intent")
    if not intent or state.get("outcome"):
        return {}
    focus: Focus = dict(state.get("focus") or {})  # type: ignore[assignment]
    speaker = speaker_for(ctx, focus)
    spec = ctx.runner.spec(intent["tool"])
    arguments = intent.get("arguments") or {}
    for call in intent.get("before") or []:
        with contextlib.suppress(TicketsError):  # already undone, or nothing left to undo
            await ctx.runner.call(call["tool"], call["arguments"], ctx.actor)
    try:
        result = await ctx.runner.call(spec.name, alias_arguments(spec, arguments), ctx.actor)
    except Ambiguous as exc:
        options = _choice_from(exc, spec, arguments)
        if not options:
            return failed(exc, intent, speaker)
        labels = [o["label"] for o in options]
        pending: Pending = {
            "kind": "choice",
            "question": f"{exc.message.split(';')[0]}: {', '.join(labels[:-1])} or {labels[-1]}?"
            if len(labels) > 1
            else exc.message,
            "intent": {**intent, "arguments": arguments},
            "options": options,
        }
        return asking(pending, intent.get("routed_by", "local"), intent)
    except TicketsError as exc:
        return failed(exc, intent, speaker)
    data = result.model_dump(mode="json")
    new_focus = _focus_from(spec.name, focus, intent.get("focus") or {}, arguments, data)
    speaker.focus = {**new_focus, "_text": intent.get("override") or intent.get("text", "")}
    # The show this result is about decides the zone its times are said in.
    about = arguments.get("event_id") or data.get("event_id") or new_focus.get("event_id")
    speaker.tz = ctx.tz_for(about if isinstance(about, int) else None)
    speech = speaker.result(spec, data, arguments)
    update: dict[str, Any] = {
        "focus": new_focus,
        "last_intent": {"tool": spec.name, "text": intent.get("text", ""), "arguments": arguments},
    }
    if intent.get("undo"):
        speech = f"Undone. {speech}"
        update["last_action"] = None
    elif not spec.read_only:
        if spec.category in NAMES_CHANGE:
            ctx.catalog.invalidate()
        undo: list[Call] = []
        if spec.undo and spec.undo in ctx.runner.tools:
            undo = undo_calls(spec, ctx.runner.spec(spec.undo), arguments, data)
        last: LastAction = {
            "tool": spec.name,
            "text": intent.get("text", ""),
            "arguments": arguments,
            "undo": undo,
            "summary": speech,
        }
        update["last_action"] = last
    update["outcome"] = {
        "speech": speech,
        "success": True,
        "tool": spec.name,
        "arguments": alias_arguments(spec, arguments),  # as REST and MCP spell them ("from")
        "data": data,
        "routed_by": intent.get("routed_by", "local"),
        "awaiting": None,
    }
    update["intent"] = None
    return update
