"""MLflow tracking and the model registry: one registered model per league, aliases not stages.

The champion/challenger rule is a pure function (:func:`decide_promotion`) so that it is
tested on its own; the rest is thin glue around the MLflow client.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ml.config import Settings, machine_cache
from ml.warehouse.connection import WarehouseError

CHAMPION = "champion"
CHALLENGER = "challenger"

# Tags on a registered model version; score.py reads them back.
TAG_LABEL = "plpred.model_label"
TAG_TRAINING_END = "plpred.training_data_end"
TAG_DECISION = "plpred.champion_decision"
TAG_REASON = "plpred.champion_reason"
TAG_LEAGUE = "plpred.league"
# The clock (UTC, ISO) the version was trained or refitted at: its age is measured from it in
# replay time as in real time. A refit names the version it refits and keeps its config.
TAG_TRAINED_AS_OF = "plpred.trained_as_of"
TAG_REFIT_OF = "plpred.refit_of"
TAG_CONFIG = "plpred.train_config"
# On the league's experiment: the warehouse target whose runs and models the store holds.
TAG_TARGET = "plpred.target"


class RegistryError(WarehouseError):
    """The MLflow store belongs to another warehouse; the message says what to do."""


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
        _seed_store(settings)
    # MLflow also writes the URI into MLFLOW_TRACKING_URI, which ml.config reads as the user's
    # own choice: put back what the user had, or the next Settings of this process (another
    # target, another home) would inherit this store.
    users_choice = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    if users_choice is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = users_choice
    name = model_name(settings.league)
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is None:
        artifact_location = (
            settings.mlflow_artifact_location
            if settings.mlflow_tracking_uri_override is None
            else None
        )
        experiment_id = mlflow.create_experiment(
            name, artifact_location=artifact_location, tags={TAG_TARGET: settings.target}
        )
        return experiment_id
    _check_target(settings, name, experiment)
    return experiment.experiment_id


def _seed_store(settings: Settings) -> None:
    """A home's new SQLite store starts as a copy of an empty one made by this MLflow version
    and kept in the machine's cache (:func:`ml.config.machine_cache`): MLflow creates a store by
    running every schema migration from the first, about a second each time. The copy's
    Default experiment keeps its artifacts in the home, as the league experiments do. Nothing
    happens when the store exists or another process made it meanwhile."""
    import sqlite3

    import mlflow

    store = settings.mlflow_dir / "mlflow.db"
    if store.exists():
        return
    template = machine_cache() / "mlflow" / f"empty-store-mlflow-{mlflow.__version__}.db"
    if not template.is_file():
        _make_empty_store(template)
    partial = store.with_name(f".{store.name}.{os.getpid()}.partial")
    shutil.copyfile(template, partial)
    with closing(sqlite3.connect(partial)) as db, db:
        db.execute(
            "update experiments set artifact_location = ? where experiment_id = 0",
            [f"{settings.mlflow_artifact_location}/0"],
        )
    try:
        os.link(partial, store)  # fails if another process made the store first: keep theirs
    except FileExistsError:
        pass
    finally:
        partial.unlink()


def _make_empty_store(template: Path) -> None:
    """An empty store with MLflow's schema at ``template``, made aside and moved in whole."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    template.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=template.parent) as scratch:
        made = Path(scratch) / template.name
        store = SqlAlchemyStore(f"sqlite:///{made}", (Path(scratch) / "artifacts").as_uri())
        store.engine.dispose()
        os.replace(made, template)


def _check_target(settings: Settings, name: str, experiment: Any) -> None:
    """A champion counts for a warehouse only if that warehouse holds its training run. Each
    target has its own store under PLPRED_HOME (:attr:`Settings.mlflow_dir`); a store given
    with MLFLOW_TRACKING_URI is claimed by the first target that uses it, and another target
    is refused rather than handed the first one's champion. A store from before the claim
    (untagged) is claimed now."""
    owner = experiment.tags.get(TAG_TARGET)
    if owner is None:
        _client().set_experiment_tag(experiment.experiment_id, TAG_TARGET, settings.target)
        return
    if owner != settings.target:
        raise RegistryError(
            f"the MLflow store {settings.mlflow_tracking_uri} holds {name} of the {owner} "
            f"warehouse, not of {settings.target}: its champion was trained on the other "
            f"warehouse's data. Give the {settings.target} warehouse its own store (unset "
            "MLFLOW_TRACKING_URI to use one under PLPRED_HOME, or point it at another "
            "server or database)."
        )


@dataclass(frozen=True)
class RegisteredVersion:
    name: str
    version: str
    run_id: str
    label: str
    training_data_end: str | None
    tags: dict[str, str]
    created_at: datetime | None = None

    @property
    def trained_as_of(self) -> datetime | None:
        value = self.tags.get(TAG_TRAINED_AS_OF)
        return datetime.fromisoformat(value) if value else None


def _client():
    from mlflow import MlflowClient

    return MlflowClient()


def _registered(name: str, mv: Any) -> RegisteredVersion:
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


def get_alias(settings: Settings, alias: str = CHAMPION) -> RegisteredVersion | None:
    """The version behind ``alias`` for the configured league, or None when there is none."""
    from mlflow.exceptions import MlflowException

    configure(settings)
    # Stamped before the question: a write after it changes the stamp, never the answer kept.
    stamp = _store_stamp(settings)
    name = model_name(settings.league)
    try:
        found: RegisteredVersion | None = _registered(
            name, _client().get_model_version_by_alias(name, alias)
        )
    except MlflowException:
        found = None
    if stamp is not None:
        _write_cached(settings, alias, stamp, found)
    return found


