"""The Dixon-Coles goals model, time-weighted and penalised, and its weekly walk-forward.

Dixon & Coles (1997): home goals ~ Poisson(lambda), away goals ~ Poisson(mu) with

    log lambda = intercept + home_advantage + league_offset + attack[home] - defence[away]
    log mu     = intercept +                  league_offset + attack[away] - defence[home]

and a correction ``tau`` on the four low scores (0-0, 1-0, 0-1, 1-1) whose parameter ``rho``
lets draws be more (``rho < 0``) or less frequent than independence implies. Older matches
count less: match ``i`` has weight ``exp(-xi * age_days)`` at the refit date.

Two additions make it usable every week of a real season:

- A ridge penalty ``ridge / 2 * sum((attack - centre)^2 + (defence - centre)^2)`` pulls teams
  with little data towards the centre of their group, which also fixes the scale (no
  sum-to-zero constraint needed). ``ridge`` is in units of "matches of evidence": a team
  with that many fully-weighted matches is shrunk roughly half way.
- Groups with learned centres handle clubs the top flight has not seen. Teams whose first
  top-flight season in the training data is one of the latest ``newcomer_seasons`` (and not
  the first season of the data, where everybody is "new") are *newcomers*; their centre is
  a free parameter, so it becomes the average strength of recently promoted clubs, and a
  promoted club with no top-flight match is predicted at that centre. When second-tier
  matches are supplied (``league`` column), teams seen only there form the *lower* group
  with their own centre and each lower league gets a goal-rate offset; clubs that moved
  between divisions link the two scales, so a promoted club enters with its second-tier
  strength translated to the top flight.

The fit maximises the penalised weighted log-likelihood with L-BFGS-B and an analytic,
vectorised gradient; one fit on ~1,500 matches takes a few hundredths of a second, which is
what makes a weekly refit over many seasons affordable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln
from threadpoolctl import ThreadpoolController

from ml.models.leakage import assert_no_leakage
from ml.models.metrics import rps

# Defaults were chosen by weekly walk-forward RPS on the Premier League 2014-15 to 2019-20,
# seasons that precede every evaluation season (2020-21 on), top flight only:
#   xi x ridge over {0.001, 0.0019, 0.003} x {2, 5, 10, 20} (window 1095 days): best 0.0019
#     and 5 (RPS 0.1968); the whole grid lies within 0.0018 of it: not fragile in either.
#   window 730 / 1095 / 1460 / 2190 days: 0.1971 / 0.1968 / 0.1965 / 0.1965.
#   newcomer_seasons 1 / 2 / 3, or no newcomer group (bottom-three prior), window 1095:
#     0.1972 / 0.1968 / 0.1967 / 0.1968; 2 keeps the learned prior on about six clubs.
#   xi chosen per season by select_xi (window 1460): 0.1970 against 0.1965 fixed, so fixed.
MAX_GOALS = 10
DEFAULT_XI = 0.0019
"""Decay per day: a weight of one half after about a year (ln 2 / 0.0019 = 365 days)."""
DEFAULT_RIDGE = 5.0
DEFAULT_WINDOW_DAYS = 1460
"""Four seasons: about 1,500 top-flight matches, the oldest weighted exp(-0.0019 * 1460) = 0.06."""
DEFAULT_NEWCOMER_SEASONS = 2
XI_GRID: tuple[float, ...] = (0.001, 0.0019, 0.003, 0.0045)
"""Candidate decays for :func:`select_xi`: half-lives of about 2 years, 1 year, 8 and 5 months."""

MATCH_COLUMNS: tuple[str, ...] = (
    "match_id",
    "league",
    "season",
    "kickoff_date",
    "home_team",
    "away_team",
    "home_goals",
    "away_goals",
)
FIXTURE_COLUMNS: tuple[str, ...] = ("league", "home_team", "away_team")
PREDICTION_COLUMNS: tuple[str, ...] = (
    "p_home",
    "p_draw",
    "p_away",
    "p_over_2_5",
    "p_under_2_5",
    "home_xg",
    "away_xg",
)

ESTABLISHED, NEWCOMER, LOWER = "established", "newcomer", "lower"
_TAU_FLOOR = 1e-10
_SMALL_RIDGE = 1e-3  # keeps league offsets and group centres finite when data cannot pin them
_THREADS = ThreadpoolController()
"""L-BFGS-B's BLAS calls are on vectors of ~100 numbers: a second BLAS thread only spins,
doubling CPU time and, on a busy two-core machine, making a walk-forward several times
slower. Fits run single-threaded (a controller made once: limiting costs ~10 us)."""


# --- scoreline maths ----------------------------------------------------------------------


def _poisson_pmf(rate: np.ndarray, max_goals: int) -> np.ndarray:
    goals = np.arange(max_goals + 1)
    log_pmf = goals * np.log(rate)[:, np.newaxis] - rate[:, np.newaxis] - gammaln(goals + 1)
    return np.exp(log_pmf)


def scoreline_matrix(
    home_rate: np.ndarray | float,
    away_rate: np.ndarray | float,
    rho: float,
    max_goals: int = MAX_GOALS,
) -> np.ndarray:
    """Scoreline probabilities ``P[i, h, a]`` (home ``h``, away ``a`` goals, 0..max_goals).

    Independent Poisson marginals with Dixon-Coles' ``tau`` on the four low scores; each
    matrix is renormalised so that the mass beyond ``max_goals`` (under 1e-6 for realistic
    rates) is not silently lost from the outcome probabilities.
    """
    lam = np.atleast_1d(np.asarray(home_rate, dtype=float))
    mu = np.atleast_1d(np.asarray(away_rate, dtype=float))
    if lam.shape != mu.shape:
        raise ValueError("home and away rates must have the same shape")
    if np.any(~np.isfinite(lam)) or np.any(lam <= 0) or np.any(~np.isfinite(mu)) or np.any(mu <= 0):
        raise ValueError("goal rates must be positive and finite")
    matrix = (
        _poisson_pmf(lam, max_goals)[:, :, np.newaxis]
        * _poisson_pmf(mu, max_goals)[:, np.newaxis, :]
    )
    matrix[:, 0, 0] *= np.maximum(1.0 - lam * mu * rho, 0.0)
    matrix[:, 0, 1] *= np.maximum(1.0 + lam * rho, 0.0)
    matrix[:, 1, 0] *= np.maximum(1.0 + mu * rho, 0.0)
    matrix[:, 1, 1] *= max(1.0 - rho, 0.0)
    return matrix / matrix.sum(axis=(1, 2), keepdims=True)


def outcome_probabilities(matrix: np.ndarray) -> np.ndarray:
    """Home win, draw, away win probabilities (n x 3) from scoreline matrices."""
    home = np.tril(np.ones(matrix.shape[1:]), k=-1)
    draw = np.eye(matrix.shape[1], matrix.shape[2])
    return np.stack(
        [
            np.sum(matrix * home, axis=(1, 2)),
            np.sum(matrix * draw, axis=(1, 2)),
            np.sum(matrix * home.T, axis=(1, 2)),
        ],
        axis=1,
    )


def over_probability(matrix: np.ndarray, line: float = 2.5) -> np.ndarray:
    """Probability that the total goals exceed ``line`` (use a half-goal line: no pushes)."""
    goals = np.arange(matrix.shape[1])[:, np.newaxis] + np.arange(matrix.shape[2])[np.newaxis, :]
    return np.sum(matrix * (goals > line), axis=(1, 2))


def expected_goals(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean home and away goals under the (tau-corrected, truncated) scoreline matrices."""
    home_goals = np.arange(matrix.shape[1])
    away_goals = np.arange(matrix.shape[2])
    return matrix.sum(axis=2) @ home_goals, matrix.sum(axis=1) @ away_goals


