"""One ingest run: decide the files, fetch them all, then load them into the warehouse in order.

Fetching comes first so the DuckDB warehouse (one writer at a time) is held only while loading,
not while waiting on football-data.co.uk. Each file is one transaction; a refused or failed file
does not stop the others, but makes the run's summary not ``ok``.

A run has a clock (``as_of``): it plans what was known then (snapshots, rows dated before it;
:func:`~ml.ingest.sources.plan_sources`) and stamps every row it writes with ``known_at``. A
warehouse's clock never runs backwards: a run earlier than its newest ``known_at`` is refused
before anything is fetched (:class:`~ml.ingest.load.ClockBehindError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ml.clock import as_utc, uk_local
from ml.config import Settings
from ml.ingest.leagues import UnknownLeague, check_league
from ml.ingest.load import (
    DATABASE_ERRORS,
    FAILED,
    UNCHANGED,
    ClockBehindError,
    FileOutcome,
    check_clock,
    close_interrupted,
    load_file,
    record_failure,
)
from ml.ingest.seasons import Season, SeasonError, parse_seasons
from ml.ingest.sources import Fetcher, FetchError, SourceFile, plan_files, plan_sources, redact
from ml.ingest.summary import IngestSummary, render_summary
from ml.warehouse.connection import Connection, apply_ddl, connect

_DATABASE_ERRORS = DATABASE_ERRORS


def run_ingest(
    settings: Settings,
    *,
    seasons: str | None,
    files: list[Path] | None,
    file_season: str | None,
    include_fixtures: bool,
    console: Console,
    http_client: httpx.Client | None = None,
    today: date | None = None,
    as_of: datetime | None = None,
    snapshots: Path | None = None,
) -> IngestSummary:
    """Load football-data files into the raw tables and print a summary table.

    With ``files``, load exactly those (``file_season`` is the season they claim); otherwise load
    ``seasons`` (a spec such as ``0001-2526``; default all) of ``settings.league`` from
    ``settings.source``, then ``fixtures.csv`` when ``include_fixtures``. ``http_client`` and
    ``today`` exist for tests (a mocked transport, a fixed date; with ``as_of``, ``today``
    defaults to its UK date).

    ``as_of`` (aware; naive is UTC) is the run's clock: the plan is what was known then (see
    :func:`~ml.ingest.sources.plan_sources`; ``snapshots`` names a snapshot archive folder) and
    every row written records it as ``known_at``. None is now: the plain files, each load
    stamped with its own start. Raises :class:`~ml.ingest.load.ClockBehindError`, having loaded
    nothing, when ``as_of`` is earlier than a clock the warehouse has already loaded at.
    """
    summary = IngestSummary()
    if as_of is not None:
        as_of = as_utc(as_of)
        today = today or uk_local(as_of).date()
    try:
        if not files:
            check_league(settings.league)
        plan = _plan(
            settings,
            seasons,
            files,
            file_season,
            include_fixtures,
            today,
            summary,
            as_of,
            snapshots,
        )
    except (SeasonError, FetchError, UnknownLeague) as exc:
        summary.errors.append(redact(str(exc)))
        render_summary(summary, console)
        return summary

    if as_of is not None:  # refuse a clock behind the warehouse's before fetching anything
        try:
            with connect(settings) as conn:
                apply_ddl(conn)
                check_clock(conn, as_of)
        except ClockBehindError:
            raise
        except _DATABASE_ERRORS as exc:
            summary.errors.append(f"warehouse ({settings.target}): {_one_line(exc)}")
            render_summary(summary, console)
            return summary

    fetched = _fetch_all(settings, plan, console, http_client, today)
    try:
        with connect(settings) as conn:
            apply_ddl(conn)
            if as_of is not None:
                check_clock(conn, as_of)  # again: another run may have loaded since
            summary.notes.extend(close_interrupted(conn))
            _load_all(conn, fetched, console, summary.files, as_of)
    except ClockBehindError:
        raise
    except _DATABASE_ERRORS as exc:
        summary.errors.append(f"warehouse ({settings.target}): {_one_line(exc)}")
    downloads = not files and not settings.source_is_local
    if downloads and summary.files and all(f.status == FAILED for f in summary.files):
        summary.notes.append(
            f"nothing could be downloaded from {redact(settings.source)}; without internet access, "
            "load a local copy laid out like it with --source DIR (or PLPRED_SOURCE)"
        )
    render_summary(summary, console)
    return summary


def _plan(
    settings: Settings,
    seasons: str | None,
    files: Sequence[Path] | None,
    file_season: str | None,
    include_fixtures: bool,
    today: date | None,
    summary: IngestSummary,
    as_of: datetime | None = None,
    snapshots: Path | None = None,
) -> list[SourceFile]:
    if files:
        if snapshots is not None:
            summary.notes.append("--snapshots is ignored when --file is given")
        if seasons:
            summary.notes.append("--seasons is ignored when --file is given")
        claimed = Season.parse(file_season) if file_season else None
        return plan_files(files, claimed)
    if file_season:
        summary.notes.append("--season only applies to --file; use --seasons for a range")
    wanted = parse_seasons(seasons, today=today) if seasons else None
    plan, notes = plan_sources(
        settings,
        seasons=wanted,
        include_fixtures=include_fixtures,
        today=today,
        as_of=as_of,
        snapshots=snapshots,
    )
    summary.notes.extend(notes)
    return plan


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[current]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _fetch_all(
    settings: Settings,
    plan: Sequence[SourceFile],
    console: Console,
    http_client: httpx.Client | None,
    today: date | None,
) -> list[tuple[SourceFile, bytes | FetchError]]:
    fetched: list[tuple[SourceFile, bytes | FetchError]] = []
    with (
        Fetcher(settings.cache_dir, client=http_client, today=today) as fetcher,
        _progress(console) as progress,
    ):
        task = progress.add_task("fetching", total=len(plan), current="")
        for source in plan:
            progress.update(task, current=source.source_file)
            try:
                fetched.append((source, fetcher.read(source)))
            except FetchError as exc:
                fetched.append((source, exc))
            progress.advance(task)
    return fetched


def _load_all(
    conn: Connection,
    fetched: Sequence[tuple[SourceFile, bytes | FetchError]],
    console: Console,
    outcomes: list[FileOutcome],
    as_of: datetime | None = None,
) -> None:
    """Load in order, appending each outcome as it is known (kept if the warehouse goes away)."""
    with _progress(console) as progress:
        task = progress.add_task("loading", total=len(fetched), current="")
        for source, data in fetched:
            progress.update(task, current=source.source_file)
            if isinstance(data, FetchError) and data.not_found and source.optional:
                message = f"{data}: not published yet; nothing to load"
                outcomes.append(
                    record_failure(conn, source, message, status=UNCHANGED, known_at=as_of)
                )
            elif isinstance(data, FetchError):
                outcomes.append(record_failure(conn, source, str(data), known_at=as_of))
            else:
                # A database error rolls the file back and is logged as its failure; only a
                # warehouse that no longer answers at all raises.
                outcomes.append(load_file(conn, source, data, known_at=as_of))
            progress.advance(task)


def _one_line(exc: BaseException) -> str:
    return redact(" ".join(str(exc).split())) or type(exc).__name__
