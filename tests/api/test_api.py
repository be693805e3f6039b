"""The HTTP API (issue 15) on one real DuckDB warehouse of a synthetic league with a champion
(tests/api/league.py), through FastAPI's test client for most requests and a real
``plpred api`` (uvicorn) on a loopback port for the rest: every endpoint with good input and
with each kind of bad input, the champion's stored predictions reproduced by POST /predict,
reads during a real concurrent ``plpred run``, and a retraining job. The tests run in file
order: the last two write the warehouse."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from ml import clock
from ml.api import ApiConfig, create_app
from ml.betting.strategies import load_config
from ml.config import PROJECT_ROOT, Settings
from tests.api.conftest import TOKEN, running_server, server_env
from tests.api.league import League, build_league_apart

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def league(tmp_path_factory: pytest.TempPathFactory) -> League:
    root = tmp_path_factory.mktemp("api_duckdb")
    (root / "home").mkdir()
    return build_league_apart(Settings(home=root / "home", target="duckdb"), root)


def _iso(moment: datetime) -> str:
    return clock.as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def as_of(league: League) -> str:
    """The clock of the first run: the day before the first fixture, when they were scored."""
    return _iso(league.clock)


@pytest.fixture(scope="module")
def client(league: League) -> Iterator[TestClient]:
    """The app with a token and a fixed 'now' (an hour after the league's clock)."""
    config = ApiConfig(
        settings=league.settings, write_token=TOKEN, now=lambda: league.clock + timedelta(hours=1)
    )
    with TestClient(create_app(config), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def upcoming(client: TestClient, as_of: str) -> list[dict]:
    response = client.get("/v1/predictions/upcoming", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _error(response: httpx.Response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text[:800]
    body = response.json()
    assert body["error"] == error, body
    assert body["request_id"] and response.headers["X-Request-ID"] == body["request_id"]
    assert "Traceback" not in response.text
    return body


# --- health and model ---------------------------------------------------------------------------


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/v1/health").json() == {"status": "ok"}
    ready = client.get("/v1/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {
        "warehouse": "ok",
        "marts": "ok",
        "last_build": "ok",
        "champion": "ok",
    }


def test_model_shows_the_champion_its_data_and_its_walk_forward_against_the_market(
    client: TestClient, as_of: str
) -> None:
    body = client.get("/v1/model", params={"as_of": as_of}).json()
    (e0,) = body["leagues"]
    champion = e0["champion"]
    assert (e0["league"], champion["version"], champion["label"]) == (
        "E0",
        "1",
        "logistic/with_market",
    )
    assert champion["training_data_end"] < as_of[:10]
    assert champion["configuration"]["variants"] == ["with_market"]
    overall = {
        (r["model"], r["is_selected"]) for r in champion["walk_forward"] if r["season"] == "all"
    }
    assert {("logistic", True), ("market_pre", False), ("market_close", False)} <= overall
    assert e0["challenger"] is None and e0["last_refit_at"] is None


# --- matches and stored predictions -------------------------------------------------------------


def test_upcoming_matches_are_the_fixtures_after_the_clock(
    client: TestClient, league: League, as_of: str
) -> None:
    body = client.get(
        "/v1/matches/upcoming", params={"as_of": as_of, "limit": 5, "offset": 5}
    ).json()
    assert (body["total"], len(body["items"]), body["next_offset"]) == (20, 5, 10)
    for match in body["items"]:
        assert match["kickoff_at"] > as_of
        total = match["market_p_home"] + match["market_p_draw"] + match["market_p_away"]
        assert math.isclose(total, 1, abs_tol=1e-9)
    later = _iso(league.clock + timedelta(days=15))
    assert client.get("/v1/matches/upcoming", params={"as_of": later}).json()["total"] == 0


def test_upcoming_predictions_are_those_in_force_at_the_clock(
    client: TestClient, league: League, upcoming: list[dict]
) -> None:
    assert len(upcoming) == 20
    for item in upcoming:
        assert item["model_version"] == "1" and item["predicted_at"] == _iso(league.clock)
        assert math.isclose(
            item["edge_home"], item["p_home"] - item["market_p_home"], abs_tol=1e-12
        )
    # The day before, the champion had not predicted anything yet.
    before = _iso(league.clock - timedelta(days=1))
    assert client.get("/v1/predictions/upcoming", params={"as_of": before}).json()["items"] == []


def test_stored_predictions_filter_paginate_and_carry_their_results(
    client: TestClient, upcoming: list[dict]
) -> None:
    everything = client.get("/v1/predictions").json()
    assert everything["total"] == 20 and everything["next_offset"] is None
    assert {item["result"] for item in everything["items"]} <= {"H", "D", "A"}
    assert all(item["result"] for item in everything["items"])  # every fixture was played since
    team = upcoming[0]["home_team"]
    by_team = client.get("/v1/predictions", params={"team": team}).json()
    assert by_team["total"] == 2  # one match a round, two rounds
    assert all(team in (i["home_team"], i["away_team"]) for i in by_team["items"])
    day = upcoming[0]["kickoff_at_uk"][:10]
    one_day = client.get("/v1/predictions", params={"from": day, "to": day, "season": "2024-25"})
    assert one_day.json()["total"] == 10
    assert client.get("/v1/predictions", params={"model_version": "2"}).json()["total"] == 0
    page = client.get("/v1/predictions", params={"limit": 7, "offset": 14}).json()
    assert (len(page["items"]), page["next_offset"]) == (6, None)
    one = client.get(f"/v1/predictions/{upcoming[0]['prediction_id']}")
    assert one.status_code == 200 and one.json()["p_home"] == upcoming[0]["p_home"]
    _error(client.get("/v1/predictions/plpred-E0:1:nope"), 404, "not_found")
    _error(
        client.get("/v1/predictions", params={"from": "2025-05-01", "to": "2025-04-01"}),
        422,
        "invalid_request",
    )


@pytest.mark.parametrize("limit", [0, 10**6, -1, "ten"])
def test_page_sizes_outside_1_to_1000_are_refused(client: TestClient, limit: object) -> None:
    for path in ("/v1/predictions", "/v1/matches/upcoming", "/v1/bets", "/v1/retraining/history"):
        body = _error(client.get(path, params={"limit": limit}), 422, "invalid_request")
        assert body["fields"][0]["field"] == "limit"


METACHARACTERS = ["x' or '1'='1", "E0'; drop table ml.predictions; --", "%s", "?", "\\", "--"]


@pytest.mark.parametrize("text", METACHARACTERS)
def test_sql_metacharacters_in_parameters_are_only_data(client: TestClient, text: str) -> None:
    assert client.get("/v1/predictions", params={"team": text}).json()["total"] == 0
    assert client.get("/v1/predictions", params={"league": text}).json()["total"] == 0
    _error(client.get("/v1/matches/upcoming", params={"league": text[:10]}), 422, "unknown_league")
    _error(client.get(f"/v1/predictions/{quote(text + 'x', safe='')}"), 404, "not_found")
    bets = client.get("/v1/bets", params={"strategy": text})
    assert bets.status_code == 200 and bets.json()["total"] == 0
    assert client.get("/v1/predictions").json()["total"] == 20


def test_a_bad_clock_or_league_is_named(client: TestClient) -> None:
    body = _error(
        client.get("/v1/matches/upcoming", params={"as_of": "soon"}), 422, "invalid_request"
    )
    assert "as_of" in body["detail"]
    body = _error(
        client.get("/v1/predictions/upcoming", params={"league": "XX"}), 422, "unknown_league"
    )
    assert body["known"] == ["E0"]
    _error(client.get("/v1/nothing-here"), 404, "not_found")
    _error(client.delete("/v1/predictions"), 405, "method_not_allowed")


# --- predict on demand --------------------------------------------------------------------------


def _request(item: dict, **changes: object) -> dict:
    return {
        "league": "E0",
        "home_team": item["home_team"],
        "away_team": item["away_team"],
        "kickoff": item["kickoff_at"],
        **changes,
    }


def test_predict_on_a_played_match_equals_the_champions_stored_prediction(
    client: TestClient, as_of: str, upcoming: list[dict]
) -> None:
    """The champion's walk-forward predictions in ml.walk_forward_predictions come from the
    season refits of the walk-forward, not from the registered version; the predictions that
    version itself made are its live ones, stored by batch scoring (ml.predictions) before
    the matches were played. POST /predict at that clock must reproduce them."""
    first_day = min(item["kickoff_at"] for item in upcoming)
    played = [item for item in upcoming if item["kickoff_at"] == first_day]
    assert len(played) == 10
    for item in played:
        assert client.get(f"/v1/predictions/{item['prediction_id']}").json()["result"]
        response = client.post("/v1/predict", params={"as_of": as_of}, json=_request(item))
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["model_version"], body["features_source"], body["match_id"]) == (
            "1",
            "match",
            item["match_id"],
        )
        for side in ("p_home", "p_draw", "p_away"):
            assert abs(body[side] - item[side]) <= 1e-9
        assert body["stored"] is False and body["prediction_id"] is None
    # A kickoff given in UK time without an offset is the same match.
    uk = _request(played[0], kickoff=played[0]["kickoff_at_uk"])
    assert (
        client.post("/v1/predict", params={"as_of": as_of}, json=uk).json()["p_home"]
        == played[0]["p_home"]
    )


def test_predict_refuses_features_not_known_at_the_clock(
    client: TestClient, as_of: str, upcoming: list[dict]
) -> None:
    second_round = max(upcoming, key=lambda item: item["kickoff_at"])
    body = _error(
        client.post("/v1/predict", params={"as_of": as_of}, json=_request(second_round)),
        422,
        "kickoff_too_far",
    )
    assert "before this kickoff" in body["detail"]
    far = _request(upcoming[0], kickoff="2025-06-30T15:00:00Z")
    _error(client.post("/v1/predict", params={"as_of": as_of}, json=far), 422, "kickoff_too_far")
    past = _request(upcoming[0], kickoff="2025-04-01T15:00:00Z")
    _error(client.post("/v1/predict", params={"as_of": as_of}, json=past), 422, "kickoff_in_past")


def test_predict_a_new_pairing_from_each_teams_form_with_posted_odds(
    client: TestClient, as_of: str, upcoming: list[dict]
) -> None:
    first_day = min(item["kickoff_at"] for item in upcoming)
    a, b = [item for item in upcoming if item["kickoff_at"] == first_day][:2]
    pairing = _request(a, away_team=b["away_team"])
    _error(client.post("/v1/predict", params={"as_of": as_of}, json=pairing), 422, "odds_required")
    odds = {"home": 2.1, "draw": 3.4, "away": 3.6}
    response = client.post("/v1/predict", params={"as_of": as_of}, json={**pairing, "odds": odds})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["features_source"], body["market_source"], body["match_id"]) == (
        "teams",
        "request",
        None,
    )
    assert math.isclose(body["p_home"] + body["p_draw"] + body["p_away"], 1, abs_tol=1e-9)
    assert body["features_as_of"] < as_of[:10]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"away_team": None}, "invalid_request"),  # missing
        ({"kickoff": "next saturday"}, "invalid_request"),  # wrong type
        ({"league": 7}, "invalid_request"),
        ({"odds": {"home": "evens", "draw": 3.2, "away": 4.0}}, "invalid_request"),
        ({"odds": {"home": 0.9, "draw": 3.2, "away": 4.0}}, "invalid_request"),
        ({"colour": "red"}, "invalid_request"),
        ({"home_team": "Atlantis FC"}, "unknown_team"),
        ({"home_team": "'; drop table ml.predictions; --"}, "unknown_team"),
        ({"league": "XX"}, "unknown_league"),
        ({"away_team": "SAME"}, "invalid_request"),
    ],
)
def test_predict_bad_input(
    client: TestClient, as_of: str, upcoming: list[dict], change: dict, error: str
) -> None:
    request = _request(upcoming[0], **change)
    if change.get("away_team") == "SAME":
        request["away_team"] = request["home_team"]
    request = {k: v for k, v in request.items() if v is not None}
    body = _error(client.post("/v1/predict", params={"as_of": as_of}, json=request), 422, error)
    if error == "unknown_team":
        assert len(body["known"]) == 20 and upcoming[0]["away_team"] in body["known"]
    if error == "unknown_league":
        assert body["known"] == ["E0"]


