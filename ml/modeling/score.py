"""``plpred score``: the champion predicts every match after its training data, once.

Never a match the model was trained on (its ``plpred.training_data_end`` tag bounds what it
may score), and never twice for the same model version: ``ml.predictions`` is an
append-only ledger with one row per (model, version, match).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from rich.console import Console

from ml import clock
from ml.config import Settings
from ml.modeling import registry
from ml.modeling.features import type_frame
from ml.warehouse.connection import apply_ddl, connect, read_sql


class ScoreError(RuntimeError):
    """Scoring cannot run; the message says what to do."""


@dataclass(frozen=True)
class ScoreResult:
    model_name: str
    model_version: str
    model_label: str
    n_scored: int
    predictions: pd.DataFrame


def input_columns(model) -> list[str]:
    """The columns of mart_match_features the model reads (its MLflow signature): what
    scoring selects, here and in the API."""
    schema = model.metadata.get_input_schema()
    return list(schema.input_names())


def prediction_rows(
    matches: pd.DataFrame,
    output: pd.DataFrame,
    champion: registry.RegisteredVersion,
    league: str,
    predicted_at: datetime,
) -> pd.DataFrame:
    """The ledger rows for a scored batch (a pure function of the model's output)."""
    out = output.reset_index(drop=True)
    rows = pd.DataFrame(
        {
            "prediction_id": [
                f"{champion.name}:{champion.version}:{match_id}" for match_id in matches["match_id"]
            ],
            "match_id": matches["match_id"].to_numpy(),
            "league": league,
            "model_name": champion.name,
            "model_version": champion.version,
            "model_label": champion.label,
            "p_home": out["p_home"].astype(float),
            "p_draw": out["p_draw"].astype(float),
            "p_away": out["p_away"].astype(float),
            "expected_home_goals": out.get("home_xg"),
            "expected_away_goals": out.get("away_xg"),
            "p_over_2_5": out.get("p_over_2_5"),
            "predicted_at": predicted_at,
            "features_as_of": pd.to_datetime(matches["features_as_of"]).dt.date.to_numpy(),
        }
    )
    return rows


def run_score(
    settings: Settings, *, console: Console | None = None, as_of: datetime | None = None
) -> ScoreResult:
    """The champion predicts the matches that kick off after the clock ``as_of`` (default: now)
    and after its training data, once per version; ``predicted_at`` is the clock."""
    console = console or Console(stderr=True)
    as_of = clock.as_utc(as_of or clock.now())
    # Without importing MLflow while the store is unchanged (registry.peek_alias): most runs
    # find nothing new to score, and MLflow's import and store cost about a second.
    champion = registry.peek_alias(settings, registry.CHAMPION)
    if champion is None:
        raise ScoreError(
            f"there is no champion model for {settings.league} yet: run `plpred train` first"
        )
    if not champion.training_data_end:
        raise ScoreError(
            f"{champion.name} version {champion.version} has no {registry.TAG_TRAINING_END} tag; "
            "retrain it with `plpred train`"
        )
    with connect(settings) as conn:
        apply_ddl(conn)
        matches = conn.query_df(
            read_sql("ml/select_unscored_matches.sql"),
            [
                settings.league,
                champion.training_data_end,
                clock.utc_naive(as_of),
                champion.name,
                champion.version,
            ],
        )
    label = f"{champion.name} v{champion.version} ({champion.label})"
    if matches.empty:
        console.print(f"{label}: nothing new to score")
        return ScoreResult(champion.name, champion.version, champion.label, 0, matches)
    matches = type_frame(matches)
    with console.status(f"scoring {len(matches)} matches with {label}"):
        # The version looked up, not the alias again: a promotion meanwhile cannot have these
        # predictions stored under one version and made by another.
        model = registry.load_version(settings, champion.version)
        output = registry.predictions_frame(model, matches[input_columns(model)])
    rows = prediction_rows(matches, output, champion, settings.league, clock.utc_naive(as_of))
    bad = rows[rows[["p_home", "p_draw", "p_away"]].isna().any(axis=1)]
    if not bad.empty:
        console.print(
            f"[yellow]{len(bad)} matches could not be scored (missing inputs), e.g. "
            f"{bad['match_id'].iloc[0]}; they are left for a later run[/yellow]"
        )
        rows = rows.drop(bad.index)
    with connect(settings) as conn, conn.transaction():
        conn.insert_df("ml.predictions", rows)
    console.print(f"{label}: {len(rows)} new predictions in ml.predictions")
    return ScoreResult(champion.name, champion.version, champion.label, len(rows), rows)
