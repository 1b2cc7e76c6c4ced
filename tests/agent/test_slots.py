"""Typed slot extraction: periods in the venue's zone, numbers in words, money, phones, emails,
ids, names matched against a catalog, pronouns, relations and "the usual"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.router.catalog import Catalog, Person, Show, Tier
from agent.router.slots import extract
from tests.conftest import NOW

NY = ZoneInfo("America/New_York")
TONIGHT = datetime(2026, 11, 24, 20, 0, tzinfo=NY)
CATALOG = Catalog(
    people=[
        Person(1, "John Smith", "john@example.com", "john smith"),
        Person(2, "Jane Smith", "jane@example.com", "jane smith"),
        Person(3, "Mike Brown", "mike@example.com", "mike brown"),
    ],
    shows=[
        Show(10, "Jazz Night", TONIGHT, "America/New_York", "scheduled", "jazz night",
             (Tier(100, "General Admission", 2500, "general admission"),
              Tier(101, "VIP", 6000, "vip"))),
        Show(11, "Comedy Hour", TONIGHT + timedelta(days=1), "America/New_York", "scheduled",
             "comedy hour"),
    ],
)  # fmt: skip


def slots(text: str):  # type: ignore[no-untyped-def]
    return extract(text, CATALOG, NOW, NY)


def test_last_week_is_monday_to_monday_in_the_venue_zone() -> None:
    period = slots("How much revenue did we make last week?").period
    assert period is not None
    start, end = period
    assert start == datetime(2026, 11, 16, 0, 0, tzinfo=NY)
    assert end == datetime(2026, 11, 23, 0, 0, tzinfo=NY)
    assert start.utcoffset() == timedelta(hours=-5)


def test_this_week_and_last_seven_days() -> None:
    assert slots("sales this week").period[0] == datetime(2026, 11, 23, tzinfo=NY)  # type: ignore[index]
    start, end = slots("revenue for the past 7 days").period  # type: ignore[misc]
    assert (end - start).days == 7


def test_tonight_is_today_local_even_when_utc_is_tomorrow() -> None:
    late = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)  # 22:30 in New York on the 24th
    found = extract("who's here tonight", CATALOG, late, NY)
    assert found.day == datetime(2026, 11, 24).date()


def test_next_friday_is_a_day() -> None:
    assert slots("what's on next friday").day == datetime(2026, 11, 27).date()


def test_numbers_in_words_and_money() -> None:
    found = slots("sell three VIP tickets for twenty five dollars")
    assert found.quantity == 3
    assert found.money_cents == 2500
    assert "vip" in found.tier_keys
    assert slots("give ticket 9 a $10.50 refund").money_cents == 1050


@pytest.mark.parametrize(
    "said", ["555-010-0104", "(555) 010-0104", "+1 555 010 0104", "555.010.0104"]
)
def test_phones_in_any_format(said: str) -> None:
    assert slots(f"whose number is {said}").phone == "+15550100104"


def test_email_and_explicit_ids() -> None:
    found = slots("refund ticket 42 for Mike@Example.com")
    assert found.email == "mike@example.com"
    assert found.ids["ticket"] == 42


def test_names_fuzzy_and_possessive() -> None:
    found = slots("refund Mikes ticket")
    assert [p.id for p in found.people[0].candidates] == [3]
    found = slots("check in jon smith")
    assert [p.id for p in found.people[0].candidates] == [1]


def test_surname_alone_is_ambiguous() -> None:
    found = slots("check in the Smith party")
    assert {p.id for p in found.people[0].candidates} == {1, 2}
    assert found.everyone


def test_event_names_are_not_people_and_partial_event_names_match() -> None:
    found = slots("how many have we sold for jazz")
    assert [s.id for s in found.shows] == [10]
    assert not found.people
    assert [s.id for s in slots("is the comedy show sold out").shows] == [11]


def test_pronouns_relations_and_the_usual() -> None:
    assert slots("check her in").pronoun == "her"
    assert slots("check in his wife").relation == "wife"
    assert slots("sell him the usual").usual
    assert slots("how many have we sold for it?").event_pronoun


@pytest.mark.parametrize(
    ("said", "phone"),
    [
        ("her number is five five five, oh one oh, nine nine nine nine", "+15550109999"),
        ("new number 555 010 double 9 double 9", "+15550109999"),
        ("call him on 5 5 5 0 1 0 0 1 0 4", "+15550100104"),
    ],
)
def test_phone_numbers_read_out_digit_by_digit(said: str, phone: str) -> None:
    found = slots(said)
    assert found.phone == phone
    assert found.quantity is None  # the digits are not a number of tickets


def test_short_digit_runs_are_not_phones() -> None:
    assert slots("sell 2 tickets at 5 dollars for 3 people").phone is None


@pytest.mark.parametrize(
    ("said", "relation"),
    [
        ("Maria and Mike are colleagues", "colleague"),
        ("John and Jane Smith are married", "spouse"),
        ("they're cousins", "cousin"),
        ("his grandma is coming", "grandparent"),
    ],
)
def test_relations_in_everyday_words(said: str, relation: str) -> None:
    assert slots(said).relation == relation


def test_filler_that_dates_a_question_is_not_a_keyword() -> None:
    found = slots("what's comedy hour brought in so far, money wise")
    assert {"far", "wise"} <= found.consumed
