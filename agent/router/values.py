"""Plain values a sentence gives for text and number fields: web addresses, hex colours, the name
after "called" / "named", capacities ("30 seats"), quantity words ("a pair", "a dozen"), and
cleaned text after a colon. Used by slots.extract; no catalog needed."""

from __future__ import annotations

import re

from .spoken import EMAIL

_URL = re.compile(r"\bhttps?://[^\s,;\"'<>]+", re.I)
_COLOR = re.compile(r"(?<![\w&])#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
# The words that end a name said after "called" or "named".
_NAME_END = (
    r"(?=\s+(?:for|at|on|to|with|and|that|which|priced|costing|at|from|in|under|"
    r"starting|holding|capacity|seats?|worth|next|this|tomorrow|tonight|every|each|weekly|"
    r"monthly|daily)\b|[,.;!?]|$)"
)
_NAMED = re.compile(
    r"\b(?:called|named|titled|name it|call it|labell?ed)\s+"
    r"(?:[\"'\u201c\u2018](?P<quoted>[^\"'\u201d\u2019]{1,120})[\"'\u201d\u2019]"
    r"|(?P<plain>[\w#&+'.-]+(?:\s+(?!(?:for|at|on|to|with|and|that|priced|from|in|next|every)\b)"
    r"[\w#&+'.-]+){0,5}?)" + _NAME_END + ")",
    re.I,
)
_TIME_WORDS = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "next"]
)
_CAPACITY = re.compile(
    r"\b(\d{1,6})[\s-]*(?:seats?|seater|spots?|places?|people|persons|guests|capacity|spaces?|max)\b"
    r"|\b(?:capacity|holds|hold|room for|fits|seating|limit)\s*(?:of|is|to|for)?\s*(\d{1,6})\b"
)
QUANTITY_WORDS = (
    (re.compile(r"\bhalf a dozen\b"), 6),
    (re.compile(r"\ba dozen\b"), 12),
    (re.compile(r"\b(?:a )?pair(?: of)?\b"), 2),
    (re.compile(r"\ba couple(?: of)?\b"), 2),
    (re.compile(r"\b(?:a|one) single\b|\ba ticket\b|\bone ticket\b"), 1),
    (re.compile(r"\b(?:both|the two of them)\b"), 2),
)
VAGUE_QUANTITY = re.compile(r"\b(?:some|a few|several|a bunch of|a number of|more)\b")
_WORDS_NOT_NAMES = frozenset(
    [
        *("a", "an", "the", "new", "customer", "person", "guest", "someone", "somebody"),
        *("one", "another", "it", "them", "him", "her"),
    ]
)


def url(text: str) -> str | None:
    found = _URL.search(text)
    return found.group(0).rstrip(".!?)") if found else None


# Colours people name aloud, as the hex the tools store (Tailwind's 600 shades: readable on white).
COLOR_NAMES = {
    "red": "#dc2626", "orange": "#ea580c", "amber": "#d97706", "yellow": "#ca8a04",
    "gold": "#b8860b", "lime": "#65a30d", "green": "#16a34a", "teal": "#0d9488",
    "turquoise": "#0891b2", "cyan": "#0891b2", "blue": "#2563eb", "navy": "#1e3a8a",
    "indigo": "#4f46e5", "violet": "#7c3aed", "purple": "#9333ea", "magenta": "#c026d3",
    "pink": "#db2777", "rose": "#e11d48", "maroon": "#881337", "brown": "#92400e",
    "black": "#111827", "grey": "#4b5563", "gray": "#4b5563", "silver": "#9ca3af",
    "white": "#ffffff",
}  # fmt: skip
_NAMED_COLOR = re.compile(
    r"\b(?:colou?r(?:ed)?\b[\w\s]{0,20}?|make (?:it|them)\s+|paint (?:it|them)\s+)"
    r"(?:a\s+)?(?:dark\s+|light\s+|bright\s+)?"
    rf"({'|'.join(COLOR_NAMES)})\b",
    re.I,
)


