"""What every back-office page shares: the signed-in actor, calling a tool as that actor, the
forms generated from tools' input models, one page template made of blocks (tables, forms,
charts, figures), and a one-shot message after an action (a short-lived cookie)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import Response

from aitickets.errors import TicketsError
from tools.context import Actor
from tools.registry import Role

from .admin_forms import Widget, widgets
from .session import signed_in
from .site_kit import _money, local_time, render, templates

FLASH_COOKIE = "aitickets_admin_flash"
BACK = ("/admin", "Back office")  # the first breadcrumb
_FORM_IDS = itertools.count(1)
SECTIONS: list[tuple[str, str, Role]] = [
    ("/admin", "Overview", "staff"),
    ("/admin/events", "Events", "staff"),
    ("/admin/orders", "Orders", "staff"),
    ("/admin/customers", "Customers", "staff"),
    ("/admin/checkin", "Check-in", "staff"),
    ("/admin/messages", "Messages", "admin"),
    ("/admin/webhooks", "Webhooks", "admin"),
    ("/admin/access", "Keys & phones", "admin"),
    ("/admin/site", "Branding & About", "staff"),
    ("/admin/tools", "All actions", "staff"),
]


def query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdecimal() and 0 < len(raw) < 16 else None


async def actor_or_response(request: Request, role: Role = "staff") -> Actor | Response:
    return await signed_in(request, role)


async def call(request: Request, actor: Actor, tool: str, arguments: dict[str, Any]) -> Any:
    return await request.app.state.runner.call(tool, arguments, actor)


async def try_call(request: Request, actor: Actor, tool: str, arguments: dict[str, Any]) -> Any:
    """A read the page can do without (a role too weak for it, say): None instead of an error."""
    if not request.app.state.runner.spec(tool).allows(actor.role):
        return None
    try:
        return await call(request, actor, tool, arguments)
    except TicketsError:
        return None


@dataclass
class Form:
    """A generated form that runs one tool through POST /admin/run/{tool}."""

    kind: ClassVar[str] = "form"
    tool: str
    title: str
    controls: list[Widget]
    submit: str
    back: str = ""
    zone: str = ""
    destructive: bool = False
    compact: bool = False  # a one-button form inside a table row
    error: str = ""
    uid: str = field(default_factory=lambda: f"t{next(_FORM_IDS)}")  # unique ids in the page
    search: str = ""  # a read shown as a page: a GET form to this path instead of a POST


def tool_form(
    request: Request,
    actor: Actor,
    tool: str,
    *,
    title: str = "",
    submit: str = "",
    back: str = "",
    values: dict[str, Any] | None = None,
    hidden: dict[str, Any] | None = None,
    omit: set[str] | frozenset[str] = frozenset(),
    only: list[str] | None = None,
    zone: str = "",
    compact: bool = False,
    options: dict[str, list[tuple[str, str]]] | None = None,
    search: str = "",
) -> Form | None:
    """The form for a tool, or None when this actor's role may not run it (so staff never see
    an admin-only button). `only` keeps just those fields (in that order), `options` turns a
    field into a choice (venues by name)."""
    spec = request.app.state.runner.spec(tool)
    if not spec.allows(actor.role):
        return None
    model = spec.input_model
    tz = zone or request.app.state.settings.default_timezone
    controls = widgets(model, values=values, hidden=hidden, omit=omit, zone=tz)
    if only is not None:
        keep = set(only) | set(hidden or {})
        controls = [w for w in controls if w.path[0] in keep]
        order = {name: i for i, name in enumerate(only)}
        controls.sort(key=lambda w: order.get(w.path[0], -1))
    for w in controls:
        if options and w.path[-1] in options:
            choices = options[w.path[-1]]
            w.kind, w.options = "select", ([] if w.required else [("", "—")]) + choices
    return Form(
        tool=tool,
        title=title or spec.summary,
        controls=controls,
        submit=submit or tool.replace("_", " ").capitalize(),
        back=back,
        zone=zone,
        destructive=spec.destructive,
        compact=compact,
        search=search,
    )


@dataclass
class Table:
    kind: ClassVar[str] = "table"
    title: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[dict[str, Any]]
    links: dict[str, str] = field(default_factory=dict)  # key → "/admin/x/{id}"
    actions: list[list[Form]] = field(default_factory=list)  # per row
    empty: str = "Nothing here yet."
    zone: str = ""  # times in rows without their own "timezone": the page's default zone
    currency: str = "USD"


@dataclass
class Stats:
    """Big figures in a row ("Tickets sold 120 of 300")."""

    kind: ClassVar[str] = "stats"
    items: list[tuple[str, str]]
    title: str = ""


@dataclass
class Charts:
    kind: ClassVar[str] = "charts"
    charts: list[Any]  # site_charts.Chart
    title: str = ""


@dataclass
class Links:
    kind: ClassVar[str] = "links"
    title: str
    items: list[tuple[str, str]]  # (href, label)
    text: str = ""


def cell(value: Any, key: str, zone: str = "UTC", currency: str = "USD") -> str:
    """A value as a person reads it: money, times in the venue's zone, yes/no."""
    if value is None or value == "":
        return "—"
    if key.endswith("_cents") and isinstance(value, int):
        return _money(value, currency) if value else _money(1, currency).replace("0.01", "0.00")
    if isinstance(value, datetime):
        return local_time(value, zone, "%a %d %b %Y, %-I:%M %p")
    if isinstance(value, date):
        return value.strftime("%a %d %b %Y")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value).replace("_", " ") if key == "status" else str(value)


def rows_of(items: list[Any]) -> list[dict[str, Any]]:
    return [i.model_dump() if hasattr(i, "model_dump") else dict(i) for i in items]


def set_flash(response: Response, message: str) -> None:
    response.set_cookie(
        FLASH_COOKIE, quote(message[:300]), max_age=60, httponly=True, samesite="strict", path="/"
    )


async def page(
    request: Request,
    actor: Actor,
    title: str,
    blocks: list[Any],
    *,
    status: int = 200,
    lead: str = "",
    error: str = "",
    crumbs: list[tuple[str, str]] | None = None,
) -> Response:
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))
    sections = [(href, label) for href, label, role in SECTIONS if actor.at_least(role)]
    response = await render(
        request,
        "admin/page.html",
        {
            "title": title,
            "lead": lead,
            "blocks": blocks,
            "sections": sections,
            "actor": actor,
            "flash": flash,
            "error": error,
            "crumbs": crumbs or [],
            "here": request.url.path,
            "zone": request.app.state.settings.default_timezone,
        },
        status=status,
        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"},
    )
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


templates.env.globals["admin_cell"] = cell
