"""Schema upgrades through Alembic, callable from the CLI and from the server's start."""

from __future__ import annotations

import asyncio
from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`; safe to call on an up-to-date database."""
    from alembic import command

    command.upgrade(_config(url), revision)


def revision(url: str, message: str) -> None:
    from alembic import command

    command.revision(_config(url), message=message, autogenerate=True)


async def upgrade_async(url: str) -> None:
    # env.py runs its own event loop, so from async code it gets a thread of its own.
    await asyncio.to_thread(upgrade, url)
