"""The report's pure parts, no warehouse: the verdicts it spells out, the choices it makes, and
the HTML it writes (escaped, self-contained)."""

from __future__ import annotations

import base64

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ml.plots import importance_figure, reliability_figure
from ml.report import (
    SECTIONS,
    Card,
    Column,
    Fragment,
    ReportContext,
    ReportSection,
    Section,
    Unavailable,
    bankroll_figure,
    bankroll_start,
    best_edge,
    betting_verdict,
    chosen_backtest,
    col,
    figure_data_uri,
    fmt_kickoff,
    fmt_pct,
    fmt_signed,
    fmt_stamp_date,
    html_table,
    live_betting_verdict,
    live_record_figure,
    live_verdict,
    market_verdict,
    model_market_figure,
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


def test_the_backtest_shown_is_the_one_the_mart_marks_latest() -> None:
    # sql/report/select_backtests.sql returns the latest backtest (marts.mart_backtests decides;
    # its dbt unit test covers how): the report shows its run, model and variant
    latest = pd.DataFrame(
        [("run-new", "hgb", "with_market")], columns=["source_run_id", "model", "variant"]
    )
    assert chosen_backtest(latest) == ("run-new", "hgb", "with_market")
    assert chosen_backtest(latest.iloc[0:0]) is None
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
    # a stored stamp is UTC: 23:30 UTC on a summer evening is already the next day in the UK
    assert fmt_stamp_date(pd.Timestamp("2025-08-30 23:30")) == "31 Aug 2025"
    assert fmt_stamp_date(pd.Timestamp("2026-01-10 23:30")) == "10 Jan 2026"
    assert fmt_stamp_date(None) == "–"


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


def _record(n: int, model: float, pre: float, close: float, sd: float) -> pd.Series:
    """A row of sql/report/select_live_record.sql."""
    return pd.Series(
        {
            "n_matches": n,
            "model_rps": model,
            "market_pre_rps": pre,
            "market_close_rps": close,
            "model_log_loss": 1.0,
            "market_pre_log_loss": 0.99,
            "market_close_log_loss": 0.98,
            "rps_vs_pre_sd": sd,
        }
    )


def test_live_verdicts_weigh_the_gap_against_its_noise() -> None:
    noisy = live_verdict(_record(40, 0.2112, 0.2110, 0.2099, 0.0013))
    assert noisy.startswith("Over 40 played matches the champion's live forecasts scored an RPS")
    assert "0.2112" in noisy and "0.2110" in noisy and "0.2099" in noisy
    # two standard errors: 2 * 0.0013 / sqrt(40) = 0.0004
    assert "(+0.0002) is within noise: two standard errors on 40 matches are 0.0004" in noisy
    assert "a season has 380" in noisy
    assert "closing prices, which no bet can be struck at, were better still" in noisy
    worse = live_verdict(_record(400, 0.2200, 0.2000, 0.1990, 0.02))
    assert "The market was better by 0.0200, more than two standard errors (0.0020)" in worse
    better = live_verdict(_record(400, 0.1900, 0.2000, 0.1850, 0.02))
    assert "better than the pre-match market by 0.0100" in better and "Rare" in better
    assert "beat the closing prices" in live_verdict(_record(400, 0.18, 0.20, 0.19, 0.02))
    assert "One match says nothing" in live_verdict(_record(1, 0.2, 0.2, 0.2, None))
    assert live_verdict(_record(0, 0, 0, 0, None)) == "No live prediction has a result yet."


def test_live_betting_verdicts_call_a_few_bets_luck() -> None:
    def live(rows: list[tuple[str, int, int, float, float, float | None]]) -> pd.DataFrame:
        frame = pd.DataFrame(
            rows, columns=["strategy", "bets", "settled", "profit", "staked", "average_clv"]
        )
        frame["wins"] = frame["settled"] // 2
        frame["losses"] = frame["settled"] - frame["wins"]
        frame["voids"] = 0
        return frame

    waiting = live_betting_verdict(live([("kelly", 3, 0, 0.0, 0.0, None)]))
    assert waiting.startswith("3 live bets placed, none settled yet")
    one = live_betting_verdict(live([("kelly", 3, 3, -7.3, 7.3, 0.204)]))
    assert "3 live bets placed and 3 settled across 1 strategy" in one
    assert "lost 7.30 on a turnover of 7.30 (yield -100.0%)" in one
    assert "cannot tell skill from luck" in one
    assert "Average closing line value +20.4%" in one and "from" not in one.split("value")[1]
    two = live_betting_verdict(
        live([("kelly", 400, 400, 12.0, 800.0, 0.01), ("flat", 300, 300, -5.0, 300.0, -0.02)])
    )
    assert "across 2 strategies: together they made 7.00" in two
    assert "cannot tell" not in two and "per strategy from -2.0% to +1.0%" in two
    assert live_betting_verdict(live([])) == "No live bet yet."


def test_the_live_record_chart_is_drawn_from_the_sql_rows() -> None:
    open_before = set(plt.get_fignums())
    running = pd.DataFrame(
        {
            "n_matches": [1, 2, 3, 4],
            "kickoff_at_uk": pd.to_datetime(
                ["2026-02-21 15:00", "2026-02-21 15:00", "2026-02-28 17:30", "2026-03-03 19:30"]
            ),
            "model_rps": [0.3, 0.25, 0.22, 0.21],
            "market_pre_rps": [0.29, 0.25, 0.22, 0.21],
            "market_close_rps": [0.28, 0.24, 0.21, 0.2],
        }
    )
    by_month = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-02-01", "2026-03-01"]),
            "n_matches": [3, 1],
            "model_rps": [0.22, 0.19],
            "market_pre_rps": [0.21, 0.2],
            "rps_vs_pre_sd": [0.01, None],
        }
    )
    uri = figure_data_uri(live_record_figure(running, by_month))
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG")
    assert set(plt.get_fignums()) == open_before


