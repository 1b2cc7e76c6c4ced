"""First node: a waiting question is answered first (the choice, the missing value), then undo
and corrections ("no, I meant Mike"), then the router (local, or one LLM call when configured
and the local ranking is unsure)."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from ..context import AgentContext
from ..router.answers import correction, is_no, is_undo, ordinal
from ..router.cues import only_asks
from ..router.fill import _literals
from ..router.rank import NONE
from ..router.slots import extract, spoken_value
from ..router.spoken import EMAIL, PHONE
from ..router.text import STOP, fold, words
from ..state import Intent, Outcome, Pending, State

# The ranker's scores are probabilities over the tools and "no tool" (router/rank.py).
CONFIDENT = 0.6  # a local choice this sure never asks the LLM
# Words a phone number is read out in ("five five five, oh one oh …").
_DIGIT_WORDS = frozenset(
    [
        "zero",
        "oh",
        "o",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "double",
        "triple",
    ]
)
MAX_ANSWER_WORDS = 10  # a value said in more words than this may be a new request
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
    if is_undo(text):
        return {**_undo(state), "pending": None}
    fixed = correction(text)
    deferred = state.get("deferred")
    if fixed is not None and (deferred or state.get("last_action") or state.get("last_intent")):
        return {**_correct(state, fixed), "pending": None}
    if is_undo(text):
        return {**_undo(state), "pending": None}
    routed = await route(text, ctx, state)
    return {**routed, "pending": None}


def _answer(pending: Pending, text: str, ctx: AgentContext) -> Intent | None:
    """The pending question's answer as a completed intent, or None if this is something else."""
    intent: Intent = dict(pending["intent"])  # type: ignore[assignment]
    intent.pop("unsure", None)  # answering its question says this is what they want
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
        field = pending.get("field", "")
        spec = ctx.runner.spec(intent["tool"])
        info = spec.input_model.model_fields.get(field)
        given = spoken_value(field, text)
        for choice in _literals(info.annotation) if info is not None else []:
            if re.search(rf"\b{re.escape(str(choice))}\b", text, re.I):
                given = choice  # "cash", when asked "cash, card or comp?"
        # The value asked for, said in a few words, is the answer ("ben dot cole at example dot
        # com" reads like a waitlist request to the text model, and answers the question).
        short_answer = given is not None and len(words(text)) <= MAX_ANSWER_WORDS
        if not short_answer and _looks_like_command(text, ctx, intent["tool"]):
            return None
        if given is not None:  # "it's omar@x.com", "five five five, oh one oh …", "number 43"
            arguments[field] = given
            return {**intent, "arguments": arguments, "routed_by": "memory"}
        if info is not None and info.annotation in (str, str | None) and field != "name":
            arguments[field] = text.strip(" .!?")
            return {**intent, "arguments": arguments, "routed_by": "memory"}
        if field in ("name", "to_name"):
            name = _spoken_name(text)
            if name:
                arguments[field] = name
                rest = re.sub(re.escape(name), " ", text, flags=re.I)
                if not re.search(r"[@\d]", rest):
                    # only the name ("priya patel"): nothing else is read again
                    return {**intent, "arguments": arguments, "routed_by": "memory"}
        return {**intent, "arguments": arguments, "override": text, "routed_by": "memory"}
    return None


def _spoken_name(text: str) -> str | None:
    """ "Ann Lee, ann@example.com" → "Ann Lee": the answer to "What's the name?"."""
    from ..router.values import is_name

    head = re.split(r"[,;]|\s+(?:and|email|phone|at|her|his|their)\b", text.strip())[0]
    head = re.sub(
        r"^(?:it's|its|it is|the name is|name is|call (?:it|them)|that's)\s+", "", head, flags=re.I
    )
    head = PHONE.sub("", EMAIL.sub("", head))
    head = head.strip(" .!?\"'")
    if not head or len(head.split()) > 5 or not is_name(head):
        return None
    return head


