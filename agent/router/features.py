"""What the registry says for free about a tool and a sentence, beside the words: can the
sentence (and the conversation's focus) give the tool what it needs, does the sentence give
values the tool has no place for, is it a question put to a tool that changes things, does it go
on with the last turn. Each feature is a named number; how much each counts is fitted
(`evals/fit.py`), never set by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.registry import ToolSpec

from . import cues
from .slots import Slots

# Required fields only the sentence itself can give (no catalog, no focus): the test for it.
_SAID: dict[str, Callable[[Slots], bool]] = {
    "url": lambda s: bool(s.url),
    "qr_token": lambda s: bool(cues.TOKEN.search(s.text)),
    "token": lambda s: bool(cues.TOKEN.search(s.text)),
    "access_token": lambda s: False,
    "session_id": lambda s: False,
    "image_base64": lambda s: False,
    "code": lambda s: bool(s.code or s.named),
    "phone": lambda s: bool(s.phone),
    "related_id": lambda s: len(s.people) >= 2 or bool(s.relation),
    "promo_code_id": lambda s: bool(s.code) or bool({"code", "promo"} & set(s.tokens)),
    "body": lambda s: bool(s.quoted or s.colon_text or len(s.tokens) > 6),
}
# Values a sentence gives that only some tools take: (said?, the fields that take it).
_GIVES: tuple[tuple[Callable[[Slots], bool], frozenset[str]], ...] = (
    (lambda s: bool(s.url), frozenset({"url", "logo_url"})),
    (lambda s: bool(s.color), frozenset({"color"})),
    (lambda s: s.percent is not None, frozenset({"amount"})),
    (lambda s: s.capacity is not None, frozenset({"capacity"})),
    (lambda s: bool(s.code), frozenset({"code", "promo_code_id"})),
    (lambda s: bool(s.colon_text or s.quoted), frozenset({"body", "description"})),
    (
        lambda s: s.money_cents is not None,
        frozenset({"price_cents", "amount", "amount_cents", "amount_cents_off"}),
    ),
    (lambda s: bool(s.email), frozenset({"email", "to_email", "customer", "q"})),
    (lambda s: bool(s.phone), frozenset({"phone", "customer", "q"})),
    (lambda s: s.period is not None, frozenset({"from_", "to"})),
)
_PERSONAL = frozenset({"customer_id", "name", "customer", "ticket_id", "to_name", "q", "email"})
_SHOWY = frozenset(
    {"event_id", "series_id", "q", "category", "category_id", "tier_id", "ticket_id", "order_id"}
)
NAMES = (
    "nothing",  # 1 for "no tool at all", 0 for every tool: how readily nothing is chosen
    "rules",  # the hand-written reading of the sentence (rules.py), as one feature among these
    "needs_unsaid",
    "ids_unknown",
    "gives_taken",
    "gives_untaken",
    "show_no_place",
    "show_required",
    "person_no_place",
    "person_taken",
    "id_taken",
    "id_no_place",
    "customer_unknown",
    "question_changes",
    "yes_no_changes",
    "command_reads",
    "negated_changes",
    "same_family",
    "same_tool",
    "it_same_tool",
    "focus_fills",
    "group_party",
    "one_tier",
)


class Sentence:
    """What is asked once per sentence, for every tool ranked."""

    def __init__(self, slots: Slots, focus: dict[str, Any], recent: ToolSpec | None) -> None:
        self.slots, self.focus, self.recent = slots, focus, recent
        self.question = cues.asks(slots.text) or bool(cues.HOW_DID.search(slots.text))
        self.yes_no = cues.yes_no_question(slots.text)
        self.person = bool(slots.people or slots.pronoun or slots.relation)
        self.named_person = bool(slots.people or (slots.proper and not slots.named))
        self.thing_pronoun = bool(cues.THING_PRONOUN.search(slots.text)) and not slots.people
        self.group = bool(slots.everyone or slots.relation or cues.GROUP.search(slots.text))
        self.one_tier = bool(slots.shows and slots.tier_keys) and not cues.ALL.search(slots.text)
        self.made = set(focus.get("ids") or {}) | ({"event_id"} if focus.get("event_id") else set())
        self.customer_known = bool(
            self.person or slots.email or slots.phone or "customer" in slots.ids
        ) or bool(focus.get("customer_id"))


# Where a required id can come from besides the focus: what the sentence names.
_NAMED_BY: dict[str, Callable[[Slots], bool]] = {
    "event_id": lambda s: bool(s.shows or s.show_word or s.day or s.event_pronoun),
    "customer_id": lambda s: bool(s.people or s.pronoun or s.relation or s.email or s.phone),
    "ticket_id": lambda s: bool(s.people or s.pronoun or s.relation),
    "tier_id": lambda s: bool(s.tier_keys),
    "order_id": lambda s: bool(s.people or s.pronoun),
    "related_id": lambda s: len(s.people) >= 2 or bool(s.relation),
    "promo_code_id": lambda s: bool(s.code),
    "member_id": lambda s: bool(s.team),
}


def _known(field: str, s: Sentence) -> bool:
    """Whether a required id can be had: said ("ticket 42"), named, or in the focus."""
    if field in s.made or field.removesuffix("_id") in s.slots.ids:
        return True
    named = _NAMED_BY.get(field)
    return named is not None and named(s.slots)


def features(spec: ToolSpec, s: Sentence) -> dict[str, float]:
    slots = s.slots
    fields = spec.input_model.model_fields
    names = set(fields)
    required = {n for n, f in fields.items() if f.is_required()}
    changes = not spec.read_only
    f: dict[str, float] = {}
    f["needs_unsaid"] = sum(
        1 for n in required if n in _SAID and n not in s.made and not _SAID[n](slots)
    )
    f["ids_unknown"] = sum(1 for n in required if n.endswith("_id") and not _known(n, s))
    contact = names & {"email", "phone"}
    if contact and names <= contact | {"limit", "offset"} and not (slots.email or slots.phone):
        f["ids_unknown"] += 1  # a look-up by email or phone, and neither is said
    gives = [takes for said, takes in _GIVES if said(slots)]
    f["gives_taken"] = sum(1 for takes in gives if takes & names)
    f["gives_untaken"] = sum(1 for takes in gives if not takes & names)
    f["show_no_place"] = float(bool(slots.shows) and not (_SHOWY & names) and not slots.named)
    f["show_required"] = float(bool(slots.shows) and "event_id" in required)
    f["person_no_place"] = float(s.named_person and not (_PERSONAL & names))
    f["person_taken"] = float(s.person and bool(_PERSONAL & names))
    taken = [k for k in slots.ids if f"{k}_id" in names or (k == "code" and "code" in names)]
    f["id_taken"] = float(len(taken))
    no_ids = not any(n.endswith("_id") for n in names)
    f["id_no_place"] = float(bool(slots.ids) and no_ids)
    wants_customer = bool({"customer", "customer_id"} & required)
    f["customer_unknown"] = float(wants_customer and not s.customer_known)
    f["question_changes"] = float(s.question and changes)
    f["yes_no_changes"] = float(s.yes_no and changes)
    f["command_reads"] = float(not s.question and not changes)
    f["negated_changes"] = float(slots.negated and changes)
    recent = s.recent
    f["same_family"] = float(recent is not None and recent.category == spec.category)
    f["same_tool"] = float(recent is not None and recent.name == spec.name)
    f["it_same_tool"] = float(f["same_tool"] > 0 and s.thing_pronoun)
    f["focus_fills"] = float(
        any(n in s.made and n.removesuffix("_id") in slots.tokens for n in required)
    )
    party = spec.voice.group
    f["group_party"] = float(party and s.group) - float(party and not s.group)
    one_tier = s.one_tier
    # "kill early bird on salsa": a tool about one tier, not every tier of the show
    f["one_tier"] = float(one_tier and "tier_id" in required) - float(
        one_tier and spec.voice.all_of
    )
    return f