# --- input checking -----------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing columns: {', '.join(missing)}")


def infer_top_league(leagues: Iterable[str]) -> str:
    """The top division among football-data codes that share a prefix (E0 < E1, SP1 < SP2).

    Raises when the codes belong to different countries, where no order is implied.
    """
    codes = sorted(set(leagues))
    if not codes:
        raise ValueError("no leagues given")
    prefixes = {code.rstrip("0123456789") for code in codes}
    if len(prefixes) > 1:
        raise ValueError(f"cannot tell the top league among {codes}; pass top_league")
    return codes[0]


def _positions(values: pd.Series, index: dict[str, int]) -> np.ndarray:
    """Each value's position in ``index`` (every value is in it): a dict lookup per distinct
    value rather than per row, which a weekly walk-forward's 500 fits feel."""
    codes, uniques = pd.factorize(values)
    return np.array([index[value] for value in uniques], dtype=np.int64)[codes]


def _played(matches: pd.DataFrame) -> pd.DataFrame:
    return matches[matches["home_goals"].notna() & matches["away_goals"].notna()]


# --- the model ------------------------------------------------------------------------------


@dataclass
class _Design:
    """Index arrays of one fit, built once so the objective is pure array arithmetic."""

    home: np.ndarray
    away: np.ndarray
    league: np.ndarray
    home_goals: np.ndarray
    away_goals: np.ndarray
    weight: np.ndarray
    group: np.ndarray
    n_teams: int
    n_leagues: int
    n_groups: int
    low: dict[tuple[int, int], np.ndarray]
    constant: float


