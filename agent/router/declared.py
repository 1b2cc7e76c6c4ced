"""How well a sentence says the words a tool's voice declares (its phrases, verbs and nouns,
everyday synonyms, its name, description and examples; rarer words weigh more): one of the
ranker's features, beside the fitted text model that generalises past them."""

from __future__ import annotations

import re

from tools.registry import ToolSpec

from .lexicon import Lexicon
from .slots import PERSON_PRONOUNS, Slots
from .synonyms import CONTEXT_SYNONYMS, SYNONYMS
from .text import STOP, stem

_IGNORED = STOP | PERSON_PRONOUNS
_KEEP = frozenset({"in", "on", "off", "up", "about"})


def _stem_all(text: str) -> str:
    return " ".join(stem(w) for w in text.split())


_SYN = {_stem_all(k): tuple(stem(v) for v in vs) for k, vs in SYNONYMS.items()}
_CONTEXT = [
    ((stem(word), frozenset(stem(c) for c in context)), tuple(stem(a) for a in adds))
    for (word, context), adds in CONTEXT_SYNONYMS
]


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


def sentence_stems(slots: Slots) -> list[str]:
    stems = [
        stem(t)
        for t in slots.tokens
        if t not in slots.consumed and (t not in _IGNORED or t in _KEEP)
    ]
    return expand(stems, {stem(t) for t in slots.tokens})


def _said_plural(slots: Slots, word: str) -> bool:
    return any(t.endswith("s") and t != word and stem(t) == word for t in slots.tokens)


def has_phrase(stems: list[str], phrase: tuple[str, ...]) -> bool:
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


def declared(spec: ToolSpec, slots: Slots, stems: list[str], lexicon: Lexicon) -> float:
    """The declared words' score: each word once, weighted by rarity; the best phrase in full
    and any other at half (a tool with many near-identical phrases does not outshout the rest);
    a text pattern of the tool that matches."""
    weights = lexicon.weights.get(spec.name, {})
    score = sum(weights.get(s, 0.0) for s in set(stems))
    plural_only = lexicon.plural.get(spec.name, set())
    matched = sorted(
        (
            3.0 + 1.5 * len(phrase) if len(phrase) > 1 else 2.5
            for phrase in lexicon.phrases.get(spec.name, ())
            if (phrase not in plural_only or _said_plural(slots, phrase[-1]))
            and has_phrase(stems, phrase)
        ),
        reverse=True,
    )
    score += sum(m if i == 0 else m / 2 for i, m in enumerate(matched))
    if any(re.search(p, slots.text, re.I) for p in spec.voice.patterns):
        score += 1.5
    return score
