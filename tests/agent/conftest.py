"""A seeded demo venue (The Blue Room, Jazz Night tonight), seeded once per session and copied
per test, and a voice agent over it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from agent.service import VoiceAgent, VoiceReply
from aitickets.settings import Settings
from tests.conftest import ACTORS, FixedClock
from tools.demo import seed_demo
from tools.runner import ToolRunner

Say = Callable[..., Awaitable[VoiceReply]]


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "seeded.db"
    shutil.copyfile(template_db, path)
    settings = Settings(
        DATABASE_URL=f"sqlite+aiosqlite:///{path}", AITICKETS_DATA_DIR=folder, _env_file=None
    )
    asyncio.run(seed_demo(settings, clock=FixedClock()))
    return path


@pytest.fixture
def db_url(tmp_path: Path, seeded_template: Path) -> str:
    """Every test in tests/agent starts from the seeded demo venue."""
    target = tmp_path / "test.db"
    shutil.copyfile(seeded_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def agent(runner: ToolRunner) -> AsyncIterator[VoiceAgent]:
    voice = VoiceAgent(runner)
    yield voice
    await voice.aclose()


@pytest.fixture
def say(agent: VoiceAgent) -> Say:
    """`await say("check in Sarah Lee")`: one turn in session "s1" as staff."""

    async def _say(text: str, *, session: str = "s1", as_: str = "staff") -> VoiceReply:
        return await agent.turn(text, session_id=session, actor=ACTORS[as_])

    return _say
