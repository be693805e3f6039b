"""The ``plpred`` command line: argument parsing only; every command calls one function in ``ml``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ml.config import ConfigError, Settings, get_settings

app = typer.Typer(
    help="plpred: Premier League predictions, honest against the betting market.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Wide enough for the evaluation tables when output is piped to a file or a log.
console = Console(stderr=True, width=shutil.get_terminal_size((150, 40)).columns)

TargetOption = Annotated[
    str | None,
    typer.Option("--target", "-t", help="Warehouse: duckdb (embedded default) or postgres."),
]
SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="football-data.co.uk (default) or a local folder laid out like it (PLPRED_SOURCE).",
    ),
]
LeagueOption = Annotated[
    str | None, typer.Option("--league", help="football-data league code: E0, E1, SP1, D1, ...")
]
LeaguesOption = Annotated[
    str | None,
    typer.Option(
        "--league",
        help="football-data league code (E0), a list (E0,E1,SP1), or all: every league with "
        "data (in the source for ingest, in the warehouse for the later steps). "
        "Default: PLPRED_LEAGUE, else E0.",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The clock: run as that moment would have seen it, e.g. '2026-02-27 10:00' "
        "(UK time), '2026-02-27T10:00Z' or a snapshot stamp 2026-02-27T1856. Default: now.",
    ),
]
SnapshotsOption = Annotated[
    Path | None,
    typer.Option(
        "--snapshots",
        help="A snapshot archive of the current season (e.g. SOURCE/snapshots/2025-26): the "
        "season file and fixtures.csv as they stood at the clock.",
    ),
]


def _settings(**overrides: object) -> Settings:
    try:
        return get_settings(**overrides)
    except ConfigError as exc:
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _fail(step: str, exc: Exception, hint: str = "") -> typer.Exit:
    console.print(f"[red]{step} failed:[/red] {exc}")
    if hint:
        console.print(hint)
    return typer.Exit(1)


def _as_of(text: str | None):
    """The clock of a command: --as-of, else now (the one place the CLI reads the wall clock)."""
    from ml import clock

    if text is None:
        return clock.now()
    try:
        return clock.parse_as_of(text)
    except clock.ClockError as exc:
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def default_run_options() -> object:
    """The options of a step run alone: the policy's age limits (``ml/retraining.toml``), as
    ``plpred run`` resolves them, so ``plpred monitor`` decides as the run's monitor step does."""
    from ml.monitoring.policy import model_ages
    from ml.orchestration.steps import RunOptions

    max_model_age_days, refit_age_days = model_ages(None, None)
    return RunOptions(max_model_age_days=max_model_age_days, refit_age_days=refit_age_days)


def _leagues(settings: Settings, league: str | None) -> tuple[str, ...] | str:
    """``--league`` (else PLPRED_LEAGUE) as checked codes or ``all``; an unknown code exits 2
    naming it, before anything runs."""
    from ml.ingest.leagues import UnknownLeague, parse_leagues

    try:
        return parse_leagues(league or settings.league)
    except (UnknownLeague, ValueError) as exc:
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _run_step_per_league(
    settings: Settings, name: str, league: str | None, as_of: str | None, options: object = None
) -> list[object]:
    """:func:`_run_step` for every league of ``--league`` in turn, at one clock; ``all`` means
    the source's leagues for ingest, the warehouse's for the other steps."""
    from dataclasses import replace

    from ml.ingest.leagues import ALL, NoLeagues, resolve_leagues

    spec = _leagues(settings, league)
    try:
        codes = resolve_leagues(settings, spec, from_source=name == "ingest")
    except NoLeagues as exc:
        raise _fail(name, exc) from exc
    clock_text = as_of if as_of is not None else _as_of(None).isoformat()
    options = options or default_run_options()
    if spec == ALL or len(codes) > 1:
        options = replace(options, many_leagues=True)
    return [_run_step(replace(settings, league=code), name, clock_text, options) for code in codes]


