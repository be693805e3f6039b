"""The retraining actions through a real Airflow (issue 15: "with Airflow configured they
trigger the DAG through Airflow's REST API"): an ``airflow api-server`` of this environment on
a loopback port, with a SQLite metadata database in a temporary AIRFLOW_HOME, this project's
dags/ serialized into it (``airflow dags reserialize``; no DAG processor, no scheduler: the
runs are created, queued, and stay so), and the simple auth manager with known users.

Through a real ``plpred api`` configured from ``PLPRED_AIRFLOW_*`` and through the test client,
``POST /v1/retraining/force`` and ``/check`` create DAG runs that Airflow's REST API then shows
at the request's clock with the right conf; Airflow's refusals and absence become the API's
JSON errors naming Airflow's URL and never a secret."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ml import clock
from ml.api import ApiConfig, create_app
from ml.api.airflow import Airflow, AirflowConfig
from ml.api.errors import ApiError
from ml.config import PROJECT_ROOT, Settings
from tests.api.conftest import TOKEN, free_port, running_server
from tests.api.league import League, build_league_apart

pytestmark = [pytest.mark.slow]

AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The simple auth manager's users: a "user" may trigger DAG runs, a "viewer" may only look.
USER, PASSWORD = "plpred", "airflow-pass-4c1e"
VIEWER, VIEWER_PASSWORD = "watcher", "viewer-pass-9d2b"


class RunningAirflow:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log

    def wait_until_healthy(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"Airflow exited: {self.log.read_text()[-3000:]}")
            try:
                health = httpx.get(f"{self.url}/api/v2/monitor/health", timeout=2)
                if health.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Airflow did not start: {self.log.read_text()[-3000:]}")
            time.sleep(0.3)

    def token(self, username: str = USER, password: str = PASSWORD) -> str:
        response = httpx.post(
            f"{self.url}/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 201, response.text
        return response.json()["access_token"]

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        response = httpx.get(
            f"{self.url}/api/v2/dags/{dag_id}/dagRuns/{run_id}",
            headers={"Authorization": f"Bearer {self.token()}"},
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def airflow_started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAirflow]:
    """Airflow's metadata database, the DAGs serialized into it, then its API server: one
    chain of commands started now, so that it gets ready while the warehouse is built."""
    home = tmp_path_factory.mktemp("airflow_home")
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD, VIEWER: VIEWER_PASSWORD}))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:user,{VIEWER}:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API__BASE_URL": url,
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "true",
    }
    airflow = [sys.executable, "-m", "airflow"]
    chain = " && ".join(
        [
            subprocess.list2cmdline([*airflow, "db", "migrate"]),
            subprocess.list2cmdline([*airflow, "dags", "reserialize"]),
            "exec "
            + subprocess.list2cmdline(
                [*airflow, "api-server", "--host", "127.0.0.1", "--port", str(port)]
                + ["--apps", "core", "--workers", "1"]
            ),
        ]
    )
    log = home / "airflow.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["sh", "-c", chain],
            cwd=home,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the server and its workers
        )
    try:
        yield RunningAirflow(url, process, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def league(airflow_started: RunningAirflow, tmp_path_factory: pytest.TempPathFactory) -> League:
    """A warehouse that knows the league (the actions check it): ingest and transform only."""
    root = tmp_path_factory.mktemp("api_airflow_duckdb")
    (root / "home").mkdir()
    return build_league_apart(Settings(home=root / "home", target="duckdb"), root, models=False)


@pytest.fixture(scope="module")
def airflow(airflow_started: RunningAirflow, league: League) -> RunningAirflow:
    airflow_started.wait_until_healthy()
    return airflow_started


def _stamp(moment: datetime) -> str:
    return clock.as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _client(league: League, airflow: AirflowConfig) -> TestClient:
    config = ApiConfig(settings=league.settings, write_token=TOKEN, airflow=airflow)
    return TestClient(create_app(config), raise_server_exceptions=False)


def _error(response: httpx.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert "Traceback" not in response.text
    return body["detail"]


def test_force_and_check_trigger_the_dags_at_the_clock_through_a_real_server(
    airflow: RunningAirflow, league: League, tmp_path: Path
) -> None:
    as_of = league.clock + timedelta(hours=9)
    env = {
        "PLPRED_AIRFLOW_URL": airflow.url + "/",
        "PLPRED_AIRFLOW_USERNAME": USER,
        "PLPRED_AIRFLOW_PASSWORD": PASSWORD,
    }
    log = tmp_path / "api.log"
    with (
        running_server(league.settings, log, extra_env=env) as base,
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        forced = http.post(
            "/v1/retraining/force",
            params={"as_of": _stamp(as_of), "quick": "true"},
            headers=AUTH,
        )
        assert forced.status_code == 202, forced.text
        body = forced.json()
        assert (body["runner"], body["kind"], body["step"], body["dag_id"]) == (
            "airflow",
            "force",
            "train",
            "plpred_train",
        )
        assert body["conf"] == {"force_train": True, "quick": True}
        assert body["state"] == "queued"
        assert datetime.fromisoformat(body["logical_date"]) == as_of
        assert body["url"].startswith(f"{airflow.url}/dags/plpred_train/runs/")
        assert httpx.get(body["url"]).status_code == 200  # the UI serves the run's page

        run = airflow.dag_run("plpred_train", body["dag_run_id"])
        assert datetime.fromisoformat(run["logical_date"].replace("Z", "+00:00")) == as_of
        assert run["conf"] == {"force_train": True, "quick": True}
        assert (run["state"], run["run_type"], run["triggered_by"]) == (
            "queued",
            "manual",
            "rest_api",
        )
        assert run["triggering_user_name"] == USER
        assert forced.headers["X-Request-ID"] in run["note"]

        # The same action at the same clock: Airflow has that run already.
        again = http.post("/v1/retraining/force", params={"as_of": _stamp(as_of)}, headers=AUTH)
        detail = _error(again, 409, "airflow_run_exists")
        assert airflow.url in detail and "409" in detail

        checked = http.post("/v1/retraining/check", params={"as_of": _stamp(as_of)}, headers=AUTH)
        assert checked.status_code == 202, checked.text
        body = checked.json()
        assert (body["runner"], body["step"], body["dag_id"]) == (
            "airflow",
            "monitor",
            "plpred_score_and_bet",
        )
        run = airflow.dag_run("plpred_score_and_bet", body["dag_run_id"])
        assert datetime.fromisoformat(run["logical_date"].replace("Z", "+00:00")) == as_of
        assert run["conf"] == {}

        # Still a 422 for a league the warehouse does not know, before Airflow is asked.
        _error(
            http.post("/v1/retraining/check", params={"league": "XX"}, headers=AUTH),
            422,
            "unknown_league",
        )
    assert PASSWORD not in log.read_text()


def test_a_given_bearer_token_triggers_too(airflow: RunningAirflow, league: League) -> None:
    as_of = league.clock + timedelta(hours=10)
    config = AirflowConfig(url=airflow.url, token=airflow.token())
    with _client(league, config) as client:
        response = client.post(
            "/v1/retraining/force", params={"as_of": _stamp(as_of)}, headers=AUTH
        )
    assert response.status_code == 202, response.text
    run = airflow.dag_run("plpred_train", response.json()["dag_run_id"])
    assert run["conf"] == {"force_train": True, "quick": False}
    assert datetime.fromisoformat(run["logical_date"].replace("Z", "+00:00")) == as_of


def test_airflows_refusals_and_absence_are_clear_errors(
    airflow: RunningAirflow, league: League
) -> None:
    wrong = AirflowConfig(url=airflow.url, username=USER, password="not-the-password")
    with _client(league, wrong) as client:
        response = client.post("/v1/retraining/check", headers=AUTH)
    detail = _error(response, 502, "airflow_auth_failed")
    assert airflow.url in detail and "401" in detail and "/auth/token" in detail
    assert "not-the-password" not in response.text

    viewer = AirflowConfig(url=airflow.url, username=VIEWER, password=VIEWER_PASSWORD)
    with _client(league, viewer) as client:
        response = client.post("/v1/retraining/force", headers=AUTH)
    detail = _error(response, 502, "airflow_auth_failed")
    assert airflow.url in detail and "403" in detail and "plpred_train" in detail

    bad_token = AirflowConfig(url=airflow.url, token="not-a-jwt-5e7f")
    with _client(league, bad_token) as client:
        response = client.post("/v1/retraining/force", headers=AUTH)
    detail = _error(response, 502, "airflow_auth_failed")
    assert "PLPRED_AIRFLOW_TOKEN" in detail and "not-a-jwt-5e7f" not in response.text

    nobody = f"http://127.0.0.1:{free_port()}"
    with _client(league, AirflowConfig(url=nobody, token="t")) as client:
        response = client.post("/v1/retraining/check", headers=AUTH)
    assert nobody in _error(response, 503, "airflow_unreachable")
    assert response.headers["Retry-After"] == "10"

    client = Airflow(AirflowConfig(url=airflow.url, username=USER, password=PASSWORD))
    try:
        with pytest.raises(ApiError) as refused:
            client.trigger("plpred_no_such_dag", league.clock, {})
    finally:
        client.close()
    assert (refused.value.status, refused.value.error) == (502, "airflow_dag_not_found")
    assert "404" in refused.value.detail and airflow.url in refused.value.detail


def test_the_airflow_settings_come_from_the_environment() -> None:
    assert AirflowConfig.from_env({}) is None
    config = AirflowConfig.from_env(
        {"PLPRED_AIRFLOW_URL": "http://af:8080/", "PLPRED_AIRFLOW_TOKEN": "secret-token"}
    )
    assert config is not None and config.url == "http://af:8080"
    assert "secret-token" not in repr(config)
    with pytest.raises(ValueError, match="PLPRED_AIRFLOW_PASSWORD"):
        AirflowConfig.from_env(
            {"PLPRED_AIRFLOW_URL": "http://af:8080", "PLPRED_AIRFLOW_USERNAME": "u"}
        )
