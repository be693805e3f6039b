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


@app.command()
def run(
    target: TargetOption = None,
    source: SourceOption = None,
    league: LeagueOption = None,
    max_model_age_days: Annotated[
        float,
        typer.Option("--max-model-age-days", help="Retrain when the champion is older than this."),
    ] = 7.0,
    fixtures: Annotated[
        bool, typer.Option("--fixtures/--no-fixtures", help="Also load fixtures.csv.")
    ] = True,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write the report.")] = True,
) -> None:
    """The main job: ingest, transform, train when due, score, bet, settle, marts, report."""
    from ml.pipeline import PipelineError, run_pipeline

    settings = _settings(target=target, source=source, league=league)
    try:
        run_pipeline(
            settings,
            max_model_age_days=max_model_age_days,
            include_fixtures=fixtures,
            report=report,
            console=console,
        )
    except PipelineError as exc:
        raise _fail(f"step {exc.step}", exc.__cause__ or exc, exc.hint) from exc


@app.command()
def ingest(
    target: TargetOption = None,
    source: SourceOption = None,
    league: LeagueOption = None,
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
) -> None:
    """Download (or read) football-data CSVs and load them into the raw tables."""
    from ml.ingest import run_ingest

    settings = _settings(target=target, source=source, league=league)
    summary = run_ingest(
        settings,
        seasons=seasons,
        files=file,
        file_season=season,
        include_fixtures=fixtures,
        console=console,
    )
    if not summary.ok:
        raise typer.Exit(1)


@app.command()
def transform(
    target: TargetOption = None,
    select: Annotated[
        str | None, typer.Option("--select", "-s", help="dbt node selection, e.g. marts")
    ] = None,
    docs: Annotated[bool, typer.Option("--docs", help="Also run dbt docs generate.")] = False,
) -> None:
    """Run ``dbt build`` (models, seeds and all tests) on the chosen warehouse."""
    from ml.transform import DbtError, build

    settings = _settings(target=target)
    try:
        build(settings, select=select, docs=docs, console=console)
    except DbtError as exc:
        raise _fail(
            "dbt build", exc, "Fix the failing model or test shown above and re-run."
        ) from exc


@app.command()
def train(
    target: TargetOption = None,
    league: LeagueOption = None,
    seasons: Annotated[
        str | None,
        typer.Option(
            "--eval-seasons",
            help="Seasons to walk forward over, e.g. 2021-2526 or 2324,2425. Default: the last six.",
        ),
    ] = None,
    classifiers: Annotated[
        str, typer.Option("--classifiers", help="Comma list of logistic,hgb; empty for none.")
    ] = "logistic,hgb",
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
) -> None:
    """Walk-forward evaluation against the market, MLflow logging, champion/challenger."""
    from ml.ingest.seasons import parse_seasons
    from ml.train import TrainConfig, TrainError, run_train

    settings = _settings(target=target, league=league)
    try:
        eval_seasons = tuple(season.label for season in parse_seasons(seasons)) if seasons else None
        config = TrainConfig(
            eval_seasons=eval_seasons,
            classifiers=tuple(c for c in classifiers.split(",") if c),
            goals_model=goals_model,
            second_tier=second_tier,
            quick=quick,
        )
        run_train(settings, config=config, console=console)
    except (TrainError, ValueError) as exc:
        raise _fail("train", exc) from exc


@app.command()
def score(target: TargetOption = None, league: LeagueOption = None) -> None:
    """Score every match after the champion's training data that it has not scored yet."""
    from ml.score import ScoreError, run_score

    settings = _settings(target=target, league=league)
    try:
        run_score(settings, console=console)
    except ScoreError as exc:
        raise _fail("score", exc) from exc


StrategyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--strategy", help="Strategy name from ml/strategies.toml; repeatable. Default: all."
    ),
]


@app.command()
def bet(
    target: TargetOption = None,
    league: LeagueOption = None,
    strategy: StrategyOption = None,
    model_version: Annotated[
        str | None,
        typer.Option("--model-version", help="Bet on this registered version, not the champion."),
    ] = None,
) -> None:
    """Place bets on upcoming matches with the champion's predictions, per strategy."""
    from ml.betting.ledger import BettingError, place_bets

    settings = _settings(target=target, league=league)
    try:
        place_bets(settings, strategies=strategy, model_version=model_version, console=console)
    except (BettingError, ConfigError) as exc:
        raise _fail("bet", exc) from exc


@app.command()
def settle(target: TargetOption = None) -> None:
    """Settle bets whose matches have a result (or are void); re-settle corrected results."""
    from ml.betting.ledger import BettingError
    from ml.betting.ledger import settle as settle_bets

    settings = _settings(target=target)
    try:
        settle_bets(settings, console=console)
    except BettingError as exc:
        raise _fail("settle", exc) from exc


@app.command()
def backtest(
    target: TargetOption = None,
    league: LeagueOption = None,
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
) -> None:
    """Replay the walk-forward predictions of past seasons through every strategy."""
    from ml.betting.ledger import BettingError
    from ml.betting.ledger import backtest as run_backtest

    settings = _settings(target=target, league=league)
    try:
        run_backtest(
            settings,
            run_id=run_id,
            model=model,
            variant=variant,
            strategies=strategy,
            console=console,
        )
    except (BettingError, ConfigError) as exc:
        raise _fail("backtest", exc) from exc


@app.command()
def report(
    target: TargetOption = None,
    league: LeagueOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write here instead of PLPRED_HOME/reports/report.html."
        ),
    ] = None,
) -> None:
    """Write the HTML report: model against market, calibration, bankrolls, table, fixtures."""
    from ml.report import write_report
    from ml.warehouse import WarehouseError

    settings = _settings(target=target, league=league)
    try:
        write_report(settings, console, path=output)
    except WarehouseError as exc:
        raise _fail("report", exc) from exc


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
    from ml.queries import (
        QueryError,
        list_queries,
        parse_assignments,
        print_catalogue,
        print_query_result,
    )
    from ml.warehouse import WarehouseError

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
    league: LeagueOption = None,
    port: Annotated[int, typer.Option("--port", help="Port of the UI on 127.0.0.1.")] = 8080,
    login: Annotated[
        bool,
        typer.Option(
            "--login/--no-login",
            help="Keep Airflow's login (default) or make everyone admin, for this local UI only.",
        ),
    ] = True,
) -> None:
    """Start a local Airflow (scheduler, DAG processor, UI) running the project's DAGs."""
    from ml.airflow_local import run

    settings = _settings(target=target, source=source, league=league)
    try:
        run(settings, port=port, login=login, console=console)
    except ValueError as exc:
        raise _fail("airflow", exc) from exc


if __name__ == "__main__":  # pragma: no cover
    app()
