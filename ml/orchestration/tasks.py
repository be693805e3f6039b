"""What the Airflow DAG tasks call: one step of the catalogue (:mod:`ml.orchestration.steps`) each.

The DAG files in ``dags/`` stay thin (they are parsed every few seconds by the DAG processor):
each task imports this module inside its body and calls :func:`run_step` with the step's name,
so a DAG task and ``plpred run`` execute the same function. On top of the step this adds only
what a scheduler needs:

- settings from the same place as the CLI (:func:`ml.config.get_settings`), or the warehouse
  from an Airflow connection when ``PLPRED_WAREHOUSE_CONN_ID`` names one;
- the clock: a DAG run's logical date, else the clock carried by the asset event that
  triggered it (``extra["as_of"]``), else the run's ``run_after``; so a backfill over snapshot
  dates is a replay through Airflow;
- an exception, not a summary, when a step did not do its whole job, so that the task fails;
  a skip (``AirflowSkipException``) when the step had nothing to do and nothing downstream
  should be scheduled;
- a small JSON-able dict as the return value, so XComs show what each task did.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO

from rich.console import Console

from ml import clock
from ml.config import PostgresSettings, Settings, get_settings

WAREHOUSE_CONN_ENV = "PLPRED_WAREHOUSE_CONN_ID"
# DuckDB allows one writer process at a time: one pool, shared by every DAG's writing tasks.
# `plpred airflow` creates it with one slot; on Postgres it may have more (docs/airflow.md).
WAREHOUSE_POOL = "plpred_warehouse"
# Steps whose "nothing changed" must skip the task, so that no asset event schedules more work.
_SKIP_WHEN_UNCHANGED = frozenset({"ingest"})


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
    from ml.ingest.leagues import LEAGUES

    if settings.league not in LEAGUES:
        # PLPRED_LEAGUE may list the DAGs' default leagues (E0,E1) or say all: a task's own
        # league comes from its mapping; the steps that run once for all leagues need none.
        known = [code for code in default_leagues() if code in LEAGUES]
        settings = replace(settings, league=known[0] if known else "E0")
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


def task_console(file: TextIO | None = None) -> Console:
    """Rich output as plain text on stdout (or ``file``), which Airflow keeps in the task's log."""
    return Console(file=file or sys.stdout, width=140, force_terminal=False, color_system=None)


# --- the clock --------------------------------------------------------------------------------


def clock_of(context: Mapping[str, Any] | None) -> datetime:
    """The clock of a task: its DAG run's logical date, else the latest ``as_of`` carried by
    the asset events that triggered the run, else the run's ``run_after`` (else now)."""
    if not context:
        return clock.now()
    logical = context.get("logical_date")
    if logical is not None:
        return clock.as_utc(logical)
    carried = []
    for events in (context.get("triggering_asset_events") or {}).values():
        for event in events:
            value = (getattr(event, "extra", None) or {}).get("as_of")
            if value:
                carried.append(datetime.fromisoformat(value))
    if carried:
        return clock.as_utc(max(carried))
    dag_run = context.get("dag_run")
    run_after = getattr(dag_run, "run_after", None)
    return clock.as_utc(run_after) if run_after is not None else clock.now()


# --- the leagues ---------------------------------------------------------------------------

LEAGUES_PARAM = "leagues"


def default_leagues() -> list[str]:
    """The DAGs' ``leagues`` param by default: ``PLPRED_LEAGUE`` (a code, a comma list, or
    ``all``), else ``["E0"]``. Read when the DAG file is parsed; a run may pass its own."""
    text = os.environ.get("PLPRED_LEAGUE") or "E0"
    return [code.strip() for code in text.split(",") if code.strip()]


def leagues_of(context: Mapping[str, Any] | None, *, from_source: bool = False) -> list[str]:
    """The leagues a DAG run maps its per-league tasks over: those carried by the asset events
    that triggered it (``extra["leagues"]``, so the chain keeps the leagues its ingest ran
    for), else the run's ``leagues`` param; ``all`` resolved against the source
    (``from_source``, for ingest) or the warehouse. An unknown code fails the task naming it."""
    from ml.ingest.leagues import resolve_leagues

    carried: dict[str, None] = {}
    for events in ((context or {}).get("triggering_asset_events") or {}).values():
        for event in events:
            for code in (getattr(event, "extra", None) or {}).get(LEAGUES_PARAM) or ():
                carried[code] = None
    params = (context or {}).get("params") or {}
    wanted = list(carried) or params.get(LEAGUES_PARAM) or default_leagues()
    return list(resolve_leagues(task_settings(), wanted, from_source=from_source))


