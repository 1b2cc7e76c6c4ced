"""Replays transcripts against the voice agent: a fresh seeded database per conversation, a fixed
clock, a new session id, then the final state read back through read-only registry tools.

The demo seed is built once per clock into a template SQLite file and copied for every
conversation, so each one starts from the same rows in a few milliseconds.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from aitickets.errors import TicketsError
from aitickets.settings import Settings
from persistence import migrate
from persistence.db import Database
from tools.context import Actor
from tools.runner import ToolRunner

from .format import StateCheck, Transcript, Turn, mismatches, missing_facts

# Tuesday 24 November 2026, 6 pm in New York: Jazz Night is "tonight" at 8.
EVAL_NOW = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
CHECKER = Actor(name="eval-check", role="admin")


class Agent(Protocol):
    """The part of agent.service.VoiceAgent the evals use."""

    async def turn(self, text: str, *, session_id: str, actor: Actor) -> BaseModel: ...

    async def aclose(self) -> None: ...


AgentFactory = Callable[[ToolRunner, Settings], Agent]


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class TurnResult:
    number: int
    say: str
    reply: dict[str, Any]
    latency_ms: float
    failures: list[str] = field(default_factory=list)


@dataclass
class ConversationResult:
    transcript: Transcript
    turns: list[TurnResult] = field(default_factory=list)
    state_failures: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and self.state_ok and all(not t.failures for t in self.turns)

    @property
    def state_ok(self) -> bool:
        return self.error is None and not self.state_failures

    @property
    def first_failure(self) -> str | None:
        for turn in self.turns:
            if turn.failures:
                said = turn.reply.get("speech", "")
                return (
                    f"turn {turn.number} {turn.say!r}: {'; '.join(turn.failures)} "
                    f"(tool={turn.reply.get('tool')}, said {said!r})"
                )
        if self.error:
            return self.error
        if self.state_failures:
            return "final state: " + "; ".join(self.state_failures)
        return None


def default_agent_factory(runner: ToolRunner, settings: Settings) -> Agent:
    from agent.service import VoiceAgent

    return VoiceAgent(runner, checkpointer=None, settings=settings)


def check_turn(turn: Turn, reply: dict[str, Any]) -> list[str]:
    """Why a reply does not show what the turn expects (empty when it does)."""
    expect, checks, failures = turn.expect, turn.expect.checks(), []
    if "tool" in checks and not _one_of(reply.get("tool"), expect.tool):
        failures.append(f"tool: expected {_or(expect.tool)}, got {reply.get('tool')}")
    if expect.arguments is not None:
        failures.extend(
            f"arguments.{problem}"
            for problem in mismatches(
                expect.arguments, reply.get("arguments") or {}, fold_case=True
            )
        )
    if "awaiting" in checks and not _one_of(reply.get("awaiting"), expect.awaiting):
        failures.append(f"awaiting: expected {_or(expect.awaiting)}, got {reply.get('awaiting')}")
    if "success" in checks and reply.get("success") is not expect.success:
        failures.append(f"success: expected {expect.success}, got {reply.get('success')}")
    missing = missing_facts(expect.speech_contains, reply.get("speech") or "")
    if missing:
        failures.append("speech lacks " + ", ".join(repr(m) for m in missing))
    return failures


def _one_of(actual: Any, expected: Any) -> bool:
    return actual in expected if isinstance(expected, list) else actual == expected


def _or(expected: Any) -> str:
    return " or ".join(map(str, expected)) if isinstance(expected, list) else str(expected)


class EvalRunner:
    """Runs conversations one after another; call `close()` (or use `async with`) at the end."""

    def __init__(
        self,
        *,
        agent_factory: AgentFactory | None = None,
        llm: bool = False,
        workdir: Path | None = None,
    ) -> None:
        self.agent_factory = agent_factory or default_agent_factory
        self.llm = llm
        self._own_dir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="aitickets-eval-"))
        self._templates: dict[datetime, Path] = {}

    async def __aenter__(self) -> EvalRunner:
        return self

    async def __aexit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def settings(self, path: Path) -> Settings:
        # Hermetic: webhook targets are not looked up in DNS (no network in evals).
        overrides: dict[str, Any] = {"AITICKETS_WEBHOOK_ALLOW_PRIVATE": True}
        if not self.llm:
            overrides["OPENROUTER_API_KEY"] = ""  # the local router, whatever the environment
        return Settings(  # type: ignore[call-arg]
            DATABASE_URL=f"sqlite+aiosqlite:///{path}",
            AITICKETS_DATA_DIR=path.parent,
            AITICKETS_TIMEZONE="America/New_York",
            _env_file=None,
            **overrides,
        )

    async def _template(self, at: datetime) -> Path:
        if at not in self._templates:
            from tools.demo import seed_demo

            path = self.workdir / f"template-{len(self._templates)}.db"
            settings = self.settings(path)
            await migrate.prepare(settings.resolved_database_url)
            await seed_demo(settings, clock=FixedClock(at))
            self._templates[at] = path
        return self._templates[at]

    async def run(self, transcript: Transcript) -> ConversationResult:
        at = transcript.clock or EVAL_NOW
        path = self.workdir / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(await self._template(at), path)
        settings = self.settings(path)
        db = Database(settings.resolved_database_url)
        runner = ToolRunner(db, settings, clock=FixedClock(at))
        result = ConversationResult(transcript)
        try:
            await self._converse(transcript, runner, settings, result)
            if result.error is None:
                result.state_failures = await check_state(runner, transcript.final_state)
        finally:
            await db.dispose()
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink(missing_ok=True)
        return result

    async def _converse(
        self,
        transcript: Transcript,
        runner: ToolRunner,
        settings: Settings,
        result: ConversationResult,
    ) -> None:
        actor = Actor(name=f"eval-{transcript.role}", role=transcript.role)
        session_id = f"eval-{transcript.name}-{uuid.uuid4().hex[:8]}"
        try:
            agent = self.agent_factory(runner, settings)
        except Exception as exc:
            result.error = f"the agent could not be built: {type(exc).__name__}: {exc}"
            return
        try:
            for number, turn in enumerate(transcript.turns, 1):
                started = time.perf_counter()
                try:
                    reply = await agent.turn(turn.say, session_id=session_id, actor=actor)
                except Exception as exc:
                    result.error = f"turn {number} {turn.say!r}: the agent raised {exc!r}"
                    return
                latency = (time.perf_counter() - started) * 1000
                data = to_jsonable_python(
                    reply.model_dump() if isinstance(reply, BaseModel) else reply
                )
                result.turns.append(
                    TurnResult(number, turn.say, data, latency, check_turn(turn, data))
                )
        finally:
            await agent.aclose()


async def check_state(runner: ToolRunner, checks: list[StateCheck]) -> list[str]:
    failures = []
    for check in checks:
        label = f"{check.tool}({_args(check.arguments)})"
        try:
            output = await runner.call(check.tool, check.arguments, CHECKER)
        except TicketsError as exc:
            failures.append(f"{label} failed: {exc}")
            continue
        data = to_jsonable_python(output.model_dump(mode="json", by_alias=True))
        failures.extend(f"{label} {problem}" for problem in mismatches(check.expect, data))
    return failures


def _args(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items())


async def run_all(
    transcripts: list[Transcript],
    *,
    repeat: int = 1,
    agent_factory: AgentFactory | None = None,
    llm: bool = False,
) -> list[list[ConversationResult]]:
    """Each transcript `repeat` times: result[i] holds the runs of transcripts[i]."""
    async with EvalRunner(agent_factory=agent_factory, llm=llm) as runner:
        return [[await runner.run(t) for _ in range(repeat)] for t in transcripts]


def run_sync(transcripts: list[Transcript], **options: Any) -> list[list[ConversationResult]]:
    return asyncio.run(run_all(transcripts, **options))
