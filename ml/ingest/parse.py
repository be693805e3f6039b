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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ml.ingest.odds_columns import OddsColumn, classify, handicap_line_column
from ml.ingest.seasons import Season, season_of_date

MATCHES = "matches"
FIXTURES = "fixtures"
KINDS = (MATCHES, FIXTURES)

# More rejected rows than this share of a file means the format was misread, not a few bad rows.
MAX_REJECTED_SHARE = 0.5

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

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The natural key: (league, season, home_team, away_team)."""
        v = self.values
        return v["league"], v["season"], v["home_team"], v["away_team"]


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
) -> ParsedFile:
    """Parse one football-data CSV.

    ``kind`` is ``matches`` or ``fixtures``, or None to tell from the header (no result columns
    means fixtures). ``league`` is the league the caller expects (the file's ``Div`` must agree).
    ``season`` is the season the file claims, checked against every date. ``season_hint`` is a
    weaker claim (from the file's name or folder) used for results files only: fixtures files
    carry every league's upcoming matches and take each row's season from its date.
    Raises :class:`FileRefused` naming ``source_file``.
    """
    text, encoding = decode(data)
    header, lines = _read_table(text, source_file)
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

    candidates: list[tuple[_Line, dict[str, Any]]] = []
    rejected: list[RejectedRow] = []
    for line in data_lines:
        try:
            values = _typed_values(line.fields, index, kind)
        except _RowError as exc:
            rejected.append(RejectedRow(line.number, str(exc), line.raw))
            continue
        if not values["league"]:
            if file_league is None:
                rejected.append(RejectedRow(line.number, "missing league (Div)", line.raw))
                continue
            values["league"] = file_league
        candidates.append((line, values))

    if data_lines and len(rejected) > MAX_REJECTED_SHARE * len(data_lines):
        first = rejected[0]
        raise FileRefused(
            f"{source_file}: {len(rejected)} of {len(data_lines)} rows cannot be parsed "
            f"(line {first.line_number}: {first.reason}); is this the right kind of file?"
        )

    claimed = season if season is not None else (season_hint if kind == MATCHES else None)
    if claimed is None and kind == MATCHES:
        claimed = _majority_season([v["match_date"] for _, v in candidates], source_file)
    if claimed is not None:
        _check_window(candidates, index["match_date"][0], claimed, source_file)

    price_columns = _price_columns(header)
    rows: list[ParsedRow] = []
    first_line_of: dict[tuple[str, str, str, str], int] = {}
    for line, values in candidates:
        values["season"] = (claimed or season_of_date(values["match_date"])).label
        row = _make_row(line, values, header, price_columns, kind)
        previous = first_line_of.setdefault(row.key, line.number)
        if previous != line.number:
            reason = (
                f"duplicate of line {previous}: {row.key[2]} v {row.key[3]} "
                f"appears twice in {row.key[1]}"
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
    )


# --- the table ---------------------------------------------------------------------------------


def _read_table(text: str, source_file: str) -> tuple[list[str], list[_Line]]:
    """Header and data lines, keeping each record's raw text for rejected rows."""
    stripped = text.lstrip()
    if not stripped:
        raise FileRefused(f"{source_file} is empty")
    if stripped.startswith("<") or "<html" in stripped[:500].lower():
        raise FileRefused(f"{source_file} is an HTML page, not a football-data CSV")
    # Split on line breaks only (str.splitlines would also split on form feeds and U+2028).
    physical = _LINE_BREAK.split(text)
    reader = csv.reader(physical)
    try:
        raw_header = next(row for row in reader if any(name.strip() for name in row))
    except csv.Error as exc:
        raise FileRefused(f"{source_file} is not a readable CSV: {exc}") from exc
    header = _clean_header(raw_header)
    lines: list[_Line] = []
    start = reader.line_num + 1
    try:
        for fields in reader:
            end = reader.line_num
            lines.append(_Line(start, "\n".join(physical[start - 1 : end]), fields))
            start = end + 1
    except csv.Error as exc:
        raise FileRefused(
            f"{source_file} is not a readable CSV at line {reader.line_num}: {exc}"
        ) from exc
    width = max([len(header), *(len(line.fields) for line in lines)])
    if width > len(header):
        header = header + [f"Unnamed: {i}" for i in range(len(header), width)]
    return header, lines


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
    for position, name, column, line_position in price_columns:
        price = parse_price(fields[position])
        if price is None:
            continue
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
    return number if number is not None and number > 1.0 else None