def options_from_params(params: Mapping[str, Any] | None):
    """``ml.orchestration.steps.RunOptions`` from a DAG run's params, in the same words as the CLI's options."""
    from ml.modeling.config import TrainConfig
    from ml.monitoring.policy import model_ages
    from ml.orchestration.steps import RunOptions

    params = params or {}
    config = TrainConfig.from_options(
        eval_seasons=params.get("eval_seasons") or None,
        classifiers=params.get("classifiers") or None,  # None: plpred train's default
        goals_model=bool(params.get("goals_model", True)),
        second_tier=bool(params.get("second_tier", False)),
        quick=bool(params.get("quick", False)),
    )
    snapshots = params.get("snapshots") or os.environ.get("PLPRED_SNAPSHOTS") or None
    max_model_age_days, refit_age_days = model_ages(
        params.get("max_model_age_days"), params.get("refit_age_days")
    )
    return RunOptions(
        train_config=config,
        seasons=params.get("seasons") or None,
        snapshots=Path(snapshots) if snapshots else None,
        max_model_age_days=max_model_age_days,
        refit_age_days=refit_age_days,
    )


# --- the steps -------------------------------------------------------------------------------


def run_step(
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    force: bool = False,
    settings: Settings | None = None,
    league: str | None = None,
    leagues: Sequence[str] = (),
) -> dict[str, Any]:
    """Run the catalogue step ``name`` at the task's clock; its outcome as an XCom dict.

    ``league``: the league of a mapped task (one of the run's ``leagues``); None for a step
    that runs once for every league, and for the settings' own league.

    Raises the step's error (``StepFailed``, with the original as its cause, or for ingest the
    retryable :class:`DownloadFailed`) to fail the task, and ``AirflowSkipException`` when the
    step skipped (or ingest changed nothing)."""
    from ml.orchestration.steps import (
        DownloadFailed,
        StepFailed,
        StepOutcome,
        execute,
        new_context,
        record_external,
    )

    settings = settings or task_settings()
    if league is not None:
        from ml.ingest.leagues import check_league

        settings = replace(settings, league=check_league(league))
    # Ingest's output is held back until the step ends, so that when it skips, the reason is
    # the first line of the task's log (Airflow folds the skip exception into a collapsed
    # group); ingest is short, and the other steps print as they go.
    held = io.StringIO() if name == "ingest" else None
    options = options_from_params(params if params is not None else (context or {}).get("params"))
    ctx = new_context(
        settings,
        as_of=clock_of(context),
        options=replace(options, many_leagues=len(leagues) > 1),
        console=task_console(held),
        run_id=_run_id(context),
    )
    if name == "ingest" and (already := _clock_already_loaded(settings, ctx.as_of)):
        record_external(ctx, name, StepOutcome("skipped", already))
        _skip(f"{name}: {already}", held)
    try:
        result = execute(ctx, name, force=force)
    except StepFailed as exc:
        _release(held)
        if isinstance(exc.__cause__, DownloadFailed):
            raise exc.__cause__ from exc
        raise
    except BaseException:
        _release(held)
        raise
    outcome = {
        "step": name,
        "league": league,
        "status": result.status,
        "as_of": ctx.as_of.isoformat(),
        "detail": result.detail,
        **result.data,
    }
    if result.status == "skipped" or (name in _SKIP_WHEN_UNCHANGED and not result.changed):
        _skip(f"{name}: {result.detail or 'nothing changed'}", held)
    _release(held)
    return outcome


def _skip(reason: str, held: io.StringIO | None) -> NoReturn:
    """Skip the task with its reason as the first line of its log, then the step's output."""
    from airflow.sdk.exceptions import AirflowSkipException

    print(f"Skipped: {reason}", flush=True)
    _release(held)
    raise AirflowSkipException(reason)


def _release(held: io.StringIO | None) -> None:
    """Write the step output held back so far to the task's log."""
    if held is not None:
        sys.stdout.write(held.getvalue())
        sys.stdout.flush()
        held.seek(0)
        held.truncate()


def _run_id(context: Mapping[str, Any] | None) -> str | None:
    """The catalogue's run id of a task: its DAG run's, so ops.step_runs groups a DAG run."""
    dag_run = (context or {}).get("dag_run")
    if dag_run is None:
        return None
    return f"airflow:{dag_run.dag_id}:{dag_run.run_id}"


def _clock_already_loaded(settings: Settings, as_of: datetime) -> str | None:
    """Why an ingest at ``as_of`` has nothing to do because it is a re-run: the warehouse has
    loaded at this very clock and since at a later one (ingest itself would refuse the clock
    behind it, ``ClockBehindError``). None otherwise, including for a clock never loaded at,
    which ingest must still refuse loudly: data is never unlearned."""
    from ml.ingest.load import newest_known_at
    from ml.warehouse.connection import apply_ddl, connect

    at = clock.utc_naive(as_of)
    with connect(settings) as conn:
        apply_ddl(conn)
        newest = newest_known_at(conn)
        if newest is None or newest <= at:
            return None
        loaded = conn.scalar("select count(*) from raw.load_log where known_at = ?", [at])
    if not loaded:
        return None
    return (
        f"a re-run: this clock was loaded before, and the warehouse has since loaded data known "
        f"at {clock.describe(newest)}"
    )


def carry_clock(
    context: Mapping[str, Any],
    outlet: Any,
    outcome: Mapping[str, Any],
    leagues: Sequence[str] | None = None,
) -> None:
    """Put the task's clock (and the run's leagues) on the asset event it emits, for the DAGs
    it triggers: they run at that clock, over those leagues (:func:`leagues_of`)."""
    extra: dict[str, Any] = {"as_of": outcome["as_of"]}
    if leagues:
        extra[LEAGUES_PARAM] = list(leagues)
    context["outlet_events"][outlet].extra = extra


