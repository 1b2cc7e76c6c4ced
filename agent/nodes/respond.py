"""Last node: the turn is remembered (the last few, in state), and a confirmation set aside to
answer something else is asked again."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command

from ..context import AgentContext
from ..state import State


async def respond(state: State, runtime: Runtime[AgentContext]) -> Any:
    outcome = state.get("outcome") or {}
    speech = outcome.get("speech", "")
    turn = {"user": state["text"], "agent": speech}
    deferred = state.get("deferred")
    if deferred and not outcome.get("awaiting"):
        return Command(
            goto="confirm",
            update={
                "turns": [turn],
                "intent": deferred["intent"],
                "deferred": None,
                "outcome": None,
                "preface": speech,
                "answered": outcome,
            },
        )
    return Command(goto=END, update={"turns": [turn], "deferred": None})
