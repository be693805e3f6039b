"""Fixtures of the API tests: a free loopback port and a real ``plpred api`` server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ml.config import PROJECT_ROOT, Settings

TOKEN = "test-token-7f3a"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(settings: Settings, token: str | None = TOKEN) -> dict[str, str]:
    env = {**os.environ, **settings.dbt_env(), "PLPRED_LEAGUE": settings.league}
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("PLPRED_API_TOKEN", None)
    for name in [n for n in env if n.startswith("PLPRED_AIRFLOW_")]:
        env.pop(name)  # the retraining actions run locally unless a test says otherwise
    if token:
        env["PLPRED_API_TOKEN"] = token
    return env


@contextmanager
def running_server(
    settings: Settings,
    log: Path,
    token: str | None = TOKEN,
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """``plpred api`` (uvicorn) on a free loopback port until the block ends; its stderr (the
    access log) goes to ``log``. ``extra_env`` adds to its environment (``PLPRED_AIRFLOW_*``)."""
    port = free_port()
    plpred = str(Path(sys.executable).with_name("plpred"))
    with log.open("w") as sink:
        process = subprocess.Popen(
            [plpred, "api", "--target", settings.target, "--port", str(port)],
            cwd=PROJECT_ROOT,
            env={**server_env(settings, token), **(extra_env or {})},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"plpred api exited: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"plpred api did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
