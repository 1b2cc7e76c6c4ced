"""The back office at /admin: one generic handler runs any registry tool from a generated form
(role and CSRF checked, then the tool's own validation), and the pages compose tools' reads
with those forms: the overview with its charts, events and their tiers. Orders, customers and
the rest are in admin_pages.py."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aitickets.errors import NotFound, TicketsError
from tools.context import Actor

from . import admin_pages
from .admin_forms import arguments, widgets
from .admin_kit import (
    Charts,
    Form,
    Links,
    Stats,
    Table,
    actor_or_response,
    call,
    page,
    rows_of,
    set_flash,
    tool_form,
    try_call,
)
from .session import safe_next
from .site_charts import bar_chart
from .site_kit import _money, check_csrf, error_page

_PLACEHOLDER = re.compile(r"\{([a-z_]{1,30})\}")


async def _zone_for(request: Request, actor: Actor, form: Any) -> str:
    """The zone a typed time is in: the form's own (the page knew the venue), else the venue
    or event it names, else the default."""
    named = str(form.get("_zone", ""))
    try:
        if named:
            ZoneInfo(named)
            return named
    except (KeyError, ValueError):
        pass
    for field_name, tool, key in (
        ("venue_id", "get_venue", "venue_id"),
        ("event_id", "get_event", "event_id"),
    ):
        raw = str(form.get(field_name, ""))
        if raw.isdecimal() and len(raw) < 16:
            found = await try_call(request, actor, tool, {key: int(raw)})
            if found is not None:
                return str(found.timezone)
    return str(request.app.state.settings.default_timezone)


def _back(template: str, result: Any) -> str:
    """Where to go after success: the form's `_back`, with {id}-style holes filled from the
    result (a new event's id), and only ever a path on this site."""
    values = result.model_dump() if hasattr(result, "model_dump") else {}

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return str(value) if isinstance(value, int | str) else ""

    return safe_next(_PLACEHOLDER.sub(fill, template), "")


def _done(tool: str, result: Any) -> str:
    spec_name = tool.replace("_", " ")
    name = getattr(result, "name", None)
    return f"Done: {spec_name}" + (f" ({name})" if isinstance(name, str) and name else "") + "."


async def run_tool(request: Request) -> Response:
    """POST /admin/run/{tool}: the one handler behind every back-office form."""
    actor = await actor_or_response(request, "staff")
    if not isinstance(actor, Actor):
        return actor
    name = request.path_params["tool"]
    runner = request.app.state.runner
    if name not in runner.tools:
        return await error_page(request, 404, f"There is no action called {name!r}.")
    spec = runner.spec(name)
    if not spec.allows(actor.role):
        return await error_page(request, 403, f"Running {name} needs a {spec.role} sign-in.")
    form = await request.form(max_files=0, max_fields=200)
    if not check_csrf(request, form):
        return await error_page(request, 403, "This form expired; reload the page and try again.")
    if spec.destructive and not form.get("_confirm"):
        return await _again(
            request, actor, name, form, "Tick 'Yes' to confirm: this cannot be undone.", 422
        )
    zone = await _zone_for(request, actor, form)
    controls = widgets(spec.input_model, zone=zone)
    try:
        result = await call(request, actor, name, arguments(form, controls, zone))
    except TicketsError as exc:
        return await _again(request, actor, name, form, exc.message, exc.http_status)
    back = _back(str(form.get("_back", "")), result)
    if back:
        response = RedirectResponse(back, status_code=303)
        set_flash(response, _done(name, result))
        return response
    return await page(
        request,
        actor,
        _done(name, result),
        [Table("Result", [("field", "Field"), ("value", "Value")], _result_rows(result))],
        lead="Copy anything you need from here now: secrets such as a new key are shown once.",
    )


def _result_rows(result: Any) -> list[dict[str, Any]]:
    data = result.model_dump(mode="json") if hasattr(result, "model_dump") else {}
    return [{"field": k.replace("_", " "), "value": v} for k, v in data.items()]


async def _again(
    request: Request, actor: Actor, name: str, form: Any, error: str, status: int
) -> Response:
    """The form once more, with what was typed and what was wrong."""
    spec = request.app.state.runner.spec(name)
    typed = {k: v for k, v in form.multi_items() if not k.startswith(("orig.", "_", "csrf"))}
    again = tool_form(
        request, actor, name, back=str(form.get("_back", "")), zone=str(form.get("_zone", ""))
    )
    assert again is not None
    for w in again.controls:
        if w.name in typed:
            w.value = str(typed[w.name])
        elif w.kind == "checkbox":
            w.value = ""
    again.error = error
    status = status if 400 <= status < 500 else 400
    return await page(request, actor, spec.summary, [again], status=status, error=error)


# --- overview ---------------------------------------------------------------------------------


async def overview(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    now = request.app.state.clock()
    report = await try_call(
        request,
        actor,
        "get_revenue_report",
        {"from": (now - timedelta(days=30)).isoformat(), "to": now.isoformat()},
    )
    listing = await call(request, actor, "list_events", {"include_hidden": True, "limit": 12})
    blocks: list[Any] = [
        Links(
            "Start here",
            [
                ("/admin/events/new", "New event"),
                ("/admin/orders", "Find an order"),
                ("/admin/customers", "Find a customer"),
                ("/door", "Door scanner"),
            ],
        )
    ]
    if report is not None:
        currency = report.currency
        blocks.append(
            Stats(
                [
                    ("Orders (30 days)", str(report.orders)),
                    ("Tickets sold", str(report.tickets_sold)),
                    (
                        "Net sales",
                        _money(report.net_cents, currency) if report.net_cents else "none yet",
                    ),
                    (
                        "Refunded",
                        _money(report.refunded_cents, currency)
                        if report.refunded_cents
                        else "none",
                    ),
                ],
                title="Last 30 days",
            )
        )
        blocks.append(
            Charts(
                [
                    bar_chart(
                        "Net sales per day, last 30 days (dollars)",
                        "dollars",
                        [(d.day.strftime("%b %d"), d.net_cents // 100) for d in report.by_day],
                    ),
                    bar_chart(
                        "Tickets sold per day, last 30 days",
                        "tickets",
                        [(d.day.strftime("%b %d"), d.tickets) for d in report.by_day],
                    ),
                ],
                title="Sales over time",
            )
        )
    events = listing.events
    blocks.append(
        Charts(
            [
                bar_chart(
                    "Tickets sold by event (upcoming)",
                    "tickets",
                    [(e.name[:14], e.sold) for e in events],
                )
            ],
            title="Sales across events",
        )
    )
    rows = [
        {
            **e.model_dump(),
            "sell_through": f"{round(100 * e.sold / e.capacity)} %" if e.capacity else "—",
        }
        for e in events
    ]
    blocks.append(
        Table(
            "Upcoming events",
            [
                ("name", "Event"),
                ("starts_at", "Starts"),
                ("status", "Status"),
                ("sold", "Sold"),
                ("capacity", "Capacity"),
                ("sell_through", "Sold through"),
            ],
            rows,
            links={"name": "/admin/events/{id}"},
            empty="No upcoming events.",
        )
    )
    return await page(
        request, actor, "Back office", blocks, lead=f"Signed in as {actor.name} ({actor.role})."
    )


# --- events and tiers -------------------------------------------------------------------------


async def _venue_options(request: Request, actor: Actor) -> list[tuple[str, str]]:
    venues = await call(request, actor, "list_venues", {"limit": 200})
    return [(str(v.id), v.name) for v in venues.venues]


async def events_list(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    q = request.query_params.get("q", "").strip()[:100]
    args: dict[str, Any] = {"include_hidden": True, "include_past": True, "limit": 100}
    if q:
        args["q"] = q
    listing = await call(request, actor, "list_events", args)
    blocks: list[Any] = [
        Links(
            "Add",
            [
                ("/admin/events/new", "New event"),
                ("/admin/tools/create_recurring_event?_back=/admin/events", "New recurring series"),
            ],
        ),
        Table(
            f"Events ({listing.total})" + (f" matching “{q}”" if q else ""),
            [
                ("name", "Event"),
                ("starts_at", "Starts"),
                ("status", "Status"),
                ("visibility", "Visibility"),
                ("sold", "Sold"),
                ("capacity", "Capacity"),
            ],
            rows_of(listing.events),
            links={"name": "/admin/events/{id}"},
        ),
    ]
    return await page(request, actor, "Events", blocks, crumbs=[("/admin", "Back office")])


async def event_new(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    form = tool_form(
        request,
        actor,
        "create_event",
        title="New event",
        submit="Create event",
        back="/admin/events/{id}",
        omit={"category_ids"},
        options={"venue_id": await _venue_options(request, actor)},
    )
    if form is None:
        return await error_page(request, 403, "Creating events needs a staff sign-in.")
    lead = "Times are in the venue's own time zone. Add tiers on the next page."
    return await page(
        request,
        actor,
        "New event",
        [form],
        lead=lead,
        crumbs=[("/admin", "Back office"), ("/admin/events", "Events")],
    )


EVENT_FIELDS = [
    "name",
    "description",
    "venue_id",
    "starts_at",
    "ends_at",
    "visibility",
    "sales_start_at",
    "sales_end_at",
    "image_url",
]


async def event_detail(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    event_id = request.path_params["event_id"]
    try:
        event = await call(request, actor, "get_event", {"event_id": event_id})
    except NotFound:
        return await error_page(request, 404, "There is no such event.")
    here, zone = f"/admin/events/{event_id}", event.timezone
    ref = {"event_id": event_id}
    tier_form = tool_form(
        request,
        actor,
        "create_ticket_tier",
        title="Add a tier",
        submit="Add tier",
        back=here,
        hidden=ref,
        only=["name", "price_cents", "capacity", "max_per_order", "description", "status"],
        zone=zone,
    )
    if tier_form is not None:
        for w in tier_form.controls:
            w.label = {"Name": "Tier name"}.get(w.label, w.label)
    tier_rows, tier_actions = [], []
    for t in event.tiers:
        tier_rows.append(t.model_dump())
        tier_actions.append(
            [
                f
                for f in (
                    tool_form(
                        request,
                        actor,
                        "update_ticket_tier",
                        title=f"Change {t.name}",
                        submit="Save tier",
                        back=here,
                        hidden={"tier_id": t.id},
                        values=t.model_dump(),
                        only=["price_cents", "capacity", "status"],
                        compact=True,
                    ),
                    tool_form(
                        request,
                        actor,
                        "delete_ticket_tier",
                        submit="Delete tier",
                        back=here,
                        hidden={"tier_id": t.id},
                        compact=True,
                    ),
                )
                if f is not None
            ]
        )
    values = event.model_dump()
    blocks: list[Any] = [
        Stats(
            [
                (
                    "Starts",
                    event.starts_at.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y, %-I:%M %p"),
                ),
                ("Status", event.status),
                ("Sold", f"{event.sold} of {event.capacity}"),
                ("Visibility", event.visibility),
            ]
        ),
        Links(
            "Go to",
            [
                (f"/events/{event_id}", "Public page"),
                (f"/admin/orders?event_id={event_id}", "Orders"),
                (f"/admin/checkin?event_id={event_id}", "Check-in list"),
                (f"/admin/events/{event_id}/attendees.csv", "Attendees (CSV)"),
                (f"/admin/orders.csv?event_id={event_id}", "Orders (CSV)"),
                (f"/door?event_id={event_id}", "Door scanner"),
            ],
        ),
    ]
    if tier_form is not None:
        blocks.append(tier_form)
    blocks.append(
        Table(
            "Tiers",
            [
                ("name", "Tier"),
                ("price_cents", "Price"),
                ("capacity", "Capacity"),
                ("sold", "Sold"),
                ("held", "Held"),
                ("status", "Status"),
            ],
            tier_rows,
            actions=tier_actions,
            empty="No tiers yet: add one above.",
        )
    )
    for f in (
        tool_form(
            request,
            actor,
            "update_event",
            title="Edit event",
            submit="Save event",
            back=here,
            hidden=ref,
            values=values,
            only=EVENT_FIELDS,
            zone=zone,
            options={"venue_id": await _venue_options(request, actor)},
        ),
        tool_form(
            request,
            actor,
            "postpone_event",
            title="Postpone",
            submit="Postpone event",
            back=here,
            hidden=ref,
            zone=zone,
        ),
        tool_form(
            request,
            actor,
            "cancel_event",
            title="Cancel the event",
            submit="Cancel event and refund",
            back=here,
            hidden=ref,
            zone=zone,
        ),
    ):
        if f is not None:
            blocks.append(f)
    waitlist = await try_call(request, actor, "get_waitlist", {"event_id": event_id})
    if waitlist is not None:
        blocks.append(
            Table(
                "Waitlist",
                [
                    ("position", "#"),
                    ("name", "Name"),
                    ("email", "Email"),
                    ("quantity", "Seats"),
                    ("status", "Status"),
                ],
                rows_of(waitlist.entries),
                empty="Nobody is waiting.",
            )
        )
        offer = tool_form(
            request,
            actor,
            "notify_waitlist",
            title="Offer free seats to the waitlist",
            submit="Offer seats now",
            back=here,
            hidden=ref,
        )
        if offer is not None and waitlist.entries:
            blocks.append(offer)
    return await page(
        request,
        actor,
        event.name,
        blocks,
        crumbs=[("/admin", "Back office"), ("/admin/events", "Events")],
    )


# --- any tool ---------------------------------------------------------------------------------


async def tools_index(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    specs = [s for s in request.app.state.runner.tools.for_role(actor.role) if not s.read_only]
    rows = [
        {
            "name": s.name.replace("_", " "),
            "tool": s.name,
            "category": s.category,
            "summary": s.summary,
        }
        for s in specs
    ]
    table = Table(
        "Actions you may run",
        [("name", "Action"), ("category", "Area"), ("summary", "What it does")],
        rows,
        links={"name": "/admin/tools/{tool}"},
    )
    return await page(
        request,
        actor,
        "All actions",
        [table],
        lead="Every change the system can make, as a form.",
        crumbs=[("/admin", "Back office")],
    )


async def tool_page(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    name = request.path_params["tool"]
    if name not in request.app.state.runner.tools:
        return await error_page(request, 404, f"There is no action called {name!r}.")
    prefill = {k: v for k, v in request.query_params.items() if not k.startswith("_")}
    form = tool_form(
        request,
        actor,
        name,
        values=prefill,
        back=safe_next(request.query_params.get("_back", ""), ""),
        submit="Run",
    )
    if form is None:
        return await error_page(request, 403, "This action needs a stronger sign-in.")
    for w in form.controls:
        w.prefilled = False  # values from the link are suggestions, all of them are sent
    return await page(
        request,
        actor,
        form.title,
        [form],
        crumbs=[("/admin", "Back office"), ("/admin/tools", "All actions")],
    )


def routes() -> list[Route]:
    return [
        Route("/admin", overview, methods=["GET"]),
        Route("/admin/run/{tool}", run_tool, methods=["POST"]),
        Route("/admin/events", events_list, methods=["GET"]),
        Route("/admin/events/new", event_new, methods=["GET"]),
        Route("/admin/events/{event_id:int}", event_detail, methods=["GET"]),
        Route("/admin/tools", tools_index, methods=["GET"]),
        Route("/admin/tools/{tool}", tool_page, methods=["GET"]),
        *admin_pages.routes(),
    ]


__all__ = ["Form", "routes"]
