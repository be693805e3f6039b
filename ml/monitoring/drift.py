"""Data and prediction drift with Evidently 0.7 (imported here only: it takes ~10 s).

Both are Evidently's two-sample Kolmogorov-Smirnov test on every column, so each column's
drift score is a p-value (drift when below the policy's ``drift_p_value``) that
:func:`scipy.stats.ks_2samp` reproduces exactly; the tests check that. Data drift compares
``mart_match_features`` of the matches scored lately with the champion's training window;
prediction drift compares the champion's live probabilities with its own walk-forward
probabilities. Both ask the test for the p-values alone (:func:`ks_p_values`); a monitoring
run that keeps Evidently's HTML report of feature drift (every ``plpred run``; a replay's last
tick and its ticks where the data drifted) renders it with the data-drift preset
(``method="ks"``, :func:`ks_drift`), whose p-values are the same, for 1 to 2 s of plots.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass
class DriftResult:
    # (column, K-S p-value), in the order given: the report's own, which the monitor does not
    # store (it stores ks_p_values'); tests/unit/test_monitoring.py compares the two.
    per_column: list[tuple[str, float]]
    snapshot: Any  # Evidently's Snapshot: save_html, json

    def save_html(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.snapshot.save_html(str(path))
        return path


def usable_columns(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str]
) -> list[str]:
    """Columns that can be tested: numeric, and with at least two values on each side."""
    keep = []
    for column in columns:
        ref = pd.to_numeric(reference[column], errors="coerce").dropna()
        cur = pd.to_numeric(current[column], errors="coerce").dropna()
        if len(ref) >= 2 and len(cur) >= 2 and ref.nunique() + cur.nunique() > 2:
            keep.append(column)
    return keep


def ks_drift(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str], p_value: float
) -> DriftResult:
    """Evidently's data-drift preset, K-S on every column of ``columns``."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    columns = list(columns)
    definition = DataDefinition(numerical_columns=columns)
    ref = reference[columns].apply(pd.to_numeric, errors="coerce").astype(float)
    cur = current[columns].apply(pd.to_numeric, errors="coerce").astype(float)
    report = Report([DataDriftPreset(columns=columns, method="ks", threshold=p_value)])
    snapshot = report.run(
        Dataset.from_pandas(cur, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
    )
    values: dict[str, float] = {}
    for metric in json.loads(snapshot.json())["metrics"]:
        config = metric.get("config", {})
        if str(config.get("type", "")).endswith("ValueDrift"):
            values[config["column"]] = float(metric["value"])
    return DriftResult([(c, values[c]) for c in columns if c in values], snapshot)


def ks_p_values(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str]
) -> list[tuple[str, float]]:
    """(column, K-S p-value) of every column, as :func:`ks_drift` gives them, from Evidently's
    K-S test alone: values not finite are left out on each side, as the preset does."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    import numpy as np
    from evidently.legacy.calculations.stattests.ks_stattest import ks_stat_test
    from evidently.legacy.core import ColumnType

    values = []
    for column in columns:
        ref, cur = (
            pd.to_numeric(frame[column], errors="coerce")
            .astype(float)
            .replace([-np.inf, np.inf], np.nan)
            .dropna()
            for frame in (reference, current)
        )
        result = ks_stat_test(ref, cur, ColumnType.Numerical, None)
        values.append((column, float(result.drift_score)))
    return values
