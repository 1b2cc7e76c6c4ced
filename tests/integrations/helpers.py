"""Shared bits for the jobs, notification and webhook tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from integrations.jobs import Worker
from persistence.db import Database
from persistence.models import Job, Message


def worker(db: Database, settings: Any, clock: Any, name: str = "test:1:w") -> Worker:
    return Worker(db, settings, clock, name=name)


async def drain(db: Database, settings: Any, clock: Any) -> int:
    return await worker(db, settings, clock).run_until_idle()


async def messages(db: Database, **where: Any) -> list[Message]:
    async with db.sessions() as s:
        query = select(Message).order_by(Message.id)
        for key, value in where.items():
            query = query.where(getattr(Message, key) == value)
        return list((await s.scalars(query)).all())


async def jobs_of(db: Database, kind: str | None = None) -> list[Job]:
    async with db.sessions() as s:
        query = select(Job).order_by(Job.id)
        if kind:
            query = query.where(Job.kind == kind)
        return list((await s.scalars(query)).all())
