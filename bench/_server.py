"""Start `aitickets serve` on a fresh SQLite file (or a given DATABASE_URL) for a benchmark."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ADMIN_KEY = "bench-admin-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(
    database_url: str | None = None, *, prefix: list[str] | None = None
) -> Iterator[tuple[str, float]]:
    """Yields (base URL, seconds until /healthz answered 200)."""
    data = tempfile.mkdtemp(prefix="aitickets-bench-")
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url or f"sqlite+aiosqlite:///{data}/bench.db",
        AITICKETS_DATA_DIR=data,
        AITICKETS_API_KEY=ADMIN_KEY,
    )
    exe = [*(prefix or []), str(ROOT / ".venv/bin/aitickets"), "serve", "--port", str(port)]
    started = time.monotonic()
    proc = subprocess.Popen(
        exe,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(f"{data}/server.log", "w"),  # noqa: SIM115  (the server process owns it)
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                sys.exit(f"server exited: {Path(data, 'server.log').read_text()[-500:]}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.02)
        yield base, time.monotonic() - started
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
