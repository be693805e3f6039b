"""Pure parsing of football-data CSV bytes into typed rows, odds and rejected rows.

No I/O here: :func:`parse_file` takes bytes and what the caller knows about the file (kind,
league, season) and returns a :class:`ParsedFile`, or raises :class:`FileRefused` when the file as
a whole cannot be trusted (not a football-data CSV, dates outside its season, several leagues in a
results file). Single bad rows do not stop a file: they come back as :class:`RejectedRow` with the
line number and the reason, and everything else loads.

The format drifts by season (45 to 132 columns, two- and four-digit years, ``2.0`` for goals,
``Time`` only from 2019-20, trailing rows of empty fields, blank header names, a BOM or cp1252
text), so every rule here is written against what the real files contain.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ml.clock import uk_local_to_utc
from ml.ingest.odds_columns import MARKET_1X2, OddsColumn, classify, handicap_line_column
from ml.ingest.seasons import Season, season_of_date
from ml.ingest.teams import TeamAliases

MATCHES = "matches"
FIXTURES = "fixtures"
KINDS = (MATCHES, FIXTURES)

# More rejected rows than this share of a file means the format was misread, not a few bad rows.
MAX_REJECTED_SHARE = 0.5

# --- bounds of what can be true (docs/reliability.md) -------------------------------------------
# Chosen from the mirror (E0 2000-01 to 2025-26, E1 2024-26, every snapshot; about 20,000 rows):
# the largest values seen are 9 full-time and 5 half-time goals for one side, 43 shots, 24 shots
# on target, 33 fouls, 20 corners, 9 yellow and 3 red cards, 67,683 spectators. A bound is about
# twice the largest value seen, so a real match never trips it and a typo such as 99 always does.
MAX_GOALS = 20  # full-time or half-time goals of one side; a row above it is rejected
# Per side; a value above its bound is quarantined: the value is not loaded (null), the row is,
# and the reason goes to raw.rejected_rows. Shots on target above shots is quarantined the same
# way (both values of that side), because football-data itself has 4 such rows (2000-01 twice,
# 2021-22, E1 2024-25) whose results are right: refusing them would lose real matches.
STAT_BOUNDS = {
    "home_shots": 80,
    "away_shots": 80,
    "home_shots_on_target": 80,
    "away_shots_on_target": 80,
    "home_fouls": 60,
    "away_fouls": 60,
    "home_corners": 40,
    "away_corners": 40,
    "home_yellows": 15,
    "away_yellows": 15,
    "home_reds": 6,  # a side is down to 6 players at 5 reds; one more for the bench
    "away_reds": 6,
    "attendance": 150_000,  # the largest English ground holds 90,000
}
# Decimal odds: above 1.0 (a price of 1.0 or less pays nothing) and at most 1,000 (the mirror's
# largest price is 60). 0 and empty cells are football-data's placeholders for "no price".
MIN_PRICE, MAX_PRICE = 1.0, 1000.0
# The overround (sum of 1/price over home, draw, away) of one bookmaker's 1X2 prices. In the
# mirror it runs from 0.934 (Pinnacle's closing line, once) to 1.341 (a closing average, once);
# 0.90 to 1.40 holds every real row and refuses a single absurd price (H at 500 against D 3.4, A
# 2.7 is 0.67). Not checked: the market maximum (Max, BbMx: best prices across books, below 1
# whenever books disagree; 0.54 seen) and the Betfair exchange (BFE: thin markets, up to 2.95).
OVERROUND_BAND = (0.90, 1.40)
_OVERROUND_UNCHECKED = frozenset({"Max", "BFE"})

# Typed column -> the header names football-data has used for it, preferred first.
_ALIASES: dict[str, tuple[str, ...]] = {
    "league": ("Div",),
    "match_date": ("Date",),
    "kickoff_time": ("Time",),
    "home_team": ("HomeTeam", "Home", "HT"),
    "away_team": ("AwayTeam", "Away", "AT"),
    "home_goals": ("FTHG", "HG"),
    "away_goals": ("FTAG", "AG"),
    "result": ("FTR", "Res"),
    "ht_home_goals": ("HTHG",),
    "ht_away_goals": ("HTAG",),
    "ht_result": ("HTR",),
    "referee": ("Referee",),
    "attendance": ("Attendance",),
    "home_shots": ("HS",),
    "away_shots": ("AS",),
    "home_shots_on_target": ("HST",),
    "away_shots_on_target": ("AST",),
    "home_fouls": ("HF",),
    "away_fouls": ("AF",),
    "home_corners": ("HC",),
    "away_corners": ("AC",),
    "home_yellows": ("HY",),
    "away_yellows": ("AY",),
    "home_reds": ("HR",),
    "away_reds": ("AR",),
}
_REQUIRED = ("league", "match_date", "home_team", "away_team")
_RESULT_COLUMNS = ("home_goals", "away_goals", "result")
_STAT_COLUMNS = (
    "attendance",
    "home_shots",
    "away_shots",
    "home_shots_on_target",
    "away_shots_on_target",
    "home_fouls",
    "away_fouls",
    "home_corners",
    "away_corners",
    "home_yellows",
    "away_yellows",
    "home_reds",
    "away_reds",
)

# Typed columns of each raw table, besides the load metadata (load_id, source_file, ...).
MATCH_COLUMNS = (
    "league",
    "season",
    "match_date",
    "kickoff_time",
    "home_team",
    "away_team",
    "home_goals",
    "away_goals",
    "result",
    "ht_home_goals",
    "ht_away_goals",
    "ht_result",
    "referee",
    *_STAT_COLUMNS,
)
FIXTURE_COLUMNS = (
    "league",
    "season",
    "match_date",
    "kickoff_time",
    "home_team",
    "away_team",
    "referee",
)
ODDS_FIELDS = (
    "row_number",
    "source_column",
    "bookmaker",
    "market",
    "selection",
    "line",
    "period",
    "price",
)

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_WHOLE = re.compile(r"^[+-]?\d+(\.0*)?$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class FileRefused(ValueError):
    """The whole file is unusable; nothing of it may be loaded. The message says why."""


class _RowError(ValueError):
    """One row is unusable; it becomes a rejected row."""


class UnknownTeams(FileRefused):
    """A results file of a league the team aliases cover names a team they do not know."""


@dataclass(frozen=True)
class RejectedRow:
    line_number: int
    reason: str
    raw_line: str


@dataclass
class ParsedRow:
    """One typed match or fixture row. ``line_number`` is its line in the file (header = 1)."""

    line_number: int
    values: dict[str, Any]
    record: str
    record_hash: str
    odds: list[tuple[Any, ...]] = field(default_factory=list)
    teams: tuple[str, str] | None = None  # canonical (home, away); None: as written

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The natural key: (league, season, home team, away team), the teams canonical
        (``team_aliases``), so a club spelt anew in a corrected file is the same match."""
        v = self.values
        home, away = self.teams or (v["home_team"], v["away_team"])
        return v["league"], v["season"], home, away


