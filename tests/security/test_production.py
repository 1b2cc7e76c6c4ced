"""Issue 12: `AITICKETS_ENV=production` refuses to start with the demo gateway, without
SITE_SECRET, or with an http:// public URL, and the error names the setting to fix."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from aitickets.production import UnsafeForProduction
from aitickets.settings import Settings
from tests.conftest import FixedClock

SAFE = {
    "env": "production",
    "stripe_secret_key": "sk_test_hardening_0123456789",
    "stripe_webhook_secret": "whsec_hardening_0123456789",
    "site_secret": "s" * 40,
    "public_base_url": "https://tickets.example.com",
}


@pytest.mark.parametrize(
    ("unsafe", "named"),
    [
        ({"stripe_secret_key": ""}, "STRIPE_SECRET_KEY"),
        ({"stripe_webhook_secret": ""}, "STRIPE_WEBHOOK_SECRET"),
        ({"site_secret": ""}, "SITE_SECRET"),
        ({"site_secret": "short"}, "SITE_SECRET"),
        ({"public_base_url": "http://tickets.example.com"}, "AITICKETS_PUBLIC_URL"),
    ],
)
def test_production_refuses_to_start_and_names_the_setting(
    settings: Settings, clock: FixedClock, unsafe: dict[str, str], named: str
) -> None:
    from web.app import create_app

    tuned = settings.model_copy(update={**SAFE, **unsafe})
    with pytest.raises(UnsafeForProduction) as refused:
        create_app(tuned, clock=clock, migrate_on_start=False)
    assert named in str(refused.value)
    assert len(refused.value.problems) == 1


def test_production_starts_when_every_setting_is_safe(
    settings: Settings, clock: FixedClock
) -> None:
    from web.app import create_app

    app = create_app(settings.model_copy(update=SAFE), clock=clock, migrate_on_start=False)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200


def test_development_still_starts_with_the_defaults(settings: Settings) -> None:
    assert settings.env == "development" and not settings.stripe_secret_key
    from aitickets.production import problems

    assert problems(settings) == []
    assert len(problems(settings.model_copy(update={"env": "production"}))) == 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_aitickets_serve_exits_saying_what_to_fix(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "aitickets"
    env = {
        **os.environ,
        "AITICKETS_ENV": "production",
        "AITICKETS_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/prod.db",
        "AITICKETS_PUBLIC_URL": "https://tickets.example.com",
        "SITE_SECRET": "s" * 40,
        "STRIPE_SECRET_KEY": "",
        "AITICKETS_WORKER": "0",
    }
    try:
        done = subprocess.run(
            [str(exe), "serve", "--host", "127.0.0.1", "--port", str(_free_port())],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the server started in production with the demo gateway")
    assert done.returncode != 0
    assert "STRIPE_SECRET_KEY" in done.stderr
    assert not (tmp_path / "prod.db").exists()  # refused before touching anything
