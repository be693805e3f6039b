"""Scores for three-way match forecasts and the removal of bookmakers' margins.

Everything here is a pure function of numpy arrays, so the same numbers come out of the
walk-forward evaluation, the monitoring jobs and the unit tests. Conventions, fixed once:

- Probabilities are an ``(n, 3)`` array whose columns are home win, draw, away win, in that
  order (the order of the outcomes, which the ranked probability score depends on).
- Outcomes are ``0/1/2`` or ``'H'/'D'/'A'`` (football-data's ``FTR`` codes).
- Every score is a mean over matches, lower is better except accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

OUTCOMES: tuple[str, str, str] = ("H", "D", "A")
"""Outcome codes in column order: home win, draw, away win."""

MarginMethod = Literal["proportional", "power", "shin"]
MARGIN_METHODS: tuple[str, ...] = ("proportional", "power", "shin")

_CODE_TO_INDEX = {code: index for index, code in enumerate(OUTCOMES)}
_PROBABILITY_TOLERANCE = 1e-6


# --- input checking ---------------------------------------------------------------------


def outcome_index(outcomes: Sequence[object] | np.ndarray | pd.Series) -> np.ndarray:
    """Outcomes as integer column indices (H=0, D=1, A=2), from codes or integers.

    Raises on anything else (a missing result, a typo), because a silently dropped or
    misread outcome would bias every score computed from it.
    """
    values = np.asarray(outcomes, dtype=object).ravel()
    result = np.empty(values.shape[0], dtype=np.int64)
    for position, value in enumerate(values):
        if isinstance(value, str) and value in _CODE_TO_INDEX:
            result[position] = _CODE_TO_INDEX[value]
        elif isinstance(value, (int, np.integer, float, np.floating)) and value in (0, 1, 2):
            result[position] = int(value)
        else:
            raise ValueError(
                f"outcome at position {position} is {value!r}; expected H/D/A or 0/1/2"
            )
    return result


def _check_probabilities(
    probs: np.ndarray | pd.DataFrame | Sequence[Sequence[float]],
) -> np.ndarray:
    array = np.asarray(probs, dtype=float)
    if array.ndim == 1 and array.shape[0] == 3:
        array = array[np.newaxis, :]
    if array.ndim != 2 or array.shape[1] != 3:
        raise ValueError(
            f"probabilities must be an (n, 3) array (home, draw, away), got {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("probabilities contain NaN or infinite values")
    if np.any(array < -_PROBABILITY_TOLERANCE) or np.any(array > 1 + _PROBABILITY_TOLERANCE):
        raise ValueError("probabilities must lie in [0, 1]")
    row_sums = array.sum(axis=1)
    if np.any(np.abs(row_sums - 1.0) > 1e-4):
        worst = int(np.argmax(np.abs(row_sums - 1.0)))
        raise ValueError(
            f"probabilities must sum to 1 per match; row {worst} sums to {row_sums[worst]}"
        )
    return array


def _check(probs: object, outcomes: object) -> tuple[np.ndarray, np.ndarray]:
    array = _check_probabilities(probs)  # type: ignore[arg-type]
    index = outcome_index(outcomes)  # type: ignore[arg-type]
    if index.shape[0] != array.shape[0]:
        raise ValueError(f"{array.shape[0]} forecasts but {index.shape[0]} outcomes")
    if array.shape[0] == 0:
        raise ValueError("no matches to score")
    return array, index


def _one_hot(index: np.ndarray) -> np.ndarray:
    return np.eye(3)[index]


# --- scores -----------------------------------------------------------------------------


def rps_per_match(probs: np.ndarray, outcomes: object) -> np.ndarray:
    """Ranked probability score of each match (Epstein 1969), normalised by ``r - 1 = 2``.

    The RPS compares cumulative distributions, so it rewards putting probability *near* the
    result: a draw forecast is less wrong for a home win than an away-win forecast is.
    With the ``1/(r-1)`` normalisation a perfect forecast scores 0 and the worst possible 1,
    which is the scale of the published football literature (Constantinou & Fenton 2012).
    """
    array, index = _check(probs, outcomes)
    cumulative_forecast = np.cumsum(array, axis=1)[:, :2]
    cumulative_outcome = np.cumsum(_one_hot(index), axis=1)[:, :2]
    return np.sum((cumulative_forecast - cumulative_outcome) ** 2, axis=1) / 2.0


def rps(probs: np.ndarray, outcomes: object) -> float:
    """Mean ranked probability score; the headline metric, comparable with the market's."""
    return float(np.mean(rps_per_match(probs, outcomes)))


