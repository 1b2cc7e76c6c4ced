"""Tool configurations for voice platforms, generated from the registry, ready to paste.

`voice_config("vapi" | "retell" | "elevenlabs", url, role)` gives the list of tool objects the
platform takes (Vapi's assistant `model.tools`, Retell's LLM `general_tools`, ElevenLabs' agent
tools): every registry tool the role may use, with its name, description and a parameter schema
cut down to what all three accept (type, description, enum, items, properties, required: no
`$ref`, `anyOf`, formats or bounds, which go into the description instead), plus `ask_tickets`,
the one tool through which the caller's words reach the voice agent. Secrets are placeholders.
"""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from aitickets.errors import InvalidInput

from .registry import ROLE_RANK, Registry, ToolSpec, registry

Platform = Literal["vapi", "retell", "elevenlabs"]
PLATFORMS: tuple[Platform, ...] = ("vapi", "retell", "elevenlabs")

ASK_TOOL = "ask_tickets"
ASK_MIN_ROLE = "staff"  # as POST /voice/action
MAX_REQUEST = 2000
ASK_DESCRIPTION = (
    "Ask AI Tickets in plain words and read its answer out: pass what the caller said (check "
    "someone in, sell or refund tickets, how many are in tonight, what's on this week). It keeps "
    "the conversation for this call (the show, the guest, a question it asked), so pass "
    "follow-ups and answers such as 'yes' or 'the second one' as they are."
)
ASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "request": {"type": "string", "description": "The caller's words, as said."},
    },
    "required": ["request"],
}

API_KEY = "<AITICKETS_API_KEY>"
TIMEOUT_SECONDS = 20  # Vapi's and ElevenLabs' default; a local-router turn takes milliseconds
RETELL_TIMEOUT_MS = 10_000  # Retell retries a timed-out call: keep the wait short

