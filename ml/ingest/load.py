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

Every log row and row version records ``known_at``: the clock of the load (its ``as_of``, UTC
naive), or its own start when it ran at the wall clock. ``loaded_at`` stays the wall-clock stamp
of the write. A file read at a clock before it was published keeps only its rows dated before the
clock (``SourceFile.known_before``); the rows it withholds count in ``rows_in_file`` and in none of
``rows_inserted``, ``rows_unchanged``, ``rows_rejected``, and the log message says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd
import psycopg2

from ml.clock import ClockError, describe, utc_naive
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
    uncovered_league_warning,
)
from ml.ingest.sources import SourceFile, redact
from ml.ingest.teams import load_aliases
from ml.warehouse.connection import Connection, WarehouseError

LOADED = "loaded"
UNCHANGED = "unchanged"
REFUSED = "refused"
FAILED = "failed"
STATUSES = (LOADED, UNCHANGED, REFUSED, FAILED)
# A load_log row written, committed, before a file is loaded; its load_id is the load's own plus
# STARTED_SUFFIX. A load that dies (kill -9) leaves it without the finished row (the load's own
# load_id): visible, and closed as failed by the next load (close_interrupted).
STARTED = "started"
STARTED_SUFFIX = ":started"

DATABASE_ERRORS = (WarehouseError, duckdb.Error, psycopg2.Error)
_INGEST_LOCK = 0x706C70726564  # "plpred": the advisory lock key of raw-table loads
_LOAD_LOCK_CLASS = 0x706C70  # with hashtext(load_id): held by a live load's session (Postgres)
_TABLES = {MATCHES: "raw.matches", FIXTURES: "raw.fixtures"}
_TYPED_COLUMNS = {MATCHES: MATCH_COLUMNS, FIXTURES: FIXTURE_COLUMNS}
_INTEGER_COLUMNS = frozenset(
    c
    for c in MATCH_COLUMNS
    if c.endswith(("_goals", "_shots", "_target", "_fouls", "_corners", "_yellows", "_reds"))
    or c == "attendance"
)


class ClockBehindError(WarehouseError, ClockError):
    """A load at a clock earlier than what the warehouse already knows: data cannot be unlearned.

    ``as_of`` is the refused clock, ``known_at`` the newest one stored (both naive UTC)."""

    def __init__(self, as_of: datetime, known_at: datetime) -> None:
        self.as_of, self.known_at = as_of, known_at
        super().__init__(
            f"cannot load as of {describe(as_of)}: the warehouse already holds data known at "
            f"{describe(known_at)}, and its clock never runs backwards; nothing was loaded. To "
            "look at an earlier moment, use a fresh PLPRED_HOME (or, on Postgres, a fresh "
            "PGDATABASE) and load from the start up to that moment"
        )


def newest_known_at(conn: Connection) -> datetime | None:
    """The latest clock any load has run at (UTC naive); a load from before ``known_at``
    existed counts at its start."""
    return conn.scalar(
        "select max(coalesce(known_at, started_at)) from raw.load_log where status <> ?", [STARTED]
    )


def check_clock(conn: Connection, as_of: datetime) -> None:
    """Raise :class:`ClockBehindError` when ``as_of`` (aware, or naive UTC) is earlier than the
    newest ``known_at`` in ``raw.load_log``. The same moment or a later one is fine."""
    newest = newest_known_at(conn)
    clock = utc_naive(as_of)
    if newest is not None and clock < newest:
        raise ClockBehindError(clock, newest)


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
    rows_withheld: int = 0
    odds_inserted: int = 0
    message: str = ""
    known_at: datetime | None = None  # the load's clock, UTC naive
    warnings: list[str] = field(default_factory=list)
    # Leagues kept as written (the seed knows none of their teams): the run warns once for each.
    uncovered_leagues: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in (LOADED, UNCHANGED)


def new_load_id(started_at: datetime) -> str:
    """Sortable by start time, unique across processes."""
    return f"{started_at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"


