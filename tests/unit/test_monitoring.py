"""The monitoring maths and the retraining policy, on small cases computed by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from ml.monitoring import checks
from ml.monitoring.checks import Health, Metric
from ml.monitoring.decide import Champion, decide
from ml.monitoring.policy import POLICY_PATH, Policy, PolicyError, load_policy
from ml.monitoring.run import drift_window

POLICY = Policy(window=4, min_matches=3, max_rps_gap=0.015, max_drifted_share=0.5)
CLOCK = datetime(2026, 3, 1, 12, 0)


def _live(rows: list[tuple[str, tuple[float, float, float], tuple[float, float, float]]]):
    frame = pd.DataFrame(
        [
            {
                "match_id": f"m{i}",
                "kickoff_at": datetime(2026, 2, 1 + i),
                "result": result,
                "p_home": model[0],
                "p_draw": model[1],
                "p_away": model[2],
                "market_pre_p_home": market[0],
                "market_pre_p_draw": market[1],
                "market_pre_p_away": market[2],
                "market_close_p_home": market[0],
                "market_close_p_draw": market[1],
                "market_close_p_away": market[2],
            }
            for i, (result, model, market) in enumerate(rows)
        ]
    )
    return frame


def _by_name(metrics: list[Metric]) -> dict[str, Metric]:
    return {m.metric: m for m in metrics if m.feature is None}


def test_the_shipped_policy_loads() -> None:
    policy = load_policy(POLICY_PATH)
    assert policy.window >= policy.min_matches > 0
    assert 0 < policy.drift_p_value < 1
    assert policy.retrain_max_age_days is None  # not by age: by what the monitor sees


def test_a_step_run_alone_takes_the_policys_age_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`plpred monitor` alone (and the API's retraining check, which runs it) decides with the
    policy's age limits, as `plpred run` does, not with fixed ones."""
    from ml.orchestration.cli import default_run_options

    shipped = default_run_options()
    assert shipped.max_model_age_days is None  # [retrain] max_age_days = 0: never by age
    assert shipped.refit_age_days == load_policy(POLICY_PATH).refit_max_age_days
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY_PATH.read_text().replace("max_age_days = 7", "max_age_days = 3"))
    monkeypatch.setenv("PLPRED_RETRAINING_POLICY", str(policy))
    assert default_run_options().refit_age_days == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[monitor]\nwindo = 3\n", "unknown key [monitor] windo"),
        ("[retrian]\n", "unknown section [retrian]"),
        ("[monitor]\nwindow = 'fifty'\n", "[monitor] window = 'fifty' must be a number"),
        ("[monitor]\nwindow = 2.5\n", "must be a whole number"),
        ("[retrain]\nnew_season = 1\n", "must be true or false"),
        ("[monitor]\ndrift_p_value = 5\n", "between 0 and 1"),
    ],
)
def test_a_wrong_policy_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_performance_against_hand_computed_rps_and_log_loss() -> None:
    # Four matches in the window (a fifth, older, falls out of it).
    live = _live(
        [
            ("A", (0.9, 0.05, 0.05), (0.9, 0.05, 0.05)),  # outside the window of 4
            ("H", (0.5, 0.3, 0.2), (0.6, 0.25, 0.15)),
            ("D", (0.4, 0.3, 0.3), (0.4, 0.3, 0.3)),
            ("A", (0.2, 0.3, 0.5), (0.3, 0.3, 0.4)),
            ("H", (0.7, 0.2, 0.1), (0.5, 0.3, 0.2)),
        ]
    )
    got = _by_name(checks.performance(live, POLICY))
    # RPS = ((p_H - y_H)^2 + (p_H + p_D - y_H - y_D)^2) / 2, by hand:
    model = [
        ((0.5 - 1) ** 2 + (0.8 - 1) ** 2) / 2,
        ((0.4 - 0) ** 2 + (0.7 - 1) ** 2) / 2,
        ((0.2 - 0) ** 2 + (0.5 - 0) ** 2) / 2,
        ((0.7 - 1) ** 2 + (0.9 - 1) ** 2) / 2,
    ]
    market = [
        ((0.6 - 1) ** 2 + (0.85 - 1) ** 2) / 2,
        ((0.4 - 0) ** 2 + (0.7 - 1) ** 2) / 2,
        ((0.3 - 0) ** 2 + (0.6 - 0) ** 2) / 2,
        ((0.5 - 1) ** 2 + (0.8 - 1) ** 2) / 2,
    ]
    assert got["settled_matches"].value == 4 and got["settled_matches"].status == "ok"
    assert got["rps_model"].value == pytest.approx(np.mean(model), abs=1e-12)
    assert got["rps_market_pre"].value == pytest.approx(np.mean(market), abs=1e-12)
    assert got["rps_gap_vs_market"].value == pytest.approx(np.mean(model) - np.mean(market))
    log_loss = -np.mean(np.log([0.5, 0.3, 0.5, 0.7]))
    assert got["log_loss_model"].value == pytest.approx(log_loss, abs=1e-12)
    # The model is better than the market here: no alert.
    assert got["rps_gap_vs_market"].status == "ok"


