"""Synthetic football-data.co.uk files for many leagues and seasons, for the scale benchmark.

    uv run python benchmarks/synthetic_leagues.py DIR [--leagues E0,SP1] [--seasons 26] [--seed 0]

Writes ``DIR/<league>/<season code>.csv`` (``DIR/SP1/2526.csv``), the layout a local source
has (``ml/ingest/sources.py``), with the columns and quirks of football-data's files as far as
the ingest reads them: ``Div``, ``Date`` (``dd/mm/yy`` before 2017-18, ``dd/mm/yyyy`` from
then), ``Time`` (from 2019-20), ``HomeTeam``/``AwayTeam``, full- and half-time goals and
results, shots, corners, fouls and cards, a referee, and 1X2 prices: Bet365 (``B365H/D/A``),
Pinnacle (``PSH/D/A``, from 2012-13), the market average and maximum (Betbrain's
``BbAvH``/``BbMxH`` before 2019-20, ``AvgH``/``MaxH`` from then) and closing prices (Pinnacle's
``PSCH`` from 2012-13, Bet365's ``B365CH`` and the average ``AvgCH`` from 2019-20).

The matches come from a seeded Dixon-Coles simulation: each club has attack and defence
strengths that change every summer; goals are drawn from the Dixon-Coles scoreline
distribution (Poisson marginals, home advantage, ``rho`` on the low scores); each season is a
double round robin, and the bottom three clubs swap places with three clubs from outside the
league. Bookmakers price the true probabilities, each with its own noise and margin. Team
names are unique per league (``SP1 Club 07``), so leagues never share a club. The same seed
writes the same bytes.

No import from ``tests`` or the benchmarks' ``_common``: the tests import this module as
``benchmarks.synthetic_leagues`` and the benchmark scripts as ``synthetic_leagues``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ml.ingest.leagues import LEAGUES
from ml.models.dixon_coles import outcome_probabilities, scoreline_matrix

# football-data's league codes, in its own order; a scale run of N leagues takes the first N.
LEAGUE_CODES: tuple[str, ...] = tuple(LEAGUES)

# Clubs per league (recent seasons; leagues whose size changed keep one size throughout).
TEAMS: dict[str, int] = {
    "E0": 20, "E1": 24, "E2": 24, "E3": 24, "EC": 24,
    "SC0": 12, "SC1": 10, "SC2": 10, "SC3": 10,
    "D1": 18, "D2": 18, "I1": 20, "I2": 20, "SP1": 20, "SP2": 22,
    "F1": 18, "F2": 18, "N1": 18, "B1": 16, "P1": 18, "T1": 20, "G1": 14,
}  # fmt: skip
DEFAULT_SEASONS = 26
DEFAULT_FIRST_YEAR = 2000  # 2000-01 .. 2025-26, as the mirror holds for E0
RELEGATED = 3
RHO = -0.08  # Dixon-Coles low-score dependence, about what fits of real leagues give
REFEREES = tuple(f"Referee {letter}" for letter in "ABCDEFGHJKLMNPRSTW")
KICKOFFS = ("12:30", "15:00", "15:00", "15:00", "17:30", "20:00")


def round_robin(n_teams: int) -> list[list[tuple[int, int]]]:
    """Circle-method double round robin: each pair meets once at each ground."""
    teams = list(range(n_teams))
    rounds = []
    for round_number in range(n_teams - 1):
        pairs = []
        for i in range(n_teams // 2):
            first, second = teams[i], teams[n_teams - 1 - i]
            pairs.append((first, second) if (round_number + i) % 2 == 0 else (second, first))
        rounds.append(pairs)
        teams = [teams[0], teams[-1], *teams[1:-1]]
    return rounds + [[(away, home) for home, away in pairs] for pairs in rounds]


def season_code(start_year: int) -> str:
    """football-data's code of the season starting in ``start_year``: 2025 -> ``2526``."""
    return f"{start_year % 100:02d}{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class WrittenLeagues:
    """What :func:`write_leagues` wrote: the folder, the leagues, the season codes, the files
    and the number of matches (rows over all files)."""

    directory: Path
    leagues: tuple[str, ...]
    seasons: tuple[str, ...]
    files: tuple[Path, ...]
    matches: int


def write_leagues(
    directory: Path,
    leagues: int | tuple[str, ...] | list[str] = 22,
    *,
    n_seasons: int = DEFAULT_SEASONS,
    first_year: int = DEFAULT_FIRST_YEAR,
    seed: int = 0,
) -> WrittenLeagues:
    """Write ``n_seasons`` season files of each league (a count takes the first of
    :data:`LEAGUE_CODES`, all 22 by default) under ``directory``; deterministic for ``seed``."""
    codes = tuple(LEAGUE_CODES[:leagues]) if isinstance(leagues, int) else tuple(leagues)
    unknown = [code for code in codes if code not in TEAMS]
    if unknown:
        raise ValueError(
            f"unknown league code(s) {', '.join(unknown)}: use football-data's codes "
            f"({', '.join(LEAGUE_CODES)})"
        )
    if not 1 <= n_seasons <= 99:
        raise ValueError(f"n_seasons must be between 1 and 99, not {n_seasons}")
    files: list[Path] = []
    matches = 0
    for league in codes:
        # One generator per league, seeded from (seed, league position in the full list): a
        # league's files do not depend on which other leagues are written.
        rng = np.random.default_rng([seed, LEAGUE_CODES.index(league)])
        for year, text, rows in _simulate_league(league, TEAMS[league], n_seasons, first_year, rng):
            path = directory / league / f"{season_code(year)}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
            files.append(path)
            matches += rows
    return WrittenLeagues(
        directory=directory,
        leagues=codes,
        seasons=tuple(season_code(first_year + s) for s in range(n_seasons)),
        files=tuple(files),
        matches=matches,
    )


