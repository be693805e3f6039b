"""Train and score through the real stack: ingestion, dbt, a real MLflow registry (SQLite in a
temp PLPRED_HOME) and the warehouse ledgers, on a synthetic football-data source."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from ml.config import PROJECT_ROOT, Settings
from ml.faults import FAULT_ENV
from ml.ingest import run_ingest
from ml.modeling import registry
from ml.modeling.config import TrainConfig
from ml.modeling.score import ScoreError, run_score
from ml.modeling.train import run_train
from ml.warehouse.connection import connect
from ml.warehouse.dbt import build
from tests.football_data_files import write_synthetic_source

QUIET = Console(file=io.StringIO(), width=150)


def _load(settings: Settings, source: Path) -> None:
    summary = run_ingest(
        settings.with_overrides(source=str(source)),
        seasons=None,
        files=None,
        file_season=None,
        include_fixtures=True,
        console=QUIET,
    )
    assert summary.ok
    summary = run_ingest(
        settings.with_overrides(source=str(source), league="E1"),
        seasons=None,
        files=None,
        file_season=None,
        include_fixtures=False,
        console=QUIET,
    )
    assert summary.ok
    build(settings, console=QUIET)


def _clock(settings: Settings) -> datetime:
    """A moment before the synthetic fixtures, which lie in the past of the wall clock: the
    day before the first of them. Steps run at it (plus a minute a step, so that successive
    decisions are ordered) see the fixtures as upcoming."""
    with connect(settings) as conn:
        first = conn.scalar(
            "select min(kickoff_at) from marts.mart_match_features where not is_played"
        )
    return first - timedelta(days=1)


def _count(settings: Settings, sql: str, params=None) -> int:
    with connect(settings) as conn:
        return int(conn.scalar(sql, params))


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the synthetic league ingested and built, made once for the module in a child
    process (dbt-duckdb keeps its connection to the file open in the process that ran dbt, so
    a file built here could not be copied whole, nor written by the ``plpred`` processes of
    the tests). Each test starts from a copy of its warehouse."""
    root = tmp_path_factory.mktemp("train_score_built")
    source = write_synthetic_source(root / "source", n_seasons=4)
    home = root / "home"
    home.mkdir()
    code = (
        "import sys; from pathlib import Path; from ml.config import get_settings; "
        "from tests.integration.test_train_score import _load; "
        "_load(get_settings(), Path(sys.argv[1]))"
    )
    env = {**os.environ, "PLPRED_HOME": str(home), "PLPRED_TARGET": "duckdb"}
    env.pop("PLPRED_DUCKDB_PATH", None)
    done = subprocess.run(
        [sys.executable, "-c", code, str(source.directory)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (home / "warehouse.duckdb.wal").exists()
    return home


@pytest.fixture
def warehouse(duckdb_settings: Settings, built_home: Path) -> Settings:
    """A warehouse of its own, loaded and built: a copy of :func:`built_home`'s."""
    shutil.copyfile(built_home / "warehouse.duckdb", duckdb_settings.duckdb_path)
    return duckdb_settings


def _results_arrive(settings: Settings, tmp_path: Path) -> None:
    """The same league a fortnight later: the fixtures have been played."""
    later = write_synthetic_source(tmp_path / "later", n_seasons=4, upcoming_rounds=0)
    summary = run_ingest(
        settings.with_overrides(source=str(later.directory)),
        seasons="2425",
        files=None,
        file_season=None,
        include_fixtures=False,
        console=QUIET,
    )
    assert summary.ok
    build(settings, console=QUIET)


def _config(variants: tuple[str, ...]) -> TrainConfig:
    return TrainConfig(
        eval_seasons=("2024-25",),
        classifiers=("logistic",),
        variants=variants,
        goals_model=False,
        quick=True,
    )


def test_train_register_score_and_champion_rules(warehouse: Settings, tmp_path: Path) -> None:
    settings = warehouse
    start = _clock(settings)

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    with pytest.raises(ScoreError, match="plpred train"):
        run_score(settings, console=QUIET)

    # 1. A football-only model becomes the first champion.
    first = run_train(settings, config=_config(("football",)), console=QUIET, as_of=at(1))
    assert first.selected == ("logistic", "football")
    assert first.decision.decision == "first_champion"
    champion = registry.get_alias(settings, registry.CHAMPION)
    assert champion is not None and champion.version == first.model_version
    assert champion.training_data_end == first.training_data_end
    _assert_requirements_cover_what_mlflow_infers(settings, first.model_version)

    # The evaluation and the walk-forward predictions are in the warehouse, with baselines.
    models = {row[0] for row in _fetch(settings, "select distinct model from ml.model_evaluations")}
    assert {"base_rates", "market_pre", "market_close", "logistic"} <= models
    metrics = {
        row[0] for row in _fetch(settings, "select distinct metric from ml.model_evaluations")
    }
    assert metrics == {"rps", "log_loss", "brier", "accuracy", "ece"}
    n_wf = _count(
        settings,
        "select count(*) from ml.walk_forward_predictions where model = 'logistic' and run_id = ?",
        [first.run_id],
    )
    assert n_wf == 360  # the played matches of 2024-25 (two rounds are still fixtures)

    # 2. Score: only the upcoming fixtures (after the training data), once.
    scored = run_score(settings, console=QUIET, as_of=at(2))
    assert scored.n_scored == 20
    with connect(settings) as conn:
        bounds = conn.fetchone(
            "select min(f.kickoff_date), count(*) from ml.predictions p "
            "join marts.mart_match_features f on f.match_id = p.match_id"
        )
        trained_on = conn.scalar(
            "select count(*) from ml.predictions p join marts.fct_matches m "
            "on m.match_id = p.match_id"
        )
    assert str(bounds[0]) > first.training_data_end
    assert trained_on == 0  # never a prediction for a match the model was trained on
    assert run_score(settings, console=QUIET, as_of=at(3)).n_scored == 0
    assert _count(settings, "select count(*) from ml.predictions") == 20

    # 3. A better challenger (with the market's view) is promoted...
    second = run_train(settings, config=_config(("with_market",)), console=QUIET, as_of=at(4))
    assert second.decision.promote, second.decision.reason
    assert registry.get_alias(settings, registry.CHAMPION).version == second.model_version

    # ...and a worse one is refused: it becomes challenger, the champion stays.
    third = run_train(settings, config=_config(("football",)), console=QUIET, as_of=at(5))
    assert not third.decision.promote
    assert registry.get_alias(settings, registry.CHAMPION).version == second.model_version
    assert registry.get_alias(settings, registry.CHALLENGER).version == third.model_version
    decisions = _fetch(
        settings,
        "select candidate_version, decision from ml.champion_decisions order by decided_at",
    )
    assert [d[1] for d in decisions] == ["first_champion", "promoted", "kept_champion"]

    # The new champion scores the same fixtures under its own version; nothing is rewritten.
    assert run_score(settings, console=QUIET, as_of=at(6)).n_scored == 20
    assert _count(settings, "select count(*) from ml.predictions") == 40
    tags = registry.get_alias(settings, registry.CHALLENGER).tags
    assert tags[registry.TAG_DECISION] == "kept_champion"

    # 4. Results arrive: dbt scores each version's live predictions next to the market.
    _results_arrive(settings, tmp_path)
    performance = _fetch(
        settings,
        "select model_version, sum(n_matches), min(rps), max(rps), min(market_rps) "
        "from marts.mart_prediction_performance group by model_version order by model_version",
    )
    assert [(row[0], int(row[1])) for row in performance] == [
        (first.model_version, 20),
        (second.model_version, 20),
    ]
    assert all(0 < row[2] <= row[3] < 1 and 0 < row[4] < 1 for row in performance)
    # The played fixtures are now in the past of any clock: nothing new to score.
    assert run_score(settings, console=QUIET, as_of=at(7)).n_scored == 0


def test_the_champion_is_judged_on_the_challengers_matches(warehouse: Settings) -> None:
    """A champion trained mid-season logged its RPS on half of it; a challenger trained at
    the season's end is scored on all of it. The decision compares both on the same matches
    (the champion's configuration re-scored on the challenger's), not the stale half-season
    number the champion's run logged."""
    settings = warehouse
    end = _clock(settings)
    with connect(settings) as conn:
        kickoffs = [
            row[0]
            for row in conn.fetchall(
                "select distinct kickoff_at from marts.mart_match_features "
                "where season = '2024-25' and is_played order by 1"
            )
        ]
    halfway = kickoffs[len(kickoffs) // 2]
    first = run_train(settings, config=_config(("football",)), console=QUIET, as_of=halfway)
    assert first.decision.decision == "first_champion"
    second = run_train(settings, config=_config(("with_market",)), console=QUIET, as_of=end)
    # Both configurations evaluated together at the season's end: the numbers to compare.
    both = run_train(
        settings,
        config=_config(("football", "with_market")),
        console=QUIET,
        as_of=end + timedelta(minutes=1),
    )

    def season_metrics(result, variant: str) -> dict[str, float]:
        rows = result.metrics[
            (result.metrics["model"] == "logistic")
            & (result.metrics["variant"] == variant)
            & (result.metrics["season"] == "2024-25")
        ]
        return rows.set_index("metric")["value"].to_dict()

    whole = season_metrics(both, "football")
    stale = season_metrics(first, "football")
    assert stale["rps"] != pytest.approx(whole["rps"], abs=1e-6)  # half a season differs
    (row,) = _fetch(
        settings,
        "select champion_rps, champion_log_loss, candidate_rps, candidate_log_loss "
        "from ml.champion_decisions where run_id = ?",
        [second.run_id],
    )
    assert row[0] == pytest.approx(whole["rps"], abs=1e-12)
    assert row[1] == pytest.approx(whole["log_loss"], abs=1e-12)
    challenger = season_metrics(both, "with_market")
    assert row[2] == pytest.approx(challenger["rps"], abs=1e-12)
    assert row[3] == pytest.approx(challenger["log_loss"], abs=1e-12)
    assert second.decision.promote == (
        challenger["rps"] < whole["rps"] and challenger["log_loss"] <= whole["log_loss"]
    )


def test_goals_model_scores_with_expected_goals(warehouse: Settings) -> None:
    config = TrainConfig(
        eval_seasons=("2024-25",),
        classifiers=(),
        variants=(),
        goals_model=True,
        blend=False,
        quick=True,
    )
    result = run_train(warehouse, config=config, console=QUIET, as_of=_clock(warehouse))
    assert result.selected == ("dixon_coles", "weekly")
    _assert_requirements_cover_what_mlflow_infers(warehouse, result.model_version)
    scored = run_score(warehouse, console=QUIET, as_of=_clock(warehouse)).predictions
    assert len(scored) == 20
    assert scored["expected_home_goals"].notna().all()
    assert scored["p_over_2_5"].between(0, 1).all()
    total = scored[["p_home", "p_draw", "p_away"]].sum(axis=1)
    assert (abs(total - 1) < 1e-9).all()


def _assert_requirements_cover_what_mlflow_infers(settings: Settings, version: str) -> None:
    """A logged model declares its requirements (ml.modeling.interface.MODEL_REQUIREMENTS)
    instead of MLflow inferring them; they must hold every distribution MLflow's inference
    finds when it loads the model in a subprocess, at the installed version. (Its other way,
    when uv is on the PATH and the working directory is a uv project, is ``uv export`` of the
    whole project, Airflow and dbt included: not what the model needs, so it is switched off.)"""
    import mlflow.pyfunc
    from mlflow.utils.environment import infer_pip_requirements

    registry.configure(settings)
    uri = f"models:/{registry.model_name(settings.league)}/{version}"
    declared = Path(mlflow.pyfunc.get_model_dependencies(uri)).read_text().split()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("MLFLOW_UV_AUTO_DETECT", "false")
        inferred = infer_pip_requirements(uri, "python_function")
    assert inferred, "MLflow inferred nothing"
    assert set(inferred) <= set(declared), f"{set(inferred) - set(declared)} not declared"


def _fetch(settings: Settings, sql: str, params=None) -> list[tuple]:
    with connect(settings) as conn:
        return conn.fetchall(sql, params)


def _plpred_train(settings: Settings, as_of: datetime, fault: str | None) -> int:
    """``plpred train`` in its own process, as a user or a DAG task runs it. Its output goes to
    a file, not a pipe: the walk-forward's worker processes outlive a killed parent until
    their idle timeout, and would hold a pipe open that long."""
    env = {**os.environ, "PLPRED_HOME": str(settings.home), "PLPRED_TARGET": "duckdb"}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    command = [
        sys.executable,
        "-c",
        "from ml.orchestration.cli import app; app()",
        "train",
        "--quick",
        "--classifiers",
        "logistic",
        "--no-goals-model",
        "--as-of",
        as_of.strftime("%Y-%m-%dT%H:%MZ"),
    ]
    log = settings.home / f"train-{fault or 'plain'}.log"
    with log.open("w") as out:
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    expected = (-signal.SIGKILL,) if fault else (0,)
    assert done.returncode in expected, log.read_text()[-4000:]
    return done.returncode


@pytest.fixture
def warehouse_of_another_process(warehouse: Settings) -> Settings:
    """The warehouse of :func:`warehouse`, which no process of the test holds open (it was
    built in a child process): the ``plpred`` processes of the test must be able to write it."""
    return warehouse


@pytest.mark.slow
def test_a_training_run_killed_before_the_alias_moves_is_finished_by_the_next(
    warehouse_of_another_process: Settings,
) -> None:
    """The warehouse learns of a training run before the registry acts on it: a run killed
    (SIGKILL) between the two leaves the decision stored and no champion; the next run at the
    same clock finishes that version, moving the alias, without a second version or a second
    decision."""
    warehouse = warehouse_of_another_process
    as_of = _clock(warehouse)
    decisions = "select count(*) from ml.champion_decisions"

    assert _plpred_train(warehouse, as_of, "train:before-alias") == -signal.SIGKILL
    assert [v.version for v in registry.versions(warehouse)] == ["1"]
    assert registry.get_alias(warehouse, registry.CHAMPION) is None
    assert _count(warehouse, decisions) == 1
    stored = _count(warehouse, "select count(*) from ml.walk_forward_predictions")
    assert stored > 0

    _plpred_train(warehouse, as_of, None)
    assert [v.version for v in registry.versions(warehouse)] == ["1"]
    assert registry.get_alias(warehouse, registry.CHAMPION).version == "1"
    assert _count(warehouse, decisions) == 1
