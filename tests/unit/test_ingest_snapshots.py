"""Snapshot archives and plans at a clock: which file says what was known at ``as_of``.

Small files in temp folders; no database, no network.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ml.config import Settings
from ml.ingest.parse import FIXTURES, MATCHES, parse_file
from ml.ingest.seasons import Season
from ml.ingest.snapshots import SnapshotArchive, SnapshotError, find_archives
from ml.ingest.sources import plan_sources

SEASON = Season(2025)
HEADER = "Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR"
ROWS = [
    "E0,15/08/2025,20:00,Liverpool,Bournemouth,4,2,H",
    "E0,16/08/2025,12:30,Aston Villa,Newcastle,0,0,D",
    "E0,23/08/2025,15:00,Brighton,Fulham,1,1,D",
    "E0,30/08/2025,15:00,Fulham,Man United,1,1,D",
]
FIXTURES_HEADER = "Div,Date,Time,HomeTeam,AwayTeam,B365H,B365D,B365A"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write(path: Path, header: str, *rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    return path


def make_source(root: Path, *, plain: bool = True, plain_fixtures: bool = True) -> Path:
    """A local source: E0/2425.csv, E0/2526.csv (all four rows), fixtures.csv, and an archive of
    2025-26 with E0 snapshots of 17, 24 and 31 August and fixtures snapshots of 15 and 22."""
    write(root / "E0/2425.csv", HEADER, "E0,17/08/2024,15:00,Arsenal,Wolves,2,0,H")
    if plain:
        write(root / "E0/2526.csv", HEADER, *ROWS)
    if plain_fixtures:
        write(root / "fixtures.csv", FIXTURES_HEADER, "E0,13/09/2025,15:00,Arsenal,Chelsea,2,3,4")
    archive = root / "snapshots" / "2025-26"
    write(archive / "E0_2025-08-17T0900.csv", HEADER, *ROWS[:2])
    write(archive / "E0_2025-08-24T0900.csv", HEADER, *ROWS[:3])
    write(archive / "E0_2025-08-31T0900.csv", HEADER, *ROWS)
    write(
        archive / "fixtures_2025-08-15T1200.csv",
        FIXTURES_HEADER,
        "E0,16/08/2025,12:30,Aston Villa,Newcastle,2,3,4",
    )
    write(
        archive / "fixtures_2025-08-22T1200.csv",
        FIXTURES_HEADER,
        "E0,23/08/2025,15:00,Brighton,Fulham,2,3,4",
    )
    (archive / "README.txt").write_text("notes are ignored")
    return root


# --- the archive -------------------------------------------------------------------------------


def test_archive_lists_times_and_picks_the_latest_at_or_before(tmp_path: Path) -> None:
    archive = SnapshotArchive.open(make_source(tmp_path) / "snapshots" / "2025-26")
    assert archive.season == SEASON
    assert archive.leagues == ["E0"]
    assert archive.times("E0") == [
        utc("2025-08-17T09:00"),
        utc("2025-08-24T09:00"),
        utc("2025-08-31T09:00"),
    ]
    assert archive.times("E1") == []
    assert archive.fixtures_times() == [utc("2025-08-15T12:00"), utc("2025-08-22T12:00")]
    assert archive.all_times() == sorted(archive.times("E0") + archive.fixtures_times())
    assert archive.last_time == utc("2025-08-31T09:00")
    assert archive.first_time == utc("2025-08-15T12:00")

    assert archive.season_file("E0", utc("2025-08-17T08:59")) is None
    exact = archive.season_file("E0", utc("2025-08-24T09:00"))
    assert exact is not None and exact.location.endswith("E0_2025-08-24T0900.csv")
    between = archive.season_file("E0", utc("2025-08-30T18:00"))
    assert between is not None
    assert (between.source_file, between.kind, between.league, between.season) == (
        "E0/2526.csv",
        MATCHES,
        "E0",
        SEASON,
    )
    assert between.location.endswith("E0_2025-08-24T0900.csv")
    assert between.taken_at == utc("2025-08-24T09:00")
    assert between.source_uri.endswith("/snapshots/2025-26/E0_2025-08-24T0900.csv")

    fixtures = archive.fixtures_file(utc("2025-08-30T18:00"))
    assert fixtures is not None
    assert (fixtures.source_file, fixtures.kind, fixtures.league, fixtures.season) == (
        "fixtures.csv",
        FIXTURES,
        None,  # every league, like the plain fixtures.csv
        None,
    )
    assert fixtures.location.endswith("fixtures_2025-08-22T1200.csv")
    assert archive.fixtures_file(utc("2025-08-15T11:59")) is None


def test_a_naive_or_other_zone_clock_is_read_as_the_same_instant(tmp_path: Path) -> None:
    archive = SnapshotArchive.open(make_source(tmp_path) / "snapshots" / "2025-26")
    naive_utc = archive.season_file("E0", datetime(2025, 8, 24, 9, 0))
    assert naive_utc is not None and naive_utc.taken_at == utc("2025-08-24T09:00")
    from ml.clock import UK

    # 10:00 in London on 24 August (BST) is 09:00 UTC: the snapshot of 09:00 is known.
    bst = archive.season_file("E0", datetime(2025, 8, 24, 10, 0, tzinfo=UK))
    assert bst is not None and bst.taken_at == utc("2025-08-24T09:00")
    early = archive.season_file("E0", datetime(2025, 8, 24, 9, 59, tzinfo=UK))
    assert early is not None and early.taken_at == utc("2025-08-17T09:00")


def test_archive_season_from_the_argument(tmp_path: Path) -> None:
    folder = tmp_path / "any-name"
    write(folder / "E1_2025-08-17T0900.csv", HEADER, *ROWS[:1])
    with pytest.raises(
        SnapshotError, match=r"cannot tell the season of snapshot folder .*any-name"
    ):
        SnapshotArchive.open(folder)
    assert SnapshotArchive.open(folder, "2526").season == SEASON
    assert SnapshotArchive.open(folder, SEASON).leagues == ["E1"]


def test_archive_errors_name_the_folder_or_file(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"snapshot folder not found: .*nowhere"):
        SnapshotArchive.open(tmp_path / "nowhere")
    empty = tmp_path / "2025-26"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a snapshot")
    with pytest.raises(SnapshotError, match=r"no snapshots in .*2025-26"):
        SnapshotArchive.open(empty)
    write(empty / "E0_latest.csv", HEADER, *ROWS)
    with pytest.raises(SnapshotError, match=r"E0_latest\.csv: not a snapshot name"):
        SnapshotArchive.open(empty)
    (empty / "E0_latest.csv").unlink()
    write(empty / "E0_2025-13-40T0900.csv", HEADER, *ROWS)
    with pytest.raises(SnapshotError, match=r"E0_2025-13-40T0900\.csv: its capture time"):
        SnapshotArchive.open(empty)
    (empty / "E0_2025-13-40T0900.csv").unlink()
    write(empty / "E0_2025-08-17T0900.csv", HEADER, *ROWS)
    write(empty / "E0_2025-08-17T0900.CSV", HEADER, *ROWS)
    if len(list(empty.glob("E0_*"))) == 2:  # a case-sensitive file system
        with pytest.raises(SnapshotError, match=r"both E0 snapshots taken at 2025-08-17 09:00"):
            SnapshotArchive.open(empty)


def test_find_archives_takes_a_season_folder_or_a_folder_of_them(tmp_path: Path) -> None:
    root = make_source(tmp_path)
    one = find_archives(root / "snapshots" / "2025-26")
    assert list(one) == [SEASON]
    (root / "snapshots" / "old stuff").mkdir()
    write(root / "snapshots" / "2024-25" / "E0_2025-05-01T0900.csv", HEADER, ROWS[0])
    several = find_archives(root / "snapshots")
    assert sorted(several) == [Season(2024), SEASON]
    nothing = tmp_path / "nothing"
    (nothing / "old stuff").mkdir(parents=True)
    with pytest.raises(SnapshotError, match=r"no snapshots in .*nothing: expected season folders"):
        find_archives(nothing)


def test_the_real_archive_picks_the_snapshots_of_27_february(mirror: Path) -> None:
    archive = SnapshotArchive.open(mirror / "snapshots" / "2025-26")
    assert archive.season == SEASON and archive.leagues == ["E0"]
    assert len(archive.times("E0")) == 30 and len(archive.fixtures_times()) == 37
    at = utc("2026-02-27T18:56")
    season_file = archive.season_file("E0", at)
    fixtures = archive.fixtures_file(at)
    assert season_file is not None and fixtures is not None
    assert Path(season_file.location).name == "E0_2026-02-24T1324.csv"
    assert Path(fixtures.location).name == "fixtures_2026-02-27T1856.csv"


# --- plans at a clock --------------------------------------------------------------------------


def plan_at(root: Path, as_of: datetime | None, **options):
    settings = Settings(home=root / "home", source=str(root))
    seasons = options.pop("seasons", None)
    plan, notes = plan_sources(
        settings, seasons=seasons, include_fixtures=True, as_of=as_of, **options
    )
    return [(s.source_file, Path(s.location).name, s.known_before) for s in plan], notes


def test_without_a_clock_the_plain_files_as_always(tmp_path: Path) -> None:
    root = make_source(tmp_path)
    plan, notes = plan_at(root, None)
    assert plan == [
        ("E0/2425.csv", "2425.csv", None),
        ("E0/2526.csv", "2526.csv", None),
        ("fixtures.csv", "fixtures.csv", None),
    ]
    assert not notes


def test_inside_the_archive_the_latest_snapshots_at_or_before_the_clock(tmp_path: Path) -> None:
    root = make_source(tmp_path)
    plan, notes = plan_at(root, utc("2025-08-30T18:00"))
    assert plan == [
        ("E0/2425.csv", "2425.csv", None),  # a finished season: the plain file
        ("E0/2526.csv", "E0_2025-08-24T0900.csv", None),
        ("fixtures.csv", "fixtures_2025-08-22T1200.csv", None),
    ]
    assert not notes
    # The archive's last capture is still inside it.
    plan, _ = plan_at(root, utc("2025-08-31T09:00"))
    assert [name for _, name, _ in plan][1:] == [
        "E0_2025-08-31T0900.csv",
        "fixtures_2025-08-22T1200.csv",
    ]


def test_before_the_first_snapshot_nothing_of_the_season_and_no_fixtures(tmp_path: Path) -> None:
    root = make_source(tmp_path)
    plan, notes = plan_at(root, utc("2025-08-10T12:00"))
    assert plan == [("E0/2425.csv", "2425.csv", None)]
    assert any(
        "E0/2526.csv: no snapshot of it taken by 2025-08-10 12:00 UTC" in n
        and "season 2025-26 not loaded" in n
        for n in notes
    ), notes
    assert any("no fixtures snapshot taken by 2025-08-10 12:00 UTC" in n for n in notes), notes
    # Between the first fixtures snapshot and the first season snapshot.
    plan, notes = plan_at(root, utc("2025-08-16T08:00"))
    assert [name for _, name, _ in plan] == ["2425.csv", "fixtures_2025-08-15T1200.csv"]


def test_after_the_archive_the_plain_files_cut_at_the_clock(tmp_path: Path) -> None:
    root = make_source(tmp_path)
    plan, notes = plan_at(root, utc("2025-09-02T10:00"))
    assert plan == [
        ("E0/2425.csv", "2425.csv", None),
        ("E0/2526.csv", "2526.csv", date(2025, 9, 2)),
        ("fixtures.csv", "fixtures.csv", None),
    ]
    assert notes == [
        "E0/2526.csv: no snapshot for 2025-09-02 10:00 UTC (11:00 BST), inside its season, so "
        "only its rows dated before 2025-09-02 are loaded (the file may hold results published "
        "after the clock)"
    ]
    # The clock's UK date decides: 23:30 UTC on 1 September is 00:30 on the 2nd in London.
    plan, _ = plan_at(root, utc("2025-09-01T23:30"))
    assert plan[1][2] == date(2025, 9, 2)


def test_a_season_file_without_snapshots_is_cut_at_the_clock(tmp_path: Path) -> None:
    root = tmp_path / "src"
    write(root / "E1/2526.csv", HEADER.replace("E0", "E1"), "E1,15/08/2025,20:00,A,B,1,0,H")
    settings = Settings(home=tmp_path / "home", source=str(root), league="E1")
    plan, notes = plan_sources(
        settings, seasons=None, include_fixtures=False, as_of=utc("2026-01-10T12:00")
    )
    assert [(s.source_file, s.known_before) for s in plan] == [("E1/2526.csv", date(2026, 1, 10))]
    assert "only its rows dated before 2026-01-10 are loaded" in notes[0]


def test_seasons_that_start_after_the_clock_are_never_planned(tmp_path: Path) -> None:
    root = make_source(tmp_path)
    plan, notes = plan_at(root, utc("2025-06-30T12:00"))  # 2025-26 starts on 1 July
    # 2024-25's window runs to 31 July: its file is cut at the clock. The archive's first
    # fixtures snapshot is later, so the plain fixtures.csv (later still) is not read either.
    assert plan == [("E0/2425.csv", "2425.csv", date(2025, 6, 30))]
    assert "season 2025-26 starts after 2025-06-30 12:00 UTC (13:00 BST); not loaded" in notes
    assert any(n.startswith("no fixtures snapshot taken by 2025-06-30") for n in notes)
    # Named seasons too, on the web as locally.
    web = Settings(home=tmp_path / "home")
    plan_web, notes_web = plan_sources(
        web, seasons=[Season(2024), Season(2025)], include_fixtures=False, as_of=utc("2025-06-30")
    )
    assert [s.source_file for s in plan_web] == ["E0/2425.csv"]
    assert (
        notes_web[-1] == "season 2025-26 starts after 2025-06-30 00:00 UTC (01:00 BST); not loaded"
    )


def test_snapshots_only_seasons_are_planned_from_the_archive(tmp_path: Path) -> None:
    root = make_source(tmp_path, plain=False, plain_fixtures=False)
    plan, notes = plan_at(root, utc("2025-08-25T12:00"))
    assert [name for _, name, _ in plan] == [
        "2425.csv",
        "E0_2025-08-24T0900.csv",
        "fixtures_2025-08-22T1200.csv",
    ]
    assert not notes
    # Without a clock nothing changes: the plain files only.
    plan, notes = plan_at(root, None)
    assert [name for _, name, _ in plan] == ["2425.csv"]
    assert notes == [f"no fixtures.csv in {root}; fixtures not loaded"]


def test_an_archive_named_by_snapshots_serves_a_web_source(tmp_path: Path) -> None:
    archive = make_source(tmp_path / "src") / "snapshots" / "2025-26"
    settings = Settings(home=tmp_path / "home")  # football-data.co.uk
    plan, notes = plan_sources(
        settings,
        seasons=[Season(2024), Season(2025)],
        include_fixtures=True,
        as_of=utc("2025-08-25T12:00"),
        snapshots=archive,
    )
    assert [s.location.rsplit("/", 1)[-1] for s in plan] == [
        "E0.csv",
        "E0_2025-08-24T0900.csv",
        "fixtures_2025-08-22T1200.csv",
    ]
    assert plan[0].location.endswith("/mmz4281/2425/E0.csv") and not notes
    # The web's current season after the archive: the live file, cut at the clock.
    plan, _ = plan_sources(
        settings,
        seasons=None,
        include_fixtures=True,
        as_of=utc("2026-03-01T12:00"),
        snapshots=archive,
    )
    assert plan[-2].location.endswith("/mmz4281/2526/E0.csv")
    assert plan[-2].known_before == date(2026, 3, 1)
    assert plan[-1].location.endswith("/fixtures.csv")


def test_a_bad_archive_is_a_clear_error_when_used(tmp_path: Path) -> None:
    root = make_source(tmp_path)
    write(root / "snapshots/2025-26/E0 final.csv", HEADER, *ROWS)
    with pytest.raises(SnapshotError, match=r"E0 final\.csv: not a snapshot name"):
        plan_at(root, utc("2025-08-25T12:00"))
    plan, _ = plan_at(root, None)  # a run at the wall clock does not read the archive
    assert len(plan) == 3
    with pytest.raises(SnapshotError, match=r"snapshot folder not found: .*missing"):
        plan_at(root, None, snapshots=tmp_path / "missing")


# --- rows dated after the clock ----------------------------------------------------------------


def test_parse_withholds_rows_dated_on_or_after_known_before() -> None:
    data = ("\r\n".join([HEADER, *ROWS, "E0,bad,15:00,X,Y,1,0,H", ",,,,,,,"]) + "\r\n").encode()
    parsed = parse_file(
        data, source_file="E0/2526.csv", season=SEASON, known_before=date(2025, 8, 23)
    )
    assert [r.values["home_team"] for r in parsed.rows] == ["Liverpool", "Aston Villa"]
    assert parsed.rows_withheld == 2
    assert parsed.rows_in_file == 5  # the empty last row is no row
    assert [r.reason for r in parsed.rejected] == [
        "bad date 'bad' (expected dd/mm/yy or dd/mm/yyyy)"
    ]
    assert parsed.known_before == date(2025, 8, 23)
    whole = parse_file(data, source_file="E0/2526.csv", season=SEASON)
    assert (len(whole.rows), whole.rows_withheld) == (4, 0)