def request_retrain(context: Mapping[str, Any], outlet: Any) -> dict[str, Any]:
    """The body of ``request_retrain``: emit ``outlet`` (which schedules plpred_train) at the
    monitor's clock when the monitor task of this run decided a full retrain; skip otherwise
    (a skipped task emits no asset event)."""
    from airflow.sdk.exceptions import AirflowSkipException

    # A mapped monitor (one per league) gives a list; a skipped league gives nothing.
    pulled = context["ti"].xcom_pull(task_ids="monitor") or []
    outcomes = [o for o in ([pulled] if isinstance(pulled, Mapping) else pulled) if o]
    retrain = [o for o in outcomes if o.get("action") == "retrain"]
    if not retrain:
        actions = ", ".join(
            f"{o.get('league') or 'the league'}: {o.get('action') or 'none'}" for o in outcomes
        )
        raise AirflowSkipException(f"the monitor decided: {actions or 'no monitoring run'}")
    leagues = [o["league"] for o in retrain if o.get("league")]
    carry_clock(context, outlet, retrain[0], leagues)
    return {
        "as_of": retrain[0]["as_of"],
        "trigger": retrain[0].get("trigger"),
        "leagues": leagues,
    }


# The transform DAG builds the dbt project as the CLI does (`dbt build`), one layer per task, in
# this order. Each layer's `dbt build` runs its seeds and models with their unit and data tests;
# a test that spans layers (a mart's relationship to a source, say) runs with the last layer it
# reads, because the layers before it leave out every node downstream of a later layer and dbt's
# `buildable` indirect selection takes a test only once all it reads is built or selected. The
# three selections together are the whole project, each node once (tests/dags/test_dag_integrity.py).
DBT_LAYERS: dict[str, dict[str, str]] = {
    "staging": {"select": "resource_type:seed staging", "exclude": "intermediate+"},
    "intermediate": {"select": "intermediate", "exclude": "marts+"},
    "marts": {"select": "marts"},
}


def build_dbt_layer(
    layer: str, context: Mapping[str, Any] | None = None, *, settings: Settings | None = None
) -> dict[str, Any]:
    """One layer of the dbt project (:data:`DBT_LAYERS`): ``dbt build`` of its nodes, one
    invocation, so the task pays dbt's start-up once. Every node's status and time goes to the
    task log and the XCom; a failing model or test raises :class:`ml.warehouse.dbt.DbtError` naming
    it, which fails the task and stops the layers after it."""
    from ml.orchestration.steps import StepOutcome, new_context, record_external
    from ml.warehouse.dbt import DbtError, build

    settings = settings or task_settings()
    console = task_console()
    try:
        summary = build(
            settings, indirect_selection="buildable", console=console, **DBT_LAYERS[layer]
        )
    except DbtError as exc:
        # Recorded as a failed transform, as plpred transform records one: the steps that read
        # marts then refuse half-rebuilt ones until a build passes (ml.orchestration.steps.BuildFailed).
        ctx = new_context(
            settings, as_of=clock_of(context), console=console, run_id=_run_id(context)
        )
        detail = f"dbt_{layer}: " + " ".join(str(exc).split())[:500]
        record_external(ctx, "transform", StepOutcome("failed", detail))
        raise
    invocation = summary.invocations[0]
    for unique_id, status, seconds in invocation.nodes:
        console.print(f"  {status:<7} {seconds:7.2f} s  {unique_id}")
    return {
        "layer": layer,
        "counts": invocation.counts,
        "seconds": round(invocation.seconds, 1),
        "nodes": {unique_id: status for unique_id, status, _ in invocation.nodes},
        # Left out once they passed with this code on this kind of warehouse (as the CLI does).
        "unit_tests": "skipped" if summary.unit_tests_skipped else "ran",
    }


def record_transform(context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The transform step as the DAG's layer tasks built it: recorded in the catalogue's log as
    the step ``transform`` would be, so later steps know the marts changed."""
    from ml.orchestration.steps import StepOutcome, new_context, record_external

    settings = task_settings()
    ctx = new_context(
        settings, as_of=clock_of(context), console=task_console(), run_id=_run_id(context)
    )
    record_external(ctx, "transform", StepOutcome("done", "built layer by layer", True))
    ti = (context or {}).get("ti")
    layers = ti.xcom_pull(task_ids=[f"dbt_{layer}" for layer in DBT_LAYERS]) if ti else None
    ran = [isinstance(r, dict) and r.get("unit_tests") == "ran" for r in layers or []]
    if len(ran) == len(DBT_LAYERS) and all(ran):
        # The layers between them ran every unit test of the project, and all passed.
        from ml.warehouse.dbt import remember_unit_tests_passed

        remember_unit_tests_passed(settings)
    return {"step": "transform", "status": "done", "as_of": ctx.as_of.isoformat()}
