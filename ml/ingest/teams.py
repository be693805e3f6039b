"""Team names: every spelling football-data has used, to one canonical team.

The one source of truth is the dbt seed ``dbt_project/seeds/team_aliases.csv`` (``alias,team_name``;
matching is case-insensitive and ignores surrounding blanks, as staging's join does). Ingestion
reads the same file, so the raw natural key (league, season, home team, away team) and staging's
``match_id`` agree on which rows are the same match even when a corrected file spells a club
differently (``Nott'm Forest`` and later ``Nottingham Forest``).

A league is *covered* by the seed when the seed knows at least one of its teams. In a covered
league a name the seed does not know is an error (:class:`UnknownTeams`), because it may be a
new spelling of a known club and would otherwise become a second club with the same matches. A
league the seed knows nothing of (Spain's ``SP1`` today) keeps its names as written, with one
warning line per league and ingest run (not one per row, team or file).
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ml.config import DBT_PROJECT_DIR

ALIASES_SEED = DBT_PROJECT_DIR / "seeds" / "team_aliases.csv"


def alias_key(name: str) -> str:
    """How a name is looked up: trimmed, lower case (``lower(trim(name))`` in staging)."""
    return name.strip().lower()


@dataclass(frozen=True)
class TeamAliases:
    """``alias_key(alias)`` -> canonical team name, read from the seed."""

    names: Mapping[str, str]
    path: Path = ALIASES_SEED

    def canonical(self, name: str) -> str:
        """The canonical team, or the name as written when the seed does not know it."""
        return self.names.get(alias_key(name), name.strip())

    def knows(self, name: str) -> bool:
        return alias_key(name) in self.names

    def hint(self, name: str) -> str:
        """What to do about an unknown name, for error messages."""
        teams = sorted(set(self.names.values()))
        close = difflib.get_close_matches(name, teams, n=1, cutoff=0.5)
        example = close[0] if close else "<canonical team name>"
        return (
            f'if {name!r} is a new spelling of a known club, add the line "{name},{example}" '
            f'(alias,team_name) to {self.path}; if it is a new club, add "{name},{name}"; then '
            "load the file again (plpred transform reloads the seed)"
        )


def load_aliases(path: Path | None = None) -> TeamAliases:
    """The seed as a lookup; re-read when the file changes."""
    path = Path(path or ALIASES_SEED)
    stat = path.stat()
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read(path: str, _mtime_ns: int, _size: int) -> TeamAliases:
    names: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            alias, team = (row.get("alias") or "").strip(), (row.get("team_name") or "").strip()
            if alias and team:
                names[alias_key(alias)] = team
    return TeamAliases(names, Path(path))
