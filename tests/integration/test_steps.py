"""The catalogue of steps (ml/orchestration/steps.py): its shape, and the "is it due" checks that survive the
process through ``ops.step_runs``, on both warehouses."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console

from ml.config import Settings
from ml.orchestration import steps
from ml.orchestration.steps import RunOptions, StepOutcome, new_context, record_external
from ml.warehouse.connection import connect

CLOCK = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
QUIET = Console(file=io.StringIO())
# What comes from outside the catalogue rather than from an earlier step.
EXTERNAL_INPUTS = {"source files"}


def test_the_catalogue_is_ordered_by_what_each_step_reads() -> None:
    names = [s.name for s in steps.catalogue()]
    assert names == [
        "ingest",
        "transform",
        "train",
        "refit",
        "backtest",
        "score",
        "settle",
        "monitor",
        "bet",
        "marts",
        "report",
    ]
    written: set[str] = set(EXTERNAL_INPUTS)
    for step in steps.catalogue():
        # Every input is written by an earlier step, except that settle reads the bets of
        # earlier runs: it comes before bet so that stakes follow the settled bankroll.
        earlier_runs = {"bets"} if step.name == "settle" else set()
        missing = set(step.reads) - written - earlier_runs
        assert not missing, f"{step.name} reads {missing} before any step writes it"
        assert set(step.due_on) - earlier_runs <= written, step.name
        assert step.hint and step.doc and step.errors, step.name
        written |= set(step.writes)


def test_settle_comes_before_bet() -> None:
    names = [s.name for s in steps.catalogue()]
    assert names.index("settle") < names.index("bet")


@dataclass
class FakeChampion:
    version: str = "3"
    trained_as_of: datetime | None = None
    created_at: datetime | None = None


def test_training_and_refits_follow_the_clock_not_the_wall_clock() -> None:
    trained = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    champion = FakeChampion(trained_as_of=trained, created_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert steps.training_due(None, 7, CLOCK) is None  # no champion: train
    # 28 days of replay time since it was trained, whatever the registry's creation date says.
    assert steps.model_age(champion, CLOCK) == timedelta(days=28)
    assert steps.training_due(champion, 30, CLOCK) is not None
    assert steps.training_due(champion, 7, CLOCK) is None
    assert "policy" in steps.training_due(champion, None, CLOCK)
    # A version from before the tag existed is aged by its creation.
    old = FakeChampion(created_at=datetime(2026, 2, 27, tzinfo=UTC))
    assert steps.model_age(old, CLOCK) == timedelta(days=2, hours=12)


def _context(settings: Settings, **options):
    return new_context(settings, as_of=CLOCK, options=RunOptions(**options), console=QUIET)


def _due(settings: Settings, name: str) -> bool:
    ctx = _context(settings)
    return steps.changed_since_last_run(ctx, steps.step_named(name)) is None


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_a_step_that_wrote_rows_makes_the_marts_that_read_them_due(
    target: str, request: pytest.FixtureRequest
) -> None:
    settings = request.getfixturevalue(f"{target}_settings")
    ctx = _context(settings)
    marts = steps.step_named("marts")
    assert _due(settings, "marts")  # never built

    record_external(ctx, "marts", StepOutcome("done", changed=True))
    assert not _due(settings, "marts")
    # A score that wrote nothing changes nothing.
    record_external(ctx, "score", StepOutcome("done", changed=False))
    assert not _due(settings, "marts")

    # `plpred backtest` alone, in another process: the next run's marts step is due.
    record_external(_context(settings), "backtest", StepOutcome("done", changed=True))
    assert _due(settings, "marts")
    # A full transform builds the ledger marts too.
    record_external(ctx, "transform", StepOutcome("done", changed=True))
    assert not _due(settings, "marts")
    assert marts.satisfied_by == ("transform",)

    # A deferred marts step (a replay's ticks before the last) leaves it due.
    record_external(ctx, "bet", StepOutcome("done", changed=True))
    record_external(ctx, "marts", StepOutcome("deferred"))
    assert _due(settings, "marts")

    # A transform of part of the project does not make the marts current for later runs.
    record_external(ctx, "ingest", StepOutcome("done", changed=True))
    record_external(ctx, "transform", StepOutcome("partial", "--select marts", True))
    assert _due(settings, "transform")

    with connect(settings) as conn:
        rows = conn.fetchall("select seq, step, status, changed from ops.step_runs order by seq")
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[-1][1:] == ("transform", "partial", True)


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_a_failing_step_is_recorded_and_named(target: str, request: pytest.FixtureRequest) -> None:
    """Settle needs the marts; on an empty warehouse it fails with its hint, and the log says
    so. The run is recorded as failed in ops.runs."""
    settings = request.getfixturevalue(f"{target}_settings")
    with pytest.raises(steps.StepFailed) as failure:
        steps.run_catalogue(
            settings, as_of=CLOCK, options=RunOptions(), console=QUIET, names=["settle"]
        )
    assert failure.value.step == "settle"
    assert "plpred settle" in failure.value.hint
    with connect(settings) as conn:
        logged = conn.fetchall("select step, status, as_of from ops.step_runs")
        runs = conn.fetchall("select status from ops.runs order by recorded_at")
    assert logged == [("settle", "failed", CLOCK.replace(tzinfo=None))]
    assert [r[0] for r in runs] == ["running", "failed"]


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_steps_refuse_marts_whose_last_build_failed(
    target: str, request: pytest.FixtureRequest
) -> None:
    """After a failed dbt build the marts may be half rebuilt: score, settle, bet, backtest and
    the report refuse to read them until a build passes (issue 11, F3)."""
    settings = request.getfixturevalue(f"{target}_settings")
    ctx = _context(settings)
    record_external(ctx, "transform", StepOutcome("done", changed=True))
    record_external(ctx, "transform", StepOutcome("failed", "dbt build failed: fct_matches"))
    for name in ("score", "settle", "bet", "backtest", "report"):
        with pytest.raises(steps.StepFailed, match="last dbt build .* failed") as failure:
            steps.execute(_context(settings), name)
        assert isinstance(failure.value.__cause__, steps.BuildFailed), name
    # A build that passes lifts the refusal (report then says what the empty warehouse lacks).
    record_external(ctx, "transform", StepOutcome("done", changed=True))
    assert steps.execute(_context(settings), "report").blocked


def test_commands_that_need_a_champion_or_marts_fail_on_an_empty_home(
    duckdb_settings: Settings,
) -> None:
    """Alone, a step whose input does not exist yet exits non-zero and names the command that
    makes it (issue 11, F9); inside `plpred run` an earlier step makes it."""
    from typer.testing import CliRunner

    from ml.orchestration.cli import app

    runner = CliRunner()
    for command, hint in (
        (["score"], "plpred train"),
        (["bet"], "plpred train"),
        (["report"], "plpred run"),
        (["settle"], "plpred transform"),
    ):
        result = runner.invoke(app, command)
        output = " ".join(result.output.split())  # the console wraps at the terminal's width
        assert result.exit_code == 1, (command, output)
        assert hint in output, (command, output)


def test_monitor_with_nothing_to_watch_says_so_and_exits_0(duckdb_settings: Settings) -> None:
    """Issue 12: no marts, no champion, no live predictions: the monitor says so and exits 0
    (it is a watcher: nothing to watch is not an error), and stores nothing."""
    from typer.testing import CliRunner

    from ml.orchestration.cli import app

    result = CliRunner().invoke(app, ["monitor", "--as-of", "2026-03-01 12:00"])
    output = " ".join(result.output.split())
    assert result.exit_code == 0, output
    assert "no marts yet" in output
    with connect(duckdb_settings) as conn:
        assert conn.scalar("select count(*) from monitoring.runs") == 0


def test_betting_on_a_version_that_does_not_exist_names_the_versions(
    duckdb_settings: Settings,
) -> None:
    """Issue 11, F9: `plpred bet --model-version 999` exits non-zero and names the versions."""
    from typer.testing import CliRunner

    from ml.orchestration.cli import app

    result = CliRunner().invoke(app, ["bet", "--model-version", "999"])
    output = " ".join(result.output.split())  # the console wraps at the terminal's width
    assert result.exit_code == 1, output
    assert "no version 999" in output and "none yet" in output


def test_the_registry_leaves_no_tracking_uri_behind_for_the_next_settings(
    duckdb_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mlflow.set_tracking_uri writes MLFLOW_TRACKING_URI, which ml.config reads as the user's
    choice: a second warehouse in the same process (a DAG worker, a test session) would inherit
    the first one's store and its champion."""
    from ml.config import get_settings
    from ml.modeling import registry

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    registry.configure(duckdb_settings)
    assert "MLFLOW_TRACKING_URI" not in os.environ
    assert get_settings(target="postgres").mlflow_tracking_uri_override is None


