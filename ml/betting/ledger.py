"""The betting ledgers in the warehouse: ``plpred bet``, ``plpred settle``, ``plpred backtest``.

This module is the I/O around the pure maths (:mod:`ml.betting.strategies`,
:mod:`ml.betting.settlement`, :mod:`ml.betting.simulation`): it reads predictions and prices
from the warehouse, asks the pure code what to do, and appends rows to ``betting.*``
(sql/ddl/020_create_betting_tables.sql). Nothing is ever updated or deleted.

Longer queries are files in ``sql/betting/``; short statements stay here. Prices come from the
dbt mart ``marts.fct_prematch_odds`` (pre-match books only), results and
closing prices from ``marts.fct_matches``: run ``plpred transform`` after ingesting and before
betting or settling. Every time is UTC, naive, the warehouse's one convention for stored
timestamps (:mod:`ml.clock`): ``kickoff_at`` of the marts, ``placed_at``, ``settled_at`` and
``created_at`` of the ledgers alike. ``as_of`` may be aware (any zone) or naive UTC; messages
show kickoffs in UK time.

Writers serialise on a Postgres advisory lock (DuckDB has one writer anyway), and every step
is idempotent: bet ids are a hash of (book, strategy, match), settlements are written only
where the verdict differs from the bet's effective settlement, and a backtest of the same
source run, model, variant and strategy version is written once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from ml.betting.records import (
    LIVE_BOOK,
    BetRecord,
    SettlementRecord,
    records_frame,
    stable_id,
)
from ml.betting.settlement import BookState, Effective, MatchResult, judge
from ml.betting.simulation import ModelRef, Prospect, Simulation, simulate, strike
from ml.betting.strategies import SELECTIONS, BettingConfig, Strategy, load_config
from ml.clock import describe, now, uk_local, utc_naive
from ml.config import Settings
from ml.warehouse.connection import Connection, apply_ddl, connect, read_sql

_BETTING_LOCK = 0x706C62657473  # "plbets": advisory lock key of the betting ledgers
_PRICES = "marts.fct_prematch_odds"
# Walk-forward "models" made from closing prices (ml/modeling/train.py's market_close yardstick): betting
# with them would bet knowing the closing line, so a backtest never replays them.
CLOSING_PRICE_MODELS = frozenset({"market_close"})
_RESULTS = "marts.fct_matches"


class BettingError(RuntimeError):
    """Betting cannot proceed; the message says what is missing and what to run."""


def now_utc() -> datetime:
    """The current time in the stored convention (UTC, naive), to compare with ``kickoff_at``.

    The default when a step is given no ``as_of``; callers should pass their own clock.
    """
    return utc_naive(now())


def resolve_as_of(as_of: datetime | None) -> datetime:
    """``as_of`` in the stored convention: an aware datetime (any zone) converted to UTC, a
    naive one taken as UTC already; None means now."""
    return now_utc() if as_of is None else utc_naive(as_of)


def fmt_uk(moment: datetime) -> str:
    """A stored (UTC, naive) time as people read it: '2026-03-29 14:00 UK'."""
    return f"{uk_local(moment):%Y-%m-%d %H:%M} UK"


# --- SQL: queries live in sql/betting/, with ``?`` placeholders ------------------------------


def _sql(name: str) -> str:
    """A query of ``sql/betting/`` (read once, at import): longer SQL lives in files."""
    return read_sql(f"betting/{name}")


_LIVE_PROSPECTS_SQL = _sql("select_live_prospects.sql")

_BOOK_START_SQL = """
select bankroll_start from betting.bets
where book_id = ? and strategy = ?
order by placed_at, bet_id
limit 1
"""

_BOOK_LAST_ROW_SQL = """
select seq, bankroll_after from betting.settlements
where book_id = ? and strategy = ?
order by seq desc
limit 1
"""

_OPEN_STAKES_SQL = """
select coalesce(sum(bets.stake), 0) from betting.bets as bets
where
    bets.book_id = ? and bets.strategy = ?
    and not exists (select 1 from betting.settlements as s where s.bet_id = bets.bet_id)
