"""``plpred run`` end to end on the real football-data files, as a user's days would go.

Day 1 (27 Feb 2026): the season file and fixtures.csv as football-data last published them
by then; the pipeline trains, scores the weekend's fixtures and bets. The same day again adds
nothing. Day 2 (13 Mar 2026): newer files; the results that arrived settle the bets of day 1.
"""

from __future__ import annotations

import io
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console

from ml.config import Settings
from ml.modeling.config import TrainConfig
from ml.orchestration.pipeline import run_pipeline
from ml.warehouse.connection import connect

SNAPSHOTS = "snapshots/2025-26"
DAY_1 = ("E0_2026-02-24T1324.csv", "fixtures_2026-02-27T1856.csv", datetime(2026, 2, 27, 18, 56))
DAY_2 = ("E0_2026-03-06T1313.csv", "fixtures_2026-03-13T1854.csv", datetime(2026, 3, 13, 18, 54))
HISTORY = ("1920", "2021", "2122", "2223", "2324", "2425")
CONFIG = TrainConfig(
    eval_seasons=("2024-25",), classifiers=("logistic",), goals_model=True, quick=True
)
QUIET = Console(file=io.StringIO(), width=160)


def _publish(mirror: Path, source: Path, day: tuple[str, str, datetime]) -> None:
    """Lay out a local source as football-data.co.uk looked on that day."""
    (source / "E0").mkdir(parents=True, exist_ok=True)
    for season in HISTORY:
        shutil.copyfile(mirror / "E0" / f"{season}.csv", source / "E0" / f"{season}.csv")
    shutil.copyfile(mirror / SNAPSHOTS / day[0], source / "E0" / "2526.csv")
    shutil.copyfile(mirror / SNAPSHOTS / day[1], source / "fixtures.csv")


def _counts(settings: Settings) -> dict[str, int]:
    tables = ("ml.predictions", "betting.bets", "betting.settlements", "raw.matches")
    with connect(settings) as conn:
        return {table: int(conn.scalar(f"select count(*) from {table}")) for table in tables}


@pytest.mark.slow
def test_run_twice_then_results_settle_the_bets(
    mirror: Path, duckdb_settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "football-data"
    settings = duckdb_settings.with_overrides(source=str(source))

    _publish(mirror, source, DAY_1)
    first = run_pipeline(settings, train_config=CONFIG, as_of=DAY_1[2], report=False, console=QUIET)
    assert first.step("train").status == "done"
    after_first = _counts(settings)
    assert after_first["ml.predictions"] > 0, "the fixtures of 27 Feb - 1 Mar were not scored"
    assert after_first["betting.bets"] > 0, "no strategy placed a bet on 27 Feb"
    with connect(settings) as conn:
        late = conn.scalar("select count(*) from betting.bets where placed_at >= kickoff_at")
        closing = conn.scalar("select count(*) from betting.bets where odds_period <> 'pre_match'")
    assert late == 0 and closing == 0

    second = run_pipeline(
        settings, train_config=CONFIG, as_of=DAY_1[2], report=False, console=QUIET
    )
    assert _counts(settings) == after_first  # nothing duplicated, nothing rewritten
    assert second.step("transform").status == "skipped"
    assert second.step("train").status == "skipped"

    _publish(mirror, source, DAY_2)
    third = run_pipeline(settings, train_config=CONFIG, as_of=DAY_2[2], report=False, console=QUIET)
    assert third.step("transform").status == "done"
    after_third = _counts(settings)
    assert after_third["raw.matches"] > after_first["raw.matches"]
    with connect(settings) as conn:
        settled = conn.fetchone(
            "select count(distinct s.bet_id), count(*) from betting.settlements s "
            "join betting.bets b on b.bet_id = s.bet_id where b.placed_at <= ?",
            [DAY_1[2]],
        )
        outcomes = {
            row[0] for row in conn.fetchall("select distinct outcome from betting.settlements")
        }
    assert settled[0] > 0, "the results of early March settled none of the bets of 27 Feb"
    assert settled[0] == settled[1]  # each bet settled once
    assert outcomes <= {"win", "loss", "void"}
