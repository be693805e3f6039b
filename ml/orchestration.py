"""What the Airflow DAGs call: one function per task, over the same steps as the CLI.

The DAG files in ``dags/`` stay thin (they are parsed every few seconds by the DAG processor):
each task imports this module inside its body and calls one function here. The functions add
only what a scheduler needs on top of the CLI's steps:

- settings from the same place as the CLI (:func:`ml.config.get_settings`), or the warehouse
  from an Airflow connection when ``PLPRED_WAREHOUSE_CONN_ID`` names one;
- an exception, not a summary, when a step did not do its whole job, so that the task fails
  (a partial ingest is kept file by file, but the run must show red and not publish its asset);
- a small JSON-able dict as the return value, so XComs show what each task did.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from ml.config import PostgresSettings, Settings, get_settings

WAREHOUSE_CONN_ENV = "PLPRED_WAREHOUSE_CONN_ID"
# The ledgers that score and bet write, and the dbt marts built on them (dbt selection syntax):
# everything downstream of the ML and betting sources, with the sources' own tests.
LEDGER_MARTS_SELECTION = "source:ml+ source:betting+"


class IngestFailed(RuntimeError):
    """Some file was refused or the warehouse failed: retrying the same input will not help."""


class DownloadFailed(IngestFailed):
    """Some file could not be fetched (after the fetcher's own retries): worth a later retry."""


# --- settings ------------------------------------------------------------------------------


def settings_from_connection(
    settings: Settings,
    *,
    conn_type: str,
    host: str | None = None,
    port: int | None = None,
    login: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Settings:
    """``settings`` with the warehouse of an Airflow connection.

    A ``postgres`` connection (``postgres://user:password@host:5432/plpred``, the database in
    its schema field) makes the target Postgres; a ``duckdb`` connection names the DuckDB file
    in its extra ``path`` (or host). Everything else (league, source, PLPRED_HOME) stays as the
    environment says, so the CLI and the DAGs still read one configuration.
    """
    kind = conn_type.lower()
    if kind in ("postgres", "postgresql"):
        base = settings.postgres
        postgres = PostgresSettings(
            host=host or base.host,
            port=int(port or base.port),
            user=login or base.user,
            password=password or "",
            dbname=schema or base.dbname,
        )
        return replace(settings, target="postgres", postgres=postgres)
    if kind == "duckdb":
        path = (extra or {}).get("path") or host
        if not path:
            raise ValueError("a duckdb connection needs the warehouse file in extra 'path'")
        return replace(settings, target="duckdb", duckdb_path_override=Path(path).expanduser())
    raise ValueError(f"warehouse connection type must be postgres or duckdb, got {conn_type!r}")


def task_settings(conn_id: str | None = None) -> Settings:
    """The CLI's settings, with the warehouse of an Airflow connection if one is configured.

    ``conn_id`` defaults to ``$PLPRED_WAREHOUSE_CONN_ID``; with neither, nothing is looked up.
    """
    settings = get_settings()
    conn_id = conn_id or os.environ.get(WAREHOUSE_CONN_ENV)
    if not conn_id:
        return settings
    from airflow.sdk import Connection

    conn = Connection.get(conn_id)
    return settings_from_connection(
        settings,
        conn_type=conn.conn_type,
        host=conn.host,
        port=conn.port,
        login=conn.login,
        password=conn.password,
        schema=conn.schema,
        extra=conn.extra_dejson,
    )


def task_console() -> Console:
    """Rich output as plain text on stdout, which Airflow keeps in the task's log."""
    return Console(file=sys.stdout, width=140, force_terminal=False, color_system=None)


# --- the steps -------------------------------------------------------------------------------


def ingest(seasons: str | None = None, *, settings: Settings | None = None) -> dict[str, Any]:
    """Load the configured league's seasons (default: all; completed ones come from the cache)
    and ``fixtures.csv`` into the raw tables.

    Raises :class:`DownloadFailed` when a file could not be fetched and :class:`IngestFailed`
    when one was refused or the warehouse failed; files loaded before stay loaded (one
    transaction per file), a failed file leaves no row but its ``raw.load_log`` entry.
    """
    from ml.ingest import run_ingest
    from ml.ingest.load import FAILED, LOADED, REFUSED, UNCHANGED

    settings = settings or task_settings()
    summary = run_ingest(
        settings,
        seasons=seasons or None,
        files=None,
        file_season=None,
        include_fixtures=True,
        console=task_console(),
    )
    outcome = {
        "loaded": summary.count(LOADED),
        "unchanged": summary.count(UNCHANGED),
        "refused": summary.count(REFUSED),
        "failed": summary.count(FAILED),
        "rows_loaded": summary.rows_loaded,
        "rows_rejected": summary.rows_rejected,
    }
    if summary.ok:
        return outcome
    problems = "; ".join(
        [*summary.errors, *(f"{f.source_file}: {f.message}" for f in summary.files if not f.ok)]
    )
    only_downloads = not summary.errors and all(
        f.status == FAILED for f in summary.files if not f.ok
    )
    error = DownloadFailed if only_downloads else IngestFailed
    raise error(f"ingest on {settings.target}: {summary.headline()}: {problems}")


def dbt_unit_tests(*, settings: Settings | None = None) -> dict[str, Any]:
    """dbt's unit tests (the SQL logic on fixed inputs), which cosmos renders no task for."""
    from ml.transform import run_dbt

    settings = settings or task_settings()
    summary = run_dbt(settings, ["test", "--select", "test_type:unit"], console=task_console())
    return {"counts": summary.counts, "seconds": round(summary.seconds, 1)}


def train(
    *,
    quick: bool = False,
    classifiers: Sequence[str] = ("logistic", "hgb"),
    goals_model: bool = True,
    eval_seasons: str | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Walk-forward evaluation, MLflow logging and the champion/challenger decision."""
    from ml.ingest.seasons import parse_seasons
    from ml.train import TrainConfig, run_train

    settings = settings or task_settings()
    config = TrainConfig(
        eval_seasons=tuple(s.label for s in parse_seasons(eval_seasons)) if eval_seasons else None,
        classifiers=tuple(c for c in classifiers if c),
        goals_model=goals_model,
        quick=quick,
    )
    result = run_train(settings, config=config, console=task_console())
    return {
        "run_id": result.run_id,
        "model_version": result.model_version,
        "selected": "/".join(result.selected),
        "decision": result.decision.decision,
        "training_data_end": result.training_data_end,
    }


def backtest(*, settings: Settings | None = None) -> dict[str, Any]:
    """Replay the latest walk-forward run through every strategy (once per run)."""
    from ml.betting.ledger import backtest as run_backtest

    settings = settings or task_settings()
    summary = run_backtest(settings, console=task_console())
    return {"source_run_id": summary.source_run_id, "backtests": len(summary.results)}


def score(*, settings: Settings | None = None) -> dict[str, Any]:
    """The champion predicts the matches after its training data that it has not scored.

    Without a champion yet (a fresh install, before the first training) there is nothing to
    do, which is not a failure: ``model`` is None and the DAG skips the task.
    """
    from ml import registry
    from ml.score import run_score

    settings = settings or task_settings()
    if registry.get_alias(settings, registry.CHAMPION) is None:
        return {"model": None, "scored": 0}
    result = run_score(settings, console=task_console())
    return {"model": f"{result.model_name} v{result.model_version}", "scored": result.n_scored}


def settle(*, settings: Settings | None = None) -> dict[str, Any]:
    """Settle bets whose match has a verdict; re-settle corrected results."""
    from ml.betting.ledger import settle as settle_bets

    settings = settings or task_settings()
    summary = settle_bets(settings, console=task_console())
    return {
        "settled": summary.new_settlements,
        "corrections": summary.corrections,
        "open": summary.open_bets,
    }


def place_bets(*, settings: Settings | None = None) -> dict[str, Any]:
    """Every strategy bets on the upcoming matches the champion has predicted."""
    from ml.betting.ledger import place_bets as place

    settings = settings or task_settings()
    summary = place(settings, console=task_console())
    return {"bets": len(summary.bets), "notes": list(summary.notes)}


def build_ledger_marts(*, settings: Settings | None = None) -> dict[str, Any]:
    """``dbt build`` of the marts on the predictions and betting ledgers, with their tests."""
    from ml.transform import build

    settings = settings or task_settings()
    summary = build(settings, select=LEDGER_MARTS_SELECTION, console=task_console())
    return {"counts": summary.invocations[0].counts}
