"""The retraining actions through Airflow: a DAG run triggered with Airflow 3's REST API
(``POST /api/v2/dags/{dag_id}/dagRuns``), when ``PLPRED_AIRFLOW_URL`` names an Airflow API
server (:class:`AirflowConfig`, read by :meth:`ml.api.config.ApiConfig.from_env`).

The run's logical date is the request's clock: the DAGs' tasks take their clock from it
(:func:`ml.orchestration.tasks.clock_of`), as ``plpred <step> --as-of`` does. Authentication is a
bearer JWT: either given (``PLPRED_AIRFLOW_TOKEN``) or obtained from the auth manager's
``POST /auth/token`` with ``PLPRED_AIRFLOW_USERNAME`` and ``PLPRED_AIRFLOW_PASSWORD``, kept
while Airflow accepts it and fetched again once when it does not (it expires).

What Airflow answers becomes the API's own JSON errors (:class:`ml.api.errors.ApiError`):
503 when it cannot be reached, 502 when it refuses (credentials, a DAG it does not know, a
run it will not create), 409 when a run of that DAG exists already at that logical date. The
details name Airflow's URL, the request and its status, never a password or a token.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from ml import clock
from ml.api.errors import ApiError

URL_ENV = "PLPRED_AIRFLOW_URL"
USERNAME_ENV = "PLPRED_AIRFLOW_USERNAME"
PASSWORD_ENV = "PLPRED_AIRFLOW_PASSWORD"
TOKEN_ENV = "PLPRED_AIRFLOW_TOKEN"
TIMEOUT_SECONDS = 10.0

# The DAG each retraining action triggers, and the conf it carries besides the action's own.
# `check` runs the monitor step, which lives in plpred_score_and_bet (score, settle, monitor,
# request_retrain, bet, marts, report): the whole DAG runs at the clock, as its daily run does,
# and a retrain the monitor decides schedules plpred_train through the plpred_retrain_requested
# asset. `force` runs plpred_train with force_train (its train step runs whatever the policy
# says), then refit, backtest and publish, which schedules plpred_score_and_bet.
DAGS = {"check": "plpred_score_and_bet", "force": "plpred_train"}


@dataclass(frozen=True)
class AirflowConfig:
    """An Airflow API server and how to authenticate to it. ``repr`` hides the secrets."""

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    timeout: float = TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", self.url.rstrip("/"))
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"{URL_ENV} must be an http(s) URL, not {self.url!r}")
        if self.token:
            return
        if not (self.username and self.password):
            raise ValueError(
                f"{URL_ENV} is set: set {TOKEN_ENV}, or both {USERNAME_ENV} and {PASSWORD_ENV}"
            )

    @classmethod
    def from_env(cls, environ: dict[str, str]) -> AirflowConfig | None:
        url = (environ.get(URL_ENV) or "").strip()
        if not url:
            return None
        return cls(
            url=url,
            username=environ.get(USERNAME_ENV) or None,
            password=environ.get(PASSWORD_ENV) or None,
            token=environ.get(TOKEN_ENV) or None,
        )

    def run_url(self, dag_id: str, run_id: str) -> str:
        """The run's page in Airflow's UI (served by the same API server)."""
        return f"{self.url}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"

    def run_api_url(self, dag_id: str, run_id: str) -> str:
        return f"{self.url}/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"


@dataclass(frozen=True)
class TriggeredRun:
    dag_id: str
    dag_run_id: str
    logical_date: datetime
    state: str
    conf: dict[str, Any]
    url: str
    api_url: str


def _airflow_message(response: httpx.Response) -> str:
    """Airflow's own words for a refusal (its ``detail``), short; never the request's headers."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or ""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        detail = detail.get("reason") or detail.get("message")
    elif isinstance(detail, list):  # a validation error: the fields and what is wrong
        detail = "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', []))}: {item.get('msg')}"
            for item in detail
            if isinstance(item, dict)
        )
    return str(detail or response.reason_phrase or "")[:300]


