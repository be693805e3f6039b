"""``dbt.log``, written by plpred at the level it keeps (``PLPRED_DBT_LOG_LEVEL``).

dbt's own file logger formats every event into a line, debug ones included (each SQL
statement, connection, cache action: about 24 events per node against 2 at ``info``), scrubs
the secrets out of it by scanning the environment, and only then lets Python's logging drop
the lines below its level: about a tenth of a build's time at ``info`` (docs/performance.md).
So below ``debug`` plpred switches dbt's file logger off (``--log-level-file none``) and takes
the events through ``dbtRunner``'s callbacks, writing those at the level or above in dbt's own
line format (``HH:MM:SS.ffffff [info ] [Thread-1  ]: message``), secrets scrubbed the same way,
to the same rotating file. At ``debug`` dbt writes the file itself, as it always did.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

# dbt's event levels in order; its "test" level is below debug.
_RANK = {"test": 5, "debug": 10, "info": 20, "warn": 30, "error": 40}
# dbt's file log: 10 MB (DBT_LOG_FILE_MAX_BYTES) and five backups.
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
_SEPARATOR = 30 * "="


def writes_itself(level: str) -> bool:
    """Whether plpred writes dbt.log at this level (below debug), rather than dbt (debug) or
    nobody (none)."""
    return level not in ("debug", "none")


class EventLog:
    """A ``dbtRunner`` callback writing the events at ``level`` or above to ``path``, for one
    invocation: :meth:`close` lets the file go, as dbt does after each of its own."""

    def __init__(self, path: Path, level: str) -> None:
        if not writes_itself(level):
            raise ValueError(f"at {level!r} dbt.log is dbt's own to write (or nobody's)")
        self.threshold = _RANK[level]
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf8", delay=True
        )

    def __call__(self, msg) -> None:
        info = msg.info
        if _RANK.get(info.level, _RANK["debug"]) < self.threshold:
            return
        self.handler.handle(logging.makeLogRecord({"msg": line(info), "levelno": logging.INFO}))

    def close(self) -> None:
        self.handler.close()


def line(info) -> str:
    """One event as dbt's debug-format file logger writes it (the invocation's first event,
    dbt's version, opens with a separator)."""
    from dbt_common.events.format import timestamp_to_datetime_string
    from dbt_common.events.functions import env_scrubber

    stamp = timestamp_to_datetime_string(info.ts)
    head = ""
    if info.name == "MainReportVersion":
        head = f"\n\n{_SEPARATOR} {stamp} | {info.invocation_id} {_SEPARATOR}\n"
    thread = info.thread[:10].ljust(10)
    return f"{head}{stamp} [{info.level:<5}] [{thread}]: {env_scrubber(info.msg)}"
