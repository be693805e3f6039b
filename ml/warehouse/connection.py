"""Connections to the warehouse, for DuckDB (embedded default) and PostgreSQL, in one place.

Python code writes SQL once, with ``?`` placeholders, and runs it on either target
through :class:`Connection`. Tables that Python owns are created by the idempotent
files in ``sql/ddl`` (:func:`apply_ddl`). Bulk loads go through :meth:`Connection.insert_df`
(DuckDB reads the DataFrame directly, Postgres gets a ``COPY``).
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
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
                writer.writerow(["\\N" if is_missing(v) else v for v in row])
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


def is_missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA: a value the warehouse stores as NULL."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return False


def ensure_postgres_database(settings: Settings) -> None:
    """Create the configured Postgres database when it does not exist yet.

    The name is quoted as an identifier (it may hold spaces, quotes or semicolons), and two
    processes creating it at once both succeed: the loser of the race finds it created."""
    import psycopg2
    from psycopg2 import errors, sql

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
            # Concurrent creators fail with duplicate_database, or with a unique violation on
            # pg_database's name index when both passed the check above at the same moment.
            with suppress(errors.DuplicateDatabase, errors.UniqueViolation):
                cur.execute(sql.SQL("create database {}").format(sql.Identifier(pg.dbname)))
    finally:
        admin.close()


_DUCKDB_LOCK_HOLDER = re.compile(
    r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)"
)


def _process_command(pid: int) -> str | None:
    """The command line of a running process (Linux ``/proc``), or None when unknown or gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    command = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    return command if len(command) <= 300 else command[:297] + "..."


def _duckdb_open_error(path: Path, exc: Exception) -> WarehouseError:
    """Say why DuckDB refused to open the file: the process holding its lock, when that is it
    (DuckDB's message names its PID), with what to do; otherwise DuckDB's own words."""
    text = str(exc).strip()
    held = _DUCKDB_LOCK_HOLDER.search(text)
    if held is None:
        return WarehouseError(f"cannot open the DuckDB warehouse {path}: {text}")
    pid = int(held["pid"])
    command = _process_command(pid)
    if pid == os.getpid():
        who = "this very process"
    elif command is None:
        who = f"process {pid} ({held['program']}), which may have exited since"
    else:
        who = f"process {pid}: {command}"
    return WarehouseError(
        f"the DuckDB warehouse {path} is locked by {who}. DuckDB lets one process at a time "
        f"open a warehouse file for writing: wait for that process to finish and run this "
        f"again, or stop it (`kill {pid}`) if it is stuck or forgotten (a Python shell, a "
        "notebook, a DuckDB CLI or a SQL client left open on the file holds the lock as long "
        "as it stays connected)."
    )


# How long a writer waits for another process's lock on the DuckDB file before it gives up:
# readers such as the API (plpred api) hold the file for milliseconds at a time, and a writer
# that failed at once whenever one was reading would make every plpred run a gamble.
DUCKDB_LOCK_WAIT_ENV = "PLPRED_DUCKDB_LOCK_WAIT_SECONDS"
DUCKDB_LOCK_WAIT_SECONDS = 10.0


def writer_waiting_marker(path: Path) -> Path:
    """The file a writing process keeps beside the DuckDB file while it wants or holds the
    write lock (it holds the writer's PID). Readers that keep the file open between requests,
    such as ``plpred api``, close it when they see the marker and answer 503 until it goes."""
    return path.with_name(path.name + ".writer")


@contextmanager
def announce_writer(path: Path) -> Iterator[None]:
    """Keep :func:`writer_waiting_marker` for the duration of the block (best effort)."""
    marker = writer_waiting_marker(path)
    with suppress(OSError):
        marker.write_text(str(os.getpid()))
    try:
        yield
    finally:
        with suppress(OSError):
            if marker.read_text().strip() == str(os.getpid()):
                marker.unlink()


