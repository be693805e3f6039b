"""The league codes football-data.co.uk publishes season files for (``mmz4281/{season}/{code}.csv``),
the one list the CLI's ``--league`` is checked against (see football-data's ``notes.txt``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ml.config import Settings

LEAGUES: dict[str, str] = {
    "E0": "England Premier League",
    "E1": "England Championship",
    "E2": "England League One",
    "E3": "England League Two",
    "EC": "England National League",
    "SC0": "Scotland Premiership",
    "SC1": "Scotland Championship",
    "SC2": "Scotland League One",
    "SC3": "Scotland League Two",
    "D1": "Germany Bundesliga 1",
    "D2": "Germany Bundesliga 2",
    "I1": "Italy Serie A",
    "I2": "Italy Serie B",
    "SP1": "Spain La Liga",
    "SP2": "Spain Segunda Division",
    "F1": "France Ligue 1",
    "F2": "France Ligue 2",
    "N1": "Netherlands Eredivisie",
    "B1": "Belgium Jupiler League",
    "P1": "Portugal Primeira Liga",
    "T1": "Turkey Super Lig",
    "G1": "Greece Super League",
}


class UnknownLeague(ValueError):
    """``--league`` is not a football-data code; the message lists the known ones."""

    def __init__(self, code: str) -> None:
        self.code = code
        known = ", ".join(f"{c} ({name})" for c, name in LEAGUES.items())
        super().__init__(
            f"unknown league {code!r}: not a football-data.co.uk league code. Known codes: {known}"
        )


def check_league(code: str) -> str:
    """``code`` when football-data publishes it, else :class:`UnknownLeague`."""
    if code not in LEAGUES:
        raise UnknownLeague(code)
    return code


# ``--league all``: every league there is data for (see :func:`source_leagues` and
# :func:`warehouse_leagues`), resolved when a step runs, not when the command is parsed.
ALL = "all"


def parse_leagues(text: str | Sequence[str]) -> tuple[str, ...] | str:
    """``E0``, ``E0,E1,SP1`` (or a list of codes) as a tuple of checked codes in the order
    given, duplicates dropped; ``all`` as :data:`ALL`. An unknown code raises
    :class:`UnknownLeague` naming it, before anything runs."""
    items = [text] if isinstance(text, str) else list(text)
    codes = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
    if not codes:
        raise ValueError("--league needs a football-data code (E0), a list (E0,E1,SP1) or all")
    if any(code.lower() == ALL for code in codes):
        if len(codes) > 1:
            raise ValueError(f"--league all stands alone, got {','.join(codes)}")
        return ALL
    return tuple(dict.fromkeys(check_league(code) for code in codes))


def source_leagues(settings: Settings) -> tuple[str, ...]:
    """The leagues ``all`` means for ingest: in a local source, every folder named by a
    football-data code that holds a season file (``E0/2526.csv``); football-data.co.uk itself
    publishes every code of :data:`LEAGUES`."""
    if not settings.source_is_local:
        return tuple(LEAGUES)
    root = Path(settings.source).expanduser()
    return tuple(code for code in LEAGUES if any((root / code).glob("*.csv")))


def warehouse_leagues(settings: Settings) -> tuple[str, ...]:
    """The leagues ``all`` means for the steps after ingest: every league with a result in the
    raw tables (fixtures alone do not count: football-data's fixtures.csv lists every league)."""
    from ml.warehouse.connection import apply_ddl, connect

    with connect(settings) as conn:
        apply_ddl(conn)
        rows = conn.fetchall("select distinct league from raw.matches order by league")
    return tuple(str(row[0]) for row in rows if row[0] in LEAGUES)


def resolve_leagues(
    settings: Settings, leagues: Sequence[str] | str, *, from_source: bool
) -> tuple[str, ...]:
    """The codes a step runs for: ``leagues`` as given, or for :data:`ALL` the source's
    (``from_source``, for ingest) or the warehouse's. An ``all`` that finds none raises
    :class:`NoLeagues`."""
    parsed = parse_leagues(leagues)
    if parsed != ALL:
        return tuple(parsed)
    found = source_leagues(settings) if from_source else warehouse_leagues(settings)
    if not found:
        where = f"the source {settings.source}" if from_source else "the warehouse"
        hint = "" if from_source else " (run `plpred ingest --league all` first)"
        raise NoLeagues(f"--league all: no football-data league has data in {where}{hint}")
    return found


class NoLeagues(ValueError):
    """``--league all`` found no league with data."""
