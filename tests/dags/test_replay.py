"""A replay through Airflow: the DAG chain run at three consecutive snapshot times of a
synthetic snapshot archive, ``dag.test(logical_date=T)`` for every DAG in chain order, as
``airflow dags backfill`` over the snapshot dates would run them.

The archive (``write_synthetic_snapshots``: at each capture time the season file as it stood,
rows dated before that day, and the fixtures of the next seven days) reaches the ingest DAG
through its ``snapshots`` param. Each run's steps must carry its clock in ``ops.step_runs``;
predictions are made only for matches kicking off after their clock; live bets are placed at
the clock and before kickoff. Re-running the three dates adds nothing: ingest is skipped (a
clock loaded before; no asset event, so nothing downstream would be scheduled), and the model
and betting DAGs, run again at each date, write no prediction, bet or settlement. (The
transform DAG is not re-run: it would rebuild the same marts from unchanged raw data.)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ml.config import get_settings
from ml.warehouse.connection import connect
from tests.dags.test_pipeline import QUICK_TRAINING, _run_ok, _use_home
from tests.football_data_files import write_synthetic_snapshots, write_synthetic_source

pytestmark = [pytest.mark.slow]

# Seasons 2023-24 to 2025-26 of a small league (rounds on Fridays and Saturdays from August to
# early December); three Wednesdays in the middle of the last season.
STAMPS = ["2025-10-01T1200", "2025-10-08T1200", "2025-10-15T1200"]
CLOCKS = [
    datetime.fromisoformat(f"{s[:10]}T{s[11:13]}:{s[13:]}").replace(tzinfo=UTC) for s in STAMPS
]
# The first clock trains; a week later the champion is young; two weeks later it is refitted.
TRAINING = QUICK_TRAINING | {"max_model_age_days": 30.0, "refit_age_days": 10.0}
CHAIN = (
    ("plpred_ingest", "ingest"),
    ("plpred_transform", None),
    ("plpred_train", "train"),
    ("plpred_score_and_bet", None),
)
DATA_TABLES = (
    "raw.matches",
    "raw.fixtures",
    "ml.predictions",
    "ml.model_evaluations",
    "betting.bets",
    "betting.settlements",
    "betting.backtests",
)


@dataclass
class Replay:
    archive: Path
    states: dict[str, dict[str, str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    rerun_states: dict[str, dict[str, str]] = field(default_factory=dict)
    rerun_counts: dict[str, int] = field(default_factory=dict)


def _counts() -> dict[str, int]:
    with connect(get_settings()) as conn:
        return {t: int(conn.scalar(f"select count(*) from {t}")) for t in DATA_TABLES}


def _conf(dag_id: str, archive: Path) -> dict | None:
    if dag_id == "plpred_ingest":
        return {"snapshots": str(archive)}
    if dag_id == "plpred_train":
        return TRAINING
    return None


@pytest.fixture(scope="module")
def replay(dagbag, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    root = tmp_path_factory.mktemp("dag_replay")
    source = write_synthetic_source(
        root / "football-data", n_seasons=3, first_year=2023, n_teams=10, upcoming_rounds=0
    )
    result = Replay(archive=write_synthetic_snapshots(source, STAMPS))
    with pytest.MonkeyPatch.context() as env:
        _use_home(env, root / "home", source.directory)
        for at in CLOCKS:
            for dag_id, _ in CHAIN:
                result.states[f"{at:%m-%d} {dag_id}"] = _run_ok(
                    dagbag, dag_id, _conf(dag_id, result.archive), at=at
                )
        result.counts = _counts()
        for at in CLOCKS:
            for dag_id in ("plpred_ingest", "plpred_train", "plpred_score_and_bet"):
                result.rerun_states[f"{at:%m-%d} {dag_id}"] = _run_ok(
                    dagbag, dag_id, _conf(dag_id, result.archive), at=at
                )
        result.rerun_counts = _counts()
        yield result
    shutil.rmtree(root, ignore_errors=True)


def _chain_env(monkeypatch: pytest.MonkeyPatch, replay: Replay) -> None:
    source = replay.archive.parent.parent
    _use_home(monkeypatch, source.parent / "home", source)


def test_every_step_of_a_run_carries_its_clock(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ml.orchestration.steps import catalogue

    _chain_env(monkeypatch, replay)
    with connect(get_settings()) as conn:
        rows = conn.fetchall("select run_id, step, as_of from ops.step_runs order by seq")
    first_pass = rows[: len(CLOCKS) * len(catalogue())]
    clocks = {at.replace(tzinfo=None) for at in CLOCKS}
    by_run: dict[str, set[datetime]] = {}
    for run_id, step, as_of in rows:
        # Every step of a DAG run (airflow:<dag_id>:<run id>) ran at one of the logical dates.
        assert run_id.startswith("airflow:"), (run_id, step)
        assert as_of in clocks, (run_id, step, as_of)
        by_run.setdefault(run_id, set()).add(as_of)
    assert all(len(seen) == 1 for seen in by_run.values())
    # Every tick ran the whole catalogue, in its order, at its clock.
    names = [s.name for s in catalogue()]
    for tick, at in enumerate(CLOCKS):
        ran = first_pass[tick * len(names) : (tick + 1) * len(names)]
        assert [step for _, step, _ in ran] == names
        assert {as_of for _, _, as_of in ran} == {at.replace(tzinfo=None)}


def test_predictions_are_made_at_their_clock_for_later_kickoffs(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    _chain_env(monkeypatch, replay)
    with connect(get_settings()) as conn:
        rows = conn.fetchall(
            "select p.predicted_at, m.kickoff_at from ml.predictions p "
            "join marts.mart_match_features m using (match_id)"
        )
    clocks = {at.replace(tzinfo=None) for at in CLOCKS}
    assert rows
    assert {predicted_at for predicted_at, _ in rows} == clocks  # every tick predicted
    for predicted_at, kickoff_at in rows:
        assert kickoff_at > predicted_at


def test_live_bets_are_placed_at_the_clock_before_kickoff(
    replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    _chain_env(monkeypatch, replay)
    with connect(get_settings()) as conn:
        rows = conn.fetchall(
            "select b.placed_at, b.kickoff_at, p.predicted_at from betting.bets b "
            "join ml.predictions p on p.prediction_id = b.prediction_ref "
            "where b.book_id = 'live'"
        )
        live = conn.scalar("select count(*) from betting.bets where book_id = 'live'")
    clocks = {at.replace(tzinfo=None) for at in CLOCKS}
    assert rows and len(rows) == live
    for placed_at, kickoff_at, predicted_at in rows:
        assert placed_at in clocks
        assert placed_at < kickoff_at
        assert predicted_at <= placed_at  # no bet on a prediction from after its clock


def test_the_ticks_ran_every_dag_and_re_running_them_adds_nothing(replay: Replay) -> None:
    assert all(
        states.get("publish_marts", "success") == "success" for states in replay.states.values()
    )
    for at in CLOCKS:
        assert replay.states[f"{at:%m-%d} plpred_ingest"] == {
            "leagues": "success",
            "ingest": "success",
            "publish_raw": "success",
        }
        assert replay.rerun_states[f"{at:%m-%d} plpred_ingest"] == {
            "leagues": "success",
            "ingest": "skipped",
            "publish_raw": "skipped",
        }
    assert replay.rerun_counts == replay.counts
