"""The report's pure parts, no warehouse: the verdicts it spells out, the choices it makes, and
the HTML it writes (escaped, self-contained)."""

from __future__ import annotations

import base64

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ml.plots import bankroll_figure, model_market_figure
from ml.report import (
    Card,
    Column,
    Section,
    bankroll_start,
    best_edge,
    betting_verdict,
    choose_backtest,
    col,
    figure_data_uri,
    fmt_kickoff,
    fmt_pct,
    fmt_signed,
    html_table,
    market_verdict,
    probability_bar,
    render_page,
    season_comparison,
    split_label,
)


def _evaluations(model_rps: dict[str, float], market_rps: dict[str, float]) -> pd.DataFrame:
    rows = []
    for season in model_rps:
        for model, variant, rps in (
            ("hgb", "with_market", model_rps[season]),
            ("market_pre", "avg_proportional", market_rps[season]),
            ("market_close", "pinnacle_proportional", market_rps[season] - 0.001),
            ("logistic", "football", 0.25),
        ):
            rows += [
                (model, variant, season, "rps", rps, 380),
                (model, variant, season, "log_loss", rps * 5, 380),
                (model, variant, season, "accuracy", 0.5, 380),
            ]
    return pd.DataFrame(
        rows, columns=["model", "variant", "season", "metric", "value", "n_matches"]
    )


def test_season_comparison_puts_the_model_beside_the_market_seasons_first() -> None:
    evaluations = _evaluations(
        {"all": 0.199, "2024-25": 0.197, "2023-24": 0.201},
        {"all": 0.197, "2024-25": 0.198, "2023-24": 0.196},
    )
    table = season_comparison(evaluations, "hgb/with_market")
    assert list(table["season"]) == ["2023-24", "2024-25", "all"]
    assert table["rps_vs_market"].round(6).tolist() == [0.005, -0.001, 0.002]
    assert table["market_close_rps"].round(6).tolist() == [0.195, 0.197, 0.196]
    assert table["model_log_loss"].round(6).tolist() == [1.005, 0.985, 0.995]
    assert (table["n_matches"] == 380).all()


def test_market_verdicts_are_honest_whichever_way_they_go() -> None:
    worse = season_comparison(
        _evaluations({"all": 0.199, "2024-25": 0.197, "2023-24": 0.201},
                     {"all": 0.197, "2024-25": 0.198, "2023-24": 0.196}),
        "hgb/with_market",
    )  # fmt: skip
    text = market_verdict(worse, "hgb/with_market")
    assert text.startswith("The market was better")
    assert "0.1970 against the model's 0.1990" in text and "1 of 2 seasons" in text
    better = season_comparison(
        _evaluations({"all": 0.196, "2024-25": 0.196}, {"all": 0.197, "2024-25": 0.197}),
        "hgb/with_market",
    )
    text = market_verdict(better, "hgb/with_market")
    assert "edged the pre-match market" in text and "within a season's noise" in text
    assert "closing prices (RPS 0.1960) were still better" in text
    assert "no market prices" in market_verdict(better.iloc[0:0], "x/y")


def test_the_backtest_shown_replays_the_latest_run_and_its_selected_model() -> None:
    backtests = pd.DataFrame(
        [
            ("bt-3", "run-new", "logistic", "football", "seed"),
            ("bt-2", "run-new", "hgb", "with_market", "seed"),
            ("bt-1", "run-old", "hgb", "with_market", "seed"),
        ],
        columns=["backtest_id", "source_run_id", "model", "variant", "strategy"],
    )
    assert choose_backtest(backtests, "run-new", "hgb/with_market") == (
        "run-new",
        "hgb",
        "with_market",
    )
    assert choose_backtest(backtests, "run-old", "hgb/with_market")[0] == "run-old"
    # a run never backtested: the newest backtested run, its selected model if it has one
    assert choose_backtest(backtests, "run-x", "logistic/football") == (
        "run-new",
        "logistic",
        "football",
    )
    assert choose_backtest(backtests, None, None) == ("run-new", "logistic", "football")
    assert choose_backtest(backtests.iloc[0:0], "run-new", None) is None
    assert split_label("hgb/with_market") == ("hgb", "with_market")
    assert split_label("") is None


def test_bankroll_start_is_read_back_from_the_first_day() -> None:
    curve = pd.DataFrame(
        {"day": ["2024-08-18", "2024-08-17"], "bankroll": [990.0, 1010.0], "profit": [-20.0, 10.0]}
    )
    assert bankroll_start(curve) == 1000.0
    assert bankroll_start(curve.iloc[0:0]) is None


