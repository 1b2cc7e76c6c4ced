"""Names in a sentence matched against the catalog: shows (by their distinctive words), tiers of
the show named, and customers (a full name, or one word shared by several people), all fuzzy,
since speech-to-text misspells names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from .catalog import Catalog, Person, Show
from .text import STOP, fold

if TYPE_CHECKING:
    from .slots import Slots


NAME_CUTOFF = 86
GENERIC_EVENT_WORDS = frozenset(
    ["night", "show", "hour", "live", "event", "evening", "party", "the", "and", "of", "a"]
)
# Words of show names that are everyday verbs or adjectives: alone, they name no show.
EVERYDAY_WORDS = frozenset(
    ["open", "close", "free", "new", "late", "early", "big", "little", "good", "best", "stand"]
)
TIER_ALIASES = {"ga": "general", "gen": "general", "vip": "vip", "general": "general"}


@dataclass
class Mention:
    text: str
    candidates: list[Person]
    exact: bool


def match_shows(slots: Slots, catalog: Catalog) -> None:
    tokens = [t for t in slots.tokens if t not in slots.consumed]
    text = " ".join(tokens)
    best: list[tuple[float, Show]] = []
    for show in catalog.shows:
        if show.status == "cancelled" and "cancel" not in text:
            continue
        if show.key and show.key in text:
            best.append((2.0, show))
            continue
        distinctive = [w for w in show.key.split() if w not in GENERIC_EVENT_WORDS]
        if not distinctive:
            continue
        matched = [
            w
            for w in distinctive
            if process.extractOne(w, tokens, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF)
        ]
        if len(matched) < len(distinctive) and set(matched) <= EVERYDAY_WORDS:
            continue  # "open them again" is not Open Mic
        hits = len(matched)
        if hits:
            best.append((hits / len(distinctive), show))
    if not best:
        return
    top = max(score for score, _ in best)
    if top < 0.5:
        return
    chosen = [show for score, show in best if score == top]
    # The same name on several dates: the next one first.
    chosen.sort(key=lambda s: (s.starts_at < slots.now - timedelta(hours=6), s.starts_at))
    slots.shows = chosen
    for show in chosen[:1]:
        for w in show.key.split():
            match = process.extractOne(w, tokens, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF)
            if match:
                slots.consumed.add(match[0])


def match_tiers(slots: Slots, catalog: Catalog) -> None:
    text = " " + " ".join(t for t in slots.tokens if t not in slots.consumed) + " "
    names = {tier.key for show in catalog.shows for tier in show.tiers}
    for alias, target in TIER_ALIASES.items():
        if f" {alias} " in text:
            slots.tier_keys.append(target)
    for key in sorted(names, key=len, reverse=True):
        if f" {key} " in text:
            slots.tier_keys.append(key)
    # A tier of the show just named is that tier, not the same word's other meaning ("VIP").
    own = {tier.key for show in slots.shows[:1] for tier in show.tiers}
    for key in list(slots.tier_keys):
        if key in own or any(k.startswith(key) or key in k.split() for k in own):
            slots.consumed.update(key.split())
    slots.tier_keys = list(dict.fromkeys(slots.tier_keys))


def _name_index(catalog: Catalog) -> dict[str, list[Person]]:
    index: dict[str, list[Person]] = getattr(catalog, "_name_index", None) or {}
    if not index:
        for person in catalog.people:
            for part in person.key.split():
                index.setdefault(part, []).append(person)
        catalog._name_index = index  # type: ignore[attr-defined]
    return index


def match_people(slots: Slots, catalog: Catalog, vocabulary: frozenset[str] = frozenset()) -> None:
    index = _name_index(catalog)
    if not index:
        return
    tokens = slots.tokens
    used: set[int] = set()
    taken = set(slots.consumed)  # words other slots took; names may repeat ("Jane and John Smith")
    keys = list(index)
    full = {p.key: p for p in catalog.people if len(p.key.split()) >= 2}
    full_keys = list(full)
    for i, token in enumerate(tokens):
        if i in used or token in taken or token in STOP or len(token) < 2:
            continue
        span: list[int] = []
        candidates: list[Person] = []
        if i + 1 < len(tokens) and tokens[i + 1] not in taken:
            pair = f"{token} {tokens[i + 1]}"
            hits = process.extract(pair, full_keys, scorer=fuzz.ratio, score_cutoff=84, limit=3)
            if hits:
                best = hits[0][1]
                candidates = [full[k] for k, score, _ in hits if score >= best - 2]
                span = [i, i + 1]
        if not span:
            if _part_of_unknown_name(token, slots.proper):
                continue  # "Ann Lee" is someone new, not Sarah Lee
            match = process.extractOne(token, keys, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF)
            if not match:
                continue
            candidates, span = list(index[match[0]]), [i]
        used.update(span)
        slots.consumed.update(tokens[j] for j in span)
        text = " ".join(tokens[j] for j in span)
        exact = len(span) > 1 or len(candidates) == 1
        slots.people.append(Mention(text=text, candidates=candidates, exact=exact))


def _part_of_unknown_name(token: str, proper: list[str]) -> bool:
    """The token is one word of a two- or three-word capitalised name (which did not match
    anyone as a whole)."""
    return any(len(p.split()) >= 2 and token in fold(p).split() for p in proper)
