"""The About page: its text sections and the team, readable by anyone and edited by staff."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from sqlalchemy import func, select

from aitickets.errors import Ambiguous, Conflict, NotFound
from persistence.models import AboutSection, TeamMember

from .common import Id, In, Name, Out, name_key
from .context import ToolContext
from .phrasing import listing
from .registry import HttpRoute, tool
from .voice import NAME, Data, Speaks, speaks

SECTION_KEYS = ("hero", "mission", "story", "values", "contact", "social", "faq")
MAX_BODY = 5000

SectionKey = Literal["hero", "mission", "story", "values", "contact", "social", "faq"]


def _section_key(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    key = value.strip().lower()
    if key not in SECTION_KEYS:
        raise ValueError(
            f"there is no section {value!r}; the sections are {', '.join(SECTION_KEYS)}"
        )
    return key


def _plain_text(value: str) -> str:
    """Stored as typed (text, never rendered HTML); only line endings are made uniform."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("give an http:// or https:// address")
    return value


Section = Annotated[SectionKey, BeforeValidator(_section_key)]
Body = Annotated[str, Field(max_length=MAX_BODY), AfterValidator(_plain_text)]
PhotoUrl = Annotated[str, Field(max_length=1000), AfterValidator(_http_url)]


class SectionOut(Out):
    title: str = ""
    body: str = ""
    updated_at: datetime | None = None


class TeamMemberOut(Out):
    id: int
    name: str
    title: str
    bio: str
    photo_url: str | None
    sort_order: int


class GetAboutPageIn(In):
    pass


class GetAboutPageOut(Out):
    sections: dict[str, SectionOut] = Field(description=f"Keyed by {', '.join(SECTION_KEYS)}.")
    team: list[TeamMemberOut]


class UpdateAboutSectionIn(In):
    section: Section
    title: str | None = Field(default=None, max_length=200, description="Unchanged if omitted.")
    body: Body = Field(description="Plain text; line breaks are kept.")


class UpdateAboutSectionOut(Out):
    section: str
    title: str
    body: str
    updated_at: datetime
    previous_title: str = Field(description="What the section said before, to undo the edit.")
    previous_body: str


class AddTeamMemberIn(In):
    name: Name
    title: str = Field(default="", max_length=200)
    bio: Body = ""
    photo_url: PhotoUrl | None = None
    sort_order: int | None = Field(default=None, ge=0, le=10_000, description="Default: last.")


class RemoveTeamMemberIn(In):
    member_id: Id | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_way(self) -> RemoveTeamMemberIn:
        if (self.member_id is None) == (self.name is None):
            raise ValueError("give either member_id or name")
        return self


class ListTeamMembersIn(In):
    pass


class ListTeamMembersOut(Out):
    team: list[TeamMemberOut]


async def _team(ctx: ToolContext) -> list[TeamMemberOut]:
    rows = await ctx.session.scalars(
        select(TeamMember).order_by(TeamMember.sort_order, TeamMember.id)
    )
    return [TeamMemberOut.model_validate(r) for r in rows]


def _about(d: Data, a: Data, s: Speaks) -> str:
    """The section asked about (or the mission), then who is on the team."""
    sections = {k: v for k, v in (d.get("sections") or {}).items() if v.get("body")}
    asked = a.get("section") or next(
        (k for k in sections if re.search(rf"\b{k}\b", s.focus.get("_text", ""), re.I)), None
    )
    key = (
        asked
        if asked in sections
        else next((k for k in ("mission", "hero", "story") if k in sections), None)
    )
    said = []
    if key:
        section = sections[key]
        title = section.get("title") or key.capitalize()
        said.append(f"{title}: {section['body']}")
    team = [m["name"] for m in d.get("team") or []]
    if team:
        said.append(f"Team: {listing(team)}.")
    return " ".join(said) or "The About page is empty."


@tool(
    category="about",
    role="public",
    read_only=True,
    examples=["show the about page", "what does our mission say"],
    http=HttpRoute("GET", "/api/about"),
    voice=speaks(
        "about page|what does our mission|show the about", "about mission", say=_about, phone=True
    ),
)
async def get_about_page(ctx: ToolContext, args: GetAboutPageIn) -> GetAboutPageOut:
    """The About page: every section (hero, mission, story, values, contact, social, faq; empty
    when not written yet) and the team in display order."""
    stored = {s.key: s for s in await ctx.session.scalars(select(AboutSection))}
    sections = {
        key: SectionOut.model_validate(stored[key]) if key in stored else SectionOut()
        for key in SECTION_KEYS
    }
    return GetAboutPageOut(sections=sections, team=await _team(ctx))


@tool(
    category="about",
    role="staff",
    idempotent=True,
    examples=["change our mission to bring live music to everyone", "update the about story"],
    http=HttpRoute("PUT", "/api/about"),
    voice=speaks(
        "change our mission|update the about|change the story|mission to", "mission story"
    ),
)
async def update_about_section(
    ctx: ToolContext, args: UpdateAboutSectionIn
) -> UpdateAboutSectionOut:
    """Rewrite one About-page section (hero, mission, story, values, contact, social or faq) with
    plain text up to 5000 characters, and optionally its title. Returns the previous text too."""
    row = await ctx.session.get(AboutSection, args.section)
    if row is None:
        row = AboutSection(key=args.section, title="", body="", updated_at=ctx.now())
        ctx.session.add(row)
    previous_title, previous_body = row.title, row.body
    if args.title is not None:
        row.title = args.title
    row.body = args.body
    row.updated_at = ctx.now()
    await ctx.session.flush()
    ctx.emit("about.updated", {"section": row.key})
    return UpdateAboutSectionOut(
        section=row.key,
        title=row.title,
        body=row.body,
        updated_at=row.updated_at,
        previous_title=previous_title,
        previous_body=previous_body,
    )