"""

_BETS_WITH_EFFECTIVE_SETTLEMENT_SQL = _sql("select_bets_with_effective_settlement.sql")

_RESULTS_OF_BETS_SQL = _sql("select_results_of_bets.sql")

_WALK_FORWARD_RUNS_SQL = _sql("select_walk_forward_runs.sql")

_WALK_FORWARD_VARIANTS_SQL = """
select distinct model, variant from ml.walk_forward_predictions
where run_id = ? and league = ?
order by model, variant
"""

_WALK_FORWARD_SQL = _sql("select_walk_forward_predictions.sql")

_BACKTEST_PRICES_SQL = _sql("select_backtest_prices.sql")

_BOOK_STATS_SQL = _sql("select_book_stats.sql")

_SELECTED_VARIANT_SQL = _sql("select_selected_variant.sql")


# --- shared helpers ---------------------------------------------------------------------------


def _require_marts(conn: Connection, *tables: str) -> None:
    missing = [t for t in tables if not conn.table_exists(t)]
    if missing:
        raise BettingError(
            f"{', '.join(missing)} not found in the {conn.target} warehouse: "
            "run `plpred transform` (dbt build) after ingesting, then bet, settle or backtest"
        )


def _lock(conn: Connection) -> None:
    """Serialise betting writers on Postgres (inside a transaction; DuckDB has one writer)."""
    if conn.target == "postgres":
        conn.execute("select pg_advisory_xact_lock(?)", [_BETTING_LOCK])


def _record_strategy_versions(
    conn: Connection, strategies: Sequence[Strategy], recorded_at: datetime
) -> None:
    for strategy in strategies:
        known = _first_value(
            conn,
            "select count(*) from betting.strategy_versions where strategy = ? and strategy_version = ?",
            [strategy.name, strategy.version],
        )
        if not known:
            conn.execute(
                "insert into betting.strategy_versions "
                "(strategy, strategy_version, rule, params, recorded_at) values (?, ?, ?, ?, ?)",
                [
                    strategy.name,
                    strategy.version,
                    strategy.rule,
                    json.dumps(strategy.definition(), sort_keys=True),
                    recorded_at,
                ],
            )


def _write(conn: Connection, bets: list[BetRecord], settlements: list[SettlementRecord]) -> None:
    if bets:
        conn.insert_df("betting.bets", records_frame(bets, BetRecord))
    if settlements:
        conn.insert_df("betting.settlements", records_frame(settlements, SettlementRecord))


def _first_row(conn: Connection, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
    """The first row, fetched completely: DuckDB 2.0 refuses other work on a connection while
    a result is unfinished, which ``fetchone`` leaves behind."""
    rows = conn.fetchall(sql, params)
    return rows[0] if rows else None


def _first_value(conn: Connection, sql: str, params: Sequence[Any] | None = None) -> Any:
    row = _first_row(conn, sql, params)
    return None if row is None else row[0]


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _timestamp(value: Any) -> datetime:
    return pd.Timestamp(value).to_pydatetime()


def _load_book(conn: Connection, book_id: str, strategy: str, start: Decimal) -> BookState:
    """A ledger's state from the warehouse: start, last settlement row, open stakes."""
    first = _first_value(conn, _BOOK_START_SQL, [book_id, strategy])
    book = BookState.new(book_id, strategy, _decimal(first) if first is not None else start)
    last = _first_row(conn, _BOOK_LAST_ROW_SQL, [book_id, strategy])
    if last is not None:
        book.seq, book.bankroll = int(last[0]), _decimal(last[1])
    book.open_stakes = _decimal(_first_value(conn, _OPEN_STAKES_SQL, [book_id, strategy]))
    return book


def _match_result(row: Any) -> MatchResult:
    closing = {
        "PS": {s: _float_or_none(getattr(row, f"closing_pinnacle_{s}_odds")) for s in SELECTIONS},
        "Avg": {s: _float_or_none(getattr(row, f"closing_market_{s}_odds")) for s in SELECTIONS},
    }
    result = row.result if isinstance(row.result, str) and row.result else None
    return MatchResult(
        match_id=row.match_id,
        kickoff_at=_timestamp(row.kickoff_at),
        result=result,
        home_goals=_int_or_none(row.home_goals),
        away_goals=_int_or_none(row.away_goals),
        closing=closing,
    )


def _money(value: Decimal | float | None) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:+.1%}"


# --- plpred bet -------------------------------------------------------------------------------


@dataclass
class StrategyPlacement:
    strategy: str
    odds_source: str
    prospects: int
    bets: list[BetRecord]
    bankroll: Decimal
    available: Decimal


