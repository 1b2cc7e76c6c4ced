"""Back-office settings: the message outbox, webhooks and their deliveries, API keys and staff
phones (admin), branding and the About page."""

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
    Table,
    actor_or_response,
    call,
    page,
    rows_of,
    tool_form,
)
from .site_kit import error_page


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
            ("id", "Delivery"),
            ("event_kind", "Event"),
            ("status", "Status"),
            ("attempts", "Tries"),
            ("last_status_code", "Last answer"),
            ("last_error", "Last error"),
            ("created_at", "Queued"),
            ("delivered_at", "Delivered"),
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
        Route("/admin/messages", messages, methods=["GET"]),
        Route("/admin/webhooks", webhooks, methods=["GET"]),
        Route("/admin/webhooks/{webhook_id:int}", webhook_detail, methods=["GET"]),
        Route("/admin/access", access, methods=["GET"]),
        Route("/admin/site", site, methods=["GET"]),
    ]
