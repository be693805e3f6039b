"""Background jobs for the retraining actions: a step of the catalogue run as its own
``plpred`` command (``plpred monitor``, ``plpred train``) at the request's clock, in a child
process. The step writes the warehouse; the API process stays a reader (DuckDB admits one
writing process, and a process that reads a file may not also open it for writing), and a
job outlives a slow request. Jobs are kept in memory: a restart forgets them, not what their
steps wrote (``ops.step_runs`` has that)."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ml import clock
from ml.config import Settings

# The step each action runs, and the command that runs it alone (ml/orchestration/cli.py).
ACTIONS = {"check": "monitor", "force": "train"}


@dataclass
class Job:
    id: str
    kind: str
    step: str
    as_of: datetime
    command: list[str]
    state: str = "running"
    exit_code: int | None = None
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=40))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


def _plpred() -> str:
    """The ``plpred`` script of this environment (beside this interpreter)."""
    script = Path(sys.executable).with_name("plpred")
    return str(script) if script.exists() else "plpred"


def _environment(settings: Settings) -> dict[str, str]:
    import os

    env = {**os.environ, **settings.dbt_env(), "PLPRED_LEAGUE": settings.league}
    if settings.mlflow_tracking_uri_override:
        env["MLFLOW_TRACKING_URI"] = settings.mlflow_tracking_uri_override
    for secret in ("PLPRED_API_TOKEN", "PLPRED_AIRFLOW_PASSWORD", "PLPRED_AIRFLOW_TOKEN"):
        env.pop(secret, None)
    return env


class Jobs:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, kind: str, as_of: datetime, league: str, extra: list[str] | None = None) -> Job:
        step = ACTIONS[kind]
        stamp = clock.as_utc(as_of).strftime("%Y-%m-%dT%H:%MZ")
        command = [
            _plpred(),
            step,
            "--target",
            self.settings.target,
            "--as-of",
            stamp,
            *(extra or []),
        ]
        job = Job(f"job-{uuid.uuid4().hex[:12]}", kind, step, as_of, command)
        settings = self.settings.with_overrides(league=league)
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=_environment(settings),
        )
        with self._lock:
            self._jobs[job.id] = job
        threading.Thread(target=self._follow, args=(job, process), daemon=True).start()
        return job

    def _follow(self, job: Job, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip():
                job.lines.append(line.rstrip())
        code = process.wait()
        job.exit_code = code
        job.state = "succeeded" if code == 0 else "failed"

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)
