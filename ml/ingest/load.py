"""Writing parsed files to the raw tables: one transaction per file, append-only, idempotent.

A row version is inserted only when its natural key (league, season, home_team, away_team) has no
latest version with the same ``record_hash``; the latest version of a key is the one with the
greatest ``loaded_at`` (ties, which sequential loads do not produce, broken by the greater
``load_id``). So the same file twice inserts nothing, a newer snapshot inserts its new matches and
a new version of each changed one, and history is never updated or deleted. Odds rows are written
for exactly the row versions inserted (same ``load_id`` and ``row_number``).

Every file attempt leaves one ``raw.load_log`` row. A refused or failed file is rolled back whole
and its log row is written afterwards in a transaction of its own, so the warehouse holds nothing
of it but the record that it was tried.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ml.ingest.parse import (
    FIXTURE_COLUMNS,
    FIXTURES,
    MATCH_COLUMNS,
    MATCHES,
    FileRefused,
    ParsedFile,
    ParsedRow,
    file_hash,
    parse_file,
)
from ml.ingest.sources import SourceFile
from ml.warehouse import Connection

LOADED = "loaded"
UNCHANGED = "unchanged"
REFUSED = "refused"
FAILED = "failed"
STATUSES = (LOADED, UNCHANGED, REFUSED, FAILED)

_INGEST_LOCK = 0x706C70726564  # "plpred": the advisory lock key of raw-table loads
_TABLES = {MATCHES: "raw.matches", FIXTURES: "raw.fixtures"}
_TYPED_COLUMNS = {MATCHES: MATCH_COLUMNS, FIXTURES: FIXTURE_COLUMNS}
_INTEGER_COLUMNS = frozenset(
    c
    for c in MATCH_COLUMNS
    if c.endswith(("_goals", "_shots", "_target", "_fouls", "_corners", "_yellows", "_reds"))
    or c == "attendance"
)


@dataclass
class FileOutcome:
    """What happened to one file; mirrors its ``raw.load_log`` row plus the odds count."""

    load_id: str
    source_file: str
    source_uri: str
    kind: str
    status: str
    league: str | None = None
    season: str | None = None
    file_hash: str | None = None
    rows_in_file: int = 0
    rows_inserted: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    odds_inserted: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (LOADED, UNCHANGED)


def new_load_id(started_at: datetime) -> str:
    """Sortable by start time, unique across processes."""
    return f"{started_at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"


def utc_now() -> datetime:
    """Naive UTC: the raw tables use ``timestamp`` without time zone, always in UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def load_file(conn: Connection, source: SourceFile, data: bytes) -> FileOutcome:
    """Parse ``data`` and land it in one transaction; refusals are logged, never raised."""
    started_at = utc_now()
    outcome = FileOutcome(
        load_id=new_load_id(started_at),
        source_file=source.source_file,
        source_uri=source.source_uri,
        kind=source.kind or "unknown",
        status=FAILED,
        league=source.league,
        season=source.season.label if source.season else None,
        file_hash=file_hash(data),
    )
    try:
        with conn.transaction():
            if conn.target == "postgres":
                # Two runs comparing hashes at once could both insert the same version; DuckDB
                # has one writer anyway, Postgres serialises file loads on this lock.
                conn.execute("select pg_advisory_xact_lock(?)", [_INGEST_LOCK])
            previous = _seen_before(conn, source, outcome.file_hash)
            if previous is not None:
                _mark_seen_before(outcome, previous)
            else:
                parsed = parse_file(
                    data,
                    source_file=source.source_file,
                    kind=source.kind,
                    league=source.league,
                    season=source.season,
                    season_hint=source.season_hint,
                )
                _land(conn, outcome, parsed, started_at)
            _write_log(conn, outcome, started_at)
    except FileRefused as exc:
        outcome.status = REFUSED
        outcome.message = str(exc)
        _reset_counts(outcome)
        with conn.transaction():
            _write_log(conn, outcome, started_at)
    return outcome