def _open_duckdb_for_writing(duckdb: Any, path: Path) -> Any:
    """``duckdb.connect(path)``, retried while another process holds a conflicting lock (up to
    ``PLPRED_DUCKDB_LOCK_WAIT_SECONDS``, default 10); then the error names the holder."""
    wait = float(os.environ.get(DUCKDB_LOCK_WAIT_ENV) or DUCKDB_LOCK_WAIT_SECONDS)
    deadline = time.monotonic() + wait
    pause = 0.02
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            held = _DUCKDB_LOCK_HOLDER.search(str(exc))
            if held is None or int(held["pid"]) == os.getpid() or time.monotonic() >= deadline:
                raise _duckdb_open_error(path, exc) from exc
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


@contextmanager
def connect(settings: Settings) -> Iterator[Connection]:
    """Open the configured warehouse; Postgres statements outside a transaction autocommit.
    A DuckDB connection (read-write) announces its writer (:func:`announce_writer`) while it
    waits for and holds the file."""
    with ExitStack() as stack:
        if settings.target == "duckdb":
            import duckdb

            path = settings.duckdb_path
            path.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(announce_writer(path))
            conn = Connection(_open_duckdb_for_writing(duckdb, path), "duckdb")
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
    """Apply every ``sql/ddl/NNN_*.sql`` file in order; each is idempotent.

    One query first asks which tables and columns exist: when every statement's table or
    column is already there, nothing runs (the check is made by every step of every run).
    Otherwise the files are applied, each statement whose table or column exists skipped. On
    Postgres they are applied under an advisory lock: ``create schema/table if not exists``
    is not safe against itself (two sessions both see nothing and one fails on a catalogue
    unique index), so two first runs at once take turns instead of colliding."""
    files = [(path, _split_statements(path.read_text())) for path in ddl_files(ddl_dir)]
    existing = _existing_columns(conn)
    if not any(_missing(existing, statements) for _, statements in files):
        return
    with _ddl_lock(conn):
        existing = _existing_columns(conn)
        for _, statements in files:
            missing = _missing(existing, statements)
            if not missing:
                continue
            with conn.transaction():
                for statement in missing:
                    conn.execute(statement)


# The pg_advisory_lock key of apply_ddl (the bytes of "plpddl"); advisory locks are per database.
_DDL_LOCK_KEY = int.from_bytes(b"plpddl", "big")


@contextmanager
def _ddl_lock(conn: Connection) -> Iterator[None]:
    """A session-level advisory lock on Postgres (released even when a statement fails);
    nothing on DuckDB, where the file lock already admits one writer."""
    if conn.target != "postgres":
        yield
        return
    conn.execute("select pg_advisory_lock(?)", [_DDL_LOCK_KEY]).fetchall()
    try:
        yield
    finally:
        with suppress(Exception):  # the session ends with the connection in any case
            conn.execute("select pg_advisory_unlock(?)", [_DDL_LOCK_KEY]).fetchall()


_ADD_COLUMN = re.compile(
    r"^alter\s+table\s+(\w+)\.(\w+)\s+add\s+column\s+if\s+not\s+exists\s+(\w+)\s", re.I
)
_CREATE_TABLE = re.compile(r"^create\s+table\s+if\s+not\s+exists\s+(\w+)\.(\w+)\W", re.I)
_CREATE_SCHEMA = re.compile(r"^create\s+schema\s+if\s+not\s+exists\s+(\w+)\W*$", re.I)


def _existing_columns(conn: Connection) -> set[tuple[str, ...]]:
    """(schema,), (schema, table) and (schema, table, column) of what exists, lower case."""
    found: set[tuple[str, ...]] = set()
    for row in conn.fetchall(read_sql("ops/select_warehouse_columns.sql")):
        schema, table, column = (str(part).lower() for part in row)
        found |= {(schema,), (schema, table), (schema, table, column)}
    return found


def _missing(existing: set[tuple[str, ...]], statements: Sequence[str]) -> list[str]:
    """The statements with something left to do. An ``alter table ... add column if not
    exists`` whose column exists is left out too: a no-op that Postgres would still run under
    an exclusive lock on the table. A statement of another kind always has something to do."""
    missing = []
    for statement in statements:
        for pattern in (_ADD_COLUMN, _CREATE_TABLE, _CREATE_SCHEMA):
            match = pattern.match(statement)
            if match:
                if tuple(part.lower() for part in match.groups()) not in existing:
                    missing.append(statement)
                break
        else:
            missing.append(statement)
    return missing


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
