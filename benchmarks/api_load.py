"""Load benchmark of the HTTP API (issue 15): a real ``plpred api`` (uvicorn) on a loopback
port, 20 concurrent clients (asyncio + httpx) for 30 s, each alternating between
GET /v1/predictions/upcoming and POST /v1/predict; p50, p95, p99 latency and errors per
endpoint. Bounded: it stops itself after ``--seconds`` (and at most ``--max-requests``), with
a 10 s timeout per request.

    uv run python benchmarks/api_load.py [--home PATH --as-of CLOCK] [--seconds 30] [--clients 20]

Without ``--home`` it builds the tests' synthetic league (tests/api/league.py: four seasons,
a quick champion that reads the market, its predictions of the next two rounds, the results of
the first) in a temporary PLPRED_HOME and runs at its clock, where /predictions/upcoming lists
20 fixtures and /predict predicts one of them on its stored features (alternately a pairing
of two teams with posted odds). The issue's goals on 2 cores: p95 <= 50 ms for the read,
<= 100 ms for /predict, 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import OUT
from rich.table import Table

from ml import clock
from ml.config import PROJECT_ROOT, Settings, get_settings

sys.path.insert(0, str(PROJECT_ROOT))
from tests.api.conftest import running_server  # noqa: E402
from tests.api.league import build_league_apart  # noqa: E402

READ = "GET /v1/predictions/upcoming"
PREDICT = "POST /v1/predict"
GOALS_MS = {READ: 50.0, PREDICT: 100.0}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", help="a PLPRED_HOME with a champion (default: build one)")
    parser.add_argument("--as-of", help="the clock of the requests (with --home)")
    parser.add_argument("--target", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--max-requests", type=int, default=200_000)
    return parser.parse_args()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def _load(base: str, as_of: str, bodies: list[dict], args: argparse.Namespace) -> dict:
    latencies: dict[str, list[float]] = {READ: [], PREDICT: []}
    errors: dict[str, int] = {READ: 0, PREDICT: 0}
    statuses: dict[str, dict[int, int]] = {READ: {}, PREDICT: {}}
    deadline = time.monotonic() + args.seconds
    budget = [args.max_requests]
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)

    async with httpx.AsyncClient(base_url=base, timeout=10.0, limits=limits) as http:

        async def client(number: int) -> None:
            turn = number
            while time.monotonic() < deadline and budget[0] > 0:
                budget[0] -= 1
                kind = READ if turn % 2 == 0 else PREDICT
                body = bodies[(turn // 2) % len(bodies)]
                turn += 1
                started = time.perf_counter()
                try:
                    if kind == READ:
                        response = await http.get(
                            "/v1/predictions/upcoming", params={"as_of": as_of}
                        )
                    else:
                        response = await http.post(
                            "/v1/predict", params={"as_of": as_of}, json=body
                        )
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                latencies[kind].append((time.perf_counter() - started) * 1000)
                statuses[kind][status] = statuses[kind].get(status, 0) + 1
                if status != 200:
                    errors[kind] += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(args.clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "statuses": statuses, "elapsed": elapsed}


def _bodies(base: str, as_of: str) -> list[dict]:
    upcoming = httpx.get(
        f"{base}/v1/predictions/upcoming", params={"as_of": as_of}, timeout=60
    ).json()
    items = upcoming["items"]
    if not items:
        raise SystemExit(f"no upcoming predictions at {as_of}: choose another --as-of")
    first_day = min(item["kickoff_at"] for item in items)
    first = [item for item in items if item["kickoff_at"] == first_day]
    bodies: list[dict] = []
    for a, b in zip(first, first[1:] + first[:1], strict=True):
        bodies.append(
            {
                "league": a["league"],
                "home_team": a["home_team"],
                "away_team": a["away_team"],
                "kickoff": a["kickoff_at"],
            }
        )
        bodies.append(
            {
                "league": a["league"],
                "home_team": a["home_team"],
                "away_team": b["away_team"],
                "kickoff": a["kickoff_at"],
                "odds": {"home": 2.2, "draw": 3.4, "away": 3.3},
            }
        )
    for body in bodies[:2]:
        check = httpx.post(f"{base}/v1/predict", params={"as_of": as_of}, json=body, timeout=60)
        if check.status_code != 200:
            raise SystemExit(f"POST /v1/predict answers {check.status_code}: {check.text}")
    return bodies


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="plpred-api-load-") as scratch:
        if args.home:
            os.environ["PLPRED_HOME"] = args.home
            settings = get_settings(target=args.target)
            if not args.as_of:
                raise SystemExit("--as-of is needed with --home")
            as_of = clock.parse_as_of(args.as_of)
        else:
            root = Path(scratch)
            (root / "home").mkdir()
            settings = Settings(home=root / "home", target=args.target)
            OUT.print("building the synthetic league (tests/api/league.py) …")
            built = time.perf_counter()
            as_of = build_league_apart(settings, root).clock
            OUT.print(f"  built in {time.perf_counter() - built:.0f} s")
        stamp = clock.as_utc(as_of).strftime("%Y-%m-%dT%H:%M:%SZ")
        log = Path(scratch) / "access.log"
        with running_server(settings, log, token=None) as base:
            bodies = _bodies(base, stamp)
            for _ in range(20):  # warm up: the champion loaded, the pages cached
                httpx.get(f"{base}/v1/predictions/upcoming", params={"as_of": stamp}, timeout=60)
            result = asyncio.run(_load(base, stamp, bodies, args))
    table = Table(
        title=f"plpred API, {args.clients} clients for {result['elapsed']:.0f} s, "
        f"{os.cpu_count()} cores, {settings.target}"
    )
    for column in (
        "endpoint",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "goal p95",
    ):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for kind in (READ, PREDICT):
        values = result["latencies"][kind]
        table.add_row(
            kind,
            str(len(values)),
            f"{len(values) / result['elapsed']:.0f}",
            f"{statistics.median(values):.1f}",
            f"{_percentile(values, 0.95):.1f}",
            f"{_percentile(values, 0.99):.1f}",
            str(result["errors"][kind]),
            f"<= {GOALS_MS[kind]:g} ms",
        )
    OUT.print(table)
    OUT.print(f"statuses: {result['statuses']}")


if __name__ == "__main__":
    main()
