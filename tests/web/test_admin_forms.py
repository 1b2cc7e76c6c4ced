"""Forms generated from tools' input models, and the way back to arguments."""

from __future__ import annotations

from starlette.datastructures import FormData

from tools import registry
from web.admin_forms import arguments, widgets


def kinds(tool: str) -> dict[str, tuple[str, bool]]:
    return {w.name: (w.kind, w.required) for w in widgets(registry.get(tool).input_model)}


def test_each_field_gets_the_control_its_type_calls_for() -> None:
    event = kinds("create_event")
    assert event["name"] == ("text", True)
    assert event["starts_at"] == ("datetime", True)
    assert event["ends_at"] == ("datetime", False)
    assert event["venue_id"] == ("number", True)
    assert event["visibility"] == ("select", False)
    assert event["description"] == ("textarea", False)
    assert event["category_ids"] == ("ids", False)
    tier = kinds("create_ticket_tier")
    assert tier["price_amount"] == ("money", False) and "price_cents" not in tier
    assert kinds("create_recurring_event")["tiers"][0] == "json"
    assert kinds("register_webhook")["events"][0] == "lines"
    assert kinds("set_vip_status")["vip"] == ("checkbox", False)
    purchase = kinds("purchase_tickets")
    assert purchase["customer.name"] == ("text", True)  # a nested model, flattened


def test_a_form_becomes_typed_arguments() -> None:
    controls = widgets(registry.get("create_event").input_model)
    form = FormData(
        [
            ("name", "Gala"),
            ("venue_id", "3"),
            ("starts_at", "2026-12-31T20:00"),
            ("ends_at", ""),
            ("category_ids", "1, 2;3"),
        ]
    )
    args = arguments(form, controls, "America/New_York")
    assert args == {
        "name": "Gala",
        "venue_id": "3",
        "starts_at": "2026-12-31T20:00:00-05:00",
        "category_ids": ["1", "2", "3"],
    }
    registry.get("create_event").input_model.model_validate(args)  # the tool accepts them


def test_money_checkboxes_json_and_unchanged_values() -> None:
    tier = widgets(
        registry.get("update_ticket_tier").input_model, values={"price_cents": 2500, "name": "GA"}
    )
    form = FormData(
        [
            ("tier_id", "4"),
            ("price_amount", "$1,234.5"),
            ("orig.price_amount", "25.00"),
            ("name", "GA"),
            ("orig.name", "GA"),
        ]
    )
    assert arguments(form, tier) == {"tier_id": "4", "price_cents": 123450}
    cleared = FormData([("tier_id", "4"), ("description", ""), ("orig.description", "Old words")])
    assert arguments(cleared, tier) == {"tier_id": "4", "description": None}
    vip = widgets(registry.get("set_vip_status").input_model)
    assert arguments(FormData([("customer_id", "1")]), vip) == {"customer_id": "1", "vip": False}
    series = widgets(registry.get("create_recurring_event").input_model)
    parsed = arguments(
        FormData([("tiers", '[{"name": "GA", "price_cents": 100, "capacity": 5}]')]), series
    )
    assert parsed["tiers"] == [{"name": "GA", "price_cents": 100, "capacity": 5}]
    assert arguments(FormData([("tiers", "[not json")]), series)["tiers"] == "[not json"
    assert (
        widgets(registry.get("update_ticket_tier").input_model, values={"price_cents": 2500})[
            2
        ].value
        == "25.00"
    )
