"""A small synthetic league warehouse with a champion, built once through the catalogue of
steps, for the API tests and the API load benchmark.

The league (tests/football_data_files.py) has four seasons and two rounds of fixtures. The
catalogue runs at a clock the day before the first fixture (``clock``): ingest, transform,
train (a quick walk-forward; the champion reads the market), backtest, score (the fixtures)
and bet. Then the results of those fixtures arrive
and the marts are built again: the champion's stored predictions of them are now predictions
of played matches, which is what POST /predict must reproduce.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from rich.console import Console

from ml.config import PROJECT_ROOT, Settings
from ml.modeling.config import TrainConfig
from ml.orchestration.steps import ALL_TESTS_SELECTION, RunOptions, run_catalogue
from tests.football_data_files import write_synthetic_source

QUIET = Console(file=io.StringIO(), width=150)

TRAIN_CONFIG = TrainConfig(
    eval_seasons=("2024-25",),
    classifiers=("logistic",),
    variants=("with_market",),
    goals_model=False,
    quick=True,
)


@dataclass(frozen=True)
class League:
    settings: Settings
    clock: datetime  # aware UTC: the day before the first fixture
    source: Path
    later_source: Path


def _first_fixture(directory: Path) -> datetime:
    fixtures = pd.read_csv(directory / "fixtures.csv")
    kickoffs = pd.to_datetime(fixtures["Date"] + " " + fixtures["Time"], dayfirst=True)
    return kickoffs.min().tz_localize("Europe/London").tz_convert("UTC").to_pydatetime()


def build_league(settings: Settings, root: Path, *, models: bool = True) -> League:
    """The warehouse of ``settings`` filled as the module docstring says. dbt builds the
    models without their data tests (``plpred replay`` does the same between its first and
    last tick; the dbt tests have their own suite) and the monitor is left to the test that
    runs it through the API. ``models`` False stops after the marts: no training, no scoring,
    no results."""
    source = write_synthetic_source(root / "source", n_seasons=4)
    later = write_synthetic_source(root / "later", n_seasons=4, upcoming_rounds=0)
    assert source.directory == root / "source" and later.directory == root / "later"
    clock = _first_fixture(source.directory).replace(hour=0, minute=0) - timedelta(days=1)
    options = RunOptions(
        train_config=TRAIN_CONFIG,
        report=False,
        refit_age_days=None,
        dbt_tests=False,
        # Every model (the API reads the dashboard marts too), none of the data tests.
        step_args={"transform": {"exclude": ALL_TESTS_SELECTION}},
    )
    first = ["ingest", "transform", "train", "backtest", "score", "bet"] if models else None
    run_catalogue(
        settings.with_overrides(source=str(source.directory)),
        as_of=clock,
        options=options,
        console=QUIET,
        names=first or ["ingest", "transform"],
    )
    if models:
        # A fortnight later the fixtures have been played: load the season file and rebuild
        # the marts (the ledger marts among them, with the bets placed at the clock).
        run_catalogue(
            settings.with_overrides(source=str(later.directory)),
            as_of=clock + timedelta(days=15),
            options=replace(options, seasons="2425", include_fixtures=False),
            console=QUIET,
            names=["ingest", "transform"],
        )
    return League(settings, clock, source.directory, later.directory)


def build_league_apart(settings: Settings, root: Path, *, models: bool = True) -> League:
    """:func:`build_league` in a child process. dbt-duckdb keeps the warehouse open read-write
    in the process that built it, and DuckDB refuses a read-only connection beside it, so a
    process that serves the API (as the tests' own does) must not have built the warehouse."""
    env = {
        **os.environ,
        **settings.dbt_env(),
        "PLPRED_LEAGUE": settings.league,
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    code = (
        "import sys; from pathlib import Path; from ml.config import get_settings; "
        "from tests.api.league import build_league; "
        "league = build_league(get_settings(), Path(sys.argv[1]), models=sys.argv[2] == '1'); "
        "print('CLOCK', league.clock.isoformat())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(root), "1" if models else "0"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"building the league failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    stamp = next(line for line in done.stdout.splitlines() if line.startswith("CLOCK "))
    return League(
        settings,
        datetime.fromisoformat(stamp.removeprefix("CLOCK ")),
        root / "source",
        root / "later",
    )
