"""Site tools: branding, a buyer's own tickets, photo uploads, and the dashboard's magic-link
codes, sessions and figures."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from aitickets.errors import Forbidden, InvalidInput, NotFound, RateLimited
from persistence.db import Database
from persistence.models import DashboardCode, DomainEvent, Event, Message
from tests.conftest import Call, FixedClock
from tests.factories import make_event, make_tier
from tools.runner import ToolRunner
from tools.site import MAX_SIDE, photo_path, reencode_image

PHONE = "+15550100199"


def _png(size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 120)).save(
        out, format="PNG"
    )
    return out.getvalue()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def _buy(call: Call, db: Database, name: str = "Ann Lee") -> tuple[int, object]:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=0)
    order = await call(
        "purchase_tickets",
        as_="public",
        event_id=event_id,
        tier_id=tier_id,
        quantity=2,
        customer={"name": name, "email": "ann@example.com"},
    )
    return event_id, order


# --- branding ---------------------------------------------------------------------------------


async def test_branding_defaults_to_settings_and_cms_overrides_it(call: Call) -> None:
    default = await call("get_site_branding", as_="public")
    assert (default.name, default.color, default.logo_url) == ("AI Tickets", "#4f46e5", "")
    await call("update_site_branding", name="The Blue Room", color="#0F766E", logo_url="/logo.png")
    now = await call("get_site_branding", as_="public")
    assert (now.name, now.color, now.logo_url) == ("The Blue Room", "#0f766e", "/logo.png")
    await call("update_site_branding", logo_url="")
    assert (await call("get_site_branding", as_="public")).logo_url == ""


@pytest.mark.parametrize(
    "arguments",
    [
        {"color": "red;}</style><script>"},
        {"logo_url": "javascript:alert(1)"},
        {"logo_url": "//evil.example/x.png"},
        {},
    ],
)
async def test_branding_refuses_unsafe_values(call: Call, arguments: dict) -> None:
    with pytest.raises(InvalidInput):
        await call("update_site_branding", **arguments)


async def test_only_admins_change_branding(call: Call) -> None:
    with pytest.raises(Forbidden):
        await call("update_site_branding", as_="staff", name="Mine")


# --- my tickets -------------------------------------------------------------------------------


async def test_my_tickets_returns_only_that_orders_tickets(call: Call, db: Database) -> None:
    event_id, order = await _buy(call, db)
    tier_id = await make_tier(db, event_id, "Balcony", price_cents=0)
    other = await call(
        "purchase_tickets",
        as_="public",
        event_id=event_id,
        tier_id=tier_id,
        quantity=1,
        customer={"name": "Bob Ray", "email": "bob@example.com"},
    )
    mine = await call("get_my_tickets", as_="public", access_token=order.access_token)
    assert mine.event_name == "Jazz Night"
    assert [t.id for t in mine.tickets] == [t.id for t in order.tickets]
    assert {t.holder_name for t in mine.tickets} == {"Ann Lee"}
    assert other.tickets[0].id not in {t.id for t in mine.tickets}
    assert mine.tickets[0].qr_token == order.tickets[0].qr_token


async def test_my_tickets_unknown_or_malformed_token(call: Call) -> None:
    with pytest.raises(NotFound):
        await call("get_my_tickets", as_="public", access_token="x" * 32)
    with pytest.raises(InvalidInput):
        await call("get_my_tickets", as_="public", access_token="../../etc/passwd")


# --- photos -----------------------------------------------------------------------------------


def test_reencode_strips_metadata_and_scales_down() -> None:
    source = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    Image.new("RGB", (3000, 1500), (10, 20, 30)).save(source, format="JPEG", exif=exif)
    data, ext, width, height = reencode_image(source.getvalue(), 8_000_000)
    assert ext == "jpg"
    assert (width, height) == (MAX_SIDE, MAX_SIDE // 2)
    with Image.open(io.BytesIO(data)) as again:
        assert not again.getexif()


def test_reencode_keeps_transparency_as_png_and_gif_becomes_jpeg() -> None:
    assert reencode_image(_png(mode="RGBA"), 10**7)[1] == "png"
    gif = io.BytesIO()
    Image.new("P", (10, 10)).save(gif, format="GIF")
    assert reencode_image(gif.getvalue(), 10**7)[1] in ("jpg", "png")


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"<?php system($_GET['c']); ?>", "not a photo"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "could not be read"),
        (b"GIF89a<script>alert(1)</script>", "could not be read"),
    ],
)
def test_reencode_refuses_what_is_not_an_image(raw: bytes, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        reencode_image(raw, 10**7)


def test_reencode_refuses_oversized_files_and_pixel_bombs() -> None:
    with pytest.raises(InvalidInput, match="too large"):
        reencode_image(_png(), 50)
    bomb = io.BytesIO()
    Image.new("1", (8000, 8000)).save(bomb, format="PNG")  # a few KB, 64 megapixels
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(InvalidInput, match="too many pixels"):
        reencode_image(bomb.getvalue(), 10**7)


async def test_ticket_holder_uploads_and_gallery_lists(call: Call, db: Database, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, order = await _buy(call, db)
    photo = await call(
        "upload_event_photo",
        as_="public",
        access_token=order.access_token,
        image_base64=_b64(_png()),
        caption="<b>front row</b>",
    )
    name = photo.url.removeprefix("/photos/")
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name)
    stored = photo_path(settings, name)
    assert stored is not None and stored.read_bytes()[:3] == b"\xff\xd8\xff"
    assert photo.uploaded_by == "Ann"  # first name only
    listing = await call("list_event_photos", as_="public", event_id=event_id)
    assert [p.id for p in listing.photos] == [photo.id] and listing.total == 1
    assert listing.photos[0].caption == "<b>front row</b>"  # stored as text; pages escape it


async def test_upload_needs_a_real_order_and_valid_base64(call: Call, db: Database) -> None:
    _event_id, order = await _buy(call, db)
    with pytest.raises(NotFound):
        await call(
            "upload_event_photo", as_="public", access_token="y" * 30, image_base64=_b64(_png())
        )
    with pytest.raises(InvalidInput, match="base64"):
        await call(
            "upload_event_photo", as_="public", access_token=order.access_token, image_base64="@@@@"
        )


async def test_refunded_order_cannot_upload(call: Call, db: Database) -> None:
    _event_id, order = await _buy(call, db)
    await call("refund_order", as_="staff", order_id=order.order_id)
    with pytest.raises(InvalidInput, match="Only holders"):
        await call(
            "upload_event_photo",
            as_="public",
            access_token=order.access_token,
            image_base64=_b64(_png()),
        )


async def test_staff_remove_a_photo_and_its_file(call: Call, db: Database, settings) -> None:  # type: ignore[no-untyped-def]
    _event_id, order = await _buy(call, db)
    photo = await call(
        "upload_event_photo",
        as_="public",
        access_token=order.access_token,
        image_base64=_b64(_png()),
    )
    name = photo.url.removeprefix("/photos/")
    with pytest.raises(Forbidden):
        await call("remove_event_photo", as_="public", photo_id=photo.id)
    await call("remove_event_photo", as_="staff", photo_id=photo.id)
    assert photo_path(settings, name) is None  # the file is gone, not just the row
    with pytest.raises(NotFound):
        await call("remove_event_photo", as_="staff", photo_id=photo.id)


def test_photo_path_refuses_tricks(settings) -> None:  # type: ignore[no-untyped-def]
    for name in ("../aitickets.db", "..%2Faitickets.db", "a" * 32 + ".php", "/etc/passwd", ""):
        assert photo_path(settings, name) is None


# --- dashboard: access and codes --------------------------------------------------------------


async def _sms_codes(db: Database) -> list[str]:
    async with db.sessions() as s:
        bodies = (await s.scalars(select(Message.body).order_by(Message.id))).all()
    return [re.match(r"(\d{6}) ", b).group(1) for b in bodies]  # type: ignore[union-attr]


async def _signed_in(call: Call, db: Database) -> tuple[int, str]:
    event_id = await make_event(db)
    await call("grant_dashboard_access", as_="staff", event_id=event_id, phone="(555) 010-0199")
    await call("request_dashboard_code", as_="public", event_id=event_id, phone="555-010-0199")
    code = (await _sms_codes(db))[-1]
    out = await call(
        "confirm_dashboard_code", as_="public", event_id=event_id, phone=PHONE, code=code
    )
    assert out.confirmed and out.session_token
    return event_id, out.session_token


async def test_code_is_texted_to_an_allowed_phone_and_stored_hashed(
    call: Call, db: Database
) -> None:
    event_id = await make_event(db)
    await call(
        "grant_dashboard_access", as_="staff", event_id=event_id, phone=PHONE, name="Promoter"
    )
    out = await call("request_dashboard_code", as_="public", event_id=event_id, phone=PHONE)
    assert out.expires_in_minutes == 15
    async with db.sessions() as s:
        message = (await s.scalars(select(Message))).one()
        stored = (await s.scalars(select(DashboardCode))).one()
        events = (await s.scalars(select(DomainEvent))).all()
    assert message.channel == "sms" and message.to_address == PHONE
    code = (await _sms_codes(db))[0]
    assert f"/dashboard/{event_id}/login" in message.body
    assert stored.code_hash and code not in stored.code_hash and PHONE not in stored.phone_hash
    assert all(PHONE not in str(e.payload) and code not in str(e.payload) for e in events)


async def test_unknown_phone_gets_the_same_answer_and_no_text(call: Call, db: Database) -> None:
    event_id = await make_event(db)
    await call("grant_dashboard_access", as_="staff", event_id=event_id, phone=PHONE)
    allowed = await call("request_dashboard_code", as_="public", event_id=event_id, phone=PHONE)
    stranger = await call(
        "request_dashboard_code", as_="public", event_id=event_id, phone="+15550100777"
    )
    assert allowed.message == stranger.message
    assert len(await _sms_codes(db)) == 1


async def test_promoter_phone_on_the_event_may_sign_in(call: Call, db: Database) -> None:
    event_id = await make_event(db)
    async with db.unit_of_work() as s:
        (await s.get(Event, event_id)).promoter_phone = "555 010 0199"  # type: ignore[union-attr]
    await call("request_dashboard_code", as_="public", event_id=event_id, phone=PHONE)
    assert len(await _sms_codes(db)) == 1


async def test_codes_are_rate_limited_per_phone_and_requester(
    call: Call, db: Database, runner: ToolRunner
) -> None:
    event_id = await make_event(db)
    for _ in range(3):
        await call("request_dashboard_code", as_="public", event_id=event_id, phone=PHONE)
    with pytest.raises(RateLimited) as refused:
        await call("request_dashboard_code", as_="public", event_id=event_id, phone=PHONE)
    assert 1 <= refused.value.details["retry_after"] <= 15 * 60  # what is left of the window
    await runner.limits.reset()  # the window has passed
    await call("request_dashboard_code", as_="public", event_id=event_id, phone=PHONE)


async def test_a_code_works_once(call: Call, db: Database) -> None:
    event_id, _token = await _signed_in(call, db)
    code = (await _sms_codes(db))[-1]
    again = await call(
        "confirm_dashboard_code", as_="public", event_id=event_id, phone=PHONE, code=code
    )
    assert not again.confirmed and again.session_token is None


async def test_a_code_expires_after_15_minutes(call: Call, db: Database, clock: FixedClock) -> None:
    event_id = await make_event(db)
    await call("grant_dashboard_access", as_="staff", event_id=event_id, phone=PHONE)
    await call("request_dashboard_code", as_="public", event_id=event_id, phone=PHONE)
    clock.advance(minutes=15, seconds=1)
    code = (await _sms_codes(db))[-1]
    out = await call(
        "confirm_dashboard_code", as_="public", event_id=event_id, phone=PHONE, code=code
    )
    assert not out.confirmed


async def test_five_wrong_guesses_void_the_code(call: Call, db: Database) -> None:
    event_id = await make_event(db)
    await call("grant_dashboard_access", as_="staff", event_id=event_id, phone=PHONE)
    await call("request_dashboard_code", as_="public", event_id=event_id, phone=PHONE)
    code = (await _sms_codes(db))[-1]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        refused = await call(
            "confirm_dashboard_code", as_="public", event_id=event_id, phone=PHONE, code=wrong
        )
        assert not refused.confirmed
    late = await call(
        "confirm_dashboard_code", as_="public", event_id=event_id, phone=PHONE, code=code
    )
    assert not late.confirmed


async def test_code_must_be_six_digits(call: Call, db: Database) -> None:
    event_id = await make_event(db)
    for code in ("12345", "abcdef", "1234567"):
        with pytest.raises(InvalidInput):
            await call(
                "confirm_dashboard_code", as_="public", event_id=event_id, phone=PHONE, code=code
            )


async def test_access_tools_are_for_staff(call: Call, db: Database) -> None:
    event_id = await make_event(db)
    with pytest.raises(Forbidden):
        await call("grant_dashboard_access", as_="agent", event_id=event_id, phone=PHONE)
    await call("grant_dashboard_access", as_="staff", event_id=event_id, phone=PHONE)
    listed = await call("list_dashboard_access", as_="staff", event_id=event_id)
    assert [a.phone for a in listed.access] == [PHONE]
    with pytest.raises(Forbidden):
        await call("list_dashboard_access", as_="public", event_id=event_id)


# --- dashboard: sessions and figures ----------------------------------------------------------


async def test_session_opens_only_its_own_event(call: Call, db: Database) -> None:
    event_id, token = await _signed_in(call, db)
    other = await make_event(db, "Comedy")
    data = await call("get_event_dashboard", as_="public", event_id=event_id, session_token=token)
    assert data.event_id == event_id
    with pytest.raises(Forbidden):
        await call("get_event_dashboard", as_="public", event_id=other, session_token=token)
    with pytest.raises(Forbidden):
        await call("get_live_counts", as_="public", event_id=event_id)
    staff = await call("get_live_counts", as_="staff", event_id=other)
    assert staff.checked_in == 0


async def test_sessions_expire_and_revoking_access_ends_them(
    call: Call, db: Database, clock: FixedClock
) -> None:
    event_id, token = await _signed_in(call, db)
    await call("revoke_dashboard_access", as_="staff", event_id=event_id, phone=PHONE)
    with pytest.raises(Forbidden):
        await call("get_live_counts", as_="public", event_id=event_id, session_token=token)
    event2, token2 = await _signed_in(call, db)
    clock.advance(hours=12, seconds=1)
    with pytest.raises(Forbidden):
        await call("get_live_counts", as_="public", event_id=event2, session_token=token2)


async def test_dashboard_figures_follow_sales_and_check_ins(
    call: Call, db: Database, clock: FixedClock
) -> None:
    event_id = await make_event(db)
    tier = await make_tier(db, event_id, "GA", price_cents=2000, capacity=50)
    sale = await call(
        "purchase_tickets",
        as_="staff",
        event_id=event_id,
        tier_id=tier,
        quantity=3,
        customer={"name": "Cal Ng"},
        payment="cash",
    )
    clock.advance(hours=7, minutes=10)
    for ticket in sale.tickets[:2]:
        await call("check_in_ticket", as_="staff", qr_token=ticket.qr_token)
    data = await call("get_event_dashboard", as_="staff", event_id=event_id)
    assert (data.tickets_sold, data.capacity, data.checked_in) == (3, 50, 2)
    assert data.net_cents == 6000
    assert [(d.tickets, d.net_cents) for d in data.sales_by_day] == [(3, 6000)]
    assert [b.checked_in for b in data.checkins_by_time] == [2]
    assert data.checkins_by_time[0].at.minute % 15 == 0
    assert [(t.name, t.sold, t.checked_in) for t in data.tiers] == [("GA", 3, 2)]
    live = await call("get_live_counts", as_="staff", event_id=event_id)
    assert (live.checked_in, live.expected, live.tickets_sold) == (2, 3, 3)
    assert live.last_change_id == data.last_change_id > 0


async def test_dashboard_of_unknown_event_is_not_found(call: Call) -> None:
    with pytest.raises(NotFound):
        await call("get_event_dashboard", as_="staff", event_id=999)
