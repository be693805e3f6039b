"""The report and the named queries on real DuckDB and Postgres warehouses after a pipeline run.

A small synthetic league in football-data's format (three seasons of twenty clubs, the last
two rounds still fixtures) goes through the real steps once per target: ingestion, dbt,
a quick walk-forward training with a real MLflow registry, scoring, live bets before the
fixtures, a backtest of the walk-forward forecasts, and dbt again for the betting marts. Then
every query in sql/queries/ must run and the report must come out whole; an empty warehouse
must give a report that says what to run.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from ml.betting.backtest import backtest
from ml.betting.place import place_bets
from ml.clock import uk_local
from ml.config import PROJECT_ROOT, QUERIES_DIR, Settings, get_settings
from ml.ingest import run_ingest
from ml.modeling.config import TrainConfig
from ml.modeling.score import run_score
from ml.modeling.train import run_train
from ml.report import build_report, write_report
from ml.warehouse.connection import connect
from ml.warehouse.dbt import run_dbt
from ml.warehouse.queries import QueryError, list_queries, run_query
from tests.conftest import postgres_admin
from tests.football_data_files import write_synthetic_source

pytestmark = [pytest.mark.slow]

QUERY_NAMES = sorted(path.stem for path in QUERIES_DIR.glob("*.sql"))
EVAL_SEASON = "2023-24"
MODELS_ONLY = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
# Queries that must return rows after the pipeline (the rest may legitimately be empty:
# no live bet settled, no live prediction with a result yet).
MUST_HAVE_ROWS = {
    "betting__strategy_performance",
    "evaluation__calibration_by_probability_bin",
    "evaluation__model_against_market_by_season",
    "evaluation__teams_the_model_misjudges_most",
    "league__table_latest",
    "models__champion_history",
    "predictions__upcoming_with_market_and_edge",
    "betting__books",
}


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def _run_pipeline(settings: Settings, source: Path) -> None:
    summary = run_ingest(
        settings.with_overrides(source=str(source)),
        seasons=None,
        files=None,
        file_season=None,
        include_fixtures=True,
        console=_quiet(),
    )
    assert summary.ok, summary.errors
    run_dbt(settings, ["build", *MODELS_ONLY], console=_quiet())
    # One season, one classifier, one variant: the report needs a model, not a model search.
    config = TrainConfig(
        eval_seasons=(EVAL_SEASON,),
        classifiers=("logistic",),
        variants=("football",),
        goals_model=False,
        quick=True,
    )
    with connect(settings) as conn:
        first_kickoff = conn.scalar(
            "select min(kickoff_at) from marts.fct_prematch_odds where not is_played"
        )
    # the synthetic fixtures are in the past: train, score and bet at a clock (UTC) before
    # them, so that the report, at a clock before kickoff, finds the champion already decided
    before = pd.Timestamp(first_kickoff).to_pydatetime() - timedelta(hours=20)
    run_train(settings, config=config, console=_quiet(), as_of=before - timedelta(hours=1))
    assert run_score(settings, console=_quiet(), as_of=before).n_scored > 0
    place_bets(settings, as_of=before, console=_quiet())
    backtest(settings, console=_quiet())
    run_dbt(settings, ["run", "--select", "marts.betting"], console=_quiet())


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def pipeline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """A warehouse after ingest, transform, train, score, bet, backtest and the betting marts."""
    home = tmp_path_factory.mktemp(f"report_{request.param}")
    settings = dataclasses.replace(
        get_settings(target=request.param, home=home),
        duckdb_path_override=None,
        mlflow_tracking_uri_override=None,
    )
    admin = None
    if request.param == "postgres":
        admin = postgres_admin()
        dbname = f"plpred_test_{uuid.uuid4().hex[:12]}"
        settings = dataclasses.replace(
            settings, postgres=dataclasses.replace(settings.postgres, dbname=dbname)
        )
    try:
        source = write_synthetic_source(home / "source", n_seasons=3)
        _run_pipeline(settings, source.directory)
        yield settings
    finally:
        if admin is not None:
            admin.cursor().execute(
                f'drop database if exists "{settings.postgres.dbname}" with (force)'
            )
            admin.close()


# --- the named queries ------------------------------------------------------------------------


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_named_query_runs(pipeline: Settings, name: str) -> None:
    frame = run_query(pipeline, name)
    assert len(frame.columns) > 0
    if name in MUST_HAVE_ROWS:
        assert not frame.empty, f"{name} returned no rows on {pipeline.target}"
    # Postgres returns numeric (Decimal) for an uncast avg() or money column: the same query
    # would then give floats on one target and decimals on the other.
    decimals = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, Decimal)).any()]
    assert decimals == [], f"{name}: cast {decimals} to double precision"


def test_the_bets_query_follows_a_backtest_book(pipeline: Settings) -> None:
    with connect(pipeline) as conn:
        book, strategy, n_bets = conn.fetchall(
            "select backtest_id, strategy, n_bets from betting.backtests "
            "where n_bets > 0 order by n_bets desc, backtest_id limit 1"
        )[0]
        start, profit = conn.fetchall(
            "select max(b.bankroll_start), sum(s.profit) from betting.bets as b "
            "join betting.settlements as s on s.bet_id = b.bet_id where b.book_id = ?",
            [book],
        )[0]
    frame = run_query(
        pipeline,
        "betting__strategy_bets_with_running_bankroll",
        {"book": book, "strategy": strategy},
    )
    assert len(frame) == n_bets
    assert frame["outcome"].notna().all()  # a backtest settles every bet
    assert frame["running_bankroll"].iloc[-1] == pytest.approx(float(start) + float(profit))
    # the ledger stores UTC; the query shows UK time
    with connect(pipeline) as conn:
        stored = conn.fetchall(
            "select kickoff_at, placed_at from betting.bets where book_id = ? and strategy = ? "
            "order by kickoff_at, bet_id",
            [book, strategy],
        )
    shown = list(zip(frame["kickoff_at_uk"], frame["placed_at_uk"], strict=True))
    assert [(pd.Timestamp(k), pd.Timestamp(p)) for k, p in shown] == [
        (pd.Timestamp(uk_local(k)), pd.Timestamp(uk_local(p))) for k, p in stored
    ]


def test_kickoffs_are_shown_in_uk_time_and_compared_in_utc(pipeline: Settings) -> None:
    """The synthetic fixtures are published at 15:00 UK time in May (BST): 14:00 UTC. The
    report and the upcoming query show 15:00; the report's clock, compared in UTC, says the
    first fixture has kicked off half an hour after 14:00 UTC."""
    with connect(pipeline) as conn:
        kickoff, kickoff_uk = conn.fetchall(
            "select kickoff_at, kickoff_at_uk from marts.mart_match_features "
            "where league = 'E0' and not is_played order by kickoff_at, match_id limit 1"
        )[0]
    assert kickoff_uk == uk_local(kickoff) and kickoff_uk.strftime("%H:%M") == "15:00"
    assert kickoff_uk - kickoff == timedelta(hours=1)  # a summer kickoff, BST
    upcoming = run_query(pipeline, "predictions__upcoming_with_market_and_edge")
    assert pd.Timestamp(upcoming["kickoff_at_uk"].iloc[0]) == pd.Timestamp(kickoff_uk)
    assert "kickoff_at" not in upcoming.columns

    def page(now: datetime) -> str:
        html_page, _ = build_report(pipeline, now=now, console=_quiet())
        return html_page

    before = page(kickoff - timedelta(minutes=30))  # naive: UTC
    after = page((kickoff + timedelta(minutes=30)).replace(tzinfo=UTC))
    assert "<br>15:00" in before and "kicked off, no result yet" not in before
    assert "kicked off, no result yet" in after
    label = page(datetime(2026, 3, 29, 13, 0, tzinfo=UTC))
    assert "generated 29 Mar 2026, 14:00 UK time (BST)" in label


def test_the_books_list_every_backtest_and_latest_backtest_resolves(pipeline: Settings) -> None:
    """betting__books lists the live book and every backtest with its bets; the bets query
    with book=latest-backtest follows the backtest of the run's selected model."""
    with connect(pipeline) as conn:
        backtests = conn.fetchall(
            "select backtest_id, strategy, n_bets from betting.backtests order by backtest_id"
        )
        selected = conn.scalar("select candidate_label from ml.champion_decisions")
        live = conn.fetchall(
            "select strategy, count(*) from betting.bets where book_id = 'live' "
            "group by strategy order by strategy"
        )
    books = run_query(pipeline, "betting__books")
    listed = books[books["mode"] == "backtest"]
    assert sorted(zip(listed["book"], listed["strategy"], listed["bets"], strict=True)) == [
        (book, strategy, int(n)) for book, strategy, n in backtests
    ]
    live_books = books[books["mode"] == "live"]
    assert list(zip(live_books["strategy"], live_books["bets"], strict=True)) == [
        (strategy, int(n)) for strategy, n in live
    ]
    latest = listed[listed["is_latest_backtest"].astype(bool)]
    assert sorted(latest["strategy"]) == sorted({s for _, s, _ in backtests})  # one each
    assert set(latest["model"] + "/" + latest["variant"]) == {selected}
    # One latest over every strategy, and it is one of the strategies' latest.
    league_latest = listed[listed["is_latest_of_league"].astype(bool)]
    assert len(league_latest) == 1 and bool(league_latest["is_latest_backtest"].iloc[0])
    strategy = str(latest.sort_values("bets").iloc[-1]["strategy"])
    book = str(latest.sort_values("bets").iloc[-1]["book"])
    by_shortcut = run_query(
        pipeline,
        "betting__strategy_bets_with_running_bankroll",
        {"strategy": strategy, "book": "latest-backtest"},
    )
    by_id = run_query(
        pipeline,
        "betting__strategy_bets_with_running_bankroll",
        {"strategy": strategy, "book": book},
    )
    assert not by_shortcut.empty
    pd.testing.assert_frame_equal(by_shortcut, by_id)
    with pytest.raises(QueryError, match="no backtest of strategy nobody"):
        run_query(
            pipeline,
            "betting__strategy_bets_with_running_bankroll",
            {"strategy": "nobody", "book": "latest-backtest"},
        )