class DixonColes:
    """Time-weighted, ridge-penalised Dixon-Coles model with promoted-club priors.

    Parameters
    ----------
    xi:
        Time decay per day; match weight is ``exp(-xi * age_days)`` at the reference date.
    ridge:
        Prior precision of attack and defence around their group centre, in matches.
    top_league:
        League code of the top division; inferred from the codes when None.
    newcomer_seasons:
        Teams whose first top-flight season is among this many latest seasons of the
        training data form the newcomer group (the promoted-club prior).
    max_goals:
        Largest score in the scoreline matrices.
    """

    def __init__(
        self,
        xi: float = DEFAULT_XI,
        ridge: float = DEFAULT_RIDGE,
        top_league: str | None = None,
        newcomer_seasons: int = DEFAULT_NEWCOMER_SEASONS,
        max_goals: int = MAX_GOALS,
    ) -> None:
        if xi < 0:
            raise ValueError("xi must be non-negative")
        if ridge <= 0:
            raise ValueError("ridge must be positive (it also fixes the scale of the ratings)")
        self.xi = xi
        self.ridge = ridge
        self.top_league = top_league
        self.newcomer_seasons = newcomer_seasons
        self.max_goals = max_goals

    # ---- fitting ----------------------------------------------------------------------

    def _groups(self, played: pd.DataFrame, teams: list[str], top: str) -> np.ndarray:
        """Each team's prior group: established, newcomer (recently promoted) or lower."""
        top_matches = played[played["league"] == top]
        seasons, season_rank = np.unique(
            top_matches["season"].to_numpy(dtype=str), return_inverse=True
        )
        team_index = {team: index for index, team in enumerate(teams)}
        first_season = np.full(len(teams), len(seasons))  # "never in the top flight"
        for column in ("home_team", "away_team"):
            positions = _positions(top_matches[column], team_index)
            np.minimum.at(first_season, positions, season_rank)
        newest = (
            max(len(seasons) - self.newcomer_seasons, 1)
            if self.newcomer_seasons > 0
            else len(seasons)
        )
        groups = np.full(len(teams), ESTABLISHED, dtype=object)
        groups[(first_season >= newest) & (first_season < len(seasons))] = NEWCOMER
        groups[first_season == len(seasons)] = LOWER
        return groups

    def fit(
        self,
        matches: pd.DataFrame,
        reference_date: pd.Timestamp | str | None = None,
        warm_start: DixonColes | None = None,
    ) -> DixonColes:
        """Fit on the played matches of ``matches`` (rows without goals are ignored).

        ``reference_date`` is the date ages are measured from (the refit date in a
        walk-forward); by default the day after the last match. ``warm_start`` is a fitted
        model whose parameters seed the optimiser, which roughly halves a weekly refit.
        """
        _require(matches, MATCH_COLUMNS, "matches")
        played = _played(matches)
        if played.empty:
            raise ValueError("no played matches to fit")
        kickoff = played["kickoff_date"]
        if not pd.api.types.is_datetime64_any_dtype(kickoff):
            kickoff = pd.to_datetime(kickoff)
        reference = (
            kickoff.max() + pd.Timedelta(days=1)
            if reference_date is None
            else pd.Timestamp(reference_date)
        )
        if kickoff.max() >= reference:
            raise ValueError("training matches must kick off before the reference date")

        leagues = sorted(played["league"].unique())
        top = self.top_league or infer_top_league(leagues)
        if top not in leagues:
            raise ValueError(f"no matches of the top league {top!r} to fit")
        other_leagues = [league for league in leagues if league != top]
        teams = sorted(set(played["home_team"]) | set(played["away_team"]))
        team_index = {team: index for index, team in enumerate(teams)}
        league_index = {top: 0} | {league: index + 1 for index, league in enumerate(other_leagues)}
        groups = self._groups(played, teams, top)
        group_names = [name for name in (NEWCOMER, LOWER) if np.any(groups == name)]
        group_number = {ESTABLISHED: -1} | {name: index for index, name in enumerate(group_names)}

        home_goals = played["home_goals"].to_numpy(dtype=float)
        away_goals = played["away_goals"].to_numpy(dtype=float)
        age_days = (reference - kickoff).dt.days.to_numpy(dtype=float)
        weight = np.exp(-self.xi * age_days)
        low = {
            score: np.flatnonzero((home_goals == score[0]) & (away_goals == score[1]))
            for score in ((0, 0), (0, 1), (1, 0), (1, 1))
        }
        design = _Design(
            home=_positions(played["home_team"], team_index),
            away=_positions(played["away_team"], team_index),
            league=_positions(played["league"], league_index),
            home_goals=home_goals,
            away_goals=away_goals,
            weight=weight,
            group=np.array([group_number[g] for g in groups]),
            n_teams=len(teams),
            n_leagues=len(leagues),
            n_groups=len(group_names),
            low=low,
            constant=float(np.sum(weight * (gammaln(home_goals + 1) + gammaln(away_goals + 1)))),
        )
        start = self._initial(design, teams, other_leagues, group_names, warm_start)
        bounds = [(None, None)] * start.size
        bounds[2] = (-0.2, 0.2)  # rho: keeps every tau positive for realistic goal rates
        total_weight = float(weight.sum())
        with _THREADS.limit(limits=1):
            result = minimize(
                _objective,
                start,
                args=(design, self.ridge, total_weight),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-7},
            )
        self._unpack(result.x, design, teams, other_leagues, group_names, groups)
        self.top_league_ = top
        self.leagues_ = [top, *other_leagues]
        self.reference_date_ = reference
        self.n_matches_ = len(played)
        self.converged_ = bool(result.success)
        self.n_iter_ = int(result.nit)
        self.log_likelihood_ = float(-result.fun * total_weight)
        self._newcomer_fallback = self._bottom_three()
        return self

    def _initial(
        self,
        design: _Design,
        teams: list[str],
        other_leagues: list[str],
        group_names: list[str],
        warm_start: DixonColes | None,
    ) -> np.ndarray:
        n_teams, n_leagues, n_groups = design.n_teams, design.n_leagues, design.n_groups
        theta = np.zeros(3 + (n_leagues - 1) + 2 * n_teams + 2 * n_groups)
        mean_home = np.average(design.home_goals, weights=design.weight) + 0.05
        mean_away = np.average(design.away_goals, weights=design.weight) + 0.05
        theta[0] = math.log(mean_away)
        theta[1] = math.log(mean_home / mean_away)
        if warm_start is None or not hasattr(warm_start, "teams_"):
            return theta
        offset = 3 + (n_leagues - 1)
        theta[0] = warm_start.intercept_
        theta[1] = warm_start.home_advantage_
        theta[2] = warm_start.rho_
        for index, league in enumerate(other_leagues):
            theta[3 + index] = warm_start.league_offsets_.get(league, 0.0)
        previous = dict(
            zip(
                warm_start.teams_,
                zip(warm_start.attack_, warm_start.defence_, strict=True),
                strict=True,
            )
        )
        for index, team in enumerate(teams):
            if team in previous:
                theta[offset + index], theta[offset + n_teams + index] = previous[team]
        centres = offset + 2 * n_teams
        for index, name in enumerate(group_names):
            if name in warm_start.centres_:
                theta[centres + index], theta[centres + n_groups + index] = warm_start.centres_[
                    name
                ]
        return theta

    def _unpack(
        self,
        theta: np.ndarray,
        design: _Design,
        teams: list[str],
        other_leagues: list[str],
        group_names: list[str],
        groups: np.ndarray,
    ) -> None:
        n_teams, n_groups = design.n_teams, design.n_groups
        offset = 3 + len(other_leagues)
        self.intercept_ = float(theta[0])
        self.home_advantage_ = float(theta[1])
        self.rho_ = float(theta[2])
        self.league_offsets_ = {
            league: float(theta[3 + i]) for i, league in enumerate(other_leagues)
        }
        self.teams_ = list(teams)
        self.attack_ = theta[offset : offset + n_teams].copy()
        self.defence_ = theta[offset + n_teams : offset + 2 * n_teams].copy()
        self.groups_ = dict(zip(teams, groups.tolist(), strict=True))
        centres = offset + 2 * n_teams
        self.centres_ = {ESTABLISHED: (0.0, 0.0)} | {
            name: (float(theta[centres + i]), float(theta[centres + n_groups + i]))
            for i, name in enumerate(group_names)
        }
        self._team_index = {team: index for index, team in enumerate(teams)}
        weights_by_team = np.bincount(design.home, weights=design.weight, minlength=n_teams)
        weights_by_team += np.bincount(design.away, weights=design.weight, minlength=n_teams)
        self.effective_matches_ = weights_by_team

    def _bottom_three(self) -> tuple[float, float]:
        """Mean attack/defence of the three weakest established top-flight teams.

        The promoted-club prior when the window holds no newcomer to learn one from:
        promoted clubs replace the relegated ones and are, on average, about as strong.
        """
        established = [
            index for index, team in enumerate(self.teams_) if self.groups_[team] == ESTABLISHED
        ]
        if not established:
            return 0.0, 0.0
        strength = self.attack_[established] - self.defence_[established]
        weakest = np.array(established)[np.argsort(strength)[:3]]
        return float(self.attack_[weakest].mean()), float(self.defence_[weakest].mean())

    # ---- predicting ---------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "teams_"):
            raise RuntimeError("the model is not fitted yet")

    def prior_strength(self, league: str) -> tuple[float, float]:
        """(attack, defence) given to a team the model has never seen, playing in ``league``.

        Top flight: the learned newcomer centre, else the bottom-three average. A lower
        league: its learned centre, else the top-flight newcomer prior.
        """
        self._check_fitted()
        if league != self.top_league_ and LOWER in self.centres_:
            return self.centres_[LOWER]
        if NEWCOMER in self.centres_:
            return self.centres_[NEWCOMER]
        return self._newcomer_fallback

    def _team_strength(self, teams: pd.Series, leagues: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        attack = np.empty(len(teams))
        defence = np.empty(len(teams))
        for position, (team, league) in enumerate(zip(teams, leagues, strict=True)):
            index = self._team_index.get(team)
            if index is None:
                attack[position], defence[position] = self.prior_strength(league)
            else:
                attack[position], defence[position] = self.attack_[index], self.defence_[index]
        return attack, defence

    def expected_rates(self, fixtures: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Poisson rates (lambda, mu) of each fixture, before the low-score correction."""
        self._check_fitted()
        _require(fixtures, FIXTURE_COLUMNS, "fixtures")
        unknown = set(fixtures["league"]) - set(self.leagues_)
        if unknown:
            raise ValueError(f"the model was not fitted on league(s) {sorted(unknown)}")
        offsets = (
            fixtures["league"]
            .map(lambda league: self.league_offsets_.get(league, 0.0))
            .to_numpy(dtype=float)
        )
        home_attack, home_defence = self._team_strength(fixtures["home_team"], fixtures["league"])
        away_attack, away_defence = self._team_strength(fixtures["away_team"], fixtures["league"])
        base = self.intercept_ + offsets
        home_rate = np.exp(base + self.home_advantage_ + home_attack - away_defence)
        away_rate = np.exp(base + away_attack - home_defence)
        return home_rate, away_rate

    def predict_scorelines(self, fixtures: pd.DataFrame) -> np.ndarray:
        """Scoreline matrices ``(n, max_goals + 1, max_goals + 1)``, home goals on axis 1."""
        home_rate, away_rate = self.expected_rates(fixtures)
        return scoreline_matrix(home_rate, away_rate, self.rho_, self.max_goals)

    def predict(self, fixtures: pd.DataFrame) -> pd.DataFrame:
        """Outcome, over/under 2.5 and expected-goals forecasts, one row per fixture.

        Columns: p_home, p_draw, p_away, p_over_2_5, p_under_2_5, home_xg, away_xg, on the
        index of ``fixtures``.
        """
        matrix = self.predict_scorelines(fixtures)
        outcomes = outcome_probabilities(matrix)
        over = over_probability(matrix, 2.5)
        home_xg, away_xg = expected_goals(matrix)
        return pd.DataFrame(
            {
                "p_home": outcomes[:, 0],
                "p_draw": outcomes[:, 1],
                "p_away": outcomes[:, 2],
                "p_over_2_5": over,
                "p_under_2_5": 1.0 - over,
                "home_xg": home_xg,
                "away_xg": away_xg,
            },
            index=fixtures.index,
        )

    def predict_proba(self, fixtures: pd.DataFrame) -> np.ndarray:
        """(n, 3) home/draw/away probabilities, the interface the classifiers share."""
        return outcome_probabilities(self.predict_scorelines(fixtures))

    def ratings(self) -> pd.DataFrame:
        """Fitted team ratings: attack, defence, their group and weighted match count."""
        self._check_fitted()
        return pd.DataFrame(
            {
                "team": self.teams_,
                "group": [self.groups_[team] for team in self.teams_],
                "attack": self.attack_,
                "defence": self.defence_,
                "effective_matches": self.effective_matches_,
            }
        ).sort_values("team", ignore_index=True)


def _objective(
    theta: np.ndarray, design: _Design, ridge: float, total_weight: float
) -> tuple[float, np.ndarray]:
    """Penalised negative weighted log-likelihood per unit weight, and its gradient."""
    n_teams, n_leagues, n_groups = design.n_teams, design.n_leagues, design.n_groups
    offset = 3 + (n_leagues - 1)
    intercept, home_advantage, rho = theta[0], theta[1], theta[2]
    league_offsets = np.concatenate([[0.0], theta[3:offset]])
    attack = theta[offset : offset + n_teams]
    defence = theta[offset + n_teams : offset + 2 * n_teams]
    centres = offset + 2 * n_teams
    centre_attack = np.concatenate([theta[centres : centres + n_groups], [0.0]])
    centre_defence = np.concatenate([theta[centres + n_groups : centres + 2 * n_groups], [0.0]])

    home, away, w = design.home, design.away, design.weight
    x, y = design.home_goals, design.away_goals
    base = intercept + league_offsets[design.league]
    eta_home = base + home_advantage + attack[home] - defence[away]
    eta_away = base + attack[away] - defence[home]
    lam = np.exp(eta_home)
    mu = np.exp(eta_away)

    log_likelihood = np.sum(w * (x * eta_home - lam + y * eta_away - mu)) - design.constant
    # d log-likelihood / d eta, before the tau terms
    grad_home = x - lam
    grad_away = y - mu
    grad_rho = 0.0

    low = design.low
    for (home_score, away_score), rows in low.items():
        if rows.size == 0:
            continue
        lam_low, mu_low, w_low = lam[rows], mu[rows], w[rows]
        if (home_score, away_score) == (0, 0):
            tau = np.maximum(1.0 - lam_low * mu_low * rho, _TAU_FLOOR)
            grad_home[rows] += -lam_low * mu_low * rho / tau
            grad_away[rows] += -lam_low * mu_low * rho / tau
            grad_rho += np.sum(w_low * (-lam_low * mu_low) / tau)
        elif (home_score, away_score) == (0, 1):
            tau = np.maximum(1.0 + lam_low * rho, _TAU_FLOOR)
            grad_home[rows] += lam_low * rho / tau
            grad_rho += np.sum(w_low * lam_low / tau)
        elif (home_score, away_score) == (1, 0):
            tau = np.maximum(1.0 + mu_low * rho, _TAU_FLOOR)
            grad_away[rows] += mu_low * rho / tau
            grad_rho += np.sum(w_low * mu_low / tau)
        else:
            tau = np.full(rows.size, max(1.0 - rho, _TAU_FLOOR))
            grad_rho += np.sum(w_low * (-1.0 / tau))
        log_likelihood += np.sum(w_low * np.log(tau))

    weighted_home = w * grad_home
    weighted_away = w * grad_away
    both = weighted_home + weighted_away

    gradient = np.empty_like(theta)
    gradient[0] = -np.sum(both)
    gradient[1] = -np.sum(weighted_home)
    gradient[2] = -grad_rho
    if n_leagues > 1:
        gradient[3:offset] = -np.bincount(design.league, weights=both, minlength=n_leagues)[1:]
    grad_attack = -(
        np.bincount(home, weights=weighted_home, minlength=n_teams)
        + np.bincount(away, weights=weighted_away, minlength=n_teams)
    )
    grad_defence = np.bincount(away, weights=weighted_home, minlength=n_teams) + np.bincount(
        home, weights=weighted_away, minlength=n_teams
    )

    # Ridge towards group centres; group -1 (established) has its centre fixed at zero.
    attack_gap = attack - centre_attack[design.group]
    defence_gap = defence - centre_defence[design.group]
    penalty = 0.5 * ridge * (np.sum(attack_gap**2) + np.sum(defence_gap**2))
    grad_attack += ridge * attack_gap
    grad_defence += ridge * defence_gap
    gradient[offset : offset + n_teams] = grad_attack
    gradient[offset + n_teams : offset + 2 * n_teams] = grad_defence
    if n_groups:
        member = design.group >= 0
        gradient[centres : centres + n_groups] = -ridge * np.bincount(
            design.group[member], weights=attack_gap[member], minlength=n_groups
        )
        gradient[centres + n_groups : centres + 2 * n_groups] = -ridge * np.bincount(
            design.group[member], weights=defence_gap[member], minlength=n_groups
        )
    small = theta[3:offset]
    group_centres = theta[centres:]
    penalty += 0.5 * _SMALL_RIDGE * (np.sum(small**2) + np.sum(group_centres**2))
    gradient[3:offset] += _SMALL_RIDGE * small
    gradient[centres:] += _SMALL_RIDGE * group_centres

    value = (-log_likelihood + penalty) / total_weight
    return float(value), gradient / total_weight


# --- walk-forward -------------------------------------------------------------------------


def _refit_dates(start: pd.Timestamp, kickoffs: pd.Series, every_days: int) -> list[pd.Timestamp]:
    """Refit dates on a ``every_days`` grid from ``start`` that have a match in their block."""
    offsets = ((kickoffs - start).dt.days // every_days).unique()
    return [start + pd.Timedelta(days=int(offset) * every_days) for offset in sorted(offsets)]


def _training_positions(
    kickoffs: pd.Series, refit_date: pd.Timestamp, window_days: int | None
) -> np.ndarray:
    """Positions of the matches a refit on ``refit_date`` may learn from: strictly earlier."""
    in_window = kickoffs < refit_date
    if window_days is not None:
        in_window &= kickoffs >= refit_date - pd.Timedelta(days=window_days)
    return np.flatnonzero(in_window.to_numpy())


def walk_forward_goals(
    matches: pd.DataFrame,
    eval_start: pd.Timestamp | str,
    refit_every_days: int = 7,
    window_days: int | None = DEFAULT_WINDOW_DAYS,
    *,
    xi: float | Literal["auto"] = DEFAULT_XI,
    xi_grid: Sequence[float] = XI_GRID,
    ridge: float = DEFAULT_RIDGE,
    top_league: str | None = None,
    newcomer_seasons: int = DEFAULT_NEWCOMER_SEASONS,
    predict_leagues: Sequence[str] | None = None,
    eval_end: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Predict every match on or after ``eval_start`` as it would have been predicted live.

    The calendar from ``eval_start`` is cut into blocks of ``refit_every_days``; for each
    block with a match, the model is refitted on the played matches that kicked off strictly
    before the block's first day (and within ``window_days`` of it, None for all) and
    predicts the block. Upcoming matches (no goals) are predicted too. Each refit is warm
    started from the previous one; a block whose training set equals the previous one's
    (upcoming fixtures weeks ahead) reuses that fit. Blocks before any top-flight match
    has been played cannot be predicted and are left out.

    ``xi="auto"`` picks the decay with :func:`select_xi` on the season of matches before
    ``eval_start``, so the choice, too, uses only the past. ``predict_leagues`` defaults to
    the top league; second-tier matches still feed the fits. Matches on or after
    ``eval_end`` (if given) are not predicted.

    Returns one row per predicted match: match_id, league, season, kickoff_date, home_team,
    away_team, home_goals, away_goals, refit_date, n_train, xi, and the forecast columns of
    :meth:`DixonColes.predict`.
    """
    _require(matches, MATCH_COLUMNS, "matches")
    frame = matches.copy()
    frame["kickoff_date"] = pd.to_datetime(frame["kickoff_date"])
    frame = frame.sort_values("kickoff_date", kind="stable")
    start = pd.Timestamp(eval_start)
    top = top_league or infer_top_league(frame["league"].unique())
    targets = frame[frame["kickoff_date"] >= start]
    if eval_end is not None:
        targets = targets[targets["kickoff_date"] < pd.Timestamp(eval_end)]
    targets = targets[targets["league"].isin(list(predict_leagues) if predict_leagues else [top])]
    output_columns = [
        *MATCH_COLUMNS,
        "refit_date",
        "n_train",
        "xi",
        *PREDICTION_COLUMNS,
    ]
    if targets.empty:
        return pd.DataFrame(columns=output_columns)

    chosen_xi = (
        select_xi(
            frame,
            before=start,
            candidates=xi_grid,
            window_days=window_days,
            ridge=ridge,
            top_league=top,
            newcomer_seasons=newcomer_seasons,
        ).xi
        if xi == "auto"
        else float(xi)
    )
    played = _played(frame)
    played_kickoffs = played["kickoff_date"]
    model: DixonColes | None = None
    previous_rows: np.ndarray | None = None
    blocks = []
    for refit_date in _refit_dates(start, targets["kickoff_date"], refit_every_days):
        block_end = refit_date + pd.Timedelta(days=refit_every_days)
        block = targets[
            (targets["kickoff_date"] >= refit_date) & (targets["kickoff_date"] < block_end)
        ]
        rows = _training_positions(played_kickoffs, refit_date, window_days)
        train = played.iloc[rows]
        if not (train["league"] == top).any():
            continue  # nothing to learn from yet: these matches stay unpredicted
        assert_no_leakage(
            train["kickoff_date"], block["kickoff_date"], f"refit {refit_date.date()}"
        )
        if model is None or previous_rows is None or not np.array_equal(rows, previous_rows):
            model = DixonColes(
                xi=chosen_xi,
                ridge=ridge,
                top_league=top,
                newcomer_seasons=newcomer_seasons,
            ).fit(train, reference_date=refit_date, warm_start=model)
            previous_rows = rows
        forecast = model.predict(block)
        blocks.append(
            pd.concat(
                [
                    block[list(MATCH_COLUMNS)],
                    pd.DataFrame(
                        {"refit_date": refit_date, "n_train": len(train), "xi": chosen_xi},
                        index=block.index,
                    ),
                    forecast,
                ],
                axis=1,
            )
        )
    return pd.concat(blocks, ignore_index=True)[output_columns]


@dataclass(frozen=True)
class XiSelection:
    """The decay chosen by :func:`select_xi` and the validation RPS of every candidate."""

    xi: float
    scores: pd.DataFrame


def select_xi(
    matches: pd.DataFrame,
    before: pd.Timestamp | str,
    candidates: Sequence[float] = XI_GRID,
    validation_days: int = 1095,
    refit_every_days: int = 28,
    window_days: int | None = DEFAULT_WINDOW_DAYS,
    ridge: float = DEFAULT_RIDGE,
    top_league: str | None = None,
    newcomer_seasons: int = DEFAULT_NEWCOMER_SEASONS,
) -> XiSelection:
    """Choose the time decay by walk-forward RPS on the ``validation_days`` before ``before``.

    Only matches that kicked off before ``before`` are used at all, so the choice can be
    made at the start of an evaluation season without peeking into it. Refits are
    four-weekly by default: coarser than the live schedule, but the ranking of decays is
    what matters and it is stable to that. Ties and an empty validation period fall back to
    :data:`DEFAULT_XI` when it is a candidate.
    """
    cutoff = pd.Timestamp(before)
    past = matches[pd.to_datetime(matches["kickoff_date"]) < cutoff]
    past = _played(past)
    validation_start = cutoff - pd.Timedelta(days=validation_days)
    top = top_league or infer_top_league(past["league"].unique())
    rows = []
    for candidate in candidates:
        predictions = walk_forward_goals(
            past,
            validation_start,
            refit_every_days,
            window_days,
            xi=candidate,
            ridge=ridge,
            top_league=top,
            newcomer_seasons=newcomer_seasons,
        )
        predictions = _played(predictions)
        if predictions.empty:
            rows.append({"xi": candidate, "rps": np.nan, "n_matches": 0})
            continue
        outcome = np.sign(predictions["home_goals"] - predictions["away_goals"]).map(
            {1.0: 0, 0.0: 1, -1.0: 2}
        )
        score = rps(predictions[["p_home", "p_draw", "p_away"]].to_numpy(), outcome.to_numpy())
        rows.append({"xi": candidate, "rps": score, "n_matches": len(predictions)})
    scores = pd.DataFrame(rows)
    if scores["rps"].isna().all():
        fallback = DEFAULT_XI if DEFAULT_XI in candidates else float(candidates[0])
        return XiSelection(xi=fallback, scores=scores)
    return XiSelection(xi=float(scores.loc[scores["rps"].idxmin(), "xi"]), scores=scores)
