"""HTML forms generated from a tool's input model, and the way back: a submitted form → the
tool's arguments. One generic description of each field (its widget, label, whether it is
required, its choices) serves every back-office action, so no tool's form is written by hand.

Conventions: `*_cents` fields are typed in the currency's major unit ("25" or "25.50") under a
name without "cents"; a time is typed in the venue's zone (datetime-local has none); a list of
ids is written "1, 2, 3"; a nested model's fields are named `outer.inner`; an update form carries
each field's original value (`orig.<name>`) so only what was changed is sent."""

from __future__ import annotations

import json
import types
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.datastructures import FormData

LONG_TEXT = {"description", "body", "text", "content", "note", "notes", "message", "bio"}
ORIG = "orig."  # prefix of the hidden fields holding an update form's original values
MONEY_SUFFIX = "_cents"
MAX_DEPTH = 1  # nested models are flattened one level (customer.name); deeper is not offered


def zone_of(name: str) -> ZoneInfo:
    """A time zone by name; anything that is not one (typed or tampered with) is UTC."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # unknown, malformed, a directory such as "America"
        return ZoneInfo("UTC")


@dataclass
class Widget:
    """One form control for one field of a tool's input."""

    name: str  # the form field's name (money: without "cents")
    path: tuple[str, ...]  # where the value goes in the arguments
    label: str
    kind: str  # text, textarea, number, money, checkbox, select, datetime, date, ids, email
    required: bool
    value: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    help: str = ""
    hidden: bool = False
    prefilled: bool = False

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


