"""First node: a waiting question is answered first (the choice, the missing value), then undo
and corrections ("no, I meant Mike"), then the router (local, or one LLM call when configured
and the local ranking is unsure)."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from ..context import AgentContext
from ..router.answers import correction, is_no, is_undo, ordinal
from ..router.rank import rank
from ..router.slots import extract
from ..router.text import fold
from ..state import Intent, Outcome, Pending, State

CONFIDENT = 6.0  # a local score past this (with a clear margin) never asks the LLM
MARGIN = 1.5
NOT_UNDERSTOOD = (
    "Sorry, I didn't get that. Try something like: check in John Smith, or how many are left "
    "for tonight."
)


def said(speech: str, *, success: bool = True) -> dict[str, Any]:
    outcome: Outcome = {
        "speech": speech,
        "success": success,
        "tool": None,
        "arguments": {},
        "data": None,
        "routed_by": "memory",
        "awaiting": None,
    }
    return {"intent": None, "outcome": outcome}


async def understand(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    text = state["text"].strip()
    if not text:
        return said("I didn't hear anything. What do you need?", success=False)
    pending = state.get("pending")
    if pending:
        answered = _answer(pending, text, ctx)
        if answered is not None:
            return {"intent": answered, "outcome": None, "pending": None}
        if is_no(text):
            return {**said("Okay, never mind."), "pending": None}
    fixed = correction(text)
    deferred = state.get("deferred")
    if fixed is not None and (deferred or state.get("last_action")):
        return {**_correct(state, fixed), "pending": None}
    if is_undo(text):
        return {**_undo(state), "pending": None}
    routed = await route(text, ctx, state)
    return {**routed, "pending": None}


def _answer(pending: Pending, text: str, ctx: AgentContext) -> Intent | None:
    """The pending question's answer as a completed intent, or None if this is something else."""
    intent: Intent = dict(pending["intent"])  # type: ignore[assignment]
    arguments = dict(intent.get("arguments") or {})
    if pending["kind"] == "choice":
        option = _pick(pending.get("options", []), text)
        if option is None:
            return None
        arguments.update(option["patch"])
        return {**intent, "arguments": arguments, "routed_by": "memory"}
    if pending["kind"] == "value":
        if is_no(text) or is_undo(text):
            return None
        if _looks_like_command(text, ctx):
            return None
        field = pending.get("field", "")
        spec = ctx.runner.spec(intent["tool"])
        info = spec.input_model.model_fields.get(field)
        if info is not None and info.annotation in (str, str | None) and field != "name":
            arguments[field] = text.strip(" .!?")
            return {**intent, "arguments": arguments, "routed_by": "memory"}
        return {**intent, "arguments": arguments, "override": text, "routed_by": "memory"}
    return None


def _looks_like_command(text: str, ctx: AgentContext) -> bool:
    """A whole new request rather than the missing value (a strong phrase of some tool)."""
    from ..router.rank import _has_phrase
    from ..router.text import stem, words

    tokens = words(text)
    if len(tokens) < 3:
        return False
    stems = [stem(w) for w in tokens]
    return any(
        len(p) > 1 and _has_phrase(stems, p)
        for phrases in ctx.lexicon.phrases.values()
        for p in phrases
    )


def _pick(options: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    if not options:
        return None
    low = fold(text)
    email = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", low)
    if email:
        for option in options:
            if (option.get("email") or "").lower() == email.group(0):
                return option
    from rapidfuzz import fuzz

    scored = [(fuzz.partial_ratio(fold(o["label"]), low), o) for o in options]
    scored = [(s, o) for s, o in scored if s >= 80]
    if scored:
        best = max(s for s, _ in scored)
        top = [o for s, o in scored if s == best]
        if len(top) == 1:
            return top[0]
        exact = [o for o in top if fold(o["label"]) in low]
        if len(exact) == 1:
            return exact[0]
    index = ordinal(text)
    if index is not None and -len(options) <= index < len(options):
        return options[index]
    return None


def _correct(state: State, value: str) -> dict[str, Any]:
    deferred = state.get("deferred")
    if deferred:
        target = dict(deferred["intent"])
        return {
            "intent": {
                "tool": target["tool"],
                "text": target.get("text", ""),
                "arguments": _keep_unrelated(target.get("arguments") or {}),
                "override": value,
                "routed_by": "memory",
            },
            "deferred": None,
            "outcome": None,
        }
    last = state.get("last_action") or {}
    intent: Intent = {
        "tool": last["tool"],
        "text": last.get("text", ""),
        "arguments": {},
        "override": value,
        "routed_by": "memory",
        "before": list(last.get("undo") or []),
    }
    return {"intent": intent, "outcome": None, "last_action": None}


def _keep_unrelated(arguments: dict[str, Any]) -> dict[str, Any]:
    """A correction replaces who: drop the person-derived arguments, keep the rest."""
    personal = {"customer_id", "ticket_id", "order_id", "name", "customer", "related_id"}
    return {k: v for k, v in arguments.items() if k not in personal}


def _undo(state: State) -> dict[str, Any]:
    last = state.get("last_action")
    calls = list((last or {}).get("undo") or [])
    if not calls:
        if not last:
            return said("There's nothing to undo yet.", success=False)
        what = last["tool"].replace("_", " ")
        return said(f"I can't undo the last {what} by voice; it has no undo.", success=False)
    first, rest = calls[0], calls[1:]
    intent: Intent = {
        "tool": first["tool"],
        "text": "",
        "arguments": first["arguments"],
        "routed_by": "memory",
        "before": rest,
    }
    return {"intent": {**intent, "final": True, "confirmed": True, "undo": True}, "outcome": None}


async def route(text: str, ctx: AgentContext, state: State) -> dict[str, Any]:
    catalog = await ctx.catalog.get(ctx.actor)
    slots = extract(text, catalog, ctx.runner.clock(), ctx.tz)
    specs = ctx.specs()
    ranked = rank(slots, ctx.lexicon, specs)
    ctx.stats["ranked"] = ranked[:5]
    confident = (
        bool(ranked)
        and ranked[0].score >= CONFIDENT
        and (len(ranked) == 1 or ranked[0].score - ranked[1].score >= MARGIN)
    )
    if ctx.llm is not None and not confident:
        names = [r.tool for r in ranked[:12]] or [s.name for s in specs][:12]
        chosen = await ctx.llm.choose(text, names, state.get("focus") or {}, ctx)
        if chosen is not None:
            tool, arguments = chosen
            return {
                "intent": {"tool": tool, "text": text, "arguments": arguments, "routed_by": "llm"},
                "outcome": None,
            }
    if not ranked:
        return said(NOT_UNDERSTOOD, success=False)
    return {
        "intent": {"tool": ranked[0].tool, "text": text, "arguments": {}, "routed_by": "local"},
        "outcome": None,
    }
