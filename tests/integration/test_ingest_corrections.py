"""Corrections end to end, through ingestion and dbt's staging, on DuckDB and Postgres (issue 11).

F2: football-data spells a club anew in a corrected file (``Nott'm Forest`` later
``Nottingham Forest``). The match must stay one match in staging, with the match_id it had
before the correction (ids stored in ml.predictions and betting.bets point at it), and its
prices must follow it. F1: reverting the correction makes the original the latest again.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from rich.console import Console

from ml.config import Settings
from ml.warehouse.connection import connect
from ml.warehouse.dbt import build
from tests.adversarial.test_ingest_cases import GOOD, season_file
from tests.integration.test_ingest_load import ingest

STAGING = (
    "team_aliases stg_football_data__row_keys stg_football_data__matches stg_football_data__odds"
)


def _build(settings: Settings) -> None:
    build(settings, select=STAGING, console=Console(file=io.StringIO()))


def test_a_club_spelt_anew_stays_one_match_with_its_id(
    any_settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "E0" / "2425.csv"
    path.parent.mkdir()
    path.write_bytes(season_file())
    assert ingest(any_settings, path).ok
    _build(any_settings)
    first_id = hashlib.md5(b"E0|2425|Nott'm Forest|Southampton").hexdigest()
    with connect(any_settings) as conn:
        assert conn.scalar("select count(*) from staging.stg_football_data__matches") == 4
        assert (
            conn.scalar(
                "select match_id from staging.stg_football_data__matches where home_team_raw = ?",
                ["Nott'm Forest"],
            )
            == first_id
        )

    corrected = (
        GOOD[3]
        .replace("Nott'm Forest", "Nottingham Forest")
        .replace(",1,0,H,1,0,H,", ",2,0,H,1,0,H,")
    )
    path.write_bytes(season_file(*GOOD[:3], corrected))
    summary = ingest(any_settings, path)
    assert summary.ok, summary.output
    assert summary.files[0].rows_inserted == 1 and "0 new, 1 changed" in summary.files[0].message
    _build(any_settings)
    with connect(any_settings) as conn:
        rows = conn.fetchall(
            "select match_id, home_team, home_team_raw, home_goals"
            " from staging.stg_football_data__matches where away_team = 'Southampton'"
        )
        assert rows == [(first_id, "Nottingham Forest", "Nottingham Forest", 2)]
        assert conn.scalar("select count(*) from staging.stg_football_data__matches") == 4
        # The prices read are the corrected version's, under the same id.
        odds = conn.fetchall(
            "select distinct match_id, load_id from staging.stg_football_data__odds"
            " where match_id = ?",
            [first_id],
        )
        assert [load for _, load in odds] == [summary.files[0].load_id]
        orphans = conn.scalar(
            "select count(*) from staging.stg_football_data__odds o where not exists ("
            " select 1 from staging.stg_football_data__matches m where m.match_id = o.match_id)"
        )
        assert orphans == 0

    # Reverting the correction (the original bytes again) makes the original the latest (F1).
    path.write_bytes(season_file())
    reverted = ingest(any_settings, path)
    assert reverted.files[0].status == "loaded", reverted.output
    _build(any_settings)
    with connect(any_settings) as conn:
        assert conn.fetchall(
            "select match_id, home_team_raw, home_goals from staging.stg_football_data__matches"
            " where away_team = 'Southampton'"
        ) == [(first_id, "Nott'm Forest", 1)]
