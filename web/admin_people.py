"""Back-office people: customers (search, profile, notes, VIP, do-not-contact, details) and
an event's check-in list."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aitickets.errors import NotFound
from tools.context import Actor

from .admin_kit import (
    BACK,
    Links,
    Stats,
    Table,
    actor_or_response,
    call,
    page,
    query_int,
    rows_of,
    tool_form,
)
from .site_kit import _money, error_page


async def customers(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    q = request.query_params.get("q", "").strip()[:100]
    found = await call(request, actor, "search_customers", {"q": q, "limit": 100})
    search = tool_form(
        request,
        actor,
        "search_customers",
        title="Search customers",
        submit="Search",
        values={"q": q},
        only=["q"],
        search="/admin/customers",
    )
    columns = [
        ("name", "Name"),
        ("email", "Email"),
        ("phone", "Phone"),
        ("vip", "VIP"),
        ("created_at", "Since"),
    ]
    table = Table(
        f"Customers ({found.total})",
        columns,
        rows_of(found.customers),
        links={"name": "/admin/customers/{id}"},
        empty="Nobody matches.",
    )
    return await page(
        request, actor, "Customers", [b for b in (search, table) if b is not None], crumbs=[BACK]
    )


async def customer_detail(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    customer_id = request.path_params["customer_id"]
    try:
        who = await call(request, actor, "get_customer_profile", {"customer_id": customer_id})
    except NotFound:
        return await error_page(request, 404, "There is no such customer.")
    here, ref = f"/admin/customers/{customer_id}", {"customer_id": customer_id}
    dnc = bool(who.preferences.get("do_not_call"))
    blocks: list[Any] = [
        Stats(
            [
                (
                    "Spent",
                    _money(who.lifetime_spend_cents) if who.lifetime_spend_cents else "nothing yet",
                ),
                ("Orders", str(who.order_count)),
                ("Tickets", str(who.ticket_count)),
                ("VIP", "yes" if who.vip else "no"),
                ("Do not contact", "yes" if dnc else "no"),
            ]
        ),
        Links("Go to", [(f"/admin/orders?customer_id={customer_id}", "Their orders")]),
        Table(
            "Recent orders",
            [
                ("label", "Order"),
                ("event_name", "Event"),
                ("event_starts_at", "Date"),
                ("ticket_count", "Tickets"),
                ("total_cents", "Total"),
                ("status", "Status"),
            ],
            [{**o, "label": f"Order {o['order_id']}"} for o in rows_of(who.history)],
            links={"label": "/admin/orders/{order_id}", "event_name": "/admin/events/{event_id}"},
            empty="No orders yet.",
        ),
        Table(
            "Notes",
            [("created_at", "When"), ("kind", "Kind"), ("body", "Note"), ("author", "By")],
            rows_of(who.notes),
            empty="No notes yet.",
        ),
    ]
    for f in (
        tool_form(
            request,
            actor,
            "add_customer_note",
            title="Add a note",
            submit="Add note",
            back=here,
            hidden=ref,
            only=["body", "kind"],
        ),
        tool_form(
            request,
            actor,
            "set_vip_status",
            title="VIP",
            submit="Save VIP status",
            back=here,
            hidden=ref,
            values={"vip": who.vip},
        ),
        tool_form(
            request,
            actor,
            "mark_do_not_call",
            title="Do not contact",
            submit="Save contact preference",
            back=here,
            hidden=ref,
            values={"do_not_call": dnc},
        ),
        tool_form(
            request,
            actor,
            "update_customer",
            title="Details",
            submit="Save details",
            back=here,
            hidden=ref,
            values=who.model_dump(),
        ),
    ):
        if f is not None:
            for w in f.controls:
                w.prefilled = w.prefilled and f.tool == "update_customer"  # the toggles always send
            blocks.append(f)
    return await page(
        request,
        actor,
        who.name,
        blocks,
        lead=" · ".join(x for x in (who.email, who.phone) if x),
        crumbs=[BACK, ("/admin/customers", "Customers")],
    )


# --- check-in ---------------------------------------------------------------------------------


async def checkin(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    event_id = query_int(request, "event_id")
    listing = await call(request, actor, "list_events", {"include_hidden": True, "limit": 50})
    choices = Links(
        "Choose an event", [(f"/admin/checkin?event_id={e.id}", e.name) for e in listing.events]
    )
    if event_id is None:
        return await page(request, actor, "Check-in", [choices], crumbs=[BACK])
    try:
        stats = await call(request, actor, "get_checkin_stats", {"event_id": event_id})
    except NotFound:
        return await error_page(request, 404, "There is no such event.")
    q = request.query_params.get("q", "").strip()[:100]
    guests = await call(
        request,
        actor,
        "guest_list",
        {"event_id": event_id, "limit": 200, **({"q": q} if q else {})},
    )
    here = f"/admin/checkin?event_id={event_id}"
    event = await call(request, actor, "get_event", {"event_id": event_id})
    tier_names = {t.id: t.name for t in event.tiers}
    actions = []
    for g in guests.guests:
        act = None
        if g.status == "checked_in":
            act = tool_form(
                request,
                actor,
                "undo_check_in",
                submit=f"Undo check-in of {g.holder_name}",
                back=here,
                hidden={"ticket_id": g.ticket_id},
                compact=True,
            )
        actions.append([act] if act is not None else [])
    blocks: list[Any] = [
        Stats(
            [
                ("In", str(stats.checked_in)),
                ("Expected", str(stats.expected)),
                ("Share", f"{stats.percent:.0f} %"),
            ]
        ),
        Links(
            "Door",
            [
                (f"/door?event_id={event_id}", "Open the door scanner"),
                (f"/admin/events/{event_id}/attendees.csv", "Attendees (CSV)"),
            ],
        ),
    ]
    admit = tool_form(
        request,
        actor,
        "check_in_by_name",
        title="Check in by name",
        submit="Check in",
        back=here,
        hidden={"event_id": event_id},
    )
    if admit is not None:
        blocks.append(admit)
    blocks.append(
        Table(
            f"Guests ({guests.total})",
            [
                ("holder_name", "Holder"),
                ("status", "Status"),
                ("tier", "Tier"),
                ("order_id", "Order"),
                ("checked_in_at", "In at"),
            ],
            [
                {**g, "tier": tier_names.get(g["tier_id"], g["tier_id"])}
                for g in rows_of(guests.guests)
            ],
            actions=actions,
            links={"order_id": "/admin/orders/{order_id}"},
            zone=event.timezone,
        )
    )
    return await page(
        request,
        actor,
        f"Check-in: {stats.event_name}",
        blocks,
        crumbs=[BACK, ("/admin/checkin", "Check-in")],
    )


def routes() -> list[Route]:
    return [
        Route("/admin/customers", customers, methods=["GET"]),
        Route("/admin/customers/{customer_id:int}", customer_detail, methods=["GET"]),
        Route("/admin/checkin", checkin, methods=["GET"]),
    ]
