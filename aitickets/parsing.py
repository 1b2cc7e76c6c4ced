"""Reading what comes from outside: JSON bodies and whole numbers written as text.

One place for both, so every surface refuses the same junk the same way (a 4xx naming what is
wrong) instead of failing deep inside: JSON nested a thousand deep exhausts the parser's
recursion, a lone "\\ud800" escape parses into text that cannot be encoded, and `str.isdigit()`
accepts "²", which `int()` then refuses.
"""

from __future__ import annotations

import json
import re
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
    try:
        text = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    except UnicodeEncodeError:  # text already holding a lone surrogate
        text = b"\\ud800"
    if _SURROGATE_ESCAPE.search(text) and _lone_surrogate(value):
        raise BadJson("The JSON holds half a UTF-16 surrogate pair (\\ud800 to \\udfff).")
    if b"\\u0000" in text and holds_nul(value):
        raise BadJson(NUL_MESSAGE)
    return value


NUL_MESSAGE = "Text may not contain the NUL character (\\u0000)."


def holds_nul(value: Any) -> bool:
    """True when any text in `value` (keys included) holds a NUL character: PostgreSQL refuses
    it in every text and JSON column, so it is refused at the door, whatever the database."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


# A "\ud83d\ude00" pair is one character after parsing; a lone half is text nothing can encode
# (not the database, not the log, not the answer), so it is refused here. The scan of the raw
# bytes spares the walk for the bodies that have no such escape at all.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


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