class Airflow:
    """A small client of one Airflow API server: trigger a DAG run, read one back."""

    def __init__(self, config: AirflowConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        self._client = httpx.Client(
            base_url=config.url, timeout=config.timeout, transport=transport
        )
        self._token = config.token
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    # --- authentication -----------------------------------------------------------------------

    def _login(self) -> str:
        path = "/auth/token"
        response = self._send(
            "POST",
            path,
            json={
                "username": self.config.username,
                "password": self.config.password,
            },
        )
        if response.status_code not in (200, 201):
            raise ApiError(
                502,
                "airflow_auth_failed",
                f"Airflow at {self.config.url} refused the credentials of user "
                f"{self.config.username!r}: POST {path} answered {response.status_code} "
                f"({_airflow_message(response)}); check {USERNAME_ENV} and {PASSWORD_ENV}",
            )
        try:
            token = response.json().get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            raise ApiError(
                502,
                "airflow_auth_failed",
                f"Airflow at {self.config.url}: POST {path} answered {response.status_code} "
                "without an access_token (is it Airflow 3's API server?)",
            )
        return str(token)

    def _bearer(self, *, renew: bool = False) -> str:
        with self._lock:
            if self._token is None or (renew and self.config.username):
                self._token = self._login()
            return self._token

    # --- requests ------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiError(
                503,
                "airflow_unreachable",
                f"Airflow at {self.config.url} did not answer {method} {path}: "
                f"{type(exc).__name__} ({exc}); is its api-server running and {URL_ENV} right?",
                headers={"Retry-After": "10"},
            ) from exc

    def _authorized(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The request with the bearer token; once more with a new token when Airflow refuses
        one obtained from the credentials (it has expired, or Airflow restarted with a new
        secret)."""
        response = self._send(
            method, path, headers={"Authorization": f"Bearer {self._bearer()}"}, **kwargs
        )
        if response.status_code in (401, 403) and self.config.username and self.config.password:
            token = self._bearer(renew=True)
            response = self._send(
                method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
            )
        return response

    def _refused(self, method: str, path: str, response: httpx.Response, dag_id: str) -> ApiError:
        status = response.status_code
        said = f"{method} {path} answered {status} ({_airflow_message(response)})"
        where = f"Airflow at {self.config.url}"
        if status in (401, 403):
            who = (
                f"user {self.config.username!r}"
                if self.config.username
                else f"the token of {TOKEN_ENV}"
            )
            return ApiError(
                502,
                "airflow_auth_failed",
                f"{where} refused {who}: {said}; check the credentials and that they may "
                f"trigger {dag_id}",
            )
        if status == 404:
            return ApiError(
                502,
                "airflow_dag_not_found",
                f"{where} does not know the DAG {dag_id}: {said}; its DAGs folder must be this "
                "project's dags/, parsed at least once (the DAG processor, or `airflow dags "
                "reserialize`)",
            )
        return ApiError(502, "airflow_refused", f"{where} refused to run {dag_id}: {said}")

    def trigger(
        self, dag_id: str, logical_date: datetime, conf: dict[str, Any], note: str | None = None
    ) -> TriggeredRun:
        """A new run of ``dag_id`` at ``logical_date`` (aware) with ``conf``, queued for the
        scheduler."""
        path = f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns"
        body: dict[str, Any] = {
            "logical_date": clock.as_utc(logical_date).isoformat(),
            "conf": conf,
        }
        if note:
            body["note"] = note
        response = self._authorized("POST", path, json=body)
        if response.status_code == 409:
            raise ApiError(
                409,
                "airflow_run_exists",
                f"Airflow at {self.config.url} already has a run of {dag_id} at logical date "
                f"{body['logical_date']}: POST {path} answered 409 "
                f"({_airflow_message(response)}); one run per DAG and clock, see "
                f"{self.config.url}/dags/{dag_id}/runs",
            )
        if response.status_code not in (200, 201):
            raise self._refused("POST", path, response, dag_id)
        run = response.json()
        return TriggeredRun(
            dag_id=run["dag_id"],
            dag_run_id=run["dag_run_id"],
            logical_date=datetime.fromisoformat(run["logical_date"].replace("Z", "+00:00")),
            state=str(run.get("state") or "queued"),
            conf=run.get("conf") or {},
            url=self.config.run_url(run["dag_id"], run["dag_run_id"]),
            api_url=self.config.run_api_url(run["dag_id"], run["dag_run_id"]),
        )
