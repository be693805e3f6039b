"""Where football-data files come from: football-data.co.uk, a local mirror, or files named on
the command line; and how their bytes are fetched (retries, back-off, a download cache).

The web layout is ``{base}/mmz4281/{code}/{league}.csv`` plus ``{base}/fixtures.csv``; a local
source directory is laid out like the project's mirror, ``{dir}/{league}/{code}.csv`` plus an
optional ``{dir}/fixtures.csv``. Either way the raw tables name a file the same way
(``E0/2526.csv``, ``fixtures.csv``), so nothing downstream depends on where it came from.

Every failure is a :class:`FetchError` with a one-line message naming the URL or path: a run
over 26 seasons reports what could not be fetched and loads the rest.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ml.clock import as_utc, describe, now, uk_local
from ml.config import Settings
from ml.ingest.parse import FIXTURES, MATCHES
from ml.ingest.seasons import Season, SeasonError, all_seasons, season_from_path

if TYPE_CHECKING:
    from ml.ingest.snapshots import SnapshotArchive

FIRST_WEB_SEASON = Season(2000)  # the project's history starts with 2000-01
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "plpred-ingest/0.1 (+https://www.football-data.co.uk/ data for research)"


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@")


def redact(text: str) -> str:
    """``text`` with the user-info part of every URL in it replaced by ``***``
    (``https://user:secret@host/`` -> ``https://***@host/``): credentials in a ``--source`` URL are
    never printed, logged or stored."""
    return _USERINFO.sub(r"\1***@", text)


def _split_credentials(url: str) -> tuple[str, httpx.BasicAuth | None]:
    """The URL without its user-info, and the user-info as HTTP basic auth."""
    parsed = httpx.URL(url)
    if not parsed.userinfo:
        return url, None
    auth = httpx.BasicAuth(parsed.username, parsed.password)
    return str(parsed.copy_with(username=None, password=None)), auth


class FetchError(RuntimeError):
    """A file could not be fetched; the one-line message names the URL or path and why.

    ``not_found`` is set for an HTTP 404/410 or a missing local file, which callers may tolerate
    for a file that is not published yet.
    """

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(redact(message))
        self.not_found = not_found


@dataclass(frozen=True)
class SourceFile:
    """One file to load and what is known about it before reading it.

    ``season`` is a firm claim (from the URL, the mirror path or ``--season``); ``season_hint`` is
    what a ``--file``'s name or folder suggests, used for results files only. ``optional`` marks
    a file that may not exist yet: the current season's, early in August and September, before
    football-data publishes it (2020-21 only began on 12 September).

    ``taken_at`` (aware UTC) is a snapshot's capture time (:mod:`~ml.ingest.snapshots`).
    ``known_before`` keeps only the rows dated before that (UK) day: a load at a clock reading a
    file published later than its clock must not see the results that came after it.
    """

    location: str
    source_file: str
    kind: str | None = None
    league: str | None = None
    season: Season | None = None
    season_hint: Season | None = None
    optional: bool = False
    taken_at: datetime | None = None
    known_before: date | None = None

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    @property
    def source_uri(self) -> str:
        """Where the file came from, credentials redacted (:func:`redact`)."""
        return redact(self.location) if self.is_url else Path(self.location).resolve().as_uri()


def season_file_name(league: str, season: Season) -> str:
    """How the raw tables name a season file, whatever its source: ``E0/2526.csv``."""
    return f"{league}/{season.code}.csv"


def plan_sources(
    settings: Settings,
    *,
    seasons: Sequence[Season] | None,
    include_fixtures: bool,
    today: date | None = None,
    as_of: datetime | None = None,
    snapshots: Path | None = None,
) -> tuple[list[SourceFile], list[str]]:
    """The files a run loads from the configured source, in load order, and notes for the user.

    Default seasons: every season from 2000-01 to the current one on the web; every season file
    present for the league in a local directory (and every season with snapshots of it).

    With ``as_of`` (aware; naive is UTC; None is now, and plans the plain files as always) the
    plan is what was known at that moment. Seasons starting (1 July) after it are left out.
    Snapshot archives (:mod:`~ml.ingest.snapshots`) come from ``snapshots`` (a season folder or a
    folder of them) or, for a local source, its ``snapshots/<season>/`` folders. Up to an
    archive's last capture a season's file is its latest snapshot taken at or before ``as_of``
    (none yet: the season is not loaded), and ``fixtures.csv`` is the latest fixtures snapshot
    (none: no fixtures). A plain season file read at a clock inside its season keeps only the
    rows dated before the clock's UK day (``SourceFile.known_before``): the file on disk or on
    the web may hold results published after the clock.
    """
    league = settings.league
    notes: list[str] = []
    clock_day: date | None = None  # the clock's UK date
    if as_of is not None:
        as_of = as_utc(as_of)
        clock_day = uk_local(as_of).date()
    today = today or clock_day or uk_local(now()).date()
    local_root = Path(settings.source).expanduser() if settings.source_is_local else None
    if local_root is not None and not local_root.is_dir():
        raise FetchError(f"source folder not found: {local_root}")
    archives = _snapshot_archives(local_root, snapshots, as_of)

    base = settings.source.rstrip("/")
    plain_fixtures: SourceFile | None
    if local_root is not None:
        if seasons is None:
            found = set(_local_seasons(local_root / league))
            if as_of is not None:
                found |= {season for season, archive in archives.items() if archive.times(league)}
            seasons = sorted(found)
            if not seasons:
                notes.append(f"no season files for {league} in {local_root / league}")

        def plain(season: Season) -> SourceFile:
            return SourceFile(
                location=str(local_root / league / f"{season.code}.csv"),
                source_file=season_file_name(league, season),
                kind=MATCHES,
                league=league,
                season=season,
            )

        fixtures_path = local_root / "fixtures.csv"
        plain_fixtures = (
            SourceFile(str(fixtures_path), "fixtures.csv", kind=FIXTURES)
            if fixtures_path.is_file()
            else None
        )
        no_fixtures = f"no fixtures.csv in {local_root}; fixtures not loaded"
    else:
        default = seasons is None

        def plain(season: Season) -> SourceFile:
            return SourceFile(
                location=f"{base}/mmz4281/{season.code}/{league}.csv",
                source_file=season_file_name(league, season),
                kind=MATCHES,
                league=league,
                season=season,
                optional=default and today <= date(season.start_year, 9, 30),
            )

        seasons = seasons or all_seasons(FIRST_WEB_SEASON, today=today)
        plain_fixtures = SourceFile(f"{base}/fixtures.csv", "fixtures.csv", kind=FIXTURES)
        no_fixtures = ""

    plan: list[SourceFile] = []
    for season in seasons:
        if as_of is not None and clock_day is not None and season.window[0] > clock_day:
            notes.append(f"season {season.label} starts after {describe(as_of)}; not loaded")
            continue
        source = _season_at(plain(season), archives.get(season), as_of, notes)
        if source is not None:
            plan.append(source)

    if include_fixtures:
        covering = [
            archive
            for archive in archives.values()
            if as_of is not None and archive.fixtures_times() and archive.covers(as_of)
        ]
        if covering:
            assert as_of is not None
            fixtures = _fixtures_at(list(archives.values()), as_of)
            if fixtures is not None:
                plan.append(fixtures)
            else:
                first = min(a.fixtures_times()[0] for a in covering)
                notes.append(
                    f"no fixtures snapshot taken by {describe(as_of)} (the first is "
                    f"{describe(first)}); fixtures not loaded"
                )
        elif plain_fixtures is not None:
            plan.append(plain_fixtures)
        else:
            notes.append(no_fixtures)
    return plan, notes


def _season_at(
    plain: SourceFile,
    archive: SnapshotArchive | None,
    as_of: datetime | None,
    notes: list[str],
) -> SourceFile | None:
    """The file that says what was known of ``plain``'s season at ``as_of``, or None."""
    if as_of is None:
        return plain
    clock_day = uk_local(as_of).date()
    league, season = plain.league, plain.season
    assert league is not None and season is not None
    if archive is not None and archive.times(league) and archive.covers(as_of):
        snapshot = archive.season_file(league, as_of)
        if snapshot is None:
            notes.append(
                f"{plain.source_file}: no snapshot of it taken by {describe(as_of)} (the first "
                f"in {archive.folder} is {describe(archive.times(league)[0])}); "
                f"season {season.label} not loaded"
            )
        return snapshot
    if season.contains(clock_day):
        notes.append(
            f"{plain.source_file}: no snapshot for {describe(as_of)}, inside its season, so only "
            f"its rows dated before {clock_day:%Y-%m-%d} are loaded (the file may hold results "
            "published after the clock)"
        )
        return replace(plain, known_before=clock_day)
    return plain


def _fixtures_at(archives: Sequence[SnapshotArchive], as_of: datetime) -> SourceFile | None:
    """The latest fixtures snapshot taken at or before ``as_of`` in any of ``archives``."""
    files = [found for archive in archives if (found := archive.fixtures_file(as_of))]
    return max(files, key=lambda source: source.taken_at or as_of, default=None)


def _snapshot_archives(
    local_root: Path | None, snapshots: Path | None, as_of: datetime | None
) -> dict[Season, SnapshotArchive]:
    """Archives named by ``snapshots``, else, at a clock, a local source's ``snapshots/<season>/``."""
    from ml.ingest.snapshots import SnapshotArchive, find_archives

    if snapshots is not None:
        return find_archives(snapshots)
    if as_of is None or local_root is None or not (local_root / "snapshots").is_dir():
        return {}
    archives = {}
    for folder in sorted((local_root / "snapshots").iterdir()):
        try:
            season = Season.parse(folder.name)
        except SeasonError:
            continue
        if folder.is_dir():
            archives[season] = SnapshotArchive.open(folder, season)
    return archives


def plan_files(paths: Sequence[Path], season: Season | None) -> list[SourceFile]:
    """Files named on the command line. Their league comes from their content; their season from
    ``--season``, else from their name or folder, else (when parsed) their dates. A file is a
    season (results) file, which must carry its result columns, unless its name says fixtures
    (``fixtures.csv``, ``fixtures_<taken-at>.csv``, as football-data and the snapshot archives
    name them): a results file that lost its FTHG column must not load as fixtures."""
    plan = []
    for path in paths:
        path = Path(path).expanduser()
        label = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
        plan.append(
            SourceFile(
                location=str(path),
                source_file=label,
                kind=FIXTURES if is_fixtures_name(path.name) else MATCHES,
                season=season,
                season_hint=None if season else season_from_path(path.resolve()),
            )
        )
    return plan


def is_fixtures_name(name: str) -> bool:
    """``fixtures.csv``, ``fixtures_2026-02-27T1856.csv``: what asks for a file to load as
    fixtures (upcoming matches, no results)."""
    return name.lower().startswith("fixtures")


def _local_seasons(folder: Path) -> list[Season]:
    found = []
    for path in folder.glob("*.csv") if folder.is_dir() else []:
        try:
            found.append(Season.from_code(path.stem))
        except ValueError:
            continue
    return sorted(found)


class Fetcher:
    """Reads local files and downloads URLs with retries and a cache under ``cache_dir``.

    Completed seasons never change, so a cached copy is used without asking the server. The
    current season and ``fixtures.csv`` change daily: they are always requested, conditionally
    (``If-None-Match``/``If-Modified-Since``), so an unchanged file costs one small request.
    Transient failures (connection errors, timeouts, 429 and 5xx) are retried with exponential
    back-off; anything else fails at once. Once a server has been unreachable for
    ``give_up_after`` files in a row, its remaining files fail at once instead of each waiting
    through its own retries (an offline run would otherwise take minutes to say so).
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        client: httpx.Client | None = None,
        attempts: int = 4,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        today: date | None = None,
        give_up_after: int = 2,
        timeout_seconds: float = 30.0,
        deadline_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache_dir = cache_dir
        self.give_up_after = give_up_after
        self.timeout_seconds = timeout_seconds
        self.deadline_seconds = deadline_seconds
        self._clock = clock
        self._started = clock()
        self._unreachable: dict[str, tuple[int, str]] = {}  # host -> (files failed, last problem)
        self._own_client = client is None
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds)),
            follow_redirects=True,
        )
        self.attempts = max(1, attempts)
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.today = today or uk_local(now()).date()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def read(self, source: SourceFile) -> bytes:
        """The file's bytes; raises :class:`FetchError`."""
        if not source.is_url:
            return _read_local(Path(source.location))
        return self._download(source)

    # --- web -----------------------------------------------------------------------------------
    def cache_path(self, url: str) -> Path:
        path = httpx.URL(url).path.lstrip("/") or "index"
        return self.cache_dir / "football-data" / path

    def _download(self, source: SourceFile) -> bytes:
        url = source.location
        cached = self.cache_path(url)
        meta_path = cached.with_name(cached.name + ".meta.json")
        finished = source.season is not None and source.season.window[1] < self.today
        if finished and cached.is_file():
            return cached.read_bytes()
        headers = {"User-Agent": USER_AGENT}
        if cached.is_file() and meta_path.is_file():
            meta = _read_meta(meta_path)
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        response = self._get(url, headers)
        if response.status_code == 304 and cached.is_file():
            return cached.read_bytes()
        body = response.content
        _check_csv_response(url, response, body)
        _write_atomic(cached, body)
        meta = {
            "url": redact(url),
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        _write_atomic(meta_path, json.dumps(meta, indent=2).encode())
        return body

    def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        """GET with retries and back-off on network errors and 429/5xx. A server that accepts the
        connection and then sends nothing for ``timeout_seconds`` is not retried (it would only
        wait as long again), and its remaining files fail at once; no file is tried after the
        whole fetch has taken ``deadline_seconds``."""
        host = httpx.URL(url).host
        url, auth = _split_credentials(url)
        shown = redact(url)
        failures, last_problem = self._unreachable.get(host, (0, ""))
        if failures >= self.give_up_after:
            raise FetchError(
                f"{shown}: not tried, {host} was unreachable for the previous {failures} files "
                f"({last_problem})"
            )
        elapsed = self._clock() - self._started
        if elapsed > self.deadline_seconds:
            raise FetchError(
                f"{shown}: not tried, the downloads have taken {elapsed:.0f} s, over the "
                f"{self.deadline_seconds:.0f} s allowed for one run; try again later"
            )
        problem = ""
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.client.get(url, headers=headers, auth=auth)
            except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
                problem = (
                    f"{host} accepted the connection but sent no answer within "
                    f"{self.timeout_seconds:g} s ({type(exc).__name__})"
                )
                self._unreachable[host] = (self.give_up_after, problem)
                raise FetchError(
                    f"{shown}: {problem}; not retried, and the server's other files are not "
                    "tried in this run"
                ) from None
            except httpx.TransportError as exc:
                problem = redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
                wait = self.backoff_seconds * 2 ** (attempt - 1)
                if attempt == self.attempts:
                    self._unreachable[host] = (failures + 1, problem)
            else:
                self._unreachable.pop(host, None)
                if response.status_code not in RETRY_STATUSES:
                    if response.status_code >= 400:
                        raise FetchError(
                            f"{shown}: HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                            not_found=response.status_code in (404, 410),
                        )
                    return response
                problem = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
                wait = _retry_after(response) or self.backoff_seconds * 2 ** (attempt - 1)
            if attempt < self.attempts:
                self.sleep(min(wait, 60.0))
        raise FetchError(f"{shown}: {problem} (gave up after {self.attempts} attempts)")


def _read_local(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise FetchError(f"{path}: file not found", not_found=True) from exc
    except IsADirectoryError as exc:
        raise FetchError(f"{path}: is a folder, not a CSV file") from exc
    except OSError as exc:
        raise FetchError(f"{path}: cannot read it ({exc.strerror or exc})") from exc


def _check_csv_response(url: str, response: httpx.Response, body: bytes) -> None:
    """football-data answers some missing files with an HTML page and status 200."""
    content_type = response.headers.get("content-type", "").lower()
    head = body[:512].lstrip().lower()
    if "text/html" in content_type or head.startswith(b"<"):
        raise FetchError(f"{url}: the server sent an HTML page, not a CSV file")
    if not body.strip():
        raise FetchError(f"{url}: the server sent an empty file")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _read_meta(path: Path) -> dict[str, str]:
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
