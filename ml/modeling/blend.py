"""The stacked blend of the market (and Pinnacle) with the goals model's out-of-sample
forecasts (:mod:`ml.models.blend`). It learns from the Dixon-Coles candidate's weekly
walk-forward forecasts of its window: a walk-forward supplies them; a final fit makes them
itself, as live ones are made, and fits the goals model that serves new matches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.modeling.dixon_coles import GOALS_COLUMNS, OUTPUT_COLUMNS, DixonColesCandidate
from ml.modeling.interface import (
    CandidateBase,
    CandidateOptions,
    History,
    forecast_columns,
    probability_frame,
    with_forecasts,
)
from ml.models.blend import BlendFit, BlendSpec, assert_out_of_sample, blend_inputs, fit_blend
from ml.models.dixon_coles import DixonColes


@dataclass
class BlendPredictor:
    """The stacked blend served live: a Dixon-Coles fit on every played match and the blender.

    Reads the fixture's identity for the goals model and the pre-match odds columns of
    ``mart_match_features`` for the market (and Pinnacle), exactly as the walk-forward
    did; expected goals and over 2.5 come from the goals model, which is the only part
    that knows about goals. A fixture without market odds gets NaN probabilities, which
    ``plpred score`` leaves for a later run. In a walk-forward (``goals_model`` None) the
    matches carry the goals model's weekly forecasts as columns instead.
    """

    goals_model: DixonColes | None
    blender: BlendFit
    spec: BlendSpec
    chosen: dict[str, Any] = field(default_factory=dict)

    @property
    def input_columns(self) -> list[str]:
        return ["league", "kickoff_date", "home_team", "away_team", *self.spec.odds_columns]

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        frame = features.copy()
        frame["kickoff_date"] = pd.to_datetime(frame["kickoff_date"])
        for column in self.spec.odds_columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        goals = self.goals_model.predict(frame)
        inputs = blend_inputs(frame, goals[list(OUTPUT_COLUMNS)].to_numpy(), self.spec)
        out = probability_frame(self.blender.predict_proba(inputs), features.index)
        for column in GOALS_COLUMNS:
            out[column] = goals[column].to_numpy()
        return out

    def predict_proba(self, matches: pd.DataFrame) -> np.ndarray:
        carried = list(forecast_columns(DixonColesCandidate.name)[:3])
        if not set(carried) <= set(matches.columns):
            return self.predict(matches)[list(OUTPUT_COLUMNS)].to_numpy(dtype=float)
        inputs = blend_inputs(matches.reset_index(drop=True), matches[carried], self.spec)
        return self.blender.predict_proba(inputs)

    def summary(self) -> Mapping[str, Any]:
        return self.blender.summary() | self.chosen

    def importances(self) -> pd.DataFrame | None:
        return None


def fit_on_forecasts(
    learn: pd.DataFrame, spec: BlendSpec, before: pd.Timestamp, context: str
) -> tuple[BlendFit, dict[str, Any]]:
    """The blend's one fit: on the rows of ``learn`` that carry a goals forecast (columns of
    :func:`forecast_columns`), each checked to be out of sample and before ``before``.
    Returns the blender and what it learnt from (first season, validation seasons)."""
    p_home, p_draw, p_away, refit = forecast_columns(DixonColesCandidate.name)
    known = learn[learn[refit].notna()].reset_index(drop=True)
    assert_out_of_sample(
        known[["kickoff_date", refit]].rename(columns={refit: "refit_date"}), before, context
    )
    if known.empty:
        raise ValueError(f"no goals forecasts before {before.date()} for the blend to learn from")
    fitted = fit_blend(
        blend_inputs(known, known[[p_home, p_draw, p_away]], spec),
        known["label"],
        known["season"],
        known["kickoff_date"],
        sources=spec.sources,
        l2_grid=spec.l2_grid,
        n_folds=spec.n_folds,
    )
    chosen = {
        "window_from": str(known["season"].iloc[0]),
        "cv_seasons": ",".join(map(str, fitted.cv_results["season"].unique())),
    }
    return fitted, chosen


@dataclass(frozen=True)
class Blend(CandidateBase):
    """The blend of ``spec`` on the forecasts of ``goals``; its variant names its sources."""

    spec: BlendSpec
    goals: DixonColesCandidate
    name: str = "blend"
    needs_market = True
    needs_goals = True
    requires = (DixonColesCandidate.name,)

    @property
    def variant(self) -> str:
        return self.spec.variant

    @property
    def window_seasons(self) -> int:
        return self.spec.window_seasons

    def fit(self, history: History, as_of: pd.Timestamp) -> BlendPredictor:
        """Learn from the last ``spec.window_seasons`` seasons of ``history``: from the goals
        forecasts its matches carry (a walk-forward's), else from the goals model's weekly
        walk-forward over them, taken from ``history.forecasts`` when a training run's
        evaluation made one that covers them, else run here."""
        features = history.features
        first_kickoff = features.groupby("season")["kickoff_date"].min().sort_values()
        start = first_kickoff.iloc[-min(self.spec.window_seasons, len(first_kickoff))]
        learn = features[features["kickoff_date"] >= start]
        goals_model = None
        if forecast_columns(self.goals.name)[0] not in learn.columns:
            forecasts = _covering(history.forecasts.get(self.goals.name), learn, as_of)
            if forecasts is None:
                forecasts = self.goals.forecasts(history, start, start, None)
            learn = with_forecasts(learn, self.goals.name, forecasts)
            goals_model = self.goals.fit(history, as_of).model
        blender, chosen = fit_on_forecasts(
            learn, self.spec, as_of, f"blend for season from {as_of.date()}"
        )
        return BlendPredictor(goals_model, blender, self.spec, chosen)


def _covering(
    forecasts: pd.DataFrame | None, learn: pd.DataFrame, before: pd.Timestamp
) -> pd.DataFrame | None:
    """``forecasts`` when they hold one for every match of ``learn``, all made before
    ``before``; else None (the walk-forward must be run for this window)."""
    if forecasts is None:
        return None
    known = forecasts[forecasts["match_id"].isin(learn["match_id"])]
    if known["match_id"].nunique() < learn["match_id"].nunique():
        return None
    if (pd.to_datetime(known["refit_date"]) >= before).any():
        return None
    return known


def candidates(options: CandidateOptions) -> list[Blend]:
    if not options.blend:
        return []
    if not options.goals:
        raise ValueError("the blend needs the goals model: pass goals_matches")
    return [
        Blend(options.blend_spec or BlendSpec(), DixonColesCandidate(dict(options.goals_options)))
    ]