def _run_step(settings: Settings, name: str, as_of: str | None, options: object = None) -> object:
    """One step of the catalogue (ml/orchestration/steps.py) at the clock, as `plpred run` would run it, but
    whether or not its check says it is due."""
    from dataclasses import replace

    from ml.orchestration.steps import StepFailed, execute, new_context

    # Named on the command line: the step runs whatever its check says (its record says so).
    options = replace(options or default_run_options(), force=frozenset({name}))
    ctx = new_context(settings, as_of=_as_of(as_of), options=options, console=console)
    where = f"{name} ({settings.league})" if options.many_leagues else name
    try:
        result = execute(ctx, name, force=True)
    except StepFailed as exc:
        raise _fail(where, exc.__cause__ or exc, exc.hint) from exc
    if result.blocked:
        # Inside `plpred run` an earlier step makes what is missing; alone, it is a failure.
        console.print(f"[red]{where} cannot run yet:[/red] {result.detail}")
        raise typer.Exit(1)
    return result


@app.command()
def run(
    target: TargetOption = None,
    source: SourceOption = None,
    league: LeaguesOption = None,
    as_of: AsOfOption = None,
    snapshots: SnapshotsOption = None,
    max_model_age_days: Annotated[
        float | None,
        typer.Option(
            "--max-model-age-days",
            help="Train from scratch (walk-forward and challenge) when the champion is older. "
            "Default: ml/retraining.toml (not by age: by what the monitor sees).",
        ),
    ] = None,
    refit_age_days: Annotated[
        float | None,
        typer.Option(
            "--refit-age-days",
            help="Otherwise refit the champion on newer data when older. "
            "Default: ml/retraining.toml.",
        ),
    ] = None,
    fixtures: Annotated[
        bool, typer.Option("--fixtures/--no-fixtures", help="Also load fixtures.csv.")
    ] = True,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write the report.")] = True,
    classifiers: Annotated[
        str | None,
        typer.Option(
            "--classifiers",
            help="When training: comma list of logistic,hgb; empty for none. Default: logistic.",
        ),
    ] = None,
    candidates: Annotated[
        str,
        typer.Option(
            "--candidates",
            help="When training: default, or all (adds the opt-in gradient boosting: slow).",
        ),
    ] = "default",
    goals_model: Annotated[
        bool,
        typer.Option(
            "--goals-model/--no-goals-model", help="When training: Dixon-Coles and the blend."
        ),
    ] = True,
    quick: Annotated[
        bool, typer.Option("--quick", help="When training: small hyper-parameter grids.")
    ] = False,
) -> None:
    """The main job at one clock: ingest, transform, train or refit when due, backtest, score,
    settle, monitor, bet, marts, report."""
    from ml.modeling.config import TrainConfig
    from ml.monitoring.policy import PolicyError, model_ages
    from ml.orchestration.pipeline import PipelineError, run_pipeline

    settings = _settings(target=target, source=source)
    leagues = _leagues(settings, league)
    try:
        config = TrainConfig.from_options(
            classifiers=classifiers, candidates=candidates, goals_model=goals_model, quick=quick
        )
    except ValueError as exc:
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        max_model_age_days, refit_age_days = model_ages(max_model_age_days, refit_age_days)
    except PolicyError as exc:
        console.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        run_pipeline(
            settings,
            as_of=_as_of(as_of),
            train_config=config,
            max_model_age_days=max_model_age_days,
            refit_age_days=refit_age_days,
            include_fixtures=fixtures,
            snapshots=snapshots,
            report=report,
            console=console,
            leagues=leagues,
        )
    except PipelineError as exc:
        where = f"step {exc.step}" + (f" ({exc.league})" if exc.league else "")
        raise _fail(where, exc.__cause__ or exc, exc.hint) from exc


