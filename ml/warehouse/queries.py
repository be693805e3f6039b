"""``plpred sql``: the named queries of ``sql/queries/``, listed, bound and run on either target.

Users ask the warehouse questions in SQL; the questions worth keeping are files named
``<topic>__<question>.sql`` whose header comment says what they answer, for whom, and which
parameters they take, in this form::

    -- Which upcoming matches does the champion rate differently from the market?
    -- For: a bettor or analyst before the weekend.
    --
    -- Parameters:
    --   :league text = E0    football-data league code

The body refers to a parameter as ``:league`` (lower-case name). This module turns that into
the ``?`` placeholders of :class:`ml.warehouse.connection.Connection`, with the value typed as declared,
so the same file runs in DuckDB, in Postgres, and here. The files stay plain SQL that a user
can paste into ``duckdb`` or ``psql`` after replacing the parameters by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from ml.config import QUERIES_DIR, Settings
from ml.warehouse.connection import connect, is_missing

PARAMETER_TYPES = ("text", "integer", "number", "date")
_PARAMETER_LINE = re.compile(
    r"^--\s+:(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>\w+)\s*=\s*(?P<default>\S+)\s*(?P<description>.*)$"
)
_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
_NAME = re.compile(r"^[a-z0-9_]+__[a-z0-9_]+$")


class QueryError(ValueError):
    """A named query is unknown, malformed, or given a parameter it cannot take."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str
    description: str

    def convert(self, raw: str) -> Any:
        """The value as the declared type, so both drivers bind it as the SQL expects."""
        try:
            if self.type == "integer":
                return int(raw)
            if self.type == "number":
                return float(raw)
            if self.type == "date":
                return dt.date.fromisoformat(raw)
        except ValueError as exc:
            article = "an" if self.type == "integer" else "a"
            raise QueryError(
                f"parameter {self.name} must be {article} {self.type}, got {raw!r}"
            ) from exc
        return raw


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    question: str
    header: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    sql: str

    @property
    def topic(self) -> str:
        return self.name.split("__", 1)[0]


def parse_query(name: str, text: str, path: Path | None = None) -> NamedQuery:
    """Read the header comment (question first, then ``:name type = default`` parameters)."""
    header: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if header:
                header.append("")
            continue
        if not stripped.startswith("--"):
            break
        header.append(stripped.removeprefix("--").strip())
    while header and not header[-1]:
        header.pop()
    if not header or not header[0]:
        raise QueryError(f"{name}: the file must start with a comment saying what it answers")
    question_lines: list[str] = []
    for line in header:
        if not line or line.lower().startswith(("for:", "parameters:")):
            break
        question_lines.append(line)
    parameters: list[Parameter] = []
    for line in text.splitlines():
        match = _PARAMETER_LINE.match(line.strip())
        if match is None:
            continue
        if match["type"] not in PARAMETER_TYPES:
            raise QueryError(
                f"{name}: parameter {match['name']} has type {match['type']!r}, "
                f"not one of {', '.join(PARAMETER_TYPES)}"
            )
        parameters.append(
            Parameter(match["name"], match["type"], match["default"], match["description"].strip())
        )
    body = strip_comments(text)
    declared = {p.name for p in parameters}
    used = set(placeholders(body))
    if used - declared:
        raise QueryError(
            f"{name}: uses {', '.join(sorted(used - declared))} without declaring it in the header"
        )
    return NamedQuery(
        name=name,
        path=path or QUERIES_DIR / f"{name}.sql",
        question=" ".join(question_lines),
        header=tuple(header),
        parameters=tuple(parameters),
        sql=body,
    )


def strip_comments(sql: str) -> str:
    """The SQL without ``--`` comments (outside string literals): a placeholder left in a
    comment would be counted by the driver, and psycopg2 counts ``%s`` even there."""
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(sql):
        char = sql[i]
        if in_string:
            out.append(char)
            if char == "'":
                in_string = False
        elif char == "'":
            in_string = True
            out.append(char)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            if end == -1:
                break
            i = end
            continue
        else:
            out.append(char)
        i += 1
    return "\n".join(line.rstrip() for line in "".join(out).splitlines() if line.strip()) + "\n"


def _outside_strings(sql: str) -> list[tuple[bool, str]]:
    """Split SQL into (is_string_literal, text) pieces; '' inside a literal stays inside it."""
    pieces: list[tuple[bool, str]] = []
    for index, piece in enumerate(re.split(r"('(?:[^']|'')*')", sql)):
        if piece:
            pieces.append((index % 2 == 1, piece))
    return pieces


