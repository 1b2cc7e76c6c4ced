from typing import Any

import pytest
from sqlalchemy import select

from aitickets.errors import Ambiguous, Conflict, Forbidden, InvalidInput, NotFound
from persistence.models import DomainEvent
from tests.conftest import ACTORS, NOW
from tools.about import SECTION_KEYS
from tools.runner import ToolRunner


@pytest.fixture
def call(runner: ToolRunner):  # type: ignore[no-untyped-def]
    """Like conftest's `call`, but a tool argument may be called `name` (team members have one)."""

    async def _call(tool: str, as_: str = "admin", **arguments: Any) -> Any:
        return await runner.call(tool, arguments, ACTORS[as_])

    return _call


async def test_empty_page_has_every_section_and_no_team(call) -> None:
    page = await call("get_about_page", as_="public")
    assert list(page.sections) == list(SECTION_KEYS)
    assert all(s.body == "" and s.updated_at is None for s in page.sections.values())
    assert page.team == []


async def test_update_section_stores_plain_text_and_returns_the_previous_text(call, db) -> None:
    first = await call(
        "update_about_section",
        as_="staff",
        section="Mission",
        title="Why we exist",
        body="Live music\r\nfor everyone.",
    )
    assert (first.section, first.title, first.body) == (
        "mission",
        "Why we exist",
        "Live music\nfor everyone.",
    )
    assert first.previous_body == "" and first.updated_at == NOW
    second = await call(
        "update_about_section", as_="staff", section="mission", body="Music <b>loud</b>"
    )
    assert second.title == "Why we exist"  # kept when not given
    assert second.previous_body == "Live music\nfor everyone."
    page = await call("get_about_page", as_="public")
    assert page.sections["mission"].body == "Music <b>loud</b>"  # stored as typed; pages escape
    async with db.sessions() as s:
        kinds = (await s.scalars(select(DomainEvent.kind))).all()
    assert kinds == ["about.updated", "about.updated"]


async def test_unknown_section_names_the_sections_that_exist(call) -> None:
    with pytest.raises(InvalidInput) as caught:
        await call("update_about_section", as_="staff", section="history", body="x")
    assert "hero, mission, story" in caught.value.message and "faq" in caught.value.message


async def test_update_section_rejects_long_bodies_and_public_callers(call) -> None:
    with pytest.raises(InvalidInput, match="5000"):
        await call("update_about_section", as_="staff", section="story", body="x" * 5001)
    with pytest.raises(Forbidden):
        await call("update_about_section", as_="agent", section="story", body="hi")


async def test_team_members_are_listed_in_order(call) -> None:
    await call("add_team_member", as_="staff", name="Maria Lopez", title="Booking")
    await call("add_team_member", as_="staff", name="Dev Patel", title="Sound", bio="Knobs.")
    await call("add_team_member", as_="staff", name="Ada Kim", title="Owner", sort_order=0)
    team = await call("list_team_members", as_="public")
    assert [m.name for m in team.team] == ["Maria Lopez", "Ada Kim", "Dev Patel"]
    page = await call("get_about_page", as_="public")
    assert [m.name for m in page.team] == [m.name for m in team.team]


@pytest.mark.parametrize(
    "photo_url", ["javascript:alert(1)", "ftp://example.com/a.png", "example.com/a.png", "http://"]
)
async def test_team_photo_must_be_an_http_address(call, photo_url: str) -> None:
    with pytest.raises(InvalidInput, match="http"):
        await call("add_team_member", as_="staff", name="Eve", title="Bar", photo_url=photo_url)


async def test_team_member_with_the_same_name_conflicts(call) -> None:
    added = await call(
        "add_team_member", as_="staff", name="Maria Lopez", photo_url="https://x.example/m.jpg"
    )
    assert added.photo_url == "https://x.example/m.jpg"
    with pytest.raises(Conflict, match="already on the team"):
        await call("add_team_member", as_="staff", name="maria  LÓPEZ")


async def test_remove_by_name_ignores_case_and_records_the_removal(call, db) -> None:
    await call("add_team_member", as_="staff", name="Maria Lopez", title="Booking")
    removed = await call("remove_team_member", as_="staff", name="MARIA lopez")
    assert removed.name == "Maria Lopez"
    assert (await call("list_team_members", as_="public")).team == []
    async with db.sessions() as s:
        kinds = (await s.scalars(select(DomainEvent.kind).order_by(DomainEvent.id))).all()
    assert kinds == ["about.team_member_added", "about.team_member_removed"]


async def test_remove_unknown_name_says_who_is_on_the_team(call) -> None:
    await call("add_team_member", as_="staff", name="Dev Patel")
    with pytest.raises(NotFound, match="Dev Patel"):
        await call("remove_team_member", as_="staff", name="Nobody")
    with pytest.raises(NotFound):
        await call("remove_team_member", as_="staff", member_id=999)


async def test_remove_with_two_matches_is_ambiguous_with_options(call, db) -> None:
    from persistence.models import TeamMember

    async with db.unit_of_work() as s:  # two Sams, as an import could leave them
        s.add_all(
            [TeamMember(name="Sam Lee", title="Door"), TeamMember(name="sam lee", title="Bar")]
        )
    with pytest.raises(Ambiguous) as caught:
        await call("remove_team_member", as_="staff", name="Sam Lee")
    options = caught.value.details["options"]
    assert [o["title"] for o in options] == ["Door", "Bar"]
    removed = await call("remove_team_member", as_="staff", member_id=options[1]["id"])
    assert removed.title == "Bar"


async def test_remove_needs_exactly_one_of_name_or_id_and_is_confirmed(call, runner) -> None:
    with pytest.raises(InvalidInput):
        await call("remove_team_member", as_="staff")
    with pytest.raises(InvalidInput):
        await call("remove_team_member", as_="staff", name="A", member_id=1)
    with pytest.raises(Forbidden):
        await call("remove_team_member", as_="agent", name="A")
    spec = runner.spec("remove_team_member")
    assert spec.destructive and spec.confirm
