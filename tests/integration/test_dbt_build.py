"""The dbt project on real data: football-data files from the mirror, loaded by the real
ingestion, transformed by real dbt runs (``ml.warehouse.dbt``) on DuckDB and on Postgres.

Kept to a few dbt invocations (each costs about 3.5 s of start-up): one build with docs per
target over a few seasons, one 26-season build on DuckDB, and one test of the leakage checks
that changes data and builds again.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from ml.clock import uk_local_to_utc
from ml.config import Settings
from ml.ingest import run_ingest
from ml.models.metrics import implied_probabilities
from ml.warehouse.connection import connect
from ml.warehouse.dbt import DbtError, build, dbt_paths, run_dbt, unit_test_plan

pytestmark = [pytest.mark.mirror, pytest.mark.slow]

SNAPSHOTS = Path("snapshots") / "2025-26"
# The 2025-26 season as it stood on 2 March 2026, the fixtures published just before (all
# played by then) and just after (ten upcoming Premier League matches, and other leagues').
E0_SNAPSHOT = SNAPSHOTS / "E0_2026-03-02T1316.csv"
FIXTURES_PLAYED = SNAPSHOTS / "fixtures_2026-02-27T1856.csv"
FIXTURES_UPCOMING = SNAPSHOTS / "fixtures_2026-03-03T1315.csv"

EWMA_ALPHA = 0.2  # dbt_project.yml var ewma_alpha
SIDE_FEATURES = [
    "matches_played",
    "rest_days",
    "last_match_date",
    "ppg_last5",
    "ppg_last10",
    "goal_diff_per_game_last5",
    "goals_for_avg_last5",
    "goals_against_avg_last10",
    "shots_on_target_for_avg_last10",
    "goals_for_ewma",
    "shots_against_ewma",
    "season_points",
    "season_matches_played",
]


def _console() -> Console:
    return Console(file=io.StringIO(), width=200)


def _ingest(settings: Settings, mirror: Path, *, seasons: str | None, files=None, league="E0"):
    summary = run_ingest(
        settings.with_overrides(source=str(mirror), league=league),
        seasons=seasons,
        files=files,
        file_season=None,
        include_fixtures=False,
        console=_console(),
    )
    assert summary.ok, f"ingest of {league} {seasons or files} failed"


def _load_recent_seasons(settings: Settings, mirror: Path) -> None:
    """E0 2023-24 and 2024-25, 2025-26 up to 2 March 2026, E1 2024-25 and 2025-26, fixtures."""
    _ingest(settings, mirror, seasons="2324-2425")
    _ingest(settings, mirror, seasons="2425-2526", league="E1")
    files = [mirror / E0_SNAPSHOT, mirror / FIXTURES_PLAYED, mirror / FIXTURES_UPCOMING]
    _ingest(settings, mirror, seasons=None, files=files)


def _query(settings: Settings, sql: str) -> pd.DataFrame:
    with connect(settings) as conn:
        return conn.query_df(sql)


def _team_history(fct: pd.DataFrame) -> pd.DataFrame:
    """fct_matches as one row per team per match, in the order the features count matches."""
    sides = []
    for side, other in (("home", "away"), ("away", "home")):
        sides.append(
            pd.DataFrame(
                {
                    "match_id": fct["match_id"],
                    "team_id": fct[f"{side}_team_id"],
                    "league": fct["league"],
                    "season": fct["season"],
                    "kickoff_at": pd.to_datetime(fct["kickoff_at"]),
                    "kickoff_date": pd.to_datetime(fct["kickoff_date"]),
                    "goals_for": fct[f"{side}_goals"].astype(float),
                    "goals_against": fct[f"{other}_goals"].astype(float),
                    "shots_against": pd.to_numeric(fct[f"{other}_shots"], errors="coerce"),
                    "shots_on_target_for": pd.to_numeric(
                        fct[f"{side}_shots_on_target"], errors="coerce"
                    ),
                }
            )
        )
    history = pd.concat(sides, ignore_index=True)
    history["points"] = np.select(
        [history.goals_for > history.goals_against, history.goals_for == history.goals_against],
        [3.0, 1.0],
        0.0,
    )
    history["goal_diff"] = history.goals_for - history.goals_against
    return history.sort_values(["team_id", "kickoff_at", "match_id"], kind="stable")


def _recompute_form(history: pd.DataFrame) -> pd.DataFrame:
    """Each played match's pre-match form from the team's strictly earlier matches (pandas)."""
    teams = history.groupby("team_id", sort=False)

    def before(column: str, window: int) -> pd.Series:
        return teams[column].transform(lambda s: s.shift(1).rolling(window, min_periods=1).mean())

    def ewma_before(column: str) -> pd.Series:
        return teams[column].transform(lambda s: s.ewm(alpha=EWMA_ALPHA).mean().shift(1))

    previous_date = teams["kickoff_date"].shift(1)
    season = history.groupby(["team_id", "league", "season"], sort=False)
    return pd.DataFrame(
        {
            "match_id": history.match_id,
            "team_id": history.team_id,
            "matches_played": teams.cumcount().astype(float),
            "rest_days": (history.kickoff_date - previous_date).dt.days.astype(float),
            "last_match_date": previous_date,
            "ppg_last5": before("points", 5),
            "ppg_last10": before("points", 10),
            "goal_diff_per_game_last5": before("goal_diff", 5),
            "goals_for_avg_last5": before("goals_for", 5),
            "goals_against_avg_last10": before("goals_against", 10),
            "shots_on_target_for_avg_last10": before("shots_on_target_for", 10),
            "goals_for_ewma": ewma_before("goals_for"),
            "shots_against_ewma": ewma_before("shots_against"),
            "season_points": season["points"].cumsum() - history.points,
            "season_matches_played": season.cumcount().astype(float),
        }
    )


def _mart_sides(features: pd.DataFrame) -> pd.DataFrame:
    """mart_match_features as one row per team per match, with the side prefix removed."""
    sides = []
    for side in ("home", "away"):
        columns = {f"{side}_{name}": name for name in SIDE_FEATURES}
        part = features[["match_id", f"{side}_team_id", *columns]].rename(
            columns={f"{side}_team_id": "team_id", **columns}
        )
        sides.append(part)
    return pd.concat(sides, ignore_index=True)


def _assert_same_features(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    merged = expected.merge(actual, on=["match_id", "team_id"], suffixes=("_expected", ""))
    assert len(merged) == len(expected)
    for name in SIDE_FEATURES:
        want, got = merged[f"{name}_expected"], merged[name]
        if name == "last_match_date":
            same = pd.to_datetime(want).eq(pd.to_datetime(got)) | (want.isna() & got.isna())
            assert same.all(), (
                f"{name} differs for {merged.loc[~same, 'match_id'].head(3).tolist()}"
            )
            continue
        want, got = want.astype(float).to_numpy(), pd.to_numeric(got).astype(float).to_numpy()
        close = np.isclose(want, got, rtol=1e-9, atol=1e-9, equal_nan=True)
        assert close.all(), (
            f"{name} differs from the recomputation for "
            f"{merged.loc[~close, 'match_id'].head(3).tolist()}: "
            f"{want[~close][:3]} expected, {got[~close][:3]} found"
        )


def _rps(probabilities: pd.DataFrame, result: pd.Series) -> float:
    home, draw = probabilities.iloc[:, 0], probabilities.iloc[:, 1]
    won, drew = (result == "H").astype(float), (result == "D").astype(float)
    return float((((home - won) ** 2 + (home + draw - won - drew) ** 2) / 2).mean())


def _assert_docs_persisted(target: Path) -> None:
    """Every model's description and every documented column's is a comment in the warehouse
    (persist_docs, dbt_project/macros/persist_docs.sql), as dbt's catalog reads them back."""
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())["nodes"]
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) > 50
    checked = 0
    for model in models:
        entry = catalog[model["unique_id"]]
        where = f"{model['name']} ({entry['metadata']['type']})"
        assert (entry["metadata"]["comment"] or "").strip() == model["description"].strip(), where
        columns = {name.lower(): column for name, column in entry["columns"].items()}
        for name, documented in model["columns"].items():
            comment = columns[name.lower()]["comment"] or ""
            assert comment.strip() == documented["description"].strip(), f"{where}.{name}"
            checked += 1
    assert checked > 500


