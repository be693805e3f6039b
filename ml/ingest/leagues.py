"""The league codes football-data.co.uk publishes season files for (``mmz4281/{season}/{code}.csv``),
the one list the CLI's ``--league`` is checked against (see football-data's ``notes.txt``)."""

from __future__ import annotations

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
