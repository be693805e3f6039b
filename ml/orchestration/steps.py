"""The catalogue of steps: the one ordered list that ``plpred run``, ``plpred replay``, the
single-step CLI commands and the Airflow DAG tasks all execute, so they cannot disagree.

Each :class:`Step` records its name and function, what it reads and writes, its "is it due"
check (what lets it skip), and the errors it expects with the hint a user gets. Every step
runs at a clock, ``as_of`` (:mod:`ml.clock`), and sees only what was known then.

Whether a step is due survives the process: every execution appends a row to
``ops.step_runs`` (``changed`` says it wrote rows). A step with ``due_on`` runs only when a
step writing one of those outputs changed something after its own last run, so rows written
by ``plpred backtest`` alone make the next ``plpred run`` rebuild the marts that read them.

Order, and why: ingest → transform (dbt, when raw data changed) → train (a full walk-forward
and challenge, when policy says) → refit (the champion's configuration on the data known at
the clock, when it is old) → backtest (a new walk-forward run through every strategy) →
score → settle (before betting, so stakes follow the settled bankroll) → monitor (drift,
live performance, data health; the retraining decision that the next train or refit carries
out) → bet → marts (the dbt models on the ledgers, when a ledger changed) → report.
"""

from __future__ import annotations

import functools
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from ml import clock
from ml.config import Settings
from ml.warehouse.connection import WarehouseError, apply_ddl, connect, read_sql

# The dbt marts on the ML and betting ledgers (dbt selection syntax): everything downstream of
# the ledger sources, with the sources' own tests. The one definition; the DAGs import it.
LEDGER_MARTS_SELECTION = "source:ml+ source:betting+"
# What no step of a run reads, only people (Grafana, the report, the API): the dashboard and
# monitoring marts and the staging views that feed nothing else. A run without dbt's tests
# (a replay's ticks but its last) leaves them for the run that tests; a third of the models.
# Every data and unit test of the project (dbt selection syntax), for builds that leave them out.
ALL_TESTS_SELECTION = "resource_type:test resource_type:unit_test"
DISPLAY_ONLY_SELECTION = (
    "path:models/marts/dashboards path:models/marts/monitoring "
    "path:models/staging/monitoring path:models/staging/ops"
)


# --- errors ------------------------------------------------------------------------------


class StepFailed(RuntimeError):
    """A step failed; ``step`` names it and ``hint`` says what to do."""

    def __init__(self, step: str, message: str, hint: str = "", league: str | None = None) -> None:
        super().__init__(f"{step} ({league}): {message}" if league else f"{step}: {message}")
        self.step = step
        self.hint = hint
        self.league = league


class BuildFailed(RuntimeError):
    """The last dbt build failed: the marts may be half rebuilt, so nothing reads them."""


class IngestFailed(RuntimeError):
    """Some file was refused or the warehouse failed: retrying the same input will not help."""


class DownloadFailed(IngestFailed):
    """Some file could not be fetched (after the fetcher's own retries): worth a later retry."""