def test_build_and_docs_on_recent_seasons(any_settings: Settings, mirror: Path) -> None:
    """dbt build (every model, seed, unit and data test) and docs generate pass on the real
    files; the features equal a pandas recomputation from strictly earlier matches; an
    upcoming fixture sees the state after each team's last played match."""
    settings = any_settings
    _load_recent_seasons(settings, mirror)

    summary = build(settings, docs=True, console=_console())

    statuses = summary.invocations[0].counts
    assert statuses.get("pass", 0) > 150 and statuses.get("success", 0) >= 13
    assert not {"fail", "error", "warn", "skipped"} & set(statuses), statuses
    assert summary.docs_index.is_file()
    catalog = (summary.target_path / "catalog.json").read_text()
    assert "model.plpred.mart_match_features" in catalog and "home_ppg_last5" in catalog
    _assert_docs_persisted(summary.target_path)

    fct = _query(settings, "select * from marts.fct_matches")
    counts = fct.groupby(["league", "season"]).size().to_dict()
    assert counts == {
        ("E0", "2023-24"): 380,
        ("E0", "2024-25"): 380,
        ("E0", "2025-26"): 281,
        ("E1", "2024-25"): 552,
        ("E1", "2025-26"): 552,
    }
    # kickoff_at is the UTC instant of the published UK kickoff (GMT or BST), kickoff_at_uk the
    # published wall-clock time: across every clock change of these seasons
    published = [
        datetime.combine(pd.Timestamp(d).date(), t if isinstance(t, time) else time(0, 0))
        for d, t in zip(fct.kickoff_date, fct.kickoff_time, strict=True)
    ]
    assert [pd.Timestamp(v).to_pydatetime() for v in fct.kickoff_at_uk] == published
    assert [pd.Timestamp(v).to_pydatetime() for v in fct.kickoff_at] == [
        uk_local_to_utc(p.date(), p.time()) for p in published
    ]
    offsets = (pd.to_datetime(fct.kickoff_at_uk) - pd.to_datetime(fct.kickoff_at)).value_counts()
    assert set(offsets.index) == {pd.Timedelta(0), pd.Timedelta(hours=1)}  # GMT and BST
    features = _query(settings, "select * from marts.mart_match_features")
    assert features.match_id.is_unique
    upcoming = features[~features.is_played.astype(bool)]
    # The fixtures of 27 February were all played by 2 March: only the ten of 3 March are new.
    assert (upcoming.league == "E0").sum() == 10
    assert (
        upcoming.label_result.isna().all()
        and features[features.is_played].label_result.notna().all()
    )
    assert len(set(upcoming.league) - {"E0"}) >= 3  # fixtures of every league are kept

    history = _team_history(fct)
    _assert_same_features(_recompute_form(history), _mart_sides(features[features.is_played]))

    # An upcoming fixture: each side's state after its last played match, as of kickoff.
    fixture = upcoming[upcoming.league == "E0"].sort_values("kickoff_at").iloc[-1]
    for side in ("home", "away"):
        played = history[
            (history.team_id == fixture[f"{side}_team_id"])
            & (history.kickoff_at < pd.Timestamp(fixture.kickoff_at))
        ]
        assert fixture[f"{side}_matches_played"] == len(played)
        assert fixture[f"{side}_ppg_last5"] == pytest.approx(played.points.tail(5).mean())
        assert pd.Timestamp(fixture[f"{side}_features_as_of"]) == played.kickoff_date.max()
        assert pd.Timestamp(fixture[f"{side}_features_as_of"]) < pd.Timestamp(fixture.kickoff_date)

    market = features[
        ["prematch_market_home_prob_power", "prematch_market_draw_prob_power"]
        + ["prematch_market_away_prob_power"]
    ].dropna()
    assert len(market) > 0.95 * len(features)
    assert np.allclose(market.astype(float).sum(axis=1), 1.0, atol=1e-9)
    assert not [c for c in features.columns if "closing" in c]
    _assert_market_choices(fct, features)


