"""Photo gallery uploads and the magic-link event dashboard, through the browser-facing pages."""

from __future__ import annotations

import io
import re
import sqlite3
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from tests.conftest import FixedClock, auth
from tests.web.test_pages import buy, csrf, world
from web import dashboard_pages

PHONE = "+15550100199"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _my_tickets(client: TestClient, settings) -> str:  # type: ignore[no-untyped-def]
    event_id, tier_id = world(settings)
    return buy(client, event_id, tier_id).headers["location"]


def _upload(client: TestClient, page: str, content: bytes, name: str = "me.png", **extra: Any):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf(client, page), "caption": "Front row", **extra}
    return client.post(
        f"{page}/photos",
        data=data,
        files={"photo": (name, content, "image/png")},
        follow_redirects=False,
    )


# --- photos -------------------------------------------------------------------------------------


def test_holder_uploads_a_photo_that_shows_in_the_gallery(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    page = _my_tickets(client, settings)
    response = _upload(client, page, _png())
    assert response.status_code == 303 and response.headers["location"].endswith("#photos")
    gallery = client.get("/photos").text
    url = re.search(r'src="(/photos/[0-9a-f]{32}\.jpg)"', gallery)
    assert url and "Front row" in gallery
    image = client.get(url.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"  # re-encoded, not the PNG that was sent
    assert url.group(1) in client.get("/events/1/photos").text
    assert "Thanks! Your photo" in client.get(page + "?uploaded=1").text


def test_upload_refuses_non_images_whatever_their_name(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    page = _my_tickets(client, settings)
    response = _upload(client, page, b"<html><script>alert(1)</script></html>", name="cat.png")
    assert response.status_code == 422 and "not a photo" in response.text
    assert "No photos yet" in client.get("/photos").text


def test_upload_needs_csrf_a_file_and_a_size_under_the_limit(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    page = _my_tickets(client, settings)
    no_token = client.post(f"{page}/photos", files={"photo": ("a.png", _png(), "image/png")})
    assert no_token.status_code == 403
    no_file = client.post(f"{page}/photos", data={"csrf_token": csrf(client, page)})
    assert no_file.status_code == 422 and "Choose a photo" in no_file.text
    limit = settings.photo_max_bytes
    huge = _upload(client, page, b"\x89PNG\r\n\x1a\n" + b"\0" * (limit + 200_000))
    assert huge.status_code == 413
    unknown = client.post("/my-tickets/" + "z" * 30 + "/photos", data={"csrf_token": "x"})
    assert unknown.status_code in (403, 404)


@pytest.mark.parametrize(
    "path", ["/photos/..%2Faitickets.db", "/photos/" + "a" * 32 + ".php", "/photos/nothing.jpg"]
)
def test_photo_files_have_no_path_tricks(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


# --- dashboard ----------------------------------------------------------------------------------


def _code(settings) -> str:  # type: ignore[no-untyped-def]
    """The code as the phone receives it: the outbox row itself (the admin listing hides it)."""
    conn = sqlite3.connect(settings.resolved_database_url.split("///", 1)[1])
    try:
        (body,) = conn.execute(
            "SELECT body FROM messages WHERE channel = 'sms' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return re.match(r"(\d{6}) ", body).group(1)  # type: ignore[union-attr]


def _sign_in(client: TestClient, settings) -> int:  # type: ignore[no-untyped-def]
    event_id, _tier = world(settings)
    granted = client.post(
        f"/api/events/{event_id}/dashboard-access", json={"phone": PHONE}, headers=auth()
    )
    assert granted.status_code == 201
    login = f"/dashboard/{event_id}/login"
    sent = client.post(login, data={"csrf_token": csrf(client, login), "phone": "555-010-0199"})
    assert sent.status_code == 200 and 'name="code"' in sent.text
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', sent.text).group(1)  # type: ignore[union-attr]
    verified = client.post(
        f"/dashboard/{event_id}/verify",
        data={"csrf_token": token, "phone": PHONE, "code": _code(settings)},
        follow_redirects=False,
    )
    assert verified.status_code == 303 and verified.headers["location"] == f"/dashboard/{event_id}"
    cookie = verified.headers["set-cookie"]
    assert "HttpOnly" in cookie and f"Path=/dashboard/{event_id}" in cookie
    return event_id


def test_magic_link_opens_the_dashboard_with_charts(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id = _sign_in(client, settings)
    tier = client.get(f"/api/events/{event_id}", headers=auth()).json()["tiers"][0]["id"]
    sale = client.post(
        f"/api/tickets/events/{event_id}/purchase",
        json={"tier_id": tier, "quantity": 2, "customer": {"name": "Cy"}, "payment": "comp"},
        headers=auth(),
    ).json()
    client.post(f"/api/tickets/validate/{sale['tickets'][0]['qr_token']}", headers=auth())
    page = client.get(f"/dashboard/{event_id}")
    assert page.status_code == 200
    assert page.text.count("<svg") == 2 and 'class="bar"' in page.text
    assert 'id="live-checked-in" aria-live="polite">1<' in page.text
    assert 'id="live-sold">2<' in page.text
    assert page.headers["cache-control"] == "no-store"


def test_dashboard_without_a_session_asks_to_sign_in(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, _ = world(settings)
    response = client.get(f"/dashboard/{event_id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/{event_id}/login"
    assert client.get("/dashboard/999/login").status_code == 404
    assert client.get(f"/dashboard/{event_id}/live").status_code == 403


def test_a_session_for_one_event_does_not_open_another(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id = _sign_in(client, settings)
    other, _ = world(settings, "Other show")
    cookie = client.cookies.get("aitickets_dashboard")
    assert cookie
    client.cookies.set("aitickets_dashboard", cookie, path=f"/dashboard/{other}")
    response = client.get(f"/dashboard/{other}", follow_redirects=False)
    assert response.status_code == 303
    stolen = client.get(f"/api/events/{other}/dashboard", params={"session_token": cookie})
    assert stolen.status_code == 403
    assert (
        client.get(
            f"/api/events/{event_id}/dashboard", params={"session_token": cookie}
        ).status_code
        == 200
    )


def test_wrong_code_is_refused_on_the_page(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, _ = world(settings)
    client.post(f"/api/events/{event_id}/dashboard-access", json={"phone": PHONE}, headers=auth())
    login = f"/dashboard/{event_id}/login"
    client.post(login, data={"csrf_token": csrf(client, login), "phone": PHONE})
    wrong = f"{(int(_code(settings)) + 1) % 10**6:06d}"
    refused = client.post(
        f"/dashboard/{event_id}/verify",
        data={"csrf_token": csrf(client, login), "phone": PHONE, "code": wrong},
    )
    assert refused.status_code == 401 and "wrong or has expired" in refused.text
    assert "aitickets_dashboard" not in refused.headers.get("set-cookie", "")
    malformed = client.post(
        f"/dashboard/{event_id}/verify",
        data={"csrf_token": csrf(client, login), "phone": PHONE, "code": "<b>"},
    )
    assert malformed.status_code == 422 and "<b>" not in malformed.text.split("<main")[1]


def test_code_requests_are_rate_limited_on_the_page(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id, _ = world(settings)
    login = f"/dashboard/{event_id}/login"
    token = csrf(client, login)
    statuses = [
        client.post(login, data={"csrf_token": token, "phone": PHONE}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert client.post(login, data={"phone": PHONE}).status_code == 403  # no CSRF token


def test_live_counter_streams_counts(client: TestClient, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(dashboard_pages, "LIVE_MAX_SECONDS", 0.05)
    monkeypatch.setattr(dashboard_pages, "LIVE_POLL_SECONDS", 0.01)
    event_id = _sign_in(client, settings)
    response = client.get(f"/dashboard/{event_id}/live")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "event: counts" in response.text
    data = re.search(r"data: (\{.*\})", response.text).group(1)  # type: ignore[union-attr]
    assert '"checked_in": 0' in data and PHONE not in response.text


def test_sign_out_forgets_the_session_cookie(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    event_id = _sign_in(client, settings)
    page = client.get(f"/dashboard/{event_id}")
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text).group(1)  # type: ignore[union-attr]
    out = client.post(
        f"/dashboard/{event_id}/sign-out", data={"csrf_token": token}, follow_redirects=False
    )
    assert out.status_code == 303
    assert (
        'aitickets_dashboard=""' in out.headers["set-cookie"]
        or "Max-Age=0" in out.headers["set-cookie"]
    )


def test_expired_code_cannot_sign_in(client: TestClient, settings, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    event_id, _ = world(settings)
    client.post(f"/api/events/{event_id}/dashboard-access", json={"phone": PHONE}, headers=auth())
    login = f"/dashboard/{event_id}/login"
    client.post(login, data={"csrf_token": csrf(client, login), "phone": PHONE})
    clock.advance(minutes=16)
    late = client.post(
        f"/dashboard/{event_id}/verify",
        data={"csrf_token": csrf(client, login), "phone": PHONE, "code": _code(settings)},
    )
    assert late.status_code == 401
