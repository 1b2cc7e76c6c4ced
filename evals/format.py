"""The eval transcript format: typed models of the YAML files, and the matching rules.

A file holds one conversation (a mapping) or several (a list, or a mapping with
`conversations:`). A conversation is what a member of staff says, turn by turn, what each reply
must show (the tool chosen, a subset of its arguments, facts the speech must contain, whether a
question is pending, success), and the database state at the end, read through read-only
registry tools. Only the keys a turn spells out are checked: `awaiting: null` checks that no
question is pending, leaving `awaiting` out checks nothing.

Matching (`match`) is a subset match: every key of the expected mapping must be in the actual
one and match recursively; a key may be a dotted path (`tickets.0.status`) or a length check
(`len(tickets)`); an expected list matches when each of its items matches a different item of
the actual list (any order). Numbers compare as numbers, datetimes as instants, and with
`fold_case` (tool arguments) strings compare ignoring case and spacing. An expected string
`"~text"` means "contains text" (ignoring case), `"!value"` means "anything but value".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

Awaiting = Literal["confirmation", "choice", "value"]
TRANSCRIPTS = Path(__file__).parent / "transcripts"
_LEN = re.compile(r"^len\((.+)\)$")
_MISSING = object()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expect(_Strict):
    """What one reply must show; keys left out are not checked."""

    tool: str | list[str] | None = Field(default=None, description="a list: any of these")
    arguments: dict[str, Any] | None = None
    speech_contains: list[str | list[str]] = Field(
        default_factory=list,
        description="facts the speech must contain, case-insensitive; a list means any of them",
    )
    awaiting: Awaiting | list[Awaiting] | None = None
    success: bool | None = None

    def checks(self) -> set[str]:
        return {name for name in self.model_fields_set if name != "speech_contains"} | (
            {"speech_contains"} if self.speech_contains else set()
        )


class Turn(_Strict):
    say: str = Field(min_length=1)
    expect: Expect

    @model_validator(mode="after")
    def _checks_something(self) -> Turn:
        if not self.expect.checks():
            raise ValueError(f"turn {self.say!r} expects nothing: say what the reply must show")
        return self


class StateCheck(_Strict):
    """A read-only tool called after the conversation, and a subset of its output."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    expect: dict[str, Any]


class Transcript(_Strict):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    category: str = Field(min_length=1)
    description: str = ""
    role: Literal["staff", "admin"] = "staff"
    clock: AwareDatetime | None = None
    turns: list[Turn] = Field(min_length=1)
    final_state: list[StateCheck] = Field(default_factory=list)
    source: str = Field(default="", exclude=True)


class TranscriptError(ValueError):
    """A transcript file that does not follow the format, with the file and the reason."""


def load_file(path: Path) -> list[Transcript]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TranscriptError(f"{path}: not valid YAML ({exc})") from None
    if isinstance(raw, dict) and "conversations" in raw:
        raw = raw["conversations"]
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for index, item in enumerate(items):
        try:
            transcript = Transcript.model_validate(item)
        except ValidationError as exc:
            raise TranscriptError(f"{path} (conversation {index + 1}): {exc}") from None
        transcript.source = str(path)
        out.append(transcript)
    return out


def load(paths: list[Path] | None = None) -> list[Transcript]:
    """Every conversation in the given files or directories (default: evals/transcripts)."""
    files: list[Path] = []
    for path in paths or [TRANSCRIPTS]:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        elif path.exists():
            files.append(path)
        else:
            raise TranscriptError(f"{path}: no such file or directory")
    transcripts = [t for file in files for t in load_file(file)]
    seen: dict[str, str] = {}
    for transcript in transcripts:
        if transcript.name in seen:
            raise TranscriptError(
                f"conversation name {transcript.name!r} is used twice "
                f"({seen[transcript.name]} and {transcript.source})"
            )
        seen[transcript.name] = transcript.source
    return transcripts