# --- what a run is given and what a step returns ---------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    """What decides the steps' behaviour beyond the clock; one value for a whole run.

    ``max_model_age_days``: a full walk-forward and challenge when the champion (by the clock)
    is older than this; None: only when there is no champion. ``refit_age_days``: otherwise
    refit the champion's configuration on the data known at the clock when it is older than
    this; None: never. ``snapshots``: a snapshot archive of the current season
    (``.../snapshots/2025-26``) from which ingest takes the files as they stood at the clock.
    ``force``: steps to run even when their check says they are not due (a CLI command that
    names one step runs it).
    """

    train_config: Any = None  # ml.modeling.config.TrainConfig; None: the defaults
    max_model_age_days: float | None = 7.0
    refit_age_days: float | None = 7.0
    include_fixtures: bool = True
    seasons: str | None = None  # ingest only these (a spec such as 2425-2526); default: all
    snapshots: Path | None = None
    report: bool = True
    # Off: transform builds the models without their data tests, and the marts step waits
    # (it stays due) until a run with them on. A replay turns both off for all but its last
    # tick, where everything is built and tested: dbt's tests cost more than the models.
    dbt_tests: bool = True
    build_ledger_marts: bool = True
    # When the monitor step keeps Evidently's HTML report of feature drift: always, on_drift
    # or never (ml.monitoring.run.run_monitor). A replay's ticks but its last keep it only
    # where the data drifted (the policy's drifted share): numbers and decisions are the same.
    drift_report: str = "always"
    force: frozenset[str] = frozenset()
    # Extra keyword arguments of one step's function, from a CLI command that runs that step
    # alone with its own options (``plpred bet --strategy kelly``): {"bet": {"strategies": ...}}.
    step_args: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # A run over several leagues: each league gets its own report, ``report-<league>.html``
    # (not the one ``report.html`` of a single league), and a failure names its league.
    many_leagues: bool = False

    def args_for(self, step: str) -> dict[str, Any]:
        return dict(self.step_args.get(step, {}))


@dataclass
class StepContext:
    settings: Settings
    as_of: datetime  # aware, UTC
    options: RunOptions
    console: Console
    run_id: str
    outcomes: dict[str, StepOutcome] = field(default_factory=dict)

    @property
    def as_of_utc(self) -> datetime:
        """The clock in the stored convention (UTC, naive), for SQL parameters and stamps."""
        return clock.utc_naive(self.as_of)


@dataclass(frozen=True)
class StepOutcome:
    # done | skipped | partial (a transform of part of the project) | deferred (left due)
    status: str
    detail: str = ""
    changed: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    # A skip because something it needs does not exist yet (no champion, no marts): fine
    # inside a run, where an earlier step makes it, but a failure for a command run alone.
    blocked: bool = False


# Every step expects a failed dbt build (the ledger marts are built inside several steps).
_DBT_ERROR = "ml.warehouse.dbt:DbtError"


@dataclass(frozen=True)
class Step:
    """One step of the catalogue.

    ``due`` returns None when the step should run, or why it may skip; ``due_on`` names
    outputs of earlier steps whose change makes it due (checked from ``ops.step_runs``), and
    ``satisfied_by`` other steps whose run also brings its outputs up to date. ``errors`` are
    the exceptions it expects, as classes or as ``"module:Class"`` names: a named class is
    looked up only when its module has been imported (only then can it have been raised), so
    building the catalogue imports none of the heavy step modules.
    """

    name: str
    run: Callable[[StepContext], StepOutcome]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    errors: tuple[type[BaseException] | str, ...]
    hint: str
    doc: str
    due: Callable[[StepContext, Step], str | None] | None = None
    due_on: tuple[str, ...] = ()
    satisfied_by: tuple[str, ...] = ()
    # Refuse to run on marts whose last dbt build failed (they may be half rebuilt).
    needs_good_build: bool = False
    # Runs once per league of a run (ingest, train, score, ...); False: once for every league
    # at a time (the dbt builds, which build all leagues, and settle, which settles every bet).
    per_league: bool = True

    def expects(self, exc: BaseException) -> bool:
        """Whether ``exc`` is one of the errors this step expects."""
        for error in (*self.errors, _DBT_ERROR):
            if isinstance(error, str):
                module, _, name = error.partition(":")
                if module not in sys.modules:
                    continue
                error = getattr(sys.modules[module], name)
            if isinstance(exc, error):
                return True
        return False


@dataclass
class StepResult:
    name: str
    # done | skipped | partial (a transform of part of the project) | deferred (left due)
    status: str
    seconds: float
    detail: str = ""
    changed: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    blocked: bool = False
    league: str | None = None  # None: a step that runs once for every league


@dataclass
class RunResult:
    run_id: str
    as_of: datetime
    steps: list[StepResult] = field(default_factory=list)
    report_path: str | None = None

    def step(self, name: str, league: str | None = None) -> StepResult:
        return next(
            s for s in self.steps if s.name == name and (league is None or s.league == league)
        )


# --- the "is it due" checks -------------------------------------------------------------------


def _writers(outputs: Sequence[str]) -> list[str]:
    return [step.name for step in catalogue() if set(step.writes) & set(outputs)]


def step_marks(
    settings: Settings, league: str | None = None
) -> dict[str, tuple[int | None, int | None]]:
    """Per step: the ``ops.step_runs`` seq of its last completed run and last change.

    With ``league``, a step that runs per league counts only its runs for that league (E1's
    new walk-forward does not make E0's backtest due, nor E0's backtest E1's); without, and
    for the steps that run once for every league, every league counts."""
    with connect(settings) as conn:
        apply_ddl(conn)
        rows = conn.fetchall(read_sql("ops/select_step_marks.sql"))
    per_league = {step.name for step in catalogue() if step.per_league}
    marks: dict[str, tuple[int | None, int | None]] = {}
    for step, step_league, last_done, last_changed in rows:
        if league is not None and step in per_league and step_league != league:
            continue
        done, changed = marks.get(step, (None, None))
        marks[step] = (_later(done, last_done), _later(changed, last_changed))
    return marks


def _later(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _refuse_after_failed_build(ctx: StepContext, step: Step) -> None:
    """Raise :class:`BuildFailed` when the last dbt build of the marts (a transform, or the
    ledger marts for the steps after them) failed: its tests found bad data, and the models
    built before the failure already replaced the previous ones."""
    with connect(ctx.settings) as conn:
        apply_ddl(conn)
        last = conn.fetchone(read_sql("ops/select_last_build.sql"))
    if last is not None and last[1] == "failed":
        raise BuildFailed(
            f"the last dbt build ({last[0]}, at {last[2]:%Y-%m-%d %H:%M} UTC) failed, so the "
            f"marts may be half rebuilt and {step.name} will not use them: fix the failing "
            "model or test it named, then `plpred transform` (or `plpred run`)"
        )


def changed_since_last_run(ctx: StepContext, step: Step) -> str | None:
    """None when a writer of ``step.due_on`` changed something after ``step`` last ran."""
    marks = step_marks(ctx.settings, ctx.settings.league if step.per_league else None)
    done = [
        marks[name][0] for name in (step.name, *step.satisfied_by) if marks.get(name, (None,))[0]
    ]
    if not done:
        return None
    changes = [marks[name][1] or 0 for name in _writers(step.due_on) if name in marks]
    if max(changes, default=0) > max(done):
        return None
    return f"nothing it reads ({', '.join(step.due_on)}) changed since its last run"


def _last_clock(ctx: StepContext, name: str) -> datetime | None:
    with connect(ctx.settings) as conn:
        apply_ddl(conn)
        return conn.scalar(read_sql("ops/select_last_done_as_of.sql"), [name, ctx.settings.league])


def unchanged_and_no_kickoff(ctx: StepContext, step: Step) -> str | None:
    """None unless nothing ``step`` reads changed since its last run and no match of the league
    kicked off between that run's clock and this one: the steps whose output depends on the
    clock as well (what is upcoming, what can be settled) run again only then."""
    unchanged = changed_since_last_run(ctx, step)
    last = _last_clock(ctx, step.name) if unchanged else None
    now = clock.utc_naive(ctx.as_of)
    if last is None or now < last:
        return None
    with connect(ctx.settings) as conn:
        if not conn.table_exists("marts.mart_match_features"):
            return None
        kicked_off = conn.scalar(
            read_sql("ops/count_kickoffs_between.sql"), [ctx.settings.league, last, now]
        )
    if kicked_off:
        return None
    return f"{unchanged}, and no match kicked off since its last clock"


# The monitor also judges what only the clock changes (how stale the data is, how old the
# champion is): when nothing it reads changed, it still runs once a day.
MONITOR_HEARTBEAT = timedelta(days=1)


def _monitor_due(ctx: StepContext, step: Step) -> str | None:
    """The monitor runs when something it reads changed, a match kicked off, or a day passed
    since its last run; otherwise it would record the same judgement again."""
    unchanged = unchanged_and_no_kickoff(ctx, step)
    if unchanged is None:
        return None
    last = _last_clock(ctx, step.name)
    if last is None or clock.utc_naive(ctx.as_of) - last >= MONITOR_HEARTBEAT:
        return None
    return f"{unchanged}, and its last run was less than a day ago"


def _settle_due(ctx: StepContext, step: Step) -> str | None:
    """Settling is due when a result or a bet arrived, or when a bet without a settlement has
    kicked off by the clock (the void rule depends on the clock alone)."""
    unchanged = changed_since_last_run(ctx, step)
    if unchanged is None:
        return None
    with connect(ctx.settings) as conn:
        apply_ddl(conn)
        open_bets = conn.scalar(
            read_sql("betting/count_settleable_bets.sql"), [clock.utc_naive(ctx.as_of)]
        )
    if open_bets:
        return None
    return f"{unchanged}, and no bet without a settlement has kicked off"


def _report_path(ctx: StepContext) -> Path:
    """``report.html``, or ``report-<league>.html`` in a run over several leagues."""
    path = ctx.settings.report_path
    if ctx.options.many_leagues:
        return path.with_name(f"{path.stem}-{ctx.settings.league}{path.suffix}")
    return path


def _report_due(ctx: StepContext, step: Step) -> str | None:
    if ctx.options.args_for("report") or not _report_path(ctx).exists():
        return None
    return unchanged_and_no_kickoff(ctx, step)


def _transform_due(ctx: StepContext, step: Step) -> str | None:
    with connect(ctx.settings) as conn:
        built = conn.table_exists("marts.mart_match_features")
    if not built:
        return None
    return changed_since_last_run(ctx, step)


def model_age(champion: Any, as_of: datetime) -> timedelta | None:
    """How old the champion is at the clock: since the clock it was trained or refitted at."""
    trained = champion.trained_as_of or champion.created_at
    if trained is None:
        return None
    return clock.as_utc(as_of) - clock.as_utc(trained)


def training_due(champion: Any, max_age_days: float | None, as_of: datetime) -> str | None:
    """None when a full walk-forward is due: no champion, or one older than ``max_age_days``."""
    if champion is None:
        return None
    if max_age_days is None:
        return f"there is a champion (version {champion.version}); retraining is left to policy"
    age = model_age(champion, as_of)
    if age is None or age > timedelta(days=max_age_days):
        return None
    return f"the champion (version {champion.version}) is {age.days} days old"


def _train_due(ctx: StepContext, step: Step) -> str | None:
    from ml.modeling import registry
    from ml.monitoring.run import policy_due

    champion = registry.peek_alias(ctx.settings, registry.CHAMPION)
    if champion is not None and policy_due(ctx.settings, ctx.as_of, "retrain"):
        return None
    return training_due(champion, ctx.options.max_model_age_days, ctx.as_of)


def _why(ctx: StepContext, champion: Any, action: str) -> tuple[str, str]:
    """The trigger and reason of a train or refit about to run: a pending decision of the
    monitor, else what made the step due (no champion, age, a command that asked for it)."""
    from ml.monitoring.run import policy_due

    pending = policy_due(ctx.settings, ctx.as_of, action)
    if pending:
        trigger, _, reason = pending.partition(": ")
        return trigger, reason
    if champion is None:
        return "no_champion", "there was no champion"
    step = "train" if action == "retrain" else action
    if step in ctx.options.force:
        return "on_demand", f"`plpred {step}` was run"
    age = model_age(champion, ctx.as_of)
    days = "unknown" if age is None else f"{age.total_seconds() / 86400:.1f}"
    return "age", f"version {champion.version} was {days} days old"


def _record_model_change(
    ctx: StepContext, action: str, why: tuple[str, str], before: Any, after: str | None
) -> None:
    from ml.monitoring.run import mark_executed

    mark_executed(
        ctx.settings,
        action=action,
        as_of=ctx.as_of,
        model_version_before=before.version if before is not None else None,
        model_version_after=after,
        trigger=why[0],
        reason=why[1],
    )


def _done_in_this_run(ctx: StepContext, name: str) -> bool:
    """Whether ``name`` completed earlier in this run: in this process, or in another task of
    the same DAG run (they share the run id)."""
    if ctx.outcomes.get(name, StepOutcome("skipped")).status == "done":
        return True
    with connect(ctx.settings) as conn:
        apply_ddl(conn)
        return bool(
            conn.scalar(
                read_sql("ops/count_steps_done_in_run.sql"), [ctx.run_id, name, ctx.settings.league]
            )
        )


def _refit_due(ctx: StepContext, step: Step) -> str | None:
    from ml.modeling import registry

    if _done_in_this_run(ctx, "train"):
        return "a new model was trained in this run"
    champion = registry.peek_alias(ctx.settings, registry.CHAMPION)
    if champion is None:
        return "there is no champion to refit"
    from ml.monitoring.run import policy_due

    if policy_due(ctx.settings, ctx.as_of, "refit"):
        return None
    if ctx.options.refit_age_days is None:
        return "refits are off"
    age = model_age(champion, ctx.as_of)
    if age is not None and age <= timedelta(days=ctx.options.refit_age_days):
        return f"the champion (version {champion.version}) is {age.days} days old"
    return None


# --- the steps ----------------------------------------------------------------------------


def _ingest(ctx: StepContext) -> StepOutcome:
    from ml.ingest import run_ingest
    from ml.ingest.load import FAILED, LOADED, REFUSED, UNCHANGED

    args = {"seasons": ctx.options.seasons, "files": None, "file_season": None}
    summary = run_ingest(
        ctx.settings,
        include_fixtures=ctx.options.include_fixtures,
        console=ctx.console,
        as_of=ctx.as_of,
        snapshots=ctx.options.snapshots,
        **(args | ctx.options.args_for("ingest")),
    )
    data = {
        "loaded": summary.count(LOADED),
        "unchanged": summary.count(UNCHANGED),
        "refused": summary.count(REFUSED),
        "failed": summary.count(FAILED),
        "rows_loaded": summary.rows_loaded,
        "rows_rejected": summary.rows_rejected,
    }
    if not summary.ok:
        problems = "; ".join(
            [*summary.errors, *(f"{f.source_file}: {f.message}" for f in summary.files if not f.ok)]
        )
        only_downloads = not summary.errors and all(
            f.status == FAILED for f in summary.files if not f.ok
        )
        error = DownloadFailed if only_downloads else IngestFailed
        raise error(
            f"{summary.headline()}: {problems}; files loaded before stay loaded, "
            "each failed file left nothing but its raw.load_log row"
        )
    return StepOutcome("done", summary.headline(), summary.rows_loaded > 0, data)


def _transform(ctx: StepContext) -> StepOutcome:
    from ml.warehouse.dbt import build

    args = ctx.options.args_for("transform")
    untested_tick = f"{ALL_TESTS_SELECTION} {DISPLAY_ONLY_SELECTION}"
    if not ctx.options.dbt_tests:
        args.setdefault("exclude", untested_tick)
    # The data changes at every run, the code rarely: dbt's unit tests run when it changed.
    args.setdefault("unit_tests", "when_changed")
    summary = build(ctx.settings, console=ctx.console, **args)
    counts = summary.invocations[0].counts
    if args.get("exclude"):
        detail = (
            "the models steps read, no tests: the rest at the last tick"
            if args["exclude"] == untested_tick
            else f"--exclude {args['exclude']}"
        )
        return StepOutcome("done", detail, True, {"counts": counts})
    if args.get("select"):
        # Part of the project: it does not make the marts current for the checks of later runs.
        return StepOutcome("partial", f"--select {args['select']}", True, {"counts": counts})
    detail = (
        "dbt unit tests left out: the project's code is as when they last passed"
        if summary.unit_tests_skipped
        else ""
    )
    return StepOutcome("done", detail, True, {"counts": counts})


def _train(ctx: StepContext) -> StepOutcome:
    from ml.modeling import registry
    from ml.modeling.config import TrainConfig
    from ml.modeling.train import run_train

    before = registry.get_alias(ctx.settings, registry.CHAMPION)
    why = _why(ctx, before, "retrain")
    result = run_train(
        ctx.settings,
        config=ctx.options.train_config or TrainConfig(),
        console=ctx.console,
        as_of=ctx.as_of,
    )
    after = result.model_version if result.decision.promote else getattr(before, "version", None)
    _record_model_change(ctx, "retrain", why, before, after)
    champion = "promoted" if result.decision.promote else "kept the champion"
    detail = f"version {result.model_version} ({'/'.join(result.selected)}): {champion}"
    return StepOutcome(
        "done",
        f"{detail}; {result.decision.reason}",
        True,
        {
            "run_id": result.run_id,
            "model_version": result.model_version,
            "selected": "/".join(result.selected),
            "decision": result.decision.decision,
            "training_data_end": result.training_data_end,
        },
    )


def _refit(ctx: StepContext) -> StepOutcome:
    from ml.modeling import registry
    from ml.modeling.train import run_refit

    before = registry.get_alias(ctx.settings, registry.CHAMPION)
    why = _why(ctx, before, "refit")
    result = run_refit(ctx.settings, as_of=ctx.as_of, console=ctx.console)
    if result is None:
        return StepOutcome("skipped", "no match was played since the champion's training data")
    _record_model_change(ctx, "refit", why, before, result.model_version)
    return StepOutcome(
        "done",
        f"version {result.model_version} refits version {result.refit_of} "
        f"({result.label}) on matches to {result.training_data_end}",
        True,
        {"model_version": result.model_version, "refit_of": result.refit_of},
    )


def _backtest(ctx: StepContext) -> StepOutcome:
    from ml.betting.backtest import backtest

    summary = backtest(
        ctx.settings, console=ctx.console, as_of=ctx.as_of, **ctx.options.args_for("backtest")
    )
    created = sum(1 for r in summary.results if r.created)
    return StepOutcome(
        "done",
        f"{created} new backtests of run {summary.source_run_id}",
        created > 0,
        {"source_run_id": summary.source_run_id, "backtests": created},
    )


def _backtest_due(ctx: StepContext, step: Step) -> str | None:
    with connect(ctx.settings) as conn:
        apply_ddl(conn)
        runs = conn.scalar(read_sql("ml/count_walk_forward_predictions.sql"), [ctx.settings.league])
    if not runs:
        return "no walk-forward run yet"
    return changed_since_last_run(ctx, step)


def _score(ctx: StepContext) -> StepOutcome:
    from ml.modeling import registry
    from ml.modeling.score import run_score

    if registry.peek_alias(ctx.settings, registry.CHAMPION) is None:
        return StepOutcome(
            "skipped",
            "no champion model yet: `plpred train` makes one",
            data={"model": None},
            blocked=True,
        )
    result = run_score(ctx.settings, console=ctx.console, as_of=ctx.as_of)
    return StepOutcome(
        "done",
        f"{result.n_scored} new predictions by {result.model_name} v{result.model_version}",
        result.n_scored > 0,
        {"model": f"{result.model_name} v{result.model_version}", "scored": result.n_scored},
    )


def _settle(ctx: StepContext) -> StepOutcome:
    from ml.betting.settle import settle

    summary = settle(ctx.settings, console=ctx.console, as_of=ctx.as_of)
    return StepOutcome(
        "done",
        f"{len(summary.rows)} settlement rows, {summary.open_bets} bets open",
        bool(summary.rows),
        {
            "settled": summary.new_settlements,
            "corrections": summary.corrections,
            "open": summary.open_bets,
        },
    )


def _monitor(ctx: StepContext) -> StepOutcome:
    from dataclasses import replace

    from ml.monitoring.policy import load_policy
    from ml.monitoring.run import run_monitor

    # The age limits of this run (CLI options, DAG params; by default the policy's own), so
    # the monitor's age decisions agree with the train and refit steps' own checks.
    policy = replace(
        load_policy(),
        refit_max_age_days=ctx.options.refit_age_days,
        retrain_max_age_days=ctx.options.max_model_age_days,
    )
    result = run_monitor(
        ctx.settings,
        as_of=ctx.as_of,
        console=ctx.console,
        policy=policy,
        drift_report=ctx.options.drift_report,
    )
    if result.repeated:
        return StepOutcome("skipped", result.detail)
    decision = result.decision
    return StepOutcome(
        "done",
        result.detail,
        bool(result.run_id),
        {
            "status": result.status,
            "action": decision.action if decision else None,
            "trigger": decision.trigger if decision else None,
            "report": result.report_path,
        },
    )


def _bet(ctx: StepContext) -> StepOutcome:
    from ml.betting.place import place_bets
    from ml.modeling import registry

    args = ctx.options.args_for("bet")
    if not args.get("model_version") and registry.peek_alias(ctx.settings) is None:
        return StepOutcome(
            "skipped",
            "no champion model yet: `plpred train` makes one, `plpred score` predicts with it",
            blocked=True,
        )
    placed = place_bets(ctx.settings, console=ctx.console, as_of=ctx.as_of, **args)
    return StepOutcome(
        "done",
        f"{len(placed.bets)} bets placed",
        bool(placed.bets),
        {"bets": len(placed.bets), "notes": list(placed.notes)},
    )


def _marts(ctx: StepContext) -> StepOutcome:
    from ml.warehouse.dbt import build

    if not ctx.options.build_ledger_marts:
        # Not "done": the step stays due, so the next run that builds marts builds these.
        return StepOutcome("deferred", "left for the last tick")
    summary = build(ctx.settings, select=LEDGER_MARTS_SELECTION, console=ctx.console)
    return StepOutcome("done", "", True, {"counts": summary.invocations[0].counts})


def _report(ctx: StepContext) -> StepOutcome:
    from ml.report import write_report

    if not ctx.options.report:
        return StepOutcome("skipped", "--no-report")
    with connect(ctx.settings) as conn:
        built = conn.table_exists("marts.fct_matches")
    if not built:
        return StepOutcome(
            "skipped",
            "the warehouse has no marts yet: `plpred run` (or `plpred ingest` then "
            "`plpred transform`) fills it",
            blocked=True,
        )
    args = ctx.options.args_for("report")
    if ctx.options.many_leagues and not args.get("path"):
        args["path"] = _report_path(ctx)
    path = write_report(ctx.settings, console=ctx.console, now=ctx.as_of, **args)
    return StepOutcome("done", str(path), False, {"path": str(path)})


def _catalogue() -> tuple[Step, ...]:
    return (
        Step(
            "ingest",
            _ingest,
            reads=("source files",),
            writes=("raw",),
            errors=(IngestFailed,),
            hint="check the source (--source) or the network; `plpred ingest` runs this step alone",
            doc="football-data files (the snapshot at or before the clock) into the raw tables",
        ),
        Step(
            "transform",
            _transform,
            reads=("raw",),
            writes=("marts",),
            errors=(_DBT_ERROR,),
            hint="fix the failing dbt model or test shown above; `plpred transform` runs it alone",
            doc="dbt build: staging, features, marts, every test",
            due=_transform_due,
            due_on=("raw",),
            per_league=False,
        ),
        Step(
            "train",
            _train,
            reads=("marts",),
            writes=("model", "walk_forward"),
            errors=("ml.modeling.train:TrainError", ValueError),
            hint="see the error above; `plpred train` runs this step alone",
            doc="walk-forward of every candidate, MLflow run, champion/challenger",
            due=_train_due,
            needs_good_build=True,
        ),
        Step(
            "refit",
            _refit,
            reads=("marts", "model"),
            writes=("model",),
            errors=("ml.modeling.train:TrainError", ValueError),
            hint="`plpred train` trains a new champion from scratch",
            doc="the champion's configuration fitted on the matches known at the clock",
            due=_refit_due,
            needs_good_build=True,
        ),
        Step(
            "backtest",
            _backtest,
            reads=("walk_forward", "marts"),
            writes=("backtests",),
            errors=("ml.betting.warehouse:BettingError",),
            hint="see ml/strategies.toml; `plpred backtest` runs this step alone",
            doc="the latest walk-forward predictions through every strategy, once per run",
            due=_backtest_due,
            due_on=("walk_forward",),
            needs_good_build=True,
        ),
        Step(
            "score",
            _score,
            reads=("marts", "model"),
            writes=("predictions",),
            errors=("ml.modeling.score:ScoreError",),
            hint="`plpred train` registers a champion first",
            doc="the champion predicts matches after the clock and its training data, once",
            due=changed_since_last_run,
            due_on=("marts", "model"),
            needs_good_build=True,
        ),
        Step(
            "settle",
            _settle,
            reads=("marts", "bets"),
            writes=("settlements",),
            errors=("ml.betting.warehouse:BettingError",),
            hint="`plpred settle` runs this step alone",
            doc="bets with a result known at the clock are settled; corrections re-settled",
            due=_settle_due,
            due_on=("marts", "bets"),
            needs_good_build=True,
            per_league=False,
        ),
        Step(
            "monitor",
            _monitor,
            reads=("marts", "model", "predictions", "settlements"),
            writes=("monitoring",),
            errors=("ml.monitoring.policy:PolicyError",),
            hint="see ml/retraining.toml; `plpred monitor` runs this step alone",
            doc="drift, live performance against the market, data health; the retraining "
            "decision that the next run's train or refit step carries out",
            due=_monitor_due,
            due_on=("marts", "model", "predictions", "settlements"),
        ),
        Step(
            "bet",
            _bet,
            reads=("predictions", "marts", "settlements"),
            writes=("bets",),
            errors=("ml.betting.warehouse:BettingError",),
            hint="see ml/strategies.toml and `plpred bet`",
            doc="every strategy bets at pre-match prices known at the clock, before kickoff",
            due=changed_since_last_run,
            due_on=("predictions", "marts", "settlements", "model"),
            needs_good_build=True,
        ),
        Step(
            "marts",
            _marts,
            reads=("predictions", "bets", "settlements", "backtests", "walk_forward"),
            writes=("ledger_marts",),
            errors=(_DBT_ERROR,),
            hint="fix the failing dbt model or test shown above",
            doc="dbt build of the marts on the ledgers (" + LEDGER_MARTS_SELECTION + ")",
            due=changed_since_last_run,
            due_on=("predictions", "bets", "settlements", "backtests", "walk_forward"),
            satisfied_by=("transform",),
            per_league=False,
        ),
        Step(
            "report",
            _report,
            reads=("marts", "ledger_marts"),
            writes=("report",),
            errors=(OSError,),
            hint="`plpred report` runs this step alone",
            doc="the HTML report under PLPRED_HOME/reports",
            due=_report_due,
            due_on=(
                "marts",
                "ledger_marts",
                "model",
                "walk_forward",
                "predictions",
                "bets",
                "settlements",
                "backtests",
            ),
            needs_good_build=True,
        ),
    )


@functools.cache
def catalogue() -> tuple[Step, ...]:
    """The steps in order (built on first use: importing this module stays cheap for DAGs)."""
    return _catalogue()


def step_named(name: str) -> Step:
    for step in catalogue():
        if step.name == name:
            return step
    raise KeyError(f"no step {name!r}; steps: {', '.join(s.name for s in catalogue())}")


# --- running ------------------------------------------------------------------------------


def new_context(
    settings: Settings,
    *,
    as_of: datetime,
    options: RunOptions | None = None,
    console: Console | None = None,
    run_id: str | None = None,
) -> StepContext:
    catalogue()
    return StepContext(
        settings=settings,
        as_of=clock.as_utc(as_of),
        options=options or RunOptions(),
        console=console or Console(stderr=True),
        run_id=run_id or f"run-{uuid.uuid4().hex[:12]}",
    )


def execute(ctx: StepContext, name: str, *, force: bool = False) -> StepResult:
    """Run one step at ``ctx``'s clock (or skip it when its check says so) and record it."""
    step = step_named(name)
    console = ctx.console
    if step.per_league and ctx.options.many_leagues:
        console.rule(f"[bold]{step.name} {ctx.settings.league}")
    else:
        console.rule(f"[bold]{step.name}")
    started = time.perf_counter()
    try:
        if step.needs_good_build:
            _refuse_after_failed_build(ctx, step)
        reason = None
        if not (force or name in ctx.options.force) and step.due is not None:
            reason = step.due(ctx, step)
        outcome = StepOutcome("skipped", reason) if reason else step.run(ctx)
    except Exception as exc:
        if not (isinstance(exc, (WarehouseError, BuildFailed)) or step.expects(exc)):
            raise
        seconds = time.perf_counter() - started
        _record(ctx, step.name, StepOutcome("failed", _one_line(exc)), seconds)
        league = ctx.settings.league if step.per_league and ctx.options.many_leagues else None
        raise StepFailed(step.name, _one_line(exc), step.hint, league) from exc
    seconds = time.perf_counter() - started
    ctx.outcomes[step.name] = outcome
    _record(ctx, step.name, outcome, seconds)
    mark = "[dim]–[/dim]" if outcome.status == "skipped" else "[green]✓[/green]"
    detail = f": {outcome.detail}" if outcome.detail else ""
    league = f" {ctx.settings.league}" if step.per_league and ctx.options.many_leagues else ""
    console.print(f"{mark} {step.name}{league} {outcome.status} in {seconds:.1f} s{detail}")
    return StepResult(
        step.name,
        outcome.status,
        seconds,
        outcome.detail,
        outcome.changed,
        outcome.data,
        outcome.blocked,
    )


def run_catalogue(
    settings: Settings,
    *,
    as_of: datetime,
    options: RunOptions | None = None,
    console: Console | None = None,
    kind: str = "run",
    names: Sequence[str] | None = None,
    leagues: Sequence[str] | str | None = None,
) -> RunResult:
    """Every step (or ``names``, kept in catalogue order) at the clock ``as_of``.

    ``leagues`` (codes, or ``"all"``; default: ``settings.league``): each step that runs per
    league runs for every one of them in turn before the next step starts (ingest E0, ingest
    E1, then one transform, then train E0, train E1, ...), as the DAGs' mapped tasks do; the
    dbt builds and settle run once. ``all`` is resolved when each step starts: the source's
    leagues for ingest, the warehouse's for the steps after it.

    Raises :class:`StepFailed` naming the step (and league) that failed; the steps before it
    keep what they wrote, and ``ops.runs`` records the run as failed.
    """
    from ml.ingest.leagues import ALL, parse_leagues

    spec = parse_leagues(leagues or settings.league)
    if spec != ALL and len(spec) == 1:
        settings = replace(settings, league=spec[0])
    ctx = new_context(settings, as_of=as_of, options=options, console=console)
    if spec == ALL or len(spec) > 1:
        ctx.options = replace(ctx.options, many_leagues=True)
    contexts: dict[str, StepContext] = {}
    wanted = [s.name for s in catalogue() if names is None or s.name in names]
    result = RunResult(ctx.run_id, ctx.as_of)
    run_league = spec if spec == ALL else ",".join(spec)
    _record_run(ctx, kind, "running", league=run_league)
    try:
        for name in wanted:
            if not step_named(name).per_league:
                step_result = execute(ctx, name)
                result.steps.append(step_result)
                continue
            for league in _leagues_for(ctx, name, spec):
                league_ctx = contexts.setdefault(
                    league,
                    replace(ctx, settings=replace(settings, league=league), outcomes={}),
                )
                step_result = execute(league_ctx, name)
                step_result.league = league
                result.steps.append(step_result)
                if name == "report" and step_result.status == "done":
                    result.report_path = step_result.data.get("path")
    except StepFailed as exc:
        _record_run(ctx, kind, "failed", str(exc), league=run_league)
        raise
    _record_run(ctx, kind, "success", league=run_league)
    return result


def _leagues_for(ctx: StepContext, name: str, spec: tuple[str, ...] | str) -> tuple[str, ...]:
    """The leagues step ``name`` runs for: ``spec``, or for ``all`` those with data now."""
    from ml.ingest.leagues import NoLeagues, resolve_leagues

    try:
        return resolve_leagues(ctx.settings, spec, from_source=name == "ingest")
    except NoLeagues as exc:
        _record(ctx, name, StepOutcome("failed", str(exc)), 0.0)
        raise StepFailed(name, str(exc), step_named(name).hint) from exc


# --- the record in ops.* -----------------------------------------------------------------------


def _record_run(
    ctx: StepContext,
    kind: str,
    status: str,
    detail: str | None = None,
    *,
    league: str | None = None,
) -> None:
    try:
        with connect(ctx.settings) as conn:
            apply_ddl(conn)
            with conn.transaction():
                conn.execute(
                    read_sql("ops/insert_run.sql"),
                    [
                        ctx.run_id,
                        kind,
                        league or ctx.settings.league,
                        ctx.as_of_utc,
                        status,
                        detail,
                        clock.utc_naive(clock.now()),
                    ],
                )
    except WarehouseError:
        if status != "failed":
            raise


def _record(ctx: StepContext, step: str, outcome: StepOutcome, seconds: float) -> None:
    """Append the step's row to ``ops.step_runs`` (best effort for a failure: the warehouse
    may be what failed)."""
    try:
        with connect(ctx.settings) as conn:
            apply_ddl(conn)
            with conn.transaction():
                conn.execute(
                    read_sql("ops/insert_step_run.sql"),
                    [
                        ctx.run_id,
                        step,
                        ctx.settings.league,
                        ctx.as_of_utc,
                        outcome.status,
                        outcome.changed,
                        (outcome.detail or "")[:2000],
                        round(seconds, 3),
                        clock.utc_naive(clock.now()),
                    ],
                )
    except WarehouseError:
        if outcome.status != "failed":
            raise


def record_external(ctx: StepContext, name: str, outcome: StepOutcome) -> None:
    """Record a step that something else executed in its place (the transform DAG builds
    ``transform`` as one Airflow task per dbt layer), so the steps after it see its change."""
    step_named(name)
    ctx.outcomes[name] = outcome
    _record(ctx, name, outcome, 0.0)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