_FORMATS = {
    "date-time": "An ISO 8601 date and time with its zone, e.g. 2026-12-01T20:00:00-05:00.",
    "date": "A date, YYYY-MM-DD.",
    "email": "An email address.",
    "uri": "A URL.",
}
_SAID_BOUND = 100_000  # bounds past this (ids up to 2**31 - 1) say nothing useful to a model


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _collapse(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """`anyOf`/`oneOf`/`allOf` → the first variant that is not null, keeping the outer text."""
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            variants = [_resolve(v, defs) for v in node[key]]
            chosen = next((v for v in variants if v.get("type") != "null"), {"type": "string"})
            outer = {k: v for k, v in node.items() if k != key}
            node = {**_collapse(chosen, defs), **outer}
    return node


def _type(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind:
        return str(kind)
    values = node.get("enum") or []
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if values and all(isinstance(v, int) for v in values):
        return "integer"
    return "string"


def _notes(node: dict[str, Any]) -> list[str]:
    notes = []
    if node.get("format") in _FORMATS:
        notes.append(_FORMATS[node["format"]])
    low, high = node.get("minimum"), node.get("maximum")
    if high is not None and high <= _SAID_BOUND:
        notes.append(f"From {low if low is not None else 'any'} to {high}.")
    if node.get("default") not in (None, "", [], {}):
        notes.append(f"Default {json.dumps(node['default'])}.")
    return notes


def _simple(node: dict[str, Any], defs: dict[str, Any], name: str) -> dict[str, Any]:
    node = _collapse(_resolve(node, defs), defs)
    kind = _type(node)
    # Not pydantic's `title`: it is the class name for nested models ("BuyerIn").
    text = node.get("description") or name.replace("_", " ").capitalize()
    out: dict[str, Any] = {"type": kind}
    values = node.get("enum") or ([node["const"]] if "const" in node else [])
    notes = _notes(node)
    if values and all(isinstance(v, str) for v in values):
        out["enum"] = list(values)
    elif values:
        notes.append("One of " + ", ".join(json.dumps(v) for v in values) + ".")
    if kind == "array":
        out["items"] = _simple(node.get("items") or {"type": "string"}, defs, name)
    if kind == "object":
        out.update(_object(node, defs))
    out["description"] = " ".join([text.rstrip(".") + ".", *notes])
    return out


def _object(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    properties = node.get("properties") or {}
    out: dict[str, Any] = {
        "properties": {k: _simple(v, defs, k) for k, v in properties.items()},
    }
    required = [r for r in node.get("required") or [] if r in properties]
    if required:
        out["required"] = required
    return out


def parameters(model: type[BaseModel]) -> dict[str, Any]:
    """A tool's input as the plain JSON schema voice platforms accept (names by alias)."""
    schema = model.model_json_schema()
    return {"type": "object", **_object(schema, schema.get("$defs") or {})}


def description(spec: ToolSpec) -> str:
    text = spec.description.replace("\n", " ")
    if spec.confirm:
        text += " It cannot be undone: confirm with the caller first."
    return text


def _base(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInput("--url: give the server's public address, e.g. https://tickets.example")
    return url.strip().rstrip("/")


def _entries(role: str, tools: Registry) -> list[tuple[str, str, dict[str, Any]]]:
    entries = [(s.name, description(s), parameters(s.input_model)) for s in tools.for_role(role)]
    if ROLE_RANK[role] >= ROLE_RANK[ASK_MIN_ROLE]:
        entries.insert(0, (ASK_TOOL, ASK_DESCRIPTION, ASK_SCHEMA))
    return entries


def _vapi(base: str, name: str, text: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "async": False,
        "function": {"name": name, "description": text, "parameters": params},
        "server": {
            "url": f"{base}/voice/vapi",
            "timeoutSeconds": TIMEOUT_SECONDS,
            "headers": {"Authorization": f"Bearer {API_KEY}"},
        },
    }


def _retell(base: str, name: str, text: str, params: dict[str, Any]) -> dict[str, Any]:
    # No auth header: Retell signs every request with its API key (X-Retell-Signature).
    return {
        "type": "custom",
        "name": name,
        "description": text,
        "url": f"{base}/voice/retell",
        "method": "POST",
        "parameters": params,
        "speak_during_execution": False,
        "speak_after_execution": True,
        "timeout_ms": RETELL_TIMEOUT_MS,
    }


def _elevenlabs(base: str, name: str, text: str, params: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "url": f"{base}/tools/{name}",
        "method": "POST",
        "request_headers": {
            "Authorization": {"secret_id": "<SECRET_ID of a secret holding 'Bearer atk_…'>"},
            "X-Session-ID": {"variable_name": "system__conversation_id"},
        },
    }
    if params["properties"]:  # a tool without inputs sends no body
        schema["request_body_schema"] = {**params, "description": f"Arguments of {name}."}
    return {
        "type": "webhook",
        "name": name,
        "description": text,
        "response_timeout_secs": TIMEOUT_SECONDS,
        "api_schema": schema,
    }


_BUILDERS = {"vapi": _vapi, "retell": _retell, "elevenlabs": _elevenlabs}


def voice_config(
    platform: str, url: str, role: str = "staff", *, tools: Registry = registry
) -> list[dict[str, Any]]:
    if platform not in _BUILDERS:
        raise InvalidInput(f"platform: one of {', '.join(PLATFORMS)}.")
    if role not in ROLE_RANK or role == "public":
        raise InvalidInput("role: agent, staff or admin (the role of the key you will paste).")
    base = _base(url)
    build = _BUILDERS[platform]
    return [build(base, name, text, params) for name, text, params in _entries(role, tools)]


SETUP_NOTES: dict[str, str] = {
    "vapi": (
        "Paste the list as the assistant's model.tools (or create each with POST /tool). Replace "
        "<AITICKETS_API_KEY> with a {role} key, or drop the header, set VAPI_SECRET on the server "
        "and give Vapi the same value as the server secret (X-Vapi-Secret)."
    ),
    "retell": (
        "Paste the list as the Retell LLM's general_tools. Set RETELL_API_KEY on the server to "
        "your Retell API key (the one with the webhook badge): every request is signed with it. "
        "Calls act with VOICE_PLATFORM_ROLE ({role} expected)."
    ),
    "elevenlabs": (
        "Add each as a webhook (server) tool of the agent. Create a workspace secret whose value "
        "is 'Bearer <a {role} key>' and put its id in place of <SECRET_ID …>; X-Session-ID is "
        "bound to system__conversation_id so ask_tickets keeps the conversation."
    ),
}