def test_figures_never_enter_pyplot_so_none_is_left_open() -> None:
    """A training run saves its figures without closing them (CI warned "More than 20 figures
    have been opened"): figures are made outside pyplot's registry, so there is nothing to
    close and nothing piles up."""
    open_before = set(plt.get_fignums())
    rng = np.random.default_rng(0)
    probs = rng.dirichlet([2, 1, 1.5], size=60)
    frame = pd.DataFrame(probs, columns=["p_home", "p_draw", "p_away"])
    frame["label"] = rng.choice(["H", "D", "A"], size=60)
    importances = pd.DataFrame(
        {"model": "hgb", "variant": "v", "feature": ["a", "b", "c"], "importance": [0.3, -0.2, 0.1]}
    )
    for _ in range(25):
        reliability_figure({"model": frame})
        importance_figure(importances, ("hgb", "v"))
    assert set(plt.get_fignums()) == open_before


def _context() -> ReportContext:
    from datetime import UTC, datetime

    # a section that reads nothing needs no warehouse
    return ReportContext(None, "E0", "plpred-E0", datetime(2024, 1, 1, tzinfo=UTC), None)  # type: ignore[arg-type]


def test_a_section_is_a_load_and_a_render_and_the_registry_orders_the_page() -> None:
    """The extension point: a new section is a ReportSection (load, render) in SECTIONS. What
    it does not find becomes a notice, what fails becomes a message, neither loses the page."""
    from io import StringIO

    from rich.console import Console

    from ml.report import build_section

    assert [s.key for s in SECTIONS] == [
        "upcoming", "live", "live-bets", "health", "market", "calibration", "betting", "table",
    ]  # fmt: skip
    assert len({s.key for s in SECTIONS}) == len(SECTIONS)
    console = Console(file=StringIO())

    def render(frame: pd.DataFrame) -> Fragment:
        return Fragment(html_table(frame, [col("check", "check")]), [Card("Drift", "none")])

    health = ReportSection(
        "health", "Model health", lambda ctx: pd.DataFrame({"check": ["ok"]}), render
    )
    built = build_section(health, _context(), console)
    assert (
        built
        == Section(
            "health",
            "Model health",
            built.body,
            True,
            [Card("Drift", "none")],
        )
        and '<td class="">ok</td>' in built.body
    )

    def absent(ctx: ReportContext) -> pd.DataFrame:
        raise Unavailable("No monitoring yet: run <code>plpred monitor</code>.")

    empty = build_section(
        ReportSection("health", "Model health", absent, render), _context(), console
    )
    assert not empty.available and empty.body.startswith('<div class="notice">No monitoring yet')

    def broken(ctx: ReportContext) -> pd.DataFrame:
        raise RuntimeError("no such table <x>")

    failed = build_section(
        ReportSection("health", "Model health", broken, render), _context(), console
    )
    assert not failed.available and "could not be built: no such table &lt;x&gt;" in failed.body
    assert "the model health section failed" in console.file.getvalue()
