"""Fits how much each of the ranker's features counts (agent/router/weights.json).

The text model (agent/router/model.py) is fitted on the training utterances wherever the agent
starts; the weights that combine its margin with the registry's features (features.py) are
fitted here, from two kinds of example, and written to weights.json:
- every training utterance, its slots read against the demo seed, its text margins from a model
  that never saw it (five folds), with no conversation before it;
- every turn of the given transcripts (sets used for tuning, reported as training data) that
  expects one tool, with the focus and last tool the conversation had reached.
Each example is a choice among the tools: the fit is a conditional logit, done as a logistic
regression on the differences between the right tool's features and each close rival's.

    .venv/bin/python -m evals.fit evals/transcripts evals/holdout evals/holdout2 evals/holdout3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from agent.router.features import NAMES
from agent.router.lexicon import build as build_lexicon
from agent.router.model import TextModel
from agent.router.rank import TEXT, WEIGHTS, Ranker, corpus
from tools import registry

from .format import load
from .runner import EVAL_NOW, EvalRunner, default_agent_factory

COLUMNS = (TEXT, *NAMES)
RIVALS = 12  # the closest rivals by text margin each example is weighed against
Row = dict[str, float]
Example = tuple[str, dict[str, Row]]  # (the right choice, every candidate's features)


class _Recording(Ranker):
    """A ranker that keeps the table of every sentence it ranks."""

    def __init__(self, inner: Ranker) -> None:
        super().__init__(inner.model, inner.weights, inner.lexicon)
        self.log: list[dict[str, Row]] = []

    def table(self, *args: Any, **kwargs: Any) -> Any:
        rows = super().table(*args, **kwargs)
        self.log.append(rows)
        return rows


def _folds(data: dict[str, list[str]], k: int = 5) -> list[dict[str, list[str]]]:
    return [
        {c: [s for i, s in enumerate(v) if i % k == fold] for c, v in data.items()}
        for fold in range(k)
    ]


def _held_out_models(
    data: dict[str, list[str]], k: int = 5
) -> list[tuple[TextModel, dict[str, list[str]]]]:
    from agent.router.model import fit

    out = []
    for fold, held in enumerate(_folds(data, k)):
        train = {c: [s for i, s in enumerate(v) if i % k != fold] for c, v in data.items()}
        out.append((fit({c: v for c, v in train.items() if v}), held))
    return out


async def _utterance_examples(data: dict[str, list[str]]) -> list[Example]:
    """Each utterance ranked by a text model fitted without it, slots against the demo seed."""
    from agent.router.slots import extract
    from tools.context import Actor
    from tools.runner import ToolRunner

    from .runner import FixedClock

    examples: list[Example] = []
    async with EvalRunner() as runner:
        template = await runner._template(EVAL_NOW)
        settings = runner.settings(template)
        from persistence.db import Database

        db = Database(settings.resolved_database_url)
        tools = ToolRunner(db, settings, clock=FixedClock(EVAL_NOW))
        agent = default_agent_factory(tools, settings)
        catalog = await agent.catalog.get(Actor(name="fit", role="admin"))  # type: ignore[attr-defined]
        specs = list(registry)
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(settings.default_timezone)
        lexicon = build_lexicon(registry)
        for model, held in _held_out_models(data):
            ranker = Ranker(model, {}, lexicon)
            for label, sentences in held.items():
                for sentence in sentences:
                    slots = extract(sentence, catalog, EVAL_NOW, tz)
                    rows = ranker.table(slots, specs)
                    examples.append((label, rows))
        await agent.aclose()
        await db.dispose()
    return examples


async def _turn_examples(paths: list[Path], said: dict[str, list[str]]) -> list[Example]:
    """Each turn that expects one tool, with the focus the conversation had reached; what was
    said there is kept in `said` (tool → sentences) as training data."""
    examples: list[Example] = []
    for transcript in load(paths):
        recorders: list[_Recording] = []

        def factory(
            runner: Any,
            settings: Any,
            recorders: list[_Recording] = recorders,
            transcript: Any = transcript,
        ) -> Any:
            agent = default_agent_factory(runner, settings)
            recorder = _Recording(agent.ranker)  # type: ignore[attr-defined]
            agent.ranker = recorder  # type: ignore[attr-defined]
            recorders.append(recorder)
            return _PerTurn(agent, recorder, transcript, examples, said)

        async with EvalRunner(agent_factory=factory) as runner:
            await runner.run(transcript)
    return examples


class _PerTurn:
    def __init__(
        self,
        agent: Any,
        recorder: _Recording,
        transcript: Any,
        out: list[Example],
        said: dict[str, list[str]],
    ) -> None:
        self.agent, self.recorder, self.transcript, self.out = agent, recorder, transcript, out
        self.said, self.number = said, 0

    async def turn(self, text: str, **kwargs: Any) -> Any:
        self.recorder.log.clear()
        reply = await self.agent.turn(text, **kwargs)
        expected = self.transcript.turns[self.number].expect.tool
        self.number += 1
        if self.recorder.log and isinstance(expected, str):
            self.out.append((expected, self.recorder.log[-1]))
            if not _answers_a_question(self.transcript, self.number - 1):
                self.said.setdefault(expected, []).append(text)
        return reply

    async def aclose(self) -> None:
        await self.agent.aclose()


def _answers_a_question(transcript: Any, index: int) -> bool:
    """Whether turn `index` answers the question the turn before it asked ("cash", an email
    spelled out, "yes"): said for a tool, but not words that ask for it."""
    if index == 0:
        return False
    before = transcript.turns[index - 1].expect.awaiting
    asked = before if isinstance(before, list) else [before] if before else []
    return any(kind in ("value", "choice", "confirmation") for kind in asked)


def _pairs(examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    diffs: list[list[float]] = []
    for label, rows in examples:
        if label not in rows:
            continue
        right = rows[label]
        rivals = sorted(
            (name for name in rows if name != label), key=lambda n: -rows[n].get(TEXT, 0.0)
        )[:RIVALS]
        for rival in rivals:
            diffs.append([right.get(c, 0.0) - rows[rival].get(c, 0.0) for c in COLUMNS])
    x = np.array(diffs)
    # Both orders, so the fit has two classes and no intercept is needed.
    return np.vstack([x, -x]), np.array([1] * len(diffs) + [0] * len(diffs))


def fit_weights(examples: list[Example]) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    x, y = _pairs(examples)
    model = LogisticRegression(C=1.0, fit_intercept=False, max_iter=2000)
    model.fit(x, y)
    return {c: round(float(w), 4) for c, w in zip(COLUMNS, model.coef_[0], strict=True)}


def accuracy(examples: list[Example], weights: dict[str, float]) -> float:
    right = 0
    for label, rows in examples:
        scores = {n: sum(weights.get(k, 0.0) * v for k, v in r.items()) for n, r in rows.items()}
        right += max(scores, key=scores.__getitem__) == label
    return right / max(len(examples), 1)


async def main(paths: list[Path]) -> dict[str, Any]:
    data = corpus(registry)
    utterances = await _utterance_examples(data)
    said: dict[str, list[str]] = {}
    turns = await _turn_examples(paths, said) if paths else []
    if said:
        _write_tuned(said, paths)
    examples = utterances + turns
    weights = fit_weights(examples)
    report = {
        "weights": weights,
        "examples": {"utterances": len(utterances), "turns": len(turns)},
        "accuracy": {
            "utterances_held_out": round(accuracy(utterances, weights), 4),
            "turns": round(accuracy(turns, weights), 4),
            "text_only_utterances": round(accuracy(utterances, {TEXT: 1.0}), 4),
        },
    }
    return report


def _write_tuned(said: dict[str, list[str]], paths: list[Path]) -> None:
    """The tuned sets' sentences become training utterances (they are training data now)."""
    import yaml

    from tools.voice import UTTERANCES

    header = (
        "# Generated by `python -m evals.fit`: what staff said in the sets the router was tuned\n"
        f"# on ({', '.join(str(p) for p in paths)}), one list per tool. Training data.\n"
    )
    body = yaml.safe_dump(
        {k: sorted(set(v)) for k, v in sorted(said.items())}, allow_unicode=True, width=100
    )
    (UTTERANCES / "_tuned_sets.yaml").write_text(header + body, encoding="utf-8")


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="transcripts used for tuning")
    parser.add_argument("-o", "--output", type=Path, default=WEIGHTS)
    args = parser.parse_args(argv)
    report = asyncio.run(main(args.paths))
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report["accuracy"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
