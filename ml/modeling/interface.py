"""The one shape every forecasting model takes, so that nothing else has to know which it is.

A :class:`Candidate` is a configured model (a name and a variant): it says what it reads
(market prices, the goals model's matches), how often a walk-forward refits it
(:class:`Cadence`), whose out-of-sample forecasts it learns from, whether it is a yardstick
(judged against, never champion) and how it is saved to and loaded from MLflow. ``fit(history,
as_of)`` returns a :class:`Fitted` model, which ``predict_proba`` s matches in the walk-forward
and ``predict`` s them when served from the registry. Scikit-learn's estimator contract, with
the moment of the fit made explicit.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ml.models.blend import BlendSpec

PROBABILITY_COLUMNS: tuple[str, str, str] = ("p_home", "p_draw", "p_away")


class Cadence(StrEnum):
    """How often a walk-forward refits a candidate."""

    NEVER = "never"
    """Nothing to fit: it reads each match's own inputs (the market's prices)."""
    SEASON = "season"
    """Fitted once before each evaluated season, on every labelled match before it."""
    WEEKLY = "weekly"
    """Refitted every week inside the season, as it would be run live: its
    :meth:`Candidate.forecasts` are the walk-forward's predictions."""


@dataclass(frozen=True)
class History:
    """What a candidate may learn from at the moment of its fit.

    ``features``: labelled matches of the league, one row per match (match_id, season,
    kickoff_date, label, the feature and price columns), all before the fit's ``as_of``.
    ``goals``: the goals model's matches (may hold a second tier); None without a goals model.
    A walk-forward adds the out-of-sample forecasts of the candidates a candidate ``requires``
    to ``features`` as columns (:func:`forecast_columns`).
    """

    features: pd.DataFrame
    goals: pd.DataFrame | None = None
    forecasts: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    """Weekly candidates' walk-forward forecasts already made over this history (by a
    training run's evaluation), by name: a fit that learns from them takes those instead of
    running the same walk-forward again, when they cover every match it learns from."""


def forecast_columns(name: str) -> tuple[str, str, str, str]:
    """The columns that carry candidate ``name``'s forecast of a match: its three
    probabilities and the day of the fit that made it."""
    return (f"{name}_p_home", f"{name}_p_draw", f"{name}_p_away", f"{name}_refit_date")


def with_forecasts(matches: pd.DataFrame, name: str, forecasts: pd.DataFrame) -> pd.DataFrame:
    """``matches`` with candidate ``name``'s forecasts (match_id, refit_date, p_home, p_draw,
    p_away; at most one per match) as :func:`forecast_columns`; NaN where it made none."""
    columns = dict(zip([*PROBABILITY_COLUMNS, "refit_date"], forecast_columns(name), strict=True))
    attached = matches.merge(
        forecasts[["match_id", *columns]].rename(columns=columns),
        on="match_id",
        how="left",
        validate="many_to_one",
    )
    attached.index = matches.index
    return attached


@dataclass(frozen=True)
class CandidateOptions:
    """What a training run asks of the models; each candidate factory reads its own part.

    ``feature_sets`` maps a variant name to feature columns (the classifiers' variants);
    ``markets`` lists the market yardsticks as (model name, variant stem, three odds
    columns), the variant being suffixed with ``margin_method``; ``goals`` enables the
    Dixon-Coles model (``goals_options`` go to its weekly walk-forward) and ``blend`` the
    stacked blend on top of it. ``diagnostics`` asks the fits for the diagnostics that cost
    more than the model (gradient boosting's permutation importance); ``plpred train`` asks
    them only of the model it keeps, not of every walk-forward fit.
    """

    feature_sets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    classifiers: Sequence[str] = ("logistic", "hgb")
    classifier_grids: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
    scoring: str = "rps"
    n_splits: int = 3
    calibrations: Sequence[str] = ("none", "temperature")
    random_state: int = 0
    base_rates: bool = True
    markets: Sequence[tuple[str, str, Sequence[str]]] = ()
    margin_method: str = "shin"
    goals: bool = False
    goals_options: Mapping[str, Any] = field(default_factory=dict)
    blend: bool = False
    blend_spec: BlendSpec | None = None
    diagnostics: bool = True


@runtime_checkable
class Fitted(Protocol):
    """A fitted candidate: what the walk-forward predicts with and MLflow serves."""

    @property
    def input_columns(self) -> list[str]:
        """The columns of ``mart_match_features`` it reads when served."""
        ...

    def predict_proba(self, matches: pd.DataFrame) -> np.ndarray:
        """(n, 3) home/draw/away probabilities; NaN rows for matches it cannot price."""
        ...

    def predict(self, matches: pd.DataFrame) -> pd.DataFrame:
        """The served output on ``matches``' index: p_home, p_draw, p_away (and goals)."""
        ...

    def summary(self) -> Mapping[str, Any]:
        """What the fit chose (hyper-parameters, calibration, weights), for the run log."""
        ...

    def importances(self) -> pd.DataFrame | None:
        """Feature importances (feature, outcome, kind, importance, std), if it has any."""
        ...