@app.command()
def replay(
    snapshots: Annotated[
        Path,
        typer.Option(
            "--snapshots",
            help="The season's snapshot archive, e.g. ../shared/data/football-data/snapshots/2025-26.",
        ),
    ],
    target: TargetOption = None,
    source: SourceOption = None,
    league: LeagueOption = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First tick (a date or time, UK time).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last tick (a date or time).")] = None,
    refit_age_days: Annotated[
        float | None,
        typer.Option(
            "--refit-age-days",
            help="Refit the champion when older (replay time). Default: ml/retraining.toml.",
        ),
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="Small grids and one classifier for the first model.")
    ] = False,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write the report at the last tick.")
    ] = True,
    dbt_tests: Annotated[
        str,
        typer.Option(
            "--dbt-tests",
            help="last: dbt's data tests, the ledger marts and Evidently's drift report at the "
            "last tick only (the models are built at every tick, and a tick where the data "
            "drifted, by the retraining policy, keeps its report); every: at every tick, as "
            "plpred run does.",
        ),
    ] = "last",
) -> None:
    """Live a season again: the main job at every snapshot time of an archive, in order.

    The history comes from --source; at each capture time the catalogue runs as of that
    moment on the files captured by then. A second replay resumes where one stopped."""
    from ml.ingest.sources import FetchError
    from ml.modeling.config import TrainConfig
    from ml.orchestration.replay import ReplayError, quick_train_config, render_summary
    from ml.orchestration.replay import replay as run_replay
    from ml.orchestration.steps import RunOptions, StepFailed

    settings = _settings(target=target, source=source, league=league)
    config = quick_train_config() if quick else TrainConfig()
    if dbt_tests not in ("last", "every"):
        console.print(
            f"[red]configuration error:[/red] --dbt-tests must be last or every, got {dbt_tests!r}"
        )
        raise typer.Exit(2)
    every = dbt_tests == "every"
    from ml.monitoring.policy import model_ages

    max_model_age_days, refit_age_days = model_ages(None, refit_age_days)
    options = RunOptions(
        train_config=config,
        max_model_age_days=max_model_age_days,
        refit_age_days=refit_age_days,
        report=report,
        dbt_tests=every,
        build_ledger_marts=every,
    )
    try:
        summary = run_replay(
            settings,
            snapshots=snapshots,
            start=_as_of(start) if start else None,
            end=_as_of(end) if end else None,
            options=options,
            console=console,
        )
    except StepFailed as exc:
        raise _fail(f"replay step {exc.step}", exc.__cause__ or exc, exc.hint) from exc
    except (ReplayError, FetchError) as exc:
        raise _fail("replay", exc) from exc
    render_summary(summary, console)
    console.print(f"step output: {settings.home / 'replay' / 'replay.log'}")


@app.command()
def ingest(
    target: TargetOption = None,
    source: SourceOption = None,
    league: LeaguesOption = None,
    seasons: Annotated[
        str | None,
        typer.Option(
            "--seasons",
            help="Season codes or ranges, e.g. 2526 or 0001-2526 or 1920,2021. Default: all.",
        ),
    ] = None,
    file: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            help="Load these files instead (a season file or fixtures.csv); repeatable.",
        ),
    ] = None,
    season: Annotated[
        str | None,
        typer.Option("--season", help="With --file: the season the file claims, e.g. 2526."),
    ] = None,
    fixtures: Annotated[
        bool, typer.Option("--fixtures/--no-fixtures", help="Also load fixtures.csv.")
    ] = True,
    as_of: AsOfOption = None,
    snapshots: SnapshotsOption = None,
) -> None:
    """Download (or read) football-data CSVs and load them into the raw tables."""
    from ml.orchestration.steps import RunOptions

    settings = _settings(target=target, source=source)
    options = RunOptions(
        include_fixtures=fixtures,
        seasons=seasons,
        snapshots=snapshots,
        step_args={"ingest": {"files": file, "file_season": season}} if file else {},
    )
    if file:  # the files' league comes from their content
        _run_step(settings, "ingest", as_of, options)
        return
    _run_step_per_league(settings, "ingest", league, as_of, options)


@app.command()
def transform(
    target: TargetOption = None,
    select: Annotated[
        str | None, typer.Option("--select", "-s", help="dbt node selection, e.g. marts")
    ] = None,
    docs: Annotated[bool, typer.Option("--docs", help="Also run dbt docs generate.")] = False,
    as_of: AsOfOption = None,
) -> None:
    """Run ``dbt build`` (models, seeds and all tests) on the chosen warehouse."""
    from ml.orchestration.steps import RunOptions

    settings = _settings(target=target)
    _run_step(
        settings,
        "transform",
        as_of,
        RunOptions(step_args={"transform": {"select": select, "docs": docs}}),
    )


