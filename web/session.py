"""The signed-in person behind a browser: the HttpOnly session cookie → an Actor, and the one
helper pages use to get that actor or send the browser to /login."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tools.context import Actor
from tools.registry import Role
from tools.sign_in import SESSION_HOURS, resolve_session

SESSION_COOKIE = "aitickets_session"


async def session_actor(request: Request) -> Actor | None:
    """Who this browser is signed in as (None: nobody, or the session has ended)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    return await resolve_session(request.app.state.runner.db, token, request.app.state.clock())


def safe_next(target: str, default: str) -> str:
    """Only a path on this site: never `//other.example` or `https://…` (an open redirect)."""
    target = target.strip()
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:500]
    return default


async def signed_in(request: Request, role: Role) -> Actor | Response:
    """The signed-in actor when it has at least `role`; otherwise the answer to send: a
    redirect to /login (back here afterwards), or a 403 page for a role that is too weak."""
    actor = await session_actor(request)
    if actor is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(here, safe='/')}", status_code=303)
    if not actor.at_least(role):
        from .site_kit import error_page

        return await error_page(
            request,
            403,
            f"This page needs a {role} sign-in; you are signed in as {actor.role}. "
            "Sign out and sign in with another key or phone.",
        )
    return actor


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        # Lax: a link from a text message opens /door signed in; every change is a POST that
        # another site cannot send with it, and carries a CSRF token besides.
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