@dataclass
class PlacementSummary:
    """What ``plpred bet`` did: per strategy, the matches it looked at and the bets it placed."""

    run_id: str
    placed_at: datetime
    model: ModelRef | None
    strategies: list[StrategyPlacement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    match_labels: dict[str, str] = field(default_factory=dict)

    @property
    def bets(self) -> list[BetRecord]:
        return [bet for s in self.strategies for bet in s.bets]


def _resolve_champion(settings: Settings, model_version: str | None) -> ModelRef | None:
    """The registered champion of the league (MLflow alias), or the version asked for."""
    from ml.modeling.registry import get_alias, model_name, versions

    name = model_name(settings.league)
    if model_version is not None:
        # A version is known when the ledger holds its predictions (what the bets use), or,
        # failing that, when the registry has it.
        with connect(settings) as conn:
            apply_ddl(conn)
            predicted = {
                str(row[0]) for row in conn.fetchall(_sql("select_predicted_versions.sql"), [name])
            }
        if str(model_version) in predicted:
            return ModelRef(name, version=str(model_version))
        known = sorted({*predicted, *(v.version for v in versions(settings))}, key=int)
        if str(model_version) not in known:
            raise BettingError(
                f"{name} has no version {model_version}; versions: "
                f"{', '.join(known) or 'none yet (plpred train registers the first)'}"
            )
        return ModelRef(name, version=str(model_version))
    champion = get_alias(settings)
    return None if champion is None else ModelRef(champion.name, version=champion.version)


def place_bets(
    settings: Settings,
    *,
    strategies: Sequence[str] | None = None,
    console: Console | None = None,
    model_version: str | None = None,
    as_of: datetime | None = None,
    config: BettingConfig | None = None,
) -> PlacementSummary:
    """Bet on upcoming matches with the champion's predictions (``ml.predictions``).

    Each selected strategy looks at the matches of ``settings.league`` that have a prediction
    of the champion (or of ``model_version``), a pre-match price at its odds source, a
    kickoff after now, and no bet of its own yet; it places at most one bet per
    match, in kickoff order, staking from its live bankroll. ``as_of`` is the moment the
    bets are placed (aware in any zone, or naive UTC; default: now): a match that kicked off
    at or before it gets no bet.
    """
    console = console or Console(stderr=True)
    config = config or load_config()
    selected = config.select(strategies)
    placed_at = resolve_as_of(as_of)
    run_id = f"bet-{uuid.uuid4().hex[:12]}"
    model = _resolve_champion(settings, model_version)
    summary = PlacementSummary(run_id=run_id, placed_at=placed_at, model=model)
    if model is None:
        summary.notes.append(
            f"no champion model for {settings.league} yet: train one (plpred train), "
            "score the upcoming matches, then bet"
        )
        render_placement(summary, console)
        return summary

    with connect(settings) as conn:
        apply_ddl(conn)
        _require_marts(conn, _PRICES)
        with conn.transaction():
            _lock(conn)
            _record_strategy_versions(conn, selected, placed_at)
            for strategy in selected:
                book = _load_book(conn, LIVE_BOOK, strategy.name, strategy.bankroll)
                frame = conn.query_df(
                    _LIVE_PROSPECTS_SQL,
                    [
                        model.name,
                        model.version,
                        settings.league,
                        strategy.odds_source,
                        placed_at,
                        LIVE_BOOK,
                        strategy.name,
                    ],
                )
                placement = StrategyPlacement(
                    strategy.name,
                    strategy.odds_source,
                    len(frame),
                    [],
                    book.bankroll,
                    book.available,
                )
                for row in frame.itertuples(index=False):
                    summary.match_labels[row.match_id] = f"{row.home_team} v {row.away_team}"
                    bet = strike(
                        strategy,
                        book,
                        _live_prospect(row),
                        placed_at=placed_at,
                        mode="live",
                        run_id=run_id,
                        model=model,
                    )
                    if bet is not None:
                        placement.bets.append(bet)
                _write(conn, placement.bets, [])
                summary.strategies.append(placement)
    if not any(s.prospects for s in summary.strategies):
        summary.notes.append(
            f"no upcoming {settings.league} match has a prediction of {model.name} "
            f"v{model.version} and a pre-match price: ingest the fixtures, transform, then "
            "plpred score"
        )
    render_placement(summary, console)
    return summary


def _live_prospect(row: Any) -> Prospect:
    return Prospect(
        match_id=row.match_id,
        league=row.league,
        season=row.season,
        kickoff_at=_timestamp(row.kickoff_at),
        probabilities={"home": row.p_home, "draw": row.p_draw, "away": row.p_away},
        prices={"home": row.home_odds, "draw": row.draw_odds, "away": row.away_odds},
        prices_loaded_at=None if pd.isna(row.loaded_at) else _timestamp(row.loaded_at),
        prediction_ref=row.prediction_id,
    )


def render_placement(summary: PlacementSummary, console: Console) -> None:
    if summary.model is not None:
        table = Table(
            title=f"plpred bet: {summary.model.name} v{summary.model.version}, "
            f"{describe(summary.placed_at)}",
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        for heading in ("strategy", "prices"):
            table.add_column(heading, no_wrap=True)
        for heading in ("matches", "bets", "staked", "bankroll"):
            table.add_column(heading, justify="right", no_wrap=True)
        for s in summary.strategies:
            table.add_row(
                s.strategy,
                s.odds_source,
                str(s.prospects),
                str(len(s.bets)),
                _money(sum((b.stake for b in s.bets), Decimal(0))),
                _money(s.bankroll),
            )
        console.print(table)
        for bet in summary.bets:
            console.print(
                f"  {bet.strategy}: {bet.selection} in "
                f"{summary.match_labels.get(bet.match_id, bet.match_id)} "
                f"({fmt_uk(bet.kickoff_at)}) {_money(bet.stake)} at {bet.odds_taken:.2f} "
                f"{bet.odds_source}, model {bet.p_model:.1%} vs price {bet.p_implied:.1%}"
            )
    for note in summary.notes:
        console.print(f"[yellow]note[/yellow] {note}")


# --- plpred settle ----------------------------------------------------------------------------


@dataclass
class SettlementSummary:
    """What ``plpred settle`` wrote: counts by outcome, corrections, bets still open."""

    run_id: str
    settled_at: datetime
    rows: list[SettlementRecord] = field(default_factory=list)
    open_bets: int = 0
    bankrolls: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    @property
    def new_settlements(self) -> int:
        return sum(1 for r in self.rows if r.kind == "settlement" and r.revision == 1)

    @property
    def corrections(self) -> int:
        return sum(1 for r in self.rows if r.kind == "reversal")

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.kind == "settlement" and r.outcome == outcome)


def settle(
    settings: Settings,
    *,
    console: Console | None = None,
    as_of: datetime | None = None,
    config: BettingConfig | None = None,
) -> SettlementSummary:
    """Settle every bet whose match has a verdict, live and backtest alike.

    A bet is judged against ``marts.fct_matches`` as it is now (see the void rule in
    :mod:`ml.betting.settlement`). Bets without a settlement get one; bets whose effective
    settlement no longer matches the data (a corrected result) get a reversal and a new
    settlement; all others get nothing, so running it twice writes nothing the second time.
    ``as_of`` is the moment of settlement (aware in any zone, or naive UTC; default: now).
    """
    console = console or Console(stderr=True)
    config = config or load_config()
    settled_at = resolve_as_of(as_of)
    summary = SettlementSummary(run_id=f"settle-{uuid.uuid4().hex[:12]}", settled_at=settled_at)
    with connect(settings) as conn:
        apply_ddl(conn)
        _require_marts(conn, _RESULTS)
        with conn.transaction():
            _lock(conn)
            bets = conn.query_df(_BETS_WITH_EFFECTIVE_SETTLEMENT_SQL)
            results = {
                row.match_id: _match_result(row)
                for row in conn.query_df(_RESULTS_OF_BETS_SQL).itertuples(index=False)
            }
            books: dict[tuple[str, str], BookState] = {}
            for row in bets.itertuples(index=False):
                key = (row.book_id, row.strategy)
                if key not in books:
                    books[key] = _load_book(
                        conn, row.book_id, row.strategy, _decimal(row.bankroll_start)
                    )
                bet = _bet_record(row)
                match = results.get(bet.match_id)
                verdict = judge(
                    selection=bet.selection,
                    placed_at=bet.placed_at,
                    kickoff_at=bet.kickoff_at,
                    match=match,
                    as_of=settled_at,
                    void_after=config.void_after,
                )
                if verdict is None:
                    summary.open_bets += 1
                    continue
                previous = (
                    None
                    if row.effective_settlement_id is None or pd.isna(row.effective_settlement_id)
                    else Effective(
                        settlement_id=row.effective_settlement_id,
                        revision=int(row.effective_revision),
                        outcome=row.effective_outcome,
                        result=row.effective_result
                        if isinstance(row.effective_result, str)
                        else None,
                        profit=_decimal(row.effective_profit),
                    )
                )
                summary.rows += books[key].settle(
                    bet,
                    verdict,
                    previous=previous,
                    match=match,
                    run_id=summary.run_id,
                    settled_at=settled_at,
                )
            _write(conn, [], summary.rows)
            summary.bankrolls = {key: book.bankroll for key, book in books.items()}
    render_settlement(summary, console)
    return summary


def _bet_record(row: Any) -> BetRecord:
    """A ``betting.bets`` row (from a query) back as a :class:`BetRecord`."""
    values = row._asdict()
    fields_ = BetRecord.__dataclass_fields__
    data = {name: values[name] for name in fields_}
    for name in ("stake", "bankroll_start", "bankroll_at_placement"):
        data[name] = _decimal(data[name])
    for name in ("kickoff_at", "placed_at"):
        data[name] = _timestamp(data[name])
    for name in ("model_version", "model_variant", "odds_loaded_at"):
        if data[name] is not None and pd.isna(data[name]):
            data[name] = None
    return BetRecord(**data)


def render_settlement(summary: SettlementSummary, console: Console) -> None:
    console.print(
        f"plpred settle ({describe(summary.settled_at)}): "
        f"{summary.new_settlements} bet(s) settled "
        f"({summary.count('win')} won, {summary.count('loss')} lost, {summary.count('void')} void), "
        f"{summary.corrections} re-settled after a corrected result, "
        f"{summary.open_bets} still open"
    )
    for row in summary.rows:
        if row.kind == "reversal" or row.revision > 1 or row.outcome == "void":
            console.print(
                f"  {row.strategy} [{row.book_id}] {row.kind} {row.outcome}: {row.reason}"
            )
    live = {k: v for k, v in summary.bankrolls.items() if k[0] == LIVE_BOOK}
    for (_, strategy), bankroll in sorted(live.items()):
        console.print(f"  live bankroll {strategy}: {_money(bankroll)}")


# --- plpred backtest --------------------------------------------------------------------------


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
    dated = runs.dropna(subset=["evaluated_at"])
    if dated.empty:
        raise BettingError(
            f"several walk-forward runs for {league} and none in ml.model_evaluations: "
            f"choose one with --run-id ({', '.join(sorted(runs['run_id']))})"
        )
    return str(dated.sort_values(["evaluated_at", "run_id"]).iloc[-1]["run_id"])


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
        _require_marts(conn, _PRICES, _RESULTS)
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
        for model_name, variant_name in pairs:
            _backtest_variant(
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
) -> None:
    keys = [source_run_id, league, model_name, variant_name]
    predictions = conn.query_df(_WALK_FORWARD_SQL, keys)
    duplicated = int(predictions["match_id"].duplicated().sum())
    if duplicated:
        summary.notes.append(
            f"{model_name}/{variant_name}: {duplicated} match(es) predicted more than once in "
            "the run; the last prediction of each is used"
        )
        predictions = predictions.drop_duplicates("match_id", keep="last")
    results = {row.match_id: _match_result(row) for row in predictions.itertuples(index=False)}
    ref = ModelRef(model_name, variant=variant_name)
    for strategy in strategies:
        book_id = backtest_id(source_run_id, league, model_name, variant_name, strategy)
        created = False
        with conn.transaction():
            _lock(conn)
            exists = _first_value(
                conn, "select count(*) from betting.backtests where backtest_id = ?", [book_id]
            )
            if not exists:
                prices = conn.query_df(_BACKTEST_PRICES_SQL, [strategy.odds_source, *keys])
                sim = simulate(
                    strategy,
                    _backtest_prospects(predictions, prices, source_run_id),
                    results,
                    book_id=book_id,
                    run_id=invocation,
                    model=ref,
                    lead=config.backtest_lead,
                    results_delay=config.results_delay,
                    void_after=config.void_after,
                )
                _record_strategy_versions(conn, [strategy], created_at)
                _write(conn, sim.bets, sim.settlements)
                conn.execute(
                    "insert into betting.backtests (backtest_id, source_run_id, league, model, "
                    "variant, strategy, strategy_version, lead_hours, results_delay_hours, "
                    "n_predictions, n_bets, created_at) "
                    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        bets, wins, staked, average_clv, profit = _first_row(
            conn, _BOOK_STATS_SQL, [book_id, strategy.name, book_id, strategy.name]
        ) or (0, 0, 0, None, 0)
        summary.results.append(
            BacktestResult(
                backtest_id=book_id,
                model=model_name,
                variant=variant_name,
                strategy=strategy.name,
                created=created,
                predictions=len(predictions),
                bets=int(bets or 0),
                wins=int(wins or 0),
                staked=_decimal(staked or 0),
                profit=_decimal(profit or 0),
                bankroll_start=strategy.bankroll,
                average_clv=_float_or_none(average_clv),
            )
        )


def _backtest_prospects(
    predictions: pd.DataFrame, prices: pd.DataFrame, source_run_id: str
) -> list[Prospect]:
    priced = predictions.merge(prices, on="match_id", how="inner")
    return [
        Prospect(
            match_id=row.match_id,
            league=row.league,
            season=row.season,
            kickoff_at=_timestamp(row.kickoff_at),
            probabilities={"home": row.p_home, "draw": row.p_draw, "away": row.p_away},
            prices={"home": row.home_odds, "draw": row.draw_odds, "away": row.away_odds},
            prices_loaded_at=None if pd.isna(row.loaded_at) else _timestamp(row.loaded_at),
            prediction_ref=source_run_id,
        )
        for row in priced.itertuples(index=False)
    ]


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
    _require_marts(conn, _PRICES, _RESULTS)
    source_run_id = _choose_run(conn, league, run_id)
    if model in CLOSING_PRICE_MODELS:
        raise BettingError(
            f"{model} is made from closing prices, known only at kickoff: a backtest "
            "with it would bet knowing the closing line"
        )
    if model is None:
        selected = _first_row(conn, _SELECTED_VARIANT_SQL, [source_run_id, league])
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
    results = {row.match_id: _match_result(row) for row in predictions.itertuples(index=False)}
    prices = conn.query_df(_BACKTEST_PRICES_SQL, [strategy.odds_source, *keys])
    book_id = "dry-" + backtest_id(source_run_id, league, model, variant, strategy)
    simulation = simulate(
        strategy,
        _backtest_prospects(predictions, prices, source_run_id),
        results,
        book_id=book_id,
        run_id=book_id,
        model=ModelRef(model, variant=variant),
        lead=config.backtest_lead,
        results_delay=config.results_delay,
        void_after=config.void_after,
    )
    return DryRun(source_run_id, model, variant, len(predictions), simulation)


def render_backtest(summary: BacktestSummary, console: Console) -> None:
    table = Table(
        title=f"plpred backtest: {summary.league}, walk-forward run {summary.source_run_id}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for heading in ("model/variant", "strategy", "backtest"):
        table.add_column(heading, no_wrap=True)
    for heading in ("matches", "bets", "hit", "staked", "profit", "yield", "ROI", "CLV"):
        table.add_column(heading, justify="right", no_wrap=True)
    for r in summary.results:
        table.add_row(
            f"{r.model}/{r.variant}",
            r.strategy,
            r.backtest_id + ("" if r.created else " (existing)"),
            str(r.predictions),
            str(r.bets),
            f"{r.wins / r.bets:.0%}" if r.bets else "",
            _money(r.staked),
            _money(r.profit),
            _percent(r.yield_),
            _percent(r.roi),
            _percent(r.average_clv),
        )
    console.print(table)
    losing = [r for r in summary.results if r.bets and r.profit < 0]
    if losing:
        console.print(
            f"{len(losing)} of {sum(1 for r in summary.results if r.bets)} backtests lost money. "
            "That is the usual, honest result: bookmakers' margins (several percent on 1X2) "
            "outweigh all but a real edge, and prices at Max are the best in the market, "
            "rarely all available to one punter. A positive average CLV is the better sign "
            "of skill than a profit on a few hundred bets."
        )
    for note in summary.notes:
        console.print(f"[yellow]note[/yellow] {note}")


__all__ = [
    "BettingError",
    "PlacementSummary",
    "SettlementSummary",
    "BacktestSummary",
    "backtest",
    "simulate_backtest",
    "place_bets",
    "settle",
]
