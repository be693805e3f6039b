"""The champion/challenger rule and the pure pieces of training glue."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.modeling.config import TrainConfig
from ml.modeling.registry import decide_promotion
from ml.modeling.train import candidates_for, metric_table, select_best


def test_first_model_becomes_champion() -> None:
    decision = decide_promotion({"rps": 0.2, "log_loss": 1.0}, None, "2025-26")
    assert decision.promote and decision.decision == "first_champion"


@pytest.mark.parametrize(
    ("candidate", "promote", "why"),
    [
        ({"rps": 0.199, "log_loss": 0.98}, True, "beats"),
        ({"rps": 0.199, "log_loss": 0.99}, True, "no worse"),  # equal log loss is not worse
        ({"rps": 0.199, "log_loss": 0.991}, False, "log loss"),  # better RPS, worse log loss
        ({"rps": 0.200, "log_loss": 0.98}, False, "does not beat"),  # a tie is not a win
        ({"rps": 0.201, "log_loss": 0.98}, False, "does not beat"),
    ],
)
def test_promotion_needs_lower_rps_and_no_worse_log_loss(candidate, promote, why) -> None:
    decision = decide_promotion(candidate, {"rps": 0.200, "log_loss": 0.99}, "2025-26")
    assert decision.promote is promote
    assert why in decision.reason and "2025-26" in decision.reason


def _metrics(rows):
    return pd.DataFrame(
        rows, columns=["model", "variant", "season", "metric", "value", "n_matches"]
    )


def test_baselines_never_win_selection() -> None:
    metrics = _metrics(
        [
            ("market_close", "pinnacle_proportional", "all", "rps", 0.190, 10),
            ("market_pre", "avg_proportional", "all", "rps", 0.195, 10),
            ("base_rates", "train_window", "all", "rps", 0.230, 10),
            ("hgb", "with_market", "all", "rps", 0.199, 10),
            ("dixon_coles", "weekly", "all", "rps", 0.201, 10),
        ]
    )
    assert select_best(metrics, ["base_rates", "market_pre", "market_close"]) == (
        "hgb",
        "with_market",
    )


def test_market_yardsticks_are_named_for_the_ledger() -> None:
    features = pd.DataFrame({"home_form": [1.0], "away_form": [0.0]})
    config = TrainConfig(classifiers=("logistic",), variants=("football",), goals_model=False)
    built = candidates_for(config, features)
    assert [(c.name, c.variant, c.yardstick) for c in built] == [
        ("base_rates", "train_window", True),
        ("market_pre", "avg_proportional", True),
        ("market_close", "pinnacle_else_avg_proportional", True),
        ("logistic", "football", False),
    ]


def test_metric_table_orders_by_rps_over_the_window() -> None:
    rows = []
    for model, base in (("a", 0.21), ("b", 0.20)):
        for season, shift in (("2024-25", 0.0), ("2025-26", 0.002), ("all", 0.001)):
            for metric in ("rps", "log_loss", "brier", "accuracy", "ece"):
                rows.append((model, "v", season, metric, base + shift, 10))
    table = metric_table(_metrics(rows))
    assert table["model"].tolist() == ["b", "a"]
    assert {"rps_2024-25", "rps_2025-26", "rps_all", "log_loss_all"} <= set(table.columns)


def test_reliability_tables_cover_every_model() -> None:
    from ml.modeling.train import reliability_tables

    predictions = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "variant": ["v", "v", "w", "w"],
            "match_id": ["m1", "m2", "m1", "m2"],
            "p_home": [0.55, 0.25, 0.5, None],
            "p_draw": [0.25, 0.25, 0.3, None],
            "p_away": [0.20, 0.50, 0.2, None],
        }
    )
    labels = pd.DataFrame({"match_id": ["m1", "m2"], "label": ["H", "A"]})
    table = reliability_tables(predictions, labels)
    assert set(zip(table["model"], table["variant"], strict=True)) == {("a", "v"), ("b", "w")}
    home = table[(table["model"] == "a") & (table["outcome"] == "H")]
    assert home["count"].sum() == 2  # every scored match lands in one bin per outcome
    assert table[table["model"] == "b"]["count"].max() == 1  # the unpriced row is left out
