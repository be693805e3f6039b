"""Small football-data.co.uk-format sources made by the tests, from the synthetic league.

``write_synthetic_source`` lays out a folder like football-data (``E0/{season}.csv``,
``E1/{season}.csv``, ``fixtures.csv``) so the real ingestion, dbt, training and scoring run
end to end without the mirror, fast and with a known truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tests.synthetic import SECOND, TOP, make_league

LEAGUE_CODES = {TOP: "E0", SECOND: "E1"}


@dataclass(frozen=True)
class SyntheticSource:
    directory: Path
    seasons: list[str]  # football-data codes, e.g. ["2122", "2223"]
    n_played: int  # top-division matches in the season files
    n_upcoming: int  # top-division matches in fixtures.csv


def _season_code(label: str) -> str:
    start, end = label.split("-")
    return start[-2:] + end[-2:]


def _result(home: int, away: int) -> str:
    return "H" if home > away else ("A" if home < away else "D")


def write_synthetic_source(
    directory: Path,
    *,
    n_seasons: int = 4,
    first_year: int = 2021,
    n_teams: int = 20,
    upcoming_rounds: int = 2,
    seed: int = 0,
    **league_options: object,
) -> SyntheticSource:
    """Write a football-data-shaped source; the last ``upcoming_rounds`` rounds of the last
    season go to ``fixtures.csv`` (no results, pre-match odds) instead of the season file."""
    league = make_league(
        n_teams=n_teams,
        n_seasons=n_seasons,
        first_year=first_year,
        second_tier=True,
        seed=seed,
        **league_options,
    )
    rng = np.random.default_rng(seed + 1)
    odds = league.features.set_index("match_id")[["odds_home", "odds_draw", "odds_away"]]
    matches = league.matches.copy()
    last_season = matches["season"].max()
    last_dates = (
        sorted(
            matches.loc[
                (matches["season"] == last_season) & (matches["league"] == TOP), "kickoff_date"
            ].unique()
        )[-upcoming_rounds:]
        if upcoming_rounds
        else []
    )
    rows: list[dict[str, object]] = []
    for match in matches.itertuples(index=False):
        row: dict[str, object] = {
            "Div": LEAGUE_CODES[match.league],
            "Date": pd.Timestamp(match.kickoff_date).strftime("%d/%m/%Y"),
            "Time": "15:00",
            "HomeTeam": match.home_team,
            "AwayTeam": match.away_team,
        }
        home, away = int(match.home_goals), int(match.away_goals)
        row |= {
            "FTHG": home,
            "FTAG": away,
            "FTR": _result(home, away),
            "HTHG": min(home, 1),
            "HTAG": min(away, 1),
            "HTR": _result(min(home, 1), min(away, 1)),
            "HS": int(rng.integers(5, 20)),
            "AS": int(rng.integers(5, 20)),
            "HST": int(rng.integers(1, 8)),
            "AST": int(rng.integers(1, 8)),
        }
        if match.match_id in odds.index:
            price = odds.loc[match.match_id].to_numpy()
            close = np.round(price * rng.uniform(0.97, 1.03, 3), 2)
            row |= {
                "B365H": round(price[0], 2),
                "B365D": round(price[1], 2),
                "B365A": round(price[2], 2),
                "AvgH": round(price[0], 2),
                "AvgD": round(price[1], 2),
                "AvgA": round(price[2], 2),
                "MaxH": round(price[0] * 1.04, 2),
                "MaxD": round(price[1] * 1.04, 2),
                "MaxA": round(price[2] * 1.04, 2),
                "PSCH": close[0],
                "PSCD": close[1],
                "PSCA": close[2],
            }
        row["_season"] = match.season
        row["_upcoming"] = match.league == TOP and match.kickoff_date in last_dates
        rows.append(row)
    frame = pd.DataFrame(rows)
    directory.mkdir(parents=True, exist_ok=True)
    played = frame[~frame["_upcoming"]]
    for (div, season), part in played.groupby(["Div", "_season"]):
        path = directory / str(div) / f"{_season_code(str(season))}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        part.drop(columns=["_season", "_upcoming"]).dropna(axis=1, how="all").to_csv(
            path, index=False
        )
    upcoming = frame[frame["_upcoming"]].drop(
        columns=[
            "_season",
            "_upcoming",
            "FTHG",
            "FTAG",
            "FTR",
            "HTHG",
            "HTAG",
            "HTR",
            "HS",
            "AS",
            "HST",
            "AST",
            "PSCH",
            "PSCD",
            "PSCA",
        ]
    )
    upcoming.to_csv(directory / "fixtures.csv", index=False)
    seasons = sorted({_season_code(str(s)) for s in frame["_season"]})
    return SyntheticSource(
        directory=directory,
        seasons=seasons,
        n_played=int((played["Div"] == "E0").sum()),
        n_upcoming=len(upcoming),
    )


_RESULT_COLUMNS = ["FTHG", "FTAG", "FTR", "HTHG", "HTAG", "HTR", "HS", "AS", "HST", "AST"]
_CLOSING_COLUMNS = ["PSCH", "PSCD", "PSCA"]


def write_synthetic_snapshots(
    source: SyntheticSource,
    stamps: list[str],
    *,
    league: str = "E0",
    horizon_days: int = 7,
) -> Path:
    """A snapshot archive of ``source``'s last season, laid out like the mirror's
    (``{source}/snapshots/{season label}/``), and its folder.

    For each stamp (``YYYY-MM-DDTHHMM``, UTC) ``{league}_{stamp}.csv`` holds the season file's
    rows dated before the stamp's day, and ``fixtures_{stamp}.csv`` the rows of the next
    ``horizon_days`` days from it, without results or closing prices (as fixtures.csv has them).
    """
    code = source.seasons[-1]
    label = f"20{code[:2]}-{code[2:]}"
    season_file = pd.read_csv(source.directory / league / f"{code}.csv")
    dates = pd.to_datetime(season_file["Date"], format="%d/%m/%Y")
    folder = source.directory / "snapshots" / label
    folder.mkdir(parents=True, exist_ok=True)
    for stamp in stamps:
        day = pd.Timestamp(stamp[:10])
        season_file[dates < day].to_csv(folder / f"{league}_{stamp}.csv", index=False)
        upcoming = season_file[(dates >= day) & (dates < day + pd.Timedelta(days=horizon_days))]
        dropped = [c for c in _RESULT_COLUMNS + _CLOSING_COLUMNS if c in upcoming.columns]
        upcoming.drop(columns=dropped).to_csv(folder / f"fixtures_{stamp}.csv", index=False)
    return folder


def write_synthetic_leagues(
    directory: Path,
    codes: tuple[str, ...],
    *,
    seed: int = 0,
    fixtures_of: tuple[str, ...] | None = None,
    **options: object,
) -> dict[str, SyntheticSource]:
    """A football-data-shaped source holding several leagues, each the top division of its own
    synthetic league (its own seed, so its own teams, odds and fixtures), under its code:
    ``E0/2324.csv``, ``SP1/2324.csv``, ..., and one ``fixtures.csv`` listing the fixtures of
    ``fixtures_of`` (default: every league), as football-data's lists every league's. Team
    names carry the code (``SP1 Club 03``) except in E0.
    """
    import tempfile

    directory.mkdir(parents=True, exist_ok=True)
    fixtures = []
    sources = {}
    with tempfile.TemporaryDirectory() as scratch:
        for index, code in enumerate(codes):
            one = write_synthetic_source(Path(scratch) / code, seed=seed + 7 * index, **options)
            sources[code] = one
            prefix = "" if code == "E0" else f"{code} "
            for path in sorted((one.directory / "E0").glob("*.csv")):
                frame = pd.read_csv(path)
                frame["Div"] = code
                for column in ("HomeTeam", "AwayTeam"):
                    frame[column] = prefix + frame[column]
                (directory / code).mkdir(exist_ok=True)
                frame.to_csv(directory / code / path.name, index=False)
            upcoming = pd.read_csv(one.directory / "fixtures.csv")
            upcoming["Div"] = code
            for column in ("HomeTeam", "AwayTeam"):
                upcoming[column] = prefix + upcoming[column]
            if fixtures_of is None or code in fixtures_of:
                fixtures.append(upcoming)
    pd.concat(fixtures).to_csv(directory / "fixtures.csv", index=False)
    return sources
