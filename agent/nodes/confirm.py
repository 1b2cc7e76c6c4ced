"""Third node: tools that need spoken confirmation ask first with `interrupt()`. Yes goes on;
no changes nothing; a correction or an unrelated sentence is handled and the question stays."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from ..context import AgentContext
from ..nodes.understand import said
from ..prompts import confirmation_question
from ..router.answers import correction, is_no, is_yes
from ..state import Pending, State


async def confirm(state: State, runtime: Runtime[AgentContext]) -> Any:
    ctx = runtime.context
    intent = state.get("intent")
    if not intent or state.get("outcome"):
        return Command(goto="respond")
    spec = ctx.runner.spec(intent["tool"])
    unsure = bool(intent.get("unsure"))
    if not (spec.confirm or unsure) or intent.get("confirmed"):
        return Command(goto="execute")
    question = confirmation_question(spec, intent, ctx.stats.get("names", {}))
    if unsure and not spec.confirm:
        question = "Do you want me to " + question[:1].lower() + question[1:]
    preface = state.get("preface")
    speech = f"{preface} {question}" if preface else question
    answered = state.get("answered") or {}
    answer = interrupt(
        {
            "speech": speech,
            "awaiting": "confirmation",
            # Something else was answered meanwhile: that is this turn's tool.
            "tool": answered.get("tool") or spec.name,
            "arguments": answered.get("arguments") or intent.get("arguments") or {},
            "data": answered.get("data"),
            "success": answered.get("success", True),
            "routed_by": answered.get("routed_by") or intent.get("routed_by", "local"),
        }
    )
    text = str(answer)
    if is_yes(text) and correction(text) is None:
        return Command(
            goto="execute",
            update={
                "intent": {**intent, "confirmed": True},
                "deferred": None,
                "preface": None,
                "answered": None,
            },
        )
    if is_no(text):
        update = {
            **said("Okay, I won't. Nothing changed."),
            "deferred": None,
            "preface": None,
            "answered": None,
        }
        return Command(goto="respond", update=update)
    pending: Pending = {"kind": "confirmation", "question": question, "intent": intent}
    return Command(
        goto="understand",
        update={
            "text": text,
            "deferred": pending,
            "intent": None,
            "preface": None,
            "answered": None,
        },
    )
