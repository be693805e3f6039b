"""The API on a Postgres warehouse (issue 15: both targets): the synthetic league of
tests/api/league.py built on a database created for this module and dropped after it, read
through a real ``plpred api`` on a loopback port. The reads answer what the source says (the
fixtures' average prices, margin removed proportionally), and POST /predict reproduces the
champion's stored predictions, as on DuckDB."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from ml import clock
from ml.config import Settings, get_settings
from ml.models.metrics import implied_probabilities
from tests.api.conftest import running_server
from tests.api.league import League, build_league_apart
from tests.conftest import postgres_admin

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def league(tmp_path_factory: pytest.TempPathFactory) -> Iterator[League]:
    admin = postgres_admin()
    dbname = f"plpred_test_api_{uuid.uuid4().hex[:10]}"
    admin.cursor().execute(f'create database "{dbname}"')
    root = tmp_path_factory.mktemp("api_postgres")
    (root / "home").mkdir()
    base = get_settings(target="postgres")
    settings = Settings(
        home=root / "home",
        target="postgres",
        postgres=base.postgres.__class__(**{**base.postgres.__dict__, "dbname": dbname}),
    )
    try:
        yield build_league_apart(settings, root)
    finally:
        admin.cursor().execute(f'drop database if exists "{dbname}" with (force)')
        admin.close()


@pytest.fixture(scope="module")
def base(league: League, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("api_postgres_server") / "access.log"
    with running_server(league.settings, log) as url:
        yield url


def _iso(league: League) -> str:
    return clock.as_utc(league.clock).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_upcoming_matches_on_postgres_are_the_sources_fixtures_and_prices(
    base: str, league: League, tmp_path: Path
) -> None:
    fixtures = pd.read_csv(league.source / "fixtures.csv")
    fixtures = fixtures[fixtures["Div"] == "E0"]
    expected = {
        (row.HomeTeam, row.AwayTeam): implied_probabilities(
            [row.AvgH, row.AvgD, row.AvgA], method="proportional"
        ).probabilities
        for row in fixtures.itertuples()
    }
    items: list[dict] = []
    with httpx.Client(base_url=base, timeout=30) as http:
        offset: int | None = 0
        while offset is not None:
            page = http.get(
                "/v1/matches/upcoming", params={"as_of": _iso(league), "limit": 7, "offset": offset}
            ).json()
            items += page["items"]
            offset = page["next_offset"]
    assert len(items) == len(expected) == 20
    assert [i["kickoff_at"] for i in items] == sorted(i["kickoff_at"] for i in items)
    for item in items:
        probabilities = expected[(item["home_team"], item["away_team"])]
        for side, p in zip(("home", "draw", "away"), probabilities, strict=True):
            assert math.isclose(item[f"market_p_{side}"], p, abs_tol=1e-12)
        assert item["kickoff_at_uk"].endswith("T15:00:00")


def test_on_postgres_predict_reproduces_the_champions_stored_predictions(
    base: str, league: League
) -> None:
    as_of = {"as_of": _iso(league)}
    with httpx.Client(base_url=base, timeout=60) as http:
        assert http.get("/v1/ready").status_code == 200
        upcoming = http.get("/v1/predictions/upcoming", params=as_of).json()["items"]
        assert len(upcoming) == 20 and {i["model_version"] for i in upcoming} == {"1"}
        first_day = min(item["kickoff_at"] for item in upcoming)
        played = [item for item in upcoming if item["kickoff_at"] == first_day]
        for item in played:
            body = {
                "league": "E0",
                "home_team": item["home_team"],
                "away_team": item["away_team"],
                "kickoff": item["kickoff_at"],
            }
            answer = http.post("/v1/predict", params=as_of, json=body).json()
            assert answer["features_source"] == "match", answer
            for side in ("p_home", "p_draw", "p_away"):
                assert abs(answer[side] - item[side]) <= 1e-9
        stored = http.get("/v1/predictions", params={"team": played[0]["home_team"]}).json()
        assert stored["total"] == 2 and stored["items"][0]["result"] in ("H", "D", "A")
        assert http.get("/v1/predictions", params={"team": "x' or '1'='1"}).json()["total"] == 0
        unknown = http.post("/v1/predict", params=as_of, json={**body, "home_team": "Nowhere"})
        assert unknown.status_code == 422 and played[0]["home_team"] in unknown.json()["known"]
        history = http.get("/v1/retraining/history", params=as_of).json()
        assert history["total"] == 1
        backtest = http.get("/v1/strategies/kelly/performance", params={"mode": "backtest"})
        assert backtest.json()["rows"][0]["bets"] > 0
