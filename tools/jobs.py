"""The jobs queue seen from outside: list background jobs (scheduled reminders, deliveries,
dead letters) and put a dead job back in line."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select

from aitickets.errors import Conflict
from persistence.models import Job

from .common import Id, In, Out, Page, get_or_404
from .context import ToolContext
from .registry import HttpRoute, tool


class ListJobsIn(Page):
    status: Literal["queued", "running", "done", "dead"] | None = None
    kind: str | None = Field(default=None, max_length=64, description='e.g. "reminder.send"')


class JobOut(Out):
    id: int
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    max_attempts: int
    run_at: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class ListJobsOut(Out):
    jobs: list[JobOut]


class JobRef(In):
    job_id: Id


@tool(
    category="admin",
    role="admin",
    read_only=True,
    examples=["which reminders are scheduled", "show dead jobs", "list background jobs"],
    http=HttpRoute("GET", "/api/jobs"),
)
async def list_jobs(ctx: ToolContext, args: ListJobsIn) -> ListJobsOut:
    """Background jobs, next due first: reminders, message and webhook deliveries, with their
    attempts, next run and last error. Filter by status (dead = gave up) or kind."""
    query = select(Job).order_by(Job.run_at, Job.id).limit(args.limit).offset(args.offset)
    if args.status:
        query = query.where(Job.status == args.status)
    if args.kind:
        query = query.where(Job.kind == args.kind)
    rows = (await ctx.session.scalars(query)).all()
    return ListJobsOut(jobs=[JobOut.model_validate(r) for r in rows])


@tool(
    category="admin",
    role="admin",
    examples=["retry job 17"],
    http=HttpRoute("POST", "/api/jobs/{job_id}/retry"),
)
async def retry_job(ctx: ToolContext, args: JobRef) -> JobOut:
    """Put a dead job back in the queue with a fresh set of attempts."""
    job = await get_or_404(ctx.session, Job, args.job_id, "job")
    if job.status != "dead":
        raise Conflict(f"Job {job.id} is {job.status}; only dead jobs are retried.")
    job.status, job.attempts, job.run_at, job.last_error = "queued", 0, ctx.now(), None
    job.finished_at = None
    await ctx.session.flush()
    return JobOut.model_validate(job)
