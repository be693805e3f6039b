"""README.md's ``plpred sql`` examples, and the report, on a warehouse that lived through a replay.

A synthetic league (three seasons of twenty clubs) and a snapshot archive of its last season
(two Monday mornings a week apart, each with the results so far and the next week's fixtures)
go through ``ml.replay.replay`` with the cheap training configuration, once per target (about
a minute and a half each): the first tick trains the first champion, backtests it through
every strategy, scores and bets on the coming round; the second ingests its results, settles
the bets, scores and bets on the next round, builds and tests every mart and writes the
report. Then:

- every ``plpred sql NAME name=value`` example in README.md returns at least one row, through
  the same function ``plpred sql`` calls (shortcuts such as ``book=latest-backtest`` included);
- the report shows the live record, the live bets and the backtest, with the live numbers of
  ``marts.mart_live_predictions`` (equal to the replay summary's), and its upcoming section
  follows the clock it is given.

Nothing is mocked: real files, real warehouses, dbt and MLflow.
"""

from __future__ import annotations

import dataclasses
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from rich.console import Console

from ml.config import PROJECT_ROOT, Settings, get_settings
from ml.modeling.config import TrainConfig
from ml.orchestration.replay import ReplaySummary, replay
from ml.orchestration.steps import RunOptions
from ml.report import build_report, write_report
from ml.warehouse.connection import connect
from ml.warehouse.queries import LATEST_BACKTEST, load_query, print_query_result, run_query
from tests.conftest import postgres_admin
from tests.football_data_files import write_synthetic_snapshots, write_synthetic_source

pytestmark = [pytest.mark.slow]

README = PROJECT_ROOT / "README.md"
# `plpred sql NAME name=value ...` inside a code span or block, up to its end
EXAMPLE = re.compile(r"plpred sql ([a-z0-9]+__[a-z0-9_]+)((?:[ \t]+[a-z_]+=[^\s`]+)*)")
OPTIONS = RunOptions(
    train_config=TrainConfig(
        classifiers=("logistic",), goals_model=False, quick=True, n_eval_seasons=1
    ),
    max_model_age_days=None,
    # as `plpred replay` runs by default: dbt's data tests and the ledger marts at the last tick
    dbt_tests=False,
    build_ledger_marts=False,
)
# The synthetic league's last season opens on Tuesday 8 August 2023 and plays a round every
# Tuesday at 15:00 UK time (GMT in winter): Mondays 09:00 UTC before rounds 21 and 22.
TICKS = ["2023-12-25T0900", "2024-01-01T0900"]


@dataclass(frozen=True)
class Replayed:
    settings: Settings
    summary: ReplaySummary
    last_tick: datetime


def readme_examples(text: str) -> list[tuple[str, dict[str, str]]]:
    """Every `plpred sql NAME k=v ...` of the text (listing flags such as --list are not)."""
    examples = []
    for match in EXAMPLE.finditer(text):
        values = dict(item.split("=", 1) for item in match.group(2).split())
        examples.append((match.group(1), values))
    return examples


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def replayed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replayed]:
    """A warehouse after a three-tick replay of the synthetic league's snapshots."""
    root = tmp_path_factory.mktemp(f"readme_{request.param}")
    source = write_synthetic_source(root / "football-data", n_seasons=3, upcoming_rounds=0)
    archive = write_synthetic_snapshots(source, TICKS)
    home = root / "home"
    home.mkdir()
    admin = None
    dbname = f"plpred_test_{uuid.uuid4().hex[:12]}"
    if request.param == "postgres":
        admin = postgres_admin()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PLPRED_HOME", str(home))
        monkeypatch.setenv("PGDATABASE", dbname)
        monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
        monkeypatch.delenv("PLPRED_DUCKDB_PATH", raising=False)
        settings = get_settings(target=request.param, source=str(source.directory))
        settings = dataclasses.replace(
            settings, postgres=dataclasses.replace(settings.postgres, dbname=dbname)
        )
        try:
            summary = replay(settings, snapshots=archive, options=OPTIONS, console=_quiet())
            yield Replayed(settings, summary, summary.ticks[-1].as_of)
        finally:
            if admin is not None:
                admin.cursor().execute(f'drop database if exists "{dbname}" with (force)')
                admin.close()


# --- README.md's examples ---------------------------------------------------------------------


def test_the_readme_has_examples_worth_running() -> None:
    examples = readme_examples(README.read_text(encoding="utf-8"))
    names = [name for name, _ in examples]
    assert "betting__strategy_bets_with_running_bankroll" in names
    assert "betting__books" in names
    assert {"strategy": "kelly", "book": LATEST_BACKTEST} in [values for _, values in examples]
    for name, values in examples:  # each names a query and only parameters it takes
        query = load_query(name)
        assert set(values) <= {p.name for p in query.parameters}, (name, values)
    assert readme_examples("`plpred sql --list`, `uv run plpred sql a__b x=1 y=two`.") == [
        ("a__b", {"x": "1", "y": "two"})
    ]


