"""The grammar of football-data's odds column names, as a pure function.

A price column is ``<bookmaker>[C]<suffix>``: ``C`` marks closing odds and the suffix names the
market and selection (``H``/``D``/``A`` for 1X2, ``>2.5``/``<2.5`` for over/under 2.5 goals,
``AHH``/``AHA`` for the Asian handicap). The bookmaker codes come from football-data's
``notes.txt``; a few were renamed over the years and are canonicalised here so one bookmaker has
one code across all seasons (Betbrain's ``BbAv``/``BbMx`` are the market average/maximum of
their time, Pinnacle is ``PSH`` for 1X2 but ``P>2.5`` and ``PAHH`` for the other markets).
Columns this grammar does not know are not odds: they stay in the raw ``record`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

# Bookmaker code in the file -> canonical code. Longest codes are tried first, so ``BFD`` wins
# over ``BF`` in ``BFDH`` while ``BFD`` itself is Betfair's draw price.
BOOKMAKERS: dict[str, str] = {
    "1XB": "1XB",  # 1XBet
    "B365": "B365",  # Bet365
    "BbAv": "Avg",  # Betbrain average (older seasons); the market average
    "BbMx": "Max",  # Betbrain maximum (older seasons); the market maximum
    "BF": "BF",  # Betfair (older seasons)
    "BFD": "BFD",  # Betfair sportsbook
    "BFE": "BFE",  # Betfair exchange
    "BMGM": "BMGM",  # BetMGM
    "BS": "BS",  # Blue Square
    "BV": "BV",  # BetVictor
    "BW": "BW",  # Bet&Win
    "CL": "CL",  # Coral
    "GB": "GB",  # Gamebookers
    "IW": "IW",  # Interwetten
    "LB": "LB",  # Ladbrokes
    "P": "PS",  # Pinnacle, in over/under and Asian handicap columns
    "PS": "PS",  # Pinnacle
    "SB": "SB",  # Sportingbet
    "SJ": "SJ",  # Stan James
    "SO": "SO",  # Sporting Odds
    "SY": "SY",  # Stanleybet
    "VC": "VC",  # VC Bet
    "WH": "WH",  # William Hill
    "Avg": "Avg",  # market average
    "Max": "Max",  # market maximum
}
_CODES_LONGEST_FIRST = sorted(BOOKMAKERS, key=len, reverse=True)

MARKET_1X2 = "1x2"
MARKET_OVER_UNDER = "over_under_2.5"
MARKET_ASIAN_HANDICAP = "asian_handicap"
PRE_MATCH = "pre_match"
CLOSING = "closing"

# suffix -> (market, selection, fixed line)
_SUFFIXES: dict[str, tuple[str, str, float | None]] = {
    "H": (MARKET_1X2, "home", None),
    "D": (MARKET_1X2, "draw", None),
    "A": (MARKET_1X2, "away", None),
    ">2.5": (MARKET_OVER_UNDER, "over", 2.5),
    "<2.5": (MARKET_OVER_UNDER, "under", 2.5),
    "AHH": (MARKET_ASIAN_HANDICAP, "home", None),
    "AHA": (MARKET_ASIAN_HANDICAP, "away", None),
}

# Columns holding the handicap line (home team's handicap), not prices.
PRE_MATCH_LINE = "AHh"
CLOSING_LINE = "AHCh"
BETBRAIN_LINE = "BbAHh"


class OddsColumn(NamedTuple):
    """What a price column holds. ``line`` is fixed for over/under (2.5); for the Asian handicap
    it comes from another column of the same row (see :func:`handicap_line_column`)."""

    bookmaker: str
    market: str
    selection: str
    period: str
    line: float | None


def classify(column: str) -> OddsColumn | None:
    """Parse an odds column name; None for anything that is not a bookmaker price."""
    parts = _split(column)
    if parts is None:
        return None
    code, period, suffix = parts
    market, selection, line = _SUFFIXES[suffix]
    return OddsColumn(BOOKMAKERS[code], market, selection, period, line)


def source_bookmaker(column: str) -> str | None:
    """The bookmaker code as written in the column name (``BbAv``, ``P``), before canonicalising."""
    parts = _split(column)
    return None if parts is None else parts[0]


def _split(column: str) -> tuple[str, str, str] | None:
    """``PSCH`` -> (``PS``, closing, ``H``); the first (longest) bookmaker code that parses wins."""
    column = column.strip()
    for code in _CODES_LONGEST_FIRST:
        if not column.startswith(code):
            continue
        rest = column[len(code) :]
        if rest in _SUFFIXES:
            return code, PRE_MATCH, rest
        if rest.startswith("C") and rest[1:] in _SUFFIXES:
            return code, CLOSING, rest[1:]
    return None


def handicap_line_column(column: str, header: Sequence[str]) -> str | None:
    """The column of ``header`` that holds the handicap line for Asian handicap price ``column``.

    Closing prices use ``AHCh``. Before 2005-06 each bookmaker published its own line
    (``B365AH``, ``GBAH``, ``LBAH``); Betbrain's average/maximum used ``BbAHh``; since 2019-20 all
    pre-match prices share the market line ``AHh``. Returns None when the file has no such column.
    """
    odds = classify(column)
    if odds is None or odds.market != MARKET_ASIAN_HANDICAP:
        return None
    names = set(header)
    if odds.period == CLOSING:
        candidates = [CLOSING_LINE]
    else:
        code = source_bookmaker(column) or ""
        candidates = [f"{code}AH"]
        candidates += [BETBRAIN_LINE, PRE_MATCH_LINE] if code.startswith("Bb") else [PRE_MATCH_LINE]
    return next((c for c in candidates if c in names), None)
