"""Fillers for what is said about a customer: who is whose relative ("add Jane as John's wife"),
preferences (language, accessibility, seating), contacts, a fact worth a note ("Mike is allergic
to peanuts"), and the email that takes a known person off a waitlist."""

from __future__ import annotations

import re
from typing import Any

from tools.voice import SlotKind

from .fill import _MISSING, Filler
from .fill_values import Fill
from .slots import RELATIONS
from .text import fold

# A fact about someone: what follows their name and a linking verb.
_FACT = re.compile(
    r"\b(?:is|was|has|had|likes|loves|hates|prefers|needs|can't|cannot|doesn't|does not|"
    r"won't|always|never)\b.+$",
    re.I,
)


_ON_FILE = re.compile(
    r"^(?:on|to|in|for)\s+[\w' ]{1,40}?\s*(?:file|record|account|profile|notes?)\b[,:;]?\s*", re.I
)


async def _note_body(f: Filler, required: bool) -> Any:
    if f.slots.quoted or f.slots.colon_text:
        return f.slots.quoted or f.slots.colon_text
    found = re.search(r"(?:note|remember|write down|jot down)(?: that)?\s+(?P<b>.+)$", f.slots.text,
                      re.I)  # fmt: skip
    if found:
        body = re.sub(_ON_FILE, "", found.group("b"))  # "on Emily's file, she's got …"
        return body.strip(" .,")
    person = await f.customer(False)
    fact = _FACT.search(f.slots.text)
    if person and fact:
        return f"{person.name.split()[0]} {fact.group(0).strip(' .')}"
    return _MISSING


async def _known_email(f: Filler, required: bool) -> Any:
    if f.slots.email:
        return f.slots.email
    person = await f.customer(False)
    return person.email if person and person.email else _MISSING


def _possessor_first(f: Filler) -> None:
    """ "add Jane as John's wife": John (the one with the 's) is the customer, Jane the relative."""
    if f.memo.get("ordered") or len(f.slots.people) < 2:
        return
    f.memo["ordered"] = True
    low = fold(f.slots.text)
    relation = "|".join(_RELATION_WORDS)
    first, second = f.slots.people[0], f.slots.people[1]

    def owns(mention: Any) -> bool:
        pattern = rf"\b{re.escape(mention.text)}'s\s+(?:\w+\s+)?(?:{relation})\b"
        return bool(re.search(pattern, low))

    if owns(second) and not owns(first):
        f.slots.people[0], f.slots.people[1] = second, first


_RELATION_WORDS = sorted(RELATIONS, key=len, reverse=True)


async def _relation(f: Filler, required: bool) -> Any:
    """ "are colleagues", "are married": the everyday word, as the relation the tool stores."""
    return f.slots.relation or _MISSING


def _named_relative(f: Filler) -> Any:
    """ "Jane Smith is his wife": him (the customer in focus) and Jane, his wife."""
    known = f.focus.get("customer_id")
    people = f.slots.people
    if len(people) != 1 or f.slots.pronoun not in ("his", "her", "their") or not known:
        return None
    if len(people[0].candidates) != 1 or people[0].candidates[0].id == known:
        return None
    return people[0].candidates[0]


async def _link_customer(f: Filler, required: bool) -> Any:
    if _named_relative(f) is not None:
        return f.focus["customer_id"]
    _possessor_first(f)
    person = await f.customer(required)
    return person.id if person else _MISSING


async def _link_related(f: Filler, required: bool) -> Any:
    relative = _named_relative(f)
    if relative is not None:
        return relative.id
    _possessor_first(f)
    from .fill_basics import _related_id

    return await _related_id(f, required)


async def _nothing(f: Filler, required: bool) -> Any:
    return _MISSING


async def _waitlist_entry(f: Filler, required: bool) -> Any:
    """ "take her off the waitlist" after putting her on: the entry just made."""
    if "entry" in f.slots.ids:
        return f.slots.ids["entry"]
    made = (f.focus.get("ids") or {}).get("entry_id")
    if made is None or f.slots.email or f.slots.people or not f.slots.pronoun:
        return _MISSING
    return made


async def _email(f: Filler, required: bool) -> Any:
    if f.slots.email:
        return f.slots.email
    if f.slots.pronoun and f.focus.get("customer_email") and not f.slots.people:
        return f.focus["customer_email"]  # "where's she in the queue" after putting her on
    if required:
        person = await f.customer(False)
        if person and person.email:
            return person.email
    return _MISSING


_LANGUAGES = [
    "English",
    "Spanish",
    "French",
    "German",
    "Italian",
    "Portuguese",
    "Mandarin",
    "Cantonese",
    "Chinese",
    "Japanese",
    "Korean",
    "Arabic",
    "Hindi",
    "Russian",
    "Polish",
    "Dutch",
    "Greek",
    "Turkish",
    "Hebrew",
    "Vietnamese",
    "Tagalog",
    "Swahili",
    "Urdu",
]
_ACCESS = re.compile(
    r"\b(wheelchair|step[- ]free|hearing|deaf|blind|low vision|mobility|walker|crutches|"
    r"accessible|accessibility|service dog|guide dog|captions?|sign language|asl)\b",
    re.I,
)
_SEATING = re.compile(
    r"\b(front row|back row|aisle(?: seats?)?|balcony|near the stage|by the door|"
    r"near the exit|by the bar|window|standing|seated|the front|the back)\b",
    re.I,
)


async def _language(f: Filler, required: bool) -> Any:
    for language in _LANGUAGES:
        if re.search(rf"\b{language}\b", f.slots.text, re.I):
            return language
    return _MISSING


async def _accessibility(f: Filler, required: bool) -> Any:
    found = _ACCESS.search(f.slots.text)
    if not found:
        return _MISSING
    clause = re.split(r"[,;.]", f.slots.text[max(0, found.start() - 40) :])[0]
    clause = re.sub(r"^.*?\b(needs?|uses?|is|has|requires?|with)\b\s*", "", clause, flags=re.I)
    return clause.strip() or found.group(0)


async def _seating(f: Filler, required: bool) -> Any:
    found = list(dict.fromkeys(m.group(0).lower() for m in _SEATING.finditer(f.slots.text)))
    return ", ".join(found) if found else _MISSING  # "front row on the aisle": both


CUSTOMER_FILLERS = {
    "language": _language,
    "accessibility": _accessibility,
    "seating": _seating,
    "email": _email,
}
CUSTOMER_BY_KIND: dict[SlotKind, Fill] = {
    "relation_ignored": _nothing,
    "relation": _relation,
    "link_subject": _link_customer,
    "link_object": _link_related,
    "note_body": _note_body,
    "known_email": _known_email,
    "waitlist_entry": _waitlist_entry,
}