def _columns(prefix: str, suffix: str) -> list[str]:
    return [f"{prefix}_{outcome}_{suffix}" for outcome in ("home", "draw", "away")]


def _assert_market_choices(fct: pd.DataFrame, features: pd.DataFrame) -> None:
    """The choices dbt makes once (int_odds_pivoted_to_matches) are the numbers ml.models.metrics
    gives from the same prices: Pinnacle's pre-match book de-vigged proportionally (the
    models' feature), and the yardstick closing book, Pinnacle's where complete, else the
    market average's, with its proportional probabilities (ml/modeling/train.py's market_close)."""
    for frame in (fct, features):
        odds = frame[_columns("prematch_pinnacle", "odds")].astype(float).to_numpy()
        devigged = frame[_columns("prematch_pinnacle", "prob")].astype(float).to_numpy()
        assert np.isfinite(devigged).any()
        expected = implied_probabilities(odds, "proportional").probabilities
        np.testing.assert_allclose(devigged, expected, rtol=0, atol=1e-12)
    pinnacle = fct["closing_pinnacle_home_odds"].notna().to_numpy()
    market = fct["closing_market_home_odds"].notna().to_numpy()
    price_set = np.where(pinnacle, "closing_pinnacle", np.where(market, "closing_market", "none"))
    assert fct["yardstick_close_price_set"].fillna("none").tolist() == price_set.tolist()
    chosen = np.where(
        pinnacle[:, None],
        fct[_columns("closing_pinnacle", "odds")].astype(float).to_numpy(),
        fct[_columns("closing_market", "odds")].astype(float).to_numpy(),
    )
    yardstick = fct[_columns("yardstick_close", "odds")].astype(float).to_numpy()
    np.testing.assert_array_equal(yardstick, chosen)
    np.testing.assert_allclose(
        fct[_columns("yardstick_close", "prob")].astype(float).to_numpy(),
        implied_probabilities(yardstick, "proportional").probabilities,
        rtol=0,
        atol=1e-12,
    )


