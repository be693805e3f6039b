"""``plpred backtest``: replay walk-forward predictions of past matches through the strategies.

Each (model, variant, strategy version) of a walk-forward run becomes one backtest, its own
book in ``betting.bets`` and ``betting.settlements`` (mode backtest), registered in
``betting.backtests``; :func:`simulate_backtest` does the same without writing (the API's
POST /betting/simulate). The shared warehouse I/O is :mod:`ml.betting.warehouse`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pandas as pd
from rich.console import Console

from ml.betting.records import stable_id
from ml.betting.render import render_backtest
from ml.betting.settlement import MatchResult
from ml.betting.simulation import ModelRef, Simulation, simulate
from ml.betting.strategies import BettingConfig, Strategy, load_config
from ml.betting.warehouse import (
    PRICES,
    RESULTS,
    SETTLED_BETS,
    TRAINING_RUNS,
    BettingError,
    betting_sql,
    first_row,
    first_value,
    float_or_none,
    lock,
    match_result,
    prospect,
    record_strategy_versions,
    require_marts,
    resolve_as_of,
    to_decimal,
    write,
)
from ml.config import Settings
from ml.warehouse.connection import Connection, apply_ddl, connect

# Walk-forward "models" made from closing prices (ml/modeling/train.py's market_close yardstick): betting
# with them would bet knowing the closing line, so a backtest never replays them.
CLOSING_PRICE_MODELS = frozenset({"market_close"})

_WALK_FORWARD_RUNS_SQL = betting_sql("select_walk_forward_runs.sql")
_WALK_FORWARD_VARIANTS_SQL = betting_sql("select_walk_forward_variants.sql")
_WALK_FORWARD_SQL = betting_sql("select_walk_forward_predictions.sql")
_BACKTEST_PRICES_SQL = betting_sql("select_backtest_prices.sql")
_BOOK_STATS_SQL = betting_sql("select_book_stats.sql")
_SELECTED_VARIANT_SQL = betting_sql("select_selected_variant.sql")
_COUNT_BACKTEST_SQL = betting_sql("count_backtest.sql")
_INSERT_BACKTEST_SQL = betting_sql("insert_backtest.sql")


@dataclass
class BacktestResult:
    backtest_id: str
    model: str
    variant: str
    strategy: str
    created: bool
    predictions: int
    bets: int
    wins: int
    staked: Decimal
    profit: Decimal
    bankroll_start: Decimal
    average_clv: float | None

    @property
    def yield_(self) -> float | None:
        return float(self.profit / self.staked) if self.staked else None

    @property
    def roi(self) -> float | None:
        return float(self.profit / self.bankroll_start) if self.bankroll_start else None


@dataclass
class BacktestSummary:
    """What ``plpred backtest`` did: one result per model variant and strategy."""

    source_run_id: str | None
    league: str
    results: list[BacktestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _choose_run(conn: Connection, league: str, run_id: str | None) -> str:
    """The walk-forward run to replay: ``run_id`` when given, the only run when there is one,
    else the league's latest training run, as ``marts.mart_training_runs`` marks it (the one
    place that decides; a view, so a run train has just written counts before dbt rebuilds)."""
    runs = conn.query_df(_WALK_FORWARD_RUNS_SQL, [league])
    if runs.empty:
        raise BettingError(
            f"ml.walk_forward_predictions has no {league} predictions: run the walk-forward "
            "evaluation (plpred train) first"
        )
    if run_id is not None:
        if run_id not in set(runs["run_id"]):
            raise BettingError(
                f"no walk-forward predictions of run {run_id!r} for {league}; runs: "
                f"{', '.join(sorted(runs['run_id']))}"
            )
        return run_id
    if len(runs) == 1:
        return str(runs["run_id"].iloc[0])
    latest = runs[runs["is_latest"].astype(bool)]
    if latest.empty:
        raise BettingError(
            f"several walk-forward runs for {league} and none is the league's latest training "
            f"run in {TRAINING_RUNS}: choose one with --run-id "
            f"({', '.join(sorted(runs['run_id']))})"
        )
    return str(latest["run_id"].iloc[0])


def backtest_id(
    source_run_id: str, league: str, model: str, variant: str, strategy: Strategy
) -> str:
    """The id of a backtest: a function of everything that decides its bets."""
    return (
        "bt-"
        + stable_id(
            "backtest", source_run_id, league, model, variant, strategy.name, strategy.version
        )[:16]
    )


def backtest(
    settings: Settings,
    *,
    run_id: str | None = None,
    model: str | None = None,
    variant: str | None = None,
    strategies: Sequence[str] | None = None,
    console: Console | None = None,
    config: BettingConfig | None = None,
    as_of: datetime | None = None,
) -> BacktestSummary:
    """Replay walk-forward predictions of past matches through the strategies.

    ``run_id`` is the walk-forward run (default: the latest evaluated one of the league);
    ``model``/``variant`` restrict it (default: every model and variant of the run except
    those made from closing prices, :data:`CLOSING_PRICE_MODELS`). Each
    (model, variant, strategy version) becomes one backtest: its own book, bankroll and
    backtest id, written to ``betting.bets`` and ``betting.settlements`` with mode backtest
    and registered in ``betting.backtests``. A backtest that exists already is not redone.
    ``as_of`` (aware in any zone, or naive UTC; default: now) stamps ``created_at``; the bets'
    own times are simulated from each match's kickoff.
    """
    console = console or Console(stderr=True)
    config = config or load_config()
    selected = config.select(strategies)
    created_at = resolve_as_of(as_of)
    invocation = f"backtest-{uuid.uuid4().hex[:12]}"
    summary = BacktestSummary(source_run_id=None, league=settings.league)
    with connect(settings) as conn:
        apply_ddl(conn)
        require_marts(conn, PRICES, RESULTS, SETTLED_BETS, TRAINING_RUNS)
        source_run_id = _choose_run(conn, settings.league, run_id)
        summary.source_run_id = source_run_id
        if model in CLOSING_PRICE_MODELS:
            raise BettingError(
                f"{model} is made from closing prices, known only at kickoff: a backtest "
                "with it would bet knowing the closing line"
            )
        pairs = [
            (m, v)
            for m, v in conn.fetchall(_WALK_FORWARD_VARIANTS_SQL, [source_run_id, settings.league])
            if (model is None or m == model)
            and (variant is None or v == variant)
            and m not in CLOSING_PRICE_MODELS
        ]
        if not pairs:
            raise BettingError(
                f"walk-forward run {source_run_id} has no predictions of "
                f"model {model or 'any'} variant {variant or 'any'} for {settings.league}"
            )
        books: list[_Book] = []
        for model_name, variant_name in pairs:
            books += _backtest_variant(
                conn,
                settings.league,
                source_run_id,
                model_name,
                variant_name,
                selected,
                config,
                invocation,
                created_at,
                summary,
            )
        summary.results += _book_results(conn, books)
    render_backtest(summary, console)
    return summary


def _backtest_variant(
    conn: Connection,
    league: str,
    source_run_id: str,
    model_name: str,
    variant_name: str,
    strategies: Sequence[Strategy],
    config: BettingConfig,
    invocation: str,
    created_at: datetime,
    summary: BacktestSummary,
) -> list[_Book]:
    """Write the variant's backtest of every strategy not yet written; returns its books (the
    summary's notes get what the variant's predictions lacked)."""
    keys = [source_run_id, league, model_name, variant_name]
    predictions = conn.query_df(_WALK_FORWARD_SQL, keys)
    duplicated = int(predictions["match_id"].duplicated().sum())
    if duplicated:
        summary.notes.append(
            f"{model_name}/{variant_name}: {duplicated} match(es) predicted more than once in "
            "the run; the last prediction of each is used"
        )
        predictions = predictions.drop_duplicates("match_id", keep="last")
    results = {row.match_id: match_result(row) for row in predictions.itertuples(index=False)}
    books = []
    for strategy in strategies:
        book_id = backtest_id(source_run_id, league, model_name, variant_name, strategy)
        created = False
        with conn.transaction():
            lock(conn)
            exists = first_value(conn, _COUNT_BACKTEST_SQL, [book_id])
            if not exists:
                sim = _simulate(
                    conn, strategy, config, keys, predictions, results, book_id, invocation
                )
                record_strategy_versions(conn, [strategy], created_at)
                write(conn, sim.bets, sim.settlements)
                conn.execute(
                    _INSERT_BACKTEST_SQL,
                    [
                        book_id,
                        source_run_id,
                        league,
                        model_name,
                        variant_name,
                        strategy.name,
                        strategy.version,
                        config.backtest_lead.total_seconds() / 3600,
                        config.results_delay.total_seconds() / 3600,
                        len(predictions),
                        len(sim.bets),
                        created_at,
                    ],
                )
                created = True
        books.append(_Book(book_id, model_name, variant_name, strategy, created, len(predictions)))
    return books


@dataclass(frozen=True)
class _Book:
    backtest_id: str
    model: str
    variant: str
    strategy: Strategy
    created: bool
    predictions: int


def _book_results(conn: Connection, books: Sequence[_Book]) -> list[BacktestResult]:
    """The books' totals, in their order, from one query: each pass over the settled-bets view
    reads every settlement of the warehouse, whichever book it asks for."""
    if not books:
        return []
    stats = {
        row[0]: row[1:]
        for row in conn.fetchall(_BOOK_STATS_SQL, [[book.backtest_id for book in books]])
    }
    results = []
    for book in books:
        bets, wins, staked, average_clv, profit = stats.get(book.backtest_id, (0, 0, 0, None, 0))
        results.append(
            BacktestResult(
                backtest_id=book.backtest_id,
                model=book.model,
                variant=book.variant,
                strategy=book.strategy.name,
                created=book.created,
                predictions=book.predictions,
                bets=int(bets or 0),
                wins=int(wins or 0),
                staked=to_decimal(staked or 0),
                profit=to_decimal(profit or 0),
                bankroll_start=book.strategy.bankroll,
                average_clv=float_or_none(average_clv),
            )
        )
    return results


def _simulate(
    conn: Connection,
    strategy: Strategy,
    config: BettingConfig,
    keys: list[str],
    predictions: pd.DataFrame,
    results: dict[str, MatchResult],
    book_id: str,
    run_id: str,
) -> Simulation:
    """One strategy through one walk-forward variant (``keys``: run id, league, model,
    variant) at the strategy's pre-match prices: what a backtest writes, or a dry run shows."""
    source_run_id, _, model, variant = keys
    prices = conn.query_df(_BACKTEST_PRICES_SQL, [strategy.odds_source, *keys])
    priced = predictions.merge(prices, on="match_id", how="inner")
    return simulate(
        strategy,
        [prospect(row, source_run_id) for row in priced.itertuples(index=False)],
        results,
        book_id=book_id,
        run_id=run_id,
        model=ModelRef(model, variant=variant),
        lead=config.backtest_lead,
        results_delay=config.results_delay,
        void_after=config.void_after,
    )


