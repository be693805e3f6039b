"""The API's SQL: the named queries of ``sql/api/``, loaded and bound by :mod:`ml.warehouse.queries` (the
loader of ``plpred sql``), so that every question the API asks is a plain SQL file with a
header saying what it answers, and runs the same on DuckDB and Postgres."""

from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ml.config import SQL_DIR
from ml.warehouse.connection import Connection
from ml.warehouse.queries import NamedQuery, bind, load_query

API_QUERIES_DIR = SQL_DIR / "api"


@functools.cache
def named(name: str) -> NamedQuery:
    return load_query(name, API_QUERIES_DIR)


def _text(value: Any) -> str:
    """A parameter value as the loader takes it (text, converted to the declared type)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def frame(conn: Connection, name: str, **values: Any) -> pd.DataFrame:
    """The rows of ``sql/api/<name>.sql`` with ``values`` bound (None: the default)."""
    sql, params = bind(named(name), {key: _text(v) for key, v in values.items() if v is not None})
    return conn.query_df(sql, params)


def plain(value: Any) -> Any:
    """One cell as JSON can carry it: None for missing, floats for Decimals and numpy numbers,
    datetimes for pandas timestamps."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value


def _cell(key: str, value: Any) -> Any:
    value = plain(value)
    # Stored times are UTC without a zone; the API says so (``kickoff_at_uk`` stays UK time).
    if (
        (key.endswith("_at") or key == "as_of")
        and isinstance(value, dt.datetime)
        and value.tzinfo is None
    ):
        return value.replace(tzinfo=dt.UTC)
    return value


def records(rows: pd.DataFrame, drop: tuple[str, ...] = ("total_rows",)) -> list[dict[str, Any]]:
    """The rows as dicts of JSON-ready values (stored UTC times made aware)."""
    return [
        {key: _cell(key, value) for key, value in row.items() if key not in drop}
        for row in rows.to_dict("records")
    ]


def total(rows: pd.DataFrame) -> int:
    """The ``count(*) over ()`` of a paginated query (0 when the page is empty)."""
    return 0 if rows.empty else int(rows["total_rows"].iloc[0])