def test_predict_batch_answers_each_item_and_refuses_501(
    client: TestClient, as_of: str, upcoming: list[dict]
) -> None:
    good = _request(upcoming[0])
    batch = {"matches": [good, {**good, "home_team": "Atlantis FC"}, good]}
    response = client.post("/v1/predict/batch", params={"as_of": as_of}, json=batch)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert (
        results[0]["prediction"]["p_home"]
        == upcoming[0]["p_home"]
        == results[2]["prediction"]["p_home"]
    )
    assert results[1]["prediction"] is None and results[1]["error"]["error"] == "unknown_team"
    for size in (0, 501):
        body = _error(
            client.post(
                "/v1/predict/batch", params={"as_of": as_of}, json={"matches": [good] * size}
            ),
            422,
            "invalid_request",
        )
        assert body["fields"][0]["field"] == "matches"


def test_storing_a_prediction_needs_the_token_and_never_writes_twice(
    client: TestClient, league: League, as_of: str, upcoming: list[dict]
) -> None:
    good = _request(upcoming[0])
    url, store = "/v1/predict", {"as_of": as_of, "store": "true"}
    _error(client.post(url, params=store, json=good), 401, "unauthorized")
    wrong = {"Authorization": "Bearer not-the-token"}
    _error(client.post(url, params=store, json=good, headers=wrong), 401, "unauthorized")
    _error(client.post(url, params=store, json=good, headers=AUTH), 409, "already_predicted")
    pairing = {
        **_request(upcoming[0], away_team=upcoming[1]["away_team"]),
        "odds": {"home": 2, "draw": 3.5, "away": 3.9},
    }
    _error(client.post(url, params=store, json=pairing, headers=AUTH), 422, "cannot_store")
    assert client.get("/v1/predictions").json()["total"] == 20
    closed = create_app(ApiConfig(settings=league.settings, write_token=None))
    with TestClient(closed, raise_server_exceptions=False) as no_token:
        _error(
            no_token.post(url, params=store, json=good, headers=AUTH),
            403,
            "writes_disabled",
        )
        _error(no_token.post("/v1/retraining/check", headers=AUTH), 403, "writes_disabled")


