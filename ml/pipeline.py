"""``plpred run``: the main job, every step in order, doing only what new data requires.

ingest → transform (only when raw data changed) → train (only when there is no champion or
it is older than ``max_model_age_days``) → score → bet → settle → rebuild the prediction and
betting marts (only when a ledger changed) → report → summary. Each step is the same
function the CLI command of that name calls; a failure names the step and what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from ml import registry
from ml.config import Settings
from ml.warehouse import connect, read_sql

# The marts that read the ML and betting ledgers back; rebuilt after those ledgers change.
LEDGER_MARTS = "source:ml+ source:betting+"


class PipelineError(RuntimeError):
    """A step failed; ``step`` names it and the message says what to do."""

    def __init__(self, step: str, message: str, hint: str = "") -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.hint = hint


@dataclass
class StepResult:
    name: str
    status: str  # done | skipped
    seconds: float
    detail: str = ""


@dataclass
class RunResult:
    steps: list[StepResult] = field(default_factory=list)
    report_path: str | None = None

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


def training_due(
    champion: registry.RegisteredVersion | None, max_age_days: float, now: datetime
) -> tuple[bool, str]:
    """Train when there is no champion or it is older than ``max_age_days``."""
    if champion is None:
        return True, "no champion model yet"
    if champion.created_at is None:
        return True, "the champion's age is unknown"
    age = now - champion.created_at
    if age > timedelta(days=max_age_days):
        return True, f"the champion is {age.days} days old (limit {max_age_days:g})"
    return False, f"the champion (version {champion.version}) is {age.days} days old"


def _step(
    result: RunResult,
    console: Console,
    name: str,
    action: Callable[[], tuple[str, str]],
    hint: str,
    expected: tuple[type[BaseException], ...],
) -> None:
    console.rule(f"[bold]{name}")
    started = time.perf_counter()
    try:
        status, detail = action()
    except expected as exc:
        raise PipelineError(name, str(exc), hint) from exc
    seconds = time.perf_counter() - started
    result.steps.append(StepResult(name, status, seconds, detail))
    mark = "[green]✓[/green]" if status == "done" else "[dim]–[/dim]"
    console.print(f"{mark} {name} {status} in {seconds:.1f} s{': ' + detail if detail else ''}")


def run_pipeline(
    settings: Settings,
    *,
    train_config: Any = None,
    max_model_age_days: float = 7.0,
    include_fixtures: bool = True,
    as_of: datetime | None = None,
    report: bool = True,
    console: Console | None = None,
) -> RunResult:
    """Run every step; raises :class:`PipelineError` naming the step that failed.

    ``as_of`` (UK time, naive) replaces the clock for betting, as ``place_bets`` documents;
    it exists for replays and tests, not for the CLI.
    """
    from ml.betting.ledger import BettingError, place_bets, settle
    from ml.ingest import run_ingest
    from ml.score import ScoreError, run_score
    from ml.train import TrainConfig, TrainError, run_train
    from ml.transform import DbtError, build
    from ml.warehouse import WarehouseError

    console = console or Console(stderr=True)
    result = RunResult()
    state: dict[str, Any] = {}

    def ingest() -> tuple[str, str]:
        summary = run_ingest(
            settings,
            seasons=None,
            files=None,
            file_season=None,
            include_fixtures=include_fixtures,
            console=console,
        )
        if not summary.ok:
            raise WarehouseError(
                "some files were refused or could not be fetched (see the summary above); "
                "what loaded is kept"
            )
        state["new_rows"] = summary.rows_loaded
        return "done", summary.headline()

    def transform() -> tuple[str, str]:
        with connect(settings) as conn:
            built = conn.table_exists("marts.mart_match_features")
        if built and not state["new_rows"]:
            return "skipped", "no new raw data"
        build(settings, console=console)
        return "done", ""

    def train() -> tuple[str, str]:
        champion = registry.get_alias(settings, registry.CHAMPION)
        due, why = training_due(champion, max_model_age_days, datetime.now(UTC))
        if not due:
            return "skipped", why
        trained = run_train(settings, config=train_config or TrainConfig(), console=console)
        return "done", f"{why}; {trained.decision.decision}: {trained.decision.reason}"

    def score() -> tuple[str, str]:
        scored = run_score(settings, console=console)
        state["ledger_changed"] = scored.n_scored > 0
        return "done", f"{scored.n_scored} new predictions"

    def bet() -> tuple[str, str]:
        placed = place_bets(settings, console=console, as_of=as_of)
        state["ledger_changed"] |= bool(placed.bets)
        return "done", f"{len(placed.bets)} bets placed"

    def settle_step() -> tuple[str, str]:
        settled = settle(settings, console=console, as_of=as_of)
        state["ledger_changed"] |= bool(settled.rows)
        return "done", f"{len(settled.rows)} settlement rows, {settled.open_bets} bets open"

    def marts() -> tuple[str, str]:
        if not state["ledger_changed"]:
            return "skipped", "no new predictions, bets or settlements"
        build(settings, select=LEDGER_MARTS, console=console)
        return "done", ""

    def write() -> tuple[str, str]:
        from ml.report import write_report

        path = write_report(settings, console=console)
        result.report_path = str(path)
        return "done", str(path)

    steps = [
        ("ingest", ingest, "check the source (--source) or the network", (WarehouseError,)),
        ("transform", transform, "fix the failing dbt model or test shown above", (DbtError,)),
        (
            "train",
            train,
            "see the error above; `plpred train` runs this step alone",
            (TrainError, ValueError),
        ),
        ("score", score, "`plpred train` registers a champion first", (ScoreError,)),
        ("bet", bet, "see ml/strategies.toml and `plpred bet`", (BettingError,)),
        ("settle", settle_step, "`plpred settle` runs this step alone", (BettingError,)),
        ("marts", marts, "fix the failing dbt model or test shown above", (DbtError,)),
    ]
    if report:
        steps.append(("report", write, "`plpred report` runs this step alone", (OSError,)))
    for name, action, hint, expected in steps:
        _step(result, console, name, action, hint, (*expected, WarehouseError))
    print_summary(settings, console)
    return result


def print_summary(settings: Settings, console: Console) -> None:
    """Model against market this season, upcoming matches with value bets, bankrolls."""
    with connect(settings) as conn:
        evaluation = conn.query_df(read_sql("ml/summary_model_vs_market.sql"), [settings.league])
        upcoming = conn.query_df(read_sql("ml/summary_upcoming.sql"), [settings.league])
        bankrolls = conn.query_df(read_sql("ml/summary_bankrolls.sql"))
    console.rule("[bold]summary")
    if not evaluation.empty:
        table = Table(title=f"Model against market, {evaluation['season'].iloc[0]}")
        for column in ("model", "RPS", "log loss", "accuracy", "matches"):
            table.add_column(column, justify="left" if column == "model" else "right")
        for row in evaluation.to_dict("records"):
            table.add_row(
                f"{row['model']}/{row['variant']}",
                f"{row['rps']:.4f}",
                f"{row['log_loss']:.4f}",
                f"{row['accuracy']:.1%}",
                str(int(row["n_matches"])),
            )
        console.print(table)
    if upcoming.empty:
        console.print("No upcoming matches with a prediction.")
    else:
        table = Table(title="Upcoming matches: model (market) probabilities, bets placed")
        for column in ("kickoff", "match", "home", "draw", "away", "bets"):
            table.add_column(
                column, justify="right" if column in ("home", "draw", "away") else "left"
            )
        for row in upcoming.to_dict("records"):
            cells = []
            for side in ("home", "draw", "away"):
                market = row[f"market_p_{side}"]
                market_text = (
                    f" ({float(market):.2f})" if market is not None and market == market else ""
                )
                cells.append(f"{float(row[f'p_{side}']):.2f}{market_text}")
            table.add_row(
                str(row["kickoff_at"])[:16],
                f"{row['home_team']} v {row['away_team']}",
                *cells,
                row["bets"] or "",
            )
        console.print(table)
    if not bankrolls.empty:
        table = Table(title="Live bankroll per strategy")
        for column in ("strategy", "bets", "settled", "staked", "profit", "bankroll"):
            table.add_column(column, justify="left" if column == "strategy" else "right")
        for row in bankrolls.to_dict("records"):
            table.add_row(
                row["strategy"],
                str(int(row["bets"])),
                str(int(row["settled"])),
                f"{float(row['staked']):,.2f}",
                f"{float(row['profit']):+,.2f}",
                f"{float(row['bankroll']):,.2f}",
            )
        console.print(table)
