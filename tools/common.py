"""Pieces every tool module shares: lookups, paging, and normalising names, emails and phones."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from aitickets.errors import InvalidInput, NotFound
from persistence.models import Base

M = TypeVar("M", bound=Base)

MAX_QUANTITY = 50  # tickets in one order: beyond this it is a data-entry slip, not a sale


class In(BaseModel):
    """Base for tool inputs: unknown fields are errors, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(In):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not a valid email address ({exc})") from None


def _phone(value: str) -> str:
    return normalise_phone(value)


# Times a request may carry: wide enough for any show and any "from" filter, narrow enough
# that converting to UTC or to any venue's zone (±14 h), adding a few days or a year of
# weekly repeats never leaves the years datetime can hold (year 1 at +14:00 or year 9999 at
# -14:00 overflow on conversion).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)

# Characters that end a line or reorder text: in a name they would split an e-mail subject or a
# log line, or make text read differently from what it is.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def one_line(value: str) -> str:
    """A name-like value: refused when it holds control characters (CR, LF, tab, NUL, …), line
    or paragraph separators, or bidirectional overrides."""
    for char in value:
        if _unsafe(char):
            raise ValueError(f"must not contain control characters such as {char!r}")
    return value


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS


def without_controls(value: str) -> str:
    """A name from outside (a payment provider's form) with those characters made spaces."""
    return "".join(" " if _unsafe(c) else c for c in value)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone (for example 2026-12-01T20:00:00-05:00 or …Z)")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError("give a time between the years 1900 and 2999")
    return value


Email = Annotated[str, Field(max_length=320), AfterValidator(_email)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(_phone)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Cents = Annotated[int, Field(ge=0, le=100_000_000)]
# Ids live in INTEGER columns: PostgreSQL's int4 stops here, and a larger number in a query is
# a database error there (a 500), so it is refused as input instead.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def normalise_phone(value: str, region: str = "US") -> str:
    """Any way people write a number ("(555) 010-0104", "+1 555 010 0104") → E.164."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{value!r} is not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"{value!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def name_key(name: str) -> str:
    """Lower-case, accents folded, spaces collapsed: what names are compared and searched by."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(folded.lower().split())


def like_escape(text: str) -> str:
    """Make `%` and `_` in user text literal inside a LIKE pattern (used with escape="\\")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def get_or_404(session: AsyncSession, model: type[M], ident: int, what: str) -> M:
    row = await session.get(model, ident)
    if row is None:
        raise NotFound(f"No {what} with id {ident}.", id=ident)
    return row


def require_changes(
    args: BaseModel, *, target: str, clearable: Collection[str] = ()
) -> dict[str, Any]:
    """The fields an update call set, less `target` (the id field naming the row to change).
    Setting nothing is a mistake worth saying, and so is null for a field that must have a
    value; only the `clearable` fields may be set to null to remove them."""
    changes = args.model_dump(exclude_unset=True, exclude={target})
    if not changes:
        raise InvalidInput("Nothing to change: give at least one field to update.")
    required = sorted(k for k, v in changes.items() if v is None and k not in clearable)
    if required:
        raise InvalidInput(f"{', '.join(required)}: may not be empty (null).")
    return changes