@dataclass
class ParsedFile:
    kind: str
    header: list[str]
    encoding: str
    leagues: list[str]
    seasons: list[str]
    rows: list[ParsedRow]
    rejected: list[RejectedRow]
    rows_in_file: int
    rows_withheld: int = 0  # dated on or after known_before: not known yet, not loaded
    known_before: date | None = None
    # Values not loaded from rows that were (impossible statistics); reasons for raw.rejected_rows.
    quarantined: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Leagues whose team names the aliases know none of -> how many names the file gives them:
    # kept as written, with one warning per league and run (see :func:`uncovered_league_warning`).
    uncovered_leagues: dict[str, int] = field(default_factory=dict)

    @property
    def league(self) -> str | None:
        """The file's league; None for a fixtures file covering several."""
        return self.leagues[0] if len(self.leagues) == 1 else None

    @property
    def season(self) -> str | None:
        """The file's season label; None when its rows span several (fixtures)."""
        return self.seasons[0] if len(self.seasons) == 1 else None


@dataclass
class _Line:
    number: int
    raw: str
    fields: list[str]
    unterminated: bool = False  # the file's last line, with no line end after it


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else cp1252 (football-data's older files),
    else latin-1, which cannot fail, so a stray byte never refuses a file."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def parse_file(
    data: bytes,
    *,
    source_file: str,
    kind: str | None = None,
    league: str | None = None,
    season: Season | None = None,
    season_hint: Season | None = None,
    known_before: date | None = None,
    as_of: datetime | None = None,
    aliases: TeamAliases | None = None,
    alias_leagues: Collection[str] = (),
) -> ParsedFile:
    """Parse one football-data CSV.

    ``kind`` is ``matches`` or ``fixtures``, or None to tell from the header (no result columns
    means fixtures). ``league`` is the league the caller expects (the file's ``Div`` must agree).
    ``season`` is the season the file claims, checked against every date. ``season_hint`` is a
    weaker claim (from the file's name or folder) used for results files only: fixtures files
    carry every league's upcoming matches and take each row's season from its date.
    ``known_before`` withholds the rows dated on or after that day (a file read at a clock
    before it was published): they are counted in ``rows_in_file`` and ``rows_withheld`` and are
    neither rows nor rejected rows, whatever their content.
    ``as_of`` (naive UTC) is the load's clock: a row with a result whose kickoff is after it is
    rejected (a result cannot be known before the match).
    ``aliases`` canonicalise the teams of each row's key; names they do not know are refused in
    a results file of a league they cover (:class:`UnknownTeams`) and rejected as rows of a
    fixtures file in ``alias_leagues`` (the leagues whose results the warehouse holds).
    Raises :class:`FileRefused` naming ``source_file``.
    """
    text, encoding = decode(data)
    header, lines, width = _read_table(text, source_file)
    index = _column_index(header)
    missing = [c for c in _REQUIRED if c not in index]
    if missing:
        wanted = ", ".join(_ALIASES[c][0] for c in missing)
        raise FileRefused(
            f"{source_file} is not a football-data CSV: its header has no {wanted} "
            f"(starts with {', '.join(header[:6]) or 'nothing'})"
        )
    has_results = all(c in index for c in _RESULT_COLUMNS)
    detected = MATCHES if has_results else FIXTURES
    if kind is None:
        kind = detected
    elif kind == MATCHES and not has_results:
        raise FileRefused(
            f"{source_file} should be a results file but has no result columns (FTHG, FTAG, FTR)"
        )

    data_lines = [line for line in lines if any(f.strip() for f in line.fields)]
    file_league = _file_league(data_lines, index["league"][0], kind, league, source_file)
    known = _known_lines(data_lines, index["match_date"][0], known_before)

    candidates: list[tuple[_Line, dict[str, Any]]] = []
    rejected: list[RejectedRow] = []
    quarantined: list[RejectedRow] = []
    for line in known:
        try:
            _check_width(line, width)
            values = _typed_values(line.fields, index, kind)
            dropped = _check_values(values, index, as_of) if kind == MATCHES else []
        except _RowError as exc:
            rejected.append(RejectedRow(line.number, str(exc), line.raw))
            continue
        if not values["league"]:
            if file_league is None:
                rejected.append(RejectedRow(line.number, "missing league (Div)", line.raw))
                continue
            values["league"] = file_league
        if dropped:
            reason = "quarantined, the row loaded without them: " + "; ".join(dropped)
            quarantined.append(RejectedRow(line.number, reason, line.raw))
        candidates.append((line, values))

    if known and len(rejected) > MAX_REJECTED_SHARE * len(known):
        first = rejected[0]
        raise FileRefused(
            f"{source_file}: {len(rejected)} of {len(known)} rows cannot be parsed "
            f"(line {first.line_number}: {first.reason}); is this the right kind of file?"
        )

    claimed = season if season is not None else (season_hint if kind == MATCHES else None)
    if claimed is None and kind == MATCHES:
        claimed = _majority_season([v["match_date"] for _, v in candidates], source_file)
    if claimed is not None:
        _check_window(candidates, index["match_date"][0], claimed, source_file)

    teams_of, uncovered = _canonical_teams(
        candidates, kind, aliases, alias_leagues, rejected, source_file
    )
    price_columns = _price_columns(header)
    rows: list[ParsedRow] = []
    first_of: dict[tuple[str, str, str, str], ParsedRow] = {}
    raw_of: dict[int, str] = {}
    for line, values in candidates:
        if line.number not in teams_of:
            continue  # an unknown team in a fixtures row: rejected above
        values["season"] = (claimed or season_of_date(values["match_date"])).label
        try:
            row = _make_row(line, values, header, price_columns, kind)
        except _RowError as exc:
            rejected.append(RejectedRow(line.number, str(exc), line.raw))
            continue
        row.teams = teams_of[line.number]
        raw_of[line.number] = line.raw
        first = first_of.setdefault(row.key, row)
        if first is not row:
            if first.record_hash != row.record_hash and kind == FIXTURES:
                # fixtures.csv lists every league's upcoming matches and is replaced daily: a
                # listing that changed within the file (a new referee) keeps its last line,
                # rather than refusing every league's fixtures for one row.
                reason = (
                    f"{row.key[2]} v {row.key[3]} ({row.key[1]}) is listed again on line "
                    f"{line.number} with different values ({_first_difference(first, row)}); "
                    "the last line is kept"
                )
                rejected.append(RejectedRow(first.line_number, reason, raw_of[first.line_number]))
                rows.remove(first)
                first_of[row.key] = row
                rows.append(row)
                continue
            if first.record_hash != row.record_hash:
                raise FileRefused(
                    f"{source_file}: lines {first.line_number} and {line.number} are both "
                    f"{row.key[2]} v {row.key[3]} ({row.key[1]}) with different values "
                    f"({_first_difference(first, row)}); which one is right cannot be told, so "
                    "nothing of the file was loaded: remove the wrong line and load it again"
                )
            reason = (
                f"duplicate of line {first.line_number}: {row.key[2]} v {row.key[3]} "
                f"appears twice in {row.key[1]} (identical; the first is kept)"
            )
            rejected.append(RejectedRow(line.number, reason, line.raw))
            continue
        rows.append(row)

    return ParsedFile(
        kind=kind,
        header=header,
        encoding=encoding,
        leagues=sorted(
            {r.values["league"] for r in rows} or ([file_league] if file_league else [])
        ),
        seasons=sorted({r.values["season"] for r in rows} or ([claimed.label] if claimed else [])),
        rows=rows,
        rejected=sorted(rejected, key=lambda r: r.line_number),
        rows_in_file=len(data_lines),
        rows_withheld=len(data_lines) - len(known),
        known_before=known_before,
        quarantined=[q for q in quarantined if q.line_number in {r.line_number for r in rows}],
        uncovered_leagues=uncovered,
    )