def test_every_readme_example_returns_rows_after_a_replay(replayed: Replayed) -> None:
    examples = readme_examples(README.read_text(encoding="utf-8"))
    assert examples
    empty = []
    for name, values in examples:
        frame = print_query_result(replayed.settings, name, values, _quiet())
        if frame.empty:
            empty.append(f"plpred sql {name} {' '.join(f'{k}={v}' for k, v in values.items())}")
    assert empty == [], f"no rows on {replayed.settings.target}: {empty}"


def test_latest_backtest_is_the_book_betting_books_marks(replayed: Replayed) -> None:
    books = run_query(replayed.settings, "betting__books", {"strategy": "kelly"})
    with connect(replayed.settings) as conn:
        n_backtests = conn.scalar("select count(*) from betting.backtests where strategy = 'kelly'")
        selected = conn.scalar(
            "select candidate_label from ml.champion_decisions where decision = 'first_champion'"
        )
    backtests = books[books["mode"] == "backtest"]
    assert len(backtests) == n_backtests > 0
    assert list(books["mode"].iloc[:1]) == ["live"]  # the live book first
    latest = backtests[backtests["is_latest_backtest"].astype(bool)]
    assert len(latest) == 1
    row = latest.iloc[0]
    assert f"{row['model']}/{row['variant']}" == selected and bool(row["selected_by_run"])
    bets = run_query(
        replayed.settings,
        "betting__strategy_bets_with_running_bankroll",
        {"strategy": "kelly", "book": LATEST_BACKTEST},
    )
    by_id = run_query(
        replayed.settings,
        "betting__strategy_bets_with_running_bankroll",
        {"strategy": "kelly", "book": row["book"]},
    )
    pd.testing.assert_frame_equal(bets, by_id)
    assert len(bets) == int(row["bets"])


# --- the report after the replay ----------------------------------------------------------------


def test_the_report_shows_the_live_record_of_the_mart(replayed: Replayed) -> None:
    page, sections = build_report(replayed.settings, now=replayed.last_tick, console=_quiet())
    available = {s.key for s in sections if s.available}
    assert {"upcoming", "live", "live-bets", "market", "betting", "table"} <= available
    assert "could not be built" not in page
    live = replayed.summary.live.iloc[0]  # the replay summary: sql/replay/live_rps.sql
    assert int(live["n_matches"]) > 0
    with connect(replayed.settings) as conn:
        mart = conn.fetchone(
            "select count(*), avg(model_rps), avg(market_pre_rps), avg(market_close_rps) "
            "from marts.mart_live_predictions "
            "where market_pre_rps is not null and market_close_rps is not null"
        )
    assert int(mart[0]) == int(live["n_matches"])
    section = next(s for s in sections if s.key == "live")
    text = section.body
    assert f"Over {int(live['n_matches']):,} played matches" in text
    for column, value in zip(
        ("model_rps", "market_pre_rps", "market_close_rps"), mart[1:], strict=True
    ):
        assert f"{float(live[column]):.4f}" in text
        assert float(value) == pytest.approx(float(live[column]))
    assert "data:image/png;base64," in text  # the chart
    assert "within noise" in text or "was better" in text  # a verdict, either way
    bets = next(s for s in sections if s.key == "live-bets").body
    assert "settled" in bets and "The latest live bets" in bets
    assert "Live bankroll per strategy" in bets or "start when the first" in bets


def test_the_report_upcoming_section_follows_its_clock(replayed: Replayed) -> None:
    """At the last tick the next round has not kicked off; the next evening the same report
    says it has, with no result yet; before the first tick there was no champion."""
    path = write_report(replayed.settings, _quiet(), now=replayed.last_tick)
    page = path.read_text(encoding="utf-8")
    assert "Upcoming matches" in page and "kicked off, no result yet" not in page
    assert "generated 01 Jan 2024, 09:00 UK time (GMT)" in page
    later, _ = build_report(  # Tuesday 17:00: the round kicked off at 15:00
        replayed.settings, now=replayed.last_tick + timedelta(days=1, hours=8), console=_quiet()
    )
    assert "kicked off, no result yet" in later
    before, sections = build_report(
        replayed.settings, now=datetime(2023, 12, 1, tzinfo=UTC), console=_quiet()
    )
    upcoming = next(s for s in sections if s.key == "upcoming")
    assert not upcoming.available  # no champion yet at that clock
    assert "no champion model" in before
