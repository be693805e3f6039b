"""``plpred replay``: live the season again, snapshot by snapshot, on the catalogue of steps.

A snapshot archive (``snapshots/2025-26/``: the season file and ``fixtures.csv`` as
football-data showed them at known moments) gives the clock its ticks: every capture time, in
order. At each tick the whole catalogue (:mod:`ml.orchestration.steps`) runs as of that moment, exactly as
``plpred run --as-of`` would: ingest takes the history seasons from the source and the
latest snapshot at or before the tick, transform rebuilds what changed, the first tick trains
the first champion, later ones refit it when it is older than the refit age, then score,
settle, bet and the ledger marts. Nothing knows it is a replay.

Each finished tick is recorded in ``ops.runs`` (kind ``replay``): a replay run again skips the
ticks it finished, so a killed replay resumes where it stopped and a finished one adds
nothing. Progress also goes to ``PLPRED_HOME/replay/progress.json`` (readable while DuckDB is
held by the replay).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ml import clock
from ml.config import Settings
from ml.orchestration.steps import RunOptions, RunResult, run_catalogue
from ml.warehouse.connection import apply_ddl, connect, read_sql


def quick_train_config():
    """``plpred replay --quick``: the first champion from small grids, one classifier and the
    last two seasons' walk-forward (the goals model and the blend stay in)."""
    from ml.modeling.config import TrainConfig

    return TrainConfig(n_eval_seasons=2, classifiers=("logistic",), quick=True)


class ReplayError(RuntimeError):
    """The replay cannot start or go on; the message says why and what to do."""