@dataclass
class DryRun:
    """A backtest of one strategy that was simulated and not written (the API's
    POST /betting/simulate): which predictions it replayed and what the book did."""

    source_run_id: str
    model: str
    variant: str
    predictions: int
    simulation: Simulation


def simulate_backtest(
    conn: Connection,
    league: str,
    strategy: Strategy,
    config: BettingConfig,
    *,
    run_id: str | None = None,
    model: str | None = None,
    variant: str | None = None,
) -> DryRun:
    """What :func:`backtest` would do with ``strategy`` on one walk-forward variant (default:
    the latest run and the model it selected), through the same :func:`simulate`, without
    writing anything: ``conn`` may be read-only."""
    require_marts(conn, PRICES, RESULTS, TRAINING_RUNS)
    source_run_id = _choose_run(conn, league, run_id)
    if model in CLOSING_PRICE_MODELS:
        raise BettingError(
            f"{model} is made from closing prices, known only at kickoff: a backtest "
            "with it would bet knowing the closing line"
        )
    if model is None:
        selected = first_row(conn, _SELECTED_VARIANT_SQL, [source_run_id, league])
        if selected is None:
            raise BettingError(
                f"walk-forward run {source_run_id} selected no model for {league}: name one"
            )
        model, variant = str(selected[0]), variant or str(selected[1])
    pairs = [
        (m, v)
        for m, v in conn.fetchall(_WALK_FORWARD_VARIANTS_SQL, [source_run_id, league])
        if m == model and (variant is None or v == variant)
    ]
    if not pairs:
        raise BettingError(
            f"walk-forward run {source_run_id} has no predictions of model {model} "
            f"variant {variant or 'any'} for {league}"
        )
    model, variant = pairs[0]
    keys = [source_run_id, league, model, variant]
    predictions = conn.query_df(_WALK_FORWARD_SQL, keys).drop_duplicates("match_id", keep="last")
    results = {row.match_id: match_result(row) for row in predictions.itertuples(index=False)}
    book_id = "dry-" + backtest_id(source_run_id, league, model, variant, strategy)
    simulation = _simulate(conn, strategy, config, keys, predictions, results, book_id, book_id)
    return DryRun(source_run_id, model, variant, len(predictions), simulation)
