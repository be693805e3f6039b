"""Snapshot archives: football-data files as they stood at known moments, for loads at a clock.

A season's archive is a folder such as ``snapshots/2025-26/`` holding ``<LEAGUE>_<taken-at>.csv``
(the league's season file as it stood then) and ``fixtures_<taken-at>.csv`` (``fixtures.csv``,
every league), where ``<taken-at>`` is ``YYYY-MM-DDTHHMM``, the capture time in UTC
(:func:`ml.clock.snapshot_time`). A load at ``as_of`` takes the latest snapshot taken at or
before ``as_of``: what football-data showed then, never a later file.

A snapshot is handed to the loader as a :class:`~ml.ingest.sources.SourceFile` named as the
plain file is (``E0/2526.csv``, ``fixtures.csv``), so the raw tables cannot tell a replay from a
daily load; ``raw.load_log.source_uri`` keeps the snapshot's own path.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ml.clock import as_utc, snapshot_time
from ml.ingest.parse import FIXTURES, MATCHES
from ml.ingest.seasons import Season, SeasonError
from ml.ingest.sources import FetchError, SourceFile, season_file_name

FIXTURES_NAME = "fixtures"
_NAME = re.compile(r"^(?P<name>[A-Za-z0-9]+)_(?P<stamp>\d{4}-\d{2}-\d{2}T\d{4})\.csv$", re.I)


class SnapshotError(FetchError):
    """A snapshot folder that cannot be read: missing, empty, or a file named unlike a snapshot.
    The message names the folder or file."""


@dataclass(frozen=True)
class Snapshot:
    """One file of an archive: whose (a league code or ``fixtures``), when, where."""

    name: str
    taken_at: datetime  # aware, UTC
    path: Path


@dataclass(frozen=True)
class SnapshotArchive:
    """The snapshots of one season, by league (``E0``) and of ``fixtures``, in time order."""

    folder: Path
    season: Season
    snapshots: Mapping[str, tuple[Snapshot, ...]] = field(default_factory=dict)

    @classmethod
    def open(cls, folder: Path | str, season: Season | str | None = None) -> SnapshotArchive:
        """Read ``folder``'s file names. The season is ``season`` when given, else the folder's
        name (``2025-26`` or ``2526``). Raises :class:`SnapshotError`."""
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise SnapshotError(f"snapshot folder not found: {folder}")
        if season is None:
            try:
                season = Season.parse(folder.name)
            except SeasonError as exc:
                raise SnapshotError(
                    f"cannot tell the season of snapshot folder {folder}: name it after its "
                    "season (e.g. 2025-26) or give the season"
                ) from exc
        elif isinstance(season, str):
            season = Season.parse(season)
        found: dict[str, list[Snapshot]] = {}
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.startswith(".") or path.suffix.lower() != ".csv":
                continue  # notes, READMEs, hidden files
            snapshot = _snapshot(path)
            found.setdefault(snapshot.name, []).append(snapshot)
        if not found:
            raise SnapshotError(
                f"no snapshots in {folder} (expected files such as E0_2026-02-27T1856.csv "
                "and fixtures_2026-02-27T1856.csv)"
            )
        by_name = {
            name: tuple(sorted(items, key=lambda s: s.taken_at)) for name, items in found.items()
        }
        for name, items in by_name.items():
            for before, after in zip(items, items[1:], strict=False):
                if before.taken_at == after.taken_at:
                    raise SnapshotError(
                        f"{folder}: {before.path.name} and {after.path.name} are both "
                        f"{name} snapshots taken at {after.taken_at:%Y-%m-%d %H:%M} UTC"
                    )
        return cls(folder=folder, season=season, snapshots=by_name)

    # --- what is there -------------------------------------------------------------------------
    @property
    def leagues(self) -> list[str]:
        """League codes with season-file snapshots, sorted."""
        return sorted(name for name in self.snapshots if name != FIXTURES_NAME)

    def times(self, league: str) -> list[datetime]:
        """Capture times (aware UTC) of ``league``'s season file; empty when it has none."""
        return [s.taken_at for s in self.snapshots.get(league, ())]

    def fixtures_times(self) -> list[datetime]:
        """Capture times (aware UTC) of ``fixtures.csv``."""
        return self.times(FIXTURES_NAME)

    def all_times(self) -> list[datetime]:
        """Every capture time in the archive, leagues and fixtures, sorted and distinct."""
        return sorted({s.taken_at for items in self.snapshots.values() for s in items})

    @property
    def first_time(self) -> datetime:
        return self.all_times()[0]

    @property
    def last_time(self) -> datetime:
        """The archive's last capture: up to this moment it, not the plain files, says what
        was known."""
        return self.all_times()[-1]

    def covers(self, as_of: datetime) -> bool:
        """True when ``as_of`` is at or before the archive's last capture."""
        return as_utc(as_of) <= self.last_time

    # --- what was known at a moment ------------------------------------------------------------
    def latest(self, name: str, as_of: datetime) -> Snapshot | None:
        """``name``'s (a league or ``fixtures``) latest snapshot taken at or before ``as_of``."""
        items = self.snapshots.get(name, ())
        index = bisect_right([s.taken_at for s in items], as_utc(as_of))
        return items[index - 1] if index else None

    def season_file(self, league: str, as_of: datetime) -> SourceFile | None:
        """``league``'s season file as it stood at ``as_of``, named ``E0/2526.csv``; None when
        no snapshot of it was taken by then."""
        snapshot = self.latest(league, as_of)
        if snapshot is None:
            return None
        return SourceFile(
            location=str(snapshot.path),
            source_file=season_file_name(league, self.season),
            kind=MATCHES,
            league=league,
            season=self.season,
            taken_at=snapshot.taken_at,
        )

    def fixtures_file(self, as_of: datetime) -> SourceFile | None:
        """``fixtures.csv`` as it stood at ``as_of``; None when none was taken by then.

        Like a plain ``fixtures.csv`` it claims no league and no season: it lists every
        league's upcoming matches, each row's season told by its date."""
        snapshot = self.latest(FIXTURES_NAME, as_of)
        if snapshot is None:
            return None
        return SourceFile(
            location=str(snapshot.path),
            source_file="fixtures.csv",
            kind=FIXTURES,
            taken_at=snapshot.taken_at,
        )