def _bare(annotation: Any) -> Any:
    """The type under `Annotated[...]` (constraints are the tool's to check)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside `X | None`, and whether None was allowed."""
    annotation = _bare(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _bare(args[0]), True
    return annotation, False


LABELS = {"q": "Search", "from_": "From", "to": "To", "url": "Address (URL)"}


def label_for(name: str, kind: str = "") -> str:
    if name in LABELS:
        return LABELS[name]
    if kind == "json":
        return name.replace("_", " ").capitalize() + " (JSON)"
    if kind == "lines":
        return name.replace("_", " ").capitalize() + " (one per line)"
    if name.endswith(MONEY_SUFFIX):
        return name.removesuffix(MONEY_SUFFIX).replace("_", " ").capitalize() + " ($)"
    if name.endswith("_ids"):
        return name.removesuffix("_ids").replace("_", " ").capitalize() + " ids (comma separated)"
    if name.endswith("_id"):
        return name.removesuffix("_id").replace("_", " ").capitalize()
    return name.replace("_", " ").capitalize()


def _kind(name: str, annotation: Any) -> tuple[str, list[tuple[str, str]]]:
    origin = get_origin(annotation)
    if origin is Literal:
        return "select", [(str(v), str(v).replace("_", " ")) for v in get_args(annotation)]
    if origin is list:
        item = _bare(get_args(annotation)[0]) if get_args(annotation) else str
        if item is int:
            return "ids", []
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "json", []
        return "lines", []
    if origin is dict:
        return "json", []
    if annotation is bool:
        return "checkbox", []
    if annotation is datetime:
        return "datetime", []
    if annotation is date:
        return "date", []
    if annotation is int and name.endswith(MONEY_SUFFIX):
        return "money", []
    if annotation in (int, float):
        return "number", []
    if name in LONG_TEXT or name.endswith(("_text", "_body")):
        return "textarea", []
    if name == "email":
        return "email", []
    return "text", []


def _shown(kind: str, value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if kind == "money":
        return f"{Decimal(int(value)) / 100:.2f}"
    if kind == "datetime" and isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    if kind == "checkbox":
        return "on" if value else ""
    if kind == "ids":
        return ", ".join(str(v) for v in value)
    if kind == "lines":
        return "\n".join(str(v) for v in value)
    if kind == "json":
        return json.dumps(value, default=str)
    return str(value)


def widgets(
    model: type[BaseModel],
    *,
    values: dict[str, Any] | None = None,
    hidden: dict[str, Any] | None = None,
    omit: set[str] | frozenset[str] = frozenset(),
    zone: str = "UTC",
    prefix: tuple[str, ...] = (),
) -> list[Widget]:
    """The controls for a model's fields. `values` prefill (an update form), `hidden` fix a
    field (the event a tier belongs to), `omit` leaves fields out (paging)."""
    values, hidden = values or {}, hidden or {}
    tz = zone_of(zone)
    out: list[Widget] = []
    for name, info in model.model_fields.items():
        if name in omit:
            continue
        annotation, optional = _unwrap(info.annotation)
        path = (*prefix, name)
        dotted = ".".join(path)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if len(prefix) < MAX_DEPTH:
                inner = values.get(name) if isinstance(values.get(name), dict) else {}
                out += widgets(annotation, values=inner, zone=zone, prefix=path)
            continue
        kind, options = _kind(name, annotation)
        required = info.is_required()
        widget = Widget(
            name=dotted.removesuffix(MONEY_SUFFIX) + "_amount" if kind == "money" else dotted,
            path=path,
            label=label_for(name, kind),
            kind=kind,
            required=required and kind != "checkbox",
            options=options,
            help=info.description or "",
        )
        if kind == "json" and not widget.help:
            widget.help = _json_example(annotation)
        if name in hidden:
            widget.hidden, widget.value = True, _shown(kind, hidden[name], tz)
        elif name in values:
            widget.value, widget.prefilled = _shown(kind, values[name], tz), True
        elif not required and info.default is not None and _simple(info):
            widget.value = _shown(kind, info.default, tz)
        if kind == "select" and (optional or not required) and widget.value == "":
            widget.options = [("", "—"), *options]
        out.append(widget)
    return out


def _json_example(annotation: Any) -> str:
    """For a list of models: one item with its required fields, as a person would type it."""
    args = get_args(annotation)
    item = _bare(args[0]) if args else None
    if not (isinstance(item, type) and issubclass(item, BaseModel)):
        return ""
    sample: dict[str, Any] = {}
    for name, info in item.model_fields.items():
        kind = _bare(_unwrap(info.annotation)[0])
        if info.is_required() or name.endswith(MONEY_SUFFIX):
            sample[name] = 2500 if name.endswith(MONEY_SUFFIX) else 100 if kind is int else "GA"
    return (
        "For example "
        + json.dumps([sample])
        + (" (amounts in cents)" if any(k.endswith(MONEY_SUFFIX) for k in sample) else "")
    )


def _simple(info: FieldInfo) -> bool:
    return isinstance(info.default, str | int | float | bool) and not callable(info.default)


def _money(text: str) -> int | str:
    cleaned = text.replace("$", "").replace(",", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return text  # the tool's validation says what is wrong with it
    return int((amount * 100).to_integral_value())


def _datetime(text: str, zone: ZoneInfo) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def arguments(form: FormData, controls: list[Widget], zone: str = "UTC") -> dict[str, Any]:
    """The tool's arguments from a submitted form: blanks are left out (the tool's default or
    its 'required' error applies), unchanged prefilled values too (an update sends only what
    changed), and typed values are converted as the widgets promised."""
    tz = zone_of(zone)
    out: dict[str, Any] = {}
    for widget in controls:
        if widget.kind == "checkbox":  # an unticked box is simply not sent: that means no
            raw = "on" if form.get(widget.name) else ""
        elif widget.name not in form:
            continue  # not on the form that was sent: the tool's default applies
        else:
            raw = str(form.get(widget.name, "")).strip()
        original = form.get(ORIG + widget.name)
        if original is not None and raw == str(original).strip():
            continue
        if raw == "" and widget.kind != "checkbox":
            if original not in (None, ""):
                _put(out, widget.path, None)  # emptied on purpose: clear it
            continue
        value: Any = raw
        if widget.kind == "money":
            value = _money(raw)
        elif widget.kind == "datetime":
            value = _datetime(raw, tz)
        elif widget.kind == "checkbox":
            value = bool(raw)
        elif widget.kind == "ids":
            value = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
        elif widget.kind == "lines":
            value = [p.strip() for p in raw.splitlines() if p.strip()]
        elif widget.kind == "json":
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw  # the tool's validation names the field
        _put(out, widget.path, value)
    return out
