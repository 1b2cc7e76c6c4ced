"""Short conversational answers: yes, no, undo, corrections, ordinals."""

from __future__ import annotations

import pytest

from agent.router.answers import correction, is_no, is_undo, is_yes, ordinal


@pytest.mark.parametrize("text", ["yes", "Yeah, go ahead", "sure", "ok do it", "correct"])
def test_yes(text: str) -> None:
    assert is_yes(text)
    assert not is_no(text)


@pytest.mark.parametrize(
    "text", ["no", "Nope.", "never mind", "nevermind", "forget it", "no thanks"]
)
def test_no(text: str) -> None:
    assert is_no(text)
    assert not is_yes(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("no, I meant Mike", "Mike"),
        ("I meant Mike Brown", "Mike Brown"),
        ("no, Mike", "Mike"),
        ("not John, Mike", "Mike"),
        ("sorry, it was Sarah", "Sarah"),
        ("no thanks", None),
        ("no, don't", None),
        ("check in Mike", None),
    ],
)
def test_correction_value(text: str, value: str | None) -> None:
    assert correction(text) == value


@pytest.mark.parametrize("text", ["undo that", "Undo", "please undo the last one", "revert it"])
def test_undo(text: str) -> None:
    assert is_undo(text)


def test_undo_is_not_any_sentence_with_undo_inside() -> None:
    assert not is_undo("can you tell me how to undo a refund later")


@pytest.mark.parametrize(
    ("text", "index"),
    [("the second one", 1), ("first", 0), ("the third", 2), ("the last one", -1), ("2", 1)],
)
def test_ordinals(text: str, index: int) -> None:
    assert ordinal(text) == index


def test_ordinal_ignores_long_sentences() -> None:
    assert ordinal("sell one ticket to the second person in the line tonight please") is None