def _member(d: Data, a: Data, s: Speaks) -> str:
    title = f" as {d['title']}" if d.get("title") else ""
    return f"Added {d['name']}{title} to the About page."


@tool(
    category="about",
    role="staff",
    undo="remove_team_member",
    examples=["add Maria Lopez to the team as booking manager", "add a team member"],
    http=HttpRoute("POST", "/api/about/team-member", 201),
    voice=speaks(
        "add to team|add to the about|to the team|as ceo|about page|join team",
        "team about",
        patterns=(
            rf"(?:add|put)\s+{NAME}\s+as\s+(?:the\s+|our\s+|a\s+|an\s+)?"
            r"(?P<title>.+?)(?:\s+(?:to|on|in)\s+(?:the\s+)?"
            r"(?:about|team)\b.*)?$",
            rf"(?:add|put)\s+{NAME}\s+(?:to|on)\s+(?:the\s+)?"
            r"(?:about|team)\b.*?(?:\s+as\s+(?:the\s+|our\s+|a\s+)?"
            r"(?P<title>.+))?$",
        ),
        say=_member,
        slots={"title": "job_title"},
    ),
)
async def add_team_member(ctx: ToolContext, args: AddTeamMemberIn) -> TeamMemberOut:
    """Add a person to the About page's team with a job title, and optionally a short bio and a
    photo address (http or https). They are listed last unless a sort_order is given."""
    key = name_key(args.name)
    for member in await ctx.session.scalars(select(TeamMember)):
        if name_key(member.name) == key:
            raise Conflict(f"{member.name} is already on the team (id {member.id}).")
    sort_order = args.sort_order
    if sort_order is None:
        last = await ctx.session.scalar(select(func.max(TeamMember.sort_order)))
        sort_order = 0 if last is None else last + 1
    member = TeamMember(
        name=args.name,
        title=args.title,
        bio=args.bio,
        photo_url=args.photo_url,
        sort_order=sort_order,
        created_at=ctx.now(),
    )
    ctx.session.add(member)
    await ctx.session.flush()
    ctx.emit("about.team_member_added", {"member_id": member.id, "name": member.name})
    return TeamMemberOut.model_validate(member)


async def _find_member(ctx: ToolContext, args: RemoveTeamMemberIn) -> TeamMember:
    if args.member_id is not None:
        member = await ctx.session.get(TeamMember, args.member_id)
        if member is None:
            raise NotFound(f"No team member with id {args.member_id}.", id=args.member_id)
        return member
    assert args.name is not None
    everyone = list(await ctx.session.scalars(select(TeamMember).order_by(TeamMember.id)))
    matches = [m for m in everyone if name_key(m.name) == name_key(args.name)]
    if not matches:
        names = ", ".join(m.name for m in everyone) or "nobody yet"
        raise NotFound(f"No team member called {args.name}; the team is: {names}.")
    if len(matches) > 1:
        options = [{"id": m.id, "name": m.name, "title": m.title} for m in matches]
        raise Ambiguous(
            f"{len(matches)} team members are called {args.name}; say which by id.",
            options=options,
        )
    return matches[0]


@tool(
    category="about",
    role="staff",
    destructive=True,
    undo="add_team_member",
    examples=["remove Maria from the team", "take team member 4 off the about page"],
    http=HttpRoute("DELETE", "/api/about/team-member"),
    voice=speaks(
        "remove from team|off the about|take off the team|off the team|remove from the about|"
        "from the about page|off the website",
        "team about",
        patterns=(rf"(?:remove|take)\s+{NAME}\s+(?:from|off)\s",),
        say=lambda d, a, s: f"Removed {d.get('name', 'them')} from the team.",
        slots={"name": "team_member", "member_id": "team_member_id"},
    ),
)
async def remove_team_member(ctx: ToolContext, args: RemoveTeamMemberIn) -> TeamMemberOut:
    """Remove a person from the About page's team, by name (any capitalisation) or member_id."""
    member = await _find_member(ctx, args)
    removed = TeamMemberOut.model_validate(member)
    await ctx.session.delete(member)
    ctx.emit("about.team_member_removed", {"member_id": removed.id, "name": removed.name})
    return removed


@tool(
    category="about",
    role="public",
    read_only=True,
    examples=["who is on the team", "list the team members"],
    http=HttpRoute("GET", "/api/about/team"),
    voice=speaks("who is on the team|list the team|team members", "team", phone=True),
)
async def list_team_members(ctx: ToolContext, args: ListTeamMembersIn) -> ListTeamMembersOut:
    """The team shown on the About page, in display order, with titles and bios."""
    return ListTeamMembersOut(team=await _team(ctx))
