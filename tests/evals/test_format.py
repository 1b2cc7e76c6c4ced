"""The transcript format, the matching rules, and the shipped transcripts themselves."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

import tools
from evals.format import (
    Transcript,
    TranscriptError,
    load,
    load_file,
    match,
    mismatches,
    missing_facts,
    registry_problems,
)

MULTI_TURN = {"followups", "corrections", "undo", "disambiguation", "confirmation", "missing_value"}


def test_shipped_transcripts_follow_the_format_and_the_registry() -> None:
    transcripts = load()
    assert len(transcripts) >= 80
    assert [p for t in transcripts for p in registry_problems(t)] == []
    categories = Counter(t.category for t in transcripts)
    assert set(categories) >= MULTI_TURN


def test_shipped_transcripts_cover_every_tool_family() -> None:
    transcripts = load()
    expected = set()
    for transcript in transcripts:
        for turn in transcript.turns:
            names = turn.expect.tool if isinstance(turn.expect.tool, list) else [turn.expect.tool]
            expected.update(n for n in names if n)
    families = {spec.category for spec in tools.registry}
    covered = {tools.registry.get(name).category for name in expected}
    assert families - covered == set()


def test_a_turn_must_check_something() -> None:
    with pytest.raises(ValidationError, match="expects nothing"):
        Transcript.model_validate(
            {"name": "x", "category": "c", "turns": [{"say": "hi", "expect": {}}]}
        )


def test_unknown_keys_and_bad_names_are_refused() -> None:
    base = {"name": "ok", "category": "c", "turns": [{"say": "hi", "expect": {"tool": "x"}}]}
    with pytest.raises(ValidationError):
        Transcript.model_validate({**base, "turnz": []})
    with pytest.raises(ValidationError):
        Transcript.model_validate({**base, "name": "Has Spaces"})
    with pytest.raises(ValidationError):
        Transcript.model_validate({**base, "role": "public"})


def test_null_is_a_check_but_absence_is_not() -> None:
    t = Transcript.model_validate(
        {
            "name": "n",
            "category": "c",
            "turns": [{"say": "no", "expect": {"awaiting": None}}],
        }
    )
    assert t.turns[0].expect.checks() == {"awaiting"}


def test_registry_problems_name_unknown_tools_arguments_and_writes() -> None:
    t = Transcript.model_validate(
        {
            "name": "n",
            "category": "c",
            "turns": [
                {"say": "a", "expect": {"tool": "no_such_tool"}},
                {"say": "b", "expect": {"tool": "get_event", "arguments": {"evnt_id": 1}}},
            ],
            "final_state": [{"tool": "cancel_event", "arguments": {"event_id": 1}, "expect": {}}],
        }
    )
    problems = registry_problems(t)
    assert any("no tool called 'no_such_tool'" in p for p in problems)
    assert any("no argument 'evnt_id'" in p for p in problems)
    assert any("cancel_event is not read-only" in p for p in problems)


def test_load_file_accepts_one_or_many_and_reports_the_file(tmp_path: Path) -> None:
    one = tmp_path / "one.yaml"
    one.write_text("name: a\ncategory: c\nturns: [{say: hi, expect: {tool: list_events}}]\n")
    many = tmp_path / "many.yaml"
    many.write_text(
        "conversations:\n"
        "  - {name: b, category: c, turns: [{say: hi, expect: {success: true}}]}\n"
        "  - {name: c, category: c, turns: [{say: hi, expect: {success: true}}]}\n"
    )
    assert [t.name for t in load([tmp_path])] == ["b", "c", "a"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: d\ncategory: c\nturns: []\n")
    with pytest.raises(TranscriptError, match=r"bad\.yaml"):
        load_file(bad)
    bad.write_text("name: a\ncategory: c\nturns: [{say: hi, expect: {success: true}}]\n")
    with pytest.raises(TranscriptError, match="used twice"):
        load([tmp_path / "one.yaml", bad])


def test_yaml_yes_and_no_must_be_quoted(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("name: a\ncategory: c\nturns: [{say: no, expect: {awaiting: null}}]\n")
    with pytest.raises(TranscriptError):
        load_file(path)


# -- matching --------------------------------------------------------------------------------


def test_subset_match_ignores_extra_keys_and_reports_missing_ones() -> None:
    actual = {"id": 7, "status": "valid", "holder": {"name": "Mike Brown"}}
    assert match({"status": "valid"}, actual)
    assert match({"holder.name": "Mike Brown"}, actual)
    assert mismatches({"status": "refunded"}, actual) == [
        "status: expected 'refunded', got 'valid'"
    ]
    assert mismatches({"price": 1}, actual) == ["price: missing"]
    assert not match({"status": "valid"}, [actual])


def test_lists_match_distinct_items_in_any_order_and_len_checks_length() -> None:
    actual = {"tickets": [{"status": "valid"}, {"status": "checked_in"}, {"status": "valid"}]}
    assert match({"tickets": [{"status": "checked_in"}, {"status": "valid"}]}, actual)
    assert match({"tickets": [{"status": "valid"}, {"status": "valid"}]}, actual)
    assert not match({"tickets": [{"status": "checked_in"}, {"status": "checked_in"}]}, actual)
    assert match({"len(tickets)": 3, "tickets.1.status": "checked_in"}, actual)
    assert not match({"len(tickets)": 2}, actual)
    assert not match({"tickets.5.status": "valid"}, actual)


def test_scalars_numbers_datetimes_case_and_operators() -> None:
    assert match({"n": 2}, {"n": 2.0})
    assert not match({"flag": True}, {"flag": 1})
    when = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    assert match({"at": when}, {"at": "2026-12-03T19:00:00-05:00"})
    assert not match({"at": when}, {"at": "2026-12-04T00:00:00"})
    assert match({"name": "priya patel"}, {"name": "Priya  Patel"}, fold_case=True)
    assert not match({"name": "priya patel"}, {"name": "Priya Patel"})
    assert match({"title": "~sound"}, {"title": "Sound Engineer"})
    assert not match({"title": "~sound"}, {"title": None})
    assert match({"visibility": "!public"}, {"visibility": "draft"})
    assert not match({"visibility": "!public"}, {"visibility": "public"})


def test_facts_are_case_insensitive_alternatives_and_ignore_thousands_commas() -> None:
    speech = "We took $1,128 today across five events."
    assert missing_facts(["1128", "FIVE EVENTS"], speech) == []
    assert missing_facts([["nothing", "1,128"]], speech) == []
    assert missing_facts(["Jazz", ["zero", "none"]], speech) == ["Jazz", "zero | none"]