def _looks_like_command(text: str, ctx: AgentContext, pending_tool: str | None = None) -> bool:
    """A whole new request rather than the missing value: the words alone ask for a tool (not
    the one whose question is pending)."""
    return len(words(text)) >= 3 and ctx.ranker.looks_like_request(text, pending_tool)


def _pick(options: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    if not options:
        return None
    low = fold(text)
    email = EMAIL.search(low)
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


def _correct(state: State, value: str, *, again: bool = False) -> dict[str, Any]:
    """ "No, I meant Mike": the last request again with the new value, the last change undone
    first. With `again` ("and another one, VIPFIVE", "also Raj"), the last change stays."""
    deferred = state.get("deferred")
    if deferred:
        target = dict(deferred["intent"])
        return {
            "intent": {
                "tool": target["tool"],
                "text": target.get("text", ""),
                "arguments": {},  # everything is read again, the correction on top
                "override": value,
                "routed_by": "memory",
            },
            "deferred": None,
            "outcome": None,
        }
    last = state.get("last_action") or {}
    latest = state.get("last_intent") or {}
    if latest and (latest.get("tool"), latest.get("text")) != (last.get("tool"), last.get("text")):
        # The last thing done was a read or failed: ask it again about the corrected value.
        intent = {
            "tool": latest["tool"],
            "text": latest.get("text", ""),
            "arguments": {},
            "override": value,
            "routed_by": "memory",
        }
        return {"intent": intent, "outcome": None}
    intent: Intent = {
        "tool": last["tool"],
        "text": last.get("text", ""),
        "arguments": {},
        "override": value,
        "routed_by": "memory",
        "before": [] if again else list(last.get("undo") or []),
    }
    if again:
        return {"intent": intent, "outcome": None}
    return {"intent": intent, "outcome": None, "last_action": None}


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


WEAK = 0.35  # below this, a sentence that gives a value goes on the last request
SURE_CHANGE = 0.45  # below this, a change is asked back ("Do you want me to …?"), not guessed
GUESS = 0.1  # below this, nothing is: the sentence is about none of the tools
NOTHING_OVER = 2.0  # "no tool" this many times likelier than the best tool: nothing is done
FOLLOW_UP_MAX = 0.5  # "and …" this sure of another tool is a new request


def _takes(spec: Any, slots: Any) -> bool:
    """Whether the last tool has a place for the show or person a follow-up names."""
    fields = set(spec.input_model.model_fields)
    if slots.shows and not fields & {"event_id", "series_id", "q"}:
        return False
    people = {"customer_id", "name", "customer", "q", "email", "to_name", "ticket_id"}
    return not (slots.people and not fields & people)


def _gives_a_value(slots: Any) -> bool:
    return bool(
        slots.people
        or slots.shows
        or slots.period
        or slots.when
        or slots.email
        or slots.phone
        or slots.quantity is not None
        or slots.money_cents is not None
        or slots.url
        or slots.named
        or slots.tier_keys
    )


def _not_allowed(ctx: AgentContext, tool: str) -> dict[str, Any]:
    spec = ctx.runner.spec(tool)
    what = tool.replace("_", " ")
    a = "an" if spec.role[0] in "aeiou" else "a"
    update = said(f"Sorry, {what} needs {a} {spec.role} key; ask {a} {spec.role} to do it.")
    update["outcome"]["success"] = False
    update["outcome"]["routed_by"] = "local"
    return update


_INTERJECTION = re.compile(
    r"^\s*(?:(?:hold on|wait|sorry|oh|um|uh|hmm|ok|okay|so|hey|quick question|right|alright)"
    r"[,.!:]?\s+)+",
    re.I,
)


_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|what about|how about|same for|same thing for|now)\b(?:\s+(?:for|with))?"
    r"(?!\s+(?:check|sell|refund|add|remove|cancel|create|make|put|take|move|send))",
    re.I,
)


