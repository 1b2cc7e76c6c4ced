"""The graph as `langgraph.json` names it, and the speech helpers."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from agent.router.lexicon import build
from agent.speech import listing, money, when
from tools.registry import registry

ROOT = Path(__file__).resolve().parents[2]


def test_langgraph_json_names_the_uncompiled_checkpointer_graph() -> None:
    config = json.loads((ROOT / "langgraph.json").read_text())
    path, _, name = config["graphs"]["voice"].partition(":")
    spec = importlib.util.spec_from_file_location("voice_graph", ROOT / path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    graph = getattr(module, name)
    assert graph.checkpointer is None
    assert {"understand", "resolve", "confirm", "execute", "respond"} <= set(graph.nodes)


def test_every_tool_has_words_and_curated_names_exist() -> None:
    lexicon = build(registry)
    for spec in registry:
        assert lexicon.weights[spec.name], spec.name


def test_money_and_lists_as_people_say_them() -> None:
    assert money(2500) == "$25"
    assert money(123456) == "$1,234.56"
    assert listing(["Jazz Night", "Comedy Hour", "Open Mic", "Salsa", "Indie"]) == (
        "Jazz Night, Comedy Hour, Open Mic and 2 more"
    )
    assert listing(["A", "A", "B"]) == "A and B"


def test_times_relative_to_the_venue_day() -> None:
    now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    ny = ZoneInfo("America/New_York")
    assert when("2026-11-25T01:00:00+00:00", ny, now) == "tonight at 8 pm"
    assert when("2026-11-26T00:30:00+00:00", ny, now) == "tomorrow at 7:30 pm"
    assert when("2026-11-28T01:00:00+00:00", ny, now) == "Friday at 8 pm"
