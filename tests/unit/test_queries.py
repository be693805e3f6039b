"""The named-query runner without a database: headers, parameters, binding, and the rules every
file in sql/queries/ follows (portable between DuckDB and Postgres, documented for its reader)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from ml.config import QUERIES_DIR
from ml.warehouse.queries import (
    LATEST_BACKTEST,
    SHORTCUTS,
    QueryError,
    bind,
    format_value,
    frame_csv,
    list_queries,
    load_query,
    parse_assignments,
    parse_query,
    placeholders,
    print_catalogue,
    print_frame,
    resolve_shortcuts,
    strip_comments,
)

EXAMPLE = """-- Which teams scored most at home,
-- and how often?
-- For: a curious fan.
--
-- Parameters:
--   :league text = E0        football-data league code
--   :limit integer = 5       how many teams
--   :since date = 2020-08-01 first match day
select home_team, count(*) as matches
from marts.fct_matches  -- played matches only
where league = :league and kickoff_date >= :since and referee <> 'a :league -- b'
group by home_team
order by matches desc
limit :limit
"""


def test_the_header_gives_the_question_the_audience_and_typed_parameters() -> None:
    query = parse_query("goals__home_teams", EXAMPLE)
    assert query.question == "Which teams scored most at home, and how often?"
    assert "For: a curious fan." in query.header
    assert [(p.name, p.type, p.default) for p in query.parameters] == [
        ("league", "text", "E0"),
        ("limit", "integer", "5"),
        ("since", "date", "2020-08-01"),
    ]
    assert query.parameters[1].description == "how many teams"
    assert query.topic == "goals"


def test_comments_go_but_text_in_string_literals_stays() -> None:
    body = strip_comments(EXAMPLE)
    assert "--" not in body.replace("'a :league -- b'", "")
    assert "'a :league -- b'" in body
    assert "played matches only" not in body
    # a placeholder inside a literal is not a placeholder, nor is a cast
    assert placeholders("select ':x', a::date, :y from t where b = :x") == ["y", "x"]


def test_bind_fills_defaults_types_values_and_repeats_in_order() -> None:
    query = parse_query("goals__home_teams", EXAMPLE)
    sql, params = bind(query, {"limit": "3"})
    assert params == ["E0", dt.date(2020, 8, 1), 3]
    assert sql.count("?") == 3
    assert "'a :league -- b'" in sql
    repeated = parse_query("t__t", "-- Q?\n--   :a text = x  a\nselect :a, :a, ':a' as literal\n")
    assert bind(repeated, {"a": "y"}) == ("select ?, ?, ':a' as literal\n", ["y", "y"])


def test_bind_refuses_unknown_and_badly_typed_parameters() -> None:
    query = parse_query("goals__home_teams", EXAMPLE)
    with pytest.raises(QueryError, match="has no parameter season .*takes: league, limit, since"):
        bind(query, {"season": "2024-25"})
    with pytest.raises(QueryError, match="limit must be an integer, got 'ten'"):
        bind(query, {"limit": "ten"})
    with pytest.raises(QueryError, match="since must be a date"):
        bind(query, {"since": "yesterday"})


def test_a_query_must_say_what_it_answers_and_declare_what_it_uses() -> None:
    with pytest.raises(QueryError, match="must start with a comment"):
        parse_query("t__t", "select 1\n")
    with pytest.raises(QueryError, match="uses league without declaring it"):
        parse_query("t__t", "-- Q?\nselect * from t where league = :league\n")
    with pytest.raises(QueryError, match="not one of text, integer"):
        parse_query("t__t", "-- Q?\n--   :n float = 1  n\nselect :n\n")


def test_assignments_from_the_command_line() -> None:
    assert parse_assignments(["league=E1", " limit = 5 ", "note=a=b"]) == {
        "league": "E1",
        "limit": "5",
        "note": "a=b",
    }
    with pytest.raises(QueryError, match="name=value"):
        parse_assignments(["league"])


def test_an_unknown_name_suggests_the_closest_queries(tmp_path: Path) -> None:
    (tmp_path / "league__table_latest.sql").write_text("-- The table.\nselect 1\n")
    assert load_query("league__table_latest.sql", tmp_path).name == "league__table_latest"
    with pytest.raises(QueryError, match="did you mean league__table_latest"):
        load_query("league__table", tmp_path)
    with pytest.raises(QueryError, match="no query '../etc'"):
        load_query("../etc", tmp_path)


def test_values_print_as_a_person_reads_them() -> None:
    assert format_value(None) == ""
    assert format_value(float("nan")) == ""
    assert format_value(0.123456) == "0.1235"
    assert format_value(-1234.5) == "-1,234.50"
    assert format_value(Decimal("1000.5")) == "1,000.50"
    assert format_value(True) == "yes"
    assert format_value(pd.Timestamp("2026-03-03 19:30")) == "2026-03-03 19:30"
    assert format_value(dt.datetime(2026, 3, 3)) == "2026-03-03"
    assert format_value(dt.date(2026, 3, 3)) == "2026-03-03"
    assert format_value(pd.NaT) == ""
    assert format_value(7) == "7"


def test_tables_print_whole_and_csv_keeps_full_precision() -> None:
    frame = pd.DataFrame(
        {"team": ["Brighton & Hove Albion", "Arsenal"], "model_expected_points": [1.0 / 3, None]}
    )
    out = Console(file=io.StringIO(), width=40)
    print_frame(frame, out, title="teams")
    text = out.file.getvalue()
    assert "Brighton & Hove Albion" in text and "model_expected_points" in text
    assert "0.3333" in text and "2 rows" in text
    assert frame_csv(frame).splitlines() == [
        "team,model_expected_points",
        "Brighton & Hove Albion,0.3333333333333333",
        "Arsenal,",
    ]
    empty = Console(file=io.StringIO())
    print_frame(frame.iloc[0:0], empty, title="teams")
    assert empty.file.getvalue().strip() == "teams: no rows"


# --- the library itself ----------------------------------------------------------------------

QUERY_FILES = sorted(QUERIES_DIR.glob("*.sql"))
# Dialect traps (see /work/shared/STACK-NOTES.md): DuckDB accepts these, Postgres does not, or
# the two disagree on what they mean.
NOT_PORTABLE = {
    r"\bqualify\b": "QUALIFY is DuckDB only",
    r"\bgroup\s+by\s+all\b": "GROUP BY ALL is DuckDB only",
    r"\btry_cast\b": "try_cast is DuckDB only",
    r"::": "write cast(x as type)",
    r"\bstrptime\b|\bto_date\b": "date parsing differs: parse in the marts",
    r"\bsum\(\s*(is_|not\s)": "sum(bool) is DuckDB only: sum(case when ... then 1 else 0 end)",
    r"\bifnull\b|\biif\b": "use coalesce / case",
    r"\busing\s*\(": "join ... on, explicitly",
}
KEYWORDS = r"\b(SELECT|FROM|WHERE|JOIN|GROUP BY|ORDER BY|WITH|CASE|WHEN|THEN|ELSE|END|AS|AND|OR)\b"


def test_the_library_has_the_queries_users_asked_for() -> None:
    names = {path.stem for path in QUERY_FILES}
    assert {
        "predictions__upcoming_with_market_and_edge",
        "evaluation__model_against_market_by_season",
        "betting__strategy_bets_with_running_bankroll",
        "evaluation__teams_the_model_misjudges_most",
        "models__champion_history",
        "betting__books",
    } <= names
    assert len(list_queries()) == len(QUERY_FILES)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_each_query_is_named_documented_lower_case_and_portable(path: Path) -> None:
    assert re.fullmatch(r"[a-z]+__[a-z0-9_]+", path.stem), "name it <topic>__<question>.sql"
    query = load_query(path.stem)
    assert query.question.endswith((".", "?"))
    assert any(line.startswith("For:") for line in query.header), "say for whom"
    assert any(line.startswith("Parameters:") for line in query.header) or not query.parameters
    body = strip_comments(path.read_text())
    without_strings = re.sub(r"'(?:[^']|'')*'", "''", body)
    assert not re.search(KEYWORDS, without_strings), "lower-case SQL"
    for pattern, why in NOT_PORTABLE.items():
        assert not re.search(pattern, without_strings, re.IGNORECASE), why
    sql, params = bind(query)  # every default converts to its declared type
    assert sql.count("?") == len(params) == len(placeholders(query.sql))


def test_plpred_sql_list_needs_no_warehouse() -> None:
    from ml.orchestration.cli import app

    result = CliRunner().invoke(app, ["sql", "--list"])
    assert result.exit_code == 0, result.output
    assert "predictions__upcoming_with_market_and_edge" in result.output
    assert "league=E0" in result.output
    assert "betting__books" in result.output
    assert f"book={LATEST_BACKTEST}" in result.output  # the shortcut is discoverable
    unknown = CliRunner().invoke(app, ["sql", "predictions__upcoming"])
    assert unknown.exit_code == 1
    # The console wraps at the terminal's width (80 columns under pytest-xdist).
    assert "did you mean predictions__upcoming_with_market_and_edge" in " ".join(
        unknown.output.split()
    )


def test_the_catalogue_shows_the_book_shortcut_beside_the_queries_that_take_a_book() -> None:
    out = Console(file=io.StringIO(), width=240)
    print_catalogue(list_queries(), out)
    text = out.file.getvalue()
    assert "book=live (or latest-backtest)" in text
    shortcut = next(line for line in text.splitlines() if line.startswith("Shortcut"))
    assert "book=latest-backtest" in shortcut
    assert "betting__strategy_bets_with_running_bankroll" in shortcut
    assert "betting__books" in " ".join(text.split())  # where to see what it resolves to
    assert set(SHORTCUTS) == {"book"}


def test_values_without_a_shortcut_pass_through_without_a_warehouse() -> None:
    """Only book=latest-backtest needs the warehouse; everything else is left as given (the
    settings are never used, so None stands in for them)."""
    bets = load_query("betting__strategy_bets_with_running_bankroll")
    values = {"strategy": "kelly", "book": "bt-0123456789abcdef"}
    assert resolve_shortcuts(None, bets, values) == (values, [])  # type: ignore[arg-type]
    assert resolve_shortcuts(None, bets, {}) == ({}, [])  # type: ignore[arg-type]
    table = load_query("league__table_latest")  # no book parameter: the value means nothing
    assert resolve_shortcuts(None, table, {"league": LATEST_BACKTEST})[1] == []  # type: ignore[arg-type]
    books = load_query("betting__books")
    assert [p.name for p in books.parameters] == ["league", "strategy"]
