"""PostgreSQL fixtures: a throw-away database per test, and real server processes on it.

These tests are marked `postgres`; `.ci/run` runs them when PostgreSQL answers on 127.0.0.1:5432
(`make test-postgres`)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import psycopg
import pytest

from tests.conftest import ADMIN_KEY

PG_ADMIN = os.environ.get("AITICKETS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = "aitickets_test_" + uuid.uuid4().hex[:10]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server_process(database_url: str, data_dir: Path) -> Iterator[str]:
    """`aitickets serve` in a process of its own; yields its base URL once /healthz answers."""
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        AITICKETS_API_KEY=ADMIN_KEY,
        AITICKETS_DATA_DIR=str(data_dir),
    )
    log = open(data_dir / f"server-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "aitickets.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (data_dir / f"server-{port}.log").read_text()[-800:]
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "server did not become healthy"
            time.sleep(0.05)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
