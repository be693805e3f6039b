"""Predictions on demand: the registry's champion on the point-in-time features of a match
as of its kickoff, computed as batch scoring computes them.

The features come from ``marts.mart_match_features``, the one table models read:

- a match the marts hold (same league, teams and UK kickoff date) is predicted on its own
  row, the row ``plpred score`` predicts it on (``features_source: match``);
- any other pairing takes each team's side of the row of that team's next match after the
  clock, which carries its form after every match it played before (dbt computes it, as for
  every fixture); only the rest days are counted again, to the requested kickoff
  (``features_source: teams``).

Features as of a kickoff are valid only while nothing can change them before it: the kickoff
must be after the clock, within :data:`MAX_HORIZON` of it, and neither team may play another
match between the clock and the kickoff (its result would change the form). Market columns
come from the match's row, or from the odds posted with the request (margins removed as dbt
removes them, through :func:`ml.models.metrics.implied_probabilities`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ml import clock
from ml.api import sql
from ml.api.errors import ApiError
from ml.api.schemas import Odds, PredictIn
from ml.modeling import registry
from ml.modeling.features import type_frame
from ml.modeling.score import input_columns
from ml.models.metrics import implied_probabilities
from ml.warehouse.connection import Connection

MAX_HORIZON = timedelta(days=14)
# The columns of one side of mart_match_features that describe the match, not the team.
_MATCH_SIDE_COLUMNS = ("home_team", "away_team")


@dataclass
class Resolved:
    """One request's features row (a one-row frame of mart_match_features' columns)."""

    request: PredictIn
    kickoff_at: datetime  # aware UTC
    features: pd.DataFrame
    source: str
    market_source: str | None
    match_id: str | None


def kickoff_utc(kickoff: datetime) -> datetime:
    """A request's kickoff as aware UTC; without an offset it is UK time."""
    if kickoff.tzinfo is None:
        kickoff = kickoff.replace(tzinfo=clock.UK)
    return clock.as_utc(kickoff)


def known_leagues(conn: Connection) -> list[str]:
    return [str(x) for x in sql.frame(conn, "leagues__known")["league"]]


def check_league(conn: Connection, league: str) -> None:
    leagues = known_leagues(conn)
    if league not in leagues:
        raise ApiError(
            422,
            "unknown_league",
            f"no league {league!r} in the warehouse; known: {', '.join(leagues) or 'none'}",
            known=leagues,
        )


def _check_teams(conn: Connection, request: PredictIn) -> None:
    teams = sql.frame(conn, "leagues__teams", league=request.league)
    known = set(teams["team"])
    unknown = [t for t in (request.home_team, request.away_team) if t not in known]
    if unknown:
        latest = teams["last_season"].max() if not teams.empty else None
        current = sorted(teams.loc[teams["last_season"] == latest, "team"].astype(str))
        raise ApiError(
            422,
            "unknown_team",
            f"no team {' or '.join(repr(t) for t in unknown)} in {request.league}; the teams of "
            f"its latest season ({latest}): {', '.join(current)}",
            known=current,
        )
    if request.home_team == request.away_team:
        raise ApiError(422, "invalid_request", "home_team and away_team are the same team")


def _side(row: pd.Series, team: str) -> str:
    return "home" if row["home_team"] == team else "away"


def _team_form(row: pd.Series, team: str, as_side: str) -> dict[str, Any]:
    """The team's columns of ``row`` (its side), renamed to ``as_side``."""
    side = _side(row, team)
    out: dict[str, Any] = {}
    for column, value in row.items():
        if column.startswith(f"{side}_") and column not in _MATCH_SIDE_COLUMNS:
            out[f"{as_side}_{column.removeprefix(side + '_')}"] = value
    return out


def _next_match(
    conn: Connection, league: str, team: str, as_of: datetime, kickoff: datetime
) -> pd.Series:
    rows = sql.frame(
        conn, "predict__team_next_match", league=league, team=team, as_of=clock.utc_naive(as_of)
    )
    if rows.empty:
        raise ApiError(
            422,
            "no_features",
            f"{team} has no match after the clock in the marts: a team's form is computed "
            "ahead of a match it plays, and none is listed (the season is over, or its "
            "fixtures are not published yet)",
        )
    row = rows.iloc[0]
    next_kickoff = clock.as_utc(pd.Timestamp(row["kickoff_at"]).to_pydatetime())
    if next_kickoff < kickoff:
        raise ApiError(
            422,
            "kickoff_too_far",
            f"{team} plays {row['home_team']} v {row['away_team']} at "
            f"{next_kickoff:%Y-%m-%d %H:%M} UTC, before this kickoff: its form as of the "
            "kickoff depends on that result. Predict matches up to its next one, or move the "
            "clock (as_of) past it",
        )
    return row