def record_failure(
    conn: Connection, source: SourceFile, message: str, *, status: str = FAILED
) -> FileOutcome:
    """Log a file that could not be fetched or read (nothing else is written). ``status`` is
    ``unchanged`` for an optional file that is not published yet: nothing to load is no failure."""
    started_at = utc_now()
    outcome = FileOutcome(
        load_id=new_load_id(started_at),
        source_file=source.source_file,
        source_uri=source.source_uri,
        kind=source.kind or "unknown",
        status=status,
        league=source.league,
        season=source.season.label if source.season else None,
        message=message,
    )
    with conn.transaction():
        _write_log(conn, outcome, started_at)
    return outcome


def _seen_before(conn: Connection, source: SourceFile, digest: str | None) -> tuple | None:
    """The first successful load of the same bytes, unless this attempt claims another league or
    season for them (then the file is parsed again, and refused when the claim is wrong)."""
    previous = conn.fetchone(
        "select load_id, file_kind, league, season, rows_in_file, rows_rejected "
        "from raw.load_log where file_hash = ? and status in (?, ?) "
        "order by started_at limit 1",
        [digest, LOADED, UNCHANGED],
    )
    if previous is None:
        return None
    _, kind, league, season, _, _ = previous
    claims = [
        (source.kind, kind),
        (source.league, league),
        (source.season.label if source.season else None, season),
    ]
    if any(claimed is not None and claimed != seen for claimed, seen in claims):
        return None
    return previous


def _mark_seen_before(outcome: FileOutcome, previous: Sequence[Any]) -> None:
    load_id, kind, league, season, rows_in_file, rows_rejected = previous
    outcome.status = UNCHANGED
    outcome.kind, outcome.league, outcome.season = kind, league, season
    outcome.rows_in_file = rows_in_file or 0
    outcome.rows_unchanged = (rows_in_file or 0) - (rows_rejected or 0)
    outcome.message = f"same file as load {load_id}; nothing to do"


def _reset_counts(outcome: FileOutcome) -> None:
    outcome.rows_inserted = outcome.rows_unchanged = outcome.rows_rejected = 0
    outcome.odds_inserted = 0


def _land(conn: Connection, outcome: FileOutcome, parsed: ParsedFile, loaded_at: datetime) -> None:
    table = _TABLES[parsed.kind]
    outcome.kind = parsed.kind
    outcome.league = parsed.league
    outcome.season = parsed.season
    latest = latest_hashes(conn, table, parsed.rows)
    inserted = [row for row in parsed.rows if latest.get(row.key) != row.record_hash]
    changed = sum(1 for row in inserted if row.key in latest)

    conn.insert_df(table, _rows_frame(parsed, inserted, outcome, loaded_at))
    outcome.odds_inserted = conn.insert_df("raw.odds", _odds_frame(parsed, inserted, outcome))
    conn.insert_df("raw.rejected_rows", _rejected_frame(parsed, outcome, loaded_at))

    outcome.rows_in_file = parsed.rows_in_file
    outcome.rows_inserted = len(inserted)
    outcome.rows_unchanged = len(parsed.rows) - len(inserted)
    outcome.rows_rejected = len(parsed.rejected)
    outcome.status = LOADED if inserted else UNCHANGED
    parts = [
        f"{len(inserted) - changed:,} new, {changed:,} changed; {outcome.odds_inserted:,} prices"
    ]
    if parsed.rejected:
        first = parsed.rejected[0]
        parts.append(
            f"{len(parsed.rejected)} rows rejected (line {first.line_number}: {first.reason})"
        )
    if parsed.encoding != "utf-8-sig":
        parts.append(f"read as {parsed.encoding}")
    outcome.message = "; ".join(parts)


