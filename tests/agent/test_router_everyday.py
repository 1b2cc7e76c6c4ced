"""Everyday phrasings across the weaker families, in wording of our own: tags on and off shows,
a show's takings, arrivals of a person with a partner, event dates in speech, customer profile
and preference phrasing, analytics periods, the waitlist, and follow-ups that lean on the
previous answer or action."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agent.conftest import Say

# (sentence, tool, a subset of the arguments); role staff unless the tool needs admin
ONE_TURN: list[tuple[str, str, dict[str, Any]]] = [
    # categories on shows
    ("take the dance tag off salsa social", "remove_event_categories", {"event_id": 4}),
    ("untag comedy from comedy hour", "remove_event_categories", {"event_id": 2}),
    ("drop the community label from open mic", "remove_event_categories", {"event_id": 3}),
    ("tag the indie showcase as dance", "add_event_categories", {"event_id": 5}),
    ("put open mic in the comedy category", "add_event_categories", {"event_id": 3}),
    ("what categories is salsa social in", "get_event_categories", {"event_id": 4}),
    # a show's takings
    ("what did comedy hour take", "get_event_sales", {"event_id": 2}),
    ("how much did the salsa social bring in", "get_event_sales", {"event_id": 4}),
    ("what has jazz night made so far", "get_event_sales", {"event_id": 1}),
    ("how are sales looking for open mic", "get_event_sales", {"event_id": 3}),
    # arrivals
    ("Maria Garcia and her husband are here", "check_in_party", {"customer_id": 3, "event_id": 1}),
    ("john smith and his wife just walked in", "check_in_party", {"customer_id": 1}),
    ("Mike Brown just made it", "check_in_by_name", {"name": "Mike Brown"}),
    ("who is Mike Brown's wife", "get_customer_party", {"customer_id": 4}),
    ("Sarah Lee has arrived", "check_in_by_name", {"name": "Sarah Lee"}),
    ("Jane Smith is John Smith's wife", "link_customers", {}),
    # events: dates and edits
    ("rename open mic to Open Stage", "update_event", {"event_id": 3, "name": "Open Stage"}),
    ("push comedy hour back to next friday at 8", "postpone_event", {"event_id": 2}),
    ("move the salsa social to the 12th", "postpone_event", {"event_id": 4}),
    ("when does the indie showcase start", "get_event", {"event_id": 5}),
    ("hide the salsa social", "set_event_visibility", {"event_id": 4}),
    ("what's on this weekend", "list_events", {}),
    (
        "call comedy hour Comedy Night instead",
        "update_event",
        {"event_id": 2, "name": "Comedy Night"},
    ),
    (
        "push comedy hour back a week",
        "postpone_event",
        {"event_id": 2, "new_starts_at": "2026-12-03T00:30:00+00:00"},
    ),
    (
        "bring open mic forward 30 minutes",
        "postpone_event",
        {"event_id": 3, "new_starts_at": "2026-11-26T23:30:00+00:00"},
    ),
    ("what categories is tonight's show in", "get_event_categories", {"event_id": 1}),
    ("what's the address of the venue", "get_venue", {"venue_id": 1}),
    ("when's the next show", "get_event", {"event_id": 1}),
    ("how long is the indie showcase", "get_event", {"event_id": 5}),
    (
        "Swing Night every other friday at 9 for six weeks",
        "create_recurring_event",
        {"frequency": "biweekly", "first_starts_at": "2026-11-27T21:00:00-05:00"},
    ),
    # customers
    ("what kind of ticket does Sarah Lee have", "get_customer_tickets", {"customer_id": 5}),
    ("pull up Emily Chen's profile", "get_customer_profile", {"customer_id": 9}),
    ("anything on file about david kim", "get_customer_profile", {"customer_id": 6}),
    ("look for customers named smith", "search_customers", {}),
    ("any notes on Tom Wilson", "get_customer_notes", {"customer_id": 8}),
    ("Aisha Khan prefers an aisle seat", "update_customer_preferences", {"customer_id": 7}),
    ("carlos diaz's new email is carlos@newmail.com", "update_customer", {"customer_id": 10}),
    ("never phone mike brown again", "mark_do_not_call", {"customer_id": 4}),
    # analytics
    ("how much did we take yesterday", "get_revenue_report", {}),
    ("what's our revenue this month", "get_revenue_report", {}),
    ("revenue since monday", "get_revenue_report", {}),
    ("how much money came in last weekend", "get_revenue_report", {}),
    ("how many people are through the door for jazz", "get_checkin_stats", {"event_id": 1}),
    ("how did comedy hour do", "get_event_sales", {"event_id": 2}),
    ("numbers for comedy hour", "get_event_sales", {"event_id": 2}),
    ("sales for the past 3 days", "get_revenue_report", {}),
    ("revenue for october", "get_revenue_report", {"from": "2026-10-01T00:00:00-04:00"}),
    (
        "what did we make over the weekend",
        "get_revenue_report",
        {"from": "2026-11-21T00:00:00-05:00"},
    ),
    # more events
    (
        "add a show named Poetry Slam on the 12th at 7pm",
        "create_event",
        {"name": "Poetry Slam", "starts_at": "2026-12-12T19:00:00-05:00"},
    ),
    (
        "change the description of open mic to Bring your own guitar",
        "update_event",
        {"event_id": 3, "description": "Bring your own guitar"},
    ),
    (
        "describe the salsa social as Lessons at nine then open floor",
        "update_event",
        {"event_id": 4, "description": "Lessons at nine then open floor"},
    ),
    ("which events are music", "get_category_events", {"category_id": 1}),
    ("what shows are in the comedy category", "get_category_events", {"category_id": 2}),
    # more customers
    (
        "Mike Brown is allergic to peanuts",
        "add_customer_note",
        {"customer_id": 4, "body": "Mike is allergic to peanuts"},
    ),
    ("has John Smith been here before", "get_customer_profile", {"customer_id": 1}),
    (
        "Sarah Lee wants to be contacted by text",
        "update_customer_preferences",
        {"customer_id": 5, "contact_method": "sms"},
    ),
    ("does Mike Brown have any allergies", "get_customer_notes", {"customer_id": 4}),
    (
        "Tom Wilson would rather be emailed",
        "update_customer_preferences",
        {"customer_id": 8, "contact_method": "email"},
    ),
    (
        "only text Aisha Khan from now on",
        "update_customer_preferences",
        {"customer_id": 7, "contact_method": "sms"},
    ),
    (
        "file the salsa social under community",
        "add_event_categories",
        {"event_id": 4, "category_ids": [4]},
    ),
    ("any dance events coming up", "list_events", {"category": "Dance"}),
    ("headcount for tonight", "get_checkin_stats", {"event_id": 1}),
    # waitlist
    (
        "remove Emily Chen from the waiting list for comedy hour",
        "remove_from_waitlist",
        {"event_id": 2, "email": "emily.chen@example.com"},
    ),
    (
        "what number is aisha.khan@example.com in the queue for salsa",
        "get_waitlist_position",
        {"event_id": 4, "email": "aisha.khan@example.com"},
    ),
    ("who's on the waitlist for jazz night", "get_waitlist", {"event_id": 1}),
    ("take Tom Wilson off the jazz night waitlist", "remove_from_waitlist", {"event_id": 1}),
]


@pytest.mark.parametrize(("text", "tool", "arguments"), ONE_TURN)
async def test_everyday_sentence(say: Say, text: str, tool: str, arguments: dict[str, Any]) -> None:
    reply = await say(text, session="everyday")
    assert reply.tool == tool, (reply.tool, reply.arguments, reply.speech)
    for key, value in arguments.items():
        assert reply.arguments.get(key) == value, (key, reply.arguments)


# (first sentence, follow-up, the follow-up's tool, a subset of its arguments)
FOLLOW_UPS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("pause all sales for comedy hour", "turn them back on", "toggle_all_tickets",
     {"event_id": 2, "on_sale": True}),
    ("stop selling tickets for salsa social", "ok open them again", "toggle_all_tickets",
     {"event_id": 4, "on_sale": True}),
    ("how many have we sold for jazz night", "and how many are left?",
     "get_ticket_availability", {"event_id": 1}),
    ("how many tickets are left for jazz night", "what about tomorrow's show?",
     "get_ticket_availability", {"event_id": 2}),
    ("how many have we sold for comedy hour", "and for salsa?", "get_event_sales",
     {"event_id": 4}),
    ("what did we make last week", "and this month?", "get_revenue_report", {}),
    ("tell me about Sarah Lee", "what tickets does she have", "get_customer_tickets",
     {"customer_id": 5}),
    ("how many tickets are left for jazz night", "and VIP?", "get_ticket_availability",
     {"event_id": 1}),
    ("how many have we sold for jazz night", "and how many have checked in",
     "get_checkin_stats", {"event_id": 1}),
    ("what's on this weekend", "and next week?", "list_events", {}),
    ("check in Sarah Lee", "and John Smith", "check_in_by_name", {"name": "John Smith"}),
    ("close sales for open mic", "reopen them", "toggle_all_tickets",
     {"event_id": 3, "on_sale": True}),
]  # fmt: skip


@pytest.mark.parametrize(("first", "then", "tool", "arguments"), FOLLOW_UPS)
async def test_follow_up(
    say: Say, first: str, then: str, tool: str, arguments: dict[str, Any]
) -> None:
    await say(first, session="follow")
    reply = await say(then, session="follow")
    assert reply.tool == tool, (reply.tool, reply.arguments, reply.speech)
    for key, value in arguments.items():
        assert reply.arguments.get(key) == value, (key, reply.arguments)


async def test_a_vague_sentence_never_starts_something_irreversible(say: Say) -> None:
    reply = await say("the thing for tonight", session="vague")
    assert reply.awaiting is None
    assert reply.tool is None or not reply.tool.startswith(("cancel", "delete", "refund"))


def test_every_form_of_a_verb_has_one_stem() -> None:
    from agent.router.text import stem

    for forms in (
        ("change", "changed", "changing", "changes"),
        ("note", "noted", "notes"),
        ("create", "created", "creating"),
        ("name", "named"),
        ("check", "checked", "checking"),
        ("stop", "stopped", "stopping"),
    ):
        assert len({stem(f) for f in forms}) == 1, forms
    assert stem("noted") != stem("not")
