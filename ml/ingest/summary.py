"""The outcome of an ingest run and its one summary table, for the CLI, the DAGs and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich import box
from rich.console import Console
from rich.table import Table

from ml.ingest.load import FAILED, LOADED, REFUSED, UNCHANGED, FileOutcome
from ml.ingest.parse import uncovered_league_warning
from ml.ingest.teams import ALIASES_SEED

_STATUS_STYLE = {LOADED: "green", UNCHANGED: "dim", REFUSED: "red", FAILED: "red"}


@dataclass
class IngestSummary:
    """Every file's outcome plus run-level errors (bad ``--seasons``, unreachable warehouse).

    ``ok`` is False when any file was refused or could not be fetched, or the run could not start:
    a scheduler must see a partial load as a failure even though the good files were kept.
    """

    files: list[FileOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and all(f.ok for f in self.files)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_inserted for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def odds_loaded(self) -> int:
        return sum(f.odds_inserted for f in self.files)

    def headline(self) -> str:
        return (
            f"{self.count(LOADED)} loaded, {self.count(UNCHANGED)} unchanged, "
            f"{self.count(REFUSED)} refused, {self.count(FAILED)} failed; "
            f"{self.rows_loaded:,} rows loaded ({self.odds_loaded:,} prices), "
            f"{self.rows_rejected:,} rows rejected"
        )


def uncovered_leagues(files: list[FileOutcome]) -> dict[str, list[str]]:
    """League -> the files (in load order) that gave it team names the seed knows none of: each
    such league gets one warning line per run, however many rows, teams and files it has."""
    leagues: dict[str, list[str]] = {}
    for f in files:
        for league in f.uncovered_leagues:
            leagues.setdefault(league, []).append(f.source_file)
    return leagues


def render_summary(summary: IngestSummary, console: Console) -> None:
    """One table, a file per line, then the reason of every refusal, failure and rejected row
    set on a line of its own (reasons are long; a table column would fold them unreadably)."""
    if summary.files:
        table = Table(title="plpred ingest", title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("file", overflow="fold", min_width=12)
        table.add_column("season", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for heading in ("rows", "inserted", "unchanged", "rejected"):
            table.add_column(heading, justify="right", no_wrap=True)
        for f in summary.files:
            style = _STATUS_STYLE[f.status]
            table.add_row(
                f.source_file,
                f.season or "",
                f"[{style}]{f.status}[/{style}]",
                f"{f.rows_in_file:,}",
                f"{f.rows_inserted:,}",
                f"{f.rows_unchanged:,}",
                f"{f.rows_rejected:,}",
            )
        console.print(table)
    for f in summary.files:
        about = "" if f.message.startswith(f.source_file) else f"{f.source_file}: "
        if not f.ok:
            console.print(f"[red]{f.status}[/red] {about}{f.message}", soft_wrap=True)
        for warning in f.warnings:
            console.print(f"[yellow]warning[/yellow] {f.source_file}: {warning}", soft_wrap=True)
        if f.status == UNCHANGED and f.message.startswith("added nothing"):
            console.print(f"[dim]unchanged[/dim] {about}{f.message}", soft_wrap=True)
        if f.ok and f.rows_rejected:
            console.print(
                f"[yellow]rejected rows[/yellow] {about}{f.message} "
                "(all of them in raw.rejected_rows)",
                soft_wrap=True,
            )
    for league, files in uncovered_leagues(summary.files).items():
        which = files[0] if len(files) == 1 else f"{len(files)} files, {files[0]} to {files[-1]}"
        warning = uncovered_league_warning(league, ALIASES_SEED.name)
        console.print(f"[yellow]warning[/yellow] ({which}): {warning}", soft_wrap=True)
    for note in summary.notes:
        console.print(f"[yellow]note:[/yellow] {note}", soft_wrap=True)
    for error in summary.errors:
        console.print(f"[red]ingest error:[/red] {error}", soft_wrap=True)
    colour = "green" if summary.ok else "red"
    console.print(f"[{colour}]{summary.headline()}[/{colour}]")
