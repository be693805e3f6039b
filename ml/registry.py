"""MLflow tracking and the model registry: one registered model per league, aliases not stages.

The champion/challenger rule is a pure function (:func:`decide_promotion`) so that it is
tested on its own; the rest is thin glue around the MLflow client.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ml.config import Settings

CHAMPION = "champion"
CHALLENGER = "challenger"

# Tags on a registered model version; score.py reads them back.
TAG_LABEL = "plpred.model_label"
TAG_TRAINING_END = "plpred.training_data_end"
TAG_DECISION = "plpred.champion_decision"
TAG_REASON = "plpred.champion_reason"
TAG_LEAGUE = "plpred.league"


def model_name(league: str) -> str:
    return f"plpred-{league}"


@dataclass(frozen=True)
class Decision:
    promote: bool
    decision: str
    reason: str


def decide_promotion(
    candidate: dict[str, float],
    champion: dict[str, float] | None,
    season: str,
) -> Decision:
    """A candidate replaces the champion only when it has a lower RPS on ``season``
    and a log loss no worse. ``candidate``/``champion`` hold ``rps`` and ``log_loss``."""
    if champion is None:
        return Decision(True, "first_champion", "there is no champion yet")
    c_rps, k_rps = candidate["rps"], champion["rps"]
    c_ll, k_ll = candidate["log_loss"], champion["log_loss"]
    if c_rps < k_rps and c_ll <= k_ll:
        return Decision(
            True,
            "promoted",
            f"on {season} the candidate's RPS {c_rps:.4f} beats the champion's {k_rps:.4f} "
            f"and its log loss {c_ll:.4f} is no worse than {k_ll:.4f}",
        )
    if c_rps >= k_rps:
        why = f"its RPS {c_rps:.4f} does not beat the champion's {k_rps:.4f}"
    else:
        why = f"its log loss {c_ll:.4f} is worse than the champion's {k_ll:.4f}"
    return Decision(False, "kept_champion", f"on {season} {why}; it stays challenger")


def configure(settings: Settings) -> str:
    """Point MLflow at the configured store and return the league's experiment id."""
    import mlflow

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    if settings.mlflow_tracking_uri_override is None:
        settings.mlflow_dir.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    name = model_name(settings.league)
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    artifact_location = (
        settings.mlflow_artifact_location if settings.mlflow_tracking_uri_override is None else None
    )
    return mlflow.create_experiment(name, artifact_location=artifact_location)


@dataclass(frozen=True)
class RegisteredVersion:
    name: str
    version: str
    run_id: str
    label: str
    training_data_end: str | None
    tags: dict[str, str]
    created_at: datetime | None = None


def _client():
    from mlflow import MlflowClient

    return MlflowClient()


def get_alias(settings: Settings, alias: str = CHAMPION) -> RegisteredVersion | None:
    """The version behind ``alias`` for the configured league, or None when there is none."""
    from mlflow.exceptions import MlflowException

    configure(settings)
    name = model_name(settings.league)
    try:
        mv = _client().get_model_version_by_alias(name, alias)
    except MlflowException:
        return None
    return RegisteredVersion(
        name=name,
        version=str(mv.version),
        run_id=mv.run_id,
        label=mv.tags.get(TAG_LABEL, ""),
        training_data_end=mv.tags.get(TAG_TRAINING_END),
        tags=dict(mv.tags),
        created_at=(
            datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC)
            if mv.creation_timestamp
            else None
        ),
    )


def run_metrics(run_id: str) -> dict[str, float]:
    return dict(_client().get_run(run_id).data.metrics)


def set_alias(name: str, alias: str, version: str) -> None:
    _client().set_registered_model_alias(name, alias, version)


def tag_version(name: str, version: str, tags: dict[str, Any]) -> None:
    client = _client()
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, str(value))


def load_champion(settings: Settings):
    """Load ``models:/plpred-<league>@champion`` as a pyfunc model."""
    import mlflow.pyfunc

    configure(settings)
    return mlflow.pyfunc.load_model(f"models:/{model_name(settings.league)}@{CHAMPION}")


def predictions_frame(model: Any, features: pd.DataFrame) -> pd.DataFrame:
    """Run a loaded pyfunc model; the output has p_home, p_draw, p_away (and goals if any)."""
    out = model.predict(features)
    return pd.DataFrame(out).reset_index(drop=True)
