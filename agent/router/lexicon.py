"""What speaks for each tool: the words its voice declares (tools/voice.py), plus the words of
every registry entry's name, description and examples, weighted by how rare they are."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from tools.registry import Registry

from .slots import PERSON_PRONOUNS
from .text import STOP, content_stems, stem, words

__all__ = ["Lexicon", "build"]


@dataclass
class Lexicon:
    """Per tool: stem → weight; phrases as stem tuples."""

    weights: dict[str, dict[str, float]]
    phrases: dict[str, list[tuple[str, ...]]]
    vocabulary: frozenset[str]
    # A list tool's phrases that end in a plural ("what shows"): "tomorrow's show" is one show,
    # and its tiers, not the list.
    plural: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)


_QUESTION_WORDS = frozenset(["who", "what", "how", "when", "where", "which", "much", "many"])
_PARTICLES = frozenset(["in", "on", "off", "up", "about"])


def _phrase(text: str) -> tuple[str, ...]:
    keep = ("in", "on", "off", "up", "about")
    # The same words a sentence keeps (rules._stems): pronouns are slots, not signals.
    return tuple(
        stem(w) for w in words(text) if (w not in STOP or w in keep) and w not in PERSON_PRONOUNS
    )


def build(registry: Registry) -> Lexicon:
    # Words in many tools' names ("ticket", "customer") say little on their own.
    in_names = Counter(stem(part) for spec in registry for part in set(spec.name.split("_")))
    common = {word for word, n in in_names.items() if n >= 3} | _QUESTION_WORDS
    raw: dict[str, Counter[str]] = {}
    phrases: dict[str, list[tuple[str, ...]]] = {}
    for spec in registry:
        bag: Counter[str] = Counter()
        for part in spec.name.split("_"):
            bag[stem(part)] += 1.5
        for example in spec.examples:
            for s in set(content_stems(words(example))):
                bag[s] += 1.0
        for s in set(content_stems(words(spec.summary))):
            bag[s] += 0.4
        curated = spec.voice
        for w in curated.words:
            bag[stem(w)] += 2.0
        # A phrase that shrinks to one word once filler is dropped ("tickets does") is no
        # stronger than that word when the word is everywhere; "move to" still says postpone.
        phrases[spec.name] = list(
            dict.fromkeys(
                p
                for t in curated.phrases
                if (p := _phrase(t))
                and (len(p) > 1 or len(words(t)) == 1 or p[0] not in common | _PARTICLES)
            )
        )
        for name in spec.input_model.model_fields:
            for part in name.removesuffix("_").split("_"):
                if part not in ("id", "ids") and len(part) > 2:
                    bag[stem(part)] += 0.3
        # Each word of the curated phrases counts once, however many phrases repeat it
        # ("file under", "put under", "list under" make "under" a word of the tool, not its
        # name). Particles tell "check in" from "check out" inside a phrase; alone, they are
        # in every other sentence ("brought in", "so far in").
        for s in {s for p in phrases[spec.name] for s in p}:
            if s not in _QUESTION_WORDS and s not in _PARTICLES:
                bag[s] += 1.0
        raw[spec.name] = bag
    df: Counter[str] = Counter()
    for bag in raw.values():
        df.update(set(bag))
    n = max(len(raw), 1)
    weights = {
        name: {s: min(w, 4.0) * math.log(1 + n / df[s]) / math.log(1 + n) for s, w in bag.items()}
        for name, bag in raw.items()
    }
    vocabulary = frozenset(df)
    plural = {
        spec.name: {
            _phrase(t) for t in spec.voice.phrases if _ends_plural(t) and len(_phrase(t)) > 1
        }
        for spec in registry
        if spec.name.startswith("list_")
    }
    return Lexicon(weights=weights, phrases=phrases, vocabulary=vocabulary, plural=plural)


def _ends_plural(text: str) -> bool:
    last = words(text)[-1]
    return last.endswith("s") and not last.endswith("ss") and stem(last) != last
