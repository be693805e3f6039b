"""Ingestion at a clock on a real warehouse (DuckDB and Postgres): ``known_at`` on every row, a
clock that never runs backwards, re-runs at the same clock that change nothing, season files cut
at the clock, an older warehouse gaining the column, and the real snapshot archive.

Files are written by the tests (or read from the mirror); nothing is mocked.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ml.clock import parse_as_of, utc_naive
from ml.config import DDL_DIR, Settings
from ml.ingest import ClockBehindError, IngestSummary, run_ingest
from ml.ingest.load import check_clock, newest_known_at, utc_now
from ml.warehouse.connection import Connection, apply_ddl, connect
from tests.football_data_files import write_synthetic_snapshots, write_synthetic_source
from tests.unit.test_ingest_snapshots import HEADER, ROWS, make_source, utc, write

DATA_TABLES = ("raw.matches", "raw.fixtures", "raw.odds", "raw.rejected_rows", "raw.load_log")


def ingest(settings: Settings, *, source: Path, **options: Any) -> IngestSummary:
    console = Console(file=io.StringIO(), width=200)
    summary = run_ingest(
        settings.with_overrides(source=str(source)),
        seasons=options.pop("seasons", None),
        files=None,
        file_season=None,
        include_fixtures=options.pop("include_fixtures", True),
        console=console,
        **options,
    )
    summary.output = console.file.getvalue()  # type: ignore[attr-defined]
    return summary


def counts(conn: Connection) -> dict[str, int]:
    return {table: conn.scalar(f"select count(*) from {table}") for table in DATA_TABLES}


def log(conn: Connection) -> list[dict[str, Any]]:
    return conn.query_df(
        "select * from raw.load_log where status <> 'started' order by started_at"
    ).to_dict("records")


def test_every_row_records_the_clock_it_was_known_at(
    any_settings: Settings, tmp_path: Path
) -> None:
    root = make_source(tmp_path / "src")
    before = utc_now()
    first = ingest(any_settings, source=root, as_of=utc("2025-08-24T12:00"))
    assert first.ok, first.output
    assert [f.known_at for f in first.files] == [datetime(2025, 8, 24, 12, 0)] * 3
    later = ingest(any_settings, source=root, as_of=utc("2025-08-31T09:00"))
    assert later.ok, later.output

    with connect(any_settings) as conn:
        rows = log(conn)
        assert [(r["source_file"], r["known_at"], r["status"]) for r in rows] == [
            ("E0/2425.csv", datetime(2025, 8, 24, 12, 0), "loaded"),
            ("E0/2526.csv", datetime(2025, 8, 24, 12, 0), "loaded"),
            ("fixtures.csv", datetime(2025, 8, 24, 12, 0), "loaded"),
            ("E0/2425.csv", datetime(2025, 8, 31, 9, 0), "unchanged"),
            ("E0/2526.csv", datetime(2025, 8, 31, 9, 0), "loaded"),
            ("fixtures.csv", datetime(2025, 8, 31, 9, 0), "unchanged"),
        ]
        assert rows[1]["source_uri"].endswith("/snapshots/2025-26/E0_2025-08-24T0900.csv")
        assert rows[4]["source_uri"].endswith("/snapshots/2025-26/E0_2025-08-31T0900.csv")
        assert rows[2]["source_uri"].endswith("/snapshots/2025-26/fixtures_2025-08-22T1200.csv")
        # Each version carries the clock of the load that wrote it; loaded_at the wall clock.
        matches = conn.fetchall(
            "select home_team, known_at, loaded_at from raw.matches where season = '2025-26'"
            " order by match_date"
        )
        assert [(home, known) for home, known, _ in matches] == [
            ("Liverpool", datetime(2025, 8, 24, 12, 0)),
            ("Aston Villa", datetime(2025, 8, 24, 12, 0)),
            ("Brighton", datetime(2025, 8, 24, 12, 0)),
            ("Fulham", datetime(2025, 8, 31, 9, 0)),
        ]
        assert all(loaded >= before - timedelta(seconds=1) for _, _, loaded in matches)
        assert conn.fetchall("select home_team, known_at from raw.fixtures") == [
            ("Brighton", datetime(2025, 8, 24, 12, 0))
        ]
        assert newest_known_at(conn) == datetime(2025, 8, 31, 9, 0)


def test_without_a_clock_each_load_is_known_at_its_start(
    any_settings: Settings, tmp_path: Path
) -> None:
    root = make_source(tmp_path / "src")
    before = utc_now()
    summary = ingest(any_settings, source=root)
    assert summary.ok, summary.output
    with connect(any_settings) as conn:
        rows = log(conn)
        assert [r["source_file"] for r in rows] == ["E0/2425.csv", "E0/2526.csv", "fixtures.csv"]
        assert all(r["known_at"] == r["started_at"] >= before for r in rows)
        stamped = conn.fetchall(
            "select count(*) from raw.matches m join raw.load_log l on l.load_id = m.load_id"
            " where m.known_at = l.started_at"
        )
        assert stamped == [(5,)]
    # A replay into a warehouse that has loaded at the wall clock is behind it.
    with pytest.raises(ClockBehindError):
        ingest(any_settings, source=root, as_of=utc("2025-08-24T12:00"))


def test_a_clock_behind_the_warehouse_is_refused_and_loads_nothing(
    any_settings: Settings, tmp_path: Path
) -> None:
    root = make_source(tmp_path / "src")
    assert ingest(any_settings, source=root, as_of=utc("2025-08-24T12:00")).ok
    with connect(any_settings) as conn:
        before = counts(conn)

    with pytest.raises(ClockBehindError) as refused:
        ingest(any_settings, source=root, as_of=utc("2025-08-17T10:00"))
    message = str(refused.value)
    assert "2025-08-17 10:00 UTC" in message  # the refused clock
    assert "2025-08-24 12:00 UTC" in message  # the warehouse's
    assert "fresh PLPRED_HOME" in message
    assert (refused.value.as_of, refused.value.known_at) == (
        datetime(2025, 8, 17, 10, 0),
        datetime(2025, 8, 24, 12, 0),
    )
    # A ValueError-like clock error and a warehouse error alike, for callers catching either.
    from ml.clock import ClockError
    from ml.warehouse.connection import WarehouseError

    assert isinstance(refused.value, ClockError) and isinstance(refused.value, WarehouseError)

    with connect(any_settings) as conn:
        assert counts(conn) == before  # not even a load_log row
        # One minute behind is behind; the same moment is not.
        with pytest.raises(ClockBehindError):
            check_clock(conn, utc("2025-08-24T11:59"))
        check_clock(conn, utc("2025-08-24T12:00"))


def test_the_same_clock_again_inserts_nothing(any_settings: Settings, tmp_path: Path) -> None:
    """Also for a season file cut at the clock: the same bytes cut at the same day are the
    same rows, and a later clock then loads the rows it held back."""
    root = tmp_path / "src"
    write(root / "E0/2526.csv", HEADER, *ROWS)  # no snapshots: cut at the clock
    clock = utc("2025-08-23T10:00")
    first = ingest(any_settings, source=root, as_of=clock, include_fixtures=False)
    assert first.ok, first.output
    (outcome,) = first.files
    assert (outcome.status, outcome.rows_in_file, outcome.rows_inserted) == ("loaded", 4, 2)
    assert outcome.rows_withheld == 2
    assert "2 rows dated 2025-08-23 or later withheld" in outcome.message
    assert "only its rows dated before 2025-08-23 are loaded" in first.output

    with connect(any_settings) as conn:
        before = counts(conn)
    again = ingest(any_settings, source=root, as_of=clock, include_fixtures=False)
    assert again.ok, again.output
    (outcome,) = again.files
    assert (outcome.status, outcome.rows_inserted, outcome.rows_unchanged) == ("unchanged", 0, 2)
    assert outcome.rows_withheld == 2 and "same file as load" in outcome.message
    with connect(any_settings) as conn:
        after = counts(conn)
        assert after == before | {"raw.load_log": before["raw.load_log"] + 2}  # started, finished
        last = log(conn)[-1]
        # The log stays honest: 4 rows in the file, 2 known, 2 held back.
        assert (last["rows_in_file"], last["rows_unchanged"], last["rows_inserted"]) == (4, 2, 0)

    # Later the same day (same UK date): the same cut, nothing new.
    same_day = ingest(
        any_settings, source=root, as_of=utc("2025-08-23T20:00"), include_fixtures=False
    )
    assert [f.status for f in same_day.files] == ["unchanged"]
    # A week later the held-back rows are known and load.
    week = ingest(any_settings, source=root, as_of=utc("2025-08-31T10:00"), include_fixtures=False)
    assert [(f.status, f.rows_inserted, f.rows_withheld) for f in week.files] == [("loaded", 2, 0)]
    with connect(any_settings) as conn:
        assert conn.fetchall("select home_team, known_at from raw.matches order by match_date") == [
            ("Liverpool", datetime(2025, 8, 23, 10, 0)),
            ("Aston Villa", datetime(2025, 8, 23, 10, 0)),
            ("Brighton", datetime(2025, 8, 31, 10, 0)),
            ("Fulham", datetime(2025, 8, 31, 10, 0)),
        ]


def test_a_replay_of_a_synthetic_archive_grows_week_by_week(
    duckdb_settings: Settings, tmp_path: Path
) -> None:
    source = write_synthetic_source(tmp_path / "src", n_seasons=2, n_teams=6, upcoming_rounds=0)
    last = source.seasons[-1]
    season_file = source.directory / "E0" / f"{last}.csv"
    days = sorted({line.split(",")[1] for line in season_file.read_text().splitlines()[1:]})
    first_day = min(datetime.strptime(d, "%d/%m/%Y") for d in days)
    stamps = [
        (first_day + timedelta(days=offset)).strftime("%Y-%m-%dT0900") for offset in (14, 28, 42)
    ]
    write_synthetic_snapshots(source, stamps)
    seen = []
    for stamp in stamps:
        summary = ingest(duckdb_settings, source=source.directory, as_of=parse_as_of(stamp))
        assert summary.ok, summary.output
        with connect(duckdb_settings) as conn:
            seen.append(
                conn.fetchone(
                    "select count(*), max(match_date) from raw.matches where league = 'E0'"
                    " and known_at = ?",
                    [utc_naive(parse_as_of(stamp))],
                )
            )
    for (new_rows, latest), stamp in zip(seen, stamps, strict=True):
        assert new_rows > 0
        assert latest < date.fromisoformat(stamp[:10])  # nothing dated at or after the clock


def test_an_older_warehouse_gains_known_at(any_settings: Settings, tmp_path: Path) -> None:
    """A warehouse created before known_at existed: apply_ddl adds the column (twice is fine),
    old rows keep a null known_at, and count at their start for the clock check."""
    old_ddl = tmp_path / "ddl"
    old_ddl.mkdir()
    text = (DDL_DIR / "001_create_raw_tables.sql").read_text()
    text = re.sub(r",\n\s*known_at timestamp\n", "\n", text)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("alter table"))
    assert "known_at timestamp" not in text.replace("-- ", "")
    (old_ddl / "001_create_raw_tables.sql").write_text(text)
    started = datetime(2025, 8, 20, 8, 0)
    with connect(any_settings) as conn:
        apply_ddl(conn, old_ddl)
        conn.execute(
            "insert into raw.load_log (load_id, source_uri, source_file, file_kind, status,"
            " started_at) values ('old', 'file:///x', 'E0/2526.csv', 'matches', 'loaded', ?)",
            [started],
        )
        apply_ddl(conn)
        apply_ddl(conn)
        for table in ("raw.load_log", "raw.matches", "raw.fixtures"):
            columns = conn.query_df(f"select * from {table} where 1 = 0").columns.tolist()
            assert columns[-1] == "known_at", table
        assert conn.fetchall("select load_id, known_at from raw.load_log") == [("old", None)]
        assert newest_known_at(conn) == started
        with pytest.raises(ClockBehindError):
            check_clock(conn, utc("2025-08-19T12:00"))
    root = tmp_path / "src"
    write(root / "E0/2526.csv", HEADER, *ROWS)
    summary = ingest(any_settings, source=root, as_of=utc("2025-09-01T12:00"))
    assert summary.ok, summary.output


@pytest.mark.mirror
def test_the_mirror_at_27_february_loads_the_snapshots_known_then(
    duckdb_settings: Settings, mirror: Path
) -> None:
    as_of = parse_as_of("2026-02-27T1856")
    summary = ingest(duckdb_settings, source=mirror, seasons="2526", as_of=as_of)
    assert summary.ok, summary.output
    with connect(duckdb_settings) as conn:
        rows = log(conn)
        assert [(r["source_file"], Path(r["source_uri"]).name) for r in rows] == [
            ("E0/2526.csv", "E0_2026-02-24T1324.csv"),
            ("fixtures.csv", "fixtures_2026-02-27T1856.csv"),
        ]
        assert all(r["known_at"] == datetime(2026, 2, 27, 18, 56) for r in rows)
        latest_result = conn.scalar("select max(match_date) from raw.matches")
        assert latest_result < date(2026, 2, 24)
        upcoming = conn.scalar(
            "select count(*) from raw.fixtures where league = 'E0' and match_date >= ?",
            [date(2026, 2, 27)],
        )
        assert upcoming > 0
