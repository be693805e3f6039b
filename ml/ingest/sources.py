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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from ml.config import Settings
from ml.ingest.parse import FIXTURES, MATCHES
from ml.ingest.seasons import Season, all_seasons, season_from_path

FIRST_WEB_SEASON = Season(2000)  # the project's history starts with 2000-01
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "plpred-ingest/0.1 (+https://www.football-data.co.uk/ data for research)"


class FetchError(RuntimeError):
    """A file could not be fetched; the one-line message names the URL or path and why.

    ``not_found`` is set for an HTTP 404/410 or a missing local file, which callers may tolerate
    for a file that is not published yet.
    """

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


@dataclass(frozen=True)
class SourceFile:
    """One file to load and what is known about it before reading it.

    ``season`` is a firm claim (from the URL, the mirror path or ``--season``); ``season_hint`` is
    what a ``--file``'s name or folder suggests, used for results files only. ``optional`` marks
    a file that may not exist yet: the current season's, early in August and September, before
    football-data publishes it (2020-21 only began on 12 September).
    """

    location: str
    source_file: str
    kind: str | None = None
    league: str | None = None
    season: Season | None = None
    season_hint: Season | None = None
    optional: bool = False

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    @property
    def source_uri(self) -> str:
        return self.location if self.is_url else Path(self.location).resolve().as_uri()


def season_file_name(league: str, season: Season) -> str:
    """How the raw tables name a season file, whatever its source: ``E0/2526.csv``."""
    return f"{league}/{season.code}.csv"


def plan_sources(
    settings: Settings,
    *,
    seasons: Sequence[Season] | None,
    include_fixtures: bool,
    today: date | None = None,
) -> tuple[list[SourceFile], list[str]]:
    """The files a run loads from the configured source, in load order, and notes for the user.

    Default seasons: every season from 2000-01 to the current one on the web; every season file
    present for the league in a local directory.
    """
    league = settings.league
    notes: list[str] = []
    plan: list[SourceFile] = []
    if settings.source_is_local:
        root = Path(settings.source).expanduser()
        if not root.is_dir():
            raise FetchError(f"source folder not found: {root}")
        if seasons is None:
            seasons = _local_seasons(root / league)
            if not seasons:
                notes.append(f"no season files for {league} in {root / league}")
        for season in seasons:
            plan.append(
                SourceFile(
                    location=str(root / league / f"{season.code}.csv"),
                    source_file=season_file_name(league, season),
                    kind=MATCHES,
                    league=league,
                    season=season,
                )
            )
        if include_fixtures:
            fixtures = root / "fixtures.csv"
            if fixtures.is_file():
                plan.append(SourceFile(str(fixtures), "fixtures.csv", kind=FIXTURES))
            else:
                notes.append(f"no fixtures.csv in {root}; fixtures not loaded")
        return plan, notes

    base = settings.source.rstrip("/")
    today = today or date.today()
    for season in seasons or all_seasons(FIRST_WEB_SEASON, today=today):
        plan.append(
            SourceFile(
                location=f"{base}/mmz4281/{season.code}/{league}.csv",
                source_file=season_file_name(league, season),
                kind=MATCHES,
                league=league,
                season=season,
                optional=seasons is None and today <= date(season.start_year, 9, 30),
            )
        )
    if include_fixtures:
        plan.append(SourceFile(f"{base}/fixtures.csv", "fixtures.csv", kind=FIXTURES))
    return plan, notes


def plan_files(paths: Sequence[Path], season: Season | None) -> list[SourceFile]:
    """Files named on the command line. Their kind and league come from their content; their
    season from ``--season``, else from their name or folder, else (when parsed) their dates."""
    plan = []
    for path in paths:
        path = Path(path).expanduser()
        label = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
        plan.append(
            SourceFile(
                location=str(path),
                source_file=label,
                season=season,
                season_hint=None if season else season_from_path(path.resolve()),
            )
        )
    return plan


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
    ) -> None:
        self.cache_dir = cache_dir
        self.give_up_after = give_up_after
        self._unreachable: dict[str, tuple[int, str]] = {}  # host -> (files failed, last problem)
        self._own_client = client is None
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=True
        )
        self.attempts = max(1, attempts)
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.today = today or date.today()

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
            "url": url,
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        _write_atomic(meta_path, json.dumps(meta, indent=2).encode())
        return body

    def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        host = httpx.URL(url).host
        failures, last_problem = self._unreachable.get(host, (0, ""))
        if failures >= self.give_up_after:
            raise FetchError(
                f"{url}: not tried, {host} was unreachable for the previous {failures} files "
                f"({last_problem})"
            )
        problem = ""
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.client.get(url, headers=headers)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                wait = self.backoff_seconds * 2 ** (attempt - 1)
                if attempt == self.attempts:
                    self._unreachable[host] = (failures + 1, problem)
            else:
                self._unreachable.pop(host, None)
                if response.status_code not in RETRY_STATUSES:
                    if response.status_code >= 400:
                        raise FetchError(
                            f"{url}: HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                            not_found=response.status_code in (404, 410),
                        )
                    return response
                problem = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
                wait = _retry_after(response) or self.backoff_seconds * 2 ** (attempt - 1)
            if attempt < self.attempts:
                self.sleep(min(wait, 60.0))
        raise FetchError(f"{url}: {problem} (gave up after {self.attempts} attempts)")


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
