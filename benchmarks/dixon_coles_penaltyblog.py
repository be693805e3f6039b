"""Our Dixon-Coles fit side by side with penaltyblog's (the reference implementation, a dev-only
dependency), on the same matches with the same settings, in one run.

    uv run python benchmarks/dixon_coles_penaltyblog.py            # five refit dates of 2024-25
    uv run python benchmarks/dixon_coles_penaltyblog.py --dates 10

At each refit date (a match day) both models are fitted on the Premier League matches of the
four years before it (the mirror's E0 files, read directly), each match weighted ``exp(-xi * age_days)``
with our default ``xi`` (penaltyblog takes the same weights as given), ridge off (ours needs a
positive ridge to fix the scale: 1e-6, against penaltyblog's sum-to-zero constraint), no
promoted-club prior (``newcomer_seasons=0``) and no second tier. Each fit is timed cold (a new
model) and warm (ours from the previous refit's parameters, as a weekly walk-forward runs; the
same cold fit again for penaltyblog, which has no warm start); then both predict the next
round, the matches of the seven days from the refit date, and the largest difference of a
home, draw or away probability is printed. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from _common import OUT, require_mirror
from rich.table import Table

from ml.models.dixon_coles import DEFAULT_WINDOW_DAYS, DEFAULT_XI, DixonColes

SEASONS = ("2021", "2122", "2223", "2324", "2425")
RIDGE_OFF = 1e-6


def matches() -> pd.DataFrame:
    """E0's played matches of the last five complete seasons, from the mirror's files."""
    mirror = require_mirror()
    frames = []
    for season in SEASONS:
        raw = pd.read_csv(mirror / "E0" / f"{season}.csv", encoding="latin-1")
        frames.append(
            pd.DataFrame(
                {
                    "match_id": [f"{season}-{i}" for i in range(len(raw))],
                    "league": "E0",
                    "season": season,
                    "kickoff_date": pd.to_datetime(raw["Date"], dayfirst=True),
                    "home_team": raw["HomeTeam"],
                    "away_team": raw["AwayTeam"],
                    "home_goals": raw["FTHG"].astype(float),
                    "away_goals": raw["FTAG"].astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).dropna(subset=["home_goals", "away_goals"])


def penaltyblog_fit(train: pd.DataFrame, weights: np.ndarray):
    import penaltyblog as pb

    model = pb.models.DixonColesGoalModel(
        train["home_goals"].astype(int).to_numpy(),
        train["away_goals"].astype(int).to_numpy(),
        train["home_team"].to_numpy(),
        train["away_team"].to_numpy(),
        weights=weights,
    )
    model.fit()
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dates", type=int, default=5, help="refit dates across 2024-25")
    args = parser.parse_args()
    import penaltyblog

    played = matches()
    last = played[played["season"] == SEASONS[-1]]
    planned = pd.date_range(
        last["kickoff_date"].min() + pd.Timedelta(days=60),
        last["kickoff_date"].max() - pd.Timedelta(days=7),
        periods=args.dates,
    ).normalize()
    # Each refit on the first match day on or after the planned one, so a round follows it.
    kickoffs = pd.DatetimeIndex(np.sort(last["kickoff_date"].unique()))
    days = [kickoffs[kickoffs.searchsorted(day)] for day in planned]
    rows = []
    ours_warm: DixonColes | None = None
    for refit in days:
        age = (refit - played["kickoff_date"]).dt.days
        train = played[(age > 0) & (age <= DEFAULT_WINDOW_DAYS)].reset_index(drop=True)
        weights = np.exp(-DEFAULT_XI * (refit - train["kickoff_date"]).dt.days.to_numpy(float))
        settings = {"xi": DEFAULT_XI, "ridge": RIDGE_OFF, "newcomer_seasons": 0}

        started = time.perf_counter()
        ours = DixonColes(**settings).fit(train, reference_date=refit)
        ours_cold = time.perf_counter() - started
        started = time.perf_counter()
        DixonColes(**settings).fit(train, reference_date=refit, warm_start=ours_warm or ours)
        ours_warm_seconds = time.perf_counter() - started
        ours_warm = ours

        started = time.perf_counter()
        theirs = penaltyblog_fit(train, weights)
        theirs_cold = time.perf_counter() - started
        started = time.perf_counter()
        penaltyblog_fit(train, weights)
        theirs_again = time.perf_counter() - started

        ahead = played[
            (played["kickoff_date"] >= refit)
            & (played["kickoff_date"] < refit + pd.Timedelta(days=7))
        ]
        ahead = ahead[ahead["home_team"].isin(ours.teams_) & ahead["away_team"].isin(ours.teams_)]
        mine = ours.predict(ahead)[["p_home", "p_draw", "p_away"]].to_numpy()
        grid = theirs.predict_many(
            ahead["home_team"].to_numpy(), ahead["away_team"].to_numpy(), max_goals=15
        )
        reference = np.array([list(g.home_draw_away) for g in grid])
        rows.append(
            {
                "refit": refit.date().isoformat(),
                "n_train": len(train),
                "n_next": len(ahead),
                "ours_cold": ours_cold,
                "ours_warm": ours_warm_seconds,
                "theirs_cold": theirs_cold,
                "theirs_again": theirs_again,
                "difference": float(np.abs(mine - reference).max()) if len(ahead) else np.nan,
            }
        )

    table = Table(
        title=f"Dixon-Coles: ours against penaltyblog {penaltyblog.__version__} "
        "(seconds per fit; largest probability difference on the next round)"
    )
    for column in (
        "refit",
        "matches",
        "next round",
        "ours cold",
        "ours warm",
        "penaltyblog",
        "penaltyblog again",
        "ratio (theirs / ours cold)",
        "largest difference",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            row["refit"],
            str(row["n_train"]),
            str(row["n_next"]),
            f"{row['ours_cold']:.3f}",
            f"{row['ours_warm']:.3f}",
            f"{row['theirs_cold']:.3f}",
            f"{row['theirs_again']:.3f}",
            f"{row['theirs_cold'] / row['ours_cold']:.1f}",
            f"{row['difference']:.1e}",
        )
    OUT.print(table)

    def median(key: str) -> float:
        return statistics.median(row[key] for row in rows)

    OUT.print(
        f"medians: ours {median('ours_cold'):.3f} s cold, {median('ours_warm'):.3f} s warm; "
        f"penaltyblog {median('theirs_cold'):.3f} s; ratio "
        f"{median('theirs_cold') / median('ours_cold'):.1f}; largest probability difference "
        f"{max(row['difference'] for row in rows):.1e}"
    )


if __name__ == "__main__":
    main()