# --- betting ------------------------------------------------------------------------------------


def test_strategies_and_their_books(client: TestClient) -> None:
    names = [s["name"] for s in client.get("/v1/strategies").json()]
    assert names == list(load_config().strategies)
    backtest = client.get("/v1/strategies/kelly/performance", params={"mode": "backtest"}).json()
    assert backtest["rows"][0]["season"] == "all" and backtest["rows"][0]["bets"] > 0
    assert {"yield", "hit_rate", "max_drawdown", "average_clv", "bankroll_end"} <= set(
        backtest["rows"][0]
    )
    live = client.get("/v1/strategies/kelly/performance", params={"mode": "live"})
    assert live.status_code == 200 and live.json()["mode"] == "live"
    _error(client.get("/v1/strategies/martingale/performance"), 404, "not_found")
    _error(
        client.get("/v1/strategies/kelly/performance", params={"mode": "dream"}),
        422,
        "invalid_request",
    )


def test_bets_open_and_settled(client: TestClient) -> None:
    live_open = client.get("/v1/bets", params={"status": "open", "limit": 5}).json()
    assert live_open["total"] > 0 and all(b["outcome"] is None for b in live_open["items"])
    assert live_open["next_offset"] == 5
    assert client.get("/v1/bets", params={"status": "settled"}).json()["total"] == 0
    settled = client.get(
        "/v1/bets", params={"mode": "backtest", "status": "settled", "strategy": "kelly"}
    )
    assert settled.json()["total"] > 0
    assert all(b["outcome"] and b["strategy"] == "kelly" for b in settled.json()["items"])
    _error(client.get("/v1/bets", params={"status": "lost"}), 422, "invalid_request")


