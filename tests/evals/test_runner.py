"""The runner and the report, driven by a stub agent that keeps the VoiceAgent contract, so
these tests do not depend on how good the real agent is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from aitickets.cli import main as cli_main
from evals.format import Transcript, load_file
from evals.report import format_text, percentile, summarise
from evals.runner import EVAL_NOW, EvalRunner, run_all
from tools.context import Actor
from tools.runner import ToolRunner


class StubReply(BaseModel):
    speech: str
    success: bool
    tool: str | None
    arguments: dict[str, Any]
    data: dict[str, Any] | None = None
    routed_by: Literal["local", "llm", "memory"] = "local"
    awaiting: Literal["confirmation", "choice", "value"] | None = None
    session_id: str


class StubAgent:
    """Understands exactly two sentences; asks before a VIP change, like a destructive tool."""

    instances: list[StubAgent] = []

    def __init__(self, runner: ToolRunner, settings: object) -> None:
        self.runner = runner
        self.pending: dict[str, Any] | None = None
        self.sessions: set[str] = set()
        self.closed = False
        StubAgent.instances.append(self)

    async def turn(self, text: str, *, session_id: str, actor: Actor) -> StubReply:
        self.sessions.add(session_id)
        if text == "check in Mike Brown":
            args = {"name": "Mike Brown", "event_id": 1}
            out = await self.runner.call("check_in_by_name", args, actor)
            held = len(out.checked_in)
            return StubReply(
                speech=f"Checked in Mike Brown, {held} ticket.",
                success=True,
                tool="check_in_by_name",
                arguments=args,
                session_id=session_id,
            )
        if text == "make Jane a VIP":
            self.pending = {"customer_id": 2, "vip": True}
            return StubReply(
                speech="Make Jane Smith a VIP?",
                success=True,
                tool="set_vip_status",
                arguments=self.pending,
                awaiting="confirmation",
                session_id=session_id,
            )
        if text == "yes" and self.pending:
            args, self.pending = self.pending, None
            await self.runner.call("set_vip_status", args, actor)
            return StubReply(
                speech="Jane Smith is a VIP now.",
                success=True,
                tool="set_vip_status",
                arguments=args,
                session_id=session_id,
            )
        if text == "boom":
            raise RuntimeError("stub failure")
        return StubReply(
            speech="Sorry, I didn't get that.",
            success=False,
            tool=None,
            arguments={},
            session_id=session_id,
        )

    async def aclose(self) -> None:
        self.closed = True


def _transcript(name: str, turns: list[dict[str, Any]], **more: Any) -> Transcript:
    return Transcript.model_validate({"name": name, "category": "stub", "turns": turns, **more})


CHECK_IN = _transcript(
    "check-in",
    [
        {
            "say": "check in Mike Brown",
            "expect": {
                "tool": "check_in_by_name",
                "arguments": {"name": "mike brown"},
                "speech_contains": ["mike brown", ["1 ticket", "one ticket"]],
                "success": True,
                "awaiting": None,
            },
        }
    ],
    final_state=[
        {"tool": "get_ticket", "arguments": {"ticket_id": 7}, "expect": {"status": "checked_in"}}
    ],
)

VIP = _transcript(
    "vip",
    [
        {"say": "make Jane a VIP", "expect": {"awaiting": "confirmation"}},
        {"say": "yes", "expect": {"tool": ["set_vip_status"], "success": True}},
    ],
    final_state=[
        {"tool": "get_customer_profile", "arguments": {"customer_id": 2}, "expect": {"vip": True}},
        {"tool": "search_customers", "arguments": {"vip": True}, "expect": {"total": 1}},
    ],
)


async def test_a_passing_conversation_on_a_fresh_seeded_database() -> None:
    StubAgent.instances.clear()
    results = await run_all([CHECK_IN, VIP, CHECK_IN], agent_factory=StubAgent)
    assert [r[0].passed for r in results] == [True, True, True]
    # each conversation has its own database (Mike checks in twice without "already in"),
    # its own agent and its own session id, and the agent is closed
    assert len(StubAgent.instances) == 3
    sessions = [s for agent in StubAgent.instances for s in agent.sessions]
    assert len(set(sessions)) == 3
    assert all(agent.closed for agent in StubAgent.instances)
    assert results[0][0].turns[0].latency_ms > 0


async def test_turn_failures_name_the_first_failing_turn() -> None:
    wrong = _transcript(
        "wrong",
        [
            {"say": "check in Mike Brown", "expect": {"tool": "check_in_by_name"}},
            {
                "say": "what now",
                "expect": {"tool": "get_event", "success": True, "speech_contains": ["Jazz"]},
            },
        ],
    )
    (run,) = (await run_all([wrong], agent_factory=StubAgent))[0]
    assert not run.passed
    assert run.turns[0].failures == []
    failures = run.turns[1].failures
    assert "tool: expected get_event, got None" in failures
    assert "success: expected True, got False" in failures
    assert "speech lacks 'Jazz'" in failures
    assert run.first_failure.startswith("turn 2 'what now'")


async def test_final_state_is_checked_even_when_the_turns_pass() -> None:
    unchanged = _transcript(
        "unchanged",
        [{"say": "make Jane a VIP", "expect": {"awaiting": "confirmation"}}],
        final_state=[
            {
                "tool": "get_customer_profile",
                "arguments": {"customer_id": 2},
                "expect": {"vip": True},
            },
            {"tool": "get_event", "arguments": {"event_id": 999}, "expect": {}},
        ],
    )
    (run,) = (await run_all([unchanged], agent_factory=StubAgent))[0]
    assert all(not t.failures for t in run.turns)
    assert not run.state_ok and not run.passed
    assert "vip: expected True, got False" in run.state_failures[0]
    assert "get_event(event_id=999) failed" in run.state_failures[1]


async def test_an_agent_exception_fails_the_conversation_without_stopping_the_run() -> None:
    boom = _transcript("boom", [{"say": "boom", "expect": {"success": True}}])
    results = await run_all([boom, CHECK_IN], agent_factory=StubAgent)
    assert "the agent raised RuntimeError('stub failure')" in results[0][0].error
    assert results[1][0].passed


async def test_the_clock_override_moves_the_seed(tmp_path: Path) -> None:
    later = _transcript(
        "later",
        [{"say": "hello", "expect": {"success": False}}],
        clock="2026-12-01T23:00:00Z",
        final_state=[
            {
                "tool": "get_event",
                "arguments": {"event_id": 1},
                "expect": {"starts_at": "2026-12-02T01:00:00Z"},
            }
        ],
    )
    async with EvalRunner(agent_factory=StubAgent, workdir=tmp_path) as runner:
        assert (await runner.run(later)).passed
        assert (await runner.run(CHECK_IN)).passed
        assert set(runner._templates) == {EVAL_NOW, later.clock}


async def test_summary_figures_and_pass_k() -> None:
    flaky = _transcript("flaky", [{"say": "check in Mike Brown", "expect": {"success": True}}])
    results = await run_all([flaky, VIP], agent_factory=StubAgent, repeat=2)
    summary = summarise(results)
    assert summary["conversations"] == 2 and summary["runs"] == 4
    assert summary["pass_rate"] == 1.0 and summary["pass^2"] == 1.0
    assert summary["categories"]["stub"] == {"runs": 4, "passed": 4, "pass_rate": 1.0}
    assert summary["task_success"] == 1.0 and summary["tasks_checked"] == 2
    text = format_text(summary)
    assert "pass^2: 100.0%" in text and "turn latency: p50" in text


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([], 0.5) == 0.0


def test_cli_eval_exits_non_zero_under_min_pass(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("evals.runner.default_agent_factory", StubAgent)
    path = tmp_path / "t.yaml"
    path.write_text(
        "- name: good\n  category: door\n"
        "  turns: [{say: check in Mike Brown, expect: {tool: check_in_by_name}}]\n"
        "- name: bad\n  category: door\n"
        "  turns: [{say: what, expect: {tool: list_events}}]\n"
    )
    assert len(load_file(path)) == 2
    out = tmp_path / "out.json"
    assert cli_main(["eval", str(path), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["summary"]["pass_rate"] == 0.5
    assert report["summary"]["failures"][0]["name"] == "bad"
    assert cli_main(["eval", str(path), "--min-pass", "0.95"]) == 1
    assert cli_main(["eval", str(path), "--category", "door", "--min-pass", "0.5"]) == 0
    assert cli_main(["eval", str(path), "--category", "nothing"]) == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ncategory: c\nturns: [{say: hi, expect: {tool: nope}}]\n")
    assert cli_main(["eval", str(broken)]) == 2