# --- the table ---------------------------------------------------------------------------------


def _read_table(text: str, source_file: str) -> tuple[list[str], list[_Line], int]:
    """Header, data lines (each with its raw text, for rejected rows) and the number of fields
    the header names (every row must have as many)."""
    stripped = text.lstrip()
    if not stripped:
        raise FileRefused(f"{source_file} is empty")
    if stripped.startswith("<") or "<html" in stripped[:500].lower():
        raise FileRefused(f"{source_file} is an HTML page, not a football-data CSV")
    if "\x00" in text:
        raise FileRefused(f"{source_file} holds NUL bytes: a binary file, not a football-data CSV")
    # Split on line breaks only (str.splitlines would also split on form feeds and U+2028).
    physical = _LINE_BREAK.split(text)
    # Each line is given back its own break (\r\n, \r or \n; the last line \n): a quoted cell
    # that spans lines keeps the break that is in the file (without one the csv module glues
    # "0<break>0" into "00", and with another the cell is not the file's).
    breaks = [*_LINE_BREAK.findall(text), "\n"]
    reader = csv.reader(line + end for line, end in zip(physical, breaks, strict=True))
    try:
        raw_header = next((row for row in reader if any(name.strip() for name in row)), None)
    except csv.Error as exc:
        raise FileRefused(f"{source_file} is not a readable CSV: {exc}") from exc
    if raw_header is None:
        # Text whose every row is blank once the CSV quoting is read (a lone quote, say).
        raise FileRefused(f"{source_file} has no header row: not a football-data CSV")
    header = _clean_header(raw_header)
    named = len(header)
    lines: list[_Line] = []
    start = reader.line_num + 1
    try:
        for fields in reader:
            end = reader.line_num
            raw = "".join(
                physical[i] + (breaks[i] if i < end - 1 else "") for i in range(start - 1, end)
            )
            lines.append(_Line(start, raw, fields))
            start = end + 1
    except csv.Error as exc:
        raise FileRefused(
            f"{source_file} is not a readable CSV at line {reader.line_num}: {exc}"
        ) from exc
    if lines and not text.endswith(("\n", "\r")):
        lines[-1].unterminated = True
    width = max([len(header), *(len(line.fields) for line in lines)])
    if width > len(header):
        header = header + [f"Unnamed: {i}" for i in range(len(header), width)]
    return header, lines, named


