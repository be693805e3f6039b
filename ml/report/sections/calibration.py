"""Calibration: how often what the model called x% likely happened, on the latest run's
walk-forward forecasts (sql/report/select_walk_forward_with_results.sql), beside the
pre-match market's; a reliability diagram and the expected calibration error."""

from __future__ import annotations

import pandas as pd

from ml.models.metrics import expected_calibration_error
from ml.plots import reliability_figure

from ..format import code, esc, figure_data_uri, image, paragraph, split_label
from ..section import Fragment, ReportContext, ReportSection, Unavailable

FORECASTS = "select_walk_forward_with_results"


def load(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The played forecasts of the run's model and of the pre-match market, by legend label."""
    run = ctx.require_run("no out-of-sample forecast to check")
    ctx.require(
        "ml.walk_forward_predictions",
        "marts.fct_matches",
        message="The walk-forward forecasts or the results are missing: run <code>plpred "
        "transform</code> and <code>plpred train</code>.",
    )
    model, variant = split_label(run.label) or (str(run.label), "")
    frames = {f"model ({run.label})": ctx.query(FORECASTS, [run.run_id, model, variant])}
    evaluations = ctx.query("select_run_evaluations", [run.run_id])
    market_variants = sorted(
        evaluations.loc[evaluations["model"] == "market_pre", "variant"].unique()
    )
    if market_variants:
        frames["market, pre-match"] = ctx.query(
            FORECASTS, [run.run_id, "market_pre", market_variants[0]]
        )
    frames = {k: v for k, v in frames.items() if not v.empty}
    if not frames:
        raise Unavailable(
            f"Run {code(run.run_id[:8])} has no walk-forward forecast of a played match."
        )
    return frames


def render(frames: dict[str, pd.DataFrame]) -> Fragment:
    errors = []
    for name, frame in frames.items():
        probs = frame[["p_home", "p_draw", "p_away"]].to_numpy(dtype=float)
        ece = expected_calibration_error(probs, frame["label"].to_numpy())
        errors.append(f"{esc(name)} {ece:.3f} over {len(frame):,} forecasts")
    body = [
        paragraph(
            "A forecast is calibrated when things it calls 30% likely happen about 30% of the "
            "time. Each point below gathers the walk-forward forecasts in a band of ten points "
            "and plots how often the outcome then happened; the dashed diagonal is perfect "
            "calibration. An edge computed from a miscalibrated model is an illusion, so this "
            "matters more than accuracy. Bands with few matches (the ends) are noisy."
        ),
        image(figure_data_uri(reliability_figure(frames)), "Reliability diagram"),
        paragraph(
            "Expected calibration error (the average gap between forecast and frequency, "
            "weighted by matches; lower is better): " + "; ".join(errors) + "."
        ),
    ]
    return Fragment("".join(body))


SECTION = ReportSection("calibration", "Calibration", load, render)
