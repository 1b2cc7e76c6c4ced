"""The registry of typed tools: the whole domain API, and the only place tools are declared.

`@tool(...)` records a function's metadata and returns it unchanged. Input and output models come
from the function's annotations, the description from its docstring. MCP, REST, OpenAPI, the LLM
schemas and `GET /tools` are all generated from these entries.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_type_hints

from pydantic import BaseModel

from aitickets.errors import NotFound

from .voice import SILENT, Voice

if TYPE_CHECKING:
    from .context import ToolContext

Role = Literal["public", "agent", "staff", "admin"]
ROLE_RANK: dict[str, int] = {"public": 0, "agent": 1, "staff": 2, "admin": 3}

ToolFn = Callable[["ToolContext", Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    status: int = 200


@dataclass(frozen=True)
class ToolSpec:
    name: str
    fn: ToolFn
    category: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    role: Role
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool
    confirm: bool
    undo: str | None
    examples: tuple[str, ...]
    http: tuple[HttpRoute, ...] = field(default=())
    voice: Voice = SILENT

    def allows(self, role: str) -> bool:
        return ROLE_RANK.get(role, -1) >= ROLE_RANK[self.role]

    @property
    def annotations(self) -> dict[str, bool]:
        return {
            "readOnlyHint": self.read_only,
            "destructiveHint": self.destructive,
            "idempotentHint": self.idempotent,
            "openWorldHint": self.open_world,
        }

    @property
    def summary(self) -> str:
        return self.description.split("\n", 1)[0]


class Registry:
    def __init__(self) -> None:
        self._tools: dict[str, ToolSpec] = {}

    def tool(
        self,
        *,
        category: str,
        role: Role,
        read_only: bool = False,
        destructive: bool = False,
        idempotent: bool | None = None,
        open_world: bool = False,
        confirm: bool | None = None,
        undo: str | None = None,
        examples: tuple[str, ...] | list[str] = (),
        http: HttpRoute | tuple[HttpRoute, ...] | None = None,
        voice: Voice = SILENT,
    ) -> Callable[[ToolFn], ToolFn]:
        """Register a tool. Destructive tools ask for spoken confirmation unless told otherwise."""

        def register(fn: ToolFn) -> ToolFn:
            name = fn.__name__
            if name in self._tools:
                raise ValueError(f"tool {name!r} registered twice")
            hints = get_type_hints(fn)
            params = list(inspect.signature(fn).parameters)
            if len(params) != 2:
                raise TypeError(f"tool {name!r} must take (ctx, args)")
            input_model, output_model = hints[params[1]], hints["return"]
            routes = (http,) if isinstance(http, HttpRoute) else tuple(http or ())
            self._tools[name] = ToolSpec(
                name=name,
                fn=fn,
                category=category,
                description=inspect.cleandoc(fn.__doc__ or name),
                input_model=input_model,
                output_model=output_model,
                role=role,
                read_only=read_only,
                destructive=destructive,
                idempotent=read_only if idempotent is None else idempotent,
                open_world=open_world,
                confirm=destructive if confirm is None else confirm,
                undo=undo,
                examples=tuple(examples),
                http=routes,
                voice=voice,
            )
            return fn

        return register

    def get(self, name: str) -> ToolSpec:
        try:
            return self._tools[name]
        except KeyError:
            raise NotFound(f"There is no tool called {name!r}.", code="unknown_tool") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(sorted(self._tools.values(), key=lambda spec: (spec.category, spec.name)))

    def __len__(self) -> int:
        return len(self._tools)

    def for_role(self, role: str) -> list[ToolSpec]:
        return [spec for spec in self if spec.allows(role)]

    def subset(self, names: frozenset[str]) -> Registry:
        """A registry of only these entries (the same specs; unknown names are ignored)."""
        narrowed = Registry()
        narrowed._tools = {name: spec for name, spec in self._tools.items() if name in names}
        return narrowed


registry = Registry()
tool = registry.tool
