"""Back-office events: the overview of sales across events (server-drawn SVG charts), the
list, a new event, and one event with its tiers, edits, postponement, cancellation and
waitlist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aitickets.errors import NotFound
from tools.context import Actor

from .admin_kit import (
    BACK,
    Charts,
    Links,
    Stats,
    Table,
    actor_or_response,
    call,
    page,
    rows_of,
    tool_form,
    try_call,
)
from .site_charts import bar_chart
from .site_kit import _money, error_page


async def overview(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    now = request.app.state.clock()
    report = await try_call(
        request,
        actor,
        "get_revenue_report",
        {"from": (now - timedelta(days=30)).isoformat()},
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
        blocks.append(
            Table(
                "Sales by event, last 30 days",
                [("name", "Event"), ("tickets", "Tickets"), ("net_cents", "Net sales")],
                rows_of(report.by_event),
                links={"name": "/admin/events/{event_id}"},
                currency=currency,
                empty="No sales in the last 30 days.",
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
                ("/admin/events/series/new", "New recurring series"),
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


SERIES_FIELDS = [
    "name",
    "venue_id",
    "first_starts_at",
    "frequency",
    "occurrences",
    "duration_minutes",
    "tiers",
    "description",
    "visibility",
]


async def series_new(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    form = tool_form(
        request,
        actor,
        "create_recurring_event",
        title="New recurring series",
        submit="Create series",
        back="/admin/events",
        only=SERIES_FIELDS,
        options={"venue_id": await _venue_options(request, actor)},
    )
    if form is None:
        return await error_page(request, 403, "Creating events needs a staff sign-in.")
    lead = "One event per date, each with the same tiers. Times are in the venue's zone."
    crumbs = [BACK, ("/admin/events", "Events")]
    return await page(request, actor, "New recurring series", [form], lead=lead, crumbs=crumbs)


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
    if event.series_id is not None:
        series = tool_form(
            request,
            actor,
            "update_event_series",
            title="Change every date of this series",
            submit="Save series",
            back=here,
            hidden={"series_id": event.series_id},
        )
        if series is not None:
            blocks.append(series)
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


def routes() -> list[Route]:
    return [
        Route("/admin", overview, methods=["GET"]),
        Route("/admin/events", events_list, methods=["GET"]),
        Route("/admin/events/new", event_new, methods=["GET"]),
        Route("/admin/events/series/new", series_new, methods=["GET"]),
        Route("/admin/events/{event_id:int}", event_detail, methods=["GET"]),
    ]
