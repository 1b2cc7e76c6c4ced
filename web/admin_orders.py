"""Back-office orders: search, one order with full and partial refunds and a resend, and CSV
exports of orders and of an event's attendees."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from aitickets.errors import InvalidInput, NotFound
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
    try_call,
)
from .site_kit import _money, error_page

CSV_PAGE = 200
CSV_MAX_ROWS = 100_000
ORDER_COLUMNS = [
    ("label", "Order"),
    ("event_name", "Event"),
    ("customer_name", "Buyer"),
    ("status", "Status"),
    ("payment_method", "Paid by"),
    ("total_cents", "Total"),
    ("refunded_cents", "Refunded"),
    ("created_at", "Ordered"),
]


def _order_rows(items: list[Any]) -> list[dict[str, Any]]:
    return [{**row, "label": f"Order {row['id']}"} for row in rows_of(items)]


def _order_filters(request: Request) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for name in ("event_id", "customer_id"):
        if (value := query_int(request, name)) is not None:
            args[name] = value
    for name in ("q", "status"):
        if value := request.query_params.get(name, "").strip()[:100]:
            args[name] = value
    return args


async def orders(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    filters = _order_filters(request)
    try:
        found = await call(request, actor, "list_orders", {**filters, "limit": 100})
    except InvalidInput as exc:
        return await error_page(request, 422, exc.message)
    search = tool_form(
        request,
        actor,
        "list_orders",
        title="Search orders",
        submit="Search",
        values=filters,
        only=["q", "event_id", "status"],
        search="/admin/orders",
    )
    blocks: list[Any] = []
    if search is not None:
        blocks.append(search)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if k != "q")
    blocks.append(Links("Export", [(f"/admin/orders.csv?{query}", "Orders as CSV")]))
    blocks.append(
        Table(
            "Orders",
            ORDER_COLUMNS,
            _order_rows(found.orders),
            links={
                "label": "/admin/orders/{id}",
                "customer_name": "/admin/customers/{customer_id}",
                "event_name": "/admin/events/{event_id}",
            },
            empty="No orders match.",
        )
    )
    return await page(request, actor, "Orders", blocks, crumbs=[BACK])


async def order_detail(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    order_id = request.path_params["order_id"]
    try:
        order = await call(request, actor, "get_order", {"order_id": order_id})
    except NotFound:
        return await error_page(request, 404, "There is no such order.")
    here = f"/admin/orders/{order_id}"
    event = await try_call(request, actor, "get_event", {"event_id": order.event_id})
    tier_names = {t.id: t.name for t in event.tiers} if event is not None else {}
    zone = event.timezone if event is not None else ""
    money = order.currency
    blocks: list[Any] = [
        Stats(
            [
                ("Status", order.status.replace("_", " ")),
                ("Total", _money(order.total_cents, money)),
                (
                    "Refunded",
                    _money(order.refunded_cents, money) if order.refunded_cents else "nothing",
                ),
                ("Paid by", order.payment_method),
            ]
        ),
        Links(
            "Go to",
            [
                (f"/admin/customers/{order.customer_id}", "The buyer"),
                (f"/admin/events/{order.event_id}", "The event"),
            ],
        ),
    ]
    actions = []
    for t in order.tickets:
        row_forms = [
            tool_form(
                request,
                actor,
                "refund_ticket",
                submit="Refund ticket",
                back=here,
                hidden={"ticket_id": t.id},
                only=["amount_cents"],
                compact=True,
            ),
        ]
        refundable = t.status in ("valid", "checked_in")
        actions.append([f for f in row_forms if f is not None and refundable])
    for f in actions:
        for form in f:
            form.controls[-1].label = "Amount ($, blank for all)"
    blocks.append(
        Table(
            "Tickets",
            [
                ("id", "Ticket"),
                ("holder_name", "Holder"),
                ("tier", "Tier"),
                ("status", "Status"),
                ("price_cents", "Price"),
                ("checked_in_at", "Checked in"),
            ],
            [
                {**t, "tier": tier_names.get(t["tier_id"], t["tier_id"])}
                for t in rows_of(order.tickets)
            ],
            actions=actions,
            zone=zone,
        )
    )
    for f in (
        tool_form(
            request,
            actor,
            "refund_order",
            title="Refund the whole order",
            submit="Refund order",
            back=here,
            hidden={"order_id": order_id},
        )
        if order.status not in ("refunded", "cancelled", "expired", "failed")
        else None,
        tool_form(
            request,
            actor,
            "resend_tickets",
            title="Send the tickets again",
            submit="Resend tickets",
            back=here,
            hidden={"order_id": order_id},
        ),
    ):
        if f is not None:
            blocks.append(f)
    lead = f"{order.customer_name} · {order.event_name}"
    crumbs = [BACK, ("/admin/orders", "Orders")]
    return await page(request, actor, f"Order {order_id}", blocks, lead=lead, crumbs=crumbs)


def _safe_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def _csv(rows: AsyncIterator[list[Any]], header: list[str], filename: str) -> Response:
    async def body() -> AsyncIterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        async for row in rows:
            writer.writerow([_safe_cell(v) for v in row])
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        yield out.getvalue()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


async def orders_csv(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    filters = _order_filters(request)
    await call(request, actor, "list_orders", {**filters, "limit": 1})  # bad filters: 4xx now

    async def rows() -> AsyncIterator[list[Any]]:
        for offset in range(0, CSV_MAX_ROWS, CSV_PAGE):
            batch = await call(
                request, actor, "list_orders", {**filters, "limit": CSV_PAGE, "offset": offset}
            )
            for o in batch.orders:
                yield [
                    o.id,
                    o.event_id,
                    o.customer_id,
                    o.status,
                    o.payment_method,
                    f"{o.total_cents / 100:.2f}",
                    f"{o.refunded_cents / 100:.2f}",
                    o.currency,
                    len(o.tickets),
                    o.created_at.isoformat(),
                ]
            if len(batch.orders) < CSV_PAGE:
                return

    header = [
        "order_id",
        "event_id",
        "customer_id",
        "status",
        "payment_method",
        "total",
        "refunded",
        "currency",
        "tickets",
        "ordered_at",
    ]
    return await _csv(rows(), header, "orders.csv")


async def attendees_csv(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    event_id = request.path_params["event_id"]
    try:
        event = await call(request, actor, "get_event", {"event_id": event_id})
    except NotFound:
        return await error_page(request, 404, "There is no such event.")
    tiers = {t.id: t.name for t in event.tiers}

    async def rows() -> AsyncIterator[list[Any]]:
        for offset in range(0, CSV_MAX_ROWS, CSV_PAGE):
            batch = await call(
                request,
                actor,
                "guest_list",
                {"event_id": event_id, "limit": CSV_PAGE, "offset": offset},
            )
            for g in batch.guests:
                yield [
                    g.ticket_id,
                    g.holder_name,
                    g.status,
                    g.tier_id,
                    tiers.get(g.tier_id, ""),
                    g.order_id,
                    g.customer_id,
                    g.checked_in_at.isoformat() if g.checked_in_at else "",
                ]
            if len(batch.guests) < CSV_PAGE:
                return

    header = [
        "ticket_id",
        "holder_name",
        "status",
        "tier_id",
        "tier",
        "order_id",
        "customer_id",
        "checked_in_at",
    ]
    return await _csv(rows(), header, f"event-{event_id}-attendees.csv")


def routes() -> list[Route]:
    return [
        Route("/admin/orders", orders, methods=["GET"]),
        Route("/admin/orders.csv", orders_csv, methods=["GET"]),
        Route("/admin/orders/{order_id:int}", order_detail, methods=["GET"]),
        Route("/admin/events/{event_id:int}/attendees.csv", attendees_csv, methods=["GET"]),
    ]