def test_a_model_far_worse_than_the_market_is_an_alert_and_few_matches_are_no_data() -> None:
    bad = [("H", (0.1, 0.2, 0.7), (0.7, 0.2, 0.1))] * 4
    got = _by_name(checks.performance(_live(bad), POLICY))
    assert got["rps_gap_vs_market"].status == "alert"
    assert got["rps_gap_vs_market"].threshold == POLICY.max_rps_gap
    few = _by_name(checks.performance(_live(bad[:2]), POLICY))
    assert few["rps_gap_vs_market"].status == "no_data"
    assert few["settled_matches"].status == "no_data"
    empty = _by_name(
        checks.performance(_live([]).reindex(columns=["kickoff_at", "match_id", "result"]), POLICY)
    )
    assert empty["rps_model"].value is None and empty["rps_model"].status == "no_data"


def test_ece_by_hand() -> None:
    # Two matches, both predicted home 0.8 / 0.1 / 0.1; one home win, one away win.
    live = _live([("H", (0.8, 0.1, 0.1), (0.5, 0.3, 0.2)), ("A", (0.8, 0.1, 0.1), (0.5, 0.3, 0.2))])
    got = _by_name(checks.performance(live, Policy(window=2, min_matches=1, ece_bins=10)))
    # Top-label ECE (ml.models.metrics): both matches have confidence 0.8 on "home", one of the two
    # came true: one bin, |1/2 - 0.8| = 0.3.
    assert got["ece"].value == pytest.approx(0.3, abs=1e-12)


def test_drift_metrics_judge_p_values_and_the_share() -> None:
    metrics = checks.drift_metrics(
        [("a", 0.001), ("b", 0.2), ("c", 0.04)],
        Policy(drift_p_value=0.05, max_drifted_share=0.5),
        metric="feature_drift",
        share_metric="drifted_feature_share",
    )
    per_feature = {m.feature: m.status for m in metrics if m.feature}
    assert per_feature == {"a": "warn", "b": "ok", "c": "warn"}
    share = _by_name(metrics)["drifted_feature_share"]
    assert share.value == pytest.approx(2 / 3) and share.status == "alert"


def test_evidently_drift_is_the_two_sample_ks_test() -> None:
    from ml.monitoring.drift import ks_drift

    rng = np.random.default_rng(7)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 300), "y": rng.normal(0, 1, 300)})
    current = pd.DataFrame({"x": rng.normal(0.8, 1, 40), "y": rng.normal(0, 1, 40)})
    result = ks_drift(reference, current, ["x", "y"], 0.05)
    by_column = dict(result.per_column)
    for column in ("x", "y"):
        expected = ks_2samp(reference[column], current[column]).pvalue
        assert by_column[column] == pytest.approx(expected, rel=1e-9)
    assert by_column["x"] < 0.05 < by_column["y"]
    # The share the monitor stores is judged from these p-values (checks.drift_metrics).
    share = checks.drift_metrics(
        result.per_column, Policy(drift_p_value=0.05), metric="d", share_metric="share"
    )[-1]
    assert share.value == pytest.approx(0.5)


def test_the_p_values_alone_are_the_reports() -> None:
    from ml.monitoring.drift import ks_drift, ks_p_values

    rng = np.random.default_rng(11)
    reference = pd.DataFrame({"p": rng.dirichlet([2, 1, 1], 500)[:, 0], "q": rng.normal(0, 1, 500)})
    current = pd.DataFrame({"p": rng.dirichlet([1, 1, 1], 30)[:, 0], "q": rng.normal(0, 1, 30)})
    current.loc[3, "q"] = np.inf  # left out, as the report leaves it out
    report = dict(ks_drift(reference, current, ["p", "q"], 0.05).per_column)
    alone = dict(ks_p_values(reference, current, ["p", "q"]))
    assert alone == pytest.approx(report, rel=1e-12)
    assert alone["p"] < 0.05


def test_a_drift_report_mode_not_known_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    from ml.config import get_settings
    from ml.monitoring.run import run_monitor

    settings = get_settings(target="duckdb").with_overrides(home=tmp_path)
    with pytest.raises(ValueError, match="drift_report must be one of always, on_drift, never"):
        run_monitor(settings, as_of=datetime(2026, 3, 1), drift_report="sometimes")
    assert not any(tmp_path.iterdir()), "nothing is written for a refused run"


