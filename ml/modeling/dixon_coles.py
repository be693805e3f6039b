"""The Dixon-Coles goals model: refitted every week inside a walk-forward, as it is run live,
so its forecasts of a season come from its own weekly walk-forward
(:func:`~ml.models.dixon_coles.walk_forward_goals`); served with expected goals and over 2.5."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.modeling.interface import Cadence, CandidateBase, CandidateOptions, History
from ml.models.dixon_coles import DEFAULT_WINDOW_DAYS, DixonColes, walk_forward_goals

OUTPUT_COLUMNS = ("p_home", "p_draw", "p_away")
GOALS_COLUMNS = ("home_xg", "away_xg", "p_over_2_5")


@dataclass
class GoalsPredictor:
    """A fitted Dixon-Coles model: outcome, over 2.5 and expected goals from team strengths."""

    model: Any
    input_columns: list[str] = field(
        default_factory=lambda: ["league", "kickoff_date", "home_team", "away_team"]
    )

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        frame = features.copy()
        frame["kickoff_date"] = pd.to_datetime(frame["kickoff_date"])
        out = self.model.predict(frame)
        return out[[*OUTPUT_COLUMNS, *GOALS_COLUMNS]].set_index(features.index)

    def predict_proba(self, matches: pd.DataFrame) -> np.ndarray:
        return self.predict(matches)[list(OUTPUT_COLUMNS)].to_numpy(dtype=float)

    def summary(self) -> Mapping[str, Any]:
        return {}

    def importances(self) -> pd.DataFrame | None:
        return None


def aligned_start(start: pd.Timestamp, earliest: pd.Timestamp, every_days: int) -> pd.Timestamp:
    """The latest day on or before ``earliest`` a whole number of refit periods before ``start``.

    Starting the goals walk-forward there puts the evaluated season's refits on the same
    days as a walk-forward started at the season itself, so extending it for the blend
    leaves the Dixon-Coles forecasts of the season as they were.
    """
    periods = -(-(start - earliest).days // every_days)
    return start - pd.Timedelta(days=periods * every_days)


@dataclass(frozen=True)
class DixonColesCandidate(CandidateBase):
    """``options`` go to :func:`walk_forward_goals` (refit_every_days, window_days, xi...)."""

    options: Mapping[str, Any] = field(default_factory=dict)
    name: str = "dixon_coles"
    variant: str = "weekly"
    needs_goals = True
    cadence = Cadence.WEEKLY

    def forecasts(
        self,
        history: History,
        anchor: pd.Timestamp,
        earliest: pd.Timestamp,
        end: pd.Timestamp | None,
    ) -> pd.DataFrame:
        if history.goals is None:
            raise ValueError("the goals model needs the goals matches")
        options = dict(self.options)
        return walk_forward_goals(
            history.goals,
            eval_start=aligned_start(anchor, earliest, int(options.get("refit_every_days", 7))),
            eval_end=end,
            **options,
        )

    def forecast_summary(self, forecasts: pd.DataFrame) -> Mapping[str, Any]:
        return {
            "xi": forecasts["xi"].iloc[0] if len(forecasts) else np.nan,
            "refits": forecasts["refit_date"].nunique(),
        } | {key: value for key, value in self.options.items() if key != "xi"}

    def fit(self, history: History, as_of: pd.Timestamp) -> GoalsPredictor:
        """The live model: the played matches of its usual window before ``as_of``, with the
        time decay measured from ``as_of``."""
        if history.goals is None:
            raise ValueError("the goals model needs the goals matches")
        played = history.goals.dropna(subset=["home_goals", "away_goals"])
        kickoff = pd.to_datetime(played["kickoff_date"])
        window = played[
            (kickoff < as_of) & (kickoff >= as_of - pd.Timedelta(days=DEFAULT_WINDOW_DAYS))
        ]
        return GoalsPredictor(DixonColes().fit(window, reference_date=as_of))


def candidates(options: CandidateOptions) -> list[DixonColesCandidate]:
    return [DixonColesCandidate(dict(options.goals_options))] if options.goals else []
