"""A stacked blend of the betting market and the goals model, learnt only from the past.

The market's margin-free probabilities are the best single forecast available before a
match; the Dixon-Coles model knows only goals, but knows them without the market's
biases. The blend is a logarithmic opinion pool,

    log p_k = w_market * log q_market,k + w_goals * log q_goals,k
              (+ w_pinnacle * log q_pinnacle,k) + const,

that is, a multinomial logistic regression on the log-probabilities with one weight per
source shared by the three outcomes. Two choices keep it honest with so little signal:

- The L2 penalty pulls the weights towards the market alone, ``(1, 0, 0)``, not towards
  zero: zero weights are the uniform forecast, so ordinary shrinkage would drag the blend
  *below* the market it starts from. The strongest setting (``inf``) is the market itself,
  and the penalty is chosen by time-series cross-validation over whole seasons, so the
  blend departs from the market only as far as earlier seasons say it pays.
- No per-outcome coefficients and no intercepts. On the development seasons 2013-14 to
  2019-20 (before every evaluation season) both made the blend worse: with nine weights
  and two intercepts the walk-forward RPS was 0.0002 to 0.0010 above the market's, with
  one weight per source 0.0001; intercepts chase the home advantage of the training
  seasons, which is exactly what moved in 2020-21.

The goals model's probabilities must be out of sample (a weekly walk-forward), or the
blender would learn to trust a model that has seen the results; :func:`assert_out_of_sample`
is the check the evaluation runs before every fit. Pinnacle's pre-match prices, where a
source lacks them, are replaced by the market average's: that row then carries no
Pinnacle-specific information and the pool reduces to market and goals model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import log_softmax

from ml.models.leakage import LeakageError
from ml.models.market import DEFAULT_ODDS_COLUMNS
from ml.models.metrics import OUTCOMES, MarginMethod, implied_probabilities, outcome_index, rps

MARKET, GOALS, PINNACLE = "market", "dixon_coles", "pinnacle"
SOURCES: tuple[str, ...] = (MARKET, GOALS, PINNACLE)
"""Input sources in weight order; the market comes first and is the one shrunk towards."""

L2_GRID: tuple[float, ...] = (0.001, 0.01, 0.1, 1.0, float("inf"))
"""Penalties per unit of mean log loss; ``inf`` is the market alone (no blending)."""
DEFAULT_WINDOW_SEASONS = 8
"""Seasons the blender learns from. On the development seasons eight beat four (RPS gap
to the market +0.0001 against +0.0002): two or three weights need many matches to settle."""
DEFAULT_N_FOLDS = 3
"""Validation seasons of the inner time-series cross-validation (the window's last ones)."""

_FLOOR = 1e-6  # keeps log-probabilities finite when a source is (nearly) certain


def source_columns(source: str) -> tuple[str, str, str]:
    """The blender input columns of ``source``: ``<source>_p_home``, ``_p_draw``, ``_p_away``."""
    return (f"{source}_p_home", f"{source}_p_draw", f"{source}_p_away")


@dataclass(frozen=True)
class BlendSpec:
    """Where the blend's inputs come from and how it is tuned.

    ``market_odds`` and ``pinnacle_odds`` are decimal-odds columns (home, draw, away) of
    the frame the blend reads; without ``pinnacle_odds`` the blend has two sources.
    """

    market_odds: tuple[str, str, str] = DEFAULT_ODDS_COLUMNS
    pinnacle_odds: tuple[str, str, str] | None = None
    margin_method: MarginMethod = "proportional"
    window_seasons: int = DEFAULT_WINDOW_SEASONS
    n_folds: int = DEFAULT_N_FOLDS
    l2_grid: tuple[float, ...] = L2_GRID

    def __post_init__(self) -> None:
        if self.window_seasons < 1:
            raise ValueError("window_seasons must be at least 1")
        if self.n_folds < 1:
            raise ValueError("n_folds must be at least 1")
        if not self.l2_grid or any(not value > 0 for value in self.l2_grid):
            raise ValueError("l2_grid must hold positive penalties (inf for the market alone)")

    @property
    def sources(self) -> tuple[str, ...]:
        return (MARKET, GOALS, PINNACLE) if self.pinnacle_odds else (MARKET, GOALS)

    @property
    def variant(self) -> str:
        """The evaluation's variant name: which sources are pooled."""
        return "market_dc_pinnacle" if self.pinnacle_odds else "market_dc"

    @property
    def odds_columns(self) -> list[str]:
        """Every odds column the blend reads, for a predictor's input schema."""
        return [*self.market_odds, *(self.pinnacle_odds or ())]


def _implied(frame: pd.DataFrame, columns: Sequence[str], method: MarginMethod) -> np.ndarray:
    """Margin-free probabilities; rows with a missing or impossible (<= 1) price are NaN."""
    odds = frame[list(columns)].to_numpy(dtype=float)
    usable = np.all(np.isfinite(odds), axis=1) & np.all(odds > 1.0, axis=1)
    probabilities = np.full(odds.shape, np.nan)
    if usable.any():
        probabilities[usable] = implied_probabilities(odds[usable], method).probabilities
    return probabilities


def blend_inputs(
    odds_frame: pd.DataFrame, goals_proba: np.ndarray | pd.DataFrame, spec: BlendSpec
) -> pd.DataFrame:
    """The blender's input frame, on ``odds_frame``'s index: one probability triple per source.

    ``goals_proba`` is the goals model's (n, 3) home/draw/away forecast for the same rows.
    Pinnacle's probabilities fall back to the market's where Pinnacle has no complete price.
    Rows without market odds or a goals forecast stay NaN: the blend cannot price them.
    """
    goals = np.asarray(goals_proba, dtype=float)
    if goals.shape != (len(odds_frame), 3):
        raise ValueError(f"goals forecasts must be ({len(odds_frame)}, 3), got {goals.shape}")
    market = _implied(odds_frame, spec.market_odds, spec.margin_method)
    parts = {MARKET: market, GOALS: goals}
    if spec.pinnacle_odds:
        pinnacle = _implied(odds_frame, spec.pinnacle_odds, spec.margin_method)
        missing = ~np.all(np.isfinite(pinnacle), axis=1)
        pinnacle[missing] = market[missing]
        parts[PINNACLE] = pinnacle
    data = {
        column: values[:, position]
        for source, values in parts.items()
        for position, column in enumerate(source_columns(source))
    }
    return pd.DataFrame(data, index=odds_frame.index)


def complete_rows(inputs: pd.DataFrame, sources: Sequence[str]) -> np.ndarray:
    """Boolean mask of the rows where every source has a full probability triple."""
    columns = [column for source in sources for column in source_columns(source)]
    return np.all(np.isfinite(inputs[columns].to_numpy(dtype=float)), axis=1)


def assert_out_of_sample(
    goals_predictions: pd.DataFrame, before: pd.Timestamp, context: str
) -> None:
    """Raise :class:`LeakageError` unless the goals forecasts a blender learns from are fair.

    Every forecast must be of a match that kicked off before ``before`` (the first match
    the blender will predict) and, when ``refit_date`` is given, must come from a fit made
    no later than its match's kickoff: a forecast by a model that saw the result would
    teach the blender to trust the goals model far more than it deserves.
    """
    if goals_predictions.empty:
        return
    kickoff = pd.to_datetime(goals_predictions["kickoff_date"])
    cutoff = pd.Timestamp(before)
    if (kickoff >= cutoff).any():
        raise LeakageError(
            f"the blender would learn from goals forecasts up to {kickoff.max().date()} "
            f"but predicts from {cutoff.date()}: {context}"
        )
    if "refit_date" in goals_predictions.columns:
        refit = pd.to_datetime(goals_predictions["refit_date"])
        late = refit > kickoff
        if late.any():
            raise LeakageError(
                f"{int(late.sum())} goals forecasts were made after their match kicked off "
                f"(not out of sample): {context}"
            )


class StackedBlend:
    """A logarithmic opinion pool of the sources, fitted by penalised log loss.

    ``l2`` is the penalty on ``(w - w_market_alone)``, per unit of mean log loss; ``inf``
    fixes the weights at the market alone. Fitted attributes: ``weights_`` (source to
    weight), ``n_train_``. ``predict_proba`` columns are H, D, A; rows missing an input
    come back NaN.
    """

    classes_ = np.array(OUTCOMES)

    def __init__(self, sources: Sequence[str] = (MARKET, GOALS), l2: float = 1.0) -> None:
        if not sources or sources[0] != MARKET:
            raise ValueError("the market must be the first source: it is what the pool starts from")
        unknown = set(sources) - set(SOURCES)
        if unknown:
            raise ValueError(f"unknown sources {sorted(unknown)}; expected some of {SOURCES}")
        if not l2 > 0:
            raise ValueError("l2 must be positive (inf for the market alone)")
        self.sources = tuple(sources)
        self.l2 = float(l2)

    def _log_probabilities(self, inputs: pd.DataFrame) -> np.ndarray:
        """(n_sources, n, 3) clipped log-probabilities."""
        stacked = np.stack(
            [inputs[list(source_columns(source))].to_numpy(dtype=float) for source in self.sources]
        )
        return np.log(np.clip(stacked, _FLOOR, 1.0))

    def _prior(self) -> np.ndarray:
        prior = np.zeros(len(self.sources))
        prior[0] = 1.0
        return prior

    def fit(
        self, inputs: pd.DataFrame, labels: Sequence[object] | np.ndarray | pd.Series
    ) -> StackedBlend:
        """Fit the weights on the complete rows of ``inputs`` with outcomes ``labels``."""
        y = outcome_index(labels)
        if len(y) != len(inputs):
            raise ValueError(f"{len(inputs)} rows of inputs but {len(y)} labels")
        usable = complete_rows(inputs, self.sources)
        if not usable.any():
            raise ValueError("no row has every source's probabilities to fit the blend on")
        prior = self._prior()
        self.n_train_ = int(usable.sum())
        if np.isinf(self.l2):
            self.weights_ = dict(zip(self.sources, prior, strict=True))
            return self
        logs = self._log_probabilities(inputs.loc[usable])
        onehot = np.eye(3)[y[usable]]
        n = onehot.shape[0]

        def objective(weights: np.ndarray) -> tuple[float, np.ndarray]:
            log_p = log_softmax(np.tensordot(weights, logs, axes=1), axis=1)
            residual = (np.exp(log_p) - onehot) / n
            gap = weights - prior
            value = -np.sum(onehot * log_p) / n + 0.5 * self.l2 * np.sum(gap**2)
            gradient = np.einsum("snk,nk->s", logs, residual) + self.l2 * gap
            return float(value), gradient

        result = minimize(objective, prior.copy(), jac=True, method="L-BFGS-B")
        self.weights_ = dict(zip(self.sources, result.x.astype(float), strict=True))
        return self

    def predict_proba(self, inputs: pd.DataFrame) -> np.ndarray:
        """(n, 3) home/draw/away probabilities; NaN where a source's forecast is missing."""
        if not hasattr(self, "weights_"):
            raise RuntimeError("the blend is not fitted yet")
        weights = np.array([self.weights_[source] for source in self.sources])
        proba = np.full((len(inputs), 3), np.nan)
        usable = complete_rows(inputs, self.sources)
        if usable.any():
            logs = self._log_probabilities(inputs.loc[usable])
            proba[usable] = np.exp(log_softmax(np.tensordot(weights, logs, axes=1), axis=1))
        return proba


@dataclass
class BlendFit:
    """A blend tuned by :func:`fit_blend`: the model, its penalty and the validation scores.

    ``cv_results`` has one row per penalty and validation season: l2, season, rps, n_train,
    n_test.
    """

    model: StackedBlend
    l2: float
    cv_results: pd.DataFrame = field(repr=False)

    def predict_proba(self, inputs: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(inputs)

    def summary(self) -> dict[str, object]:
        """What the fit chose, for the run log."""
        weights = {
            f"w_{source}": round(float(value), 4) for source, value in self.model.weights_.items()
        }
        return {"l2": self.l2, "n_train": self.model.n_train_} | weights


def fit_blend(
    inputs: pd.DataFrame,
    labels: Sequence[object] | np.ndarray | pd.Series,
    seasons: Sequence[object] | np.ndarray | pd.Series,
    kickoff: Sequence[object] | np.ndarray | pd.Series,
    *,
    sources: Sequence[str] = (MARKET, GOALS),
    l2_grid: Sequence[float] = L2_GRID,
    n_folds: int = DEFAULT_N_FOLDS,
) -> BlendFit:
    """Choose the penalty by time-series cross-validation over seasons, then fit on all rows.

    The rows are the training window only. Each of its last ``n_folds`` seasons that has an
    earlier season in the window is a validation fold: the blend is fitted on the seasons
    before it and scored by RPS on it. The penalty with the lowest mean RPS wins; ties go
    to the stronger penalty (closer to the market). With no fold possible (one season) the
    blend is the market alone, the only choice that needs no evidence.
    """
    y = outcome_index(labels)
    season_values = np.asarray(seasons, dtype=object)
    kickoffs = pd.to_datetime(pd.Series(np.asarray(kickoff)))
    if not len(y) == len(inputs) == len(season_values) == len(kickoffs):
        raise ValueError("inputs, labels, seasons and kickoff must have one row per match")
    order = (
        pd.DataFrame({"season": season_values, "kickoff": kickoffs.to_numpy()})
        .groupby("season")["kickoff"]
        .min()
        .sort_values()
        .index.tolist()
    )
    grid = sorted({float(value) for value in l2_grid}, reverse=True)
    rows: list[dict[str, object]] = []
    for position in range(max(1, len(order) - n_folds), len(order)):
        validation = season_values == order[position]
        train = np.isin(season_values, order[:position])
        if not complete_rows(inputs.loc[train], sources).any():
            continue
        for l2 in grid:
            model = StackedBlend(sources, l2).fit(inputs.loc[train], y[train])
            proba = model.predict_proba(inputs.loc[validation])
            scored = np.all(np.isfinite(proba), axis=1)
            if not scored.any():
                continue
            rows.append(
                {
                    "l2": l2,
                    "season": order[position],
                    "rps": rps(proba[scored], y[validation][scored]),
                    "n_train": model.n_train_,
                    "n_test": int(scored.sum()),
                }
            )
    cv_results = pd.DataFrame(rows, columns=["l2", "season", "rps", "n_train", "n_test"])
    if cv_results.empty:
        chosen = float("inf")
    else:
        means = cv_results.groupby("l2", sort=False)["rps"].mean()
        chosen = float(means.index[int(np.argmin(means.to_numpy()))])  # grid is strongest first
    return BlendFit(StackedBlend(sources, chosen).fit(inputs, y), chosen, cv_results)
