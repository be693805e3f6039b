"""Many leagues (issue 14 §3): ``--league E0,E1`` and ``--league all`` on the commands that take
a league, each step of the one catalogue run per league, dbt once; on a tiny synthetic source
of leagues that each have their own teams, odds and fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ml.config import Settings, get_settings
from ml.ingest.leagues import ALL, UnknownLeague, parse_leagues, source_leagues
from ml.orchestration.cli import app
from ml.warehouse.connection import connect
from tests.football_data_files import write_synthetic_leagues

# Three short seasons of ten teams; the last two rounds (28 November and 5 December 2025) are
# in fixtures.csv. The clock is between the last played round and them.
SOURCE_OPTIONS = {"n_seasons": 3, "first_year": 2023, "n_teams": 10}
CLOCK = "2025-11-25T12:00Z"
QUICK = ["--quick", "--classifiers", "logistic", "--no-goals-model"]


def test_league_lists_are_checked_and_name_the_bad_code() -> None:
    assert parse_leagues("E0") == ("E0",)
    assert parse_leagues("E0, SP1,E0,E1") == ("E0", "SP1", "E1")
    assert parse_leagues("all") == ALL
    with pytest.raises(UnknownLeague, match="unknown league 'XX'"):
        parse_leagues("E0,XX")
    with pytest.raises(ValueError, match="stands alone"):
        parse_leagues("all,E0")


@pytest.mark.parametrize("command", ["run", "ingest", "train", "score", "bet", "monitor", "report"])
def test_an_unknown_league_in_a_list_fails_before_anything_runs(
    command: str, duckdb_settings: Settings
) -> None:
    result = CliRunner().invoke(app, [command, "--league", "E0,XX,SP1"])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert "unknown league 'XX'" in output
    assert not duckdb_settings.duckdb_path.exists()  # nothing ran, nothing was created


def test_all_means_the_league_folders_of_a_source(tmp_path: Path) -> None:
    write_synthetic_leagues(tmp_path / "src", ("E0", "SP1"), **SOURCE_OPTIONS)
    (tmp_path / "src" / "notes").mkdir()  # not a league
    (tmp_path / "src" / "D1").mkdir()  # a league folder with no season file
    settings = get_settings(source=str(tmp_path / "src"))
    assert source_leagues(settings) == ("E0", "SP1")
    assert len(source_leagues(get_settings(source="https://www.football-data.co.uk"))) > 20


# The betting marts that report a bankroll or a record, and their grain: one row per book,
# strategy and league (each league has its own bankroll in the live book).
BETTING_MART_GRAINS = {
    "marts.mart_betting_performance": ("book_id", "strategy", "league", "season"),
    "marts.mart_bankroll_daily": ("book_id", "strategy", "league", "day"),
    "marts.mart_strategy_performance": ("book_id", "strategy", "league", "season"),
    "marts.mart_strategy_bankroll": ("book_id", "strategy", "league", "day"),
}


def _step_log(settings: Settings) -> list[tuple[str, str, str]]:
    with connect(settings) as conn:
        return [
            (str(step), str(league), str(status))
            for step, league, status in conn.fetchall(
                "select step, league, status from ops.step_runs order by seq"
            )
        ]


def _by_league(settings: Settings, sql: str) -> dict[str, int]:
    with connect(settings) as conn:
        return {str(league): int(n) for league, n in conn.fetchall(sql)}


@pytest.mark.slow
def test_plpred_run_over_two_leagues_runs_each_step_per_league_and_dbt_once(
    duckdb_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "football-data"
    # E0 and E1 both have fixtures: each league's live bets go to its own bankroll in the live
    # book, and the betting marts are keyed by league (docs/architecture.md, "A live bankroll
    # per league"; tests/integration/test_live_books_per_league.py shows that a league's book
    # is the same whether the other bets or not).
    write_synthetic_leagues(source, ("E0", "E1", "SP1"), fixtures_of=("E0", "E1"), **SOURCE_OPTIONS)
    monkeypatch.setenv("PLPRED_SOURCE", str(source))
    runner = CliRunner()

    result = runner.invoke(app, ["run", "--league", "E0,E1", "--as-of", CLOCK, *QUICK])
    assert result.exit_code == 0, result.output
    settings = get_settings()
    log = _step_log(settings)
    steps = [(step, league) for step, league, _ in log]
    # Per-league steps in catalogue order, each league in turn; dbt and settle once.
    assert [s for s in steps if s[0] == "ingest"] == [("ingest", "E0"), ("ingest", "E1")]
    assert [s for s, _ in steps].count("transform") == 1
    assert [s for s, _ in steps].count("settle") == 1
    assert [s for s, _ in steps].count("marts") == 1
    for step in ("train", "refit", "backtest", "score", "monitor", "bet", "report"):
        assert [league for s, league in steps if s == step] == ["E0", "E1"], step
    names = [s for s, _ in steps]
    assert names.index("transform") > steps.index(("ingest", "E1"))
    assert steps.index(("train", "E1")) < steps.index(("refit", "E0"))
    assert {status for _, _, status in log} <= {"done", "skipped"}, log
    statuses = {(step, league): status for step, league, status in log}
    assert statuses["train", "E0"] == statuses["train", "E1"] == "done"
    # Each league's refit sees its own league's training in this run.
    assert statuses["refit", "E0"] == statuses["refit", "E1"] == "skipped"
    # Each league's backtest follows its own new walk-forward.
    assert statuses["backtest", "E0"] == statuses["backtest", "E1"] == "done"

    # The marts hold every league that was ingested, and only those (SP1 was not asked for).
    assert _by_league(settings, "select league, count(*) from marts.fct_matches group by 1") == {
        "E0": 260,
        "E1": 260,
    }
    assert _by_league(
        settings, "select league, count(*) from marts.mart_match_features group by 1"
    ).keys() == {"E0", "E1"}
    assert _by_league(settings, "select league, count(*) from ml.predictions group by 1") == {
        "E0": 10,
        "E1": 10,
    }
    # Live bets in both leagues, in the one live book, and every betting mart one row per
    # grain (the marts step ran their unique_combination_of_columns tests: it is done above).
    assert _by_league(
        settings, "select league, count(*) from betting.bets where book_id = 'live' group by 1"
    ).keys() == {"E0", "E1"}
    for mart, grain in BETTING_MART_GRAINS.items():
        columns = ", ".join(grain)
        duplicated = _by_league(
            settings,
            f"select league, count(*) from (select {columns} from {mart} group by {columns} "
            "having count(*) > 1) as duplicated group by league",
        )
        assert duplicated == {}, mart
        assert _by_league(settings, f"select league, count(*) from {mart} group by 1").keys() == {
            "E0",
            "E1",
        }, mart
    assert _by_league(
        settings, "select league, count(distinct run_id) from ml.model_evaluations group by 1"
    ) == {"E0": 1, "E1": 1}
    from ml.modeling import registry

    for league in ("E0", "E1"):
        champion = registry.get_alias(settings.with_overrides(league=league), registry.CHAMPION)
        assert champion is not None, league
        assert (settings.reports_dir / f"report-{league}.html").is_file()
    assert not (settings.reports_dir / "report.html").exists()

    # `all`: ingest takes every league folder of the source (SP1 too); a later step every
    # league in the warehouse, all at one clock.
    before = len(log)
    result = runner.invoke(app, ["ingest", "--league", "all", "--as-of", CLOCK])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["monitor", "--league", "all", "--as-of", CLOCK])
    assert result.exit_code == 0, result.output
    later = [(step, league) for step, league, _ in _step_log(settings)[before:]]
    assert later == [
        ("ingest", "E0"),
        ("ingest", "E1"),
        ("ingest", "SP1"),
        ("monitor", "E0"),
        ("monitor", "E1"),
        ("monitor", "SP1"),
    ]


def test_all_on_an_empty_warehouse_says_to_ingest_first(duckdb_settings: Settings) -> None:
    result = CliRunner().invoke(app, ["train", "--league", "all", "--as-of", CLOCK])
    output = " ".join(result.output.split())
    assert result.exit_code == 1, output
    assert "no football-data league has data in the warehouse" in output
    assert "plpred ingest --league all" in output


def test_a_failure_names_its_league(duckdb_settings: Settings, tmp_path: Path) -> None:
    """SP1's season file is not a football-data file: E0 loads, SP1's ingest fails naming SP1,
    and the run stops there."""
    source = tmp_path / "football-data"
    write_synthetic_leagues(source, ("E0",), **SOURCE_OPTIONS)
    (source / "SP1").mkdir()
    (source / "SP1" / "2425.csv").write_text("this is not,a football-data file\n1,2\n")
    for command in (["run"], ["ingest"]):
        result = CliRunner().invoke(
            app, [*command, "--league", "E0,SP1", "--source", str(source), "--as-of", CLOCK]
        )
        output = " ".join(result.output.split())
        assert result.exit_code == 1, output
        assert "ingest (SP1) failed" in output, output
    steps = [(step, league, status) for step, league, status in _step_log(duckdb_settings)]
    assert steps[:2] == [("ingest", "E0", "done"), ("ingest", "SP1", "failed")]
    assert "transform" not in {step for step, _, _ in steps}
