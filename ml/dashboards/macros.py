"""Grafana's PostgreSQL macros and template variables, expanded as Grafana expands them, so
that the dashboards' and alert rules' SQL can be run outside Grafana (the tests run every
panel's query this way as the read-only role).

Only what the dashboards use: ``$__timeFilter(col)``, ``$__timeFrom()``, ``$__timeTo()``,
``$__timeGroupAlias(col, interval)``, ``$__interval``, and variables as ``$name``,
``${name}`` or ``[[name]]``. A single value is substituted as is (the SQL quotes it: ``'$league'``);
a list (a multi-value or "All" variable) becomes quoted, comma-separated literals, as Grafana
formats multi-value variables for SQL (``strategy in ($strategy)``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

_INTERVAL = re.compile(r"^(\d+)(ms|s|m|h|d|w)$")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MACRO = re.compile(r"\$__(timeFilter|timeFrom|timeTo|timeGroupAlias|timeGroup)\(([^)]*)\)")
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")

Value = str | Sequence[str]


class MacroError(ValueError):
    """The SQL uses a macro or variable the expander does not know."""


def interval_seconds(interval: str) -> float:
    """``'5m'`` -> 300; Grafana's interval notation."""
    match = _INTERVAL.match(interval.strip().strip("'\""))
    if not match:
        raise MacroError(f"not a Grafana interval: {interval!r}")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _timestamp(moment: datetime) -> str:
    """Grafana's literal for a time bound: RFC 3339 in UTC (naive means UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return f"'{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def expand(
    sql: str,
    *,
    time_from: datetime,
    time_to: datetime,
    variables: Mapping[str, Value] | None = None,
    interval: str = "1d",
) -> str:
    """The SQL Grafana would send for the given time range and variable values."""
    values: dict[str, Value] = {"__interval": interval, **(variables or {})}

    def variable(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        if name.startswith("__") and name not in values:
            return match.group(0)  # a macro, expanded below
        if name not in values:
            raise MacroError(f"variable ${name} has no value")
        value = values[name]
        if isinstance(value, str):
            return value
        if not value:
            raise MacroError(f"variable ${name} has no values")
        return ",".join(_quote(v) for v in value)

    def macro(match: re.Match[str]) -> str:
        name, args = match.group(1), [a.strip() for a in match.group(2).split(",")]
        if name == "timeFilter":
            return f"{args[0]} BETWEEN {_timestamp(time_from)} AND {_timestamp(time_to)}"
        if name == "timeFrom":
            return _timestamp(time_from)
        if name == "timeTo":
            return _timestamp(time_to)
        if len(args) < 2:
            raise MacroError(f"$__{name} needs a column and an interval: {match.group(0)}")
        seconds = interval_seconds(args[1])
        bucket = f"floor(extract(epoch from {args[0]})/{seconds:g})*{seconds:g}"
        return f'{bucket} AS "time"' if name == "timeGroupAlias" else bucket

    expanded = _MACRO.sub(macro, _VARIABLE.sub(variable, sql))
    leftover = re.search(r"\$__\w+", expanded)
    if leftover:
        raise MacroError(f"unknown macro {leftover.group(0)}")
    return expanded


def variables_used(sql: str) -> set[str]:
    """Names of the template variables the SQL refers to (macros and $__ built-ins excluded)."""
    names = set()
    for match in _VARIABLE.finditer(sql):
        name = match.group(1) or match.group(2) or match.group(3)
        if not name.startswith("__"):
            names.add(name)
    return names
