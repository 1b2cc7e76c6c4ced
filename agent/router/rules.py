"""The hand-written reading of a sentence that came before the fitted ranker: the declared words
(rarer words count more, phrases most), the slots a tool could fill, whether it is a question,
and the sentence shapes it knows. Kept as one feature of the fitted ranker (rank.py), whose
fitted weight says how much it still counts; nothing here names a tool."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tools.registry import ToolSpec

from . import cues
from .lexicon import Lexicon
from .slots import PERSON_PRONOUNS, Slots
from .synonyms import CONTEXT_SYNONYMS, SYNONYMS
from .text import STOP, stem

_IGNORED = STOP | PERSON_PRONOUNS


def _stems(slots: Slots) -> list[str]:
    keep = {"in", "on", "off", "up", "about"}
    stems = [
        stem(t)
        for t in slots.tokens
        if t not in slots.consumed and (t not in _IGNORED or t in keep)
    ]
    return expand(stems, {stem(t) for t in slots.tokens})


def expand(stems: list[str], said: set[str] | None = None) -> list[str]:
    """Everyday words for the registry's words, added after the word they stand for, and the
    words two-word phrases stand for ("switch off" → deactivate)."""
    out: list[str] = []
    for i, s in enumerate(stems):
        out.append(s)
        pair = f"{s} {stems[i + 1]}" if i + 1 < len(stems) else ""
        out.extend(_SYN.get(pair, ()))
        out.extend(_SYN.get(s, ()))
    present = set(out) | (said or set())  # context may be a small word ("make *that* …")
    for (word, context), adds in _CONTEXT:
        if word in present and present & context:
            out.extend(adds)
    return out


def _stem_all(text: str) -> str:
    return " ".join(stem(w) for w in text.split())


_SYN = {_stem_all(k): tuple(stem(v) for v in vs) for k, vs in SYNONYMS.items()}
_CONTEXT = [
    ((stem(word), frozenset(stem(c) for c in context)), tuple(stem(a) for a in adds))
    for (word, context), adds in CONTEXT_SYNONYMS
]


def _said_plural(slots: Slots, word: str) -> bool:
    return any(t.endswith("s") and t != word and stem(t) == word for t in slots.tokens)


def _has_phrase(stems: list[str], phrase: tuple[str, ...]) -> bool:
    """Every stem of the phrase, in order, with at most two other words between them."""
    if len(phrase) == 1:
        return phrase[0] in stems
    for start, s in enumerate(stems):
        if s != phrase[0]:
            continue
        at, ok = start, True
        for part in phrase[1:]:
            window = stems[at + 1 : at + 4]
            if part not in window:
                ok = False
                break
            at = at + 1 + window.index(part)
        if ok:
            return True
    return False


# Required fields only the sentence can give (no catalog, no focus): without it, the tool is
# unlikely to be what was meant.
_NEEDS: dict[str, tuple[Callable[[Slots], bool], float]] = {
    "url": (lambda s: bool(s.url), 3.0),
    "qr_token": (lambda s: bool(cues.TOKEN.search(s.text)), 4.0),
    "token": (lambda s: bool(cues.TOKEN.search(s.text)), 4.0),
    "access_token": (lambda s: False, 4.0),
    "session_id": (lambda s: False, 4.0),
    "image_base64": (lambda s: False, 4.0),
    "code": (lambda s: bool(s.code or s.named), 1.0),
    "phone": (lambda s: bool(s.phone), 1.0),
    "related_id": (lambda s: len(s.people) >= 2 or bool(s.relation), 1.5),
    "webhook_id": (lambda s: "webhook" in s.ids or "hook" in s.ids, 1.5),
    "job_id": (lambda s: "job" in s.ids, 1.5),
    "message_id": (lambda s: "message" in s.ids, 1.5),
    "photo_id": (lambda s: "photo" in s.ids, 1.5),
    "key_id": (lambda s: "key" in s.ids, 1.0),
    "promo_code_id": (lambda s: bool(s.code) or bool({"code", "promo"} & set(s.tokens)), 1.0),
    "body": (lambda s: bool(s.quoted or s.colon_text or len(s.tokens) > 6), 1.0),
}
# A value the sentence gives that only some tools take.
_OFFERS: tuple[tuple[Callable[[Slots], bool], str, float], ...] = (
    (lambda s: bool(s.url), "url", 4.0),
    (lambda s: bool(s.color), "color", 2.5),
    (lambda s: s.percent is not None, "amount", 1.0),
    (lambda s: s.capacity is not None, "capacity", 0.6),
    (lambda s: bool(s.code), "code", 2.0),
    (lambda s: bool(s.code), "promo_code_id", 0.8),
    (lambda s: bool(s.named), "name", 0.4),
    (lambda s: bool(s.colon_text or s.quoted), "body", 2.0),
)


def _needs(spec: ToolSpec, slots: Slots, focus: dict[str, Any]) -> float:
    fields = spec.input_model.model_fields
    penalty = 0.0
    for name, info in fields.items():
        need = _NEEDS.get(name)
        made = name in (focus.get("ids") or {})
        if info.is_required() and need is not None and not made and not need[0](slots):
            penalty -= need[1]
    for test, name, bonus in _OFFERS:
        if name in fields and test(slots):
            penalty += bonus
    if slots.url and not any(n.endswith("url") for n in fields):
        penalty -= 1.5  # a web address said: a tool that takes one
    made_ids = focus.get("ids") or {}
    for name, info in fields.items():
        noun = name.removesuffix("_id")
        if info.is_required() and name in made_ids and noun in slots.tokens:
            penalty += 1.5  # "that key": the one just made
    if slots.event_pronoun and not slots.shows:
        # "it": the show or the thing just made or talked about.
        made = set(focus.get("ids") or {})
        if focus.get("event_id"):
            made.add("event_id")
        if any(n in made for n, f in fields.items() if f.is_required() and n.endswith("_id")):
            penalty += 1.0
    verb = spec.name.split("_", 1)[0]
    removing = bool(cues.REMOVING.search(slots.text))
    adding = bool(cues.ADDING.search(slots.text))
    if removing and not adding and verb in ("add", "create", "register", "join"):
        penalty -= 2.0  # "remove her from the about page" is not an add
    if adding and not removing and verb in ("remove", "delete", "unlink", "revoke"):
        penalty -= 2.0
    if (removing or adding) and spec.read_only and not cues.QUESTION.match(slots.text.lower()):
        penalty -= 1.5  # an order to change something, not a question
    if "related_id" in fields and len(slots.people) >= 2 and slots.relation:
        penalty += 3.0  # "Jane is John's wife": two known people and how they relate
    if "related_id" in fields and len(slots.people) == 1 and slots.relation:
        kin_of_focus = slots.pronoun in ("his", "her", "their") and focus.get("customer_id")
        if kin_of_focus and not cues.asks(slots.text):
            penalty += 3.0  # "his brother's Carlos Diaz": him, and Carlos
    if slots.team and spec.category == "about" and ({"name", "member_id"} & set(fields)):
        penalty += 2.5  # a team member is named
    if cues.ARRIVING.search(slots.text) and not cues.QUESTION.match(slots.text.lower()):
        if spec.category == "checkin" and not spec.name.startswith("undo"):
            penalty += 1.5
            if (slots.relation or cues.GROUP.search(slots.text)) and len(slots.people) < 2:
                # "X and her husband", "the Smith party": X's party, not X alone
                penalty += 4.0 if "_party" in spec.name else -2.0
        elif "related_id" in fields or spec.name.endswith("_party"):
            penalty -= 3.0
    guest = slots.people or slots.pronoun or slots.relation or slots.proper or slots.ids
    if spec.category == "checkin" and slots.shows and not (guest or slots.everyone):
        penalty -= 3.0  # "open mic should show up under comedy": a show, and no guest
    if slots.negated and spec.name.startswith("check_in"):
        penalty -= 1.5  # "no longer here", "isn't here"
    one_tier = bool(slots.shows and slots.tier_keys) and not cues.ALL.search(slots.text)
    sale_status = spec.voice.slots.get("status") == "sale_status"
    pausing = one_tier and sale_status and cues.STOPPING.search(slots.text)
    if pausing and not cues.asks(slots.text):
        penalty += 3.0  # "kill early bird on salsa": that tier, paused
    if "tier_id" in fields and one_tier:
        penalty += 2.0
    if "_all_" in f"_{spec.name}_" and one_tier:
        penalty -= 4.0
    group = slots.everyone or slots.relation or slots.pronoun in ("they", "them", "their")
    if "_party" in spec.name and not group:
        penalty -= 2.0  # one person named, no party, family or "all of them"
    question = cues.asks(slots.text)
    if slots.colon_text and not question and spec.read_only:
        penalty -= 1.5  # "note on Sarah: …" gives a value to store
    if slots.money_cents is not None and not question:
        if spec.read_only:
            penalty -= 1.0
        elif {"price_cents", "amount", "amount_cents"} & set(fields):
            penalty += 1.5
    required_event = "event_id" in fields and fields["event_id"].is_required()
    if spec.name.startswith("create_"):
        noun = spec.name.rsplit("_", 1)[-1]
        if re.search(rf"\b(?:a|an|another|new)\s+(?:[\w'-]+\s+){{0,2}}{noun}\b", slots.text, re.I):
            penalty += 1.5  # "we need a Theatre category": one that does not exist yet
    # a tool that may change a start time but need not (an edit, not a creation)
    edits_start = "starts_at" in fields and not fields["starts_at"].is_required()
    retimed = edits_start and slots.when is not None and not slots.named
    if retimed and not cues.DESCRIBING.search(slots.text):
        penalty -= 3.0  # a show's new time is a postponement (it tells the ticket holders)
    no_show = not (slots.shows or slots.event_pronoun or focus.get("event_id") or slots.day)
    if required_event and slots.named and no_show:
        penalty -= 1.0  # "a category called Theatre" names a new thing, and no show
    past_day = slots.day is not None and slots.day < slots.now.astimezone(slots.tz).date()
    if required_event and slots.period and not slots.shows and (slots.day is None or past_day):
        penalty -= 1.5 if slots.day is None else 4.0  # "this month", "yesterday": no one show
    buyer = "customer" in fields and fields["customer"].is_required()
    if buyer or ("customer_id" in fields and fields["customer_id"].is_required()):
        has = slots.people or slots.pronoun or slots.relation or slots.email or slots.phone
        if not has and "customer" not in slots.ids and not focus.get("customer_id"):
            penalty -= 2.0
    return penalty


def _fits(spec: ToolSpec, slots: Slots) -> float:
    fields = spec.input_model.model_fields
    bonus = 0.0
    has_person = bool(slots.people or slots.pronoun or slots.relation)
    personal = {"customer_id", "name", "customer", "ticket_id", "to_name", "q", "email", "phone"}
    if has_person and (personal & set(fields)):
        bonus += 0.6
    show_fields = {"event_id", "series_id", "q", "category", "tier_id", "ticket_id", "order_id"}
    show_fields.add("category_id")  # "comedy" is a show's word and a category
    if slots.shows and not (show_fields & set(fields)) and not slots.named:
        bonus -= 5.0  # a show is named, and this tool cannot be about one
    named_person = bool(slots.people or (slots.proper and not slots.named))
    known = any(m.exact for m in slots.people)  # a customer we know, by full name
    if named_person and not (personal & set(fields)) and not slots.shows:
        bonus -= 2.5 if known else 1.0
    elif named_person and not (personal & set(fields)):
        bonus -= 1.5
    if slots.pronoun in ("he", "him", "his", "she", "her", "hers") and not (personal & set(fields)):
        bonus -= 3.0  # "what's on her file": about her, not the listings
    if slots.shows and "event_id" in fields:
        bonus += 1.0 if fields["event_id"].is_required() else 0.4
    elif slots.show_word and slots.day is not None and "event_id" in fields:
        bonus += 1.5  # "tonight's show": the show on that day
    if slots.period and ("from_" in fields or "to" in fields):
        bonus += 0.8
    if slots.money_cents is not None and ({"amount_cents", "price_cents"} & set(fields)):
        bonus += 0.5
    if (slots.email or slots.phone) and ({"email", "phone", "to_email"} & set(fields)):
        bonus += 0.5
    required_person = {"customer_id", "ticket_id"} & {
        n for n, f in fields.items() if f.is_required()
    }
    if required_person and not has_person and not slots.ids:
        bonus -= 1.0
    needs_ticket = "ticket_id" in fields and fields["ticket_id"].is_required()
    if needs_ticket and slots.people and not slots.shows and "ticket" not in slots.ids:
        bonus -= 1.0  # a person, no show, no ticket number: their tickets, not one of them
    for kind, _ in slots.ids.items():
        if f"{kind}_id" in fields or (kind == "code" and "promo_code_id" in fields):
            bonus += 2.0 if fields.get(f"{kind}_id") and fields[f"{kind}_id"].is_required() else 1.0
        elif not any(name.endswith("_id") for name in fields):
            bonus -= 1.0  # "ticket 19": a tool that takes no id of anything is not it
    return bonus


def scores(
    slots: Slots,
    lexicon: Lexicon,
    specs: list[ToolSpec],
    focus: dict[str, Any] | None = None,
    recent: ToolSpec | None = None,
) -> dict[str, float]:
    """`recent`: the tool of the last turn; a follow-up without a noun stays in its family."""
    stems = _stems(slots)
    unique = set(stems)
    if cues.ARRIVING.search(slots.text) and not cues.QUESTION.match(slots.text.lower()):
        unique.add(stem("arrive"))  # "just walked in", "made it": an arrival, however it is said
    past_day = slots.day is not None and slots.day < slots.now.astimezone(slots.tz).date()
    selling = {stem("sale"), stem("sell")} & unique
    if slots.period and not slots.shows and selling and (slots.day is None or past_day):
        # "sales for the past 3 days", "how many did we sell yesterday": a report over a period
        unique.update((stem("revenue"), stem("report")))
    # "what kind of ticket does Sarah have": hers, not the tiers
    theirs = any(m.exact for m in slots.people) and "tier" not in {stem(t) for t in slots.tokens}
    if theirs:
        unique.discard(stem("tier"))
    if (
        slots.shows
        and slots.tier_keys
        and cues.STOPPING.search(slots.text)
        and not cues.asks(slots.text)
    ):
        unique.add(stem("pause"))  # "kill early bird on salsa": stop selling that tier
    if slots.shows and cues.HOW_DID.search(slots.text):
        unique.add(stem("sale"))  # "how did salsa do?", "numbers for open mic": how it sells
    if slots.shows and not slots.period and stem("revenue") in unique:
        unique.add(stem("sale"))  # one show's money is its sales
    question = cues.asks(slots.text) or bool(cues.HOW_DID.search(slots.text))
    raw = set(slots.tokens)
    bare_contact = bool(slots.email or slots.phone) and not slots.people
    listing = bool(cues.LISTING.match(slots.text))
    lookup = bool(cues.LOOKUP.match(slots.text))
    bare_person = bool(slots.people) and not (
        unique - cues.WH_WORDS - {"on", "in", "about"} - (cues.LOOKUP_WORDS if lookup else set())
    )
    # "tonight's show" (but "today, all events" is every show)
    day_show = slots.show_word and slots.day is not None and not slots.shows
    day_show = day_show and not cues.EVERY_SHOW.search(slots.text)
    thing_pronoun = (
        recent is not None
        and (not recent.read_only or bool(cues.CHANGING.search(slots.text)))
        and not slots.people
        and bool(cues.THING_PRONOUN.search(slots.text))
    )
    arrival_asked = (
        bool(cues.YES_NO.match(slots.text))
        and bool(slots.people or slots.pronoun)
        and bool(cues.ARRIVAL_WORDS.search(slots.text))
        and not cues.ORDER_TOO.search(slots.text)  # "is Sarah here? check her in": do it
    )
    # "did we already refund Tom?", "is Maria on the do not call list?": asked about a person
    asked_about = bool(cues.YES_NO.match(slots.text)) and bool(slots.people) and not arrival_asked
    ranked: dict[str, float] = {}
    for spec in specs:
        weights = lexicon.weights.get(spec.name, {})
        score = sum(weights.get(s, 0.0) for s in unique)
        plural_only = lexicon.plural.get(spec.name, set())
        matched = []
        for phrase in lexicon.phrases.get(spec.name, ()):
            if theirs and spec.category == "tiers":
                break
            if phrase in plural_only and not _said_plural(slots, phrase[-1]):
                continue
            if _has_phrase(stems, phrase):
                matched.append(3.0 + 1.5 * len(phrase) if len(phrase) > 1 else 2.5)
        # The best phrase counts in full; one inside another ("how much", "how much … ticket")
        # adds only half, so a tool with many near-identical phrases does not outshout the rest.
        matched.sort(reverse=True)
        score += sum(m if i == 0 else m / 2 for i, m in enumerate(matched))
        if any(re.search(p, slots.text, re.I) for p in spec.voice.patterns):
            score += 1.5
        model = spec.input_model.model_fields
        contact = {"email", "phone", "q"} & set(model)
        needed = {n for n, f in model.items() if f.is_required()}
        if question and bare_contact and contact and spec.read_only and needed <= contact:
            score += 2.0  # "who has this number?": a lookup by contact
        about_person = spec.read_only and spec.category == "customers" and "customer_id" in needed
        if asked_about and about_person:
            ticket_talk = re.search(
                r"\b(refund|ticket|transfer|cancel|booked|seat)", slots.text, re.I
            )
            lists_tickets = "tickets" in spec.output_model.model_fields
            score += 2.0 if lists_tickets == bool(ticket_talk) else 0.5
        if arrival_asked and spec.voice.slots.get("q") == "guest":
            score += 6.0  # "is John here?": the guest list, filtered by his name, answers it
        if (question or lookup) and bare_person and spec.name.endswith("_profile"):
            score += 3.0  # "who is Sarah Lee?": the person's profile
        if score <= 0:
            continue
        score += _fits(spec, slots) + _needs(spec, slots, focus or {})
        if recent is not None and spec.category == recent.category:
            score += 1.0 if spec.name != recent.name else 0.5
            if thing_pronoun:
                # "turn them back on": the things the last change was about
                score += 4.0 if spec.name == recent.name else 1.0
        elif thing_pronoun:
            score -= 1.5  # another family would need its own noun
        fields = spec.input_model.model_fields
        one_show = (slots.shows and not slots.period) or day_show
        if "from_" in fields and one_show and score > 0 and spec.category == "analytics":
            # a named show ("tomorrow night's show") and no period: its figures, not a report
            score = score * 0.35 - 1.0
        noun = spec.name.rsplit("_", 1)[-1]
        plural = noun.endswith("s") and not noun.endswith("ss")
        if (question or listing) and noun in raw and plural:
            if spec.name.startswith("list_"):
                score += 0.5 if day_show else 2.0  # "which venues …": the list
            elif spec.name.startswith("get_") and not (slots.shows or day_show):
                score -= 1.0
        singular = noun[:-1] if plural else ""
        the_one = singular and re.search(rf"\bthe {singular}\b", slots.text, re.I)
        if the_one and spec.name.startswith("list_"):
            score -= 3.0  # "the venue": the one, not the list
        elif spec.name.startswith("list_") and singular in raw and noun not in raw:
            score -= 1.5  # "what's the venue's address": one, said in the singular
        if listing and not question and not spec.read_only:
            score -= 1.5  # "show me …" wants to see, not change
        if spec.name.startswith("download_") and not cues.FILE_WORDS.search(slots.text):
            score -= 2.0
        if question:
            score += 0.8 if spec.read_only else -0.8
            if cues.YES_NO.match(slots.text) and not spec.read_only:
                score -= 1.5  # "has John been here before?" cues.asks; it changes nothing
                if not cues.ORDER_TOO.search(slots.text):
                    score -= 5.0  # "is Maria on the do not call list?": asked, not done
            if cues.WH.match(slots.text.lower()) and not spec.read_only:
                score -= 1.2
                if spec.category == "checkin":
                    score -= 3.0  # "who's checked in?" cues.asks for the list
        elif spec.read_only and not question:
            score -= 0.2
        ranked[spec.name] = score
    return ranked
