"""Checking that a request really comes from a voice platform: Retell's `X-Retell-Signature`
(as Retell's SDK verifies it), Twilio's `X-Twilio-Signature` (twilio's `RequestValidator`), and
shared secrets compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from aitickets.errors import Unauthorized

RETELL_WINDOW_MS = 5 * 60 * 1000
_RETELL_SIGNATURE = re.compile(r"v=(\d+),d=([0-9a-fA-F]+)")


class BadSignature(Unauthorized):
    code = "bad_signature"


def same_secret(given: str | None, expected: str) -> bool:
    """Constant time, and never true for an unset secret."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def retell_signature(body: str, api_key: str, at_ms: int) -> str:
    """`v=<ms>,d=<hex HMAC-SHA256(api key, body + ms)>`, the header Retell sends."""
    digest = hmac.new(api_key.encode(), (body + str(at_ms)).encode(), hashlib.sha256).hexdigest()
    return f"v={at_ms},d={digest}"


def verify_retell(raw: bytes, signature: str | None, api_key: str, now_ms: int) -> None:
    """Raises BadSignature unless `signature` signs this body with `api_key` within 5 minutes.

    Retell signs the body it sends; its SDK examples verify a re-serialisation of the parsed JSON
    (compact separators), which is the same text when nothing re-encoded it on the way. Both are
    accepted: each needs the key."""
    if not api_key:
        raise BadSignature("Retell is not configured here (set RETELL_API_KEY).")
    if not signature:
        raise BadSignature("The X-Retell-Signature header is missing.")
    match = _RETELL_SIGNATURE.fullmatch(signature.strip())
    if match is None:
        raise BadSignature("The X-Retell-Signature header is not 'v=<ms>,d=<hex>'.")
    stamp, digest = int(match.group(1)), match.group(2).lower()
    if abs(now_ms - stamp) > RETELL_WINDOW_MS:
        raise BadSignature("The Retell signature is older than five minutes.")
    for body in _retell_texts(raw):
        expected = retell_signature(body, api_key, stamp).rsplit("d=", 1)[1]
        if hmac.compare_digest(expected, digest):
            return
    raise BadSignature("The Retell signature does not match this request.")


def _retell_texts(raw: bytes) -> list[str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return []
    texts = [text]
    try:
        compact = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        return texts
    return texts if compact == text else [*texts, compact]


def verify_twilio(
    auth_token: str,
    url: str,
    params: Mapping[str, Any],
    signature: str | None,
    signature_settings: str | None = None,
) -> None:
    """Raises BadSignature unless Twilio signed `url` and `params` with `auth_token` (HMAC-SHA1,
    or the algorithm a `X-Twilio-Webhooks-Signature-Settings` header names)."""
    from twilio.request_validator import RequestValidator, get_signature_algorithm

    if not signature:
        raise BadSignature("The X-Twilio-Signature header is missing.")
    algorithm = get_signature_algorithm(signature_settings)
    if not RequestValidator(auth_token).validate(url, params, signature, algorithm):
        raise BadSignature("The Twilio signature does not match this request.")