@runtime_checkable
class Candidate(Protocol):
    """A configured model that the walk-forward, the final fit and scoring treat alike."""

    name: str
    variant: str
    needs_market: bool
    """Reads market prices: a match without them gets no forecast."""
    needs_goals: bool
    """Learns from the goals model's matches (so from the second tier's too)."""
    yardstick: bool
    """Judged against, never champion (a champion that is the market could find no value)."""
    cadence: Cadence
    requires: tuple[str, ...]
    """Candidates whose out-of-sample forecasts it learns from, as :func:`forecast_columns`."""
    window_seasons: int
    """How many seasons of those forecasts it learns from before a season."""
    flavour: str
    """The MLflow flavour it is logged with. Whatever it is, the logged model must load as a
    pyfunc whose ``predict`` returns p_home, p_draw, p_away: that is how scoring loads the
    champion without knowing which candidate it is."""

    def fit(self, history: History, as_of: pd.Timestamp) -> Fitted:
        """Learn from ``history`` (every match before ``as_of``); returns a fitted model."""
        ...

    def forecasts(
        self,
        history: History,
        anchor: pd.Timestamp,
        earliest: pd.Timestamp,
        end: pd.Timestamp | None,
    ) -> pd.DataFrame:
        """For :attr:`Cadence.WEEKLY`: the walk-forward's forecasts of every match from
        ``earliest`` to ``end`` (all when None), each by a fit made before it, refits on the
        grid of ``anchor``. One row per match: match_id, kickoff_date, refit_date, p_*."""
        ...

    def forecast_summary(self, forecasts: pd.DataFrame) -> Mapping[str, Any]:
        """For :attr:`Cadence.WEEKLY`: what its forecasts of a season chose, for the run log."""
        ...

    def log_model(self, fitted: Fitted, example: pd.DataFrame) -> str:
        """Log ``fitted`` in the active MLflow run; returns the logged model's URI."""
        ...

    def load_model(self, model_uri: str) -> Any:
        """Load a model this candidate logged, ready to ``predict`` a frame of matches."""
        ...


def label(candidate: Candidate) -> str:
    """``model/variant``: how runs, registered versions and the ledgers name a candidate."""
    return f"{candidate.name}/{candidate.variant}"


class CandidateBase:
    """Defaults for a :class:`Candidate`: a season-refitted, servable pyfunc model that reads
    neither prices nor the goals model's matches. Subclasses are frozen dataclasses that
    override what differs."""

    needs_market: bool = False
    needs_goals: bool = False
    yardstick: bool = False
    cadence: Cadence = Cadence.SEASON
    requires: tuple[str, ...] = ()
    window_seasons: int = 0
    flavour: str = "python_function"

    def forecasts(
        self,
        history: History,
        anchor: pd.Timestamp,
        earliest: pd.Timestamp,
        end: pd.Timestamp | None,
    ) -> pd.DataFrame:
        raise TypeError(f"{self!r} is refitted {self.cadence}, not weekly: it has no forecasts")

    def forecast_summary(self, forecasts: pd.DataFrame) -> Mapping[str, Any]:
        raise TypeError(f"{self!r} is refitted {self.cadence}, not weekly: it has no forecasts")

    def log_model(self, fitted: Fitted, example: pd.DataFrame) -> str:
        """A pyfunc model wrapping ``fitted`` (:func:`pyfunc_model`), with the input
        schema of ``example``: scoring loads any candidate the same way."""
        import mlflow
        from mlflow.models import infer_signature

        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=pyfunc_model(fitted),
            signature=infer_signature(example, fitted.predict(example)),
            input_example=example,
            pip_requirements=list(model_requirements()),
        )
        return info.model_uri

    def load_model(self, model_uri: str) -> Any:
        import mlflow.pyfunc

        return mlflow.pyfunc.load_model(model_uri)


# The distributions a logged plpred model needs to load, pinned to the installed versions.
# Given to MLflow, they spare the inference it would otherwise run for every model it logs (a
# subprocess that loads the model and records what it imports: ~3 s a model, in every train
# and refit; or, with uv on the PATH in this project, `uv export` of the whole project, Airflow
# and dbt included). tests/integration/test_train_score.py checks that they cover what the
# subprocess finds.
MODEL_REQUIREMENTS = (
    "mlflow",
    "cloudpickle",
    "numpy",
    "pandas",
    "psutil",
    "rich",
    "scikit-learn",
    "scipy",
)


@functools.cache
def model_requirements() -> tuple[str, ...]:
    """``MODEL_REQUIREMENTS`` as pins of the installed versions (``pandas==2.3.3``)."""
    from importlib.metadata import version

    return tuple(f"{name}=={version(name)}" for name in MODEL_REQUIREMENTS)


def pyfunc_model(predictor: object):
    """Wrap a fitted candidate as an MLflow ``PythonModel``, so ``models:/plpred-E0@champion``
    loads the same way whichever kind won (mlflow is imported here: it is slow to import)."""
    import mlflow.pyfunc

    class PlpredPyfunc(mlflow.pyfunc.PythonModel):
        def __init__(self, inner: object) -> None:
            self.predictor = inner

        def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
            return self.predictor.predict(model_input)

    return PlpredPyfunc(predictor)


def probability_frame(proba: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """(n, 3) probabilities as the served p_home, p_draw, p_away on ``index``."""
    return pd.DataFrame(
        np.asarray(proba, dtype=float), columns=list(PROBABILITY_COLUMNS), index=index
    )