_COLOR_CLAUSE = re.compile(
    rf",\s*(?:in\s+)?(?:dark\s+|light\s+|bright\s+)?({'|'.join(COLOR_NAMES)})\s*(?:[,.!]|$)", re.I
)


def color(text: str) -> str | None:
    """ "#4f46e5", or a colour named where a colour is being set ("make it purple", "colour to
    orange"); a colour word alone ("Rose White") is a name."""
    found = _COLOR.search(text)
    if found:
        return found.group(0).lower()
    spoken = _NAMED_COLOR.search(text) or _COLOR_CLAUSE.search(text)  # "… called Family, green"
    return COLOR_NAMES[spoken.group(1).lower()] if spoken else None


def named(text: str) -> str | None:
    """ "a tier called Balcony Seats for 30 dollars" → "Balcony Seats"."""
    text = _URL.sub(" ", text)
    found = _NAMED.search(text)
    if not found:
        return None
    value = (found.group("quoted") or found.group("plain") or "").strip(" ,.!?'\"")
    parts = value.split()
    while parts and parts[-1].lower() in _TIME_WORDS and not parts[-1][0].isupper():
        parts.pop()
    value = " ".join(parts)
    if not value or value.lower() in _WORDS_NOT_NAMES:
        return None
    return value


def capacity(numbered: str) -> int | None:
    found = _CAPACITY.search(numbered)
    if not found:
        return None
    return int(found.group(1) or found.group(2))


def quantity_word(low: str) -> int | None:
    for pattern, number in QUANTITY_WORDS:
        if pattern.search(low):
            return number
    return None


def is_name(value: str) -> bool:
    """Not just filler ("a new", "the customer")."""
    parts = [p for p in re.findall(r"[a-z']+", value.lower()) if p]
    return bool(parts) and not all(p in _WORDS_NOT_NAMES for p in parts)


def after_colon(text: str) -> str | None:
    """ "change the story to: we opened in 2009" → "we opened in 2009"."""
    if ":" not in text or re.search(r"\d:\d", text):
        return None
    value = text.split(":", 1)[1].strip()
    return value or None