def test_the_drift_window_is_the_new_scorings_topped_up() -> None:
    scored = pd.DataFrame(
        {"predicted_at": pd.to_datetime([f"2026-02-{d:02d}" for d in range(20, 0, -1)])}
    )
    assert len(drift_window(scored, datetime(2026, 2, 10), 5)) == 10  # ten new
    assert len(drift_window(scored, datetime(2026, 2, 18), 5)) == 5  # two new, topped up
    assert len(drift_window(scored, None, 5)) == 20  # first run: everything scored


def test_health_freshness_is_an_alert_only_in_season() -> None:
    stale = Health(10.0, True, 0, 0, False)
    assert _by_name(checks.health_metrics(stale, POLICY))["days_since_last_load"].status == "alert"
    summer = Health(10.0, False, 0, 0, False)
    assert _by_name(checks.health_metrics(summer, POLICY))["days_since_last_load"].status == "ok"
    broken = _by_name(checks.health_metrics(Health(1.0, True, 3, 2, True), POLICY))
    assert broken["rejected_rows_7d"].status == "warn"
    assert broken["missing_prematch_odds_14d"].status == "warn"
    assert broken["dbt_build_failed"].status == "alert"


def _metrics(gap_status: str = "ok", share_status: str = "ok") -> list[Metric]:
    return [
        Metric("settled_matches", 50.0),
        Metric("rps_gap_vs_market", 0.03 if gap_status == "alert" else 0.001, gap_status, 0.015),
        Metric("drifted_feature_share", 0.7 if share_status == "alert" else 0.1, share_status, 0.5),
    ]


def test_the_policy_decides_in_order_of_precedence() -> None:
    fresh = Champion("4", datetime(2026, 2, 27))
    old = Champion("4", datetime(2026, 2, 1))
    policy = Policy(refit_max_age_days=7)
    assert decide(_metrics(), None, CLOCK, policy).trigger == "no_champion"
    assert decide(_metrics("alert"), fresh, CLOCK, policy).trigger == "performance"
    assert decide(_metrics(share_status="alert"), fresh, CLOCK, policy).trigger == "drift"
    assert decide(_metrics(), old, CLOCK, policy).action == "refit"
    quiet = decide(_metrics(), fresh, CLOCK, policy)
    assert quiet.action == "none" and "version 4" in quiet.reason
    # A new season: trained in 2024-25, the clock in 2025-26.
    last_season = Champion("4", datetime(2025, 5, 20))
    assert decide(_metrics(), last_season, datetime(2025, 8, 20), policy).trigger == "new_season"
    assert (
        decide(
            _metrics(),
            last_season,
            datetime(2025, 8, 20),
            Policy(new_season=False, refit_max_age_days=None),
        ).action
        == "none"
    )


def test_an_alarm_waits_for_the_cool_down_after_a_retrain() -> None:
    fresh = Champion("4", datetime(2026, 2, 27))
    policy = Policy(retrain_cooldown_days=14, refit_max_age_days=None)
    cooling = decide(_metrics("alert"), fresh, CLOCK, policy, last_retrain_at=datetime(2026, 2, 25))
    assert cooling.action == "none" and "cool-down" in cooling.reason
    later = decide(_metrics("alert"), fresh, CLOCK, policy, last_retrain_at=datetime(2026, 2, 1))
    assert later.action == "retrain"


def test_a_gap_beyond_the_threshold_but_within_noise_is_a_warning() -> None:
    # Four matches: the model is worse on average by more than the threshold, but the
    # per-match differences swing both ways: two standard errors cover the gap.
    live = _live(
        [
            ("H", (0.2, 0.3, 0.5), (0.6, 0.25, 0.15)),
            ("A", (0.2, 0.3, 0.5), (0.6, 0.25, 0.15)),
            ("H", (0.3, 0.3, 0.4), (0.5, 0.3, 0.2)),
            ("A", (0.6, 0.2, 0.2), (0.3, 0.3, 0.4)),
        ]
    )
    gap = _by_name(checks.performance(live, POLICY))["rps_gap_vs_market"]
    assert gap.value > POLICY.max_rps_gap
    assert gap.status == "warn"


def test_the_gap_is_judged_beyond_what_the_walk_forward_promised() -> None:
    bad = [("H", (0.1, 0.2, 0.7), (0.7, 0.2, 0.1))] * 4
    gap = _by_name(checks.performance(_live(bad), POLICY))["rps_gap_vs_market"]
    assert gap.status == "alert" and gap.threshold == pytest.approx(POLICY.max_rps_gap)
    # A model whose validation already trailed the market by as much is not decaying.
    promised = _by_name(checks.performance(_live(bad), POLICY, expected_gap=gap.value))
    assert promised["rps_gap_vs_market"].status == "ok"
    assert promised["rps_gap_expected"].value == pytest.approx(gap.value)