@app.command()
def train(
    target: TargetOption = None,
    league: LeaguesOption = None,
    seasons: Annotated[
        str | None,
        typer.Option(
            "--eval-seasons",
            help="Seasons to walk forward over, e.g. 2021-2526 or 2324,2425. Default: the last six.",
        ),
    ] = None,
    classifiers: Annotated[
        str | None,
        typer.Option(
            "--classifiers", help="Comma list of logistic,hgb; empty for none. Default: logistic."
        ),
    ] = None,
    candidates: Annotated[
        str,
        typer.Option(
            "--candidates",
            help="default, or all: every registered model, with the opt-in gradient boosting "
            "(about six times the logistic models' cost; docs/performance.md).",
        ),
    ] = "default",
    goals_model: Annotated[
        bool, typer.Option("--goals-model/--no-goals-model", help="Dixon-Coles goals model.")
    ] = True,
    second_tier: Annotated[
        bool,
        typer.Option(
            "--second-tier/--no-second-tier",
            help="Fit the goals model jointly with the second tier (e.g. E1 for E0) where loaded.",
        ),
    ] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Small hyper-parameter grids (smoke runs).")
    ] = False,
    as_of: AsOfOption = None,
) -> None:
    """Walk-forward evaluation against the market, MLflow logging, champion/challenger."""
    from ml.modeling.config import TrainConfig
    from ml.orchestration.steps import RunOptions

    settings = _settings(target=target)
    try:
        config = TrainConfig.from_options(
            eval_seasons=seasons,
            classifiers=classifiers,
            candidates=candidates,
            goals_model=goals_model,
            second_tier=second_tier,
            quick=quick,
        )
    except ValueError as exc:
        raise _fail("train", exc) from exc
    _run_step_per_league(settings, "train", league, as_of, RunOptions(train_config=config))


@app.command()
def refit(
    target: TargetOption = None, league: LeaguesOption = None, as_of: AsOfOption = None
) -> None:
    """Refit the champion's configuration on the matches known at the clock.

    No walk-forward and no challenge: the new version becomes champion and names the version
    it refits."""
    _run_step_per_league(_settings(target=target), "refit", league, as_of)


@app.command()
def score(
    target: TargetOption = None, league: LeaguesOption = None, as_of: AsOfOption = None
) -> None:
    """Score every match after the clock and the champion's training data, once."""
    _run_step_per_league(_settings(target=target), "score", league, as_of)


StrategyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--strategy", help="Strategy name from ml/strategies.toml; repeatable. Default: all."
    ),
]


@app.command()
def bet(
    target: TargetOption = None,
    league: LeaguesOption = None,
    strategy: StrategyOption = None,
    model_version: Annotated[
        str | None,
        typer.Option("--model-version", help="Bet on this registered version, not the champion."),
    ] = None,
    as_of: AsOfOption = None,
) -> None:
    """Place bets on upcoming matches with the champion's predictions, per strategy."""
    from ml.orchestration.steps import RunOptions

    args = {"strategies": strategy, "model_version": model_version}
    options = RunOptions(step_args={"bet": args})
    _run_step_per_league(_settings(target=target), "bet", league, as_of, options)


@app.command()
def settle(target: TargetOption = None, as_of: AsOfOption = None) -> None:
    """Settle bets whose matches have a result (or are void); re-settle corrected results."""
    settings = _settings(target=target)
    _run_step(settings, "settle", as_of)


@app.command()
def monitor(
    target: TargetOption = None, league: LeaguesOption = None, as_of: AsOfOption = None
) -> None:
    """Watch the champion at the clock: data and prediction drift (Evidently), live RPS against
    the market, calibration, CLV, data health; then the retraining decision (ml/retraining.toml)
    that the next run's train or refit step carries out. Twice at one clock adds nothing."""
    for result in _run_step_per_league(_settings(target=target), "monitor", league, as_of):
        data = getattr(result, "data", {}) or {}
        if data.get("report"):
            console.print(f"Evidently report: {data['report']}")


@app.command()
def backtest(
    target: TargetOption = None,
    league: LeaguesOption = None,
    strategy: StrategyOption = None,
    run_id: Annotated[
        str | None,
        typer.Option("--run-id", help="Walk-forward run to replay. Default: the latest."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Only this walk-forward model.")
    ] = None,
    variant: Annotated[
        str | None, typer.Option("--variant", help="Only this model variant.")
    ] = None,
    as_of: AsOfOption = None,
) -> None:
    """Replay the walk-forward predictions of past seasons through every strategy."""
    from ml.orchestration.steps import RunOptions

    args = {"run_id": run_id, "model": model, "variant": variant, "strategies": strategy}
    options = RunOptions(step_args={"backtest": args})
    _run_step_per_league(_settings(target=target), "backtest", league, as_of, options)


@app.command()
def report(
    target: TargetOption = None,
    league: LeaguesOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here instead of PLPRED_HOME/reports/report.html (reports-postgres/ on Postgres).",
        ),
    ] = None,
    as_of: AsOfOption = None,
) -> None:
    """Write the HTML report: model against market, calibration, bankrolls, table, fixtures."""
    from ml.orchestration.steps import RunOptions

    settings = _settings(target=target)
    leagues = _leagues(settings, league)
    if output is not None and (isinstance(leagues, str) or len(leagues) > 1):
        console.print(
            "[red]configuration error:[/red] --output names one file: give one --league "
            "(several leagues write report-<league>.html each)"
        )
        raise typer.Exit(2)
    options = RunOptions(step_args={"report": {"path": output}})
    _run_step_per_league(settings, "report", league, as_of, options)


