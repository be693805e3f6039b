"""One ingest run: decide the files, fetch them all, then load them into the warehouse in order.

Fetching comes first so the DuckDB warehouse (one writer at a time) is held only while loading,
not while waiting on football-data.co.uk. Each file is one transaction; a refused or failed file
does not stop the others, but makes the run's summary not ``ok``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import httpx
import psycopg2
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ml.config import Settings
from ml.ingest.load import FAILED, UNCHANGED, FileOutcome, load_file, record_failure
from ml.ingest.seasons import Season, SeasonError, parse_seasons
from ml.ingest.sources import Fetcher, FetchError, SourceFile, plan_files, plan_sources
from ml.ingest.summary import IngestSummary, render_summary
from ml.warehouse import Connection, WarehouseError, apply_ddl, connect

_DATABASE_ERRORS = (WarehouseError, duckdb.Error, psycopg2.Error)


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
) -> IngestSummary:
    """Load football-data files into the raw tables and print a summary table.

    With ``files``, load exactly those (``file_season`` is the season they claim); otherwise load
    ``seasons`` (a spec such as ``0001-2526``; default all) of ``settings.league`` from
    ``settings.source``, then ``fixtures.csv`` when ``include_fixtures``. ``http_client`` and
    ``today`` exist for tests (a mocked transport, a fixed date).
    """
    summary = IngestSummary()
    try:
        plan = _plan(settings, seasons, files, file_season, include_fixtures, today, summary)
    except (SeasonError, FetchError) as exc:
        summary.errors.append(str(exc))
        render_summary(summary, console)
        return summary

    fetched = _fetch_all(settings, plan, console, http_client, today)
    try:
        with connect(settings) as conn:
            apply_ddl(conn)
            _load_all(conn, fetched, console, summary.files)
    except _DATABASE_ERRORS as exc:
        summary.errors.append(f"warehouse ({settings.target}): {_one_line(exc)}")
    downloads = not files and not settings.source_is_local
    if downloads and summary.files and all(f.status == FAILED for f in summary.files):
        summary.notes.append(
            f"nothing could be downloaded from {settings.source}; without internet access, "
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
) -> list[SourceFile]:
    if files:
        if seasons:
            summary.notes.append("--seasons is ignored when --file is given")
        claimed = Season.parse(file_season) if file_season else None
        return plan_files(files, claimed)
    if file_season:
        summary.notes.append("--season only applies to --file; use --seasons for a range")
    wanted = parse_seasons(seasons, today=today) if seasons else None
    plan, notes = plan_sources(
        settings, seasons=wanted, include_fixtures=include_fixtures, today=today
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
) -> None:
    """Load in order, appending each outcome as it is known (kept if the warehouse goes away)."""
    with _progress(console) as progress:
        task = progress.add_task("loading", total=len(fetched), current="")
        for source, data in fetched:
            progress.update(task, current=source.source_file)
            if isinstance(data, FetchError) and data.not_found and source.optional:
                message = f"{data}: not published yet; nothing to load"
                outcomes.append(record_failure(conn, source, message, status=UNCHANGED))
            elif isinstance(data, FetchError):
                outcomes.append(record_failure(conn, source, str(data)))
            else:
                try:
                    outcomes.append(load_file(conn, source, data))
                except _DATABASE_ERRORS as exc:
                    # Rolled back already; log the attempt if the warehouse still answers.
                    message = f"warehouse error, file rolled back: {_one_line(exc)}"
                    try:
                        outcomes.append(record_failure(conn, source, message))
                    except _DATABASE_ERRORS:
                        raise exc from None
            progress.advance(task)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
