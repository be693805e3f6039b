"""Connections to the warehouse, for DuckDB (embedded default) and PostgreSQL, in one place.

Python code writes SQL once, with ``?`` placeholders, and runs it on either target
through :class:`Connection`. Tables that Python owns are created by the idempotent
files in ``sql/ddl`` (:func:`apply_ddl`). Bulk loads go through :meth:`Connection.insert_df`
(DuckDB reads the DataFrame directly, Postgres gets a ``COPY``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd

from ml.config import DDL_DIR, Settings

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or refused a statement; the message says which."""


def _check_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise WarehouseError(f"not a plain table or column name: {name!r}")
    return name


class Connection:
    """A DB-API connection with the few operations the project needs, the same on both targets."""

    def __init__(self, raw: Any, target: str) -> None:
        self.raw = raw
        self.target = target
        self._in_transaction = False

    # --- statements ----------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        if self.target == "postgres":
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """Run one statement (or a script without parameters); returns a cursor."""
        if self.target == "duckdb":
            return self.raw.execute(sql, params) if params is not None else self.raw.execute(sql)
        cur = self.raw.cursor()
        if params is None:
            cur.execute(sql)
        else:
            cur.execute(self._sql(sql), tuple(params))
        return cur

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.target == "duckdb":
            self.raw.executemany(sql, [list(r) for r in rows])
        else:
            self.raw.cursor().executemany(self._sql(sql), [tuple(r) for r in rows])

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return [tuple(r) for r in self.execute(sql, params).fetchall()]

    def fetchone(self, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
        cursor = self.execute(sql, params)
        row = cursor.fetchone()
        # Drain the rest: DuckDB keeps an unfinished result open and then refuses the next
        # statement that registers a DataFrame (ResourceInUseException).
        cursor.fetchall()
        return tuple(row) if row is not None else None

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.fetchone(sql, params)
        return None if row is None else row[0]

    def query_df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        cur = self.execute(sql, params)
        columns = [d[0] for d in cur.description]
        return pd.DataFrame([tuple(r) for r in cur.fetchall()], columns=columns)

    def table_exists(self, qualified_name: str) -> bool:
        schema, _, table = _check_identifier(qualified_name).rpartition(".")
        sql = (
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?"
        )
        return bool(self.scalar(sql, [schema or "main", table]))

    def insert_df(self, table: str, df: pd.DataFrame) -> int:
        """Append the rows of ``df`` to ``table``, matching columns by name."""
        _check_identifier(table)
        if df.empty:
            return 0
        columns = [_check_identifier(c) for c in df.columns]
        column_list = ", ".join(columns)
        if self.target == "duckdb":
            self.raw.register("_plpred_insert_df", df)
            try:
                self.raw.execute(
                    f"insert into {table} ({column_list}) select {column_list} from _plpred_insert_df"
                )
            finally:
                with suppress(Exception):  # an aborted transaction refuses even this
                    self.raw.unregister("_plpred_insert_df")
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for row in df.itertuples(index=False, name=None):
                writer.writerow(["\\N" if _is_missing(v) else v for v in row])
            buffer.seek(0)
            self.raw.cursor().copy_expert(
                f"copy {table} ({column_list}) from stdin with (format csv, null '\\N')", buffer
            )
        return len(df)

    # --- transactions ----------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All or nothing: commit when the block ends, roll back when it raises.

        Nested blocks join the outer transaction."""
        if self._in_transaction:
            yield self
            return
        self._begin()
        self._in_transaction = True
        try:
            yield self
        except BaseException:
            self.raw.rollback()
            raise
        else:
            self.raw.commit()
        finally:
            self._in_transaction = False
            self._end()

    def _begin(self) -> None:
        if self.target == "duckdb":
            self.raw.execute("begin transaction")
        else:  # Postgres connections run in autocommit outside transaction blocks
            self.raw.autocommit = False

    def _end(self) -> None:
        if self.target == "postgres":
            self.raw.autocommit = True

    def close(self) -> None:
        self.raw.close()


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def ensure_postgres_database(settings: Settings) -> None:
    """Create the configured Postgres database when it does not exist yet."""
    import psycopg2

    pg = settings.postgres
    try:
        admin = psycopg2.connect(pg.dsn("postgres"), connect_timeout=5)
    except psycopg2.OperationalError as exc:
        raise WarehouseError(
            f"cannot connect to PostgreSQL at {pg.host}:{pg.port} as {pg.user} "
            f"(PGHOST/PGPORT/PGUSER/PGPASSWORD): {str(exc).strip()}"
        ) from exc
    try:
        admin.autocommit = True
        cur = admin.cursor()
        cur.execute("select 1 from pg_database where datname = %s", (pg.dbname,))
        if cur.fetchone() is None:
            cur.execute(f'create database "{pg.dbname}"')
    finally:
        admin.close()


@contextmanager
def connect(settings: Settings) -> Iterator[Connection]:
    """Open the configured warehouse; Postgres statements outside a transaction autocommit."""
    if settings.target == "duckdb":
        import duckdb

        path = settings.duckdb_path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            raw = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise WarehouseError(
                f"cannot open the DuckDB warehouse {path}: {exc}. DuckDB allows one writer "
                "at a time; is another plpred, dbt or Airflow task using it?"
            ) from exc
        conn = Connection(raw, "duckdb")
    else:
        import psycopg2

        ensure_postgres_database(settings)
        try:
            raw = psycopg2.connect(settings.postgres.dsn(), connect_timeout=5)
        except psycopg2.OperationalError as exc:
            raise WarehouseError(
                f"cannot connect to PostgreSQL database {settings.postgres.dbname!r}: {exc}"
            ) from exc
        raw.autocommit = True
        conn = Connection(raw, "postgres")
    try:
        yield conn
    finally:
        conn.close()


def ddl_files(ddl_dir: Path = DDL_DIR) -> list[Path]:
    return sorted(ddl_dir.glob("*.sql"))


def apply_ddl(conn: Connection, ddl_dir: Path = DDL_DIR) -> None:
    """Apply every ``sql/ddl/NNN_*.sql`` file in order; each is idempotent."""
    for path in ddl_files(ddl_dir):
        sql = path.read_text()
        with conn.transaction():
            for statement in _split_statements(sql):
                conn.execute(statement)


def _split_statements(sql: str) -> list[str]:
    """Split a DDL file on semicolons at line ends (DDL files keep one statement per block)."""
    without_comments = "\n".join(
        line for line in sql.splitlines() if not line.lstrip().startswith("--")
    )
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", without_comments) if s.strip()]


def read_sql(relative_path: str) -> str:
    """The text of a query kept in ``sql/`` (SQL lives in files, not in Python strings)."""
    from ml.config import SQL_DIR

    return (SQL_DIR / relative_path).read_text()