@app.command("sql")
def sql_query(
    name: Annotated[
        str | None, typer.Argument(help="Query name in sql/queries/ (see --list).")
    ] = None,
    assignments: Annotated[
        list[str] | None, typer.Argument(help="Parameters as name=value, e.g. league=E1.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter as name=value; repeatable."),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", "-l", help="List the named queries.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV to stdout instead.")] = False,
    target: TargetOption = None,
) -> None:
    """Run a named query of sql/queries/ and print its rows (or list the queries)."""
    from ml.warehouse.connection import WarehouseError
    from ml.warehouse.queries import (
        QueryError,
        list_queries,
        parse_assignments,
        print_catalogue,
        print_query_result,
    )

    out = Console(width=console.width)
    try:
        if list_ or name is None:
            print_catalogue(list_queries(), out)
            return
        values = parse_assignments([*(assignments or []), *(param or [])])
        print_query_result(_settings(target=target), name, values, out, as_csv=as_csv)
    except QueryError as exc:
        raise _fail("sql", exc) from exc
    except WarehouseError as exc:
        raise _fail("sql", exc, "Has the pipeline run (ingest, transform, train, ...)?") from exc
    except Exception as exc:  # a driver error: missing table, Postgres or DuckDB refusing SQL
        raise _fail(f"sql {name}", exc, "Run the steps that create its tables first.") from exc


@app.command()
def airflow(
    target: TargetOption = None,
    source: SourceOption = None,
    league: LeaguesOption = None,
    port: Annotated[int, typer.Option("--port", help="Port of the UI.")] = 8080,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Interface of the UI: 127.0.0.1 (default); 0.0.0.0 inside a container whose "
            "port is published (docker-compose.yml). Refused with --no-login.",
        ),
    ] = "127.0.0.1",
    login: Annotated[
        bool,
        typer.Option(
            "--login/--no-login",
            help="Keep Airflow's login (default) or make everyone admin, for this local UI only.",
        ),
    ] = True,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="local: airflow standalone (default); celery: the CeleryExecutor with "
            "--workers Celery workers on --broker (needs a Postgres metadata database).",
        ),
    ] = "local",
    workers: Annotated[
        int, typer.Option("--workers", help="With --executor celery: how many workers.")
    ] = 2,
    broker: Annotated[
        str | None,
        typer.Option(
            "--broker", help="With --executor celery: the broker (redis://127.0.0.1:6379/0)."
        ),
    ] = None,
) -> None:
    """Start a local Airflow (scheduler, DAG processor, UI) running the project's DAGs."""
    from ml.orchestration.airflow_celery import ComponentExited
    from ml.orchestration.airflow_local import run

    settings = _settings(target=target, source=source, league=league)
    # The DAGs' `leagues` param defaults to PLPRED_LEAGUE, which this sets: check it first.
    _leagues(settings, league)
    try:
        run(
            settings,
            port=port,
            login=login,
            console=console,
            host=host,
            executor=executor,
            workers=workers,
            broker=broker,
        )
    except (ValueError, ComponentExited) as exc:
        raise _fail("airflow", exc) from exc


# --- Grafana (issue 13): dashboards as code, the read-only role -------------------------------


