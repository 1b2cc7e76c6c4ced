"""Event categories (jazz, comedy, family …): the list, editing it, and tagging events."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy import Select, delete, func, insert, select

from aitickets.errors import Conflict, NotFound
from persistence.models import Category, Event, Venue, event_categories

from .common import Id, In, Out, Page, name_key, one_line, require_changes
from .context import ToolContext
from .phrasing import listing
from .registry import HttpRoute, tool
from .voice import speaks

_COLOR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def _color(value: str) -> str:
    if not _COLOR_RE.fullmatch(value):
        raise ValueError("give a colour as #rgb or #rrggbb, for example #4f46e5")
    return value.lower()


def _id_list(value: Any) -> Any:
    """Accept "1,2,3" (a query string) as well as [1, 2, 3] or a single id."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int):
        return [value]
    return value


CategoryName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(one_line)]
Color = Annotated[str, Field(max_length=16), AfterValidator(_color)]
CategoryIds = Annotated[list[Id], BeforeValidator(_id_list), Field(min_length=1, max_length=50)]


class CategoryOut(Out):
    id: int
    name: str
    description: str
    color: str | None


class CategoryCountOut(CategoryOut):
    event_count: int = Field(description="Events tagged with it, past and hidden ones included.")
    upcoming_count: int = Field(description="Upcoming public events tagged with it.")


class ListCategoriesIn(In):
    pass


class ListCategoriesOut(Out):
    categories: list[CategoryCountOut]


class CreateCategoryIn(In):
    name: CategoryName
    description: str = Field(default="", max_length=2000)
    color: Color | None = None


class UpdateCategoryIn(In):
    category_id: Id
    name: CategoryName | None = None
    description: str | None = Field(default=None, max_length=2000)
    color: Color | None = Field(default=None, description="null clears the colour.")


class DeleteCategoryIn(In):
    category_id: Id
    force: bool = Field(default=False, description="Also untag the events that use it.")


class DeleteCategoryOut(Out):
    deleted: CategoryOut
    events_untagged: int


class EventCategoriesIn(In):
    event_id: Id
    category_ids: CategoryIds


class EventRefIn(In):
    event_id: Id


class EventCategoriesOut(Out):
    event_id: int
    event_name: str
    categories: list[CategoryOut]
    changed: list[int] = Field(default_factory=list, description="Ids added or removed now.")


class GetCategoryEventsIn(Page):
    category_id: Id


class CategoryEventOut(Out):
    id: int
    name: str
    starts_at: datetime
    venue_id: int
    venue_name: str


class GetCategoryEventsOut(Out):
    category: CategoryOut
    events: list[CategoryEventOut]
    total: int


# --- helpers ---------------------------------------------------------------------------------


def _upcoming(now: datetime) -> tuple[Any, ...]:
    return (Event.visibility == "public", Event.status == "scheduled", Event.starts_at >= now)


async def _category(ctx: ToolContext, category_id: int) -> Category:
    row = await ctx.session.get(Category, category_id)
    if row is None:
        raise NotFound(f"No category with id {category_id}.", id=category_id)
    return row


async def _check_unique(ctx: ToolContext, name: str, except_id: int | None = None) -> None:
    key = name_key(name)
    for row in await ctx.session.scalars(select(Category)):
        if row.id != except_id and name_key(row.name) == key:
            raise Conflict(f"A category called {row.name} already exists (id {row.id}).")


async def _event(ctx: ToolContext, event_id: int) -> Event:
    event = await ctx.session.get(Event, event_id)
    if event is None or (event.visibility == "draft" and not ctx.actor.at_least("staff")):
        raise NotFound(f"No event with id {event_id}.", id=event_id)
    return event


async def _categories(ctx: ToolContext, ids: Iterable[int]) -> list[Category]:
    wanted = sorted(set(ids))
    rows = list(await ctx.session.scalars(select(Category).where(Category.id.in_(wanted))))
    missing = sorted(set(wanted) - {r.id for r in rows})
    if missing:
        listed = ", ".join(str(i) for i in missing)
        raise NotFound(f"No category with id {listed}.", ids=missing)
    return rows


async def _linked_ids(ctx: ToolContext, event_id: int) -> set[int]:
    rows = await ctx.session.scalars(
        select(event_categories.c.category_id).where(event_categories.c.event_id == event_id)
    )
    return set(rows)


async def _event_categories(
    ctx: ToolContext, event: Event, changed: list[int]
) -> EventCategoriesOut:
    rows = await ctx.session.scalars(
        select(Category)
        .join(event_categories, event_categories.c.category_id == Category.id)
        .where(event_categories.c.event_id == event.id)
        .order_by(Category.name)
    )
    return EventCategoriesOut(
        event_id=event.id,
        event_name=event.name,
        categories=[CategoryOut.model_validate(r) for r in rows],
        changed=changed,
    )


