"""The scale benchmark's synthetic football-data files (benchmarks/synthetic_leagues.py) load
through the real ingest, and the same seed writes the same files.

Also the warning for leagues the team aliases know nothing of: one line per league and run,
however many rows, teams and files; E0 keeps refusing a name it does not know, with the hint.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks.synthetic_leagues import LEAGUE_CODES, TEAMS, write_leagues
from ml.config import Settings
from ml.ingest import run_ingest
from ml.ingest.load import REFUSED
from ml.warehouse.connection import connect

LEAGUES = ("E0", "SP1")


def _ingest(settings: Settings, source: Path, league: str):
    console = Console(file=io.StringIO(), width=300)
    summary = run_ingest(
        settings.with_overrides(source=str(source), league=league),
        seasons=None,
        files=None,
        file_season=None,
        include_fixtures=False,
        console=console,
    )
    return summary, console.file.getvalue()


def _contents(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*.csv"))}


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    first = write_leagues(tmp_path / "a", LEAGUES, n_seasons=2, seed=7)
    write_leagues(tmp_path / "b", LEAGUES, n_seasons=2, seed=7)
    write_leagues(tmp_path / "c", LEAGUES, n_seasons=2, seed=8)
    assert [p.relative_to(tmp_path / "a") for p in first.files] == [
        Path("E0/0001.csv"),
        Path("E0/0102.csv"),
        Path("SP1/0001.csv"),
        Path("SP1/0102.csv"),
    ]
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")
    assert _contents(tmp_path / "a") != _contents(tmp_path / "c")
    # A league's files do not depend on which other leagues are written with it.
    alone = write_leagues(tmp_path / "d", ("SP1",), n_seasons=2, seed=7)
    assert alone.files[0].read_bytes() == (tmp_path / "a" / "SP1" / "0001.csv").read_bytes()
    assert first.matches == 2 * sum(TEAMS[c] * (TEAMS[c] - 1) for c in LEAGUES)
    assert len(LEAGUE_CODES) == 22 and LEAGUE_CODES[:4] == ("E0", "E1", "E2", "E3")


def test_synthetic_files_load_through_the_real_ingest(
    tmp_path: Path, duckdb_settings: Settings
) -> None:
    written = write_leagues(tmp_path / "source", LEAGUES, n_seasons=2, seed=3)
    outputs = {}
    for league in LEAGUES:
        summary, outputs[league] = _ingest(duckdb_settings, written.directory, league)
        assert summary.ok, outputs[league]
        assert summary.rows_rejected == 0, outputs[league]
        # One warning line for the league, not one per file, team or row.
        lines = [line for line in outputs[league].splitlines() if "warning" in line]
        assert len(lines) == 1, outputs[league]
        assert f"(2 files, {league}/0001.csv to {league}/0102.csv)" in lines[0]
        assert f"league {league}: none of its teams is in team_aliases.csv" in lines[0]
    with connect(duckdb_settings) as conn:
        rows = conn.fetchall(
            "select league, season, count(*), count(distinct home_team), min(match_date),"
            " count(kickoff_time) from raw.matches group by league, season order by 1, 2"
        )
        prices = conn.fetchall(
            "select distinct bookmaker, period from raw.odds order by bookmaker, period"
        )
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (league, season, TEAMS[league] * (TEAMS[league] - 1), TEAMS[league])
        for league in LEAGUES
        for season in ("2000-01", "2001-02")
    ]
    assert all(r[5] == 0 for r in rows)  # no Time column before 2019-20, as football-data
    assert ("Avg", "pre_match") in prices and ("B365", "pre_match") in prices  # BbAv -> Avg


def test_recent_seasons_carry_times_pinnacle_and_closing_prices(
    tmp_path: Path, duckdb_settings: Settings
) -> None:
    written = write_leagues(tmp_path / "source", ("SC3",), n_seasons=2, first_year=2024, seed=1)
    summary, output = _ingest(duckdb_settings, written.directory, "SC3")
    assert summary.ok and summary.rows_rejected == 0, output
    with connect(duckdb_settings) as conn:
        (timed,) = conn.fetchall("select count(*) from raw.matches where kickoff_time is null")
        prices = {
            tuple(r) for r in conn.fetchall("select distinct bookmaker, period from raw.odds")
        }
    assert timed == (0,)
    assert {("PS", "pre_match"), ("PS", "closing"), ("Avg", "closing")} <= prices


def test_e0_still_refuses_an_unknown_name_with_the_hint(
    tmp_path: Path, duckdb_settings: Settings
) -> None:
    """E0 as the seed knows it, one club spelt anew: refused, with what to add to the seed."""
    source = tmp_path / "source" / "E0"
    source.mkdir(parents=True)
    (source / "2425.csv").write_text(
        "Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR\r\n"
        "E0,17/08/2024,Arsenal,Wolves,2,0,H\r\n"
        "E0,17/08/2024,Everton,Brighton FC Hove,0,3,A\r\n",
        encoding="utf-8",
    )
    summary, output = _ingest(duckdb_settings, tmp_path / "source", "E0")
    assert [f.status for f in summary.files] == [REFUSED]
    assert "'Brighton FC Hove' (line 3)" in output
    assert 'add the line "Brighton FC Hove,Brighton & Hove Albion"' in output
    assert "none of its teams" not in output


@pytest.mark.parametrize("files", [1, 3])
def test_an_uncovered_league_warns_once_per_run(
    tmp_path: Path, duckdb_settings: Settings, files: int
) -> None:
    """One warning line for the league per run, whether it comes from one file or several."""
    written = write_leagues(tmp_path / "source", ("SP1",), n_seasons=files, seed=2)
    summary, output = _ingest(duckdb_settings, written.directory, "SP1")
    assert summary.ok, output
    warnings = [line for line in output.splitlines() if "warning" in line]
    assert len(warnings) == 1, output
    assert ("1 files" not in warnings[0]) and ("SP1/0001.csv" in warnings[0])