@dataclass
class ReplaySummary:
    """What a replay did: per tick and step the seconds, and the outcome read from the marts."""

    ticks: list[RunResult] = field(default_factory=list)
    skipped_ticks: int = 0
    seconds: float = 0.0
    live: pd.DataFrame = field(default_factory=pd.DataFrame)
    strategies: pd.DataFrame = field(default_factory=pd.DataFrame)
    counts: dict[str, int] = field(default_factory=dict)

    def step_seconds(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for tick in self.ticks:
            for step in tick.steps:
                totals[step.name] += step.seconds
        return dict(totals)


def replay_times(
    archive, *, league: str, start: datetime | None, end: datetime | None
) -> list[datetime]:
    """The ticks: the capture times of the league's season file and of fixtures.csv."""
    times = sorted(set(archive.times(league)) | set(archive.fixtures_times()))
    if not times:
        raise ReplayError(f"{archive.folder} has no {league} or fixtures snapshots")
    return [
        t
        for t in times
        if (start is None or t >= clock.as_utc(start)) and (end is None or t <= clock.as_utc(end))
    ]


def finished_ticks(settings: Settings) -> set[datetime]:
    """The clocks of the replay ticks this warehouse finished (aware UTC)."""
    with connect(settings) as conn:
        apply_ddl(conn)
        rows = conn.fetchall(read_sql("ops/select_finished_replay_ticks.sql"), [settings.league])
    return {clock.as_utc(pd.Timestamp(row[0]).to_pydatetime()) for row in rows}


def replay(
    settings: Settings,
    *,
    snapshots: Path,
    start: datetime | None = None,
    end: datetime | None = None,
    options: RunOptions | None = None,
    console: Console | None = None,
    log: Console | None = None,
) -> ReplaySummary:
    """Run the catalogue at every snapshot time of ``snapshots`` in ``[start, end]``.

    ``options`` as for ``plpred run`` (its ``snapshots`` is set here; the report is written
    at the last tick only). Step output goes to ``log`` (default: a file under
    ``PLPRED_HOME/replay``), a progress bar and one line per tick to ``console``.
    """
    from ml.ingest.snapshots import SnapshotArchive

    console = console or Console(stderr=True)
    archive = SnapshotArchive.open(snapshots)
    times = replay_times(archive, league=settings.league, start=start, end=end)
    if not times:
        raise ReplayError(f"no snapshot of {archive.folder} lies between --from and --to")
    options = options or RunOptions()
    done = finished_ticks(settings)
    todo = [t for t in times if t not in done and (not done or t > max(done))]
    summary = ReplaySummary(skipped_ticks=len(times) - len(todo))
    if summary.skipped_ticks:
        console.print(
            f"{summary.skipped_ticks} of {len(times)} ticks were replayed already "
            f"(up to {clock.describe(max(done))}); going on from there"
        )
    progress_path = settings.home / "replay" / "progress.json"
    progress_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = None
    if log is None:
        log_file = (settings.home / "replay" / "replay.log").open("a")
        log = Console(file=log_file, width=140, force_terminal=False, color_system=None)
    # At once: a resumed replay must not leave the killed one's numbers up until its first tick.
    _write_progress(progress_path, times, done, summary)
    started = time.perf_counter()
    try:
        with Progress(
            TextColumn("[bold]replay[/bold] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("", total=len(todo))
            for index, tick in enumerate(todo):
                bar.update(task, description=f"{tick:%Y-%m-%d %H:%M} UTC")
                last = index == len(todo) - 1
                tick_options = _tick_options(options, archive.folder, last)
                log.rule(f"tick {tick:%Y-%m-%d %H:%M} UTC")
                result = run_catalogue(
                    settings, as_of=tick, options=tick_options, console=log, kind="replay"
                )
                summary.ticks.append(result)
                bar.console.print(_tick_line(result))
                _write_progress(progress_path, times, done, summary)
                bar.advance(task)
    finally:
        if log_file is not None:
            log_file.close()
    summary.seconds = time.perf_counter() - started
    _read_outcome(settings, summary, times[0], times[-1])
    return summary


def _tick_options(options: RunOptions, folder: Path, last: bool) -> RunOptions:
    """Every tick runs the whole catalogue; dbt's data tests and the ledger marts wait for the
    last tick unless ``options.dbt_tests`` asks for them at every tick (``--dbt-tests every``),
    and the last tick rebuilds and tests everything. So does Evidently's HTML report of
    feature drift, but for the ticks where the data drifted (more drifted features than the
    policy's ``max_drifted_share``): those keep theirs."""
    from dataclasses import replace

    every = options.dbt_tests and options.build_ledger_marts
    return replace(
        options,
        snapshots=folder,
        report=options.report and last,
        dbt_tests=every or last,
        build_ledger_marts=every or last,
        drift_report=(
            options.drift_report if every or last or options.drift_report == "never" else "on_drift"
        ),
        force=options.force | (frozenset({"transform"}) if last and not every else frozenset()),
    )


def _tick_line(result: RunResult) -> str:
    done = [s for s in result.steps if s.status != "skipped"]
    seconds = sum(s.seconds for s in result.steps)
    parts = []
    for step in done:
        if step.name in ("score", "bet", "settle") and not step.changed:
            continue
        parts.append(f"{step.name} ({step.detail})" if step.detail else step.name)
    return f"{result.as_of:%Y-%m-%d %H:%M} UTC  {seconds:5.1f} s  " + (
        "; ".join(parts) or "nothing new"
    )


def _write_progress(
    path: Path, times: list[datetime], done: set[datetime], summary: ReplaySummary
) -> None:
    # Only this window's ticks: the warehouse may have finished others in an earlier replay.
    finished = sorted({*done, *(t.as_of for t in summary.ticks)} & set(times))
    payload = {
        "ticks": len(times),
        "finished": len(finished),
        "last_finished": finished[-1].isoformat() if finished else None,
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload))
    temporary.replace(path)


def _read_outcome(settings: Settings, summary: ReplaySummary, first: datetime, last: datetime):
    """The replay's results, read from the marts (the numbers the report shows too)."""
    window = [clock.utc_naive(first), clock.utc_naive(last)]
    with connect(settings) as conn:
        summary.live = conn.query_df(read_sql("replay/live_rps.sql"), [settings.league, *window])
        summary.strategies = conn.query_df(
            read_sql("replay/live_strategies.sql"), [settings.league]
        )
        counts = conn.fetchone(read_sql("replay/counts.sql"), [settings.league, *window] * 4)
    summary.counts = dict(
        zip(("predictions", "bets", "settlements", "refits"), map(int, counts), strict=True)
    )


def render_summary(summary: ReplaySummary, console: Console) -> None:
    """Live RPS against the market, each strategy's bankroll, counts and timings."""
    console.rule("[bold]replay summary")
    ticks = len(summary.ticks)
    if ticks:
        console.print(
            f"{ticks} ticks in {summary.seconds:.1f} s ({summary.seconds / ticks:.1f} s per tick)"
            + (f"; {summary.skipped_ticks} replayed before" if summary.skipped_ticks else "")
        )
        per_step = Table(title="Seconds per step (all ticks)")
        per_step.add_column("step")
        per_step.add_column("total", justify="right")
        per_step.add_column("per tick", justify="right")
        for name, seconds in summary.step_seconds().items():
            per_step.add_row(name, f"{seconds:.1f}", f"{seconds / ticks:.2f}")
        console.print(per_step)
    live = summary.live
    if not live.empty and int(live["n_matches"].iloc[0]):
        row = live.iloc[0]
        table = Table(title=f"Live predictions made in the replay: {int(row['n_matches'])} matches")
        table.add_column("forecast")
        table.add_column("RPS", justify="right")
        table.add_column("log loss", justify="right")
        for label, prefix in (
            ("champion (in force at kickoff)", "model"),
            ("market, pre-match average", "market_pre"),
            ("market, closing", "market_close"),
        ):
            table.add_row(label, f"{row[prefix + '_rps']:.4f}", f"{row[prefix + '_log_loss']:.4f}")
        console.print(table)
    else:
        console.print("No prediction of the replay has a result yet.")
    if not summary.strategies.empty:
        table = Table(title="Live strategies")
        for column in ("strategy", "bets", "settled", "bankroll", "yield", "average CLV"):
            table.add_column(column, justify="left" if column == "strategy" else "right")
        for row in summary.strategies.to_dict("records"):
            table.add_row(
                row["strategy"],
                str(int(row["n_bets"])),
                str(int(row["n_settled"])),
                f"{float(row['bankroll']):,.2f}",
                _percent(row["yield"]),
                _percent(row["average_clv"]),
            )
        console.print(table)
    console.print(
        "counts: " + ", ".join(f"{value} {name}" for name, value in summary.counts.items())
    )


def _percent(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):+.1%}"