def _clean_header(names: Sequence[str]) -> list[str]:
    """Strip names, name blank ones ``Unnamed: <i>`` (as pandas does) and number duplicates."""
    seen: Counter[str] = Counter()
    header = []
    for i, name in enumerate(names):
        name = name.strip() or f"Unnamed: {i}"
        seen[name] += 1
        header.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return header


def _column_index(header: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Typed column -> (position, header name as in this file)."""
    positions = {name: i for i, name in enumerate(header)}
    index = {}
    for column, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in positions:
                index[column] = (positions[alias], alias)
                break
    return index


def _file_league(
    lines: Sequence[_Line], position: int, kind: str, expected: str | None, source_file: str
) -> str | None:
    """The league of a results file (its one ``Div`` value); None for fixtures."""
    found = Counter(
        line.fields[position].strip()
        for line in lines
        if position < len(line.fields) and line.fields[position].strip()
    )
    if kind == FIXTURES:
        if expected and found and set(found) != {expected}:
            raise FileRefused(
                f"{source_file} holds leagues {', '.join(sorted(found))}, expected {expected} only"
            )
        return expected
    if len(found) > 1:
        raise FileRefused(
            f"{source_file} mixes leagues ({', '.join(sorted(found))}); a results file holds one"
        )
    league = next(iter(found), None) or expected
    if expected and league != expected:
        raise FileRefused(f"{source_file} is league {league} (Div), expected {expected}")
    return league


def _known_lines(
    lines: Sequence[_Line], date_position: int, known_before: date | None
) -> list[_Line]:
    """The lines not dated on or after ``known_before`` (an unreadable date is kept, to be
    rejected with its reason like any other bad row)."""
    if known_before is None:
        return list(lines)
    kept = []
    for line in lines:
        raw = line.fields[date_position].strip() if date_position < len(line.fields) else ""
        try:
            day = parse_date(raw) if raw else None
        except _RowError:
            day = None
        if day is None or day < known_before:
            kept.append(line)
    return kept


# --- one row -----------------------------------------------------------------------------------


def _typed_values(
    fields: Sequence[str], index: dict[str, tuple[int, str]], kind: str
) -> dict[str, Any]:
    def text(column: str) -> str:
        position = index.get(column, (len(fields), ""))[0]
        return fields[position].strip() if position < len(fields) else ""

    def name(column: str) -> str:
        return index.get(column, (0, _ALIASES[column][0]))[1]

    values: dict[str, Any] = {"league": text("league")}
    raw_date = text("match_date")
    if not raw_date:
        raise _RowError("missing date")
    values["match_date"] = parse_date(raw_date)
    values["kickoff_time"] = parse_time(text("kickoff_time"))
    for side in ("home_team", "away_team"):
        values[side] = text(side)
        if not values[side]:
            raise _RowError(f"missing {side.replace('_', ' ')}")
    if values["home_team"] == values["away_team"]:
        raise _RowError(f"home and away team are both {values['home_team']!r}")
    values["referee"] = text("referee") or None
    if kind == FIXTURES:
        return values

    for prefix, label in (("", "full-time"), ("ht_", "half-time")):
        home = parse_count(text(f"{prefix}home_goals"), name(f"{prefix}home_goals"))
        away = parse_count(text(f"{prefix}away_goals"), name(f"{prefix}away_goals"))
        letter = text(f"{prefix}result").upper() or None
        check_result(home, away, letter, label)
        values[f"{prefix}home_goals"] = home
        values[f"{prefix}away_goals"] = away
        values[f"{prefix}result"] = letter
    for column in _STAT_COLUMNS:
        raw = text(column)
        if column == "attendance":
            raw = raw.replace(",", "")
        values[column] = parse_count(raw, name(column))
    return values


def _check_width(line: _Line, width: int) -> None:
    """A row with fewer fields than the header was cut: its last field may be cut too (``3``
    of ``3.7``), so none of it is trusted."""
    if len(line.fields) >= width:
        return
    if line.unterminated:
        raise _RowError(
            f"last line cut short: {len(line.fields)} of {width} fields and no line end at the "
            "end of the file (an interrupted download?)"
        )
    raise _RowError(f"row cut short: {len(line.fields)} of {width} fields")


def _check_values(
    values: dict[str, Any], index: dict[str, tuple[int, str]], as_of: datetime | None
) -> list[str]:
    """Refuse a result that cannot be true (raises :class:`_RowError`); null the statistics that
    cannot be, returning why (see :data:`STAT_BOUNDS`)."""

    def name(column: str) -> str:
        return index.get(column, (0, _ALIASES[column][0]))[1]

    for column in ("home_goals", "away_goals", "ht_home_goals", "ht_away_goals"):
        goals = values.get(column)
        if goals is not None and goals > MAX_GOALS:
            raise _RowError(
                f"{name(column)} {goals} is more goals than can be true (at most {MAX_GOALS})"
            )
    for side in ("home", "away"):
        ht, ft = values.get(f"ht_{side}_goals"), values.get(f"{side}_goals")
        if ht is not None and ft is not None and ht > ft:
            raise _RowError(
                f"{name(f'ht_{side}_goals')} {ht} is more than {name(f'{side}_goals')} {ft}: "
                "half-time goals cannot exceed full-time goals"
            )
    if as_of is not None and values.get("home_goals") is not None:
        kickoff = uk_local_to_utc(values["match_date"], _clock_time(values.get("kickoff_time")))
        if kickoff.replace(tzinfo=None) > as_of:
            raise _RowError(
                f"result {values['home_goals']}-{values['away_goals']} for a match dated "
                f"{values['match_date']:%d/%m/%Y} {values.get('kickoff_time') or ''}".rstrip()
                + f" (UK), after the load's clock {as_of:%Y-%m-%d %H:%M} UTC: a result cannot "
                "be known before its kickoff"
            )
    dropped = []
    for column, bound in STAT_BOUNDS.items():
        value = values.get(column)
        if value is not None and value > bound:
            dropped.append(f"{name(column)} {value} is above {bound:,}")
            values[column] = None
    for side in ("home", "away"):
        shots, target = values.get(f"{side}_shots"), values.get(f"{side}_shots_on_target")
        if shots is not None and target is not None and target > shots:
            dropped.append(
                f"{name(f'{side}_shots_on_target')} {target} is more than "
                f"{name(f'{side}_shots')} {shots} (shots on target above shots)"
            )
            values[f"{side}_shots"] = values[f"{side}_shots_on_target"] = None
    return dropped


def _clock_time(text: str | None) -> time | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def parse_date(text: str) -> date:
    """A football-data date: ``dd/mm/yy`` or ``dd/mm/yyyy``; year-first (``2014/8/4``) is also
    read, so a spreadsheet-mangled file fails the season-window check instead of every row."""
    text = text.strip()
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 1900 if year >= 90 else 2000
    else:
        match = _YEAR_FIRST.match(text)
        if not match:
            raise _RowError(f"bad date {text!r} (expected dd/mm/yy or dd/mm/yyyy)")
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _RowError(f"bad date {text!r} ({exc})") from exc


def parse_time(text: str) -> str | None:
    """``HH:MM`` (UK time, as published), or None when the file has no time."""
    if not text:
        return None
    match = _TIME.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise _RowError(f"bad kick-off time {text!r} (expected HH:MM)")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_count(text: str, column: str) -> int | None:
    """A whole, non-negative number; ``2.0`` is fine (some seasons write goals so), ``2.5`` is not."""
    if not text:
        return None
    if not _WHOLE.match(text):
        raise _RowError(f"{column} {text!r} is not a whole number")
    number = int(float(text))
    if number < 0:
        raise _RowError(f"{column} {text!r} is negative")
    return number


def check_result(home: int | None, away: int | None, letter: str | None, label: str) -> None:
    """Goals and the result letter must agree; all three empty is a match without a result."""
    if home is None and away is None and letter is None:
        return
    if home is None or away is None:
        raise _RowError(f"{label} score is incomplete ({home}-{away})")
    expected = "H" if home > away else "A" if away > home else "D"
    if letter is None:
        raise _RowError(f"{label} result letter missing for {home}-{away}")
    if letter not in ("H", "D", "A"):
        raise _RowError(f"{label} result {letter!r} is not H, D or A")
    if letter != expected:
        raise _RowError(f"{label} result {letter} does not match the score {home}-{away}")


# --- teams -------------------------------------------------------------------------------------


def _canonical_teams(
    candidates: Sequence[tuple[_Line, dict[str, Any]]],
    kind: str,
    aliases: TeamAliases | None,
    alias_leagues: Collection[str],
    rejected: list[RejectedRow],
    source_file: str,
) -> tuple[dict[int, tuple[str, str]], dict[str, int]]:
    """Line number -> canonical (home, away) for every usable row, and the leagues kept as
    written (league -> how many team names the file gives it).

    A results file's league, or a fixtures file's league in ``alias_leagues``, is checked when
    the aliases know at least one of its teams: then an unknown name refuses the results file
    (:class:`UnknownTeams`, naming every unknown name and its first line) or rejects the fixture
    row. A checked league whose teams the aliases know none of keeps its names as written: the
    caller warns once per league (:func:`uncovered_league_warning`), not per row, team or file.
    """
    teams: dict[int, tuple[str, str]] = {}
    uncovered: dict[str, int] = {}
    by_league: dict[str, list[tuple[_Line, dict[str, Any]]]] = {}
    for line, values in candidates:
        by_league.setdefault(values["league"], []).append((line, values))
    for league, rows in sorted(by_league.items()):
        checked = aliases is not None and (kind == MATCHES or league in alias_leagues)
        names = {v[side] for _, v in rows for side in ("home_team", "away_team")}
        if not checked or aliases is None:
            for line, v in rows:
                teams[line.number] = _canonical_pair(aliases, v)
            continue
        if not any(aliases.knows(n) for n in names):
            uncovered[league] = len(names)
            for line, v in rows:
                teams[line.number] = _canonical_pair(aliases, v)
            continue
        unknown: dict[str, int] = {}
        for line, v in rows:
            missing = [v[side] for side in ("home_team", "away_team") if not aliases.knows(v[side])]
            for name in missing:
                unknown.setdefault(name, line.number)
            if missing and kind == FIXTURES:
                reason = (
                    f"unknown team {missing[0]!r} (league {league}): {aliases.hint(missing[0])}"
                )
                rejected.append(RejectedRow(line.number, reason, line.raw))
                continue
            teams[line.number] = _canonical_pair(aliases, v)
        if unknown and kind == MATCHES:
            listed = "; ".join(f"{name!r} (line {number})" for name, number in unknown.items())
            first = next(iter(unknown))
            raise UnknownTeams(
                f"{source_file}: league {league} names {len(unknown)} team(s) not in "
                f"{aliases.path.name}: {listed}. Nothing of the file was loaded; "
                f"{aliases.hint(first)}"
            )
    return teams, uncovered


def uncovered_league_warning(league: str, seed: str, names: int | None = None) -> str:
    """The warning for a league whose team names the seed ``seed`` knows none of: ``names``
    (how many the file gives it) for one file's message, None for the run's one line."""
    which = f"none of its {names} team names is" if names is not None else "none of its teams is"
    return (
        f"league {league}: {which} in {seed}, so they are kept as written; a club spelt "
        "differently in a later file would count as another club (add the league's teams to "
        "the seed to prevent it)"
    )


def _canonical_pair(aliases: TeamAliases | None, values: dict[str, Any]) -> tuple[str, str]:
    home, away = values["home_team"], values["away_team"]
    if aliases is None:
        return home, away
    return aliases.canonical(home), aliases.canonical(away)


def _first_difference(first: ParsedRow, second: ParsedRow) -> str:
    a, b = json.loads(first.record), json.loads(second.record)
    for column in a:
        if a[column].strip() != b.get(column, "").strip():
            return f"{column} {a[column].strip() or 'empty'} against {b.get(column, '').strip() or 'empty'}"
    return "different columns"


# --- seasons -----------------------------------------------------------------------------------


def _majority_season(dates: Sequence[date], source_file: str) -> Season:
    if not dates:
        raise FileRefused(
            f"{source_file}: cannot tell its season (no --season, none in the file name or "
            "folder, and no dated rows)"
        )
    counts = Counter(season_of_date(d) for d in dates)
    return counts.most_common(1)[0][0]


def _check_window(
    candidates: Sequence[tuple[_Line, dict[str, Any]]],
    date_position: int,
    season: Season,
    source_file: str,
) -> None:
    """Refuse the whole file when any date falls outside the season it claims: such a file is
    the wrong season or has mangled dates, and loading part of it would be worse than none."""
    outside = [line for line, values in candidates if not season.contains(values["match_date"])]
    if outside:
        first_day, last_day = season.window
        line = outside[0]
        raise FileRefused(
            f"{source_file} claims season {season.label} ({first_day} to {last_day}) but "
            f"{len(outside)} of {len(candidates)} rows fall outside it "
            f"(line {line.number}: date {line.fields[date_position].strip()!r})"
        )


# --- record and odds ---------------------------------------------------------------------------


def _price_columns(header: Sequence[str]) -> list[tuple[int, str, OddsColumn, int | None]]:
    positions = {name: i for i, name in enumerate(header)}
    columns = []
    for i, name in enumerate(header):
        odds = classify(name)
        if odds is None:
            continue
        line_column = handicap_line_column(name, header)
        columns.append((i, name, odds, positions.get(line_column) if line_column else None))
    return columns


def _make_row(
    line: _Line,
    values: dict[str, Any],
    header: Sequence[str],
    price_columns: Sequence[tuple[int, str, OddsColumn, int | None]],
    kind: str,
) -> ParsedRow:
    fields = list(line.fields) + [""] * (len(header) - len(line.fields))
    record = dict(zip(header, fields, strict=True))
    odds = []
    books: dict[tuple[str, str], dict[str, float]] = {}
    for position, name, column, line_position in price_columns:
        price = parse_price(fields[position])
        if price is None:
            _check_placeholder(fields[position], name)
            continue
        if price > MAX_PRICE:
            raise _RowError(
                f"{name} {fields[position].strip()} is not a plausible decimal price (at most "
                f"{MAX_PRICE:,.0f})"
            )
        if column.market == MARKET_1X2 and column.bookmaker not in _OVERROUND_UNCHECKED:
            books.setdefault((column.bookmaker, name[:-1]), {})[column.selection] = price
        handicap = column.line
        if line_position is not None:
            handicap = parse_number(fields[line_position])
        odds.append(
            (
                line.number,
                name,
                column.bookmaker,
                column.market,
                column.selection,
                handicap,
                column.period,
                price,
            )
        )
    for (_, prefix), prices in books.items():
        if len(prices) == 3:
            overround = sum(1 / p for p in prices.values())
            low, high = OVERROUND_BAND
            if not low <= overround <= high:
                shown = ", ".join(
                    f"{prefix}{s[0].upper()} {prices[s]:g}" for s in ("home", "draw", "away")
                )
                raise _RowError(
                    f"{prefix}H/D/A prices ({shown}) have an overround of {overround:.3f}, "
                    f"outside the plausible {low:.2f} to {high:.2f}"
                )
    columns = MATCH_COLUMNS if kind == MATCHES else FIXTURE_COLUMNS
    return ParsedRow(
        line_number=line.number,
        values={c: values.get(c) for c in columns},
        record=json.dumps(record, ensure_ascii=False),
        record_hash=record_hash(record),
        odds=odds,
    )


def record_hash(record: dict[str, str]) -> str:
    """Hash of the row's non-empty values, independent of column order: a column football-data
    adds empty, or moves, does not make a new version; a changed value does."""
    content = {k: v.strip() for k, v in record.items() if v.strip()}
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def parse_number(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_price(text: str) -> float | None:
    """Decimal odds; empty, non-numeric and placeholder values (0, anything not above 1) are
    not prices. They stay in the row's ``record``."""
    number = parse_number(text) if text else None
    return number if number is not None and number > MIN_PRICE else None


def _check_placeholder(text: str, column: str) -> None:
    """A price cell that is not a price must be a placeholder: empty, text, or 0. A number in
    (0, 1] is a wrong price, not a missing one (it would pay nothing or lose more than staked);
    so is a non-finite number such as ``inf``."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        return
    if number == 0 or math.isnan(number):  # pandas writes an empty cell as nan
        return
    raise _RowError(
        f"{column} {text} is not a decimal price (must be above {MIN_PRICE:g} and at most "
        f"{MAX_PRICE:,.0f})"
    )
