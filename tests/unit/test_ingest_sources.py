"""Where files come from and how they are fetched: plans, retries, back-off, cache, clear errors.

The network is mocked with ``httpx.MockTransport``; nothing here opens a socket or a database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest

from ml.config import Settings
from ml.ingest.parse import FIXTURES, MATCHES
from ml.ingest.seasons import Season
from ml.ingest.sources import Fetcher, FetchError, SourceFile, plan_files, plan_sources

TODAY = date(2026, 3, 1)  # during 2025-26
CSV = b"Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR\r\nE0,09/08/2025,Arsenal,Chelsea,2,1,H\r\n"
BASE = "https://www.football-data.co.uk"
CURRENT = Season(2025)


def web_source(season: Season | None = CURRENT) -> SourceFile:
    if season is None:
        return SourceFile(f"{BASE}/fixtures.csv", "fixtures.csv", kind=FIXTURES)
    return SourceFile(
        f"{BASE}/mmz4281/{season.code}/E0.csv", f"E0/{season.code}.csv", MATCHES, "E0", season
    )


class Server:
    """A scripted football-data.co.uk: answers in order, remembers every request."""

    def __init__(self, *answers: httpx.Response | Callable[[httpx.Request], httpx.Response]):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request) if callable(answer) else answer


def fetcher(tmp_path: Path, server: Server, sleeps: list[float] | None = None) -> Fetcher:
    client = httpx.Client(transport=httpx.MockTransport(server))
    record = sleeps if sleeps is not None else []
    return Fetcher(tmp_path / "cache", client=client, sleep=record.append, today=TODAY)


def csv_response(body: bytes = CSV, **headers: str) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "text/csv", **headers})


# --- plans -----------------------------------------------------------------------------------


def test_web_plan_defaults_to_every_season_since_2000_then_fixtures(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    plan, notes = plan_sources(settings, seasons=None, include_fixtures=True, today=TODAY)
    assert len(plan) == 27 and not notes
    assert plan[0].location == f"{BASE}/mmz4281/0001/E0.csv"
    assert plan[0].source_file == "E0/0001.csv"
    assert plan[-2].location == f"{BASE}/mmz4281/2526/E0.csv"
    assert (plan[-2].kind, plan[-2].league, plan[-2].season) == (MATCHES, "E0", Season(2025))
    assert (plan[-1].location, plan[-1].source_file, plan[-1].kind) == (
        f"{BASE}/fixtures.csv",
        "fixtures.csv",
        FIXTURES,
    )


def test_web_plan_for_chosen_seasons_and_league(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, league="SP1", source="http://mirror.example/fd/")
    plan, _ = plan_sources(settings, seasons=[Season(2019)], include_fixtures=False)
    assert [s.location for s in plan] == ["http://mirror.example/fd/mmz4281/1920/SP1.csv"]
    assert plan[0].source_file == "SP1/1920.csv"


def test_local_plan_takes_every_season_file_found(tmp_path: Path) -> None:
    root = tmp_path / "mirror"
    (root / "E0").mkdir(parents=True)
    for name in ("2526.csv", "0001.csv", "notes.csv", "1999.csv"):
        (root / "E0" / name).write_bytes(CSV)
    settings = Settings(home=tmp_path, source=str(root))
    plan, notes = plan_sources(settings, seasons=None, include_fixtures=True)
    assert [s.source_file for s in plan] == ["E0/0001.csv", "E0/2526.csv"]
    assert notes == [f"no fixtures.csv in {root}; fixtures not loaded"]
    (root / "fixtures.csv").write_bytes(CSV)
    plan, notes = plan_sources(settings, seasons=[Season(2024)], include_fixtures=True)
    assert [s.source_file for s in plan] == ["E0/2425.csv", "fixtures.csv"]
    assert plan[0].location == str(root / "E0" / "2425.csv")  # missing: fails when read
    assert not notes


def test_local_plan_needs_the_folder(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, source=str(tmp_path / "nowhere"))
    with pytest.raises(FetchError, match="source folder not found: .*nowhere"):
        plan_sources(settings, seasons=None, include_fixtures=True)


def test_file_plan_claims_seasons_from_flag_name_or_folder(tmp_path: Path) -> None:
    plan = plan_files(
        [Path("E0/0405.csv"), Path("snapshots/2025-26/E0_2026-01-29T0907.csv"), Path("f.csv")],
        None,
    )
    assert [(s.source_file, s.season, s.season_hint) for s in plan] == [
        ("E0/0405.csv", None, Season(2004)),
        ("2025-26/E0_2026-01-29T0907.csv", None, Season(2025)),
        ("f.csv", None, None),
    ]
    # A season file unless named fixtures (F6): a results file without FTHG is refused, not
    # loaded as fixtures. The league is told by the content.
    assert all(s.kind == "matches" and s.league is None for s in plan)
    fixtures = plan_files([Path("fixtures.csv"), Path("snap/fixtures_2026-02-27T1856.csv")], None)
    assert [s.kind for s in fixtures] == ["fixtures", "fixtures"]
    forced = plan_files([Path("E0/0405.csv")], Season(2010))
    assert (forced[0].season, forced[0].season_hint) == (Season(2010), None)
    assert forced[0].source_uri.startswith("file:///")


# --- local reads -------------------------------------------------------------------------------


def test_missing_local_file(tmp_path: Path) -> None:
    with (
        Fetcher(tmp_path / "cache", today=TODAY) as f,
        pytest.raises(FetchError, match=r"missing\.csv: file not found"),
    ):
        f.read(SourceFile(str(tmp_path / "missing.csv"), "missing.csv"))
    with (
        Fetcher(tmp_path / "cache", today=TODAY) as f,
        pytest.raises(FetchError, match="is a folder"),
    ):
        f.read(SourceFile(str(tmp_path), "x.csv"))


# --- downloads ---------------------------------------------------------------------------------


def test_download_is_cached_and_a_finished_season_is_not_asked_again(tmp_path: Path) -> None:
    server = Server(csv_response())
    source = web_source(Season(2024))
    with fetcher(tmp_path, server) as f:
        assert f.read(source) == CSV
        assert f.read(source) == CSV
        assert f.cache_path(source.location) == tmp_path / "cache/football-data/mmz4281/2425/E0.csv"
    assert len(server.requests) == 1
    assert server.requests[0].headers["user-agent"].startswith("plpred")


def test_current_season_is_asked_again_conditionally(tmp_path: Path) -> None:
    def not_modified(request: httpx.Request) -> httpx.Response:
        assert request.headers["if-none-match"] == '"v1"'
        assert request.headers["if-modified-since"] == "Sun, 01 Mar 2026 06:00:00 GMT"
        return httpx.Response(304)

    server = Server(
        csv_response(etag='"v1"', **{"last-modified": "Sun, 01 Mar 2026 06:00:00 GMT"}),
        not_modified,
        csv_response(CSV + b"E0,10/08/2025,Leeds,Hull,0,0,D\r\n", etag='"v2"'),
    )
    with fetcher(tmp_path, server) as f:
        assert f.read(web_source()) == CSV
        assert f.read(web_source()) == CSV  # 304: the cached copy
        assert f.read(web_source()).count(b"\r\n") == 3  # changed upstream
    assert len(server.requests) == 3


def test_transient_errors_are_retried_with_back_off(tmp_path: Path) -> None:
    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection reset", request=request)

    sleeps: list[float] = []
    server = Server(
        httpx.Response(503),
        reset,
        httpx.Response(429, headers={"retry-after": "7"}),
        csv_response(),
    )
    with fetcher(tmp_path, server, sleeps) as f:
        assert f.read(web_source()) == CSV
    assert len(server.requests) == 4
    assert sleeps == [1.0, 2.0, 7.0]  # exponential, or what Retry-After asks


def test_giving_up_names_the_url_and_the_last_problem(tmp_path: Path) -> None:
    sleeps: list[float] = []
    server = Server(httpx.Response(502))
    with (
        fetcher(tmp_path, server, sleeps) as f,
        pytest.raises(FetchError) as failed,
    ):
        f.read(web_source())
    assert str(failed.value) == (
        f"{BASE}/mmz4281/2526/E0.csv: HTTP 502 Bad Gateway (gave up after 4 attempts)"
    )
    assert "\n" not in str(failed.value)
    assert sleeps == [1.0, 2.0, 4.0]


def test_a_server_that_never_answers_fails_once_without_retries(tmp_path: Path) -> None:
    """It accepted the connection and sent nothing: waiting again would only double the wait
    (4 attempts of 30 s each were 2 min 11 s per file), and its other files are not tried."""
    calls = []

    def timeout(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        raise httpx.ReadTimeout("timed out", request=request)

    with fetcher(tmp_path, Server(timeout)) as f:
        with pytest.raises(FetchError, match=r"fixtures\.csv: .*sent no answer within 30 s"):
            f.read(web_source(None))
        with pytest.raises(FetchError, match=r"not tried"):
            f.read(web_source(Season(2024)))
    assert len(calls) == 1


def test_connect_timeouts_are_retried_then_reported(tmp_path: Path) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with (
        fetcher(tmp_path, Server(timeout)) as f,
        pytest.raises(
            FetchError, match=r"fixtures\.csv: ConnectTimeout: timed out \(gave up after 4"
        ),
    ):
        f.read(web_source(None))


def test_not_found_fails_at_once_naming_the_url(tmp_path: Path) -> None:
    server = Server(httpx.Response(404, html="<html>Not here</html>"))
    with (
        fetcher(tmp_path, server) as f,
        pytest.raises(FetchError) as failed,
    ):
        f.read(web_source())
    assert str(failed.value) == f"{BASE}/mmz4281/2526/E0.csv: HTTP 404 Not Found"
    assert len(server.requests) == 1
    assert not (tmp_path / "cache/football-data/mmz4281/2526/E0.csv").exists()


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, html="<!DOCTYPE html><html><body>Sorry</body></html>"),
        httpx.Response(
            200, content=b"\n<html>moved</html>", headers={"content-type": "text/plain"}
        ),
        httpx.Response(200, content=CSV, headers={"content-type": "text/html; charset=utf-8"}),
    ],
)
def test_html_page_instead_of_csv_is_an_error_and_not_cached(
    tmp_path: Path, response: httpx.Response
) -> None:
    with (
        fetcher(tmp_path, Server(response)) as f,
        pytest.raises(FetchError, match=r"mmz4281/2526/E0\.csv: the server sent an HTML page"),
    ):
        f.read(web_source())
    assert not (tmp_path / "cache/football-data/mmz4281/2526/E0.csv").exists()


def test_empty_download_is_an_error(tmp_path: Path) -> None:
    with (
        fetcher(tmp_path, Server(csv_response(b""))) as f,
        pytest.raises(FetchError, match="the server sent an empty file"),
    ):
        f.read(web_source())


def test_current_season_may_be_missing_early_in_the_season(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    august, _ = plan_sources(settings, seasons=None, include_fixtures=False, today=date(2026, 8, 5))
    assert august[-1].season == Season(2026) and august[-1].optional
    assert not any(s.optional for s in august[:-1])
    october, _ = plan_sources(
        settings, seasons=None, include_fixtures=False, today=date(2026, 10, 1)
    )
    assert not any(s.optional for s in october)
    chosen, _ = plan_sources(
        settings, seasons=[Season(2026)], include_fixtures=False, today=date(2026, 8, 5)
    )
    assert not chosen[0].optional  # asked for by name: its absence is a failure


def test_not_found_is_marked_so(tmp_path: Path) -> None:
    with fetcher(tmp_path, Server(httpx.Response(404))) as f, pytest.raises(FetchError) as gone:
        f.read(web_source())
    assert gone.value.not_found
    with fetcher(tmp_path, Server(httpx.Response(403))) as f, pytest.raises(FetchError) as denied:
        f.read(web_source())
    assert not denied.value.not_found


def test_an_unreachable_server_is_not_retried_file_after_file(tmp_path: Path) -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    sleeps: list[float] = []
    server = Server(offline)
    messages = []
    with fetcher(tmp_path, server, sleeps) as f:
        for season in (Season(2023), Season(2024), Season(2025)):
            with pytest.raises(FetchError) as failed:
                f.read(web_source(season))
            messages.append(str(failed.value))
    assert len(server.requests) == 8  # two files with four attempts each, then none
    assert len(sleeps) == 6
    assert messages[2] == (
        f"{BASE}/mmz4281/2526/E0.csv: not tried, www.football-data.co.uk was unreachable for the "
        "previous 2 files (ConnectError: Name or service not known)"
    )


def test_an_answer_resets_the_unreachable_count(tmp_path: Path) -> None:
    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    server = Server(offline, offline, offline, offline, csv_response(), offline)
    with fetcher(tmp_path, server) as f:
        with pytest.raises(FetchError, match="gave up after 4 attempts"):
            f.read(web_source(Season(2023)))
        assert f.read(web_source(Season(2024))) == CSV
        with pytest.raises(FetchError, match="gave up after 4 attempts"):
            f.read(web_source(Season(2025)))
