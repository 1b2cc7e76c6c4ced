"""Staff phones: admin-only tools, numbers normalised, the caller → actor decision the phone line
makes, the public caller's allow-list enforced by the runner, and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from aitickets.cli import main as cli_main
from aitickets.errors import Forbidden, InvalidInput, NotFound
from aitickets.settings import Settings, get_settings
from persistence.db import Database
from persistence.models import DomainEvent, StaffPhone
from tests.conftest import Call
from tests.factories import make_event, make_tier
from tools import registry
from tools.runner import ToolRunner
from tools.staff_phones import phone_actor, phone_public


async def test_add_normalises_the_number_and_a_second_add_changes_the_role(
    call: Call, db: Database
) -> None:
    added = await call("add_staff_phone", phone="(555) 010-0199", role="staff", name="door")
    assert added.phone == "+15550100199" and added.role == "staff" and added.created
    again = await call("add_staff_phone", phone="+1 555 010 0199", role="admin")
    assert again.id == added.id and again.role == "admin" and not again.created
    assert again.name == "door"  # kept when not given
    listed = await call("list_staff_phones")
    assert [(p.phone, p.role) for p in listed.phones] == [("+15550100199", "admin")]
    async with db.sessions() as session:
        kinds = (await session.scalars(select(DomainEvent.payload))).all()
    assert all("phone" not in payload for payload in kinds)  # no number in the outbox


async def test_remove_and_unknown_ids(call: Call, db: Database) -> None:
    added = await call("add_staff_phone", phone="555-010-0123")
    removed = await call("remove_staff_phone", phone_id=added.id)
    assert removed.phone == "+15550100123"
    async with db.sessions() as session:
        assert (await session.scalars(select(StaffPhone))).all() == []
    with pytest.raises(NotFound):
        await call("remove_staff_phone", phone_id=added.id)


@pytest.mark.parametrize("role", ["staff", "agent", "public"])
async def test_only_admins_manage_staff_phones(call: Call, role: str) -> None:
    with pytest.raises(Forbidden):
        await call("add_staff_phone", as_=role, phone="555-010-0199")
    with pytest.raises(Forbidden):
        await call("list_staff_phones", as_=role)


@pytest.mark.parametrize(
    "body",
    [{"phone": "not a number"}, {"phone": "555-010-0199", "role": "agent"}, {"phone": ""}],
)
async def test_bad_input_is_refused(call: Call, body: dict) -> None:
    with pytest.raises(InvalidInput):
        await call("add_staff_phone", **body)


async def test_the_phone_line_knows_staff_and_treats_everyone_else_as_public(
    call: Call, db: Database
) -> None:
    await call("add_staff_phone", phone="555-010-0199", role="admin", name="manager")
    manager = await phone_actor(db, "+15550100199")
    assert manager.role == "admin" and manager.tools is None and manager.name == "phone:manager"
    for caller in ("+15550100100", "anonymous", "client:browser", "", None):
        assert await phone_actor(db, caller) == phone_public()


def test_the_public_callers_tools_are_public_and_change_no_tickets() -> None:
    assert {spec.name for spec in registry} >= phone_public().tools
    for name in phone_public().tools:
        spec = registry.get(name)
        assert spec.role == "public"
        assert spec.read_only or name == "join_waitlist"
    assert "purchase_tickets" not in phone_public().tools
    assert "join_waitlist" in phone_public().tools and "list_events" in phone_public().tools


async def test_the_runner_holds_an_actor_to_its_allow_list(
    runner: ToolRunner, db: Database
) -> None:
    event = await make_event(db)
    tier = await make_tier(db, event, capacity=10, price_cents=0)
    shown = await runner.call("get_event", {"event_id": event}, phone_public())
    assert shown.id == event
    buyer = {"name": "Ann", "email": "ann@example.com"}
    purchase = {"event_id": event, "tier_id": tier, "quantity": 1, "customer": buyer}
    with pytest.raises(Forbidden, match="may not use purchase_tickets"):
        await runner.call("purchase_tickets", purchase, phone_public())
    narrowed = runner.narrowed(phone_public().tools)
    assert {s.name for s in narrowed.tools} == phone_public().tools
    with pytest.raises(NotFound):
        narrowed.spec("purchase_tickets")


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("AITICKETS_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_adds_lists_and_removes(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["staff-phone", "add", "--phone", "555-010-0199", "--name", "door"]) == 0
    added = capsys.readouterr().out.strip().split("\t")
    assert added[1:] == ["staff", "+15550100199", "door"]
    assert cli_main(["staff-phone", "list"]) == 0
    assert "+15550100199" in capsys.readouterr().out
    assert cli_main(["staff-phone", "remove", "--id", added[0]]) == 0
    assert cli_main(["staff-phone", "remove", "--id", added[0]]) == 1
    assert "No staff phone" in capsys.readouterr().err
    assert cli_main(["staff-phone", "add", "--phone", "nope"]) == 1