def find_archives(folder: Path | str) -> dict[Season, SnapshotArchive]:
    """The archives in ``folder``: the folder itself when it holds snapshot files (its season
    from its name), else each subfolder named after a season (``snapshots/2025-26/``); other
    subfolders are ignored. Raises :class:`SnapshotError` when there is none."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise SnapshotError(f"snapshot folder not found: {folder}")
    if any(p.is_file() and p.suffix.lower() == ".csv" for p in folder.iterdir()):
        archive = SnapshotArchive.open(folder)
        return {archive.season: archive}
    archives = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        try:
            season = Season.parse(sub.name)
        except SeasonError:
            continue
        archives[season] = SnapshotArchive.open(sub, season)
    if not archives:
        raise SnapshotError(
            f"no snapshots in {folder}: expected season folders such as {folder / '2025-26'} "
            "holding files such as E0_2026-02-27T1856.csv"
        )
    return archives


def _snapshot(path: Path) -> Snapshot:
    match = _NAME.match(path.name)
    if not match:
        raise SnapshotError(
            f"{path}: not a snapshot name; expected <LEAGUE>_<YYYY-MM-DDTHHMM>.csv "
            "(e.g. E0_2026-02-27T1856.csv) or fixtures_<YYYY-MM-DDTHHMM>.csv"
        )
    name = match.group("name")
    if name.lower() == FIXTURES_NAME:
        name = FIXTURES_NAME
    try:
        taken_at = snapshot_time(path.name)
    except ValueError as exc:
        raise SnapshotError(
            f"{path}: its capture time is not a real date and time ({exc})"
        ) from exc
    if taken_at is None:  # pragma: no cover - the name matched the stamp already
        raise SnapshotError(f"{path}: no capture time in its name")
    return Snapshot(name=name, taken_at=taken_at, path=path)