@app.command()
def dashboards(
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 when a committed file is stale."),
    ] = False,
    previews: Annotated[
        Path | None,
        typer.Option(
            "--previews",
            help="Instead, draw each dashboard's panels from their SQL on the warehouse into "
            "PNGs in this folder (previews of the data, not Grafana screenshots).",
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Previews: start of the time range.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Previews: end of the time range.")
    ] = None,
    target: TargetOption = None,
    league: LeagueOption = None,
) -> None:
    """Generate grafana/dashboards/*.json and the alert rules from ml/dashboards/."""
    from ml.dashboards import GRAFANA_DIR, stale_files, write

    if previews is not None:
        from datetime import timedelta

        from ml import clock
        from ml.dashboards.previews import draw_previews

        settings = _settings(target=target, league=league)
        time_to = clock.utc_naive(_as_of(end))
        time_from = clock.utc_naive(_as_of(start)) if start else time_to - timedelta(days=90)
        for png in draw_previews(
            settings, previews, time_from=time_from, time_to=time_to, league=settings.league
        ):
            console.print(f"wrote {png}")
        return
    if check:
        stale = stale_files()
        for path in stale:
            console.print(f"[red]stale[/red] grafana/{path}")
        if stale:
            console.print("Run `plpred dashboards` and commit the files it writes.")
            raise typer.Exit(1)
        console.print("grafana/ is what ml/dashboards/ generates")
        return
    written = write()
    for path in written:
        console.print(f"wrote {GRAFANA_DIR.name}/{path}")
    if not written:
        console.print("grafana/ already up to date")


@app.command("grafana-role")
def grafana_role(
    target: TargetOption = None,
    password: Annotated[
        str,
        typer.Option(
            "--password",
            envvar="PLPRED_GRAFANA_PASSWORD",
            show_envvar=True,
            show_default=False,
            help="Password of plpred_grafana; better given in the environment.",
        ),
    ] = "",
) -> None:
    """Create the read-only role plpred_grafana: SELECT on the marts (now and later), nothing else."""
    from ml.dashboards.role import GrafanaRoleError, create_grafana_role
    from ml.warehouse.connection import WarehouseError

    settings = _settings(target=target or "postgres")
    try:
        result = create_grafana_role(settings, password)
    except (GrafanaRoleError, WarehouseError) as exc:
        raise _fail("grafana-role", exc) from exc
    verb = "created" if result.created else "updated"
    console.print(f"{verb} role {result.role} on database {result.database}:")
    for statement in result.statements:
        console.print(f"  {statement}")


@app.command()
def docs(
    target: TargetOption = None,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8081,
    regenerate: Annotated[
        bool, typer.Option("--regenerate", help="Run dbt docs generate even when up to date.")
    ] = False,
) -> None:
    """Serve the dbt docs site on 127.0.0.1 (generated first when missing or stale)."""
    from ml.ui import ensure_docs, serve_directory
    from ml.warehouse.dbt import DbtError

    settings = _settings(target=target)
    try:
        site = ensure_docs(settings, regenerate=regenerate, console=console)
    except DbtError as exc:
        raise _fail("docs", exc, "Has `plpred transform` built the warehouse?") from exc
    serve_directory(site, port, console)


@app.command()
def mlflow(
    target: TargetOption = None,
    league: LeagueOption = None,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 5000,
) -> None:
    """The MLflow UI on the project's store, on 127.0.0.1; prints the link to the training runs."""
    from ml.ui import serve_mlflow

    settings = _settings(target=target, league=league)
    raise typer.Exit(serve_mlflow(settings, port, console))


@app.command("api")
def api(
    target: TargetOption = None,
    league: LeagueOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    openapi: Annotated[
        Path | None,
        typer.Option(
            "--openapi",
            help="Write the OpenAPI schema to this file (docs/api/openapi.json is the committed "
            "one) and exit, instead of serving.",
        ),
    ] = None,
) -> None:
    """The HTTP API over the warehouse and the registry (docs/api.md), with uvicorn.
    Write endpoints need PLPRED_API_TOKEN; without it they answer 403."""
    from ml.api import ApiConfig, create_app, serve, write_openapi
    from ml.api.config import TOKEN_ENV

    settings = _settings(target=target, league=league)
    config = ApiConfig.from_env(settings)
    if openapi is not None:
        changed = write_openapi(create_app(config), openapi)
        console.print(f"{openapi}: {'written' if changed else 'unchanged'}")
        return
    if host not in ("127.0.0.1", "localhost", "::1") and not config.write_token:
        console.print(
            f"[yellow]warning:[/yellow] binding {host} beyond loopback without {TOKEN_ENV}: the "
            "read endpoints are open to the network (the write endpoints stay disabled)"
        )
    console.print(f"plpred API on http://{host}:{port}/docs ({settings.target} warehouse)")
    serve(config, host=host, port=port)


if __name__ == "__main__":  # pragma: no cover
    app()