def registry_problems(transcript: Transcript) -> list[str]:
    """What in a transcript the registry contradicts: unknown tools or argument names, final
    state read through a tool that changes things."""
    from tools import registry

    problems = []
    for number, turn in enumerate(transcript.turns, 1):
        expected = turn.expect.tool
        names = expected if isinstance(expected, list) else [expected] if expected else []
        for name in names:
            if name not in registry:
                problems.append(f"turn {number}: no tool called {name!r}")
                continue
            fields = registry.get(name).input_model.model_fields
            accepted = set(fields) | {f.alias for f in fields.values() if f.alias}
            for key in turn.expect.arguments or {}:
                if _LEN.sub(r"\1", key).split(".")[0] not in accepted:
                    problems.append(f"turn {number}: {name} has no argument {key!r}")
    for check in transcript.final_state:
        if check.tool not in registry:
            problems.append(f"final state: no tool called {check.tool!r}")
        elif not registry.get(check.tool).read_only:
            problems.append(f"final state: {check.tool} is not read-only")
    return [f"{transcript.name}: {p}" for p in problems]


# -- matching --------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _as_instant(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
    return None


def _scalar_equal(expected: Any, actual: Any, fold_case: bool) -> bool:
    if isinstance(expected, str) and expected.startswith("~"):
        return isinstance(actual, str) and _normalise(expected[1:]) in _normalise(actual)
    if isinstance(expected, str) and expected.startswith("!"):
        return not _scalar_equal(expected[1:], actual, fold_case)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return expected == actual
    left, right = _as_instant(expected), _as_instant(actual)
    if left is not None and right is not None:
        if isinstance(left, datetime) and isinstance(right, datetime):
            if (left.tzinfo is None) != (right.tzinfo is None):
                return False
            return left == right
        as_date = [v.date() if isinstance(v, datetime) else v for v in (left, right)]
        return as_date[0] == as_date[1]
    if fold_case and isinstance(expected, str) and isinstance(actual, str):
        return _normalise(expected) == _normalise(actual)
    return bool(expected == actual)


def resolve(actual: Any, path: str) -> Any:
    """`tickets.0.status` in nested dicts and lists; _MISSING when a step is absent."""
    current = actual
    for step in path.split("."):
        if isinstance(current, dict) and step in current:
            current = current[step]
        elif isinstance(current, list) and re.fullmatch(r"-?\d+", step):
            index = int(step)
            if not -len(current) <= index < len(current):
                return _MISSING
            current = current[index]
        else:
            return _MISSING
    return current


def mismatches(expected: Any, actual: Any, *, fold_case: bool = False, at: str = "") -> list[str]:
    """Why `actual` does not contain `expected` (empty when it does)."""
    where = at or "value"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected a mapping, got {actual!r}"]
        problems = []
        for key, want in expected.items():
            key = str(key)
            length = _LEN.match(key)
            path = length.group(1) if length else key
            got = resolve(actual, path)
            label = f"{at}.{key}" if at else key
            if got is _MISSING:
                problems.append(f"{label}: missing")
            elif length:
                if not isinstance(got, list | dict | str):
                    problems.append(f"{label}: {path} has no length")
                elif len(got) != want:
                    problems.append(f"{label}: expected {want}, got {len(got)}")
            else:
                problems.extend(mismatches(want, got, fold_case=fold_case, at=label))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {actual!r}"]
        unused = list(range(len(actual)))
        for item in expected:
            hit = next(
                (i for i in unused if not mismatches(item, actual[i], fold_case=fold_case)), None
            )
            if hit is None:
                return [f"{where}: no item matches {item!r} (got {_short(actual)})"]
            unused.remove(hit)
        return []
    if _scalar_equal(expected, actual, fold_case):
        return []
    return [f"{where}: expected {expected!r}, got {_short(actual)}"]


def match(expected: Any, actual: Any, *, fold_case: bool = False) -> bool:
    return not mismatches(expected, actual, fold_case=fold_case)


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _speech_key(text: str) -> str:
    """Case-insensitive, spacing-insensitive, and 1,128 == 1128."""
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", _normalise(text))


def missing_facts(facts: list[str | list[str]], speech: str) -> list[str]:
    said = _speech_key(speech)
    missing = []
    for fact in facts:
        options = [fact] if isinstance(fact, str) else fact
        if not any(_speech_key(option) in said for option in options):
            missing.append(" | ".join(options))
    return missing
