"""Strategies, their books, the bets, and a strategy simulated over stored predictions."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from ml.api import sql
from ml.api.deps import AppState
from ml.api.errors import ApiError
from ml.api.predict import check_league
from ml.api.routers.matches import League, Limit, Offset, page
from ml.api.schemas import (
    BetOut,
    ErrorOut,
    Page,
    PerformanceOut,
    SimulateIn,
    SimulateOut,
    StrategyOut,
)
from ml.betting.backtest import simulate_backtest
from ml.betting.settlement import WIN
from ml.betting.strategies import load_config, parse_config
from ml.betting.warehouse import BettingError
from ml.config import ConfigError

router = APIRouter(tags=["betting"])

BOOK_KINDS = {"live": "live", "backtest": "latest_backtest"}


@router.get("/strategies", response_model=list[StrategyOut], summary="The configured strategies")
def strategies() -> list[StrategyOut]:
    return [
        StrategyOut(
            name=s.name,
            rule=s.rule,
            description=s.description,
            odds_source=s.odds_source,
            bankroll=float(s.bankroll),
            min_stake=float(s.min_stake),
            params={k: float(v) for k, v in s.params.items()},
            version=s.version,
        )
        for s in load_config().strategies.values()
    ]


@router.get(
    "/strategies/{name}/performance",
    response_model=PerformanceOut,
    response_model_by_alias=True,
    summary="Bankroll, yield, hit rate, drawdown and CLV of a strategy's live book or latest backtest",
    responses={404: {"model": ErrorOut}},
)
def performance(
    app: AppState,
    name: Annotated[str, Path(min_length=1, max_length=60)],
    mode: Literal["live", "backtest"] = "live",
    league: League = "E0",
) -> dict:
    known = load_config().strategies
    if name not in known:
        raise ApiError(
            404, "not_found", f"no strategy {name!r}; strategies: {', '.join(sorted(known))}"
        )
    with app.warehouse.read() as conn:
        check_league(conn, league)
        rows = sql.frame(
            conn,
            "betting__strategy_performance",
            league=league,
            strategy=name,
            book_kind=BOOK_KINDS[mode],
        )
    return {"strategy": name, "league": league, "mode": mode, "rows": sql.records(rows)}


@router.get("/bets", response_model=Page[BetOut], summary="Bets, open or settled, paginated")
def bets(
    app: AppState,
    league: League = "E0",
    strategy: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    status: Literal["open", "settled", "all"] = "all",
    mode: Literal["live", "backtest"] = "live",
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict:
    with app.warehouse.read() as conn:
        rows = sql.frame(
            conn,
            "betting__bets",
            league=league,
            strategy=strategy,
            book_kind=BOOK_KINDS[mode],
            status=status,
            row_limit=limit,
            row_offset=offset,
        )
    return page(rows, sql.records(rows), limit, offset)


@router.post(
    "/betting/simulate",
    response_model=SimulateOut,
    summary="A strategy run over the stored walk-forward predictions; nothing is written",
    responses={422: {"model": ErrorOut}},
)
def simulate(app: AppState, body: SimulateIn) -> dict:
    base = load_config()
    table = {
        "rule": body.strategy.rule,
        "odds_source": body.strategy.odds_source,
        "bankroll": body.strategy.bankroll,
        "min_stake": body.strategy.min_stake,
        **body.strategy.params,
    }
    try:
        config = parse_config(
            {
                "strategies": {body.strategy.name: table},
                "settlement": {"void_after_days": base.void_after.total_seconds() / 86400},
                "backtest": {
                    "lead_hours": base.backtest_lead.total_seconds() / 3600,
                    "results_delay_hours": base.results_delay.total_seconds() / 3600,
                },
            },
            source="the posted strategy",
        )
    except (ConfigError, ValueError, TypeError) as exc:
        raise ApiError(422, "invalid_strategy", str(exc)) from exc
    strategy = config.strategies[body.strategy.name]
    with app.warehouse.read() as conn:
        check_league(conn, body.league)
        try:
            run = simulate_backtest(
                conn,
                body.league,
                strategy,
                config,
                run_id=body.run_id,
                model=body.model,
                variant=body.variant,
            )
        except BettingError as exc:
            raise ApiError(422, "cannot_simulate", str(exc)) from exc
    sim = run.simulation
    settled = {s.bet_id: s for s in sim.settlements}
    wins = sum(1 for s in settled.values() if s.outcome == WIN)
    staked = sum((b.stake for b in sim.bets), Decimal(0))
    profit = sum((s.profit for s in settled.values()), Decimal(0))
    bankroll = strategy.bankroll
    peak, drawdown = bankroll, Decimal(0)
    for s in sorted(sim.settlements, key=lambda s: (s.settled_at, s.seq)):
        peak = max(peak, s.bankroll_after)
        drawdown = max(drawdown, peak - s.bankroll_after)
    clvs = [s.clv for s in settled.values() if s.clv is not None]
    return {
        "league": body.league,
        "source_run_id": run.source_run_id,
        "model": run.model,
        "variant": run.variant,
        "strategy": strategy.name,
        "strategy_version": strategy.version,
        "matches": run.predictions,
        "bets": len(sim.bets),
        "wins": wins,
        "hit_rate": wins / len(sim.bets) if sim.bets else None,
        "staked": float(staked),
        "profit": float(profit),
        "yield_": float(profit / staked) if staked else None,
        "roi": float(profit / bankroll) if bankroll else None,
        "bankroll_start": float(bankroll),
        "bankroll_end": float(sim.book.bankroll),
        "max_drawdown": float(drawdown),
        "average_clv": sum(clvs) / len(clvs) if clvs else None,
    }