def test_simulate_reproduces_the_stored_backtest_and_writes_nothing(client: TestClient) -> None:
    kelly = load_config().strategies["kelly"]
    body = {
        "strategy": {
            "name": "kelly",
            "rule": kelly.rule,
            "odds_source": kelly.odds_source,
            "bankroll": float(kelly.bankroll),
            "min_stake": float(kelly.min_stake),
            "params": kelly.params,
        }
    }
    before = client.get("/v1/bets", params={"mode": "backtest"}).json()["total"]
    response = client.post("/v1/betting/simulate", json=body)
    assert response.status_code == 200, response.text
    simulated = response.json()
    stored = client.get("/v1/strategies/kelly/performance", params={"mode": "backtest"}).json()[
        "rows"
    ][0]
    assert simulated["strategy_version"] == kelly.version
    assert (simulated["model"], simulated["variant"]) == ("logistic", "with_market")
    assert simulated["bets"] == stored["bets"] and simulated["wins"] == stored["wins"]
    for key in ("staked", "profit", "bankroll_end", "max_drawdown"):
        assert abs(simulated[key] - stored[key]) < 0.005, key
    assert client.get("/v1/bets", params={"mode": "backtest"}).json()["total"] == before
    _error(
        client.post("/v1/betting/simulate", json={"strategy": {**body["strategy"], "params": {}}}),
        422,
        "invalid_strategy",
    )
    _error(
        client.post(
            "/v1/betting/simulate", json={"strategy": {**body["strategy"], "rule": "hope"}}
        ),
        422,
        "invalid_request",
    )


# --- retraining -----------------------------------------------------------------------------