def test_evaluation_queries_agree_with_the_ledger(pipeline: Settings) -> None:
    """The pivot of the latest run matches ml.model_evaluations, on both targets."""
    frame = run_query(pipeline, "evaluation__model_against_market_by_season")
    assert list(frame["season"]) == [EVAL_SEASON, "all"]
    with connect(pipeline) as conn:
        market = conn.scalar(
            "select value from ml.model_evaluations where model = 'market_pre' "
            "and season = ? and metric = 'rps'",
            [EVAL_SEASON],
        )
    row = frame.iloc[0]
    assert row["market_pre_rps"] == pytest.approx(market)
    assert row["rps_vs_market_pre"] == pytest.approx(row["model_rps"] - market)
    calibration = run_query(pipeline, "evaluation__calibration_by_probability_bin")
    # every forecast lands in one bin per outcome: three outcomes, the same matches each
    per_outcome = calibration.groupby("outcome")["matches"].sum()
    assert per_outcome.nunique() == 1 and per_outcome.iloc[0] == int(row["n_matches"])


def test_plpred_sql_prints_a_query_and_lists_them(
    pipeline: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ml.orchestration.cli import app

    monkeypatch.setenv("PLPRED_HOME", str(pipeline.home))
    monkeypatch.setenv("PGDATABASE", pipeline.postgres.dbname)
    monkeypatch.delenv("PLPRED_DUCKDB_PATH", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    runner = CliRunner()
    listed = runner.invoke(app, ["sql", "--list"])
    assert listed.exit_code == 0, listed.output
    for query in list_queries():
        assert query.name in listed.output
    shown = runner.invoke(
        app, ["sql", "league__table_latest", "league=E0", "--target", pipeline.target]
    )
    assert shown.exit_code == 0, shown.output
    assert "points" in shown.output and "20 rows" in shown.output
    as_csv = runner.invoke(
        app,
        ["sql", "models__champion_history", "--csv", "-p", "league=E0", "-t", pipeline.target],
    )
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.output.splitlines()[0].startswith("decided_at,candidate_version")
    wrong = runner.invoke(app, ["sql", "league__table_latest", "division=E0"])
    assert wrong.exit_code == 1
    assert "has no parameter division" in wrong.output


# --- the report -------------------------------------------------------------------------------


class _TagBalance(HTMLParser):
    """Checks that every opened element is closed in order (void elements excepted)."""

    VOID = {"meta", "img", "br", "hr", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _check_html(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    checker = _TagBalance()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == [], (checker.errors, checker.stack)


def test_report_is_a_self_contained_page_with_every_section(pipeline: Settings) -> None:
    path = write_report(pipeline, _quiet())
    assert path == pipeline.reports_dir / "report.html"
    page = path.read_text(encoding="utf-8")
    _check_html(page)
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    # calibration and backtest bankrolls; the per-season chart needs two evaluated seasons
    assert len(images) >= 2
    assert all(base64.b64decode(data).startswith(b"\x89PNG") for data in images)
    assert not re.search(r'(src|href)="(https?:|file:|/)', page)  # nothing outside the file
    assert "could not be built" not in page
    _, sections = build_report(pipeline, console=_quiet())
    # the live bets are on fixtures without results: no live record yet, and the page says so;
    # nothing has monitored the champion here (no catalogue run): the health section says so
    assert [s.key for s in sections if not s.available] == ["live", "health"]
    assert "The champion has not been monitored yet" in page
    assert "No live prediction has a result yet" in page
    for text in ("Model against market", "Calibration", "Backtest", "League table", "Live bets"):
        assert text in page
    assert "lost money" in page or "made money" in page  # the betting verdict is spelled out
    assert "placed, none settled yet" in page  # the live bets' verdict
    assert "book=latest-backtest" in page  # how to audit the backtest bet by bet


class _Outline(HTMLParser):
    """What a reader sees of the page, images aside: headings, tables cell by cell, and the
    text of every paragraph, notice and headline card, whitespace collapsed."""

    BLOCKS = {"h1", "h2", "h3", "summary", "p", "th", "td"}
    CLASSES = {"meta", "notice", "label", "value", "note"}
    VOID = _TagBalance.VOID

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.text: list[str] = []
        self.tables: list[dict[str, list]] = []
        self.open: list[tuple[str, bool]] = []  # (tag, starts a block of text)
        self.buffer: list[str] | None = None
        self.row: list[str] | None = None
        self.in_head = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "br" and self.buffer is not None:
            self.buffer.append(" ")
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        starts = self.buffer is None and (tag in self.BLOCKS or bool(classes & self.CLASSES))
        if starts:
            self.buffer = []
        self.open.append((tag, starts))
        if tag == "table":
            self.tables.append({"headers": [], "rows": []})
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        opened, starts = self.open.pop()
        assert opened == tag, (opened, tag)
        if starts and self.buffer is not None:
            text = " ".join("".join(self.buffer).split())
            self.buffer = None
            if tag in ("th", "td") and self.row is not None:
                self.row.append(text)
            elif tag in ("h1", "h2", "h3", "summary"):
                self.headings.append(f"{tag}: {text}")
            else:  # a run's id is new at every training: the rest of the text is not
                self.text.append(re.sub(r"\b[0-9a-f]{8}\b", "<run>", text))
        if tag == "thead":
            self.in_head = False
        elif tag == "tr" and self.row is not None:
            table = self.tables[-1]
            table["headers" if self.in_head else "rows"].append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.buffer is not None:
            self.buffer.append(data)


def report_outline(page: str) -> dict[str, list]:
    outline = _Outline()
    outline.feed(page)
    outline.close()
    return {"headings": outline.headings, "tables": outline.tables, "text": outline.text}


SNAPSHOTS = PROJECT_ROOT / "tests" / "integration" / "snapshots"


def test_report_matches_its_snapshot(pipeline: Settings) -> None:
    """The page a reader sees (headings, tables, text; not the images' bytes) is the one of
    the committed snapshot, at a clock half an hour before the first fixture. A change to the
    report that is meant: PLPRED_UPDATE_SNAPSHOTS=1 rewrites the snapshot, and its diff is
    the change to review."""
    with connect(pipeline) as conn:
        kickoff = conn.scalar(
            "select min(kickoff_at) from marts.mart_match_features "
            "where league = 'E0' and not is_played"
        )
    page, _ = build_report(
        pipeline,
        now=pd.Timestamp(kickoff).to_pydatetime() - timedelta(minutes=30),
        console=_quiet(),
    )
    outline = report_outline(page)
    path = SNAPSHOTS / f"report_{pipeline.target}.json"
    if os.environ.get("PLPRED_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(outline, indent=1, ensure_ascii=False) + "\n", "utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert outline["headings"] == expected["headings"]
    for shown, kept in zip(outline["tables"], expected["tables"], strict=True):
        assert shown == kept
    assert outline == expected


def test_report_on_an_empty_warehouse_says_what_to_run(any_settings: Settings) -> None:
    console = _quiet()
    path = write_report(any_settings, console)
    page = path.read_text(encoding="utf-8")
    _check_html(page)
    assert "data:image/png" not in page
    assert "No training run for E0 yet" in page
    assert "No bets yet" in page
    assert "run <code>plpred ingest</code> and <code>plpred transform</code>" in page
    assert "could not be built" not in page
    assert "without data yet" in console.file.getvalue()
