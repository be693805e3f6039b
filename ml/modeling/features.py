"""What the models read from ``mart_match_features`` and how it is typed for pandas.

Train and score share this, so a model is always served the columns it was fitted on.
"""

from __future__ import annotations

import pandas as pd

PRE_MATCH_ODDS = (
    "prematch_market_home_odds",
    "prematch_market_draw_odds",
    "prematch_market_away_odds",
)
# Closing prices: the evaluation yardstick only, never a feature. Which closing book is the
# yardstick is decided in dbt (int_odds_pivoted_to_matches, fct_matches.yardstick_close_*).
CLOSING_ODDS = (
    "yardstick_close_home_odds",
    "yardstick_close_draw_odds",
    "yardstick_close_away_odds",
)
PINNACLE_PRE_MATCH_ODDS = (
    "prematch_pinnacle_home_odds",
    "prematch_pinnacle_draw_odds",
    "prematch_pinnacle_away_odds",
)
# Pinnacle's pre-match book is sharper than the average; its margin is removed (proportionally)
# in dbt, int_odds_pivoted_to_matches, so SQL users, dashboards and models read the same numbers.
PINNACLE_FEATURES = (
    "prematch_pinnacle_home_prob",
    "prematch_pinnacle_draw_prob",
    "prematch_pinnacle_away_prob",
)
MARKET_FEATURES = (
    "prematch_market_home_prob_power",
    "prematch_market_draw_prob_power",
    "prematch_market_away_prob_power",
    "prematch_market_overround",
    *PINNACLE_FEATURES,
)
# home_*/away_* columns that are identifiers or dates, not features. The career counts
# (matches played since the data begins) are excluded too: they measure how far back the
# warehouse goes, not the team, and a linear model extrapolates them badly into new seasons.
NOT_FEATURES = frozenset(
    {
        "home_matches_played",
        "away_matches_played",
        "home_home_games_played",
        "home_away_games_played",
        "away_home_games_played",
        "away_away_games_played",
        "home_team",
        "away_team",
        "home_team_id",
        "away_team_id",
        "home_last_match_date",
        "away_last_match_date",
        "home_features_as_of",
        "away_features_as_of",
    }
)
NUMERIC_PREFIXES = ("home_", "away_", "prematch_", "yardstick_", "label_home", "label_away")


def type_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as datetimes and every numeric mart column as float (Postgres returns Decimals).

    Market probabilities (Pinnacle's included) come from the mart as dbt computed them: the
    models see the numbers SQL users and dashboards see. A frame with Pinnacle's prices but
    not its probabilities is from a warehouse built before that moved to dbt: it is refused.
    """
    out = frame.copy()
    out["kickoff_date"] = pd.to_datetime(out["kickoff_date"])
    # Converted columns are put back in one step: assigning them one by one costs more than
    # the conversions on a frame of one row (the API predicts one match at a time).
    converted: dict[str, pd.Series] = {}
    for column in out.columns:
        if not column.startswith(NUMERIC_PREFIXES) or column in NOT_FEATURES:
            continue
        if column == "prematch_market_bookmaker":
            continue
        values = out[column]
        if values.dtype == float:
            continue  # already what the conversion would give
        if pd.api.types.is_numeric_dtype(values) or values.dtype == object:
            numbers = pd.to_numeric(values, errors="coerce")
            if numbers.notna().sum() == values.notna().sum():
                converted[column] = numbers.astype(float)
    if converted:
        out[list(converted)] = pd.DataFrame(converted, index=out.index)
    if "is_played" in out.columns:
        out["is_played"] = out["is_played"].astype(bool)
    missing = [column for column in PINNACLE_FEATURES if column not in out.columns]
    if missing and set(PINNACLE_PRE_MATCH_ODDS) <= set(out.columns):
        raise ValueError(
            f"the frame has Pinnacle's prices but not {', '.join(missing)}: they come from "
            "mart_match_features (int_odds_pivoted_to_matches); run `plpred transform`"
        )
    return out


def feature_sets(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Football-only features (no odds), and the same with the market's pre-match view."""
    football = [
        column
        for column in frame.columns
        if column.startswith(("home_", "away_"))
        and column not in NOT_FEATURES
        and pd.api.types.is_numeric_dtype(frame[column])
    ]
    return {"football": football, "with_market": football + list(MARKET_FEATURES)}
