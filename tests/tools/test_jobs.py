"""Auto-reminders N hours before an event (per event, default 24), sent once, surviving a
restart; and the jobs seen through list_jobs / retry_job."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aitickets.errors import Conflict, Forbidden, InvalidInput, NotFound
from persistence.db import Database
from tests.conftest import NOW, auth
from tests.factories import make_customer, make_event, make_ticket, make_tier
from tests.integrations.helpers import drain, jobs_of, messages


async def _event_with_holder(db, days=3, tz="America/New_York"):
    from tests.factories import make_venue

    venue_id = await make_venue(db, tz=tz)
    event_id = await make_event(db, venue_id=venue_id, starts_at=NOW + timedelta(days=days))
    tier_id = await make_tier(db, event_id)
    cid = await make_customer(db, name="Rita Remind", email="rita@example.com")
    await make_ticket(db, event_id, tier_id, cid)
    return event_id


async def test_the_default_reminder_goes_24_hours_before_once(db, settings, clock):
    event_id = await _event_with_holder(db)
    await drain(db, settings, clock)
    (job,) = await jobs_of(db, "reminder.send")
    assert job.run_at == NOW + timedelta(days=2)
    assert await messages(db, template="reminder") == []
    clock.advance(days=2)
    await drain(db, settings, clock)
    (message,) = await messages(db, template="reminder")
    assert message.to_address == "rita@example.com" and message.event_id == event_id
    clock.advance(minutes=10)
    await drain(db, settings, clock)
    assert len(await messages(db, template="reminder")) == 1


async def test_reminder_text_is_in_the_venues_time_zone(db, settings, clock):
    await _event_with_holder(db, tz="Europe/Berlin")
    clock.advance(days=2)
    await drain(db, settings, clock)
    (message,) = await messages(db, template="reminder")
    assert "6:00 PM CET" in message.body  # 17:00 UTC


async def test_configured_hours_move_the_reminder(db, call, settings, clock):
    event_id = await _event_with_holder(db)
    await drain(db, settings, clock)
    out = await call("configure_auto_reminder", as_="staff", event_id=event_id, hours_before=48)
    assert out.runs_at == NOW + timedelta(days=1)
    (job,) = await jobs_of(db, "reminder.send")
    assert job.run_at == NOW + timedelta(days=1) and job.status == "queued"


async def test_a_disabled_reminder_is_not_sent(db, call, settings, clock):
    event_id = await _event_with_holder(db)
    out = await call("configure_auto_reminder", as_="staff", event_id=event_id, enabled=False)
    assert out.runs_at is None
    clock.advance(days=2, hours=1)
    await drain(db, settings, clock)
    assert await messages(db, template="reminder") == []


async def test_a_reminder_is_still_sent_after_a_restart(db, settings, clock):
    await _event_with_holder(db)
    await drain(db, settings, clock)
    await db.dispose()  # the server goes away; the job is in the database
    clock.advance(days=2, hours=3)
    fresh = Database(settings.resolved_database_url)
    try:
        await drain(fresh, settings, clock)
        assert len(await messages(fresh, template="reminder")) == 1
    finally:
        await fresh.dispose()


async def test_a_moved_event_is_reminded_for_its_new_date_only(db, call, settings, clock):
    event_id = await _event_with_holder(db)
    await drain(db, settings, clock)
    await call(
        "update_event",
        as_="staff",
        event_id=event_id,
        starts_at=(NOW + timedelta(days=5)).isoformat(),
    )
    await drain(db, settings, clock)
    clock.advance(days=2, hours=1)
    await drain(db, settings, clock)
    assert await messages(db, template="reminder") == []  # the old date's job stood down
    clock.advance(days=2)
    await drain(db, settings, clock)
    assert len(await messages(db, template="reminder")) == 1


async def test_configure_auto_reminder_checks_its_input(call):
    with pytest.raises(NotFound):
        await call("configure_auto_reminder", as_="staff", event_id=999)
    with pytest.raises(InvalidInput):
        await call("configure_auto_reminder", as_="staff", event_id=1, hours_before=0)
    with pytest.raises(Forbidden):
        await call("configure_auto_reminder", as_="agent", event_id=1)


async def test_list_jobs_and_retry_a_dead_one(db, call, settings, clock):
    from integrations.jobs import enqueue

    async with db.unit_of_work() as s:
        await enqueue(s, "no.such.kind", {}, now=NOW, max_attempts=1)
    await drain(db, settings, clock)
    (dead,) = (await call("list_jobs", status="dead")).jobs
    assert dead.kind == "no.such.kind" and "no handler" in dead.last_error
    again = await call("retry_job", job_id=dead.id)
    assert again.status == "queued" and again.attempts == 0
    with pytest.raises(Conflict):
        await call("retry_job", job_id=dead.id)
    with pytest.raises(Forbidden):
        await call("list_jobs", as_="staff")


def test_jobs_rest(client):
    assert client.get("/api/jobs?status=dead", headers=auth()).json() == {"jobs": []}
    assert client.get("/api/jobs?status=nope", headers=auth()).status_code == 422
    assert client.post("/api/jobs/5/retry", headers=auth()).status_code == 404
    r = client.put("/api/events/1/reminder", json={"hours_before": -3}, headers=auth())
    assert r.status_code == 422 and "error" in r.json()


def test_the_test_client_runs_no_worker_unless_enabled(settings, clock):
    from starlette.testclient import TestClient

    from web.app import create_app

    with TestClient(create_app(settings, clock=clock, migrate_on_start=False)) as c:
        assert not hasattr(c.app.state, "worker")
    settings.worker_enabled = True
    with TestClient(create_app(settings, clock=clock, migrate_on_start=False)) as c:
        assert c.app.state.worker.name
