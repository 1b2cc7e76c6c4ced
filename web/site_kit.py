"""What every page shares: the Jinja environment and its filters, the brand, the CSRF token
(web/csrf.py) in every page, and HTML error pages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from tools.context import PUBLIC

from .csrf import CSRF_COOKIE, csrf_nonce, sign
from .csrf import check_csrf as check_csrf  # the pages import it from here

HERE = Path(__file__).parent

templates = Jinja2Templates(directory=HERE / "templates")  # autoescape on for .html


def local_time(value: datetime | None, tz: str = "UTC", fmt: str = "%a %d %b %Y, %-I:%M %p") -> str:
    if value is None:
        return ""
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return value.astimezone(zone).strftime(fmt)


def _money(cents: int, currency: str = "USD") -> str:
    if not cents:
        return "Free"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}.get(currency, "")
    amount = f"{cents / 100:,.2f}"
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def price_from(tiers: list[Any]) -> str:
    """A listing card's price line: "Free", "From $25.00", or "Free · paid from $25.00"."""
    prices = sorted({(t.price_cents, t.currency) for t in tiers if t.status != "paused"})
    if not prices:
        return ""
    paid = [p for p in prices if p[0] > 0]
    if not paid:
        return "Free"
    cheapest = _money(*paid[0])
    return f"Free · paid from {cheapest}" if prices[0][0] == 0 else f"From {cheapest}"


def map_link(address: str, venue: str = "") -> str:
    """A map search for the venue (OpenStreetMap: no key, no tracking script on our page)."""
    return "https://www.openstreetmap.org/search?query=" + quote_plus(
        ", ".join(p for p in (venue, address) if p)
    )


templates.env.filters["local"] = local_time
templates.env.filters["money"] = _money
templates.env.filters["price_from"] = price_from
templates.env.filters["map_link"] = map_link


def ink_for(color: str) -> str:
    """Black or white, whichever reads better on the brand colour (WCAG relative luminance)."""
    hex_digits = color.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#111827" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


async def brand(request: Request) -> dict[str, str]:
    branding = await request.app.state.runner.call("get_site_branding", {}, PUBLIC)
    return {
        "name": branding.name,
        "color": branding.color,
        "ink": ink_for(branding.color),
        "logo": branding.logo_url,
    }


async def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    nonce, fresh = csrf_nonce(request)
    full = {"brand": await brand(request), "csrf_token": sign(request, nonce), **context}
    response = templates.TemplateResponse(
        request, template, full, status_code=status, headers=headers
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            nonce,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


async def error_page(request: Request, status: int, message: str) -> Response:
    return await render(request, "error.html", {"message": message}, status=status)
