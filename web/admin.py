"""The back office at /admin: one generic handler runs any registry tool from a generated form
(role and CSRF checked, then the tool's own validation), and any tool can be run from its own
page. The pages composing tools' reads with those forms are admin_events, admin_orders,
admin_people and admin_settings."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aitickets.errors import TicketsError
from tools.context import Actor

from . import admin_events, admin_orders, admin_people, admin_settings
from .admin_forms import arguments, widgets, zone_of
from .admin_kit import (
    Form,
    Table,
    actor_or_response,
    call,
    page,
    set_flash,
    tool_form,
    try_call,
)
from .session import safe_next
from .site_kit import check_csrf, error_page

_PLACEHOLDER = re.compile(r"\{([a-z_]{1,30})\}")


async def _zone_for(request: Request, actor: Actor, form: Any) -> str:
    """The zone a typed time is in: the form's own (the page knew the venue), else the venue
    or event it names, else the default."""
    named = str(form.get("_zone", ""))[:64]
    if named and zone_of(named).key == named:
        return named
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
    zone = await _zone_for(request, actor, form)
    again = tool_form(request, actor, name, back=str(form.get("_back", "")), zone=zone)
    assert again is not None
    for w in again.controls:
        if w.name in typed:
            w.value = str(typed[w.name])
        elif w.kind == "checkbox":
            w.value = ""
    again.error = error
    status = status if 400 <= status < 500 else 400
    return await page(request, actor, spec.summary, [again], status=status, error=error)


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
        Route("/admin/run/{tool}", run_tool, methods=["POST"]),
        Route("/admin/tools", tools_index, methods=["GET"]),
        Route("/admin/tools/{tool}", tool_page, methods=["GET"]),
        *admin_events.routes(),
        *admin_orders.routes(),
        *admin_people.routes(),
        *admin_settings.routes(),
    ]


__all__ = ["Form", "routes"]