def test_full_history_on_duckdb(
    duckdb_settings: Settings, mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All 26 Premier League seasons: 9,835 matches, and the market's RPS the project measures
    itself against (2020-21 to 2025-26: average pre-match 0.1979, Pinnacle closing 0.1953)."""
    settings = duckdb_settings
    # A machine cache of its own: the unit tests have not passed here yet.
    monkeypatch.setenv("PLPRED_CACHE", str(tmp_path / "machine-cache"))
    _ingest(settings, mirror, seasons="0001-2526")

    summary = build(settings, unit_tests="when_changed", console=_console())
    # A whole-project build that passed keeps the fingerprint its unit tests passed with.
    assert not summary.unit_tests_skipped
    assert unit_test_plan(settings, None, None, "when_changed") == (
        "resource_type:unit_test",
        None,
        True,
    )

    fct = _query(settings, "select * from marts.fct_matches where league = 'E0'")
    assert len(fct) == 9835
    assert fct.season.nunique() == 26
    assert (fct.prematch_market_bookmaker == "Avg").mean() > 0.5  # incl. Betbrain's BbAv
    recent = fct[fct.season >= "2020-21"]
    assert len(recent) == 2280
    market = recent[
        ["prematch_market_home_prob_proportional", "prematch_market_draw_prob_proportional"]
    ]
    assert market.notna().all().all()
    assert round(_rps(market.astype(float), recent.result), 4) == 0.1979
    closing = recent[
        ["closing_pinnacle_home_prob_proportional", "closing_pinnacle_draw_prob_proportional"]
    ].dropna()
    assert round(_rps(closing.astype(float), recent.loc[closing.index, "result"]), 4) == 0.1953
    table = _query(
        settings,
        "select team, points from marts.mart_league_table "
        "where league = 'E0' and season = '2024-25' and is_latest and position = 1",
    )
    assert table.team.tolist() == ["Liverpool"] and table.points.tolist() == [84]


def test_leakage_checks_hold_and_would_catch_a_leak(
    duckdb_settings: Settings, mirror: Path
) -> None:
    """Correcting a match's score changes the features of the teams' later matches but not the
    match's own; and the singular leakage test fails on a mart whose features used the match
    itself."""
    settings = duckdb_settings
    _ingest(settings, mirror, seasons="2425")
    build(settings, console=_console())
    before = _query(settings, "select * from marts.mart_match_features order by match_id")
    target = before[before.kickoff_date.astype(str) == "2025-01-04"].iloc[0]

    # Raw data is append-only: a correction is a new version of the row (a 0-5 defeat).
    with connect(settings) as conn:
        conn.execute(
            "insert into raw.load_log (load_id, source_uri, source_file, file_kind, status,"
            " started_at) values ('test-correction', 'test', 'E0/2425.csv', 'matches', 'loaded',"
            " current_timestamp)"
        )
        conn.execute(
            "insert into raw.matches select 'test-correction', source_file, file_hash, row_number,"
            " loaded_at + interval 1 day, league, season, match_date, kickoff_time, home_team,"
            " away_team, 0, 5, 'A', ht_home_goals, ht_away_goals, ht_result, referee, attendance,"
            " home_shots, away_shots, home_shots_on_target, away_shots_on_target, home_fouls,"
            " away_fouls, home_corners, away_corners, home_yellows, away_yellows, home_reds,"
            " away_reds, 'corrected', record, known_at from raw.matches"
            " where home_team = ? and away_team = ?"
            " and season = '2024-25'",
            [_raw_name(settings, target.home_team), _raw_name(settings, target.away_team)],
        )
    build(settings, console=_console())
    after = _query(settings, "select * from marts.mart_match_features order by match_id")

    own_features = [c for c in before.columns if c.startswith(("home_", "away_"))]
    mine_before = before[before.match_id == target.match_id][own_features].reset_index(drop=True)
    mine_after = after[after.match_id == target.match_id][own_features].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine_before, mine_after)
    assert after.loc[after.match_id == target.match_id, "label_result"].item() == "A"
    later = (
        after[(after.home_team_id == target.home_team_id) & (after.kickoff_at > target.kickoff_at)]
        .sort_values("kickoff_at")
        .iloc[0]
    )
    was = before[before.match_id == later.match_id].iloc[0]
    assert later.home_goals_against_avg_last5 != was.home_goals_against_avg_last5

    # A mart where one match's features were computed on its own kickoff date must fail.
    with connect(settings) as conn:
        conn.execute(
            "update marts.mart_match_features set home_features_as_of = kickoff_date,"
            " away_matches_played = away_matches_played + 1 where match_id = ?",
            [later.match_id],
        )
    failures = _failing_tests(settings, "assert_features_computed_before_kickoff")
    assert [f.name for f in failures] == ["assert_features_computed_before_kickoff"]
    assert "Got 2 results" in failures[0].message

    # Nulls where none may be, in two columns of a model: its one not_null_columns test fails
    # with a row per column that has them, and says how many.
    with connect(settings) as conn:
        conn.execute(
            "update intermediate.int_team_matches_rolled"
            " set matches_played = null, away_games_played = null where matches_played = 0"
        )
        nulled = conn.scalar(
            "select count(*) from intermediate.int_team_matches_rolled where matches_played is null"
        )
    failures = _failing_tests(settings, "int_team_matches_rolled,test_name:not_null_columns")
    assert [f.name for f in failures] == ["not_null_columns_int_team_matches_rolled"]
    assert "Got 2 results" in failures[0].message
    with connect(settings) as conn:
        nulls = conn.query_df(
            "select * from ("
            + _compiled_test(settings, "not_null_columns_int_team_matches_rolled")
            + ") t order by column_name"
        )
    assert nulls.to_dict("records") == [
        {"column_name": "away_games_played", "null_rows": nulled},
        {"column_name": "matches_played", "null_rows": nulled},
    ]


def _failing_tests(settings: Settings, selection: str) -> list:
    """``dbt test --select selection``, which must fail: its failing nodes."""
    with pytest.raises(DbtError) as caught:
        run_dbt(settings, ["test", "--select", selection], console=_console())
    return list(caught.value.failures)


def _compiled_test(settings: Settings, prefix: str) -> str:
    """The SQL dbt compiled for the data test whose name starts with ``prefix``."""
    target_path, _ = dbt_paths(settings)
    (path,) = [p for p in (target_path / "compiled").rglob("*.sql") if p.stem.startswith(prefix)]
    return path.read_text()


def _raw_name(settings: Settings, canonical: str) -> str:
    with connect(settings) as conn:
        return conn.scalar(
            "select home_team_raw from staging.stg_football_data__matches where home_team = ? limit 1",
            [canonical],
        )
