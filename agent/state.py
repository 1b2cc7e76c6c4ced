"""The graph's state, kept small: the last few turns, the focus, the last action with its undo,
and the question waiting for an answer. The full transcript lives in its own table (memory/)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

MAX_TURNS = 6


def keep_last(old: list[dict[str, str]] | None, new: list[dict[str, str]]) -> list[dict[str, str]]:
    return ((old or []) + new)[-MAX_TURNS:]


class Focus(TypedDict, total=False):
    event_id: int
    event_name: str
    customer_id: int
    customer_name: str
    customer_email: str  # someone the catalog may not know yet (just joined the waitlist)
    code: str  # the promo code just made or talked about ("would it work for comedy?")
    ticket_ids: list[int]
    party: list[int]
    ids: dict[str, int]  # the thing just made: {"promo_code_id": 3, "code_id": 3, …}


class Call(TypedDict, total=False):
    tool: str
    arguments: dict[str, Any]
    text: str


class Intent(TypedDict, total=False):
    tool: str
    text: str  # the sentence the slots come from
    arguments: dict[str, Any]  # already known (from an answer, the LLM or a correction)
    override: str  # a correction's new value, read on top of `text`
    routed_by: Literal["local", "llm", "memory"]
    before: list[Call]  # run first (undoing what a correction replaces)
    final: bool  # arguments are complete (an undo): skip resolving
    confirmed: bool  # no need to ask again
    unsure: bool  # the router was not sure of a change: ask before making it
    undo: bool  # this is an "undo that"
    focus: Focus  # who and what the resolved arguments are about


class LastAction(TypedDict, total=False):
    tool: str
    text: str
    arguments: dict[str, Any]
    undo: list[Call]
    summary: str


class Pending(TypedDict, total=False):
    kind: Literal["confirmation", "choice", "value"]
    question: str
    intent: Intent
    options: list[dict[str, Any]]  # {"label", "email"?, "patch": {...}}
    field: str


class Outcome(TypedDict, total=False):
    speech: str
    success: bool
    tool: str | None
    arguments: dict[str, Any]
    data: dict[str, Any] | None
    routed_by: Literal["local", "llm", "memory"]
    awaiting: Literal["confirmation", "choice", "value"] | None


class State(TypedDict):
    text: str
    turns: NotRequired[Annotated[list[dict[str, str]], keep_last]]
    focus: NotRequired[Focus]
    last_action: NotRequired[LastAction | None]
    last_intent: NotRequired[Call | None]  # the last tool run, read or not, for corrections
    pending: NotRequired[Pending | None]
    deferred: NotRequired[Pending | None]  # a confirmation set aside to answer something else
    intent: NotRequired[Intent | None]
    outcome: NotRequired[Outcome | None]
    preface: NotRequired[str | None]  # said before a question asked again
    answered: NotRequired[Outcome | None]  # what was answered meanwhile (tool, arguments, data)


class InputState(TypedDict):
    text: str
