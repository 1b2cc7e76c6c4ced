"""A tool's voice, declared beside the tool: what people say for it, which input fields are
spoken slots and of what kind, how its result is said, and whether the public phone line may use
it. `@tool(..., voice=speaks(...))` records it; the voice agent reads it from the registry and
names no tool itself. What people say in full sentences (the corpus the router is fitted on)
lives beside the modules in `tools/utterances/<module>.yaml`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Protocol

Data = dict[str, Any]

# A name inside a pattern: "add (?P<name>…) as the bartender".
NAME = r"(?P<name>[\w'. -]+?)"

# Kinds of spoken value whose meaning the field's name alone does not give. The router has one
# extractor per kind; a tool says which of its fields take which kind.
SlotKind = Literal[
    "hours_before",  # "forty eight hours before it starts", "two days ahead"
    "use_limit",  # "first twenty people only", "limited to 50 uses"
    "discount_kind",  # "20 percent" → percent, "$5 off" → fixed
    "sale_status",  # "pause it" → paused, "back on sale" → on_sale
    "key_label",  # "a key for the coat check"
    "grantee",  # "give Leah at 555… access"
    "guest_status",  # "who's checked in" (not asked of one person)
    "webhook_events",  # "ping https://… for new orders"
    "team_member",  # a member of the team by name
    "team_member_id",  # … or by id
    "relation",  # "his wife", "her brother"
    "relation_ignored",  # the inverse relation: the tool infers it
    "link_subject",  # the first customer of a link
    "link_object",  # the customer linked to them
    "note_body",  # what a note says
    "known_email",  # an email the focus already knows
    "waitlist_entry",  # the focus's waitlist entry
    "new_start",  # a show's new start time, keeping its hour when only a day is said
    "changed_categories",  # the categories a show ends up with after a change
    "category_name",  # a category said by name
    "person_name",  # the field "name" is a person's ("check in jon smith", "register ann lee")
    "guest",  # a guest asked about: "is his wife here yet", "is she in?"
    "job_title",  # "add Maria as our booking manager"
]

# Which of a person's tickets a tool acts on when the sentence names the person, not the ticket.
TicketStatus = Literal["valid", "checked_in", "refunded", "cancelled"]


class Speaks(Protocol):
    """What a saying may ask of the voice agent's speaker: the venue's zone and clock, names."""

    focus: Data

    def event_name(self, ident: int | None) -> str: ...

    def when(self, value: str | datetime | None) -> str: ...

    def period(self, start: str, end: str) -> str: ...


# A tool's result said aloud: (result, arguments, speaker) → one or two short sentences.
Saying = Callable[[Data, Data, Speaks], str]


@dataclass(frozen=True, eq=False)  # compared by identity: a tool's spec is hashed
class Voice:
    """The spoken side of one tool. Phrases are strong signals (several words in order), words
    weaker ones, patterns fill text slots with named groups, flags set booleans."""

    phrases: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    flags: Mapping[str, tuple[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    say: Saying | None = None
    phone: bool = False  # the public phone line may use it
    slots: Mapping[str, SlotKind] = field(default_factory=lambda: MappingProxyType({}))
    acts_on: tuple[TicketStatus, ...] = ()  # a person's tickets in these states, when said so
    # What it acts on when a person is named: one ticket or person, their whole party or group
    # ("the Smiths are here"), or everything of its kind (every tier of a show).
    scope: Literal["one", "group", "all"] = "one"

    @property
    def group(self) -> bool:
        return self.scope == "group"

    @property
    def all_of(self) -> bool:
        return self.scope == "all"


def speaks(
    phrases: str = "",
    words: str = "",
    patterns: tuple[str, ...] = (),
    flags: Mapping[str, tuple[str, str]] | None = None,
    *,
    say: Saying | None = None,
    phone: bool = False,
    slots: Mapping[str, SlotKind] | None = None,
    acts_on: tuple[TicketStatus, ...] = (),
    scope: Literal["one", "group", "all"] = "one",
) -> Voice:
    """A voice from compact strings: phrases separated by "|", words by spaces."""
    return Voice(
        phrases=tuple(p.strip() for p in phrases.split("|") if p.strip()),
        words=tuple(words.split()),
        patterns=tuple(patterns),
        flags=MappingProxyType(dict(flags or {})),
        say=say,
        phone=phone,
        slots=MappingProxyType(dict(slots or {})),
        acts_on=acts_on,
        scope=scope,
    )


SILENT = Voice()


UTTERANCES = Path(__file__).parent / "utterances"


@cache
def training_utterances(directory: Path = UTTERANCES) -> dict[str, list[str]]:
    """What people say for each tool (and `_none`: for no tool), from `utterances/*.yaml`, one
    file per tools module: {tool name: [sentences]}."""
    import yaml

    corpus: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of tool name to sentences")
        for name, sentences in data.items():
            corpus.setdefault(str(name), []).extend(str(s) for s in sentences or [])
    return corpus