def log_loss(probs: np.ndarray, outcomes: object, eps: float = 1e-15) -> float:
    """Mean negative log probability of the observed outcome (natural log).

    Probabilities are clipped to ``[eps, 1]`` so that one overconfident forecast gives a large
    but finite penalty instead of infinity.
    """
    array, index = _check(probs, outcomes)
    chosen = np.clip(array[np.arange(array.shape[0]), index], eps, 1.0)
    return float(-np.mean(np.log(chosen)))


def brier_score(probs: np.ndarray, outcomes: object) -> float:
    """Multi-class Brier score: squared error summed over the 3 outcomes, mean over matches.

    This is Brier's original definition (range 0 to 2); scikit-learn's binary
    ``brier_score_loss`` and some papers divide by the number of classes instead.
    A uniform forecast scores 2/3 whatever happens.
    """
    array, index = _check(probs, outcomes)
    return float(np.mean(np.sum((array - _one_hot(index)) ** 2, axis=1)))


def accuracy(probs: np.ndarray, outcomes: object) -> float:
    """Share of matches whose most probable outcome happened (ties go to the earlier column).

    Reported because people ask for it, not used for selection: it ignores how confident a
    forecast was, and in this league anything near 60% means the result leaked in.
    """
    array, index = _check(probs, outcomes)
    return float(np.mean(np.argmax(array, axis=1) == index))


def _bin_index(values: np.ndarray, n_bins: int) -> np.ndarray:
    return np.minimum((values * n_bins).astype(np.int64), n_bins - 1)


def expected_calibration_error(probs: np.ndarray, outcomes: object, n_bins: int = 10) -> float:
    """Top-label expected calibration error with ``n_bins`` equal-width bins on [0, 1].

    Each match is binned by the probability of its most likely outcome (its confidence);
    the ECE is the match-weighted mean of ``|hit rate - mean confidence|`` over non-empty
    bins (Guo et al. 2017). A confidence of exactly 1 falls in the last bin. Top-label
    confidence is at least 1/3, so the lowest bins are always empty.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    array, index = _check(probs, outcomes)
    confidence = array.max(axis=1)
    hit = (np.argmax(array, axis=1) == index).astype(float)
    bins = _bin_index(confidence, n_bins)
    counts = np.bincount(bins, minlength=n_bins)
    confidence_sum = np.bincount(bins, weights=confidence, minlength=n_bins)
    hit_sum = np.bincount(bins, weights=hit, minlength=n_bins)
    filled = counts > 0
    gaps = np.abs(hit_sum[filled] - confidence_sum[filled]) / counts[filled]
    return float(np.sum(gaps * counts[filled]) / array.shape[0])


def reliability_table(probs: np.ndarray, outcomes: object, n_bins: int = 10) -> pd.DataFrame:
    """Reliability diagram data for each outcome class, one-vs-rest, equal-width bins.

    For class ``k`` every match is binned by its forecast ``p_k``; a row gives the bin, the
    mean forecast in it and how often ``k`` actually happened there. Empty bins are left
    out. Columns: outcome ('H'/'D'/'A'), bin, bin_lower, bin_upper, mean_predicted,
    observed_frequency, count.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    array, index = _check(probs, outcomes)
    observed = _one_hot(index)
    rows: list[dict[str, object]] = []
    for column, code in enumerate(OUTCOMES):
        forecast = array[:, column]
        bins = _bin_index(np.clip(forecast, 0.0, 1.0), n_bins)
        counts = np.bincount(bins, minlength=n_bins)
        forecast_sum = np.bincount(bins, weights=forecast, minlength=n_bins)
        observed_sum = np.bincount(bins, weights=observed[:, column], minlength=n_bins)
        for bin_number in np.flatnonzero(counts):
            rows.append(
                {
                    "outcome": code,
                    "bin": int(bin_number),
                    "bin_lower": bin_number / n_bins,
                    "bin_upper": (bin_number + 1) / n_bins,
                    "mean_predicted": forecast_sum[bin_number] / counts[bin_number],
                    "observed_frequency": observed_sum[bin_number] / counts[bin_number],
                    "count": int(counts[bin_number]),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "outcome",
            "bin",
            "bin_lower",
            "bin_upper",
            "mean_predicted",
            "observed_frequency",
            "count",
        ],
    )


