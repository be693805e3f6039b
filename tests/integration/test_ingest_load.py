"""Loading small files into a real warehouse (DuckDB and Postgres): versions, idempotency,
rejected rows, refused and failed files leaving the warehouse as it was, the load log.

Files are written by the tests; only the network is mocked.
"""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from ml.config import Settings
from ml.ingest import IngestSummary, run_ingest
from ml.ingest.load import load_file
from ml.ingest.seasons import Season
from ml.ingest.sources import plan_files
from ml.warehouse.connection import Connection, WarehouseError, apply_ddl, connect

HEADER = "Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR,Referee,HS,AS,B365H,B365D,B365A,PSCH,PSCD,PSCA,AHh,PAHH,PAHA"
ROW_A = "E0,15/08/2025,20:00,Liverpool,Bournemouth,4,2,H,A Taylor,19,10,1.3,6,8.5,1.29,6.4,10.5,-1.5,1.97,1.96"
ROW_B = "E0,16/08/2025,12:30,Aston Villa,Newcastle,0,0,D,S Hooper,3,16,2.6,3.4,2.7,,,,0,1.9,2.0"
ROW_C = "E0,16/08/2025,15:00,Brighton,Fulham,1,1,D,M Oliver,17,7,1.75,3.9,4.5,1.8,3.8,4.4,-0.5,1.88,2.05"
ROW_D = "E0,23/08/2025,15:00,Fulham,Man United,1,1,D,,9,12,3.8,3.6,1.9,3.9,3.7,1.95,0.5,1.92,1.98"
TODAY_TABLES = ("raw.matches", "raw.fixtures", "raw.odds", "raw.rejected_rows")


