"""CSRF for every form and every page script: a signed double submit. The browser holds a random
nonce in an HttpOnly cookie; forms carry our HMAC of it in a hidden field, scripts in the
`X-CSRF-Token` header. Another site can neither read the nonce nor forge the signature.

The signing secret is SITE_SECRET, or else one generated once and kept in the data directory
(mode 0600), so tokens survive a restart and agree between processes sharing the directory."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

from starlette.datastructures import FormData
from starlette.requests import Request

from aitickets.settings import Settings

CSRF_COOKIE = "aitickets_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_FILE = "site_secret"


@cache
def _stored_secret(data_dir: str) -> bytes:
    path = Path(data_dir) / SECRET_FILE
    try:
        return path.read_bytes().strip() or _create(path)
    except FileNotFoundError:
        return _create(path)


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_hex(32).encode()
    try:  # O_EXCL: two processes starting together keep the first one's secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip() or fresh
    with os.fdopen(fd, "wb") as handle:
        handle.write(fresh)
    return fresh


def site_secret(settings: Settings) -> bytes:
    if settings.site_secret:
        return settings.site_secret.encode()
    return _stored_secret(str(settings.data_dir.resolve()))


def sign(request: Request, nonce: str) -> str:
    secret = site_secret(request.app.state.settings)
    return hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()


def csrf_nonce(request: Request) -> tuple[str, bool]:
    """The browser's CSRF nonce (its cookie) and whether it must be set now."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(nonce) <= 64 and nonce.replace("-", "").replace("_", "").isalnum():
        return nonce, False
    return secrets.token_urlsafe(24), True


def _matches(request: Request, sent: str) -> bool:
    nonce = request.cookies.get(CSRF_COOKIE, "")
    # Bytes: compare_digest raises on non-ASCII text, and the token is whatever was sent.
    return (
        bool(nonce)
        and bool(sent)
        and hmac.compare_digest(sent.encode(), sign(request, nonce).encode())
    )


def check_csrf(request: Request, form: FormData) -> bool:
    """A form post carries the signature of the cookie's nonce."""
    return _matches(request, str(form.get(CSRF_FIELD, "")))


def check_csrf_header(request: Request) -> bool:
    """A page script's call carries it in the X-CSRF-Token header."""
    return _matches(request, request.headers.get(CSRF_HEADER, ""))