def placeholders(sql: str) -> list[str]:
    """The ``:name`` parameters of a comment-free query, in order, repeats included."""
    names: list[str] = []
    for is_string, piece in _outside_strings(sql):
        if not is_string:
            names.extend(_PLACEHOLDER.findall(piece))
    return names


def bind(query: NamedQuery, values: Mapping[str, str] | None = None) -> tuple[str, list[Any]]:
    """The query with ``?`` placeholders and its positional values (defaults filled in)."""
    values = dict(values or {})
    known = {p.name: p for p in query.parameters}
    unknown = sorted(set(values) - set(known))
    if unknown:
        accepted = ", ".join(known) or "none"
        raise QueryError(
            f"{query.name} has no parameter {', '.join(unknown)} (it takes: {accepted})"
        )
    typed = {name: p.convert(values.get(name, p.default)) for name, p in known.items()}
    ordered: list[Any] = []
    parts: list[str] = []
    for is_string, piece in _outside_strings(query.sql):
        if is_string:
            parts.append(piece)
            continue

        def _replace(match: re.Match[str]) -> str:
            ordered.append(typed[match.group(1)])
            return "?"

        parts.append(_PLACEHOLDER.sub(_replace, piece))
    return "".join(parts), ordered


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """``["league=E1", "limit=5"]`` from the command line into a mapping."""
    values: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"a parameter is written name=value, got {item!r}")
        values[name.strip()] = value.strip()
    return values


def list_queries(directory: Path = QUERIES_DIR) -> list[NamedQuery]:
    return [
        parse_query(path.stem, path.read_text(), path) for path in sorted(directory.glob("*.sql"))
    ]


def load_query(name: str, directory: Path = QUERIES_DIR) -> NamedQuery:
    """A query by name (with or without ``.sql``); an unknown name suggests the closest ones."""
    name = name.removesuffix(".sql")
    path = directory / f"{name}.sql"
    if not _NAME.match(name) or not path.is_file():
        names = [p.stem for p in sorted(directory.glob("*.sql"))]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise QueryError(f"no query {name!r} in {directory}{hint} (`plpred sql --list` lists them)")
    return parse_query(name, path.read_text(), path)


# --- shortcuts: parameter values that name something the warehouse has to look up ----------

LATEST_BACKTEST = "latest-backtest"
BOOKS_QUERY = "betting__books"
# parameter -> shortcut value -> what it stands for (shown by `plpred sql --list`)
SHORTCUTS: dict[str, dict[str, str]] = {
    "book": {
        LATEST_BACKTEST: (
            "the strategy's latest backtest: the one created last; among the backtests of one "
            "training run, the model and variant the run selected (then most bets). "
            f"`plpred sql {BOOKS_QUERY}` lists every book and marks it (is_latest_backtest)"
        )
    }
}


def _value(query: NamedQuery, values: Mapping[str, str], name: str) -> str | None:
    """The value a parameter takes (given, else its default); None when the query has none."""
    for parameter in query.parameters:
        if parameter.name == name:
            return values.get(name, parameter.default)
    return None


def latest_backtest(settings: Settings, strategy: str | None, league: str | None = None) -> str:
    """The backtest id ``book=latest-backtest`` stands for, as ``marts.mart_backtests`` decides
    it (through ``betting__books``): the latest of ``strategy`` (``is_latest_backtest``), or the
    league's latest over every strategy when None or 'all' (``is_latest_of_league``)."""
    league = league or settings.league
    wanted = strategy if strategy and strategy != "all" else "all"
    books_query = load_query(BOOKS_QUERY)
    sql, params = bind(books_query, {"league": league, "strategy": wanted})
    with connect(settings) as conn:
        books = conn.query_df(sql, params)
    flag = "is_latest_of_league" if wanted == "all" else "is_latest_backtest"
    latest = books[(books["mode"] == "backtest") & books[flag].astype(bool)]
    if latest.empty:
        who = f"strategy {wanted}" if wanted != "all" else "any strategy"
        raise QueryError(
            f"book={LATEST_BACKTEST}: there is no backtest of {who} in {league} yet "
            f"(`plpred backtest` makes them; `plpred sql {BOOKS_QUERY}` lists the books)"
        )
    return str(latest.iloc[0]["book"])


