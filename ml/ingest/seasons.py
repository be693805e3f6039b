"""Season codes, labels and date windows: the one place that knows how football-data names seasons.

football-data.co.uk names a season by a four-digit code made of two two-digit years (``0405`` is
2004-05, ``9900`` is 1999-2000); the raw tables store the readable, sortable label (``2004-05``).
Seasons normally run August to May, but 2019-20 ended on 26 July 2020 and 2020-21 began on
12 September 2020, so the window a file's dates must fall in is 1 July of the start year to
31 July of the end year, and a date is assigned to a season by the August-to-July rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ml.clock import now, uk_local

FIRST_START_YEAR = 1993  # football-data's Premier League history starts in 1993-94

_CODE = re.compile(r"^(\d{2})(\d{2})$")
_LABEL = re.compile(r"^(\d{4})[-/](\d{2}|\d{4})$")
_LABEL_IN_TEXT = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?!\d)")


class SeasonError(ValueError):
    """A season code, label or range cannot be understood; the message shows what was given."""


@dataclass(frozen=True, order=True)
class Season:
    """A football season, identified by the calendar year it starts in."""

    start_year: int

    @property
    def end_year(self) -> int:
        return self.start_year + 1

    @property
    def code(self) -> str:
        """football-data's code, as in ``mmz4281/2526/E0.csv``."""
        return f"{self.start_year % 100:02d}{self.end_year % 100:02d}"

    @property
    def label(self) -> str:
        """The label stored in the raw tables: ``2025-26`` (sorts in time order, unlike codes)."""
        return f"{self.start_year}-{self.end_year % 100:02d}"

    @property
    def window(self) -> tuple[date, date]:
        """First and last date a match of this season may have (generous for Covid's 2019-20)."""
        return date(self.start_year, 7, 1), date(self.end_year, 7, 31)

    def contains(self, day: date) -> bool:
        first, last = self.window
        return first <= day <= last

    def __str__(self) -> str:
        return self.label

    @classmethod
    def from_code(cls, code: str) -> Season:
        """``0405`` -> 2004-05; ``9900`` -> 1999-2000. The two years must follow each other."""
        match = _CODE.match(code.strip())
        if not match:
            raise SeasonError(f"not a season code: {code!r} (expected four digits like 2526)")
        first, second = int(match.group(1)), int(match.group(2))
        if (first + 1) % 100 != second:
            raise SeasonError(
                f"not a season code: {code!r} (the two years must follow each other, like 2526)"
            )
        start = 1900 + first if first >= 90 else 2000 + first
        return cls(start)

    @classmethod
    def parse(cls, text: str) -> Season:
        """A code (``2526``) or a label (``2025-26``, ``2025/26``, ``2025-2026``)."""
        text = text.strip()
        if _CODE.match(text):
            return cls.from_code(text)
        match = _LABEL.match(text)
        if match:
            start, end = int(match.group(1)), match.group(2)
            end_year = int(end) if len(end) == 4 else (start + 1) // 100 * 100 + int(end)
            if end_year == start + 1:
                return cls(start)
        raise SeasonError(
            f"not a season: {text!r} (expected a code like 2526 or a label like 2025-26)"
        )


def season_of_date(day: date) -> Season:
    """The season a match on ``day`` belongs to: August to July."""
    return Season(day.year if day.month >= 8 else day.year - 1)


def current_season(today: date | None = None) -> Season:
    """The season in progress (or the one just finished, in June and July)."""
    return season_of_date(today or uk_local(now()).date())


def parse_seasons(spec: str, *, today: date | None = None) -> list[Season]:
    """Seasons named by a CLI spec: ``2526``, ``0001-2526``, ``1920,2021``, ``2025-26``.

    Ranges are inclusive and given as two codes; a single ``YYYY-YY`` is a label, not a range.
    Returns the distinct seasons in time order. Seasons that have not started yet are an error,
    so a typo does not turn into a run of failed downloads.
    """
    latest = current_season(today)
    seasons: set[Season] = set()
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        first, sep, last = part.partition("-")
        if sep and _CODE.match(first.strip()) and _CODE.match(last.strip()):
            start, end = Season.from_code(first), Season.from_code(last)
            if end < start:
                raise SeasonError(f"season range {part!r} runs backwards")
            seasons.update(Season(y) for y in range(start.start_year, end.start_year + 1))
        else:
            seasons.add(Season.parse(part))
    if not seasons:
        raise SeasonError(f"no season in {spec!r}")
    for season in seasons:
        if season > latest:
            raise SeasonError(
                f"season {season.label} ({season.code}) has not started; the current season is "
                f"{latest.label} ({latest.code})"
            )
        if season.start_year < FIRST_START_YEAR:
            raise SeasonError(f"season {season.label} is before football-data's first season")
    return sorted(seasons)


def all_seasons(first: Season, *, today: date | None = None) -> list[Season]:
    """Every season from ``first`` to the current one."""
    latest = current_season(today)
    return [Season(y) for y in range(first.start_year, latest.start_year + 1)]


def season_from_path(path: Path) -> Season | None:
    """The season a file's name or folder claims, or None.

    Looks at the name first (``E0/0405.csv``, ``E0_0405_mangled.csv``, ``E0_2025-26.csv``), then
    at the two folders above it (``snapshots/2025-26/E0_2026-01-29T0907.csv``), not further up,
    where a folder's name says nothing about the file. Name parts are split on
    ``_`` and ``.`` only, so the date in ``E0_2026-01-29T0907`` is never mistaken for a season.
    """
    for part in (path.name, path.parent.name, path.parent.parent.name):
        found = _season_in_name(part)
        if found is not None:
            return found
    return None


def _season_in_name(name: str) -> Season | None:
    stem = name[:-4] if name.lower().endswith(".csv") else name
    for token in re.split(r"[_.\s]+", stem):
        if _CODE.match(token):
            try:
                return Season.from_code(token)
            except SeasonError:
                continue
        for match in _LABEL_IN_TEXT.finditer(token):
            try:
                return Season.parse(match.group(0))
            except SeasonError:
                continue
    return None
