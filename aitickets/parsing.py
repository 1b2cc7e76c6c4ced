"""Reading what comes from outside: JSON bodies and whole numbers written as text.

One place for both, so every surface refuses the same junk the same way (a 4xx naming what is
wrong) instead of failing deep inside: JSON nested a thousand deep exhausts the parser's
recursion, and `str.isdigit()` accepts "²", which `int()` then refuses.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidInput

MAX_DEPTH = 64  # no request this server understands nests deeper than about ten


class BadJson(InvalidInput, ValueError):
    """Not JSON, or nested deeper than MAX_DEPTH. A ValueError too, so callers that already
    treat a JSON error as a ValueError keep working."""

    code = "invalid_json"


def loads_json(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` that raises BadJson for anything it cannot read or that nests too deeply."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadJson(f"The JSON nests too deeply (at most {max_depth} levels).") from None
    except ValueError:  # JSONDecodeError, and UnicodeDecodeError for bytes that are not UTF-8
        raise BadJson("The body is not valid JSON.") from None
    if _opens(raw) > max_depth and _deeper_than(value, max_depth):
        raise BadJson(f"The JSON nests too deeply (at most {max_depth} levels).")
    return value


def _opens(raw: bytes | str) -> int:
    """How many arrays and objects the text could open: a cheap bound that spares the walk
    for the small bodies of the hot paths."""
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{")
    return raw.count(b"[") + raw.count(b"{")


def _deeper_than(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def whole_number(raw: str | None, *, below: int) -> int | None:
    """A whole number 0 ≤ n < `below` written in ASCII digits, or None for anything else
    (empty, signs, spaces inside, superscripts, other scripts' digits, too many digits)."""
    if raw is None:
        return None
    text = raw.strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(below)):
        return None
    number = int(text)
    return number if number < below else None
