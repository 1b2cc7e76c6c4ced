"""Fillers for events in everyday speech: the venue, categories by name, a description
("change the description of open mic to …", "describe salsa as …"), how many times a series
runs, and a category to list shows by ("which events are music")."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from rapidfuzz import fuzz, process

from tools.categories import list_categories
from tools.venues import list_venues
from tools.voice import SlotKind

from . import values
from .fill import _MISSING, Choose, Filler, _labels
from .fill_values import Fill
from .text import STOP, fold


async def _venue_id(f: Filler, required: bool) -> Any:
    if "venue" in f.slots.ids:
        return f.slots.ids["venue"]
    page = await f.read(list_venues, limit=100)
    venues = list(page.venues)
    low = fold(f.slots.text)
    for venue in venues:
        if fold(venue.name) in low:
            return venue.id
    tokens = [t for t in f.slots.tokens if t not in STOP and len(t) > 2]
    for venue in venues:
        distinctive = [w for w in fold(venue.name).split() if w not in STOP and len(w) > 2]
        if any(
            process.extractOne(w, tokens, scorer=fuzz.ratio, score_cutoff=86) for w in distinctive
        ):
            return venue.id
    if len(venues) == 1 and (required or re.search(r"\bvenue|\bplace|\broom\b", low)):
        return venues[0].id
    if required and venues:
        options = [{"label": v.name, "patch": {"venue_id": v.id}} for v in venues]
        raise Choose(f"Which venue: {_labels(options[:3])}?", "venue_id", options)
    return _MISSING


async def _categories(f: Filler) -> list[Any]:
    page = await f.read(list_categories)
    found = []
    show_words = {w for s in f.slots.shows for w in s.key.split()}
    low_tokens = [t for t in f.slots.tokens if t not in show_words or t in f.slots.consumed]
    # "dance-y", "jazzy", "rock-ish": the genre the word is made from
    low_tokens += [
        re.sub(r"-?(?:y|ish)$", "", t) for t in low_tokens if re.search(r"\w{4}-?(?:y|ish)$", t)
    ]
    for category in list(page.categories):
        key = fold(category.name)
        if all(
            process.extractOne(w, low_tokens, scorer=fuzz.ratio, score_cutoff=86)
            for w in key.split()
        ):
            found.append(category)
    return found


async def _changed_categories(f: Filler, required: bool) -> Any:
    """An event's update changes its categories only when the sentence talks about them."""
    if not re.search(r"\b(categor\w*|genre|tag\w*|label\w*)\b", f.slots.text, re.I):
        return _MISSING
    return await _category_ids(f, required)


async def _category_ids(f: Filler, required: bool) -> Any:
    found = await _categories(f)
    if found:
        return [c.id for c in found]
    made = (f.focus.get("ids") or {}).get("category_id")
    if made and f.slots.event_pronoun:
        return [made]  # "put the open mic in it" right after making the category
    return _MISSING


async def _category_id(f: Filler, required: bool) -> Any:
    if "category" in f.slots.ids:
        return f.slots.ids["category"]
    found = await _categories(f)
    return found[0].id if found else _MISSING


_DESCRIPTION = re.compile(
    r"\bdescription\b(?:\s+(?:of|for|on)\s+.+?)?\s*(?:\bto\b|\bas\b|\bis\b|\bsay\b|\breads?\b|:)"
    r"\s+(?P<a>.+?)\s*$"
    r"|\bdescribe\s+.+?\s+as\s+(?P<b>.+?)\s*$"
    r"|\bthe description\s+(?P<c>(?-i:[A-Z\"]).+?)\s*$",
    re.I,
)


async def _description(f: Filler, required: bool) -> Any:
    found = _DESCRIPTION.search(f.slots.text)
    if found:
        text = (found.group("a") or found.group("b") or found.group("c") or "").strip(" \"'")
        if text:
            return text
    if f.slots.quoted and "descri" in f.slots.text.lower():
        return f.slots.quoted
    return _MISSING


async def _occurrences(f: Filler, required: bool) -> Any:
    found = values.occurrences(f.slots.numbered)
    return found if found is not None else _MISSING


async def _category_name(f: Filler, required: bool) -> Any:
    """ "which events are music": list shows by a category the sentence names."""
    found = await _categories(f)
    return found[0].name if len(found) == 1 else _MISSING


_SHIFT = re.compile(
    r"\b(?:by\s+)?(a|an|one|two|three|four|five|six|\d{1,2}|half an?)\s+"
    r"(minute|hour|day|week)s?\b(?:\s+(later|earlier|back|forward))?",
    re.I,
)
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


async def _new_start(f: Filler, required: bool) -> Any:
    """ "to Friday at 9": that time; "to Friday": Friday at the show's usual hour; "back a week",
    "an hour later": the show's start moved."""
    when = f.slots.when
    if when is not None and not f.slots.clock:
        show = await f.show(True)
        if show is not None and show.key:
            hour = show.starts_at.astimezone(when.tzinfo)
            return when.replace(hour=hour.hour, minute=hour.minute, second=0).isoformat()
    if when is not None:
        return when.isoformat()
    shift = _SHIFT.search(f.slots.text)
    if not shift:
        return _MISSING
    show = await f.show(True)
    if show is None or not show.key:
        return _MISSING
    count_word = shift.group(1).lower()
    minutes = {"minute": 1, "hour": 60, "day": 1440, "week": 10080}[shift.group(2).lower()]
    if count_word.startswith("half"):
        delta = timedelta(minutes=minutes / 2)
    else:
        count = _COUNTS.get(count_word) or int(count_word)
        delta = timedelta(minutes=minutes * count)
    earlier = (shift.group(3) or "").lower() in ("earlier", "forward") or re.search(
        r"\b(earlier|forward|move up|sooner)\b", f.slots.text, re.I
    )
    return (show.starts_at - delta if earlier else show.starts_at + delta).isoformat()


EVENT_FILLERS = {
    "description": _description,
    "occurrences": _occurrences,
    "venue_id": _venue_id,
    "category_ids": _category_ids,
    "category_id": _category_id,
}
EVENT_BY_KIND: dict[SlotKind, Fill] = {
    "new_start": _new_start,
    "changed_categories": _changed_categories,
    "category_name": _category_name,
}