async def _counts(ctx: ToolContext, query: Select[Any]) -> dict[int, int]:
    return {category_id: n for category_id, n in await ctx.session.execute(query)}


def _emit_tagging(ctx: ToolContext, event: Event, changed: list[int]) -> None:
    payload = {"event_id": event.id, "changes": ["categories"], "category_ids": changed}
    ctx.emit("event.updated", payload, event_id=event.id)


# --- tools -----------------------------------------------------------------------------------


@tool(
    category="events",
    role="public",
    read_only=True,
    examples=["what categories are there", "list the event categories"],
    http=HttpRoute("GET", "/api/categories"),
    voice=speaks(
        "what categories|which categories|list categories|categories we have|"
        "categories do we|all the categories|categories we use|sort shows into",
        "categories category",
        phone=True,
    ),
)
async def list_categories(ctx: ToolContext, args: ListCategoriesIn) -> ListCategoriesOut:
    """List the event categories by name, with how many events each has and how many of them
    are upcoming and public."""
    link = event_categories.c
    per_category = select(link.category_id, func.count()).group_by(link.category_id)
    counts = await _counts(ctx, per_category)
    upcoming = await _counts(
        ctx, per_category.join(Event, Event.id == link.event_id).where(*_upcoming(ctx.now()))
    )
    rows = await ctx.session.scalars(select(Category).order_by(Category.name))
    return ListCategoriesOut(
        categories=[
            CategoryCountOut(
                **CategoryOut.model_validate(r).model_dump(),
                event_count=counts.get(r.id, 0),
                upcoming_count=upcoming.get(r.id, 0),
            )
            for r in rows
        ]
    )


@tool(
    category="events",
    role="staff",
    examples=["create a category called Comedy", "add a jazz category in blue"],
    http=HttpRoute("POST", "/api/categories", 201),
    voice=speaks(
        "create a category|new category|add a category|need a category|want a category|"
        "make a category|set up a category|start a category",
        "category",
    ),
)
async def create_category(ctx: ToolContext, args: CreateCategoryIn) -> CategoryOut:
    """Create an event category with a unique name (compared ignoring case and accents), an
    optional description and a colour such as #4f46e5."""
    await _check_unique(ctx, args.name)
    row = Category(**args.model_dump(), created_at=ctx.now())
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.emit("category.created", {"category_id": row.id, "name": row.name})
    return CategoryOut.model_validate(row)


@tool(
    category="events",
    role="staff",
    idempotent=True,
    examples=["rename the Jazz category to Jazz & Blues", "make comedy red"],
    http=HttpRoute("PUT", "/api/categories/{category_id}"),
    voice=speaks("rename the category|change category", "category"),
)
async def update_category(ctx: ToolContext, args: UpdateCategoryIn) -> CategoryOut:
    """Change a category's name, description or colour (only the fields given)."""
    changes = require_changes(args, target="category_id", clearable=("color",))
    row = await _category(ctx, args.category_id)
    if changes.get("name") is not None:
        await _check_unique(ctx, changes["name"], except_id=row.id)
    for field, value in changes.items():
        setattr(row, field, value)
    await ctx.session.flush()
    ctx.emit("category.updated", {"category_id": row.id, "changes": sorted(changes)})
    return CategoryOut.model_validate(row)


@tool(
    category="events",
    role="admin",
    destructive=True,
    examples=["delete the comedy category"],
    http=HttpRoute("DELETE", "/api/categories/{category_id}"),
    voice=speaks("delete the category|remove the category", "category"),
)
async def delete_category(ctx: ToolContext, args: DeleteCategoryIn) -> DeleteCategoryOut:
    """Delete a category. If events use it, this refuses unless force is true, which also
    removes it from those events (the events themselves stay)."""
    row = await _category(ctx, args.category_id)
    in_use = await ctx.session.scalar(
        select(func.count())
        .select_from(event_categories)
        .where(event_categories.c.category_id == row.id)
    )
    if in_use and not args.force:
        raise Conflict(
            f"{in_use} event(s) are in the {row.name} category; "
            "delete with force=true to remove it from them as well.",
            code="category_in_use",
        )
    deleted = CategoryOut.model_validate(row)
    await ctx.session.execute(
        delete(event_categories).where(event_categories.c.category_id == row.id)
    )
    await ctx.session.delete(row)
    ctx.emit("category.deleted", {"category_id": deleted.id, "name": deleted.name})
    return DeleteCategoryOut(deleted=deleted, events_untagged=in_use or 0)


