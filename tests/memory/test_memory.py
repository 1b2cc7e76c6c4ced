"""Checkpoints survive a restart (SQLite file beside the database); transcripts are recorded
per session and export as eval transcripts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.service import open_agent
from aitickets.settings import Settings
from memory.checkpoints import checkpoint_path, postgres_dsn
from memory.transcripts import export_transcript, list_sessions, session_turns
from persistence.db import Database
from tests.agent.conftest import seeded_template  # noqa: F401  (fixture)
from tests.conftest import ACTORS, Call
from tools.runner import ToolRunner


@pytest.fixture
def db_url(tmp_path: Path, seeded_template: Path) -> str:  # noqa: F811
    target = tmp_path / "test.db"
    shutil.copyfile(seeded_template, target)
    return f"sqlite+aiosqlite:///{target}"


def test_checkpoint_file_sits_beside_the_database(settings: Settings, tmp_path: Path) -> None:
    assert checkpoint_path(settings) == tmp_path / "test.checkpoints.db"
    assert postgres_dsn(settings) is None


def test_postgres_url_gives_a_psycopg_dsn(settings: Settings) -> None:
    pg = settings.model_copy(update={"database_url": "postgres://u:p@127.0.0.1:5432/tickets"})
    assert postgres_dsn(pg) == "postgresql://u:p@127.0.0.1:5432/tickets"


async def test_conversation_survives_a_restart(
    runner: ToolRunner, settings: Settings, call: Call
) -> None:
    first = await open_agent(runner, settings)
    asked = await first.turn("refund Mike's ticket", session_id="door", actor=ACTORS["staff"])
    assert asked.awaiting == "confirmation"
    await first.aclose()
    assert checkpoint_path(settings).exists()

    second = await open_agent(runner, settings)  # a new process would do the same
    done = await second.turn("yes", session_id="door", actor=ACTORS["staff"])
    assert done.success and done.tool == "refund_ticket"
    assert (await call("get_ticket", ticket_id=asked.arguments["ticket_id"])).status == "refunded"
    follow = await second.turn("undo that", session_id="door", actor=ACTORS["staff"])
    assert not follow.success  # refunds have no inverse: said plainly
    await second.aclose()


async def test_transcripts_are_recorded_and_exported(runner: ToolRunner, db: Database) -> None:
    from agent.service import VoiceAgent

    agent = VoiceAgent(runner)
    await agent.turn("Sarah Lee is here", session_id="t1", actor=ACTORS["staff"])
    await agent.turn("how many are in tonight?", session_id="t1", actor=ACTORS["staff"])
    await agent.turn("what's on this week", session_id="t2", actor=ACTORS["staff"])
    turns = await session_turns(db, "t1")
    assert [t.position for t in turns] == [0, 1]
    assert turns[0].tool == "check_in_by_name" and turns[0].actor == "door"
    assert turns[0].latency_ms > 0
    sessions = {s["session_id"]: s["turns"] for s in await list_sessions(db)}
    assert sessions == {"t1": 2, "t2": 1}
    exported = await export_transcript(db, "t1")
    assert exported["name"] == "session-t1"
    assert exported["turns"][0]["say"] == "Sarah Lee is here"
    assert exported["turns"][0]["expect"]["tool"] == "check_in_by_name"
    assert exported["turns"][1]["expect"]["arguments"] == {"event_id": 1}
    await agent.aclose()


async def test_an_exported_session_replays_as_a_passing_eval(
    runner: ToolRunner, tmp_path: Path
) -> None:
    """Recorded on the demo seed at the fixed clock, exported through the admin tool, loaded by
    the evals loader and replayed by the eval runner: the agent does the same again."""
    from agent.service import VoiceAgent
    from evals.format import load_file, registry_problems
    from evals.runner import EvalRunner
    from memory.transcripts import transcript_yaml

    agent = VoiceAgent(runner)
    for text in ("Sarah Lee is here", "refund Mike's ticket", "yes", "how many are in tonight?"):
        await agent.turn(text, session_id="door/1", actor=ACTORS["staff"])
    await agent.aclose()
    out = await runner.call("export_voice_transcript", {"session_id": "door/1"}, ACTORS["admin"])
    path = tmp_path / "recorded.yaml"
    path.write_text(transcript_yaml(out.transcript), encoding="utf-8")
    [loaded] = load_file(path)
    assert (loaded.name, loaded.role, len(loaded.turns)) == ("session-door-1", "staff", 4)
    assert registry_problems(loaded) == []
    assert loaded.turns[1].expect.awaiting == "confirmation"
    assert loaded.turns[2].expect.tool == "refund_ticket" and loaded.turns[2].expect.arguments
    async with EvalRunner(workdir=tmp_path / "eval") as evals:
        result = await evals.run(loaded)
    assert result.passed, result.first_failure


async def test_checkpoints_hold_only_recent_turns(runner: ToolRunner, settings: Settings) -> None:
    agent = await open_agent(runner, settings)
    for _ in range(12):
        await agent.turn("how many are in tonight?", session_id="long", actor=ACTORS["staff"])
    state = await agent.graph.aget_state({"configurable": {"thread_id": "long"}})
    assert len(state.values["turns"]) == 6
    await agent.aclose()
