"""Back-office pages beyond events: orders (search, refund, resend, CSV), customers (search,
profile, notes, VIP, do-not-contact), check-in lists, the message outbox, webhooks and their
deliveries, API keys and staff phones, branding and the About page. Each reads through tools
and offers the tools' own generated forms."""

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
from .site_kit import _money, error_page

BACK = ("/admin", "Back office")
CSV_PAGE = 200
CSV_MAX_ROWS = 100_000


def _query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdecimal() and 0 < len(raw) < 16 else None


# --- orders -----------------------------------------------------------------------------------

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
        if (value := _query_int(request, name)) is not None:
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
        actions.append([f for f in row_forms if f is not None])
    for f in actions:
        for form in f:
            form.controls[-1].label = "Amount ($, blank for all)"
    blocks.append(
        Table(
            "Tickets",
            [
                ("id", "Ticket"),
                ("holder_name", "Holder"),
                ("tier_id", "Tier"),
                ("status", "Status"),
                ("price_cents", "Price"),
                ("checked_in_at", "Checked in"),
            ],
            rows_of(order.tickets),
            actions=actions,
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
        ),
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
        await call(request, actor, "guest_list", {"event_id": event_id, "limit": 1})
    except NotFound:
        return await error_page(request, 404, "There is no such event.")

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
        "order_id",
        "customer_id",
        "checked_in_at",
    ]
    return await _csv(rows(), header, f"event-{event_id}-attendees.csv")


# --- customers --------------------------------------------------------------------------------


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
    event_id = _query_int(request, "event_id")
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
                ("tier_id", "Tier"),
                ("order_id", "Order"),
                ("checked_in_at", "In at"),
            ],
            rows_of(guests.guests),
            actions=actions,
            links={"order_id": "/admin/orders/{order_id}"},
        )
    )
    return await page(
        request,
        actor,
        f"Check-in: {stats.event_name}",
        blocks,
        crumbs=[BACK, ("/admin/checkin", "Check-in")],
    )


# --- messages, webhooks, access (admin) -------------------------------------------------------


async def messages(request: Request) -> Response:
    actor = await actor_or_response(request, "admin")
    if not isinstance(actor, Actor):
        return actor
    status = request.query_params.get("status", "")
    args: dict[str, Any] = {
        "limit": 100,
        **({"status": status} if status in ("queued", "sent", "failed", "skipped") else {}),
    }
    found = await call(request, actor, "list_messages", args)
    here = "/admin/messages"
    actions = [
        [f]
        if m.status == "failed"
        and (
            f := tool_form(
                request,
                actor,
                "retry_message",
                submit="Retry",
                back=here,
                hidden={"message_id": m.id},
                compact=True,
            )
        )
        else []
        for m in found.messages
    ]
    filters = Links(
        "Show",
        [
            (here, "All"),
            (f"{here}?status=queued", "Queued"),
            (f"{here}?status=sent", "Sent"),
            (f"{here}?status=failed", "Failed"),
            (f"{here}?status=skipped", "Skipped"),
        ],
    )
    table = Table(
        "Outbox",
        [
            ("created_at", "When"),
            ("channel", "Channel"),
            ("to_address", "To"),
            ("subject", "Subject"),
            ("template", "Kind"),
            ("status", "Status"),
            ("attempts", "Tries"),
            ("last_error", "Last error"),
        ],
        rows_of(found.messages),
        actions=actions,
        empty="No messages.",
    )
    return await page(request, actor, "Message outbox", [filters, table], crumbs=[BACK])


async def webhooks(request: Request) -> Response:
    actor = await actor_or_response(request, "admin")
    if not isinstance(actor, Actor):
        return actor
    found = await call(request, actor, "list_webhooks", {"limit": 100})
    here = "/admin/webhooks"
    actions = []
    for w in found.webhooks:
        forms = (
            tool_form(
                request,
                actor,
                "ping_webhook",
                submit="Send a test",
                back=here,
                hidden={"webhook_id": w.id},
                compact=True,
            ),
            tool_form(
                request,
                actor,
                "delete_webhook",
                submit="Delete",
                back=here,
                hidden={"webhook_id": w.id},
                compact=True,
            ),
        )
        actions.append([f for f in forms if f is not None])
    blocks: list[Any] = [
        Table(
            "Webhooks",
            [
                ("id", "Id"),
                ("url", "Address"),
                ("events", "Events"),
                ("active", "Active"),
                ("description", "About"),
            ],
            rows_of(found.webhooks),
            links={"id": "/admin/webhooks/{id}"},
            actions=actions,
            empty="No webhooks yet.",
        )
    ]
    register = tool_form(
        request, actor, "register_webhook", title="Add a webhook", submit="Add webhook"
    )
    if register is not None:
        blocks.append(register)  # no _back: the result page shows the signing secret once
    return await page(request, actor, "Webhooks", blocks, crumbs=[BACK])


