"""The retraining policy and the monitoring thresholds, read from ``ml/retraining.toml``.

One place decides: the monitor step judges its metrics with these thresholds, and
:func:`ml.monitoring.decide.decide` turns them into one decision per run.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

POLICY_PATH = Path(__file__).resolve().parent.parent / "retraining.toml"
# Another policy file for this process (a trial policy, the tests' small windows).
POLICY_ENV = "PLPRED_RETRAINING_POLICY"


class PolicyError(ValueError):
    """The policy file is missing a setting or holds a wrong one; the message names it."""


@dataclass(frozen=True)
class Policy:
    # [monitor]
    window: int = 50
    min_matches: int = 30
    drift_min_rows: int = 40
    reference_rows: int = 380
    drift_p_value: float = 0.05
    ece_bins: int = 10
    freshness_days: float = 4
    max_rejected_rows: int = 0
    max_missing_prematch_odds: int = 0
    # [refit]
    refit_max_age_days: float | None = 7
    # [retrain]
    max_rps_gap: float = 0.015
    max_drifted_share: float = 0.5
    new_season: bool = True
    retrain_cooldown_days: float = 14
    retrain_max_age_days: float | None = None


_SECTIONS = {
    "monitor": {
        "window": "window",
        "min_matches": "min_matches",
        "drift_min_rows": "drift_min_rows",
        "reference_rows": "reference_rows",
        "drift_p_value": "drift_p_value",
        "ece_bins": "ece_bins",
        "freshness_days": "freshness_days",
        "max_rejected_rows": "max_rejected_rows",
        "max_missing_prematch_odds": "max_missing_prematch_odds",
    },
    "refit": {"max_age_days": "refit_max_age_days"},
    "retrain": {
        "max_rps_gap": "max_rps_gap",
        "max_drifted_share": "max_drifted_share",
        "new_season": "new_season",
        "cooldown_days": "retrain_cooldown_days",
        "max_age_days": "retrain_max_age_days",
    },
}


def load_policy(path: Path | None = None) -> Policy:
    """The policy in ``path`` (default: $PLPRED_RETRAINING_POLICY, else ml/retraining.toml);
    unknown keys and wrong types are errors that name the file and the key."""
    path = path or Path(os.environ.get(POLICY_ENV) or POLICY_PATH)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read the retraining policy: {exc}") from exc
    types = {f.name: f.type for f in fields(Policy)}
    values: dict[str, object] = {}
    for section, table in data.items():
        if section not in _SECTIONS or not isinstance(table, dict):
            raise PolicyError(f"{path}: unknown section [{section}]; known: {', '.join(_SECTIONS)}")
        for key, value in table.items():
            name = _SECTIONS[section].get(key)
            if name is None:
                known = ", ".join(_SECTIONS[section])
                raise PolicyError(f"{path}: unknown key [{section}] {key}; known: {known}")
            values[name] = _typed(path, section, key, value, str(types[name]))
    return Policy(**values)


def _typed(path: Path, section: str, key: str, value: object, kind: str) -> object:
    where = f"{path}: [{section}] {key} = {value!r}"
    if "bool" in kind:
        if not isinstance(value, bool):
            raise PolicyError(f"{where} must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{where} must be a number")
    if value < 0:
        raise PolicyError(f"{where} must not be negative")
    if key == "max_age_days":
        return float(value) if value > 0 else None
    if kind == "int":
        if int(value) != value:
            raise PolicyError(f"{where} must be a whole number")
        return int(value)
    if key == "drift_p_value" and not 0 < value < 1:
        raise PolicyError(f"{where} must lie between 0 and 1")
    return float(value)


def model_ages(
    max_model_age_days: float | None, refit_age_days: float | None
) -> tuple[float | None, float | None]:
    """The age limits of a run: the ones given (CLI options, DAG params), else the policy's
    ([retrain] max_age_days, [refit] max_age_days). A limit of 0 or less means never."""
    policy = load_policy()
    full = policy.retrain_max_age_days if max_model_age_days is None else max_model_age_days
    refit = policy.refit_max_age_days if refit_age_days is None else refit_age_days
    return (full if full and full > 0 else None, refit if refit and refit > 0 else None)