def write(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    return path


def ingest(
    settings: Settings, *files: Path, season: str | None = None, **options: Any
) -> IngestSummary:
    console = Console(file=io.StringIO(), width=200)
    summary = run_ingest(
        settings,
        seasons=options.pop("seasons", None),
        files=list(files) or None,
        file_season=season,
        include_fixtures=options.pop("include_fixtures", False),
        console=console,
        **options,
    )
    summary.output = console.file.getvalue()  # type: ignore[attr-defined]
    return summary


def fingerprint(conn: Connection) -> dict[str, tuple]:
    """Enough of every data table to see any change: counts and content checksums."""
    return {
        "raw.matches": conn.fetchone(
            "select count(*), md5(coalesce(string_agg(record_hash || load_id, ',' order by record_hash, load_id), '')) from raw.matches"
        ),
        "raw.fixtures": conn.fetchone(
            "select count(*), md5(coalesce(string_agg(record_hash || load_id, ',' order by record_hash, load_id), '')) from raw.fixtures"
        ),
        "raw.odds": conn.fetchone(
            "select count(*), coalesce(sum(price), 0), count(distinct load_id) from raw.odds"
        ),
        "raw.rejected_rows": conn.fetchone("select count(*) from raw.rejected_rows"),
    }


def log_rows(conn: Connection) -> list[dict[str, Any]]:
    df = conn.query_df("select * from raw.load_log where status <> 'started' order by started_at")
    return df.to_dict("records")


# --- versions and idempotency ------------------------------------------------------------------


def test_same_file_twice_then_a_newer_snapshot(any_settings: Settings, tmp_path: Path) -> None:
    early = write(tmp_path / "snapshots/2025-26/E0_2025-08-17T0900.csv", ROW_A, ROW_B, ROW_C)
    first = ingest(any_settings, early)
    assert first.ok, first.output
    assert [(f.status, f.rows_inserted, f.odds_inserted) for f in first.files] == [
        ("loaded", 3, 21)
    ]

    again = ingest(any_settings, early)
    assert again.ok
    assert [(f.status, f.rows_inserted, f.rows_unchanged) for f in again.files] == [
        ("unchanged", 0, 3)
    ]

    # A day later: B's referee corrected, D played; A and C unchanged (file has new bytes).
    later = write(
        tmp_path / "snapshots/2025-26/E0_2025-08-24T0900.csv",
        ROW_A,
        ROW_B.replace("S Hooper", "J Brooks"),
        ROW_C,
        ROW_D,
    )
    third = ingest(any_settings, later)
    assert [(f.status, f.rows_inserted, f.rows_unchanged) for f in third.files] == [
        ("loaded", 2, 2)
    ]
    assert "1 new, 1 changed" in third.files[0].message

    with connect(any_settings) as conn:
        versions = conn.fetchall(
            "select home_team, count(*) from raw.matches group by home_team order by home_team"
        )
        assert versions == [("Aston Villa", 2), ("Brighton", 1), ("Fulham", 1), ("Liverpool", 1)]
        latest = conn.fetchall(
            "select home_team, referee, season, source_file from ("
            " select *, row_number() over (partition by league, season, home_team, away_team"
            " order by loaded_at desc, load_id desc) as version_rank from raw.matches) ranked"
            " where version_rank = 1 order by home_team"
        )
        assert latest == [
            ("Aston Villa", "J Brooks", "2025-26", "2025-26/E0_2025-08-24T0900.csv"),
            ("Brighton", "M Oliver", "2025-26", "2025-26/E0_2025-08-17T0900.csv"),
            ("Fulham", None, "2025-26", "2025-26/E0_2025-08-24T0900.csv"),
            ("Liverpool", "A Taylor", "2025-26", "2025-26/E0_2025-08-17T0900.csv"),
        ]
        # Odds exist for exactly the row versions inserted, joined by (load_id, row_number).
        orphans = conn.scalar(
            "select count(*) from raw.odds o where not exists (select 1 from raw.matches m"
            " where m.load_id = o.load_id and m.row_number = o.row_number)"
        )
        assert orphans == 0
        per_load = conn.fetchall(
            "select m.home_team, count(*) from raw.odds o join raw.matches m"
            " on m.load_id = o.load_id and m.row_number = o.row_number"
            " where m.source_file like '%08-24T0900%' group by m.home_team order by 1"
        )
        assert per_load == [("Aston Villa", 5), ("Fulham", 8)]
        row_numbers = conn.fetchall(
            "select row_number from raw.matches where source_file like '%08-24T0900%' order by 1"
        )
        assert row_numbers == [(3,), (5,)]  # the lines in the file
        ah = conn.fetchall(
            "select bookmaker, market, selection, line, period, price, source_column, file_kind"
            " from raw.odds where home_team = 'Liverpool' and market = 'asian_handicap'"
            " order by selection"
        )
        assert ah == [
            ("PS", "asian_handicap", "away", -1.5, "pre_match", 1.96, "PAHA", "matches"),
            ("PS", "asian_handicap", "home", -1.5, "pre_match", 1.97, "PAHH", "matches"),
        ]
        record = json.loads(
            conn.scalar("select record from raw.matches where home_team = 'Liverpool'")
        )
        assert record["HomeTeam"] == "Liverpool" and record["PSCH"] == "1.29"
        log = log_rows(conn)
    assert [r["status"] for r in log] == ["loaded", "unchanged", "loaded"]
    assert [r["rows_inserted"] for r in log] == [3, 0, 2]
    assert all(r["finished_at"] >= r["started_at"] for r in log)
    assert log[0]["file_hash"] == log[1]["file_hash"] != log[2]["file_hash"]
    assert (log[0]["league"], log[0]["season"], log[0]["file_kind"]) == ("E0", "2025-26", "matches")
    assert log[0]["source_uri"].startswith("file:///")


def test_rejected_rows_are_kept_and_the_rest_loads(any_settings: Settings, tmp_path: Path) -> None:
    bad = "E0,16/08/2025,15:00,Spurs,Burnley,2.5,0,H,,,,,,,,,,,,"
    path = write(tmp_path / "E0/2526.csv", ROW_A, bad, ROW_B, ",,,,,,,,,,,,,,,,,,,")
    summary = ingest(any_settings, path)
    assert summary.ok  # rejected rows are reported, not a failure
    outcome = summary.files[0]
    assert (outcome.rows_in_file, outcome.rows_inserted, outcome.rows_rejected) == (3, 2, 1)
    assert "FTHG '2.5' is not a whole number" in summary.output
    with connect(any_settings) as conn:
        rejected = conn.fetchall(
            "select source_file, line_number, reason, raw_line, load_id from raw.rejected_rows"
        )
        assert rejected == [
            ("E0/2526.csv", 3, "FTHG '2.5' is not a whole number", bad, outcome.load_id)
        ]
        assert conn.scalar("select count(*) from raw.matches") == 2
    # The same file again: nothing new, not even a second copy of its rejected row.
    assert ingest(any_settings, path).files[0].status == "unchanged"
    with connect(any_settings) as conn:
        assert conn.scalar("select count(*) from raw.rejected_rows") == 1


# --- refused and failed files ------------------------------------------------------------------


def test_refused_files_leave_the_warehouse_as_it_was(
    any_settings: Settings, tmp_path: Path
) -> None:
    assert ingest(any_settings, write(tmp_path / "E0/2526.csv", ROW_A, ROW_B)).ok
    with connect(any_settings) as conn:
        before = fingerprint(conn)

    mangled = write(
        tmp_path / "bad/E0_2526_mangled.csv",
        ROW_C.replace("16/08/2025", "2016/8/25"),
        ROW_D.replace("23/08/2025", "1923/8/25"),
    )
    html = tmp_path / "bad/E0_2526_page.csv"
    html.write_text("<!DOCTYPE html><html><body>Service unavailable</body></html>")
    empty = tmp_path / "bad/empty.csv"
    empty.write_bytes(b"")
    wrong = write(tmp_path / "bad/people.csv", "Bob,3", header="name,age")
    wrong_season = write(tmp_path / "bad/E0_later.csv", ROW_A, ROW_B)

    summary = ingest(any_settings, mangled, html, empty, wrong, tmp_path / "missing.csv")
    forced = ingest(any_settings, wrong_season, season="2425")
    assert not summary.ok and not forced.ok
    statuses = [(f.status, f.message) for f in summary.files + forced.files]
    assert [s for s, _ in statuses] == [
        "refused",
        "refused",
        "refused",
        "refused",
        "failed",
        "refused",
    ]
    messages = [m for _, m in statuses]
    assert "bad/E0_2526_mangled.csv claims season 2025-26" in messages[0]
    assert "2 of 2 rows fall outside it (line 2: date '2016/8/25')" in messages[0]
    assert messages[1] == "bad/E0_2526_page.csv is an HTML page, not a football-data CSV"
    assert messages[2] == "bad/empty.csv is empty"
    assert "bad/people.csv is not a football-data CSV" in messages[3]
    assert messages[4].endswith("missing.csv: file not found")
    assert "claims season 2024-25" in messages[5]
    assert "Traceback" not in summary.output
    assert "refused bad/E0_2526_mangled.csv claims season" in summary.output

    with connect(any_settings) as conn:
        assert fingerprint(conn) == before
        log = log_rows(conn)
    assert [r["status"] for r in log] == ["loaded", *[s for s, _ in statuses]]
    assert all(r["rows_inserted"] == 0 for r in log[1:])
    assert [r["message"] for r in log[1:]] == messages


def test_a_warehouse_error_mid_file_rolls_the_file_back(
    any_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ingest(any_settings, write(tmp_path / "E0/2526.csv", ROW_A)).ok
    with connect(any_settings) as conn:
        before = fingerprint(conn)

    real_insert = Connection.insert_df

    def failing_insert(self: Connection, table: str, df: Any) -> int:
        if table == "raw.odds":  # after raw.matches got its rows, in the same transaction
            raise WarehouseError("disk full")
        return real_insert(self, table, df)

    monkeypatch.setattr(Connection, "insert_df", failing_insert)
    summary = ingest(any_settings, write(tmp_path / "E0_2526_b.csv", ROW_A, ROW_B))
    assert not summary.ok
    assert summary.files[0].status == "failed"
    assert summary.files[0].message == "warehouse error, file rolled back: disk full"
    monkeypatch.undo()
    with connect(any_settings) as conn:
        assert fingerprint(conn) == before
        assert [r["status"] for r in log_rows(conn)] == ["loaded", "failed"]


def test_failed_downloads_name_the_url_and_change_nothing(
    duckdb_settings: Settings, tmp_path: Path
) -> None:
    def football_data(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/mmz4281/2526/E0.csv":
            return httpx.Response(404, html="<html>Not Found</html>")
        return httpx.Response(200, html="<!DOCTYPE html><html>Please wait</html>")

    client = httpx.Client(transport=httpx.MockTransport(football_data))
    settings = duckdb_settings.with_overrides(source="https://www.football-data.co.uk")
    summary = ingest(settings, seasons="2526", include_fixtures=True, http_client=client)
    assert not summary.ok
    assert [(f.source_file, f.status, f.message) for f in summary.files] == [
        (
            "E0/2526.csv",
            "failed",
            "https://www.football-data.co.uk/mmz4281/2526/E0.csv: HTTP 404 Not Found",
        ),
        (
            "fixtures.csv",
            "failed",
            "https://www.football-data.co.uk/fixtures.csv: the server sent an HTML page, not a CSV file",
        ),
    ]
    assert "Traceback" not in summary.output
    assert "https://www.football-data.co.uk/mmz4281/2526/E0.csv: HTTP 404" in summary.output
    assert "load a local copy laid out like it with --source DIR" in summary.output
    with connect(settings) as conn:
        assert all(conn.scalar(f"select count(*) from {t}") == 0 for t in TODAY_TABLES)
        log = log_rows(conn)
    assert [(r["status"], r["source_uri"]) for r in log] == [
        ("failed", "https://www.football-data.co.uk/mmz4281/2526/E0.csv"),
        ("failed", "https://www.football-data.co.uk/fixtures.csv"),
    ]


def test_web_download_loads_and_caches(duckdb_settings: Settings) -> None:
    body = "\r\n".join([HEADER, ROW_A, ROW_B]).encode()
    calls: list[str] = []

    def football_data(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, content=body, headers={"content-type": "text/csv"})

    client = httpx.Client(transport=httpx.MockTransport(football_data))
    settings = duckdb_settings.with_overrides(source="https://www.football-data.co.uk")
    summary = ingest(settings, seasons="2526", http_client=client)
    assert summary.ok, summary.output
    assert summary.files[0].rows_inserted == 2
    assert (settings.cache_dir / "football-data/mmz4281/2526/E0.csv").read_bytes() == body


def test_bad_season_spec_is_a_clear_error(duckdb_settings: Settings) -> None:
    summary = ingest(duckdb_settings, seasons="2526-0001")
    assert not summary.ok
    assert summary.errors == ["season range '2526-0001' runs backwards"]
    assert "Traceback" not in summary.output


# --- a local folder laid out like the mirror, fixtures -----------------------------------------


def test_local_folder_with_fixtures_of_every_league(any_settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "football-data"
    write(root / "E0/2425.csv", ROW_A.replace("2025", "2024"), ROW_B.replace("2025", "2024"))
    write(root / "E0/2526.csv", ROW_A, ROW_B, ROW_C)
    write(root / "E1/2526.csv", ROW_A.replace("E0,", "E1,"))
    fixtures_header = "Div,Date,Time,HomeTeam,AwayTeam,Referee,B365H,B365D,B365A,B365>2.5,B365<2.5"
    write(
        root / "fixtures.csv",
        "E0,30/05/2026,15:00,Arsenal,Leeds,,1.3,5.5,9,1.5,2.6",
        "SP1,31/07/2026,20:00,Betis,Sevilla,,2.1,3.3,3.5,,",
        "D1,01/08/2026,19:30,St Pauli,RB Leipzig,,4.5,3.5,1.8,,",
        ",,,,,,,,,,",
        header=fixtures_header,
    )
    settings = any_settings.with_overrides(source=str(root))
    summary = ingest(settings, include_fixtures=True)
    assert summary.ok, summary.output
    assert [(f.source_file, f.status, f.rows_inserted) for f in summary.files] == [
        ("E0/2425.csv", "loaded", 2),
        ("E0/2526.csv", "loaded", 3),
        ("fixtures.csv", "loaded", 3),
    ]
    with connect(settings) as conn:
        assert conn.fetchall(
            "select league, season, home_team, kickoff_time from raw.fixtures order by match_date"
        ) == [
            ("E0", "2025-26", "Arsenal", "15:00"),
            ("SP1", "2025-26", "Betis", "20:00"),  # July belongs to the season ending
            ("D1", "2026-27", "St Pauli", "19:30"),
        ]
        assert conn.fetchall(
            "select file_kind, league, count(*) from raw.odds where file_kind = 'fixtures'"
            " group by file_kind, league order by league"
        ) == [("fixtures", "D1", 3), ("fixtures", "E0", 5), ("fixtures", "SP1", 3)]
        log = conn.fetchall(
            "select source_file, file_kind, league, season from raw.load_log where status <> 'started'"
            " order by started_at"
        )
    assert log[-1] == ("fixtures.csv", "fixtures", None, None)  # several leagues and seasons
    # A chosen league and season from the same folder.
    summary = ingest(settings.with_overrides(league="E1"), seasons="2526")
    assert [(f.source_file, f.league, f.rows_inserted) for f in summary.files] == [
        ("E1/2526.csv", "E1", 1)
    ]


def test_local_folder_missing_season_file_fails_that_file_only(
    duckdb_settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "football-data"
    write(root / "E0/2526.csv", ROW_A)
    settings = duckdb_settings.with_overrides(source=str(root))
    summary = ingest(settings, seasons="2425,2526")
    assert [(f.source_file, f.status) for f in summary.files] == [
        ("E0/2425.csv", "failed"),
        ("E0/2526.csv", "loaded"),
    ]
    assert not summary.ok
    assert "E0/2425.csv: file not found" in summary.files[0].message


def test_file_season_from_flag_name_or_dates(duckdb_settings: Settings, tmp_path: Path) -> None:
    undated_name = write(tmp_path / "download.csv", ROW_A, ROW_B)
    summary = ingest(duckdb_settings, undated_name)
    assert (summary.files[0].status, summary.files[0].season) == ("loaded", "2025-26")
    flagged = write(tmp_path / "other.csv", ROW_C)
    summary = ingest(duckdb_settings, flagged, season="2025-26")
    assert (summary.files[0].status, summary.files[0].season) == ("loaded", "2025-26")


def season_server(missing: str) -> httpx.Client:
    """football-data.co.uk with one small valid file per season, except ``missing``."""

    def football_data(request: httpx.Request) -> httpx.Response:
        code = request.url.path.split("/")[2]
        if code == missing:
            return httpx.Response(404, html="<html>Not Found</html>")
        start = Season.from_code(code).start_year
        body = "\r\n".join([HEADER, ROW_A.replace("/2025", f"/{start}")]).encode()
        return httpx.Response(200, content=body, headers={"content-type": "text/csv"})

    return httpx.Client(transport=httpx.MockTransport(football_data))


def test_current_season_not_published_yet_is_no_failure(duckdb_settings: Settings) -> None:
    settings = duckdb_settings.with_overrides(source="https://www.football-data.co.uk")
    august = ingest(settings, http_client=season_server("2627"), today=date(2026, 8, 5))
    assert august.ok, august.output
    assert august.count("loaded") == 26
    last = august.files[-1]
    assert (last.source_file, last.status) == ("E0/2627.csv", "unchanged")
    assert last.message.endswith("HTTP 404 Not Found: not published yet; nothing to load")
    # In October a missing current season is a real failure.
    october = ingest(settings, http_client=season_server("2627"), today=date(2026, 10, 1))
    assert not october.ok
    assert october.files[-1].status == "failed"
    assert october.count("unchanged") == 26  # the cached finished seasons, nothing new


def test_concurrent_loads_of_one_file_land_it_once(
    postgres_settings: Settings, tmp_path: Path
) -> None:
    """Two Airflow tasks (or a task and a person) loading the same snapshot at the same time."""
    path = write(tmp_path / "E0/2526.csv", ROW_A, ROW_B, ROW_C)
    with connect(postgres_settings) as conn:
        apply_ddl(conn)

    def load() -> str:
        with connect(postgres_settings) as conn:
            return load_file(conn, plan_files([path], None)[0], path.read_bytes()).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(lambda _: load(), range(2)))
    assert statuses == ["loaded", "unchanged"]
    with connect(postgres_settings) as conn:
        assert conn.scalar("select count(*) from raw.matches") == 3


def test_unreachable_warehouse_is_a_clear_error(duckdb_settings: Settings, tmp_path: Path) -> None:
    nowhere = replace(duckdb_settings.postgres, port=1)
    settings = replace(duckdb_settings, target="postgres", postgres=nowhere)
    summary = ingest(settings, write(tmp_path / "E0/2526.csv", ROW_A))
    assert not summary.ok
    assert summary.errors[0].startswith(
        "warehouse (postgres): cannot connect to PostgreSQL at 127.0.0.1:1"
    )
    assert "Traceback" not in summary.output
