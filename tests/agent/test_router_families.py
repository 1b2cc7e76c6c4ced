"""The local router across every tool family, in phrasings of our own: the right tool, the values
the sentence gives filled in (names after "called", prices, capacities, codes, colours, web
addresses, ids, number words), a question when something is missing, and multi-turn rules
(follow-ups in the same family, corrections, undo, questions during a confirmation)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agent.conftest import Say
from tests.conftest import Call

# (sentence, role, tool, a subset of the arguments, awaiting)
SINGLE_TURNS: list[tuple[str, str, str, dict[str, Any], str | None]] = [
    # promos
    (
        "set up a promo code SPRING15 for fifteen percent off",
        "staff",
        "create_promo_code",
        {"code": "SPRING15", "kind": "percent", "amount": 15},
        None,
    ),
    (
        "new discount code called WELCOME5 worth 5 dollars",
        "staff",
        "create_promo_code",
        {"code": "WELCOME5", "kind": "fixed", "amount": 500},
        None,
    ),
    ("what promo codes do we have", "staff", "list_promo_codes", {}, None),
    ("switch off the promo code", "staff", "deactivate_promo_code", {}, "value"),
    # admin keys (admin only)
    (
        "make a new api key named tablet with staff access",
        "admin",
        "create_api_key",
        {"name": "tablet", "role": "staff"},
        None,
    ),
    ("which api keys do we have", "admin", "list_api_keys", {}, None),
    ("revoke key 2", "admin", "revoke_api_key", {"key_id": 2}, "confirmation"),
    # tiers
    (
        "add a tier named Balcony to comedy hour for 30 bucks with 40 seats",
        "staff",
        "create_ticket_tier",
        {"event_id": 2, "name": "Balcony", "price_cents": 3000, "capacity": 40},
        None,
    ),
    (
        "add a 50-seat balcony tier to the indie showcase at 35 dollars",
        "staff",
        "create_ticket_tier",
        {"event_id": 5, "name": "Balcony", "price_cents": 3500, "capacity": 50},
        None,
    ),
    (
        "what kinds of tickets do we have for salsa",
        "staff",
        "list_ticket_tiers",
        {"event_id": 4},
        None,
    ),
    (
        "stop selling the early bird for salsa",
        "staff",
        "update_ticket_tier",
        {"tier_id": 5, "status": "paused"},
        None,
    ),
    (
        "halt all sales for open mic",
        "staff",
        "toggle_all_tickets",
        {"event_id": 3, "on_sale": False},
        None,
    ),
    (
        "bump the price of comedy general admission to 22 dollars",
        "staff",
        "update_ticket_tier",
        {"tier_id": 3, "price_cents": 2200},
        None,
    ),
    (
        "how many VIP tickets are left for jazz",
        "staff",
        "get_ticket_availability",
        {"event_id": 1},
        None,
    ),
    # sales and orders
    (
        "sell Carlos a pair of VIP tickets for jazz, cash",
        "staff",
        "purchase_tickets",
        {"event_id": 1, "tier_id": 2, "quantity": 2, "payment": "cash"},
        None,
    ),
    ("sell Carlos some comedy tickets", "staff", "purchase_tickets", {}, "value"),
    # tickets
    ("QR code for ticket five", "staff", "get_ticket_qr", {"ticket_id": 5}, None),
    ("what's the status of ticket 12", "staff", "get_ticket", {"ticket_id": 12}, None),
    (
        "move ticket 13 over to Ann Lee, ann.lee@example.com",
        "staff",
        "transfer_ticket",
        {"ticket_id": 13, "to_name": "Ann Lee", "to_email": "ann.lee@example.com"},
        None,
    ),
    (
        "who hasn't checked in yet for jazz",
        "staff",
        "guest_list",
        {"event_id": 1, "status": "valid"},
        None,
    ),
    # check-in
    ("Maria Garcia is here", "staff", "check_in_by_name", {"name": "Maria Garcia"}, None),
    ("I checked in John Smith by mistake", "staff", "undo_check_in", {"ticket_id": 1}, None),
    ("uncheck ticket 4", "staff", "undo_check_in", {"ticket_id": 4}, None),
    ("how many people are in for jazz so far", "staff", "get_checkin_stats", {"event_id": 1}, None),
    # customers
    (
        "what's the phone number for maria",
        "staff",
        "get_customer_profile",
        {"customer_id": 3},
        None,
    ),
    ("who is Sarah Lee", "staff", "get_customer_profile", {"customer_id": 5}, None),
    ("what do we know about David Kim", "staff", "get_customer_profile", {"customer_id": 6}, None),
    (
        "whose email is maria.garcia@example.com",
        "staff",
        "lookup_customer",
        {"email": "maria.garcia@example.com"},
        None,
    ),
    (
        "find the customer with number 555 010 0107",
        "staff",
        "search_customers",
        {"q": "+15550100107"},
        None,
    ),
    (
        "sign up Ann Lee as a new customer, ann@example.com",
        "staff",
        "register_customer",
        {"name": "Ann Lee", "email": "ann@example.com"},
        None,
    ),
    ("register a new customer", "staff", "register_customer", {}, "value"),
    (
        "Mike Brown's wife is Emily Chen",
        "staff",
        "link_customers",
        {"customer_id": 4, "related_id": 9, "relation": "wife"},
        None,
    ),
    ("Mike asked us to stop phoning him", "staff", "mark_do_not_call", {"customer_id": 4}, None),
    (
        "Mike prefers to be contacted by text",
        "staff",
        "update_customer_preferences",
        {"customer_id": 4, "contact_method": "sms"},
        None,
    ),
    # events and categories
    (
        "create an event called Poetry Slam next Thursday at 8pm",
        "staff",
        "create_event",
        {"name": "Poetry Slam", "venue_id": 1, "starts_at": "2026-11-26T20:00:00-05:00"},
        None,
    ),
    (
        "start a weekly Trivia Night every thursday at 8pm for 4 weeks",
        "staff",
        "create_recurring_event",
        {"name": "Trivia Night", "frequency": "weekly", "occurrences": 4},
        None,
    ),
    (
        "hide open mic from the website",
        "staff",
        "set_event_visibility",
        {"event_id": 3, "visibility": "unlisted"},
        None,
    ),
    (
        "make salsa social public again",
        "staff",
        "set_event_visibility",
        {"event_id": 4, "visibility": "public"},
        None,
    ),
    (
        "rename the dance category to Latin Dance",
        "staff",
        "update_category",
        {"category_id": 3, "name": "Latin Dance"},
        None,
    ),
    ("add a category called Theatre", "staff", "create_category", {"name": "Theatre"}, None),
    (
        "take salsa social out of the dance category",
        "staff",
        "remove_event_categories",
        {"event_id": 4, "category_ids": [3]},
        None,
    ),
    (
        "put open mic in the comedy category",
        "staff",
        "add_event_categories",
        {"event_id": 3, "category_ids": [2]},
        None,
    ),
    (
        "push comedy hour back to next saturday at 9pm",
        "staff",
        "postpone_event",
        {"event_id": 2, "new_starts_at": "2026-11-28T21:00:00-05:00"},
        "confirmation",
    ),
    # analytics
    (
        "how much revenue this week",
        "staff",
        "get_revenue_report",
        {"from": "2026-11-23T00:00:00-05:00"},
        None,
    ),
    ("how much has jazz night made", "staff", "get_event_sales", {"event_id": 1}, None),
    ("how is the salsa social selling", "staff", "get_event_sales", {"event_id": 4}, None),
    # waitlist
    (
        "put Ann Lee on the comedy hour waitlist, her email is ann@example.com",
        "staff",
        "join_waitlist",
        {"event_id": 2, "name": "Ann Lee", "email": "ann@example.com"},
        None,
    ),
    (
        "put John Smith on the waitlist for comedy hour",
        "staff",
        "join_waitlist",
        {"event_id": 2, "name": "John Smith", "email": "john.smith@example.com"},
        None,
    ),
    ("who's waiting for comedy hour", "staff", "get_waitlist", {"event_id": 2}, None),
    # venues
    ("which venues do we use", "staff", "list_venues", {}, None),
    ("tell me about the blue room", "staff", "get_venue", {"venue_id": 1}, None),
    (
        "set up our new venue, The Warehouse, it holds 300",
        "admin",
        "create_venue",
        {"name": "The Warehouse", "capacity": 300},
        None,
    ),
    # site, webhooks, dashboard, messages
    (
        "change the brand colour to #ff8800",
        "admin",
        "update_site_branding",
        {"color": "#ff8800"},
        None,
    ),
    (
        "send new orders to https://example.com/hook",
        "admin",
        "register_webhook",
        {"url": "https://example.com/hook", "events": ["order.*"]},
        None,
    ),
    ("show me the webhooks", "admin", "list_webhooks", {}, None),
    ("remove webhook 1", "admin", "delete_webhook", {"webhook_id": 1}, "confirmation"),
    (
        "give the promoter of comedy hour dashboard access, her number is 555 123 4567",
        "staff",
        "grant_dashboard_access",
        {"event_id": 2, "phone": "+15551234567"},
        None,
    ),
    (
        "did the reminder emails go out for jazz",
        "admin",
        "list_messages",
        {"channel": "email"},
        None,
    ),
    # about page
    ("who is on our team", "staff", "list_team_members", {}, None),
    (
        "add Jane Smith as John Smith's wife",
        "staff",
        "link_customers",
        {"customer_id": 1, "related_id": 2, "relation": "wife"},
        None,
    ),
    (
        "note on John Smith: allergic to peanuts",
        "staff",
        "add_customer_note",
        {"customer_id": 1, "body": "allergic to peanuts"},
        None,
    ),
    (
        "Sarah Lee speaks Spanish",
        "staff",
        "update_customer_preferences",
        {"language": "Spanish"},
        None,
    ),
    (
        "two walk-ins for jazz, general admission, cash",
        "staff",
        "purchase_tickets",
        {"event_id": 1, "tier_id": 1, "quantity": 2, "customer": {"name": "Walk-in"}},
        None,
    ),
    (
        "add a second venue, The Annex, holds 80",
        "admin",
        "create_venue",
        {"name": "The Annex", "capacity": 80},
        None,
    ),
    ("show me Mike Brown's QR code for jazz", "staff", "get_ticket_qr", {"ticket_id": 7}, None),
    ("is Jane Smith's ticket still valid", "staff", "get_ticket", {}, None),
    ("how are sales going", "staff", "get_event_sales", {}, "value"),
    ("who belongs to jane.smith@example.com", "staff", "lookup_customer", {}, None),
    ("which VIPs do we have", "staff", "search_customers", {"vip": True}, None),
    (
        "Rosa Martinez no longer works here, drop her from the team",
        "staff",
        "remove_team_member",
        {"name": "Rosa Martinez"},
        "confirmation",
    ),
]


@pytest.mark.parametrize(("text", "role", "tool", "arguments", "awaiting"), SINGLE_TURNS)
async def test_one_turn(
    say: Say, text: str, role: str, tool: str, arguments: dict[str, Any], awaiting: str | None
) -> None:
    reply = await say(text, as_=role, session=f"{role}-single")
    assert reply.tool == tool, reply.speech
    assert reply.awaiting == awaiting, reply.speech
    for key, value in arguments.items():
        assert reply.arguments.get(key) == value, (key, reply.arguments)


async def test_a_question_during_a_confirmation_is_answered_and_kept(say: Say, call: Call) -> None:
    asked = await say("refund Mike Brown's ticket for jazz")
    assert asked.awaiting == "confirmation" and asked.arguments == {"ticket_id": 7}
    meanwhile = await say("hold on, how many people are in for jazz?")
    assert meanwhile.tool == "get_checkin_stats" and meanwhile.awaiting == "confirmation"
    assert meanwhile.speech.startswith("3 of 12 are in") and "Refund Mike Brown" in meanwhile.speech
    done = await say("yes")
    assert done.tool == "refund_ticket" and done.success
    assert (await call("get_ticket", ticket_id=7)).status == "refunded"


async def test_a_correction_during_a_confirmation_re_aims_it(say: Say, call: Call) -> None:
    await say("cancel salsa social")
    fixed = await say("no, I meant open mic")
    assert fixed.awaiting == "confirmation" and fixed.arguments == {"event_id": 3}
    assert "Open Mic" in fixed.speech
    stop = await say("no")
    assert stop.tool is None and "Nothing changed" in stop.speech
    assert (await call("get_event", event_id=3)).status == "scheduled"
    assert (await call("get_event", event_id=4)).status == "scheduled"


async def test_actually_plus_a_new_request_is_not_a_correction(say: Say) -> None:
    made = await say("create an event called Poetry Slam next Thursday at 8pm", as_="admin")
    reply = await say("actually delete it", as_="admin")
    assert reply.tool == "delete_event" and reply.awaiting == "confirmation"
    assert reply.arguments == {"event_id": made.data["id"]}
    assert "Poetry Slam" in reply.speech


async def test_it_means_the_promo_code_just_made_and_undo_turns_it_back_on(
    say: Say, call: Call
) -> None:
    made = await say("set up a promo code SPRING15 for fifteen percent off")
    off = await say("switch it off")
    assert off.tool == "deactivate_promo_code" and off.arguments == {
        "promo_code_id": made.data["id"]
    }
    back = await say("undo")
    assert back.tool == "activate_promo_code" and back.success
    codes = (await call("list_promo_codes", active_only=True)).promo_codes
    assert [c.code for c in codes] == ["SPRING15"]


async def test_undo_it_after_linking_unlinks(say: Say, call: Call) -> None:
    linked = await say("Mike Brown's wife is Emily Chen")
    assert linked.tool == "link_customers" and linked.success
    undone = await say("undo it")
    assert undone.tool == "unlink_customers" and undone.success
    party = await call("get_customer_party", customer_id=4)
    assert all(m.customer_id != 9 for m in party.members)


async def test_that_tier_is_the_one_just_added(say: Say) -> None:
    made = await say("add a tier called Balcony to comedy hour for 30 bucks with 40 seats")
    asked = await say("actually delete that tier")
    assert asked.awaiting == "confirmation" and asked.arguments == {"tier_id": made.data["id"]}
    done = await say("yes")
    assert done.tool == "delete_ticket_tier" and done.success


async def test_a_missing_name_is_asked_and_the_answer_fills_name_and_email(say: Say) -> None:
    asked = await say("register a new customer")
    assert asked.awaiting == "value" and asked.speech == "What's the name?"
    done = await say("Ann Lee, ann@example.com")
    assert done.tool == "register_customer" and done.success
    assert done.arguments == {"name": "Ann Lee", "email": "ann@example.com"}


async def test_some_tickets_asks_how_many(say: Say) -> None:
    asked = await say("sell Carlos some comedy tickets")
    assert asked.awaiting == "value" and asked.speech == "How many?"
    paid = await say("three")  # a paid tier: how it is paid decides whether tickets are issued
    assert paid.awaiting == "value" and paid.speech == "Cash, card or comp?"
    sold = await say("cash")
    assert sold.tool == "purchase_tickets" and sold.success
    assert sold.arguments["quantity"] == 3 and sold.arguments["event_id"] == 2


async def test_make_it_gives_the_postponement_its_date(say: Say) -> None:
    await say("postpone comedy hour")
    fixed = await say("make it next friday at 8")
    assert fixed.awaiting == "confirmation"
    assert fixed.arguments == {"event_id": 2, "new_starts_at": "2026-11-27T20:00:00-05:00"}


async def test_staff_asking_for_an_admin_tool_is_told_plainly(say: Say) -> None:
    reply = await say("I need an admin key named boss")
    assert not reply.success and reply.awaiting is None
    assert "admin" in reply.speech


async def test_a_correction_re_asks_a_read(say: Say) -> None:
    first = await say("how many tickets are left for jazz")
    assert first.tool == "get_ticket_availability" and first.arguments == {"event_id": 1}
    again = await say("no, I meant comedy hour")
    assert again.tool == "get_ticket_availability" and again.arguments == {"event_id": 2}


async def test_a_pronoun_follows_the_person_just_looked_up(say: Say) -> None:
    await say("who is Jane Smith")
    reply = await say("make her a VIP")
    assert reply.tool == "set_vip_status" and reply.arguments == {"customer_id": 2, "vip": True}


async def test_oops_undo_reverses_a_check_in(say: Say, call: Call) -> None:
    before = (await call("get_checkin_stats", event_id=1)).checked_in
    admitted = await say("let Maria Garcia in")
    assert (
        admitted.success and (await call("get_checkin_stats", event_id=1)).checked_in == before + 1
    )
    reply = await say("oops, undo")
    assert reply.tool == "undo_check_in" and reply.success
    assert (await call("get_checkin_stats", event_id=1)).checked_in == before


async def test_undo_revokes_dashboard_access_just_granted(say: Say, call: Call) -> None:
    granted = await say(
        "give the promoter of comedy hour dashboard access, her number is 555 123 4567"
    )
    assert granted.success
    undone = await say("undo that")
    assert undone.tool == "revoke_dashboard_access" and undone.success
    assert undone.arguments == {"event_id": 2, "phone": "+15551234567"}
    grants = (await call("list_dashboard_access", event_id=2)).model_dump()
    assert "+15551234567" not in str(grants)


async def test_generic_speech_uses_past_tense_and_plurals(say: Say) -> None:
    made = await say("add a category called Theatre")
    assert made.speech == "Created category Theatre."
    listed = await say("what categories do we have")
    assert listed.speech.startswith("5 categories:")


async def test_keep_it_after_a_confirmation_changes_nothing(say: Say, call: Call) -> None:
    await say("cancel comedy hour")
    reply = await say("no, don't cancel it after all")
    assert reply.tool is None and "Nothing changed" in reply.speech
    assert (await call("get_event", event_id=2)).status == "scheduled"


async def test_about_page_is_read_aloud_with_the_team(say: Say) -> None:
    reply = await say("what does the about page say")
    assert reply.tool == "get_about_page"
    assert "Our mission:" in reply.speech and "Ed Duran and Rosa Martinez" in reply.speech


async def test_waitlist_place_is_said_as_a_place_in_line(say: Say) -> None:
    joined = await say("put John Smith on the waitlist for comedy hour")
    assert joined.speech == "John Smith is 1st in line for Comedy Hour."
    waiting = await say("who's waiting for comedy hour")
    assert waiting.speech.startswith("1 person waiting for Comedy Hour")


async def test_a_fragment_goes_on_the_pending_postponement(say: Say) -> None:
    asked = await say("jazz night is moving")
    assert asked.tool == "postpone_event" and asked.awaiting == "confirmation"
    dated = await say("to next saturday at 9")
    assert dated.awaiting == "confirmation"
    assert dated.arguments == {"event_id": 1, "new_starts_at": "2026-11-28T21:00:00-05:00"}
