"""Wiring only: understand → resolve → confirm → execute → respond.

`builder` is compiled by the service with its checkpointer; `graph` (no checkpointer) is what
`langgraph.json` names for `langgraph dev`, which brings its own persistence."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from agent.context import AgentContext
from agent.nodes.confirm import confirm
from agent.nodes.execute import execute
from agent.nodes.resolve import resolve
from agent.nodes.respond import respond
from agent.nodes.understand import understand
from agent.state import InputState, State


def after_understand(state: State) -> Literal["resolve", "respond"]:
    return "respond" if state.get("outcome") or not state.get("intent") else "resolve"


def after_resolve(state: State) -> Literal["confirm", "respond"]:
    return "respond" if state.get("outcome") or not state.get("intent") else "confirm"


def build() -> StateGraph[Any, Any, Any, Any]:
    builder = StateGraph(State, context_schema=AgentContext, input_schema=InputState)
    builder.add_node("understand", understand)
    builder.add_node("resolve", resolve)
    builder.add_node("confirm", confirm, destinations=("execute", "respond", "understand"))
    builder.add_node("execute", execute)
    builder.add_node("respond", respond, destinations=("confirm", END))
    builder.add_edge(START, "understand")
    builder.add_conditional_edges("understand", after_understand)
    builder.add_conditional_edges("resolve", after_resolve)
    builder.add_edge("execute", "respond")
    return builder


builder = build()
graph = builder.compile()
