"""The bodies the API takes and returns. Times ending in ``_at`` are UTC (ISO 8601 with an
offset); ``kickoff_at_uk`` is the kickoff in UK wall-clock time, as football-data publishes it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

MAX_BATCH = 500
MAX_PAGE = 1000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    error: str = Field(description="A short code: invalid_request, unknown_team, ...")
    detail: str = Field(description="What went wrong and what to do")
    request_id: str = Field(description="Also in the X-Request-ID header and the access log")


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    total: int = Field(description="Rows matching the filters, over every page")
    next_offset: int | None = Field(description="The offset of the next page; null on the last")


# --- health and model ------------------------------------------------------------------------


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyOut(BaseModel):
    ready: bool
    target: str
    checks: dict[str, str]


class EvaluationOut(BaseModel):
    model: str
    variant: str
    is_selected: bool
    season: str
    rps: float | None
    log_loss: float | None
    n_matches: int | None


class ModelVersionOut(BaseModel):
    name: str
    version: str
    label: str
    run_id: str
    trained_as_of: datetime | None
    training_data_end: str | None = Field(description="The last kickoff date it learned from")
    refit_of: str | None = Field(description="The version whose configuration it refits")
    configuration: dict[str, Any] | None
    walk_forward: list[EvaluationOut] = Field(
        description="Its training run's walk-forward evaluation (of the version it refits, for "
        "a refit), beside the market's pre-match and closing prices on the same matches"
    )


class LeagueModelOut(BaseModel):
    league: str
    champion: ModelVersionOut | None
    challenger: ModelVersionOut | None
    last_refit_at: datetime | None


class ModelOut(BaseModel):
    as_of: datetime
    leagues: list[LeagueModelOut]


# --- matches and stored predictions ----------------------------------------------------------


class MatchOut(BaseModel):
    match_id: str
    league: str
    season: str
    kickoff_at: datetime
    kickoff_at_uk: datetime
    home_team: str
    away_team: str
    home_odds: float | None
    draw_odds: float | None
    away_odds: float | None
    market_p_home: float | None = Field(description="Pre-match, margin removed proportionally")
    market_p_draw: float | None
    market_p_away: float | None


class UpcomingPredictionOut(BaseModel):
    match_id: str
    league: str
    season: str
    kickoff_at: datetime
    kickoff_at_uk: datetime
    home_team: str
    away_team: str
    prediction_id: str
    model_name: str
    model_version: str
    model_label: str
    predicted_at: datetime
    p_home: float
    p_draw: float
    p_away: float
    market_p_home: float | None
    market_p_draw: float | None
    market_p_away: float | None
    edge_home: float | None = Field(description="Model minus market, in probability points")
    edge_draw: float | None
    edge_away: float | None


class UpcomingPredictionsOut(BaseModel):
    league: str
    as_of: datetime
    items: list[UpcomingPredictionOut]


class PredictionOut(BaseModel):
    prediction_id: str
    match_id: str
    league: str
    season: str
    kickoff_at: datetime
    kickoff_at_uk: datetime
    home_team: str
    away_team: str
    model_name: str
    model_version: str
    model_label: str
    predicted_at: datetime
    features_as_of: date | None
    p_home: float
    p_draw: float
    p_away: float
    result: Literal["H", "D", "A"] | None = Field(description="Once the match is played")
    home_goals: int | None
    away_goals: int | None


# --- predict on demand -----------------------------------------------------------------------


class Odds(Strict):
    home: float = Field(gt=1, description="Decimal odds of a home win")
    draw: float = Field(gt=1)
    away: float = Field(gt=1)


class PredictIn(Strict):
    league: str = Field(min_length=1, max_length=10, examples=["E0"])
    home_team: str = Field(min_length=1, max_length=100, examples=["Arsenal"])
    away_team: str = Field(min_length=1, max_length=100, examples=["Chelsea"])
    kickoff: datetime = Field(
        description="The kickoff; without an offset it is UK time, as football-data publishes it",
        examples=["2026-03-14T15:00:00"],
    )
    odds: Odds | None = Field(
        default=None,
        description="Pre-match prices to use instead of the warehouse's (for a champion that "
        "reads the market; they stand for both the market average and Pinnacle)",
    )


class PredictOut(BaseModel):
    league: str
    home_team: str
    away_team: str
    kickoff_at: datetime
    p_home: float
    p_draw: float
    p_away: float
    model_name: str
    model_version: str
    model_label: str
    features_as_of: date | None = Field(
        description="The cut-off of the features: the latest match day they use"
    )
    features_source: Literal["match", "teams"] = Field(
        description="match: the features row batch scoring reads for this very match; teams: "
        "each team's form from its next match in the marts"
    )
    market_source: Literal["warehouse", "request"] | None
    match_id: str | None
    as_of: datetime
    stored: bool = Field(description="Written to ml.predictions (store=true with the token)")
    prediction_id: str | None


class PredictBatchIn(Strict):
    matches: list[PredictIn] = Field(min_length=1, max_length=MAX_BATCH)


class BatchItemError(BaseModel):
    error: str
    detail: str


class BatchItemOut(BaseModel):
    index: int
    prediction: PredictOut | None
    error: BatchItemError | None


class PredictBatchOut(BaseModel):
    results: list[BatchItemOut]


# --- betting ---------------------------------------------------------------------------------


class StrategyOut(BaseModel):
    name: str
    rule: str
    description: str
    odds_source: str
    bankroll: float
    min_stake: float
    params: dict[str, float]
    version: str


class PerformanceRow(BaseModel):
    book_id: str
    season: str
    bets: int
    open_bets: int | None
    wins: int | None
    losses: int | None
    voids: int | None
    hit_rate: float | None
    staked: float | None
    profit: float | None
    yield_: float | None = Field(alias="yield", serialization_alias="yield")
    roi: float | None
    bankroll_start: float | None
    bankroll_end: float | None
    max_drawdown: float | None
    max_drawdown_fraction: float | None
    average_clv: float | None

    model_config = ConfigDict(populate_by_name=True)


class PerformanceOut(BaseModel):
    strategy: str
    league: str
    mode: Literal["live", "backtest"]
    rows: list[PerformanceRow] = Field(description="'all' first, then each season")


class BetOut(BaseModel):
    bet_id: str
    book_id: str
    book_kind: str
    strategy: str
    match_id: str
    season: str
    kickoff_at: datetime
    kickoff_at_uk: datetime
    home_team: str
    away_team: str
    selection: str
    odds_taken: float
    odds_source: str
    stake: float
    p_model: float
    edge: float
    model_version: str | None
    placed_at: datetime
    outcome: str | None
    settled_at: datetime | None
    profit: float | None
    clv: float | None


class StrategyIn(Strict):
    name: str = Field(default="simulated", min_length=1, max_length=60)
    rule: Literal["seed", "value", "kelly", "flat"]
    odds_source: str = Field(min_length=1, max_length=10, examples=["Avg"])
    bankroll: float = Field(default=1000.0, gt=0)
    min_stake: float = Field(default=1.0, ge=0)
    params: dict[str, float] = Field(
        description="The rule's parameters, as in ml/strategies.toml",
        examples=[{"min_edge": 0.03, "kelly_fraction": 0.25, "max_stake_fraction": 0.05}],
    )


class SimulateIn(Strict):
    league: str = Field(default="E0", min_length=1, max_length=10)
    strategy: StrategyIn
    run_id: str | None = Field(default=None, description="Walk-forward run; default the latest")
    model: str | None = Field(default=None, description="Default: the model the run selected")
    variant: str | None = None


class SimulateOut(BaseModel):
    league: str
    source_run_id: str
    model: str
    variant: str
    strategy: str
    strategy_version: str
    matches: int
    bets: int
    wins: int
    hit_rate: float | None
    staked: float
    profit: float
    yield_: float | None = Field(serialization_alias="yield")
    roi: float | None
    bankroll_start: float
    bankroll_end: float
    max_drawdown: float
    average_clv: float | None


# --- retraining and jobs ---------------------------------------------------------------------


class DecisionOut(BaseModel):
    decision_id: str
    decided_at: datetime
    as_of: datetime
    trigger: str | None
    reason: str | None
    action: str
    model_version_before: str | None
    model_version_after: str | None
    executed_at: datetime | None
    state: str | None
    model_changed: bool | None
    monitoring_run_id: str | None


class RetrainingStatusOut(BaseModel):
    league: str
    as_of: datetime
    policy: dict[str, Any] = Field(description="ml/retraining.toml as the monitor reads it")
    last_decision: DecisionOut | None
    next_check_at: datetime = Field(
        description="The next daily run's start (plpred_ingest, 07:00 UK), after which the "
        "monitor step decides again"
    )


class JobOut(BaseModel):
    """A retraining action run as a local background job (no Airflow configured)."""

    runner: Literal["local"] = Field(
        "local", description="Where the step runs: a child process of the API"
    )
    id: str
    kind: str
    step: str
    state: Literal["running", "succeeded", "failed"]
    as_of: datetime
    command: list[str]
    exit_code: int | None
    output: str = Field(description="The last lines the step printed")


class AirflowRunOut(BaseModel):
    """A retraining action handed to Airflow (``PLPRED_AIRFLOW_URL`` set): the DAG run it
    triggered, queued for Airflow's scheduler. Follow it in Airflow (``url``), not under
    /v1/jobs."""

    runner: Literal["airflow"] = Field(description="Where the step runs: an Airflow DAG run")
    kind: Literal["check", "force"]
    step: str = Field(description="The catalogue step the action is for (monitor, train)")
    as_of: datetime
    dag_id: str
    dag_run_id: str
    logical_date: datetime = Field(
        description="The run's logical date, the request's clock: the DAG's tasks run at it"
    )
    state: str = Field(description="The run's state as Airflow created it (queued)")
    conf: dict[str, Any] = Field(description="The run's configuration (the DAG's params)")
    url: str = Field(description="The run in Airflow's UI")
    api_url: str = Field(description="The run in Airflow's REST API (GET it with a token)")
