"""Adversarial cases of ingestion (issue 11: F1-F8, F10 and the extras), on DuckDB and Postgres.

One table, ``CASES``: each case loads some files into a fresh warehouse, then the file it judges,
and states what must happen to that file (its load_log status and message, the reasons in
raw.rejected_rows) and to the warehouse (unchanged by a refused file; otherwise what it holds).
The cases that need more than a file (an unknown --league, credentials in a --source URL, a
server that never answers, a load killed half-way) follow the table. docs/reliability.md lists
every case and what it proves.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rich.console import Console

from ml.config import PROJECT_ROOT, PostgresSettings, Settings, get_settings
from ml.ingest import run_ingest
from ml.ingest.load import FileOutcome, latest_hashes, load_file
from ml.ingest.parse import MATCHES, ParsedRow
from ml.ingest.sources import Fetcher, FetchError, SourceFile, plan_files
from ml.ingest.teams import load_aliases
from ml.warehouse.connection import Connection, apply_ddl, connect

HEADER = (
    "Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR,HTHG,HTAG,HTR,Referee,HS,AS,HST,AST,HF,AF,"
    "B365H,B365D,B365A,MaxH,MaxD,MaxA"
)
FIELDS = HEADER.split(",")


def row(**changes: str) -> str:
    """A good 2024-25 Premier League row; keyword arguments replace columns by name."""
    values = dict(
        zip(
            FIELDS,
            [
                "E0",
                "17/08/2024",
                "15:00",
                "Arsenal",
                "Wolves",
                "2",
                "0",
                "H",
                "1",
                "0",
                "H",
                "J Gillett",
                "18",
                "9",
                "6",
                "3",
                "10",
                "12",
                "1.2",
                "7",
                "13",
                "1.22",
                "7.5",
                "15",
            ],
            strict=True,
        )
    )
    values.update(changes)
    return ",".join(values[f] for f in FIELDS)


GOOD = [
    row(),
    row(
        Date="17/08/2024",
        HomeTeam="Everton",
        AwayTeam="Brighton",
        FTHG="0",
        FTAG="3",
        FTR="A",
        HTHG="0",
        HTAG="1",
        HTR="A",
    ),
    row(
        Date="18/08/2024",
        Time="16:30",
        HomeTeam="Chelsea",
        AwayTeam="Man City",
        FTHG="0",
        FTAG="2",
        FTR="A",
        HTHG="0",
        HTAG="1",
        HTR="A",
        B365H="4.5",
        B365D="4",
        B365A="1.7",
        MaxH="4.8",
        MaxD="4.2",
        MaxA="1.75",
    ),
    row(
        Date="24/08/2024",
        HomeTeam="Nott'm Forest",
        AwayTeam="Southampton",
        FTHG="1",
        FTAG="0",
        FTR="H",
        HTHG="1",
        HTAG="0",
        HTR="H",
        B365H="1.9",
        B365D="3.5",
        B365A="4.2",
        MaxH="2",
        MaxD="3.6",
        MaxA="4.4",
    ),
]


def csv_bytes(*rows: str, header: str = HEADER, end: str = "\r\n", final: bool = True) -> bytes:
    return (end.join([header, *rows]) + (end if final else "")).encode("utf-8")


def season_file(*rows: str, **options) -> bytes:
    return csv_bytes(*(rows or GOOD), **options)


ORIGINAL = season_file()
CORRECTED = season_file(
    GOOD[0], GOOD[1], GOOD[2], GOOD[3].replace(",1,0,H,1,0,H,", ",1,1,D,1,0,H,")
)


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # the defect (F1...F10), "extra", or "held" (passed before issue 11 too)
    proves: str
    file: bytes  # the file judged
    status: str  # its raw.load_log status: loaded, unchanged, refused
    message: str = ""  # a regex its message must match
    rejected: str = ""  # a regex one of its raw.rejected_rows reasons must match
    before: tuple[bytes, ...] = ()  # files loaded first, in order
    name: str = "E0/2425.csv"  # the file's name: its season and kind come from it
    as_of: datetime | None = None
    check: Callable[[Connection], None] | None = None
    rows: int | None = None  # rows the judged file inserts
    extra: dict = field(default_factory=dict)


def latest_result(conn: Connection, home: str, away: str) -> tuple:
    """The result of the latest version of a match, keyed as ingestion keys it (canonical)."""
    aliases = load_aliases()
    probe = ParsedRow(
        0, {"league": "E0", "season": "2024-25", "home_team": home, "away_team": away}, "", ""
    )
    latest = latest_hashes(conn, "raw.matches", [probe])
    digest = latest[("E0", "2024-25", aliases.canonical(home), aliases.canonical(away))]
    return conn.fetchone(
        "select home_goals, away_goals, result from raw.matches where record_hash = ? limit 1",
        [digest],
    )


def forest_has_one_match(conn: Connection) -> None:
    rows = conn.fetchall(
        "select distinct home_team from raw.matches where away_team = 'Southampton'"
    )
    assert sorted(r[0] for r in rows) == ["Nott'm Forest", "Nottingham Forest"]  # as written
    assert latest_result(conn, "Nottingham Forest", "Southampton") == (2, 0, "H")


def no_absurd_price(conn: Connection) -> None:
    assert conn.scalar("select count(*) from raw.odds where price > 1000 or price <= 1") == 0


def shots_quarantined(conn: Connection) -> None:
    assert conn.fetchone(
        "select home_shots, home_shots_on_target, away_shots, home_goals from raw.matches"
        " where home_team = 'Arsenal'"
    ) == (None, None, 9, 2)


def fouls_quarantined(conn: Connection) -> None:
    assert conn.fetchone(
        "select home_fouls, away_fouls from raw.matches where home_team = 'Arsenal'"
    ) == (None, 12)


def loaded_as_fixtures(conn: Connection) -> None:
    assert conn.scalar("select count(*) from raw.fixtures") == 2
    assert conn.scalar("select count(*) from raw.matches") == 0


FIXTURES_HEADER = "Div,Date,Time,HomeTeam,AwayTeam,Referee,B365H,B365D,B365A"
NO_FTHG = HEADER.replace("FTHG,", "")


def _drop_column(line: str, position: int) -> str:
    parts = line.split(",")
    return ",".join(parts[:position] + parts[position + 1 :])


MANGLED = Path(os.environ.get("PLPRED_MIRROR", PROJECT_ROOT.parent / "shared/data/football-data"))

CASES = [
    # --- F1: the latest content counts, not whether the bytes were seen ----------------------
    Case(
        "F1-revert-to-the-original",
        "F1",
        "A, corrected B, then A again: A's result is the latest",
        ORIGINAL,
        "loaded",
        r"0 new, 1 changed",
        before=(ORIGINAL, CORRECTED),
        check=lambda c: _eq(latest_result(c, "Nott'm Forest", "Southampton"), (1, 0, "H")),
        rows=1,
    ),
    Case(
        "F1-correction-loads",
        "F1",
        "a corrected result is a new version",
        CORRECTED,
        "loaded",
        r"0 new, 1 changed",
        before=(ORIGINAL,),
        check=lambda c: _eq(latest_result(c, "Nott'm Forest", "Southampton"), (1, 1, "D")),
        rows=1,
    ),
    Case(
        "F1-same-file-twice",
        "F1",
        "the same bytes again, nothing newer between: skipped",
        ORIGINAL,
        "unchanged",
        r"same file as load",
        before=(ORIGINAL,),
        rows=0,
    ),
    Case(
        "F1-revert-twice",
        "F1",
        "A, B, A, then A again: the last is a no-op",
        ORIGINAL,
        "unchanged",
        r"same file as load",
        before=(ORIGINAL, CORRECTED, ORIGINAL),
        rows=0,
    ),
    # --- F2: canonical teams in the key --------------------------------------------------------
    Case(
        "F2-spelling-change-is-a-version",
        "F2",
        "Nott'm Forest spelt Nottingham Forest in a corrected file: a new version, not a new match",
        season_file(
            GOOD[0],
            GOOD[1],
            GOOD[2],
            GOOD[3]
            .replace("Nott'm Forest", "Nottingham Forest")
            .replace(",1,0,H,1,0,H,", ",2,0,H,1,0,H,"),
        ),
        "loaded",
        r"0 new, 1 changed",
        before=(ORIGINAL,),
        check=forest_has_one_match,
        rows=1,
    ),
    Case(
        "F2-spelling-change-alone",
        "F2",
        "only the spelling changed: one new version of the same match",
        season_file(GOOD[0], GOOD[1], GOOD[2], GOOD[3].replace("Nott'm Forest", "Nottm Forest")),
        "loaded",
        r"0 new, 1 changed",
        before=(ORIGINAL,),
        rows=1,
    ),
    Case(
        "F2-unknown-spelling-refused",
        "F2",
        "a spelling the seed does not know: refused, naming file, line, name and the fix",
        season_file(GOOD[0], GOOD[1], GOOD[2], GOOD[3].replace("Nott'm Forest", "Notts Forest FC")),
        "refused",
        r"E0/2425\.csv: league E0 names 1 team\(s\) not in team_aliases\.csv: 'Notts Forest FC' \(line 5\).*add the line \"Notts Forest FC,",
        before=(ORIGINAL,),
    ),
    Case(
        "F2-league-without-aliases-warns",
        "F2",
        "a league the seed knows nothing of loads with a warning (names kept as written)",
        season_file(
            *(
                r.replace("E0,", "SP1,", 1)
                .replace("Arsenal", "Betis")
                .replace("Wolves", "Celta")
                .replace("Everton", "Alaves")
                .replace("Brighton", "Getafe")
                .replace("Chelsea", "Sevilla")
                .replace("Man City", "Villarreal")
                .replace("Nott'm Forest", "Osasuna")
                .replace("Southampton", "Girona")
                for r in GOOD
            )
        ),
        "loaded",
        r"warning: league SP1: none of its 8 team names",
        name="SP1/2425.csv",
        rows=4,
    ),
    # --- F3: prices ----------------------------------------------------------------------------
    *[
        Case(
            f"F3-price-{label}",
            "F3",
            f"a price of {price} is refused, naming row and column",
            season_file(row(B365H=price), *GOOD[1:]),
            "loaded",
            r"1 rows rejected \(line 2: B365H",
            rejected=rf"^B365H {re.escape(price)} is not",
            check=no_absurd_price,
            rows=3,
        )
        for label, price in [
            ("1e9", "1e9"),
            ("1001", "1001"),
            ("one", "1.0"),
            ("half", "0.5"),
            ("negative", "-2.5"),
            ("inf", "inf"),
        ]
    ],
    Case(
        "F3-overround-too-low",
        "F3",
        "one absurd but in-range price trips the overround band",
        season_file(row(B365H="500"), *GOOD[1:]),
        "loaded",
        r"overround of 0\.222",
        rejected=r"^B365H/D/A prices \(B365H 500, B365D 7, B365A 13\) have an overround of 0\.\d+, outside the plausible 0\.90 to 1\.40",
        rows=3,
    ),
    Case(
        "F3-overround-too-high",
        "F3",
        "a book whose prices sum to 200% is refused",
        season_file(row(B365H="1.5", B365D="1.5", B365A="1.5"), *GOOD[1:]),
        "loaded",
        rejected=r"overround of 2\.000",
        rows=3,
    ),
    Case(
        "F3-market-maximum-may-arbitrage",
        "F3",
        "best prices across books (Max) may sum below 1: not refused",
        season_file(row(MaxH="1.6", MaxD="9", MaxA="20"), *GOOD[1:]),
        "loaded",
        rows=4,
    ),
    Case(
        "F3-zero-is-no-price",
        "F3",
        "0 is football-data's placeholder: no price, the row loads",
        season_file(row(B365H="0", B365D="0", B365A="0"), *GOOD[1:]),
        "loaded",
        rows=4,
    ),
    # --- F4: results after the clock ------------------------------------------------------------
    Case(
        "F4-result-after-the-clock",
        "F4",
        "a result for a 15:00 BST kickoff loaded at 13:00 UTC the same day is refused",
        season_file(
            GOOD[0],
            row(
                Time="12:30",
                HomeTeam="Ipswich",
                AwayTeam="Liverpool",
                FTHG="0",
                FTAG="2",
                FTR="A",
                HTHG="0",
                HTAG="0",
                HTR="D",
                B365H="5",
                B365D="4",
                B365A="1.6",
                MaxH="5.2",
                MaxD="4.2",
                MaxA="1.65",
            ),
            row(
                Date="16/08/2024",
                Time="20:00",
                HomeTeam="Man United",
                AwayTeam="Fulham",
                FTHG="1",
                FTAG="0",
                FTR="H",
                HTHG="0",
                HTAG="0",
                HTR="D",
                B365H="1.6",
                B365D="4.2",
                B365A="5",
                MaxH="1.65",
                MaxD="4.4",
                MaxA="5.3",
            ),
        ),
        "loaded",
        rejected=r"^result 2-0 for a match dated 17/08/2024 15:00 \(UK\), after the load's clock 2024-08-17 13:00 UTC",
        as_of=datetime(2024, 8, 17, 13, 0, tzinfo=UTC),
        rows=2,
    ),
    Case(
        "F4-result-after-kickoff-is-fine",
        "F4",
        "the same result loaded at 14:30 UTC (after the 14:00 UTC kickoff) loads",
        season_file(GOOD[0], GOOD[1]),
        "loaded",
        as_of=datetime(2024, 8, 17, 14, 30, tzinfo=UTC),
        rows=2,
    ),
    Case(
        "F4-future-result-now",
        "F4",
        "a result dated next year, loaded now, is refused",
        season_file(*GOOD[:3], row(Date=f"01/01/{datetime.now(UTC).year + 1}")),
        "loaded",
        rejected=r"after the load's clock",
        name="E0/nextyear.csv",
        rows=3,
    ),
    # --- F5: cut rows ---------------------------------------------------------------------------
    Case(
        "F5-last-row-cut",
        "F5",
        "a file cut mid-price (3 of 3.7) refuses its last row",
        season_file(*GOOD[:3], GOOD[3][: GOOD[3].rindex(",3.6,") + 2], final=False),
        "loaded",
        rejected=r"^last line cut short: 23 of 24 fields and no line end",
        rows=3,
    ),
    Case(
        "F5-short-row",
        "F5",
        "a row with fewer fields than the header is refused",
        season_file(GOOD[0], GOOD[1].rsplit(",", 3)[0], *GOOD[2:]),
        "loaded",
        rejected=r"^row cut short: 21 of 24 fields",
        rows=3,
    ),
    Case(
        "F5-last-row-whole-without-line-end",
        "F5",
        "a whole last row without a line end loads",
        season_file(final=False),
        "loaded",
        rows=4,
    ),
    # --- F6: a season file must carry results ----------------------------------------------------
    Case(
        "F6-results-without-FTHG",
        "F6",
        "a season file that lost FTHG is refused, not loaded as fixtures",
        csv_bytes(*(_drop_column(r, 5) for r in GOOD), header=NO_FTHG),
        "refused",
        r"should be a results file but has no result columns",
        name="E0/2425.csv",
    ),
    Case(
        "F6-fixtures-when-asked",
        "F6",
        "a file named fixtures*.csv loads as fixtures",
        csv_bytes(
            "E0,20/12/2099,15:00,Arsenal,Wolves,,2.1,3.3,3.5",
            "SP1,21/12/2099,20:00,Betis,Celta,,2.0,3.4,3.6",
            header=FIXTURES_HEADER,
        ),
        "loaded",
        name="fixtures.csv",
        check=loaded_as_fixtures,
        rows=2,
    ),
    # --- F7: impossible values ------------------------------------------------------------------
    Case(
        "F7-goals-99",
        "F7",
        "99 goals is refused",
        season_file(row(FTHG="99"), *GOOD[1:]),
        "loaded",
        rejected=r"^FTHG 99 is more goals than can be true \(at most 20\)",
        rows=3,
    ),
    Case(
        "F7-half-time-above-full-time",
        "F7",
        "half-time goals above full-time goals are refused",
        season_file(row(HTHG="3", HTR="H"), *GOOD[1:]),
        "loaded",
        rejected=r"^HTHG 3 is more than FTHG 2: half-time goals cannot exceed",
        rows=3,
    ),
    Case(
        "F7-negative-count",
        "F7",
        "a negative count is refused",
        season_file(row(HS="-4"), *GOOD[1:]),
        "loaded",
        rejected=r"^HS '-4' is negative",
        rows=3,
    ),
    Case(
        "F7-shots-on-target-above-shots",
        "F7",
        "shots on target above shots: both quarantined, the result loads",
        season_file(row(HS="5", HST="9"), *GOOD[1:]),
        "loaded",
        r"values of 1 rows quarantined",
        rejected=r"^quarantined, the row loaded without them: HST 9 is more than HS 5",
        check=shots_quarantined,
        rows=4,
    ),
    Case(
        "F7-fouls-above-bound",
        "F7",
        "500 fouls: the value is quarantined, the row loads",
        season_file(row(HF="500"), *GOOD[1:]),
        "loaded",
        rejected=r"^quarantined, the row loaded without them: HF 500 is above 60",
        check=fouls_quarantined,
        rows=4,
    ),
    Case(
        "F7-fractional-goals",
        "held",
        "goals of 2.5 are refused",
        season_file(row(FTHG="2.5"), *GOOD[1:]),
        "loaded",
        rejected=r"FTHG '2\.5' is not a whole number",
        rows=3,
    ),
    # --- extras -------------------------------------------------------------------------------
    Case(
        "extra-all-rows-already-loaded",
        "extra",
        "a new file whose rows all duplicate loaded rows says it added nothing",
        season_file(*GOOD, end="\n"),
        "unchanged",
        r"^added nothing: all 4 rows are already loaded",
        before=(ORIGINAL,),
        rows=0,
    ),
    Case(
        "extra-conflicting-duplicates",
        "extra",
        "the same match twice with different values: refused",
        season_file(*GOOD, row(FTHG="3")),
        "refused",
        r"lines 2 and 6 are both Arsenal v Wolverhampton Wanderers \(2024-25\) with different values \(FTHG 2 against 3\)",
    ),
    Case(
        "extra-identical-duplicates",
        "extra",
        "the same row twice: the first kept, the second rejected",
        season_file(*GOOD, GOOD[0]),
        "loaded",
        rejected=r"^duplicate of line 2: .*identical; the first is kept",
        rows=4,
    ),
    Case(
        "extra-same-match-two-spellings-in-one-file",
        "extra",
        "Wolves and Wolverhampton in one file are one match: refused when they differ",
        season_file(*GOOD, row(AwayTeam="Wolverhampton", FTHG="3", FTR="H")),
        "refused",
        r"lines 2 and 6 are both Arsenal v Wolverhampton Wanderers",
    ),
    # --- held before issue 11 -------------------------------------------------------------------
    Case("held-empty-file", "held", "an empty file is refused", b"", "refused", r"is empty"),
    Case(
        "held-html-page",
        "held",
        "an HTML page is refused",
        b"<!DOCTYPE html><html><body>404</body></html>",
        "refused",
        r"is an HTML page",
    ),
    Case(
        "held-binary",
        "held",
        "a binary file is refused",
        bytes(range(256)) * 4,
        "refused",
        r"NUL bytes|not a football-data CSV",
    ),
    Case(
        "held-not-football-data",
        "held",
        "a CSV of something else is refused",
        b"name,price\nwidget,3\n",
        "refused",
        r"is not a football-data CSV: its header has no Div, Date",
    ),
    Case(
        "held-header-only",
        "held",
        "a header without rows loads nothing",
        csv_bytes(),
        "refused",
        r"cannot tell its season|no dated rows",
        name="E0/unknown.csv",
    ),
    Case(
        "held-bom-crlf",
        "held",
        "a BOM and CRLF line ends load",
        b"\xef\xbb\xbf" + season_file(),
        "loaded",
        rows=4,
    ),
    Case(
        "held-latin-1",
        "held",
        "a cp1252 file loads and says so",
        season_file(*GOOD[:3], GOOD[3].replace("J Gillett", "J Gillétt")).decode().encode("cp1252"),
        "loaded",
        r"read as cp1252",
        rows=4,
    ),
    Case(
        "held-lf-and-trailing-empty-rows",
        "held",
        "LF line ends and trailing rows of commas load",
        season_file(*GOOD, "," * (len(FIELDS) - 1), end="\n"),
        "loaded",
        rows=4,
    ),
    Case(
        "held-goals-written-2.0",
        "held",
        "goals written 2.0 load as 2",
        season_file(row(FTHG="2.0"), *GOOD[1:]),
        "loaded",
        rows=4,
    ),
    Case(
        "held-bad-date",
        "held",
        "an unreadable date refuses the row",
        season_file(row(Date="32/13/2024"), *GOOD[1:]),
        "loaded",
        rejected=r"^bad date '32/13/2024'",
        rows=3,
    ),
    Case(
        "held-bad-time",
        "held",
        "an unreadable time refuses the row",
        season_file(row(Time="25:99"), *GOOD[1:]),
        "loaded",
        rejected=r"^bad kick-off time",
        rows=3,
    ),
    Case(
        "held-result-contradicts-goals",
        "held",
        "a result letter that contradicts the goals refuses the row",
        season_file(row(FTR="A"), *GOOD[1:]),
        "loaded",
        rejected=r"full-time result A does not match the score 2-0",
        rows=3,
    ),
    Case(
        "held-missing-team",
        "held",
        "a row without a home team is refused",
        season_file(row(HomeTeam=""), *GOOD[1:]),
        "loaded",
        rejected=r"^missing home team",
        rows=3,
    ),
    Case(
        "held-same-team-twice",
        "held",
        "a team playing itself is refused",
        season_file(row(AwayTeam="Arsenal"), *GOOD[1:]),
        "loaded",
        rejected=r"home and away team are both",
        rows=3,
    ),
    Case(
        "held-mostly-garbage",
        "held",
        "a file most of whose rows cannot be read is refused whole",
        season_file(*(row(Date="x") for _ in range(3)), GOOD[1]),
        "refused",
        r"3 of 4 rows cannot be parsed",
    ),
    Case(
        "held-mixed-leagues",
        "held",
        "a results file with two leagues is refused",
        season_file(*GOOD[:3], GOOD[3].replace("E0,", "E1,", 1)),
        "refused",
        r"mixes leagues \(E0, E1\)",
    ),
    Case(
        "held-wrong-season",
        "held",
        "a 2024-25 file named as 2023-24 is refused",
        season_file(),
        "refused",
        r"claims season 2023-24 .* 4 of 4 rows fall outside it",
        name="E0/2324.csv",
    ),
    Case(
        "held-wrong-league",
        "held",
        "a file whose Div disagrees with the folder's league is refused",
        season_file(),
        "refused",
        r"is league E0 \(Div\), expected E1",
        extra={"league": "E1"},
    ),
    Case(
        "held-quoted-newline",
        "held",
        "a quoted line break inside a field is read as one field",
        season_file(row(Referee='"J\nGillett"'), *GOOD[1:]),
        "loaded",
        rows=4,
    ),
]


def _eq(actual, expected) -> None:
    assert actual == expected, (actual, expected)


def fingerprint(conn: Connection) -> dict[str, tuple]:
    return {
        table: conn.fetchone(f"select count(*), count(distinct load_id) from {table}")
        for table in ("raw.matches", "raw.fixtures", "raw.odds", "raw.rejected_rows")
    }


def source_for(case: Case, tmp_path: Path, data: bytes) -> SourceFile:
    path = tmp_path / case.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    (source,) = plan_files([path], None)
    if "league" in case.extra:
        from dataclasses import replace

        source = replace(source, league=case.extra["league"])
    return source


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Settings]:
    """One warehouse per target for the whole table (creating a Postgres database per case would
    take most of the suite's time); each case starts from empty raw tables."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLPRED_HOME", str(home))
        patch.delenv("PLPRED_DUCKDB_PATH", raising=False)
        if request.param == "duckdb":
            yield get_settings(target="duckdb")
            return
        import psycopg2

        admin_settings = PostgresSettings.from_env()
        try:
            admin = psycopg2.connect(admin_settings.dsn("postgres"), connect_timeout=3)
        except psycopg2.OperationalError as exc:
            if os.environ.get("PLPRED_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"no PostgreSQL: {exc}")
            pytest.skip(f"no PostgreSQL: {exc}")
        admin.autocommit = True
        dbname = f"plpred_adv_{uuid.uuid4().hex[:12]}"
        admin.cursor().execute(f'create database "{dbname}"')
        patch.setenv("PGDATABASE", dbname)
        try:
            yield get_settings(target="postgres")
        finally:
            admin.cursor().execute(f'drop database if exists "{dbname}" with (force)')
            admin.close()


RAW_TABLES = ("raw.matches", "raw.fixtures", "raw.odds", "raw.rejected_rows", "raw.load_log")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, warehouse: Settings, tmp_path: Path) -> None:
    with connect(warehouse) as conn:
        apply_ddl(conn)
        with conn.transaction():
            for table in RAW_TABLES:
                conn.execute(f"delete from {table}")
        for data in case.before:
            loaded = load_file(conn, source_for(case, tmp_path, data), data)
            assert loaded.ok, loaded.message
        before = fingerprint(conn)
        outcome: FileOutcome = load_file(
            conn, source_for(case, tmp_path, case.file), case.file, known_at=case.as_of
        )
        after = fingerprint(conn)
        reasons = [
            r[0]
            for r in conn.fetchall(
                "select reason from raw.rejected_rows where load_id = ?", [outcome.load_id]
            )
        ]
        log = conn.fetchall(
            "select status, message from raw.load_log where load_id = ?", [outcome.load_id]
        )
        if case.check is not None:
            case.check(conn)

    assert outcome.status == case.status, outcome.message
    assert log == [(case.status, outcome.message)]
    if case.message:
        assert re.search(case.message, outcome.message), outcome.message
    if case.rejected:
        assert any(re.search(case.rejected, r) for r in reasons), reasons
    else:
        assert (
            not [r for r in reasons if not r.startswith("quarantined")] or case.status == "refused"
        ), reasons
    if case.status == "refused" or case.rows == 0:
        assert after == before  # a refused file, or one that adds nothing, leaves it as it was
    if case.rows is not None:
        assert outcome.rows_inserted == case.rows, outcome.message
    assert "Traceback" not in outcome.message


# --- cases that need more than a file ----------------------------------------------------------


def _ingest(settings: Settings, **options) -> tuple[object, str]:
    console = Console(file=io.StringIO(), width=200)
    summary = run_ingest(
        settings,
        seasons=options.pop("seasons", None),
        files=options.pop("files", None),
        file_season=None,
        include_fixtures=options.pop("include_fixtures", False),
        console=console,
        **options,
    )
    return summary, console.file.getvalue()


def test_F8_unknown_league_lists_the_known_codes(duckdb_settings: Settings) -> None:
    from dataclasses import replace

    summary, output = _ingest(replace(duckdb_settings, league="XX"))
    assert not summary.ok
    assert "unknown league 'XX'" in output and "E0 (England Premier League)" in output
    assert "SP1" in output


def test_F8_plpred_ingest_league_XX_exits_non_zero(
    duckdb_settings: Settings, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from ml.orchestration.cli import app

    done = CliRunner().invoke(app, ["ingest", "--league", "XX", "--source", str(tmp_path)])
    assert done.exit_code != 0, done.output
    assert "unknown league 'XX'" in done.output
    assert "E0 (England Premier League)" in done.output


class _Handler(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    seen_auth: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self.seen_auth.append(self.headers.get("Authorization", ""))
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"files": {}, "seen_auth": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_F10_credentials_in_the_source_url_are_never_printed_or_stored(
    any_settings: Settings, server, caplog: pytest.LogCaptureFixture, capfd
) -> None:
    from dataclasses import replace

    address, handler = server
    handler.files["/mmz4281/2425/E0.csv"] = ORIGINAL
    settings = replace(any_settings, source=f"http://user:secret@{address}")
    caplog.set_level("DEBUG")
    summary, output = _ingest(settings, seasons="2324-2425", today=datetime(2025, 6, 1).date())
    # 2324 is missing on the server (a failure whose message names the URL), 2425 loads.
    assert [f.status for f in summary.files] == ["failed", "loaded"], output
    assert any(a.startswith("Basic ") for a in handler.seen_auth)  # the credentials were used
    with connect(settings) as conn:
        for table in ("raw.load_log", "raw.matches", "raw.odds", "raw.rejected_rows"):
            columns = [c[0] for c in conn.execute(f"select * from {table} limit 0").description]
            text = " ".join(str(v) for r in conn.fetchall(f"select * from {table}") for v in r)
            assert "secret" not in text, (table, columns)
        uris = [r[0] for r in conn.fetchall("select source_uri from raw.load_log")]
    assert all(u.startswith(f"http://***@{address}/") for u in uris), uris
    captured = capfd.readouterr()
    for text in (output, caplog.text, captured.out, captured.err):
        assert "secret" not in text
    cached = list(Path(settings.cache_dir).rglob("*.meta.json"))
    assert cached and all("secret" not in p.read_text() for p in cached)


def test_a_server_that_never_answers_fails_fast_with_one_message(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # accepts connections (the kernel does), never answers
    port = listener.getsockname()[1]
    try:
        sources = [
            SourceFile(f"http://127.0.0.1:{port}/mmz4281/{c}/E0.csv", f"E0/{c}.csv", MATCHES, "E0")
            for c in ("2223", "2324", "2425")
        ]
        started = time.monotonic()
        errors = []
        with Fetcher(tmp_path, timeout_seconds=1.0, backoff_seconds=0.01) as fetcher:
            for source in sources:
                with pytest.raises(FetchError) as failed:
                    fetcher.read(source)
                errors.append(str(failed.value))
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert elapsed < 5, elapsed  # one timeout, not 4 attempts per file
    assert "accepted the connection but sent no answer within 1 s" in errors[0]
    assert all("not tried" in e for e in errors[1:]), errors


_KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import ml.ingest.load as load
    from ml.config import get_settings
    from ml.ingest.sources import plan_files
    from ml.warehouse.connection import apply_ddl, connect

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    load._land = die  # killed half-way through the load, after its started row
    path = Path(sys.argv[1])
    with connect(get_settings()) as conn:
        apply_ddl(conn)
        load.load_file(conn, plan_files([path], None)[0], path.read_bytes())
    """
)


def test_a_load_killed_half_way_is_visible_and_finished_later(
    any_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "E0" / "2425.csv"
    path.parent.mkdir()
    path.write_bytes(ORIGINAL)
    env = os.environ | {
        "PLPRED_HOME": str(any_settings.home),
        "PLPRED_TARGET": any_settings.target,
    }
    done = subprocess.run(
        [sys.executable, "-c", _KILL_SCRIPT, str(path)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    with connect(any_settings) as conn:
        apply_ddl(conn)
        log = conn.fetchall("select load_id, status from raw.load_log")
        assert [s for _, s in log] == ["started"]  # visible
        assert conn.scalar("select count(*) from raw.matches") == 0
    summary, output = _ingest(any_settings, files=[path])
    assert summary.ok, output
    assert "interrupted: started" in output
    with connect(any_settings) as conn:
        statuses = sorted(s for _, s in conn.fetchall("select load_id, status from raw.load_log"))
        assert statuses == ["failed", "loaded", "started", "started"]
        (killed,) = [i for i, _ in log]
        assert (
            conn.scalar(
                "select status from raw.load_log where load_id = ?",
                [killed.removesuffix(":started")],
            )
            == "failed"
        )