@tool(
    category="events",
    role="staff",
    idempotent=True,
    undo="remove_event_categories",
    examples=["put jazz night in the jazz category", "tag event 3 as comedy and family"],
    http=HttpRoute("POST", "/api/events/{event_id}/categories"),
    voice=speaks(
        "put in category|tag as|add to category|in the category|tag with|label as|"
        "file under|put under|list under|belongs in|counts as|show up under|appear under|"
        "listed under|"
        "add the tag|add tag|add the label|to the category",
        "tag",
        say=lambda d, a, s: (
            f"{d['event_name']} is now under {listing([c['name'] for c in d['categories']])}."
        ),
    ),
)
async def add_event_categories(ctx: ToolContext, args: EventCategoriesIn) -> EventCategoriesOut:
    """Add categories to an event (ones it already has are left as they are)."""
    event = await _event(ctx, args.event_id)
    wanted = {c.id for c in await _categories(ctx, args.category_ids)}
    new = sorted(wanted - await _linked_ids(ctx, event.id))
    if new:
        await ctx.session.execute(
            insert(event_categories), [{"event_id": event.id, "category_id": i} for i in new]
        )
        _emit_tagging(ctx, event, new)
    return await _event_categories(ctx, event, new)


@tool(
    category="events",
    role="staff",
    idempotent=True,
    undo="add_event_categories",
    examples=["take jazz night out of the comedy category"],
    http=HttpRoute("DELETE", "/api/events/{event_id}/categories"),
    voice=speaks(
        "take out of category|untag|tag off|label off|category off|remove the tag|"
        "remove tag|drop the tag|drop tag|remove the label|drop the label|tag from|"
        "label from|out of the category|no longer tagged",
        "untag",
        say=lambda d, a, s: (
            f"{d['event_name']} is now under {listing([c['name'] for c in d['categories']])}."
            if d["categories"]
            else f"{d['event_name']} has no categories now."
        ),
    ),
)
async def remove_event_categories(ctx: ToolContext, args: EventCategoriesIn) -> EventCategoriesOut:
    """Remove categories from an event (the categories themselves stay). Over REST, pass
    category_ids as a comma-separated query parameter."""
    event = await _event(ctx, args.event_id)
    wanted = {c.id for c in await _categories(ctx, args.category_ids)}
    gone = sorted(wanted & await _linked_ids(ctx, event.id))
    if gone:
        await ctx.session.execute(
            delete(event_categories).where(
                event_categories.c.event_id == event.id,
                event_categories.c.category_id.in_(gone),
            )
        )
        _emit_tagging(ctx, event, gone)
    return await _event_categories(ctx, event, gone)


@tool(
    category="events",
    role="public",
    read_only=True,
    examples=["what kind of event is jazz night", "which categories is event 3 in"],
    http=HttpRoute("GET", "/api/events/{event_id}/categories"),
    voice=speaks(
        "what kind of event|categories is in|categories is it in|categories does have|"
        "what tags|which tags|tagged as|what genre",
        "kind",
        phone=True,
    ),
)
async def get_event_categories(ctx: ToolContext, args: EventRefIn) -> EventCategoriesOut:
    """The categories an event is in."""
    return await _event_categories(ctx, await _event(ctx, args.event_id), [])


@tool(
    category="events",
    role="public",
    read_only=True,
    examples=["what comedy is coming up", "show upcoming jazz events"],
    http=HttpRoute("GET", "/api/categories/{category_id}/events"),
    voice=speaks(
        "what comedy|what jazz|events in category|shows in the category|events in the category",
        "category",
        phone=True,
    ),
)
async def get_category_events(ctx: ToolContext, args: GetCategoryEventsIn) -> GetCategoryEventsOut:
    """Upcoming public events in a category, soonest first, with their venue."""
    category = await _category(ctx, args.category_id)
    query = (
        select(Event.id, Event.name, Event.starts_at, Event.venue_id, Venue.name.label("venue"))
        .join(event_categories, event_categories.c.event_id == Event.id)
        .join(Venue, Venue.id == Event.venue_id)
        .where(event_categories.c.category_id == category.id, *_upcoming(ctx.now()))
    )
    total = await ctx.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await ctx.session.execute(
        query.order_by(Event.starts_at, Event.id).limit(args.limit).offset(args.offset)
    )
    events = [
        CategoryEventOut(
            id=r.id, name=r.name, starts_at=r.starts_at, venue_id=r.venue_id, venue_name=r.venue
        )
        for r in rows
    ]
    return GetCategoryEventsOut(
        category=CategoryOut.model_validate(category), events=events, total=total or 0
    )