_PROPER = re.compile(
    r"\b([A-Z][a-z'\u00c0-\u017f-]+(?:\s+(?:[A-Z][a-z'\u00c0-\u017f-]+|de|van|von|da))*)"
)
_NOT_PROPER = frozenset(
    [
        *("I", "VIP", "GA", "QR", "Please", "Hey", "Hi", "Ok", "Okay", "Can", "Could", "Would"),
        *("Add", "Put", "Sign", "Register", "Make", "Create", "Sell", "Book", "Move", "Give"),
        *("Transfer", "Send", "Check", "Set", "Change", "New", "The", "A", "An", "And", "Also"),
        *("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        *("January", "February", "March", "April", "May", "June", "July", "August"),
        *("September", "October", "November", "December", "Yes", "No", "Actually", "So"),
        *("Our", "We", "She", "He", "They", "Her", "His", "Their", "It", "This", "That"),
    ]
)


_WEEKDAYS_AND_MONTHS = frozenset(
    [
        *("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        *("January", "February", "March", "April", "May", "June", "July", "August"),
        *("September", "October", "November", "December"),
    ]
)


def proper_names(text: str, exclude: set[str]) -> list[str]:
    """Capitalised runs that are not sentence words or known show names ("Ann Lee")."""
    text = _URL.sub(" ", text)
    text = EMAIL.sub(" ", text)
    found: list[str] = []
    for match in _PROPER.finditer(text):
        words = match.group(1).split()
        keep_the = match.start() > 0 and words[0] == "The" and len(words) > 1
        parts = [
            p
            for i, p in enumerate(words)
            if p not in _NOT_PROPER
            or (keep_the and p == "The")
            or (i > 0 and p in _WEEKDAYS_AND_MONTHS and words[i - 1] not in _NOT_PROPER)
        ]  # "Soul Sunday" keeps its Sunday; "Friday" alone is a day
        if parts and all(p.lower() in exclude for p in parts):
            continue  # a show or tier already known ("Jazz Night")
        if parts:
            found.append(" ".join(parts))
    return found


_OCCURRENCES = re.compile(
    r"\b(\d{1,3})\s*(?:times|occurrences|sessions|events|shows|dates|weeks|months|nights)\b"
)
_RENAME = re.compile(
    r"\b(?:rename|re-name|retitle)\b.*?\s+(?:to|as)\s+(?P<name>.+?)\s*[.!?]?$"
    r"|\bchange (?:the|its|their) (?:name|title)\b.*?\s+to\s+(?P<name2>.+?)\s*[.!?]?$"
    r"|\bcall (?:it|them)\s+(?P<name3>.+?)\s+instead\b",
    re.I,
)


def occurrences(numbered: str) -> int | None:
    found = _OCCURRENCES.search(numbered)
    return int(found.group(1)) if found else None


def renamed(text: str) -> str | None:
    found = _RENAME.search(text)
    if not found:
        return None
    value = found.group("name") or found.group("name2") or found.group("name3")
    return value.strip(" '\"") or None


_CLOCK = re.compile(
    r"\b\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.?|p\.m\.?|o'?clock)|\b\d{1,2}:\d\d\b|\bat \d|"
    r"\b(?:noon|midnight|midday)\b|\bat (?:one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve)\b",
    re.I,
)


def says_clock_time(text: str) -> bool:
    """ "Friday at 8", "7:30pm", "noon": a time of day, not only a day."""
    return bool(_CLOCK.search(text))


# Where a new person's name sits in a sentence said without capitals ("put omar haddad on the
# waitlist", "name's nina patel", "to her sister grace lee").
_NAME_WORDS = r"([a-z][a-z'-]+(?:\s+[a-z][a-z'-]+){0,2})"
_KIN_WORDS = (
    "sister|brother|wife|husband|friend|mom|mum|dad|partner|son|daughter|cousin|colleague|"
    "mother|father|girlfriend|boyfriend|niece|nephew|aunt|uncle"
)
_NAME_SPOTS = (
    re.compile(rf"\bname(?:'s| is)\s+{_NAME_WORDS}"),
    re.compile(rf"\bnew customer[,:]?\s+{_NAME_WORDS}"),
    re.compile(
        rf"\b(?:put|stick|pop|add|register|sign up|signup|wait-?list)\s+{_NAME_WORDS}"
        r"\s+(?:on|onto|to|for|as|in|down)\b"
    ),
    re.compile(rf"\b(?:to|for)\s+(?:his|her|their)\s+(?:{_KIN_WORDS})\s+{_NAME_WORDS}"),
    re.compile(
        rf"\b(?:comp|comps|sell|book|give|reserve|hold)\b[\w ]{{0,30}}?\bfor\s+{_NAME_WORDS}"
        r"\s*(?:[,.;!]|$)"
    ),
)
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "him",
        "her",
        "them",
        "his",
        "their",
        "new",
        "another",
        "customer",
        "ticket",
        "tickets",
        "show",
        "waitlist",
        "list",
        "someone",
        "somebody",
        "guy",
        "lady",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "me",
        "us",
        "everyone",
        "everybody",
        "people",
        "person",
        "folks",
        "vip",
        *("tonight", "today", "tomorrow", "cash", "card", "free", "now", "later", "ga"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ]
)


def spoken_names(text: str, exclude: set[str]) -> list[str]:
    """New people named in lower case, by where names go, title-cased ("Omar Haddad")."""
    low = EMAIL.sub(" ", _URL.sub(" ", text.lower()))
    found: list[str] = []
    for spot in _NAME_SPOTS:
        for match in spot.finditer(low):
            parts = match.group(1).split()
            if any(p in _NOT_NAMES or p in exclude for p in parts):
                continue
            name = " ".join(p.capitalize() for p in parts)
            if name not in found:
                found.append(name)
    return found