def _performance(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    """strategy, bets, profit, average clv; every bet settled, half won."""
    frame = pd.DataFrame(rows, columns=["strategy", "bets", "profit", "average_clv"])
    frame["wins"] = frame["bets"] // 2
    frame["losses"] = frame["bets"] - frame["wins"]
    frame["yield"] = frame["profit"] / (frame["bets"] * 10)
    return frame


def test_betting_verdicts_call_losses_the_usual_result_and_small_profits_luck() -> None:
    losers = _performance([("flat", 1500, -600.0, -0.01), ("kelly", 2000, -300.0, 0.04)])
    text = betting_verdict(losers, 0.045)
    assert text.startswith("Every strategy lost money in the backtest (yield -1.5% at best)")
    assert "margin on these matches was 4.5%" in text
    assert "ranges from -1.0% to +4.0%" in text
    mixed = _performance([("flat", 1500, -600.0, -0.01), ("seed", 20, 22.0, 0.01)])
    text = betting_verdict(mixed, None)
    assert text.startswith("1 of 2 strategies lost money")
    assert "seed (+11.0% on 20 bets) did not" in text
    assert "cannot tell skill from luck" in text
    one = _performance([("flat", 1500, -600.0, -0.01), ("seed", 1, 1.0, 0.0)])
    assert "seed (+10.0% on 1 bet) did not" in betting_verdict(one, None)
    winners = _performance([("seed", 2000, 50.0, 0.02)])
    assert "with suspicion" in betting_verdict(winners, None)
    unsettled = _performance([("seed", 0, 0.0, np.nan)])
    assert betting_verdict(unsettled, None) == "No backtest bet has been settled yet."


def test_the_largest_edge_is_model_minus_market() -> None:
    row = pd.Series(
        {"p_home": 0.5, "p_draw": 0.3, "p_away": 0.2, "market_home": 0.52,
         "market_draw": 0.25, "market_away": 0.23}
    )  # fmt: skip
    name, edge = best_edge(row)
    assert name == "draw" and edge == pytest.approx(0.05)
    assert best_edge(pd.Series({"p_home": 0.5, "market_home": None})) is None


def test_html_escapes_data_and_draws_probability_bars() -> None:
    frame = pd.DataFrame({"team": ["Brighton & Hove <Albion>"], "rps": [0.19876]})
    table = html_table(frame, [col("team", "team"), col("rps", "RPS", lambda v: f"{v:.3f}")])
    assert "Brighton &amp; Hove &lt;Albion&gt;" in table  # text columns are escaped
    assert '<td class="num">0.199</td>' in table and '<th class="num">RPS</th>' in table
    marked = html_table(frame, [Column("t", lambda r: "<b>x</b>")], row_class=lambda r: "top")
    assert '<tr class="top"><td class=""><b>x</b></td></tr>' in marked  # Column renders HTML
    bar = probability_bar(0.5, 0.3, 0.2)
    assert bar.count("<span") == 3 and 'style="width:50.0%"' in bar and ">50%<" in bar
    assert 'title="away 5.0%"></span>' in probability_bar(0.5, 0.45, 0.05)  # too thin to label
    assert "no price" in probability_bar(0.5, None, 0.2)
    assert fmt_pct(-0.0321, signed=True) == "-3.2%" and fmt_pct(None) == "–"
    assert fmt_signed(0.00181) == "+0.0018"
    assert fmt_kickoff(pd.Timestamp("2026-03-03 19:30")) == "Tue 03 Mar, 19:30"
    assert fmt_kickoff(pd.Timestamp("2026-03-03")) == "Tue 03 Mar"


def test_figures_are_embedded_as_png_data() -> None:
    open_before = set(plt.get_fignums())
    comparison = pd.DataFrame(
        {
            "season": ["2023-24", "2024-25"],
            "model_rps": [0.20, 0.19],
            "market_pre_rps": [0.19, 0.19],
            "market_close_rps": [0.18, np.nan],
            "model_log_loss": [1.0, 0.98],
            "market_pre_log_loss": [0.99, 0.97],
            "model_accuracy": [0.52, 0.55],
        }
    )
    uri = figure_data_uri(model_market_figure(comparison, "hgb/with_market"))
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG")
    curves = pd.DataFrame(
        {
            "strategy": ["seed", "seed", "flat"],
            "day": ["2024-08-17", "2024-08-24", "2024-08-17"],
            "bankroll": [1000.0, 1040.0, 990.0],
        }
    )
    figure_data_uri(bankroll_figure(curves, "bankroll", 1000.0))
    assert set(plt.get_fignums()) == open_before  # every figure closed once embedded


def test_the_page_has_navigation_cards_and_every_section() -> None:
    sections = [
        Section("upcoming", "Upcoming matches", "<p>one</p>", True, [Card("Champion", "hgb v1")]),
        Section("table", "League table", "<p>two</p>", False),
    ]
    page = render_page(sections, title="plpred · Premier League", meta="m", footer="f")
    assert page.startswith("<!DOCTYPE html>")
    assert '<a href="#upcoming">Upcoming matches</a>' in page
    assert '<section id="table"><h2>League table</h2><p>two</p></section>' in page
    assert '<div class="value">hgb v1</div>' in page
    assert "<style>" in page and "http" not in page