def latest_hashes(
    conn: Connection, table: str, rows: Iterable[ParsedRow]
) -> dict[tuple[str, str, str, str], str]:
    """The record_hash of the latest version of every key in the leagues and seasons of ``rows``,
    in one query per file rather than one per row."""
    leagues = sorted({row.key[0] for row in rows})
    seasons = sorted({row.key[1] for row in rows})
    if not leagues:
        return {}
    sql = (
        "select league, season, home_team, away_team, record_hash from ("
        " select league, season, home_team, away_team, record_hash, row_number() over ("
        "  partition by league, season, home_team, away_team"
        "  order by loaded_at desc, load_id desc) as version_rank"
        f" from {table}"
        f" where league in ({', '.join('?' * len(leagues))})"
        f" and season in ({', '.join('?' * len(seasons))})"
        ") as ranked where version_rank = 1"
    )
    return {
        (league, season, home, away): record_hash
        for league, season, home, away, record_hash in conn.fetchall(sql, [*leagues, *seasons])
    }


def _rows_frame(
    parsed: ParsedFile, rows: Sequence[ParsedRow], outcome: FileOutcome, loaded_at: datetime
) -> pd.DataFrame:
    typed = _TYPED_COLUMNS[parsed.kind]
    frame = pd.DataFrame(
        {
            "load_id": outcome.load_id,
            "source_file": outcome.source_file,
            "file_hash": outcome.file_hash,
            "row_number": pd.array([r.line_number for r in rows], dtype="Int64"),
            "loaded_at": loaded_at,
            **{
                column: (
                    pd.array([r.values[column] for r in rows], dtype="Int64")
                    if column in _INTEGER_COLUMNS
                    else [r.values[column] for r in rows]
                )
                for column in typed
            },
            "record_hash": [r.record_hash for r in rows],
            "record": [r.record for r in rows],
        },
        index=range(len(rows)),
    )
    return frame


def _odds_frame(
    parsed: ParsedFile, rows: Sequence[ParsedRow], outcome: FileOutcome
) -> pd.DataFrame:
    records = []
    for row in rows:
        v = row.values
        meta = (v["league"], v["season"], v["match_date"], v["home_team"], v["away_team"])
        records.extend((*meta, *price) for price in row.odds)
    columns = [
        "league",
        "season",
        "match_date",
        "home_team",
        "away_team",
        "row_number",
        "source_column",
        "bookmaker",
        "market",
        "selection",
        "line",
        "period",
        "price",
    ]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["line"] = pd.array(frame["line"].tolist(), dtype="Float64")
    frame["price"] = frame["price"].astype("float64")
    frame["row_number"] = frame["row_number"].astype("int64")
    frame.insert(0, "load_id", outcome.load_id)
    frame.insert(1, "source_file", outcome.source_file)
    frame.insert(2, "file_kind", parsed.kind)
    return frame


def _rejected_frame(parsed: ParsedFile, outcome: FileOutcome, at: datetime) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "load_id": outcome.load_id,
            "source_file": outcome.source_file,
            "line_number": [r.line_number for r in parsed.rejected],
            "reason": [r.reason for r in parsed.rejected],
            "raw_line": [r.raw_line for r in parsed.rejected],
            "rejected_at": at,
        },
        index=range(len(parsed.rejected)),
    )


def _write_log(conn: Connection, outcome: FileOutcome, started_at: datetime) -> None:
    conn.execute(
        "insert into raw.load_log (load_id, source_uri, source_file, file_kind, league, season,"
        " file_hash, status, rows_in_file, rows_inserted, rows_unchanged, rows_rejected, message,"
        " started_at, finished_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            outcome.load_id,
            outcome.source_uri,
            outcome.source_file,
            outcome.kind,
            outcome.league,
            outcome.season,
            outcome.file_hash,
            outcome.status,
            outcome.rows_in_file,
            outcome.rows_inserted,
            outcome.rows_unchanged,
            outcome.rows_rejected,
            outcome.message,
            started_at,
            utc_now(),
        ],
    )