def _with_odds(features: pd.DataFrame, odds: Odds) -> pd.DataFrame:
    prices = np.array([[odds.home, odds.draw, odds.away]], dtype=float)
    power = implied_probabilities(prices, method="power").probabilities[0]
    proportional = implied_probabilities(prices, method="proportional").probabilities[0]
    out = features.copy()
    for i, side in enumerate(("home", "draw", "away")):
        for book in ("market", "pinnacle"):
            out[f"prematch_{book}_{side}_odds"] = prices[0, i]
        out[f"prematch_market_{side}_prob_power"] = power[i]
        out[f"prematch_market_{side}_prob_proportional"] = proportional[i]
        out[f"prematch_pinnacle_{side}_prob"] = proportional[i]
    out["prematch_market_overround"] = float((1.0 / prices).sum())
    return out


def resolve(conn: Connection, request: PredictIn, as_of: datetime) -> Resolved:
    """The features row of ``request`` as of its kickoff, at the clock ``as_of``; an
    :class:`ApiError` that says why when there is none."""
    check_league(conn, request.league)
    _check_teams(conn, request)
    kickoff = kickoff_utc(request.kickoff)
    if kickoff <= as_of:
        raise ApiError(
            422,
            "kickoff_in_past",
            f"the kickoff {kickoff:%Y-%m-%d %H:%M} UTC is not after the clock "
            f"{as_of:%Y-%m-%d %H:%M} UTC: a prediction is made before its match (to see what "
            "a past clock would have predicted, pass as_of)",
        )
    if kickoff - as_of > MAX_HORIZON:
        raise ApiError(
            422,
            "kickoff_too_far",
            f"the kickoff is more than {MAX_HORIZON.days} days after the clock: the features "
            "as of then are not known yet (results and fixtures in between will change them)",
        )
    home = _next_match(conn, request.league, request.home_team, as_of, kickoff)
    away = _next_match(conn, request.league, request.away_team, as_of, kickoff)
    kickoff_date = clock.uk_local(kickoff).date()
    exact = sql.frame(
        conn,
        "predict__match_features",
        league=request.league,
        home_team=request.home_team,
        away_team=request.away_team,
        kickoff_date=kickoff_date,
    )
    if not exact.empty:
        features, source = exact.iloc[[0]].reset_index(drop=True), "match"
        match_id = str(features["match_id"].iloc[0])
        market = "warehouse"
    else:
        values = {
            **{c: home[c] for c in home.index if not c.startswith(("home_", "away_"))},
            **_team_form(home, request.home_team, "home"),
            **_team_form(away, request.away_team, "away"),
        }
        values.update(
            {
                "match_id": None,
                "home_team": request.home_team,
                "away_team": request.away_team,
                "kickoff_date": pd.Timestamp(kickoff_date),
                "kickoff_at": clock.utc_naive(kickoff),
                "kickoff_at_uk": clock.uk_local(kickoff),
                "is_played": False,
                "features_as_of": max(
                    pd.Timestamp(values["home_features_as_of"]),
                    pd.Timestamp(values["away_features_as_of"]),
                ),
            }
        )
        for side in ("home", "away"):
            last = values.get(f"{side}_last_match_date")
            values[f"{side}_rest_days"] = (
                None
                if last is None or pd.isna(last)
                else (kickoff_date - pd.Timestamp(last).date()).days
            )
        for column in values:
            if column.startswith(("prematch_", "label_")):
                values[column] = None
        features, source, match_id, market = pd.DataFrame([values]), "teams", None, None
    if request.odds is not None:
        features, market = _with_odds(features, request.odds), "request"
    return Resolved(request, kickoff, features, source, market, match_id)


def check_champion(
    champion: registry.RegisteredVersion | None,
    league: str,
    resolved: list[Resolved],
    as_of: datetime,
) -> registry.RegisteredVersion:
    if champion is None:
        raise ApiError(
            409,
            "no_champion",
            f"there is no champion model for {league} yet: `plpred train` makes one",
        )
    trained = champion.trained_as_of
    if trained is not None and clock.as_utc(trained) > as_of:
        raise ApiError(
            422,
            "clock_before_champion",
            f"the champion ({champion.name} v{champion.version}) was trained at "
            f"{clock.as_utc(trained):%Y-%m-%d %H:%M} UTC, after the clock: it may have learned "
            "from the results this clock does not know yet",
        )
    end = champion.training_data_end
    for item in resolved:
        if end and str(clock.uk_local(item.kickoff_at).date()) <= end:
            raise ApiError(
                422,
                "trained_on_match",
                f"the champion learned from matches up to {end}: it does not predict a match "
                "on or before then",
            )
    return champion


def predict_frames(model: Any, resolved: list[Resolved]) -> pd.DataFrame:
    """The champion's probabilities for each resolved row, as batch scoring computes them
    (``type_frame``, then the pyfunc model on the columns it reads, missing values and all)."""
    columns = input_columns(model)
    reads_market = any(c.startswith("prematch_") for c in columns)
    for item in resolved:
        if reads_market and item.market_source is None:
            raise ApiError(
                422,
                "odds_required",
                "the champion reads the market's pre-match prices, and the marts have none for "
                "this pairing: post odds with the request",
            )
    frame = type_frame(pd.concat([r.features for r in resolved], ignore_index=True))
    output = registry.predictions_frame(model, frame[columns])
    if output[["p_home", "p_draw", "p_away"]].isna().any(axis=None):
        raise ApiError(
            422,
            "missing_inputs",
            "the champion cannot price this match: some of its inputs are missing",
        )
    return output
