"""Application-level behaviour: health, JSON errors everywhere, the events page."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from aitickets.settings import Settings
from tests.conftest import FixedClock, auth
from web.app import create_app


def test_health_is_503_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    blocked = tmp_path / "is-a-directory.db"
    blocked.mkdir()
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{blocked}", _env_file=None)
    app = create_app(settings, clock=FixedClock(), migrate_on_start=False)
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] != "ok"


def test_server_creates_the_schema_of_an_empty_database(tmp_path: Path) -> None:
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/new.db", _env_file=None)
    with TestClient(create_app(settings, clock=FixedClock())) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
        assert client.get("/api/events").json()["total"] == 0


def test_wrong_method_is_a_json_405(client: TestClient) -> None:
    response = client.patch("/api/events", headers=auth())
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_events_page_lists_and_escapes(client: TestClient, settings: Settings) -> None:
    venue = client.post("/api/venues", json={"name": "Hall", "timezone": "UTC"}, headers=auth())
    client.post(
        "/api/events",
        headers=auth(),
        json={
            "name": "<script>alert(1)</script> Night",
            "venue_id": venue.json()["id"],
            "starts_at": "2026-11-25T20:00:00Z",
        },
    )
    page = client.get("/events")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Night" in page.text
    assert "<script>alert(1)</script>" not in page.text
    searched = client.get("/events", params={"q": '"><b>x'})
    assert '"><b>x' not in searched.text and "No upcoming events" in searched.text


def test_home_redirects_to_events(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/events"