def utc_now() -> datetime:
    """Naive UTC: the raw tables use ``timestamp`` without time zone, always in UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def load_file(
    conn: Connection, source: SourceFile, data: bytes, *, known_at: datetime | None = None
) -> FileOutcome:
    """Parse ``data`` and land it in one transaction; refusals are logged, never raised.

    ``known_at`` is the load's clock (aware, or naive UTC); None stamps the load's start."""
    started_at = utc_now()
    outcome = FileOutcome(
        known_at=utc_naive(known_at) if known_at is not None else started_at,
        load_id=new_load_id(started_at),
        source_file=source.source_file,
        source_uri=redact(source.source_uri),
        kind=source.kind or "unknown",
        status=FAILED,
        league=source.league,
        season=source.season.label if source.season else None,
        file_hash=file_hash(data),
    )
    if conn.target == "postgres":  # held while this load lives; close_interrupted tests it
        conn.execute("select pg_advisory_lock(?, hashtext(?))", [_LOAD_LOCK_CLASS, outcome.load_id])
    try:
        _write_started(conn, outcome, started_at)
        _load(conn, source, data, outcome, started_at)
    finally:
        if conn.target == "postgres":
            with suppress(*DATABASE_ERRORS):
                conn.execute(
                    "select pg_advisory_unlock(?, hashtext(?))",
                    [_LOAD_LOCK_CLASS, outcome.load_id],
                )
    return outcome


def _load(
    conn: Connection, source: SourceFile, data: bytes, outcome: FileOutcome, started_at: datetime
) -> None:
    try:
        with conn.transaction():
            if conn.target == "postgres":
                # Two runs comparing hashes at once could both insert the same version; DuckDB
                # has one writer anyway, Postgres serialises file loads on this lock.
                conn.execute("select pg_advisory_xact_lock(?)", [_INGEST_LOCK])
            previous = _seen_before(conn, source, outcome.file_hash)
            if previous is not None:
                _mark_seen_before(outcome, previous, source)
            else:
                kind = source.kind
                parsed = parse_file(
                    data,
                    source_file=source.source_file,
                    kind=kind,
                    league=source.league,
                    season=source.season,
                    season_hint=source.season_hint,
                    known_before=source.known_before,
                    as_of=outcome.known_at,
                    aliases=load_aliases(),
                    alias_leagues=_result_leagues(conn) if kind != MATCHES else (),
                )
                # The same bytes cut at the same point before: the same rows, nothing to do.
                if parsed.rows_withheld:
                    previous = _seen_before(
                        conn, source, outcome.file_hash, withheld=parsed.rows_withheld
                    )
                if previous is not None:
                    _mark_seen_before(outcome, previous, source)
                else:
                    _land(conn, outcome, parsed, started_at)
            _write_log(conn, outcome, started_at)
    except FileRefused as exc:
        outcome.status = REFUSED
        outcome.message = str(exc)
        _reset_counts(outcome)
        with conn.transaction():
            _write_log(conn, outcome, started_at)
    except DATABASE_ERRORS as exc:
        # Rolled back already; finish the load's log row if the warehouse still answers.
        outcome.status = FAILED
        outcome.message = f"warehouse error, file rolled back: {' '.join(str(exc).split())}"
        _reset_counts(outcome)
        try:
            with conn.transaction():
                _write_log(conn, outcome, started_at)
        except DATABASE_ERRORS:
            raise exc from None


def record_failure(
    conn: Connection,
    source: SourceFile,
    message: str,
    *,
    status: str = FAILED,
    known_at: datetime | None = None,
) -> FileOutcome:
    """Log a file that could not be fetched or read (nothing else is written). ``status`` is
    ``unchanged`` for an optional file that is not published yet: nothing to load is no failure.
    ``known_at`` as for :func:`load_file`."""
    started_at = utc_now()
    outcome = FileOutcome(
        known_at=utc_naive(known_at) if known_at is not None else started_at,
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


def _seen_before(
    conn: Connection, source: SourceFile, digest: str | None, *, withheld: int = 0
) -> tuple | None:
    """The latest successful load of the same bytes that withheld the same number of rows (so
    landed the same rows; 0: the whole file), provided nothing of its kind, league and season
    was loaded after it: then the warehouse's latest versions of its rows are its rows and there
    is nothing to do. When another file of the same league and season came since (a correction),
    None: the file is parsed and compared row by row, so loading A, B, then A again makes A's
    rows the latest again (what counts is the latest content, not whether the bytes were ever
    seen). Also None when this attempt claims another league or season for the bytes (then the
    file is parsed again, and refused when the claim is wrong)."""
    previous = conn.fetchone(
        "select load_id, file_kind, league, season, rows_in_file, rows_rejected, withheld,"
        " started_at from ("
        " select *, coalesce(rows_in_file, 0) - coalesce(rows_inserted, 0)"
        " - coalesce(rows_unchanged, 0) - coalesce(rows_rejected, 0) as withheld"
        " from raw.load_log where file_hash = ? and status in (?, ?)) as attempts "
        "where withheld = ? order by started_at desc, load_id desc limit 1",
        [digest, LOADED, UNCHANGED, withheld],
    )
    if previous is None:
        return None
    load_id, kind, league, season, _, _, _, _ = previous
    claims = [
        (source.kind, kind),
        (source.league, league),
        (source.season.label if source.season else None, season),
    ]
    if any(claimed is not None and claimed != seen for claimed, seen in claims):
        return None
    # The latest load that may have written versions of the same keys.
    latest = conn.fetchone(
        "select load_id from raw.load_log where status in (?, ?) and file_kind = ?"
        " and coalesce(league, '') = coalesce(?, '') and coalesce(season, '') = coalesce(?, '')"
        " and file_hash is not null order by started_at desc, load_id desc limit 1",
        [LOADED, UNCHANGED, kind, league, season],
    )
    if latest is None or latest[0] != load_id:
        return None
    return previous[:7]


def _result_leagues(conn: Connection) -> list[str]:
    """Leagues whose results the warehouse holds: the fixtures of these have their team names
    checked against the aliases."""
    return [row[0] for row in conn.fetchall("select distinct league from raw.matches")]


def _mark_seen_before(outcome: FileOutcome, previous: Sequence[Any], source: SourceFile) -> None:
    load_id, kind, league, season, rows_in_file, rows_rejected, withheld = previous
    outcome.status = UNCHANGED
    outcome.kind, outcome.league, outcome.season = kind, league, season
    outcome.rows_in_file = rows_in_file or 0
    outcome.rows_withheld = withheld or 0
    outcome.rows_unchanged = outcome.rows_in_file - (rows_rejected or 0) - outcome.rows_withheld
    outcome.message = f"same file as load {load_id}; nothing to do"
    if outcome.rows_withheld:
        outcome.message += "; " + _withheld_note(outcome.rows_withheld, source.known_before)


def _withheld_note(count: int, known_before: Any) -> str:
    return f"{count:,} rows dated {known_before} or later withheld (not known at the clock)"


def _reset_counts(outcome: FileOutcome) -> None:
    outcome.rows_inserted = outcome.rows_unchanged = outcome.rows_rejected = 0
    outcome.rows_withheld = outcome.odds_inserted = 0


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
    outcome.rows_withheld = parsed.rows_withheld
    outcome.status = LOADED if inserted else UNCHANGED
    outcome.warnings = list(parsed.warnings)
    outcome.uncovered_leagues = sorted(parsed.uncovered_leagues)
    parts = [
        f"{len(inserted) - changed:,} new, {changed:,} changed; {outcome.odds_inserted:,} prices"
    ]
    if parsed.rows and not inserted:
        parts.insert(
            0, f"added nothing: all {len(parsed.rows):,} rows are already loaded as they are"
        )
    if parsed.quarantined:
        first = parsed.quarantined[0]
        parts.append(
            f"values of {len(parsed.quarantined)} rows quarantined (line {first.line_number}: "
            f"{first.reason})"
        )
    if parsed.rejected:
        first = parsed.rejected[0]
        parts.append(
            f"{len(parsed.rejected)} rows rejected (line {first.line_number}: {first.reason})"
        )
    if parsed.rows_withheld:
        parts.append(_withheld_note(parsed.rows_withheld, parsed.known_before))
    if parsed.encoding != "utf-8-sig":
        parts.append(f"read as {parsed.encoding}")
    parts.extend(f"warning: {w}" for w in parsed.warnings)
    seed = load_aliases().path.name
    parts.extend(
        f"warning: {uncovered_league_warning(league, seed, names)}"
        for league, names in sorted(parsed.uncovered_leagues.items())
    )
    outcome.message = "; ".join(parts)


def latest_hashes(
    conn: Connection, table: str, rows: Iterable[ParsedRow]
) -> dict[tuple[str, str, str, str], str]:
    """The record_hash of the latest version of every key in the leagues and seasons of ``rows``,
    in one query per file rather than one per row. Keys use canonical team names (the seed
    ``team_aliases``, as staging does), so versions spelt differently are versions of one match;
    the latest is the one staging reads (``version_rank``: loaded_at, load_id, row_number)."""
    rows = list(rows)
    leagues = sorted({row.key[0] for row in rows})
    seasons = sorted({row.key[1] for row in rows})
    if not leagues:
        return {}
    aliases = load_aliases()
    sql = (
        "select league, season, home_team, away_team, record_hash, loaded_at, load_id,"
        f" row_number from {table}"
        f" where league in ({', '.join('?' * len(leagues))})"
        f" and season in ({', '.join('?' * len(seasons))})"
    )
    latest: dict[tuple[str, str, str, str], tuple[Any, ...]] = {}
    for league, season, home, away, digest, loaded_at, load_id, number in conn.fetchall(
        sql, [*leagues, *seasons]
    ):
        key = (league, season, aliases.canonical(home), aliases.canonical(away))
        rank = (loaded_at, load_id, number)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, digest)
    return {key: digest for key, (_, digest) in latest.items()}


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
            "known_at": outcome.known_at,
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
    """Rejected rows, and the quarantined values of rows that loaded (their reason says so)."""
    entries = sorted([*parsed.rejected, *parsed.quarantined], key=lambda r: r.line_number)
    return pd.DataFrame(
        {
            "load_id": outcome.load_id,
            "source_file": outcome.source_file,
            "line_number": [r.line_number for r in entries],
            "reason": [r.reason for r in entries],
            "raw_line": [r.raw_line for r in entries],
            "rejected_at": at,
        },
        index=range(len(entries)),
    )


def _write_started(conn: Connection, outcome: FileOutcome, started_at: datetime) -> None:
    """Commit a ``started`` row before loading, so a load killed half-way stays visible."""
    with conn.transaction():
        conn.execute(
            "insert into raw.load_log (load_id, source_uri, source_file, file_kind, league, season,"
            " file_hash, status, message, started_at, known_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?)",
            [
                outcome.load_id + STARTED_SUFFIX,
                outcome.source_uri,
                outcome.source_file,
                outcome.kind,
                outcome.league,
                outcome.season,
                outcome.file_hash,
                STARTED,
                f"loading; load {outcome.load_id} records how it ended",
                started_at,
                outcome.known_at or started_at,
            ],
        )


def interrupted_loads(conn: Connection) -> list[tuple[str, str, datetime]]:
    """Loads that started and never finished (the process died): (load_id, file, started_at)."""
    rows = conn.fetchall(
        "select s.load_id, s.source_file, s.started_at from raw.load_log as s"
        " where s.status = ? and not exists (select 1 from raw.load_log as f"
        "  where f.status <> ? and f.load_id || ? = s.load_id) order by s.started_at",
        [STARTED, STARTED, STARTED_SUFFIX],
    )
    return [(load_id[: -len(STARTED_SUFFIX)], name, at) for load_id, name, at in rows]


def close_interrupted(conn: Connection) -> list[str]:
    """Finish, as ``failed``, every load that started and never ended; their transactions were
    rolled back when the process died, so nothing of them is in the raw tables. Call only while
    no other process is loading (DuckDB: the one writer; Postgres: under the ingest lock).
    Returns a note per load closed."""
    notes = []
    with conn.transaction():
        if conn.target == "postgres":
            conn.execute("select pg_advisory_xact_lock(?)", [_INGEST_LOCK])
        for load_id, name, started_at in interrupted_loads(conn):
            if conn.target == "postgres" and not conn.scalar(
                "select pg_try_advisory_xact_lock(?, hashtext(?))", [_LOAD_LOCK_CLASS, load_id]
            ):
                continue  # still running in another session
            started = conn.fetchone(
                "select source_uri, source_file, file_kind, league, season, file_hash, known_at"
                " from raw.load_log where load_id = ?",
                [load_id + STARTED_SUFFIX],
            )
            assert started is not None
            message = (
                f"interrupted: started {started_at:%Y-%m-%d %H:%M:%S} UTC and never finished (the"
                " process died); its transaction was rolled back, nothing of it was kept"
            )
            conn.execute(
                "insert into raw.load_log (load_id, source_uri, source_file, file_kind, league,"
                " season, file_hash, status, rows_in_file, rows_inserted, rows_unchanged,"
                " rows_rejected, message, started_at, finished_at, known_at) values"
                " (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?, ?)",
                [load_id, *started[:6], FAILED, message, started_at, utc_now(), started[6]],
            )
            notes.append(f"{name}: load {load_id} {message}")
    return notes


def _write_log(conn: Connection, outcome: FileOutcome, started_at: datetime) -> None:
    conn.execute(
        "insert into raw.load_log (load_id, source_uri, source_file, file_kind, league, season,"
        " file_hash, status, rows_in_file, rows_inserted, rows_unchanged, rows_rejected, message,"
        " started_at, finished_at, known_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            outcome.known_at or started_at,
        ],
    )
