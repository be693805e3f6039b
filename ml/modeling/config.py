"""What a training run does (:class:`TrainConfig`), without the fitting code.

The CLI, the DAGs and the catalogue build a configuration from what a user typed before any
model is fitted, often in runs where no model is fitted at all: this module imports no
scikit-learn, SciPy or MLflow, so that such runs do not pay for them (docs/performance.md).
:func:`ml.modeling.train.candidates_for` turns a configuration into candidates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

# The classifiers a run evaluates by default, and with ``--candidates all``. Gradient boosting
# is opt-in: on E0's six-season walk-forward it cost about six times the logistic models'
# CPU (85% of the walk-forward's) for an RPS of 0.1997 (with the market's features) against
# the blend's 0.1980, and it has never been champion (docs/performance.md).
DEFAULT_CLASSIFIERS: tuple[str, ...] = ("logistic",)
ALL_CLASSIFIERS: tuple[str, ...] = ("logistic", "hgb")
CANDIDATE_SETS = ("default", "all")


@dataclass(frozen=True)
class TrainConfig:
    """What a training run does. ``quick`` uses small grids (tests, smoke runs).

    ``blend`` adds the stacked blend of market and goals model; it needs ``goals_model``
    and is skipped without it.
    """

    eval_seasons: tuple[str, ...] | None = None
    n_eval_seasons: int = 6
    classifiers: tuple[str, ...] = DEFAULT_CLASSIFIERS
    variants: tuple[str, ...] = ("football", "with_market")
    goals_model: bool = True
    blend: bool = True
    second_tier: bool = False
    quick: bool = False
    random_state: int = 0

    @classmethod
    def from_options(
        cls,
        *,
        eval_seasons: str | None = None,
        classifiers: str | Sequence[str] | None = None,
        candidates: str = "default",
        goals_model: bool = True,
        second_tier: bool = False,
        quick: bool = False,
    ) -> TrainConfig:
        """The configuration from the words a user types (the CLI's options, a DAG's params):
        ``eval_seasons`` a spec such as ``2324-2526``, ``classifiers`` a comma list or a list
        (None: the candidate set's), ``candidates`` ``default`` or ``all`` (every registered
        model, the opt-in gradient boosting too)."""
        from ml.ingest.seasons import parse_seasons

        if candidates not in CANDIDATE_SETS:
            raise ValueError(
                f"candidates must be one of {', '.join(CANDIDATE_SETS)}, got {candidates!r}"
            )
        if classifiers is None:
            names: Sequence[str] = DEFAULT_CLASSIFIERS
        else:
            names = classifiers.split(",") if isinstance(classifiers, str) else classifiers
        chosen = tuple(name.strip() for name in names if name and name.strip())
        if candidates == "all":
            chosen = (*chosen, *(name for name in ALL_CLASSIFIERS if name not in chosen))
        return cls(
            eval_seasons=(
                tuple(season.label for season in parse_seasons(eval_seasons))
                if eval_seasons
                else None
            ),
            classifiers=chosen,
            goals_model=goals_model,
            second_tier=second_tier,
            quick=quick,
        )

    def to_json(self) -> str:
        """What a registered version keeps of its configuration, so a refit can repeat it."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> TrainConfig:
        if not text:
            return cls()
        values = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in values.items()
                if key in known
            }
        )

    def classifier_grids(self) -> dict[str, list[dict]] | None:
        if not self.quick:
            return None
        return {
            "logistic": [{"C": 0.1}],
            "hgb": [
                {"learning_rate": 0.05, "max_iter": 60, "max_leaf_nodes": 7, "min_samples_leaf": 80}
            ],
        }
