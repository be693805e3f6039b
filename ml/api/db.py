"""Read connections for the API, and the one rule that keeps it honest about DuckDB's lock.

DuckDB admits one writing process per file, and a process that has the file open read-only
keeps writers out. Opening it costs about 50 ms, so the API keeps one read-only instance open
while requests come (each request takes a cursor of it, 0.3 ms) and lets go of it:

- as soon as a writer announces itself (``ml.warehouse.connection.announce_writer``: every read-write
  ``connect`` and every dbt run does, beside the file): the requests in flight finish, the
  file is closed, and until the writer is done every request answers 503 with
  ``Retry-After`` (:class:`WarehouseBusy`) instead of waiting or crashing;
- after :data:`IDLE_SECONDS` without a request, for writers that do not announce themselves
  (a DuckDB shell, a dbt run of one's own), which wait for the lock (dbt-duckdb retries).

A writer that took the lock unannounced makes the next open fail: 503 too. Inside this
process, DuckDB refuses a read-write connection while a read-only one is open on the same
file, so the rare writes the API makes (``store=true``) take :data:`LOCK` exclusively and
close the instance first; reads share the lock.

Postgres connections come from a small pool, read-only sessions in autocommit.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ml.config import Settings
from ml.warehouse.connection import Connection, WarehouseError, connect, writer_waiting_marker

RETRY_AFTER_SECONDS = 2
# The DuckDB instance is closed after this long without a request (checked every JANITOR_SECONDS).
IDLE_SECONDS = 1.0
JANITOR_SECONDS = 0.25


class WarehouseBusy(RuntimeError):
    """Another process is writing the DuckDB warehouse; try again in a moment."""


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be reached or does not exist yet; the message says which."""


class ReadWriteLock:
    """Many readers or one writer; a waiting writer goes before new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


LOCK = ReadWriteLock()


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


class Warehouse:
    """Read connections to the configured warehouse (a shared read-only instance on DuckDB, a
    pool on Postgres) and, for the write endpoints, a read-write one."""

    def __init__(self, settings: Settings, pool_size: int = 8) -> None:
        self.settings = settings
        self._pool_size = pool_size
        self._pool: Any = None
        self._pool_lock = threading.Lock()
        # DuckDB: the open instance, the requests using it, and whether to close it when the
        # last of them ends (a writer announced itself meanwhile).
        self._instance: Any = None
        self._users = 0
        self._closing = False
        self._last_used = 0.0
        self._state = threading.Lock()
        self._janitor: threading.Thread | None = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        if self.settings.target == "duckdb":
            with LOCK.reading():
                cursor = self._acquire()
                try:
                    yield Connection(cursor, "duckdb")
                finally:
                    cursor.close()
                    self._release()
        else:
            yield from self._read_postgres()

    # --- DuckDB --------------------------------------------------------------------------

    def _writer_waiting(self) -> bool:
        marker = writer_waiting_marker(self.settings.duckdb_path)
        try:
            pid = int(marker.read_text().strip() or 0)
        except (OSError, ValueError):
            return False
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False  # left behind by a writer that died: not a writer
        except PermissionError:
            return True
        return True

    def _close_instance(self) -> None:
        if self._instance is not None:
            self._instance.close()
            self._instance = None
        self._closing = False

    def _acquire(self) -> Any:
        with self._state:
            if self._writer_waiting():
                if self._users == 0:
                    self._close_instance()
                else:
                    self._closing = True
                raise WarehouseBusy(
                    "another process is writing the DuckDB warehouse (DuckDB admits one "
                    "writer at a time); try again in a moment"
                )
            if self._instance is None or self._closing:
                if self._closing:
                    raise WarehouseBusy("the DuckDB warehouse is being handed to a writer")
                self._instance = self._open_duckdb()
                self._start_janitor()
            self._users += 1
            try:
                return self._instance.cursor()
            except Exception:
                self._users -= 1
                raise

    def _release(self) -> None:
        with self._state:
            self._users -= 1
            self._last_used = time.monotonic()
            if self._users == 0 and (self._closing or self._writer_waiting()):
                self._close_instance()

    def _start_janitor(self) -> None:
        if self._janitor is not None and self._janitor.is_alive():
            return
        self._janitor = threading.Thread(target=self._close_when_idle, daemon=True)
        self._janitor.start()

    def _close_when_idle(self) -> None:
        """Close the instance when no request came for IDLE_SECONDS, or when a writer waits
        and nothing uses it; ends with it."""
        while True:
            time.sleep(JANITOR_SECONDS)
            with self._state:
                if self._instance is None:
                    return
                idle = time.monotonic() - self._last_used > IDLE_SECONDS
                if self._users == 0 and (idle or self._writer_waiting()):
                    self._close_instance()
                    return

    def _open_duckdb(self) -> Any:
        import duckdb

        path = self.settings.duckdb_path
        if not path.exists():
            raise WarehouseUnavailable(
                f"there is no DuckDB warehouse at {path} yet: `plpred run` makes it"
            )
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            if _is_lock_conflict(exc):
                raise WarehouseBusy(
                    "another process is writing the DuckDB warehouse (DuckDB admits one "
                    "writer at a time); try again in a moment"
                ) from exc
            raise WarehouseUnavailable(f"cannot open the DuckDB warehouse {path}: {exc}") from exc

    def _read_postgres(self) -> Iterator[Connection]:
        import psycopg2
        from psycopg2 import pool

        with self._pool_lock:
            if self._pool is None:
                try:
                    self._pool = pool.ThreadedConnectionPool(
                        1,
                        self._pool_size,
                        self.settings.postgres.dsn(),
                        connect_timeout=5,
                    )
                except psycopg2.OperationalError as exc:
                    raise WarehouseUnavailable(
                        f"cannot connect to PostgreSQL database "
                        f"{self.settings.postgres.dbname!r}: {str(exc).strip()}"
                    ) from exc
        try:
            raw = self._pool.getconn()
        except (psycopg2.OperationalError, pool.PoolError) as exc:
            raise WarehouseUnavailable(f"no PostgreSQL connection available: {exc}") from exc
        broken = False
        try:
            if raw.closed:
                raise WarehouseUnavailable("the PostgreSQL connection was closed")
            raw.set_session(readonly=True, autocommit=True)
            yield Connection(raw, "postgres")
        except psycopg2.OperationalError as exc:
            broken = True
            raise WarehouseUnavailable(f"PostgreSQL: {str(exc).strip()}") from exc
        finally:
            self._pool.putconn(raw, close=broken or bool(raw.closed))

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write connection (``ml.warehouse.connection.connect``), exclusive inside this process."""
        with LOCK.writing():
            if self.settings.target == "duckdb":
                with self._state:
                    self._close_instance()
            try:
                with connect(self.settings) as conn:
                    yield conn
            except WarehouseError as exc:
                if _is_lock_conflict(exc) or "is locked by" in str(exc):
                    raise WarehouseBusy(
                        "another process is writing the DuckDB warehouse; try again in a moment"
                    ) from exc
                raise

    def close(self) -> None:
        with self._state:
            self._close_instance()
        with self._pool_lock:
            if self._pool is not None:
                self._pool.closeall()
                self._pool = None