async def route(text: str, ctx: AgentContext, state: State) -> dict[str, Any]:
    text = _INTERJECTION.sub("", text) or text
    catalog = await ctx.catalog.get(ctx.actor)
    ctx.know(catalog)
    focus_event = (state.get("focus") or {}).get("event_id")
    slots = extract(text, catalog, ctx.runner.clock(), ctx.tz_for(focus_event))
    specs = ctx.specs()
    everything = list(ctx.runner.tools)
    last = (state.get("last_intent") or {}).get("tool")
    recent = ctx.runner.spec(last) if last and last in ctx.runner.tools else None
    focus = dict(state.get("focus") or {})
    # A phone number or an email said alone asks who it is: a look-up, never a change.
    bare_contact = bool(slots.phone or slots.email) and not [
        t
        for t in slots.tokens
        if t not in slots.consumed and t not in STOP and t not in _DIGIT_WORDS and not t.isdigit()
    ]
    asking = only_asks(text) or bare_contact
    if asking:
        # "is Maria on the do not call list?", "who's in?": a question reads, never changes
        everything = [s for s in everything if s.read_only]
    ranked_all = ctx.ranker.rank(slots, everything, focus, recent)
    allowed = {s.name for s in specs}
    top = ranked_all[0] if ranked_all else None
    if top is not None and top.tool not in allowed | {NONE} and top.score >= CONFIDENT:
        return _not_allowed(ctx, top.tool)
    ranked = [r for r in ranked_all if r.tool in allowed]  # NONE aside: it runs nothing
    nothing = next((r.score for r in ranked_all if r.tool == NONE), 0.0)
    ctx.stats["ranked"] = ranked[:5]
    confident = bool(ranked) and ranked[0].score >= CONFIDENT
    if ctx.llm is not None and not confident:
        names = [r.tool for r in ranked[:12]] or [s.name for s in specs][:12]
        chosen = await ctx.llm.choose(text, names, state.get("focus") or {}, ctx)
        if chosen is not None:
            tool, arguments = chosen
            return {
                "intent": {"tool": tool, "text": text, "arguments": arguments, "routed_by": "llm"},
                "outcome": None,
            }
    lead = _FOLLOW_UP.match(text)
    follow_up = bool(lead) and not _looks_like_command(text[lead.end() :] if lead else text, ctx)
    rest = words(text[lead.end() :]) if lead else []
    own_words = [t for t in rest if t not in STOP and t not in slots.consumed and t != "what"]
    another = bool(ranked) and ranked[0].score >= FOLLOW_UP_MAX and ranked[0].tool != last
    # "and have any messages failed to send?": a request of its own ("and VIP?" is not)
    follow_up = follow_up and not (another and len(own_words) >= 3)
    if follow_up and last and not _takes(ctx.runner.spec(last), slots):
        follow_up = False  # "and put the open mic in it" after making a category: no show there
    if follow_up and _gives_a_value(slots) and state.get("last_intent"):
        # "and for salsa?", "what about tomorrow's show?": the last question about another value;
        # "also Raj Mehta": the last change once more, for another.
        return _correct(state, text, again=True)
    weak = not ranked or ranked[0].score < WEAK
    pending_change = state.get("deferred") or state.get("last_intent")
    if weak and not asking and _gives_a_value(slots) and pending_change:
        # "to next Wednesday at 9": a fragment that only gives a value goes on the last request.
        return _correct(state, text)
    if not ranked or ranked[0].score < GUESS or nothing > NOTHING_OVER * ranked[0].score:
        return said(NOT_UNDERSTOOD, success=False)  # every tool counts against the sentence
    top_spec = ctx.runner.spec(ranked[0].tool)
    if not top_spec.read_only and ctx.ranker.forbids(text, top_spec.name):
        return said("Okay, I won't do that. Nothing changed.")  # "don't check her in yet"
    intent: Intent = {"tool": ranked[0].tool, "text": text, "arguments": {}, "routed_by": "local"}
    if ranked[0].score < SURE_CHANGE and not top_spec.read_only:
        intent["unsure"] = True  # a change the words do not clearly ask for is asked back
    return {"intent": intent, "outcome": None}