def _simulate_league(
    league: str, n_teams: int, n_seasons: int, first_year: int, rng: np.random.Generator
):
    """Yield (start year, CSV text, rows) for each season of one league."""
    pool = n_teams + 2 * RELEGATED  # clubs outside the league wait their turn to come up
    names = [f"{league} Club {index:02d}" for index in range(pool)]
    intercept = 0.08 + 0.05 * rng.normal()
    home_advantage = 0.27 + 0.05 * rng.normal()
    attack = rng.normal(0.0, 0.28, pool)
    defence = rng.normal(0.0, 0.28, pool)
    members = list(range(n_teams))
    outside = list(range(n_teams, pool))
    schedule = round_robin(n_teams)
    for season_number in range(n_seasons):
        year = first_year + season_number
        if season_number:
            # A summer's change, pulled back towards the average so that 26 seasons stay plausible.
            attack = 0.85 * attack + rng.normal(0.0, 0.12, pool)
            defence = 0.85 * defence + rng.normal(0.0, 0.12, pool)
        order = rng.permutation(n_teams)  # who plays whom when changes every season
        clubs = [members[i] for i in order]
        home = np.array([clubs[h] for pairs in schedule for h, _ in pairs])
        away = np.array([clubs[a] for pairs in schedule for _, a in pairs])
        rounds = np.repeat(np.arange(len(schedule)), n_teams // 2)
        home_rate = np.exp(intercept + home_advantage + attack[home] - defence[away])
        away_rate = np.exp(intercept + attack[away] - defence[home])
        matrix = scoreline_matrix(home_rate, away_rate, RHO)
        truth = outcome_probabilities(matrix)
        flat = matrix.reshape(len(home), -1)
        cumulative = np.cumsum(flat, axis=1)
        draws = rng.random(len(home))[:, None]
        cell = np.minimum((cumulative < draws).sum(axis=1), flat.shape[1] - 1)
        home_goals, away_goals = np.divmod(cell, matrix.shape[2])
        text = _season_csv(
            league, year, names, home, away, rounds, len(schedule), home_goals, away_goals,
            truth, rng,
        )  # fmt: skip
        yield year, text, len(home)
        # The table decides who goes down; clubs from outside come up.
        points = np.zeros(pool)
        goal_diff = np.zeros(pool)
        np.add.at(
            points, home, np.select([home_goals > away_goals, home_goals == away_goals], [3, 1], 0)
        )
        np.add.at(
            points, away, np.select([away_goals > home_goals, home_goals == away_goals], [3, 1], 0)
        )
        np.add.at(goal_diff, home, home_goals - away_goals)
        np.add.at(goal_diff, away, away_goals - home_goals)
        table = sorted(members, key=lambda c: (points[c], goal_diff[c], -c), reverse=True)
        relegated = table[-RELEGATED:]
        promoted = [outside.pop(0) for _ in range(RELEGATED)]
        members = table[:-RELEGATED] + promoted
        outside.extend(relegated)
        # Relegated clubs lose a little; the ones that come up are weaker than the average.
        attack[relegated] -= 0.05
        defence[relegated] -= 0.05


def _prices(truth: np.ndarray, margin: float, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Decimal odds of one bookmaker: the truth, perturbed on the log scale, with a margin."""
    opinion = truth * np.exp(rng.normal(0.0, noise, truth.shape))
    opinion /= opinion.sum(axis=1, keepdims=True)
    return np.maximum(np.round(1.0 / (opinion * (1.0 + margin)), 2), 1.01)


def _format(value: np.ndarray) -> list[str]:
    return [f"{v:g}" for v in value]


def _season_csv(
    league: str,
    year: int,
    names: list[str],
    home: np.ndarray,
    away: np.ndarray,
    rounds: np.ndarray,
    n_rounds: int,
    home_goals: np.ndarray,
    away_goals: np.ndarray,
    truth: np.ndarray,
    rng: np.random.Generator,
) -> str:
    n = len(home)
    # Rounds spread evenly from the second Saturday of August to mid-May (24-team leagues play
    # midweek too); every date inside the season window football-data's seasons keep.
    first = date(year, 8, 8)
    opening = first + timedelta(days=(5 - first.weekday()) % 7)  # a Saturday
    spacing = 278.0 / max(n_rounds - 1, 1)
    days = np.round(rounds * spacing).astype("int64")
    pattern = "%d/%m/%Y" if year >= 2017 else "%d/%m/%y"
    labels = {int(d): (opening + timedelta(days=int(d))).strftime(pattern) for d in set(days)}
    dates = [labels[int(d)] for d in days]
    times = [KICKOFFS[i] for i in rng.integers(0, len(KICKOFFS), n)]
    ht_home = rng.binomial(home_goals, 0.45)
    ht_away = rng.binomial(away_goals, 0.45)
    # Shots follow the scoring rate; goals are never more than shots on target.
    home_shots = rng.poisson(6 + 4 * np.log1p(home_goals + 1) * 2)
    away_shots = rng.poisson(5 + 4 * np.log1p(away_goals + 1) * 2)
    home_target = np.maximum(rng.binomial(home_shots, 0.35), home_goals)
    away_target = np.maximum(rng.binomial(away_shots, 0.35), away_goals)
    home_shots = np.maximum(home_shots, home_target)
    away_shots = np.maximum(away_shots, away_target)
    stats = {
        "HF": rng.poisson(11, n), "AF": rng.poisson(12, n),
        "HC": rng.poisson(5.5, n), "AC": rng.poisson(4.5, n),
        "HY": rng.poisson(1.5, n), "AY": rng.poisson(1.8, n),
        "HR": rng.binomial(1, 0.05, n), "AR": rng.binomial(1, 0.07, n),
    }  # fmt: skip
    older = year < 2019  # Betbrain's names for the market average and maximum until 2018-19
    avg, best = ("BbAv", "BbMx") if older else ("Avg", "Max")
    columns: dict[str, list[str]] = {}
    b365 = _prices(truth, 0.06 if year >= 2010 else 0.10, 0.04, rng)
    average = _prices(truth, 0.06 if year >= 2010 else 0.11, 0.02, rng)
    maximum = np.round(average * 1.05, 2)
    for book, prices in (("B365", b365), (avg, average), (best, maximum)):
        for k, side in enumerate("HDA"):
            columns[f"{book}{side}"] = _format(prices[:, k])
    if year >= 2012:  # Pinnacle's prices in football-data from 2012-13
        pinnacle = _prices(truth, 0.025, 0.02, rng)
        closing = _prices(truth, 0.022, 0.01, rng)
        for k, side in enumerate("HDA"):
            columns[f"PS{side}"] = _format(pinnacle[:, k])
        for k, side in enumerate("HDA"):
            columns[f"PSC{side}"] = _format(closing[:, k])
    if not older:  # closing prices of Bet365 and the average from 2019-20
        for book, margin in (("B365C", 0.05), ("AvgC", 0.055)):
            prices = _prices(truth, margin, 0.012, rng)
            for k, side in enumerate("HDA"):
                columns[f"{book}{side}"] = _format(prices[:, k])

    def result(h: np.ndarray, a: np.ndarray) -> list[str]:
        return list(np.where(h > a, "H", np.where(h < a, "A", "D")))

    header = ["Div", "Date"] + (["Time"] if not older else []) + ["HomeTeam", "AwayTeam"]
    header += ["FTHG", "FTAG", "FTR", "HTHG", "HTAG", "HTR", "Referee", "HS", "AS", "HST", "AST"]
    header += list(stats) + list(columns)
    body = {
        "Div": [league] * n,
        "Date": dates,
        "Time": times,
        "HomeTeam": [names[c] for c in home],
        "AwayTeam": [names[c] for c in away],
        "FTHG": _format(home_goals),
        "FTAG": _format(away_goals),
        "FTR": result(home_goals, away_goals),
        "HTHG": _format(ht_home),
        "HTAG": _format(ht_away),
        "HTR": result(ht_home, ht_away),
        "Referee": [REFEREES[i] for i in rng.integers(0, len(REFEREES), n)],
        "HS": _format(home_shots),
        "AS": _format(away_shots),
        "HST": _format(home_target),
        "AST": _format(away_target),
        **{name: _format(values) for name, values in stats.items()},
        **columns,
    }
    order = np.lexsort((home, days))  # by date, then a stable order within the day
    lines = [",".join(header)]
    lines += [",".join(body[column][i] for column in header) for i in order]
    return "\r\n".join(lines) + "\r\n"  # football-data's files end lines with CRLF


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--leagues", default=",".join(LEAGUE_CODES), help="comma list or a count")
    parser.add_argument("--seasons", type=int, default=DEFAULT_SEASONS)
    parser.add_argument("--first-year", type=int, default=DEFAULT_FIRST_YEAR)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    leagues: int | list[str] = (
        int(args.leagues) if args.leagues.isdigit() else args.leagues.split(",")
    )
    written = write_leagues(
        args.directory, leagues, n_seasons=args.seasons, first_year=args.first_year, seed=args.seed
    )
    print(
        f"wrote {len(written.files)} files, {written.matches:,} matches, "
        f"{len(written.leagues)} leagues x {len(written.seasons)} seasons under {args.directory}"
    )


if __name__ == "__main__":
    main()