def resolve_shortcuts(
    settings: Settings, query: NamedQuery, values: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """``values`` with every shortcut (``book=latest-backtest``) replaced by what it names in
    the warehouse, and one note per replacement saying what it became."""
    resolved = dict(values or {})
    notes: list[str] = []
    if _value(query, resolved, "book") == LATEST_BACKTEST:
        book = latest_backtest(
            settings, _value(query, resolved, "strategy"), _value(query, resolved, "league")
        )
        resolved["book"] = book
        notes.append(f"book={LATEST_BACKTEST} is {book}")
    return resolved, notes


def _execute(settings: Settings, query: NamedQuery, values: Mapping[str, str]) -> pd.DataFrame:
    sql, params = bind(query, values)
    with connect(settings) as conn:
        return conn.query_df(sql, params)


def run_query(
    settings: Settings, name: str, values: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Run a named query on the configured warehouse and return its rows (shortcuts such as
    ``book=latest-backtest`` resolved first)."""
    query = load_query(name)
    resolved, _ = resolve_shortcuts(settings, query, values)
    return _execute(settings, query, resolved)


# --- printing ----------------------------------------------------------------------------------


def format_value(value: Any) -> str:
    """One cell as a person reads it: four decimals for probabilities and scores, two for
    money-sized numbers, dates without a midnight time, nothing for missing values."""
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4f}"
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        midnight = stamp == stamp.normalize()
        return stamp.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def print_frame(frame: pd.DataFrame, console: Console, title: str | None = None) -> None:
    """A rich table; numbers right-aligned. Empty results say so rather than print nothing."""
    if frame.empty:
        console.print(f"{title + ': ' if title else ''}no rows")
        return
    cells = [[format_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    table = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
    widths: list[int] = []
    for position, column in enumerate(frame.columns):
        numeric = frame[column].map(_is_number).any()
        width = max([len(str(column)), *(len(row[position]) for row in cells)])
        widths.append(min(width, 40))
        table.add_column(
            str(column),
            justify="right" if numeric else "left",
            min_width=min(width, 40),
            max_width=40,
            overflow="fold",
        )
    for row in cells:
        table.add_row(*row)
    needed = sum(widths) + 3 * len(widths) + 2
    if needed > console.width and console.is_terminal:
        console.print(f"[dim]{needed} columns wide: widen the terminal, or use --csv[/dim]")
    # Truncated numbers mislead: print at the width the table needs, even past the terminal's.
    console.print(table, width=max(console.width, needed), crop=False)
    console.print(f"{len(frame):,} row{'s' if len(frame) != 1 else ''}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def frame_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(["" if is_missing(v) else v for v in row])
    return buffer.getvalue()


def print_catalogue(queries: list[NamedQuery], console: Console) -> None:
    table = Table(
        title="Named queries (sql/queries/): plpred sql NAME [name=value ...]",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
    )
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("question")
    table.add_column("parameters (default)")
    for query in queries:
        table.add_row(
            query.name,
            query.question,
            ", ".join(_parameter_text(p) for p in query.parameters),
        )
    console.print(table)
    for name, shortcuts in SHORTCUTS.items():
        for value, meaning in shortcuts.items():
            users = [q.name for q in queries if any(p.name == name for p in q.parameters)]
            if users:
                console.print(
                    f"Shortcut [bold]{name}={value}[/bold] ({', '.join(users)}): {meaning}."
                )


def _parameter_text(parameter: Parameter) -> str:
    shortcuts = SHORTCUTS.get(parameter.name, {})
    text = f"{parameter.name}={parameter.default}"
    return text + "".join(f" (or {value})" for value in shortcuts)


def print_query_result(
    settings: Settings,
    name: str,
    values: Mapping[str, str] | None,
    console: Console,
    *,
    as_csv: bool = False,
) -> pd.DataFrame:
    """What ``plpred sql NAME`` does: run the query and print it (a table, or CSV)."""
    query = load_query(name)
    resolved, notes = resolve_shortcuts(settings, query, values)
    frame = _execute(settings, query, resolved)
    if as_csv:
        console.file.write(frame_csv(frame))
        console.file.flush()
        return frame
    for note in notes:
        console.print(f"[dim]{note}[/dim]")
    print_frame(frame, console, title=query.question)
    if frame.empty and any(p.name == "book" for p in query.parameters):
        console.print(
            f"[dim]`plpred sql {BOOKS_QUERY}` lists the books (live and every backtest) and "
            f"their bets; book={LATEST_BACKTEST} names a strategy's latest backtest.[/dim]"
        )
    return frame
