"""A synthetic two-division league whose truth is known, for testing the models.

Teams have attack and defence strengths; goals are independent Poisson draws with a home
advantage (so a fitted Dixon-Coles ``rho`` should come out near zero); seasons are double
round robins a week per round; after each season the bottom clubs of the top division swap
places with the top clubs of the second by the simulated table. Bookmaker odds are the true
outcome probabilities with a proportional margin, and the pre-match features are rolling
form computed only from earlier matches, as the dbt marts do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks.synthetic_leagues import round_robin as _round_robin
from ml.models.dixon_coles import outcome_probabilities, scoreline_matrix

TOP, SECOND = "T1", "T2"
FEATURE_COLUMNS = [
    "home_form_points",
    "away_form_points",
    "home_form_goal_diff",
    "away_form_goal_diff",
    "home_long_goal_diff",
    "away_long_goal_diff",
]


@dataclass(frozen=True)
class SyntheticLeague:
    """Simulated matches with the truth that generated them.

    ``matches`` has the Dixon-Coles input columns (both divisions); ``features`` has one row
    per top-division match: match_id, season, kickoff_date, label, the form features, the
    bookmaker odds (odds_home/draw/away) and the true probabilities (true_home/draw/away).
    ``strengths`` has one row per team and season: team, season, league, attack, defence.
    """

    matches: pd.DataFrame
    features: pd.DataFrame
    strengths: pd.DataFrame
    intercept: float
    home_advantage: float


def _table(clubs: list[int], points: np.ndarray, goal_diff: np.ndarray) -> list[int]:
    """Clubs ordered by points, then goal difference, best first."""
    return sorted(clubs, key=lambda club: (points[club], goal_diff[club]), reverse=True)


def _season_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def make_league(
    n_teams: int = 20,
    n_seasons: int = 6,
    *,
    second_tier: bool = True,
    n_swapped: int = 3,
    first_year: int = 2015,
    intercept: float = 0.15,
    home_advantage: float = 0.25,
    strength_sd: float = 0.3,
    second_tier_gap: float = 0.35,
    drift_sd: float = 0.0,
    margin: float = 0.05,
    form_matches: int = 6,
    long_form_matches: int = 19,
    seed: int = 0,
    shift_from: pd.Timestamp | None = None,
    shifted_home_advantage: float | None = None,
    shifted_intercept: float | None = None,
) -> SyntheticLeague:
    """Simulate ``n_seasons`` seasons of a league of ``n_teams`` (and a second tier as big).

    Second-tier clubs are weaker by ``second_tier_gap`` in attack and in defence. With
    ``drift_sd > 0`` strengths take a random step every summer. From ``shift_from`` on (a
    kickoff date), the league changes its nature: ``shifted_home_advantage`` and
    ``shifted_intercept`` replace the home advantage and the goal-rate intercept (the monitoring
    tests reverse the home advantage and double the goal rate mid-season). The bookmaker's odds
    follow the truth, so the market knows at once what a model learns only from results.
    """
    if n_teams % 2:
        raise ValueError("n_teams must be even")
    rng = np.random.default_rng(seed)
    n_clubs = 2 * n_teams if second_tier else n_teams
    names = [f"Club {index:02d}" for index in range(n_clubs)]
    attack = rng.normal(0.0, strength_sd, n_clubs)
    defence = rng.normal(0.0, strength_sd, n_clubs)
    attack[n_teams:] -= second_tier_gap
    defence[n_teams:] -= second_tier_gap
    divisions = {TOP: list(range(n_teams))}
    if second_tier:
        divisions[SECOND] = list(range(n_teams, n_clubs))

    schedule = _round_robin(n_teams)
    match_rows: list[dict[str, object]] = []
    strength_rows: list[dict[str, object]] = []
    for season_number in range(n_seasons):
        year = first_year + season_number
        season = _season_label(year)
        opening = pd.Timestamp(year=year, month=8, day=8)
        if season_number and drift_sd:
            attack += rng.normal(0.0, drift_sd, n_clubs)
            defence += rng.normal(0.0, drift_sd, n_clubs)
        points = np.zeros(n_clubs)
        goal_diff = np.zeros(n_clubs)
        for league, clubs in divisions.items():
            for club in clubs:
                strength_rows.append(
                    {
                        "team": names[club],
                        "season": season,
                        "league": league,
                        "attack": attack[club],
                        "defence": defence[club],
                    }
                )
            for round_number, pairs in enumerate(schedule):
                kickoff = opening + pd.Timedelta(
                    days=7 * round_number + (1 if league == SECOND else 0)
                )
                home = np.array([clubs[h] for h, _ in pairs])
                away = np.array([clubs[a] for _, a in pairs])
                shifted = shift_from is not None and kickoff >= shift_from
                base = intercept
                advantage = home_advantage
                if shifted and shifted_intercept is not None:
                    base = shifted_intercept
                if shifted and shifted_home_advantage is not None:
                    advantage = shifted_home_advantage
                home_rate = np.exp(base + advantage + attack[home] - defence[away])
                away_rate = np.exp(base + attack[away] - defence[home])
                home_goals = rng.poisson(home_rate)
                away_goals = rng.poisson(away_rate)
                truth = outcome_probabilities(scoreline_matrix(home_rate, away_rate, 0.0))
                for k in range(len(pairs)):
                    h, a = home[k], away[k]
                    match_rows.append(
                        {
                            "match_id": f"{league}-{season}-{names[h]}-{names[a]}",
                            "league": league,
                            "season": season,
                            "kickoff_date": kickoff,
                            "home_team": names[h],
                            "away_team": names[a],
                            "home_goals": float(home_goals[k]),
                            "away_goals": float(away_goals[k]),
                            "true_home": truth[k, 0],
                            "true_draw": truth[k, 1],
                            "true_away": truth[k, 2],
                        }
                    )
                    difference = home_goals[k] - away_goals[k]
                    points[h] += 3 if difference > 0 else (1 if difference == 0 else 0)
                    points[a] += 3 if difference < 0 else (1 if difference == 0 else 0)
                    goal_diff[h] += difference
                    goal_diff[a] -= difference
        if second_tier:
            top_table = _table(divisions[TOP], points, goal_diff)
            second_table = _table(divisions[SECOND], points, goal_diff)
            relegated, promoted = top_table[-n_swapped:], second_table[:n_swapped]
            divisions = {
                TOP: top_table[:-n_swapped] + promoted,
                SECOND: second_table[n_swapped:] + relegated,
            }

    matches = pd.DataFrame(match_rows)
    features = _features(matches, form_matches, long_form_matches, margin)
    return SyntheticLeague(
        matches=matches.drop(columns=["true_home", "true_draw", "true_away"]),
        features=features,
        strengths=pd.DataFrame(strength_rows),
        intercept=intercept,
        home_advantage=home_advantage,
    )


def _features(
    matches: pd.DataFrame, form_matches: int, long_form_matches: int, margin: float
) -> pd.DataFrame:
    """Rolling form over each club's previous matches (any division), shifted one match."""
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "match_id": matches["match_id"],
                    "side": "home",
                    "team": matches["home_team"],
                    "kickoff_date": matches["kickoff_date"],
                    "goal_diff": matches["home_goals"] - matches["away_goals"],
                }
            ),
            pd.DataFrame(
                {
                    "match_id": matches["match_id"],
                    "side": "away",
                    "team": matches["away_team"],
                    "kickoff_date": matches["kickoff_date"],
                    "goal_diff": matches["away_goals"] - matches["home_goals"],
                }
            ),
        ],
        ignore_index=True,
    ).sort_values(["team", "kickoff_date"], kind="stable")
    long["points"] = np.select([long["goal_diff"] > 0, long["goal_diff"] == 0], [3.0, 1.0], 0.0)
    grouped = long.groupby("team")
    for column in ("points", "goal_diff"):
        long[f"form_{column}"] = grouped[column].transform(
            lambda values: values.shift(1).rolling(form_matches, min_periods=1).mean()
        )
    long["long_goal_diff"] = grouped["goal_diff"].transform(
        lambda values: values.shift(1).rolling(long_form_matches, min_periods=1).mean()
    )
    wide = long.pivot(
        index="match_id", columns="side", values=["form_points", "form_goal_diff", "long_goal_diff"]
    )
    wide.columns = [f"{side}_{name}" for name, side in wide.columns]
    features = matches[matches["league"] == TOP].merge(wide, left_on="match_id", right_index=True)
    difference = features["home_goals"] - features["away_goals"]
    features["label"] = np.select([difference > 0, difference == 0], ["H", "D"], "A")
    truth = features[["true_home", "true_draw", "true_away"]].to_numpy()
    odds = np.maximum(
        1.0 / (truth * (1.0 + margin)), 1.01
    )  # bookmakers never offer evens-minus-all
    features["odds_home"], features["odds_draw"], features["odds_away"] = odds.T
    return features[
        [
            "match_id",
            "season",
            "kickoff_date",
            "label",
            *FEATURE_COLUMNS,
            "odds_home",
            "odds_draw",
            "odds_away",
            "true_home",
            "true_draw",
            "true_away",
        ]
    ].reset_index(drop=True)
