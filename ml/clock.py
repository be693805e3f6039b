"""The clock: the one moment (``as_of``) a step runs at, and the project's one convention for
stored timestamps.

Every step takes ``as_of`` and sees only what was known then; only the entry points (the CLI,
a DAG run's logical date, the replay's snapshot times) decide what it is, through :func:`now`
or :func:`parse_as_of`. Below them nothing reads the wall clock for a decision (a stamp such as
``loaded_at``, which records when the machine did something, is not a decision).

The convention (``docs/architecture.md``): every timestamp the warehouse stores is **UTC,
naive** (``timestamp`` without time zone, on both targets). football-data publishes dates and
times in UK local time (``Europe/London``, GMT in winter, BST in summer); staging converts the
kickoff to UTC once (``kickoff_at``) and keeps the published local date and time beside it for
display. Python turns an aware ``as_of`` into the stored convention with :func:`utc_naive`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")

_SNAPSHOT_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})")


class ClockError(ValueError):
    """An ``as_of`` that cannot be read, or a clock asked to run backwards."""


def now() -> datetime:
    """The wall clock, aware, in UTC: for entry points only (CLI commands, the API)."""
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_naive(moment: datetime) -> datetime:
    """``moment`` in the stored convention: UTC without a time zone."""
    return as_utc(moment).replace(tzinfo=None)


def uk_local(moment: datetime) -> datetime:
    """``moment`` (aware, or naive UTC) as UK wall-clock time, naive: for display."""
    return as_utc(moment).astimezone(UK).replace(tzinfo=None)


def uk_local_to_utc(day: date, clock_time: time | None = None) -> datetime:
    """A UK local date and time as published by football-data, as naive UTC.

    Kickoffs never fall in the skipped or repeated hour of a clock change (01:00-02:00 on a
    Sunday night), where ``fold=0`` picks the first reading.
    """
    local = datetime.combine(day, clock_time or time(0, 0), tzinfo=UK)
    return local.astimezone(UTC).replace(tzinfo=None)


def parse_as_of(text: str, *, default_zone: ZoneInfo = UK) -> datetime:
    """An ``--as-of`` value as an aware UTC datetime.

    Accepts ISO dates and times (``2026-02-27``, ``2026-02-27 10:00``, ``2026-02-27T10:00Z``,
    ``2026-02-27T10:00+01:00``) and snapshot stamps (``2026-02-27T1856``, UTC, as the mirror's
    file names are). Without a zone, the time is UK local time, like the fixtures users read;
    a date alone means its start.
    """
    raw = text.strip()
    stamp = _SNAPSHOT_STAMP.fullmatch(raw)
    if stamp:
        day, hour, minute = stamp.groups()
        return datetime.fromisoformat(f"{day}T{hour}:{minute}").replace(tzinfo=UTC)
    candidate = raw.replace("Z", "+00:00") if raw.endswith("Z") else raw
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError as exc:
        raise ClockError(
            f"--as-of {text!r} is not a date or time; use e.g. '2026-02-27 10:00' (UK time), "
            "'2026-02-27T10:00Z' (UTC) or a snapshot stamp such as 2026-02-27T1856"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_zone)
    return moment.astimezone(UTC)


def snapshot_time(name: str) -> datetime | None:
    """The capture time (aware UTC) in a snapshot file name such as ``E0_2026-02-27T1856.csv``."""
    stamp = _SNAPSHOT_STAMP.search(name)
    if not stamp:
        return None
    day, hour, minute = stamp.groups()
    return datetime.fromisoformat(f"{day}T{hour}:{minute}").replace(tzinfo=UTC)


def describe(moment: datetime) -> str:
    """'2026-03-29 13:00 UTC (14:00 UK)': how commands print the clock."""
    utc = as_utc(moment)
    local = utc.astimezone(UK)
    return f"{utc:%Y-%m-%d %H:%M} UTC ({local:%H:%M} {local.tzname()})"