# The due checks of every run ask who the champion is; answering through MLflow costs seconds
# (importing it, opening its store) in a run that may do nothing else. The answer is kept in a
# file beside the default SQLite store, stamped with the store's files (modification time,
# size and SQLite's change counter; the write-ahead log's too): any write to the store (a new version, an alias moved in
# the MLflow UI) changes the stamp and the next look asks MLflow again.
_ALIAS_CACHE = "aliases.json"


def _store_stamp(settings: Settings) -> list[list[Any]] | None:
    """The default store's files as (name, mtime_ns, size), or None for a store given with
    MLFLOW_TRACKING_URI (a server or a file this project does not own: always asked)."""
    if settings.mlflow_tracking_uri_override is not None:
        return None
    database = settings.mlflow_dir / "mlflow.db"
    stamp = []
    for path in (database, database.with_name(database.name + "-wal")):
        try:
            stat = path.stat()
            with path.open("rb") as file:
                # SQLite's file change counter (header bytes 24-27), which every committed
                # write transaction increments: the modification time alone is too coarse.
                header = file.read(28)[24:28].hex()
        except FileNotFoundError:
            continue
        stamp.append([path.name, stat.st_mtime_ns, stat.st_size, header])
    return stamp or None


def _cache_key(settings: Settings, alias: str) -> str:
    return f"{settings.target}/{model_name(settings.league)}@{alias}"


def _read_cached(settings: Settings, alias: str, stamp: list[list[Any]]) -> tuple[bool, Any]:
    try:
        entries = json.loads((settings.mlflow_dir / _ALIAS_CACHE).read_text())
    except (FileNotFoundError, ValueError):
        return False, None
    entry = entries.get(_cache_key(settings, alias))
    if not isinstance(entry, dict) or entry.get("stamp") != stamp:
        return False, None
    found = entry.get("version")
    if found is None:
        return True, None
    created = found.pop("created_at", None)
    return True, RegisteredVersion(
        **found, created_at=datetime.fromisoformat(created) if created else None
    )


def _write_cached(
    settings: Settings, alias: str, stamp: list[list[Any]], found: RegisteredVersion | None
) -> None:
    path = settings.mlflow_dir / _ALIAS_CACHE
    try:
        entries = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        entries = {}
    version = None
    if found is not None:
        version = asdict(found)
        version["created_at"] = found.created_at.isoformat() if found.created_at else None
    entries[_cache_key(settings, alias)] = {"stamp": stamp, "version": version}
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(entries, sort_keys=True))
    partial.replace(path)


def peek_alias(settings: Settings, alias: str = CHAMPION) -> RegisteredVersion | None:
    """:func:`get_alias` for checks that only read the answer: from the cache beside the
    default store while the store is unchanged, without importing MLflow. Code that goes on
    to use MLflow calls :func:`get_alias`, which also configures it."""
    stamp = _store_stamp(settings)
    if stamp is not None:
        hit, found = _read_cached(settings, alias, stamp)
        if hit:
            return found
    return get_alias(settings, alias)


def versions(settings: Settings) -> list[RegisteredVersion]:
    """Every registered version of the league's model, oldest first."""
    configure(settings)
    name = model_name(settings.league)
    found = _client().search_model_versions(f"name = '{name}'")
    return sorted((_registered(name, mv) for mv in found), key=lambda v: int(v.version))


def find_version(settings: Settings, tags: dict[str, str]) -> RegisteredVersion | None:
    """The newest version carrying all of ``tags``: a registration that an interrupted run
    made already (versions are registered with their tags in one call), to finish, not redo."""
    matching = [
        v for v in versions(settings) if all(v.tags.get(k) == str(x) for k, x in tags.items())
    ]
    return matching[-1] if matching else None


def register(run_model_uri: str, name: str, tags: dict[str, Any]) -> str:
    """Register a logged model as a new version of ``name`` with its tags, in one call."""
    import mlflow

    version = mlflow.register_model(
        run_model_uri, name, tags={key: str(value) for key, value in tags.items()}
    )
    return str(version.version)


def run_metrics(run_id: str) -> dict[str, float]:
    return dict(_client().get_run(run_id).data.metrics)


def set_alias(name: str, alias: str, version: str) -> None:
    _client().set_registered_model_alias(name, alias, version)


def tag_version(name: str, version: str, tags: dict[str, Any]) -> None:
    client = _client()
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, str(value))


def load_version(settings: Settings, version: str):
    """Load one registered version of the league's model as a pyfunc model (the API serves the
    version it found behind the champion alias, so a promotion between the look-up and the
    load cannot mix two versions)."""
    import mlflow.pyfunc

    configure(settings)
    return mlflow.pyfunc.load_model(f"models:/{model_name(settings.league)}/{version}")


def predictions_frame(model: Any, features: pd.DataFrame) -> pd.DataFrame:
    """Run a loaded pyfunc model; the output has p_home, p_draw, p_away (and goals if any)."""
    out = model.predict(features)
    return pd.DataFrame(out).reset_index(drop=True)
