"""The DAGs over three leagues with dynamic task mapping (issue 14 §3), with ``dag.test()`` on a
small synthetic source of three leagues (DuckDB, SQLite metadata): each per-league task runs
once per league of the ``leagues`` param, dbt and settle once, and each DAG's asset event
carries the leagues to the next DAG, as it carries the clock."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime

import pytest

from ml.config import get_settings
from ml.warehouse.connection import connect
from tests.dags.test_pipeline import QUICK_TRAINING, _run, _run_ok, _use_home
from tests.football_data_files import write_synthetic_leagues

pytestmark = [pytest.mark.slow]

LEAGUES = ["E0", "E1", "SP1"]
# Three seasons of ten teams; each league's last two rounds (28 November, 5 December 2025) are
# fixtures, so each league bets live, on its own bankroll in the live book.
AT = datetime(2025, 11, 25, 12, tzinfo=UTC)


def _mapped(run) -> dict[str, list[int]]:
    """Per task, the map indexes of its instances ([-1]: not mapped)."""
    indexes: dict[str, list[int]] = {}
    for ti in run.get_task_instances():
        indexes.setdefault(ti.task_id, []).append(ti.map_index)
    return {task_id: sorted(found) for task_id, found in indexes.items()}


def _by_step(sql_where: str = "") -> Counter:
    with connect(get_settings()) as conn:
        rows = conn.fetchall(f"select step, league from ops.step_runs {sql_where} order by seq")
    return Counter((str(step), str(league)) for step, league in rows)


def test_the_chain_maps_its_per_league_tasks_over_three_leagues(dagbag, tmp_path) -> None:
    source = tmp_path / "football-data"
    write_synthetic_leagues(source, tuple(LEAGUES), n_seasons=3, first_year=2023, n_teams=10)
    with pytest.MonkeyPatch.context() as env:
        _use_home(env, tmp_path / "home", source)
        conf = {"leagues": LEAGUES}

        ingest = _run(dagbag, "plpred_ingest", conf, at=AT)
        assert str(ingest.state) == "success"
        assert _mapped(ingest) == {"leagues": [-1], "ingest": [0, 1, 2], "publish_raw": [-1]}
        publish = next(ti for ti in ingest.get_task_instances() if ti.task_id == "publish_raw")
        assert publish.xcom_pull(task_ids="publish_raw")["leagues"] == LEAGUES
        with connect(get_settings()) as conn:
            leagues = conn.fetchall("select distinct league from raw.matches order by 1")
        assert [row[0] for row in leagues] == sorted(LEAGUES)

        # Asset-triggered runs would take the leagues from publish_raw's event; dag.test()
        # triggers nothing, so the runs below are given the same leagues as a param.
        _run_ok(dagbag, "plpred_transform", conf, at=AT)
        train = _run(dagbag, "plpred_train", QUICK_TRAINING | conf, at=AT)
        assert str(train.state) == "success"
        assert _mapped(train) == {
            "leagues": [-1],
            "train": [0, 1, 2],
            "refit": [0, 1, 2],
            "backtest": [0, 1, 2],
            "publish": [-1],
        }
        score = _run(dagbag, "plpred_score_and_bet", conf, at=AT)
        assert str(score.state) == "success"
        assert _mapped(score) == {
            "leagues": [-1],
            "score": [0, 1, 2],
            "settle": [-1],
            "monitor": [0, 1, 2],
            "request_retrain": [-1],
            "bet": [0, 1, 2],
            "marts": [-1],
            "report": [0, 1, 2],
        }

        counts = _by_step()
        for step in ("ingest", "train", "refit", "backtest", "score", "monitor", "bet", "report"):
            assert {league for (s, league) in counts if s == step} == set(LEAGUES), step
            assert all(counts[step, league] == 1 for league in LEAGUES), step
        assert sum(n for (s, _), n in counts.items() if s == "transform") == 1
        assert sum(n for (s, _), n in counts.items() if s == "settle") == 1
        assert sum(n for (s, _), n in counts.items() if s == "marts") == 1

        settings = get_settings()
        from ml.modeling import registry

        with connect(settings) as conn:
            marts = dict(conn.fetchall("select league, count(*) from marts.fct_matches group by 1"))
            predicted = dict(
                conn.fetchall("select league, count(*) from ml.predictions group by 1")
            )
            live = dict(
                conn.fetchall(
                    "select league, count(*) from betting.bets where book_id = 'live' group by 1"
                )
            )
            # the marts task ran the grain tests; one row per book, strategy, league and season
            duplicated = conn.scalar(
                "select count(*) from (select book_id, strategy, league, season "
                "from marts.mart_strategy_performance group by book_id, strategy, league, season "
                "having count(*) > 1) as duplicated"
            )
        assert marts == dict.fromkeys(LEAGUES, 260)
        assert predicted == dict.fromkeys(LEAGUES, 10)
        assert set(live) == set(LEAGUES)
        assert duplicated == 0
        for league in LEAGUES:
            assert registry.get_alias(settings.with_overrides(league=league)) is not None
            assert (settings.reports_dir / f"report-{league}.html").is_file()

        # ["all"]: the leagues task resolves it (the warehouse's leagues for later DAGs).
        again = _run(dagbag, "plpred_score_and_bet", {"leagues": ["all"]}, at=AT)
        assert str(again.state) == "success"
        assert _mapped(again)["score"] == [0, 1, 2]

        # An unknown code fails the leagues task, naming it, and nothing runs.
        bad = _run(dagbag, "plpred_score_and_bet", {"leagues": ["E0", "XX"]}, at=AT)
        assert str(bad.state) == "failed"
        states = {ti.task_id: str(ti.state) for ti in bad.get_task_instances()}
        assert states["leagues"] == "failed"
    shutil.rmtree(tmp_path / "home", ignore_errors=True)
