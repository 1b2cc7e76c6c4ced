"""Score every tool the session may use against a sentence: a fitted text model says what the
words ask for (model.py), the registry's features say what the sentence and the focus can give
each tool (features.py), and fitted weights combine them (weights.json, made by evals/fit.py). The
scores become probabilities over the tools and "no tool at all"."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tools.registry import Registry, ToolSpec
from tools.voice import training_utterances

from . import cues
from .features import Sentence, features
from .lexicon import Lexicon
from .lexicon import build as build_lexicon
from .model import NONE, TextModel, load_or_fit
from .rules import scores as rule_scores
from .slots import Slots

WEIGHTS = Path(__file__).with_name("weights.json")
TEXT = "text"


@dataclass(frozen=True)
class Ranked:
    tool: str
    score: float  # the probability that this tool is what was asked for


def corpus(registry: Registry) -> dict[str, list[str]]:
    """What the text model is fitted on: the training utterances, and each tool's examples
    and declared phrases (a few words each)."""
    said = training_utterances()
    out: dict[str, list[str]] = {NONE: said.get(NONE, [])}
    for spec in registry:
        voice = spec.voice
        out[spec.name] = [
            *said.get(spec.name, []),
            *spec.examples,
            *voice.phrases,
            *([" ".join(voice.words)] if voice.words else []),
        ]
    return out


@cache
def weights(path: Path = WEIGHTS) -> dict[str, float]:
    if not path.exists():
        return {TEXT: 1.0}  # before any fit: the words alone
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in loaded["weights"].items()}


_BUILT: dict[frozenset[str], Ranker] = {}


class Ranker:
    def __init__(self, model: TextModel, weights: dict[str, float], lexicon: Lexicon) -> None:
        self.model, self.weights, self.lexicon = model, weights, lexicon

    @classmethod
    def build(cls, registry: Registry) -> Ranker:
        """One ranker per set of tools: the text model, its weights and the declared words."""
        key = frozenset(spec.name for spec in registry)
        if key not in _BUILT:
            _BUILT[key] = cls(load_or_fit(corpus(registry)), weights(), build_lexicon(registry))
        return _BUILT[key]

    def margins(self, text: str) -> dict[str, float]:
        return self.model.scores(text)

    def forbids(self, text: str, tool: str) -> bool:
        """Whether the sentence says not to do what `tool` does ("don't check her in yet")."""
        for clause in cues.negated_clauses(text):
            margins = self.margins(clause)
            asked = max((m for m in margins if m != NONE), key=margins.__getitem__)
            if asked == tool:
                return True
        return False

    def looks_like_request(self, text: str, besides: str | None = None) -> bool:
        """Whether the words alone ask for some tool other than `besides` (the one whose
        question is pending: more words for it are an answer, not a new request)."""
        margins = self.margins(text)
        best = max(margins, key=margins.__getitem__)
        return best not in (NONE, besides) and margins[best] > 0

    def table(
        self,
        slots: Slots,
        specs: list[ToolSpec],
        focus: dict[str, Any] | None = None,
        recent: ToolSpec | None = None,
    ) -> dict[str, dict[str, float]]:
        """Every tool's features, its text margin under "text", and "no tool"'s row."""
        margins = self.margins(slots.text)
        rules = rule_scores(slots, self.lexicon, specs, focus, recent)
        floor = min(margins.values())
        sentence = Sentence(slots, focus or {}, recent)
        rows = {}
        for spec in specs:
            row = features(spec, sentence)
            row[TEXT] = margins.get(spec.name, floor)
            row["rules"] = rules.get(spec.name, 0.0)
            rows[spec.name] = row
        rows[NONE] = {TEXT: margins.get(NONE, floor), "nothing": 1.0}
        return rows

    def rank(
        self,
        slots: Slots,
        specs: list[ToolSpec],
        focus: dict[str, Any] | None = None,
        recent: ToolSpec | None = None,
    ) -> list[Ranked]:
        """Every tool (and NONE) with its probability, best first."""
        rows = self.table(slots, specs, focus, recent)
        w = self.weights
        scores = {
            name: sum(w.get(k, 0.0) * v for k, v in row.items()) for name, row in rows.items()
        }
        top = max(scores.values())
        total = sum(math.exp(v - top) for v in scores.values())
        ranked = [Ranked(name, math.exp(v - top) / total) for name, v in scores.items()]
        ranked.sort(key=lambda r: (-r.score, r.tool))
        return ranked


__all__ = ["NONE", "Ranked", "Ranker", "corpus", "weights"]