async def webhook_detail(request: Request) -> Response:
    actor = await actor_or_response(request, "admin")
    if not isinstance(actor, Actor):
        return actor
    hook_id = request.path_params["webhook_id"]
    try:
        found = await call(
            request, actor, "get_webhook_deliveries", {"webhook_id": hook_id, "limit": 100}
        )
    except NotFound:
        return await error_page(request, 404, "There is no such webhook.")
    table = Table(
        "Deliveries",
        rows=rows_of(found.deliveries),
        columns=[
            (k, k.replace("_", " ").capitalize())
            for k in (
                "id",
                "kind",
                "status",
                "attempts",
                "response_status",
                "last_error",
                "created_at",
                "delivered_at",
            )
            if not found.deliveries or k in found.deliveries[0].model_dump()
        ],
        empty="Nothing delivered yet.",
    )
    return await page(
        request,
        actor,
        f"Webhook {hook_id}",
        [table],
        crumbs=[BACK, ("/admin/webhooks", "Webhooks")],
    )


async def access(request: Request) -> Response:
    actor = await actor_or_response(request, "admin")
    if not isinstance(actor, Actor):
        return actor
    here = "/admin/access"
    keys = await call(request, actor, "list_api_keys", {})
    phones = await call(request, actor, "list_staff_phones", {})
    key_actions = [
        [f]
        if k.revoked_at is None
        and (
            f := tool_form(
                request,
                actor,
                "revoke_api_key",
                submit=f"Revoke {k.name}",
                back=here,
                hidden={"key_id": k.id},
                compact=True,
            )
        )
        else []
        for k in keys.keys
    ]
    phone_actions = [
        [f]
        if (
            f := tool_form(
                request,
                actor,
                "remove_staff_phone",
                submit=f"Remove {p.name or p.phone}",
                back=here,
                hidden={"phone_id": p.id},
                compact=True,
            )
        )
        else []
        for p in phones.phones
    ]
    blocks: list[Any] = [
        Table(
            "API keys",
            [
                ("name", "Name"),
                ("role", "Role"),
                ("prefix", "Starts with"),
                ("created_at", "Made"),
                ("revoked_at", "Revoked"),
            ],
            rows_of(keys.keys),
            actions=key_actions,
        ),
        tool_form(request, actor, "create_api_key", title="New API key", submit="Create key"),
        Table(
            "Staff phones",
            [("name", "Name"), ("phone", "Phone"), ("role", "Role"), ("created_at", "Added")],
            rows_of(phones.phones),
            actions=phone_actions,
            empty="No staff phones yet.",
        ),
        tool_form(
            request,
            actor,
            "add_staff_phone",
            title="Add a staff phone",
            submit="Add phone",
            back=here,
        ),
    ]
    return await page(
        request, actor, "Keys & phones", [b for b in blocks if b is not None], crumbs=[BACK]
    )


async def site(request: Request) -> Response:
    actor = await actor_or_response(request)
    if not isinstance(actor, Actor):
        return actor
    here = "/admin/site"
    branding = await call(request, actor, "get_site_branding", {})
    about = await call(request, actor, "get_about_page", {})
    blocks: list[Any] = [
        tool_form(
            request,
            actor,
            "update_site_branding",
            title="Branding",
            submit="Save branding",
            back=here,
            values=branding.model_dump(),
        ),
        Links("See it", [("/events", "The shop"), ("/about", "The About page")]),
    ]
    for key, section in about.sections.items():
        blocks.append(
            tool_form(
                request,
                actor,
                "update_about_section",
                title=f"About: {key}",
                submit=f"Save {key}",
                back=here,
                hidden={"section": key},
                values=section.model_dump(),
            )
        )
    team_actions = [
        [f]
        if (
            f := tool_form(
                request,
                actor,
                "remove_team_member",
                submit=f"Remove {m.name}",
                back=here,
                hidden={"member_id": m.id},
                only=["member_id"],
                compact=True,
            )
        )
        else []
        for m in about.team
    ]
    blocks.append(
        Table(
            "Team",
            [("name", "Name"), ("title", "Title"), ("bio", "Bio")],
            rows_of(about.team),
            actions=team_actions,
            empty="No team members yet.",
        )
    )
    blocks.append(
        tool_form(
            request,
            actor,
            "add_team_member",
            title="Add a team member",
            submit="Add member",
            back=here,
        )
    )
    return await page(
        request, actor, "Branding & About", [b for b in blocks if b is not None], crumbs=[BACK]
    )


def routes() -> list[Route]:
    return [
        Route("/admin/orders", orders, methods=["GET"]),
        Route("/admin/orders.csv", orders_csv, methods=["GET"]),
        Route("/admin/orders/{order_id:int}", order_detail, methods=["GET"]),
        Route("/admin/events/{event_id:int}/attendees.csv", attendees_csv, methods=["GET"]),
        Route("/admin/customers", customers, methods=["GET"]),
        Route("/admin/customers/{customer_id:int}", customer_detail, methods=["GET"]),
        Route("/admin/checkin", checkin, methods=["GET"]),
        Route("/admin/messages", messages, methods=["GET"]),
        Route("/admin/webhooks", webhooks, methods=["GET"]),
        Route("/admin/webhooks/{webhook_id:int}", webhook_detail, methods=["GET"]),
        Route("/admin/access", access, methods=["GET"]),
        Route("/admin/site", site, methods=["GET"]),
    ]


__all__ = ["routes", "try_call"]
