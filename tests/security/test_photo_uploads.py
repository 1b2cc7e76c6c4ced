"""Issue 12, finding 6: a gallery photo's access token (and the order's quota) is checked before
any decoding, size is checked before decoding too, and each ticket may add only so many photos."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

import tools.site
from aitickets.errors import Conflict, InvalidInput, NotFound
from persistence.db import Database
from tests.conftest import Call
from tests.factories import make_event, make_tier
from tools.runner import ToolRunner


def _png(size: tuple[int, int] = (60, 40)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 90)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every time an upload's image is decoded, the size of what was decoded."""
    seen: list[int] = []
    real = tools.site.reencode_image

    def spy(raw: bytes, max_bytes: int) -> Any:
        seen.append(len(raw))
        return real(raw, max_bytes)

    monkeypatch.setattr(tools.site, "reencode_image", spy)
    return seen


async def _order(call: Call, db: Database, quantity: int = 1) -> str:
    event_id = await make_event(db)
    tier_id = await make_tier(db, event_id, price_cents=0)
    sale = await call(
        "purchase_tickets",
        as_="public",
        event_id=event_id,
        tier_id=tier_id,
        quantity=quantity,
        customer={"name": "Pat Lee", "email": "pat@example.com"},
    )
    return str(sale.access_token)


async def test_a_made_up_token_is_refused_before_the_image_is_decoded(
    call: Call, decodes: list[int]
) -> None:
    big = _png((3000, 3000))  # a few kB on the wire, 27 MB once decoded
    for _ in range(3):
        with pytest.raises(NotFound):
            await call(
                "upload_event_photo",
                as_="public",
                access_token="Zz" + "0123456789abcdef" * 2,
                image_base64=big,
            )
    assert decodes == []  # was: decoded three times, then refused


async def test_an_oversized_photo_is_refused_before_decoding(
    call: Call, db: Database, decodes: list[int], runner: ToolRunner
) -> None:
    token = await _order(call, db)
    limit = runner.settings.photo_max_bytes
    too_big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * (limit + 10)).decode()
    with pytest.raises(InvalidInput, match="too large"):
        await call("upload_event_photo", as_="public", access_token=token, image_base64=too_big)
    assert decodes == []


async def test_each_ticket_may_add_only_so_many_photos(
    call: Call, db: Database, decodes: list[int], runner: ToolRunner
) -> None:
    per_ticket = runner.settings.photos_per_ticket
    token = await _order(call, db, quantity=2)
    for _ in range(2 * per_ticket):
        await call("upload_event_photo", as_="public", access_token=token, image_base64=_png())
    decoded = len(decodes)
    with pytest.raises(Conflict) as refused:
        await call("upload_event_photo", as_="public", access_token=token, image_base64=_png())
    assert refused.value.code == "photo_quota"
    assert len(decodes) == decoded  # the refusal decoded nothing
    listing = await call("list_event_photos", as_="public", limit=100)
    assert listing.total == 2 * per_ticket


async def test_an_upload_that_is_no_photo_is_refused_from_its_first_bytes(
    call: Call, db: Database, decodes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await _order(call, db)
    decoded: list[int] = []
    real = base64.b64decode

    def counting(data: Any, *args: Any, **kwargs: Any) -> bytes:
        decoded.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(tools.site.base64, "b64decode", counting)
    page = base64.b64encode(b"<html><script>alert(1)</script></html>" * 20_000).decode()
    with pytest.raises(InvalidInput, match="not a photo"):
        await call("upload_event_photo", as_="public", access_token=token, image_base64=page)
    assert decodes == [] and max(decoded, default=0) <= 16  # its first bytes, no more