METRIC_NAMES: tuple[str, ...] = ("rps", "log_loss", "brier", "accuracy", "ece")


def evaluate(probs: np.ndarray, outcomes: object) -> dict[str, float]:
    """All headline scores at once, keyed as in :data:`METRIC_NAMES`."""
    return {
        "rps": rps(probs, outcomes),
        "log_loss": log_loss(probs, outcomes),
        "brier": brier_score(probs, outcomes),
        "accuracy": accuracy(probs, outcomes),
        "ece": expected_calibration_error(probs, outcomes),
    }


# --- bookmaker margin removal -------------------------------------------------------------


class ImpliedProbabilities(NamedTuple):
    """Margin-free probabilities from decimal odds.

    ``parameter`` is the fitted quantity of the method: NaN for proportional, the exponent
    ``k`` for power, the insider share ``z`` for Shin.
    """

    probabilities: np.ndarray
    overround: np.ndarray
    parameter: np.ndarray


def _inverse_odds(
    odds: np.ndarray | pd.DataFrame | Sequence[Sequence[float]],
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Inverse odds as a 2-D array, the mask of complete rows, and whether input was 1-D."""
    array = np.asarray(odds, dtype=float)
    one_dimensional = array.ndim == 1
    if one_dimensional:
        array = array[np.newaxis, :]
    if array.ndim != 2 or array.shape[1] < 2:
        raise ValueError(f"odds must be an (n, k) array with k >= 2 outcomes, got {array.shape}")
    complete = np.all(np.isfinite(array), axis=1)
    if np.any(array[complete] <= 1.0):
        raise ValueError("decimal odds must be greater than 1")
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = 1.0 / array
    inverse[~complete] = np.nan
    return inverse, complete, one_dimensional


def overround(odds: np.ndarray | pd.DataFrame | Sequence[float]) -> np.ndarray:
    """Bookmaker's overround ``sum(1/odds) - 1`` per row (NaN where an odd is missing)."""
    inverse, _, one_dimensional = _inverse_odds(odds)
    result = inverse.sum(axis=1) - 1.0
    return result[0:1] if one_dimensional else result


def _proportional(inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return inverse / inverse.sum(axis=1, keepdims=True), np.full(inverse.shape[0], np.nan)


def _power(inverse: np.ndarray, iterations: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``sum(pi_i ** k) = 1`` for k by Newton's method, row by row in parallel.

    ``f(k) = sum(pi^k) - 1`` is convex and decreasing in k (every ``pi_i < 1``), so Newton
    steps from ``k = 1`` converge monotonically whatever the sign of the overround.
    """
    exponent = np.ones(inverse.shape[0])
    log_inverse = np.log(inverse)
    for _ in range(iterations):
        powered = inverse ** exponent[:, np.newaxis]
        value = powered.sum(axis=1) - 1.0
        slope = (powered * log_inverse).sum(axis=1)
        step = value / slope
        exponent = exponent - step
        if np.all(np.abs(step) < 1e-14):
            break
    probabilities = inverse ** exponent[:, np.newaxis]
    return probabilities / probabilities.sum(axis=1, keepdims=True), exponent


def _shin_given_z(inverse: np.ndarray, booksum: np.ndarray, z: np.ndarray) -> np.ndarray:
    z_column = z[:, np.newaxis]
    root = np.sqrt(z_column**2 + 4.0 * (1.0 - z_column) * inverse**2 / booksum[:, np.newaxis])
    return (root - z_column) / (2.0 * (1.0 - z_column))


def _shin(inverse: np.ndarray, iterations: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Shin's (1993) insider-trading model, solved for ``z`` by bisection.

    Given the share ``z`` of insider money, Shin's probabilities are
    ``p_i = (sqrt(z^2 + 4 (1 - z) pi_i^2 / B) - z) / (2 (1 - z))`` with ``B = sum(pi)``;
    their sum falls from ``sqrt(B) > 1`` at ``z = 0`` to below 1 as ``z -> 1``, so the ``z``
    that makes them sum to 1 is bracketed and bisection cannot fail. Books without a
    positive overround (possible with best-price odds) have no insider share: ``z = 0`` and
    the proportional answer is used.
    """
    booksum = inverse.sum(axis=1)
    low = np.zeros(inverse.shape[0])
    high = np.full(inverse.shape[0], 1.0 - 1e-12)
    for _ in range(iterations):
        middle = 0.5 * (low + high)
        total = _shin_given_z(inverse, booksum, middle).sum(axis=1)
        too_big = total > 1.0
        low = np.where(too_big, middle, low)
        high = np.where(too_big, high, middle)
        if np.all(high - low < 1e-15):
            break
    z = 0.5 * (low + high)
    probabilities = _shin_given_z(inverse, booksum, z)
    no_margin = booksum <= 1.0
    z[no_margin] = 0.0
    probabilities[no_margin] = inverse[no_margin] / booksum[no_margin, np.newaxis]
    return probabilities / probabilities.sum(axis=1, keepdims=True), z


def implied_probabilities(
    odds: np.ndarray | pd.DataFrame | Sequence[float] | Sequence[Sequence[float]],
    method: MarginMethod = "shin",
) -> ImpliedProbabilities:
    """Probabilities implied by decimal odds once the bookmaker's margin is removed.

    - ``proportional``: ``pi_i / sum(pi)``; spreads the margin in proportion to the price.
    - ``power``: ``pi_i ** k`` with ``k`` such that they sum to 1; takes more margin off
      long shots, which is how bookmakers actually price (the favourite-longshot bias).
    - ``shin``: Shin's model of a bookmaker facing insiders; also corrects the
      favourite-longshot bias and is the usual best performer on football 1X2 markets.

    ``odds`` is ``(n, k)`` or a single row of ``k`` outcomes (1X2 or over/under); rows with a
    missing price give NaN. The result has the input's shape.
    """
    if method not in MARGIN_METHODS:
        raise ValueError(f"method must be one of {', '.join(MARGIN_METHODS)}, got {method!r}")
    inverse, complete, one_dimensional = _inverse_odds(odds)
    probabilities = np.full(inverse.shape, np.nan)
    parameter = np.full(inverse.shape[0], np.nan)
    if np.any(complete):
        solver = {"proportional": _proportional, "power": _power, "shin": _shin}[method]
        probabilities[complete], parameter[complete] = solver(inverse[complete])
    booksum_minus_one = inverse.sum(axis=1) - 1.0
    if one_dimensional:
        return ImpliedProbabilities(probabilities[0], booksum_minus_one[:1], parameter[:1])
    return ImpliedProbabilities(probabilities, booksum_minus_one, parameter)