def test_retraining_status_and_history(client: TestClient, league: League, as_of: str) -> None:
    status = client.get("/v1/retraining/status").json()  # the app's now: an hour after the clock
    assert status["policy"]["max_rps_gap"] > 0
    assert status["last_decision"]["action"] == "retrain"  # the first champion's, carried out
    now_uk = (league.clock + timedelta(hours=1)).astimezone(clock.UK)
    day = now_uk if now_uk.hour < 7 else now_uk + timedelta(days=1)
    expected = day.replace(hour=7, minute=0, second=0)
    assert status["next_check_at"] == _iso(expected)
    history = client.get("/v1/retraining/history", params={"as_of": as_of}).json()
    assert history["total"] == 1 and history["items"][0]["model_version_after"] == "1"


def test_write_actions_need_the_token(client: TestClient) -> None:
    for action in ("check", "force"):
        _error(client.post(f"/v1/retraining/{action}"), 401, "unauthorized")
        wrong = {"Authorization": f"Bearer {TOKEN}x"}
        _error(client.post(f"/v1/retraining/{action}", headers=wrong), 401, "unauthorized")
    _error(client.get("/v1/jobs/job-000000000000"), 404, "not_found")


# --- a real server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(league: League, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("api_server") / "access.log"
    with running_server(league.settings, log) as base:
        yield base, log


def test_a_real_server_answers_as_the_app_does_and_logs_json(
    server: tuple[str, Path], client: TestClient, as_of: str, upcoming: list[dict]
) -> None:
    base, log = server
    with httpx.Client(base_url=base, timeout=30) as http:
        served = http.get("/v1/predictions/upcoming", params={"as_of": as_of})
        assert served.status_code == 200 and served.json()["items"] == upcoming
        predicted = http.post("/v1/predict", params={"as_of": as_of}, json=_request(upcoming[0]))
        assert abs(predicted.json()["p_home"] - upcoming[0]["p_home"]) <= 1e-9
        refused = http.post("/v1/retraining/force", params={"league": "XX"}, headers=AUTH)
        assert refused.status_code == 422
        docs = http.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
    time.sleep(0.3)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    paths = {(line["method"], line["path"], line["status"]) for line in lines}
    assert ("POST", "/v1/predict", 200) in paths and ("POST", "/v1/retraining/force", 422) in paths
    assert all(line["request_id"] and line["ms"] >= 0 for line in lines)
    assert TOKEN not in log.read_text()


def test_reads_answer_503_with_retry_after_while_plpred_run_writes(
    server: tuple[str, Path], league: League, as_of: str
) -> None:
    """A real `plpred run` a day after the results (it settles the live bets, monitors, and
    rebuilds the ledger marts, holding DuckDB's write lock) while a client reads: every
    answer is a 200 or a 503 with Retry-After, never a hang or a 500."""
    base, _ = server
    run_clock = _iso(league.clock + timedelta(days=16))
    run = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("plpred")),
            "run",
            "--source",
            str(league.later_source),
            "--as-of",
            run_clock,
            "--no-report",
            "--refit-age-days",
            "100000",
        ],
        cwd=PROJECT_ROOT,
        env=server_env(league.settings, token=None),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    answers: list[httpx.Response] = []
    with httpx.Client(base_url=base, timeout=10) as http:
        while run.poll() is None:
            answers.append(http.get("/v1/predictions/upcoming", params={"as_of": as_of}))
            time.sleep(0.1)
        output = run.stdout.read() if run.stdout else ""
        assert run.returncode == 0, output[-3000:]
        after = http.get("/v1/predictions/upcoming", params={"as_of": as_of})
    statuses = {a.status_code for a in answers}
    assert statuses <= {200, 503}, statuses
    busy = [a for a in answers if a.status_code == 503]
    assert busy, f"no read met the writer in {len(answers)} reads"
    assert all(
        a.headers["Retry-After"] == "2" and a.json()["error"] == "warehouse_busy" for a in busy
    )
    assert after.status_code == 200 and len(after.json()["items"]) == 20


def test_retraining_check_runs_the_monitor_step_as_a_job(
    server: tuple[str, Path], league: League
) -> None:
    base, _ = server
    run_clock = _iso(league.clock + timedelta(days=16))
    with httpx.Client(base_url=base, timeout=30) as http:
        started = http.post("/v1/retraining/check", params={"as_of": run_clock}, headers=AUTH)
        assert started.status_code == 202, started.text
        job = started.json()
        assert (job["runner"], job["step"], job["state"]) == ("local", "monitor", "running")
        deadline = time.monotonic() + 120
        while job["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.5)
            job = http.get(f"/v1/jobs/{job['id']}").json()
        assert job["state"] == "succeeded", job
        history = http.get("/v1/retraining/history", params={"as_of": run_clock}).json()
    # The run's monitor decided at this clock; the job's monitor found that run and added nothing.
    assert history["total"] == 2
    assert "monitor" in job["output"]
