"""Score every tool the session may use against a sentence: the words that speak for it (rarer
words count more, curated phrases most), the slots it could fill, and whether it is a question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.registry import ToolSpec

from .lexicon import TOOL_WORDS, Lexicon
from .slots import PERSON_PRONOUNS, Slots
from .text import STOP, stem

_QUESTION = re.compile(r"^\s*(how|what|who|when|which|where|is|are|does|do|did|has|have|any)\b")
_IGNORED = STOP | PERSON_PRONOUNS


@dataclass(frozen=True)
class Ranked:
    tool: str
    score: float


def _stems(slots: Slots) -> list[str]:
    keep = {"in", "on", "off", "up"}
    return [
        stem(t)
        for t in slots.tokens
        if t not in slots.consumed and (t not in _IGNORED or t in keep)
    ]


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


def _fits(spec: ToolSpec, slots: Slots) -> float:
    fields = spec.input_model.model_fields
    bonus = 0.0
    has_person = bool(slots.people or slots.pronoun or slots.relation)
    if has_person and ({"customer_id", "name", "customer", "ticket_id"} & set(fields)):
        bonus += 0.6
    if slots.shows and "event_id" in fields:
        bonus += 1.0 if fields["event_id"].is_required() else 0.4
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
    for kind, _ in slots.ids.items():
        if f"{kind}_id" in fields or (kind == "code" and "promo_code_id" in fields):
            bonus += 1.0
    return bonus


def rank(slots: Slots, lexicon: Lexicon, specs: list[ToolSpec]) -> list[Ranked]:
    stems = _stems(slots)
    unique = set(stems)
    question = bool(_QUESTION.match(slots.text.lower())) or slots.text.strip().endswith("?")
    ranked = []
    for spec in specs:
        weights = lexicon.weights.get(spec.name, {})
        score = sum(weights.get(s, 0.0) for s in unique)
        for phrase in lexicon.phrases.get(spec.name, ()):
            if _has_phrase(stems, phrase):
                score += 3.0 + 1.5 * len(phrase)
        words = TOOL_WORDS.get(spec.name)
        if words and any(re.search(p, slots.text, re.I) for p in words.patterns):
            score += 1.5
        if score <= 0:
            continue
        score += _fits(spec, slots)
        if question:
            score += 0.8 if spec.read_only else -0.8
        elif spec.read_only and not question:
            score -= 0.2
        ranked.append(Ranked(spec.name, round(score, 3)))
    ranked.sort(key=lambda r: (-r.score, r.tool))
    return ranked