def _why_not_due(settings: Settings, name: str, as_of: datetime) -> str | None:
    ctx = new_context(settings, as_of=as_of, options=RunOptions(), console=QUIET)
    step = steps.step_named(name)
    return step.due(ctx, step)


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_steps_that_depend_on_the_clock_skip_only_when_nothing_could_change(
    target: str, request: pytest.FixtureRequest
) -> None:
    """A second run with nothing new skips score, bet, settle, the monitor and the report (issue
    14: the second run); a kickoff between two clocks makes the report due again, and a bet without a
    settlement whose match has kicked off makes settle due (voiding depends on the clock)."""
    settings = request.getfixturevalue(f"{target}_settings")
    later = CLOCK + timedelta(hours=6)
    with connect(settings) as conn:
        # The two columns of the features mart the clock checks read.
        conn.execute("create schema if not exists marts")
        conn.execute("create table marts.mart_match_features (league text, kickoff_at timestamp)")
        conn.execute(
            "insert into marts.mart_match_features values (?, ?), (?, ?)",
            [settings.league, datetime(2026, 3, 1, 15, 0), "XX", datetime(2026, 3, 1, 13, 0)],
        )
    ctx = _context(settings)
    for name in ("transform", "train", "score", "settle", "bet", "report"):
        assert _why_not_due(settings, name, CLOCK) is None or name in ("transform", "train")
        record_external(ctx, name, StepOutcome("done"))
    settings.report_path.parent.mkdir(parents=True, exist_ok=True)
    settings.report_path.write_text("<html></html>")

    for name in ("score", "settle", "bet", "report"):
        assert _why_not_due(settings, name, CLOCK), name
    # Another league's kickoff at 13:00 changes nothing; this league's at 15:00 does.
    assert _why_not_due(settings, "report", CLOCK + timedelta(hours=2))
    assert _why_not_due(settings, "report", later) is None
    assert _why_not_due(settings, "bet", later)
    # The monitor, last run after the kickoffs: not due while nothing changed and less than a
    # day passed; a day later it judges again what only the clock changes (stale data, the
    # champion's age).
    assert _why_not_due(settings, "monitor", later) is None
    record_external(
        new_context(settings, as_of=later, options=RunOptions(), console=QUIET),
        "monitor",
        StepOutcome("done"),
    )
    assert _why_not_due(settings, "monitor", later + timedelta(hours=23))
    assert _why_not_due(settings, "monitor", later + timedelta(days=1)) is None
    # No report file: due whatever the clock.
    settings.report_path.unlink()
    assert _why_not_due(settings, "report", CLOCK) is None

    # A bet on the 15:00 match, not settled: settle is due once it has kicked off.
    with connect(settings) as conn:
        conn.execute(
            "insert into betting.bets (bet_id, book_id, mode, run_id, strategy, strategy_version,"
            " league, season, match_id, kickoff_at, selection, odds_taken, odds_source,"
            " odds_period, stake, bankroll_start, bankroll_at_placement, p_model, p_implied,"
            " edge, model_name, prediction_ref, placed_at) values (?, ?, 'live', 'r', 's', '1',"
            " ?, '2025-26', 'm1', ?, 'home', 2.0, 'avg', 'pre_match', 1, 100, 100, 0.6, 0.5,"
            " 0.1, 'blend', 'p1', ?)",
            [
                "b1",
                "book",
                settings.league,
                datetime(2026, 3, 1, 15, 0),
                CLOCK.replace(tzinfo=None),
            ],
        )
    assert _why_not_due(settings, "settle", CLOCK)
    assert _why_not_due(settings, "settle", later) is None
    # New bets make settle due (through the log), new marts make score and bet due.
    record_external(ctx, "bet", StepOutcome("done", changed=True))
    assert _why_not_due(settings, "settle", CLOCK) is None
    record_external(ctx, "transform", StepOutcome("done", changed=True))
    assert _why_not_due(settings, "score", CLOCK) is None
    assert _why_not_due(settings, "bet", CLOCK) is None
