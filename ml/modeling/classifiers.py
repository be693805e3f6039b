"""The outcome classifiers (logistic regression, gradient boosting), one candidate per kind and
feature set; each tunes itself by time-ordered cross-validation at every fit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ml.modeling.features import MARKET_FEATURES
from ml.modeling.interface import CandidateBase, CandidateOptions, History, probability_frame
from ml.models.classifiers import fit_classifier


@dataclass
class ClassifierPredictor:
    """A tuned scikit-learn classifier on mart feature columns."""

    estimator: Any
    feature_columns: Sequence[str]
    n_train: int | None = None

    @property
    def input_columns(self) -> list[str]:
        return list(self.feature_columns)

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        matrix = features[list(self.feature_columns)].astype(float)
        return probability_frame(self.estimator.predict_proba(matrix), features.index)

    def predict_proba(self, matches: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(matches)

    def summary(self) -> Mapping[str, Any]:
        return self.estimator.best_params_ | {
            "calibration": self.estimator.calibration_,
            "n_train": self.n_train,
        }

    def importances(self) -> pd.DataFrame | None:
        table = self.estimator.feature_importances()
        return None if table.empty else table


@dataclass(frozen=True)
class Classifier(CandidateBase):
    """A ``kind`` classifier on the feature set ``variant``."""

    kind: str
    variant: str
    feature_columns: tuple[str, ...]
    grid: tuple[Mapping[str, Any], ...] | None = None
    scoring: str = "rps"
    n_splits: int = 3
    calibrations: tuple[str, ...] = ("none", "temperature")
    random_state: int = 0
    diagnostics: bool = True
    """Measure permutation importance (gradient boosting); a training run asks it only of
    the model it keeps."""

    @property
    def name(self) -> str:
        return self.kind

    @property
    def needs_market(self) -> bool:
        return bool(set(self.feature_columns) & set(MARKET_FEATURES))

    def fit(self, history: History, as_of: pd.Timestamp) -> ClassifierPredictor:
        train = history.features
        fitted = fit_classifier(
            self.kind,
            train,
            train["label"],
            list(self.feature_columns),
            kickoff=train["kickoff_date"],
            scoring=self.scoring,
            n_splits=self.n_splits,
            calibrations=self.calibrations,
            grid=self.grid,
            random_state=self.random_state,
            permutation_importance=self.diagnostics,
        )
        return ClassifierPredictor(fitted, list(self.feature_columns), n_train=len(train))


def candidates(options: CandidateOptions) -> list[Classifier]:
    grids = options.classifier_grids or {}
    return [
        Classifier(
            kind,
            variant,
            tuple(columns),
            grid=None if grids.get(kind) is None else tuple(grids[kind]),
            scoring=options.scoring,
            n_splits=options.n_splits,
            calibrations=tuple(options.calibrations),
            random_state=options.random_state,
            diagnostics=options.diagnostics,
        )
        for kind in options.classifiers
        for variant, columns in options.feature_sets.items()
    ]
