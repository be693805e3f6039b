"""What the API runs with: the warehouse settings, the write token, the clock and, when set,
the Airflow it triggers retraining through. Read from the environment once, when the app is
made (:func:`ApiConfig.from_env`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ml import clock
from ml.api.airflow import AirflowConfig
from ml.config import Settings

TOKEN_ENV = "PLPRED_API_TOKEN"
CORS_ENV = "PLPRED_API_CORS_ORIGINS"


@dataclass(frozen=True)
class ApiConfig:
    """``write_token`` None disables the write endpoints (403). ``now`` is the wall clock of
    the entry point (:func:`ml.clock.now`): a request without ``as_of`` runs at it, and it is
    the one place below the CLI where the API reads the time. ``cors_origins`` empty: no CORS
    headers (the default). ``airflow`` None: the retraining actions run their step as a local
    background job; set (``PLPRED_AIRFLOW_URL`` and its credentials), they trigger the DAG that
    runs it (:mod:`ml.api.airflow`)."""

    settings: Settings
    write_token: str | None = None
    now: Callable[[], datetime] = clock.now
    cors_origins: tuple[str, ...] = ()
    champion_ttl_seconds: float = 5.0
    airflow: AirflowConfig | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, settings: Settings, **overrides: object) -> ApiConfig:
        token = os.environ.get(TOKEN_ENV) or None
        origins = tuple(o.strip() for o in (os.environ.get(CORS_ENV) or "").split(",") if o.strip())
        values: dict[str, object] = {
            "settings": settings,
            "write_token": token,
            "cors_origins": origins,
            "airflow": AirflowConfig.from_env(dict(os.environ)),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
