"""Outcome classifiers on pre-match features, tuned by time-ordered cross-validation.

Two model families, both deliberately small:

- ``logistic``: median imputation, standardisation and a multinomial logistic regression;
  few parameters, well calibrated by construction, hard to overfit.
- ``hgb``: scikit-learn's histogram gradient boosting, which handles missing values itself
  and can find interactions the linear model cannot.

Hyper-parameters, and whether to recalibrate, are chosen by :class:`TimeSeriesSplit` over
the training rows sorted by kickoff, so every inner validation fold lies after the rows it
was fitted on, as in the outer walk-forward. The search is two-stage (model parameters
with no calibration first, then calibration methods on the winner) to keep a full
six-season evaluation within a few minutes on two cores.

Labels are encoded H=0, D=1, A=2 before fitting, so scikit-learn's sorted ``classes_`` are
already in home/draw/away order; :class:`OutcomeClassifier` still reorders by ``classes_``
and exposes ``classes_ = ['H', 'D', 'A']``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import BaseCrossValidator, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ml.models.metrics import OUTCOMES, log_loss, outcome_index, rps

ClassifierKind = Literal["logistic", "hgb"]
Scoring = Literal["rps", "log_loss"]
Calibration = Literal["none", "temperature", "sigmoid"]

KINDS: tuple[str, ...] = ("logistic", "hgb")
CALIBRATIONS: tuple[str, ...] = ("none", "temperature", "sigmoid")

LOGISTIC_GRID: tuple[dict[str, Any], ...] = ({"C": 0.01}, {"C": 0.1}, {"C": 1.0})
"""Inverse L2 strengths on standardised features, from strong shrinkage to almost none."""

HGB_GRID: tuple[dict[str, Any], ...] = (
    {"learning_rate": 0.05, "max_iter": 100, "max_leaf_nodes": 7, "min_samples_leaf": 80},
    {"learning_rate": 0.05, "max_iter": 250, "max_leaf_nodes": 7, "min_samples_leaf": 80},
    {"learning_rate": 0.05, "max_iter": 100, "max_leaf_nodes": 15, "min_samples_leaf": 40},
)
"""Shallow, slow-learning boosters: football outcomes are mostly noise, deep trees overfit."""

_HGB_FIXED: dict[str, Any] = {"l2_regularization": 1.0, "early_stopping": False}
IMPORTANCE_COLUMNS: tuple[str, ...] = ("feature", "outcome", "kind", "importance", "std")


class TimeOrderedHoldout(BaseCrossValidator):
    """One split: fit on the earliest rows, calibrate on the last ``test_fraction``.

    Passed as ``cv`` to :class:`CalibratedClassifierCV` so the calibrator is fitted on
    matches that come after the ones the model learned from (a shuffled K-fold would let
    it calibrate on the past with a model that saw the future).
    """

    def __init__(self, test_fraction: float = 0.25) -> None:
        if not 0 < test_fraction < 1:
            raise ValueError("test_fraction must be between 0 and 1")
        self.test_fraction = test_fraction

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n_rows = len(X)
        cut = int(round(n_rows * (1.0 - self.test_fraction)))
        yield np.arange(cut), np.arange(cut, n_rows)

    def _iter_test_indices(
        self, X: Any = None, y: Any = None, groups: Any = None
    ) -> Iterator[np.ndarray]:
        n_rows = len(X)
        yield np.arange(int(round(n_rows * (1.0 - self.test_fraction))), n_rows)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return 1


class FillEmptyColumns(TransformerMixin, BaseEstimator):
    """Set columns that were entirely missing at fit time to 0.

    Gradient boosting handles missing values itself, but scikit-learn's binning fails on a
    column with no value at all, which early training windows have (no Pinnacle prices
    before 2012-13). A constant column carries no information either way.
    """

    def fit(self, X: Any, y: Any = None) -> FillEmptyColumns:
        self.empty_ = np.all(np.isnan(np.asarray(X, dtype=float)), axis=0)
        return self

    def transform(self, X: Any) -> np.ndarray:
        array = np.array(X, dtype=float)
        array[:, self.empty_] = 0.0
        return array


def build_estimator(
    kind: ClassifierKind,
    params: Mapping[str, Any] | None = None,
    calibration: Calibration = "none",
    random_state: int = 0,
) -> BaseEstimator:
    """An unfitted scikit-learn estimator for integer labels 0/1/2 (H/D/A)."""
    params = dict(params or {})
    if kind == "logistic":
        estimator: BaseEstimator = Pipeline(
            [
                # keep_empty_features: a feature the data never has (no Pinnacle prices in a
                # league or era) becomes a constant column instead of vanishing, so the
                # coefficients still line up with the feature names.
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(max_iter=2000, **params)),
            ]
        )
    elif kind == "hgb":
        estimator = Pipeline(
            [
                ("empty", FillEmptyColumns()),
                (
                    "model",
                    HistGradientBoostingClassifier(
                        random_state=random_state, **(_HGB_FIXED | params)
                    ),
                ),
            ]
        )
    else:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if calibration == "none":
        return estimator
    if calibration not in CALIBRATIONS:
        raise ValueError(
            f"calibration must be one of {', '.join(CALIBRATIONS)}, got {calibration!r}"
        )
    return CalibratedClassifierCV(estimator, method=calibration, cv=TimeOrderedHoldout())


def _ordered_proba(estimator: Any, X: Any) -> np.ndarray:
    """predict_proba with columns forced into H, D, A order (classes 0, 1, 2)."""
    raw = estimator.predict_proba(X)
    classes = list(estimator.classes_)
    proba = np.zeros((raw.shape[0], 3))
    for column, label in enumerate(classes):
        proba[:, int(label)] = raw[:, column]
    return proba


def _staged_ordered_proba(pipeline: Pipeline, X: Any, sizes: set[int]) -> dict[int, np.ndarray]:
    """The H, D, A probabilities of a gradient-boosting pipeline after each of ``sizes``
    boosting iterations (one pass over its stages)."""
    model = pipeline[-1]
    transformed = pipeline[:-1].transform(X)
    classes = list(model.classes_)
    out: dict[int, np.ndarray] = {}
    for iteration, raw in enumerate(model.staged_predict_proba(transformed), start=1):
        if iteration in sizes:
            proba = np.zeros((raw.shape[0], 3))
            for column, label in enumerate(classes):
                proba[:, int(label)] = raw[:, column]
            out[iteration] = proba
    missing = sizes - set(out)
    if missing:
        raise ValueError(f"the fit stopped before iteration(s) {sorted(missing)}")
    return out


def _score(scoring: Scoring, proba: np.ndarray, y: np.ndarray) -> float:
    return rps(proba, y) if scoring == "rps" else log_loss(proba, y)


class OutcomeClassifier(ClassifierMixin, BaseEstimator):
    """A home/draw/away classifier that tunes itself by time-series cross-validation.

    ``fit`` sorts the rows by kickoff, scores every grid point on ``n_splits`` forward
    folds, then the calibration methods on the best point, refits the winner on all rows,
    and records feature importances. ``predict_proba`` columns are always H, D, A.

    ``permutation_importance=False`` skips gradient boosting's permutation importance, a
    diagnostic that costs a further fit and ``5 * n_features`` predictions, more than the
    model itself: a walk-forward asks for it only of the model it keeps. The logistic
    model's coefficients cost nothing and are always recorded.

    Fitted attributes: ``estimator_`` (the refitted scikit-learn model), ``best_params_``,
    ``calibration_``, ``cv_results_`` (one row per candidate and fold), ``importances_``
    (see :meth:`feature_importances`), ``classes_``, ``feature_names_in_``.
    """

    def __init__(
        self,
        kind: ClassifierKind = "logistic",
        feature_names: Sequence[str] = (),
        scoring: Scoring = "rps",
        n_splits: int = 3,
        calibrations: Sequence[Calibration] = ("none", "temperature"),
        grid: Sequence[Mapping[str, Any]] | None = None,
        random_state: int = 0,
        permutation_importance: bool = True,
    ) -> None:
        self.kind = kind
        self.feature_names = feature_names
        self.scoring = scoring
        self.n_splits = n_splits
        self.calibrations = calibrations
        self.grid = grid
        self.random_state = random_state
        self.permutation_importance = permutation_importance

    # ---- helpers ------------------------------------------------------------------------

    def _matrix(self, X: pd.DataFrame | np.ndarray, names: Sequence[str]) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            missing = [name for name in names if name not in X.columns]
            if missing:
                raise ValueError(f"features missing from X: {', '.join(missing)}")
            return X[list(names)].astype(float)
        array = np.asarray(X, dtype=float)
        if array.ndim != 2 or array.shape[1] != len(names):
            raise ValueError(f"X must have the {len(names)} feature columns {list(names)}")
        return pd.DataFrame(array, columns=list(names))

    def _candidate_scores(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        folds: list[tuple[np.ndarray, np.ndarray]],
        params: Mapping[str, Any],
        calibration: Calibration,
    ) -> list[dict[str, Any]]:
        rows = []
        for fold, (train, test) in enumerate(folds):
            estimator = build_estimator(self.kind, params, calibration, self.random_state)
            estimator.fit(X.iloc[train], y[train])
            proba = _ordered_proba(estimator, X.iloc[test])
            rows.append(self._score_row(params, calibration, fold, train, test, proba, y))
        return rows

    def _score_row(
        self,
        params: Mapping[str, Any],
        calibration: Calibration,
        fold: int,
        train: np.ndarray,
        test: np.ndarray,
        proba: np.ndarray,
        y: np.ndarray,
    ) -> dict[str, Any]:
        return {
            "params": dict(params),
            "calibration": calibration,
            "fold": fold,
            "n_train": len(train),
            "n_test": len(test),
            "score": _score(self.scoring, proba, y[test]),
        }

    def _grid_scores(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        folds: list[tuple[np.ndarray, np.ndarray]],
        grid: Sequence[Mapping[str, Any]],
    ) -> list[dict[str, Any]]:
        """Every grid point, uncalibrated, on every fold, in grid order.

        Gradient-boosting points that differ only in ``max_iter`` are one fit per fold, at the
        largest ``max_iter``, read at each smaller one with ``staged_predict_proba``: without
        early stopping the first ``n`` trees of a longer fit are the trees of a fit of ``n``,
        and the staged sums add them in the same order, so the probabilities are identical.
        """
        if self.kind != "hgb":
            return [
                row
                for params in grid
                for row in self._candidate_scores(X, y, folds, params, "none")
            ]
        shared: dict[str, list[int]] = {}
        for position, params in enumerate(grid):
            rest = {key: value for key, value in params.items() if key != "max_iter"}
            # Early stopping would make the trees depend on max_iter: such a point fits alone.
            key = (
                f"alone {position}"
                if (_HGB_FIXED | dict(params))["early_stopping"]
                else repr(sorted(rest.items(), key=lambda item: item[0]))
            )
            shared.setdefault(key, []).append(position)
        probabilities: dict[tuple[int, int], np.ndarray] = {}
        for positions in shared.values():
            sizes = {
                position: int(
                    grid[position].get("max_iter", HistGradientBoostingClassifier().max_iter)
                )
                for position in positions
            }
            longest = grid[max(positions, key=lambda position: sizes[position])]
            for fold, (train, test) in enumerate(folds):
                estimator = build_estimator(self.kind, longest, "none", self.random_state)
                estimator.fit(X.iloc[train], y[train])
                staged = _staged_ordered_proba(estimator, X.iloc[test], set(sizes.values()))
                for position, size in sizes.items():
                    probabilities[(position, fold)] = staged[size]
        return [
            self._score_row(params, "none", fold, train, test, probabilities[(position, fold)], y)
            for position, params in enumerate(grid)
            for fold, (train, test) in enumerate(folds)
        ]

    # ---- fitting ------------------------------------------------------------------------

    def fit(
        self,
        X: pd.DataFrame | np.ndarray,
        y: Sequence[object] | np.ndarray | pd.Series,
        kickoff: Sequence[object] | np.ndarray | pd.Series | None = None,
    ) -> OutcomeClassifier:
        """Tune and fit on rows ``X`` with outcomes ``y`` ('H'/'D'/'A' or 0/1/2).

        ``kickoff`` orders the rows for the time-series folds; when None, a
        ``kickoff_date`` column of ``X`` is used if present, else the rows are taken to be
        in time order already.

        Runs single-threaded: on ten thousand rows OpenMP's start-up and contention cost
        more than they save (a gradient-boosting fit was ten times slower with two busy
        cores than with one thread).
        """
        with threadpool_limits(limits=1):
            return self._fit(X, y, kickoff)

    def _fit(
        self,
        X: pd.DataFrame | np.ndarray,
        y: Sequence[object] | np.ndarray | pd.Series,
        kickoff: Sequence[object] | np.ndarray | pd.Series | None,
    ) -> OutcomeClassifier:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.scoring not in ("rps", "log_loss"):
            raise ValueError("scoring must be 'rps' or 'log_loss'")
        names = list(self.feature_names)
        if not names:
            raise ValueError("feature_names is empty: name the feature columns explicitly")
        labels = outcome_index(y)
        if kickoff is None and isinstance(X, pd.DataFrame) and "kickoff_date" in X.columns:
            kickoff = X["kickoff_date"]
        matrix = self._matrix(X, names).reset_index(drop=True)
        if len(matrix) != len(labels):
            raise ValueError(f"{len(matrix)} rows of features but {len(labels)} labels")
        if kickoff is not None:
            order = np.argsort(
                pd.to_datetime(pd.Series(np.asarray(kickoff))).to_numpy(), kind="stable"
            )
            matrix = matrix.iloc[order].reset_index(drop=True)
            labels = labels[order]
        if len(np.unique(labels)) < 3:
            raise ValueError("training data must contain home wins, draws and away wins")

        folds = list(TimeSeriesSplit(n_splits=self.n_splits).split(matrix))
        for train, _ in folds:
            if len(np.unique(labels[train])) < 3:
                raise ValueError("an inner training fold lacks an outcome class; use fewer splits")
        grid = (
            list(self.grid)
            if self.grid is not None
            else list(LOGISTIC_GRID if self.kind == "logistic" else HGB_GRID)
        )
        results = self._grid_scores(matrix, labels, folds, grid)
        table = pd.DataFrame(results)
        table["candidate"] = table["params"].map(repr)
        mean_scores = table.groupby("candidate", sort=False)["score"].mean()
        best_params = grid[[repr(p) for p in grid].index(mean_scores.idxmin())]
        for calibration in self.calibrations:
            if calibration != "none":
                results += self._candidate_scores(matrix, labels, folds, best_params, calibration)
        table = pd.DataFrame(results)
        table["candidate"] = table["params"].map(repr) + " | " + table["calibration"]
        finalists = table[table["params"].map(repr) == repr(best_params)]
        by_calibration = finalists.groupby("calibration", sort=False)["score"].mean()
        best_calibration = str(by_calibration.idxmin())

        self.estimator_ = build_estimator(
            self.kind, best_params, best_calibration, self.random_state
        )  # type: ignore[arg-type]
        self.estimator_.fit(matrix, labels)
        self.best_params_ = dict(best_params)
        self.calibration_ = best_calibration
        self.cv_results_ = table.drop(columns=["candidate"])
        self.classes_ = np.array(OUTCOMES)
        self.feature_names_in_ = np.array(names, dtype=object)
        self.n_features_in_ = len(names)
        self.importances_ = (
            self._importances(matrix, labels, folds[-1], best_params, best_calibration)
            if self.kind == "logistic" or self.permutation_importance
            else pd.DataFrame(columns=list(IMPORTANCE_COLUMNS))
        )
        return self

    def _importances(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        last_fold: tuple[np.ndarray, np.ndarray],
        params: Mapping[str, Any],
        calibration: str,
    ) -> pd.DataFrame:
        """Standardised coefficients (logistic) or permutation importance (hgb).

        Permutation importance is measured on the last inner fold, by a model fitted on the
        rows before it: importance on the training rows would reward memorisation.
        """
        if self.kind == "logistic":
            pipeline = self.estimator_
            if isinstance(pipeline, CalibratedClassifierCV):
                pipeline = pipeline.calibrated_classifiers_[0].estimator
            model = pipeline.named_steps["model"]
            rows = []
            for class_row, label in enumerate(model.classes_):
                for feature, value in zip(X.columns, model.coef_[class_row], strict=True):
                    rows.append(
                        {
                            "feature": feature,
                            "outcome": OUTCOMES[int(label)],
                            "kind": "coefficient",
                            "importance": float(value),
                            "std": np.nan,
                        }
                    )
            return pd.DataFrame(rows)
        train, test = last_fold
        model = build_estimator(self.kind, params, calibration, self.random_state)  # type: ignore[arg-type]
        model.fit(X.iloc[train], y[train])

        def negative_rps(estimator: Any, features: pd.DataFrame, labels: np.ndarray) -> float:
            return -rps(_ordered_proba(estimator, features), labels)

        result = permutation_importance(
            model,
            X.iloc[test],
            y[test],
            scoring=negative_rps,
            n_repeats=5,
            random_state=self.random_state,
        )
        return pd.DataFrame(
            {
                "feature": list(X.columns),
                "outcome": "all",
                "kind": "permutation_rps",
                "importance": result.importances_mean,
                "std": result.importances_std,
            }
        )

    # ---- predicting -----------------------------------------------------------------------

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """(n, 3) probabilities, columns home win, draw, away win."""
        if not hasattr(self, "estimator_"):
            raise RuntimeError("the classifier is not fitted yet")
        with threadpool_limits(limits=1):
            return _ordered_proba(self.estimator_, self._matrix(X, list(self.feature_names_in_)))

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The most probable outcome code ('H', 'D' or 'A') of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def feature_importances(self) -> pd.DataFrame:
        """Importance per feature: columns feature, outcome, kind, importance, std.

        Logistic: one standardised coefficient per feature and outcome (its effect on that
        outcome's log-odds per standard deviation). HGB: the mean rise in RPS when the
        feature is shuffled on the last inner fold (outcome 'all'), with its spread; no rows
        when fitted with ``permutation_importance=False``.
        """
        if not hasattr(self, "importances_"):
            raise RuntimeError("the classifier is not fitted yet")
        return self.importances_.copy()


def fit_classifier(
    kind: ClassifierKind,
    X: pd.DataFrame | np.ndarray,
    y: Sequence[object] | np.ndarray | pd.Series,
    feature_names: Sequence[str],
    *,
    kickoff: Sequence[object] | np.ndarray | pd.Series | None = None,
    scoring: Scoring = "rps",
    n_splits: int = 3,
    calibrations: Sequence[Calibration] = ("none", "temperature"),
    grid: Sequence[Mapping[str, Any]] | None = None,
    random_state: int = 0,
    permutation_importance: bool = True,
) -> OutcomeClassifier:
    """Tune and fit a ``kind`` classifier on ``feature_names``; see :class:`OutcomeClassifier`.

    ``grid`` replaces the default candidates (:data:`LOGISTIC_GRID`, :data:`HGB_GRID`).
    """
    return OutcomeClassifier(
        kind=kind,
        feature_names=tuple(feature_names),
        scoring=scoring,
        n_splits=n_splits,
        calibrations=tuple(calibrations),
        grid=None if grid is None else tuple(dict(point) for point in grid),
        random_state=random_state,
        permutation_importance=permutation_importance,
    ).fit(X, y, kickoff=kickoff)
