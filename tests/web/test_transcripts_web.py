"""`GET /api/voice/sessions` and `…/{session_id}/transcript` over HTTP (admin only, YAML by
default, JSON on request, a clear 404), and `aitickets transcripts list|export`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from aitickets.cli import main as cli_main
from aitickets.settings import Settings, get_settings
from evals.format import Transcript, load_file
from memory.transcripts import record_turn
from persistence.db import Database
from tests.conftest import NOW, auth


@pytest.fixture
def recorded(settings: Settings) -> str:
    """Two turns of session door/1 (a slash in the id: it must still be addressable)."""

    async def build() -> None:
        db = Database(settings.resolved_database_url)
        try:
            for position, (text, tool, arguments) in enumerate(
                [
                    ("Sarah Lee is here", "check_in_by_name", {"name": "Sarah Lee"}),
                    ("how many are in tonight?", "get_checkin_stats", {"event_id": 1}),
                ]
            ):
                await record_turn(
                    db,
                    session_id="door/1",
                    actor="door",
                    text=text,
                    reply={"speech": "done", "success": True, "tool": tool, "arguments": arguments},
                    latency_ms=3.0,
                    at=NOW.replace(minute=position),
                )
        finally:
            await db.dispose()

    asyncio.run(build())
    return "door/1"


def _staff_key(client: TestClient) -> str:
    created = client.post("/api/keys", json={"name": "door", "role": "staff"}, headers=auth())
    return str(created.json()["key"])


def test_only_admin_keys_reach_the_routes(client: TestClient, recorded: str) -> None:
    staff = _staff_key(client)
    for path in ("/api/voice/sessions", f"/api/voice/sessions/{recorded}/transcript"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth("wrong-key-123")).status_code == 401
        refused = client.get(path, headers=auth(staff))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_sessions_are_listed_with_counts_and_last_time(client: TestClient, recorded: str) -> None:
    response = client.get("/api/voice/sessions?limit=5", headers=auth())
    assert response.status_code == 200
    [session] = response.json()["sessions"]
    assert (session["session_id"], session["turns"]) == (recorded, 2)
    assert session["last_at"].startswith("2026-11-24T17:01:00")
    assert client.get("/api/voice/sessions?limit=oops", headers=auth()).status_code == 422


def test_transcript_is_yaml_the_evals_loader_reads(
    client: TestClient, recorded: str, tmp_path: Path
) -> None:
    response = client.get(f"/api/voice/sessions/{recorded}/transcript", headers=auth())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/yaml")
    assert 'filename="session-door-1.yaml"' in response.headers["content-disposition"]
    path = tmp_path / "export.yaml"
    path.write_text(response.text, encoding="utf-8")
    [transcript] = load_file(path)
    assert [t.say for t in transcript.turns] == ["Sarah Lee is here", "how many are in tonight?"]
    assert transcript.turns[0].expect.tool == "check_in_by_name"
    assert transcript.turns[1].expect.arguments == {"event_id": 1}


def test_transcript_as_json_and_category(client: TestClient, recorded: str) -> None:
    url = f"/api/voice/sessions/{recorded}/transcript?format=json&category=door"
    body = client.get(url, headers=auth()).json()
    assert (body["session_id"], body["turns"], body["role"]) == (recorded, 2, "staff")
    transcript = Transcript.model_validate(body["transcript"])
    assert transcript.category == "door"


def test_unknown_session_and_bad_format_are_clear_4xx(client: TestClient, recorded: str) -> None:
    missing = client.get("/api/voice/sessions/nobody/transcript", headers=auth())
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "No voice session 'nobody' was recorded."
    bad = client.get(f"/api/voice/sessions/{recorded}/transcript?format=xml", headers=auth())
    assert bad.status_code == 422 and "yaml" in bad.json()["error"]["message"]
    long_id = "x" * 200
    assert (
        client.get(f"/api/voice/sessions/{long_id}/transcript", headers=auth()).status_code == 422
    )


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI reads its settings from the environment, once per process."""
    monkeypatch.setenv("DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("AITICKETS_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no .env of the working tree
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()  # later tests must not see this test's database


def test_cli_lists_and_exports(
    cli_env: None, recorded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["transcripts", "list", "--limit", "3"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{recorded}\t2 turns\tlast 2026-11-24T17:01:00")
    assert cli_main(["transcripts", "export", recorded]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed[0]["turns"][0]["say"] == "Sarah Lee is here"
    out = tmp_path / "door.yaml"
    assert cli_main(["transcripts", "export", recorded, "-o", str(out)]) == 0
    assert load_file(out)[0].name == "session-door-1"
    assert cli_main(["transcripts", "export", "nobody"]) == 1
    assert "No voice session 'nobody'" in capsys.readouterr().err
