"""What a section is: the context it reads the warehouse through, the parts it returns, and
the one way a section says it has nothing to show (:class:`Unavailable`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import pandas as pd

from ml.warehouse.connection import Connection, read_sql

from .format import esc, missing

Frames = TypeVar("Frames")

MARTS_NOT_BUILT = (
    "The marts are not built yet: run <code>plpred ingest</code> and <code>plpred transform</code>."
)
NO_TRAINING = (
    "No training run for {league} yet, so there is {what}. Run <code>plpred train</code> "
    "(after <code>plpred ingest</code> and <code>plpred transform</code>)."
)


@dataclass(frozen=True)
class Card:
    """A headline number at the top of the page."""

    label: str
    value: str
    note: str = ""
    tone: str = ""


@dataclass
class Section:
    """A built section of the page: its anchor, heading, HTML body and headline cards."""

    key: str
    title: str
    body: str
    available: bool = True
    cards: list[Card] = field(default_factory=list)


@dataclass
class Fragment:
    """What a section's ``render`` returns: its HTML and cards (``available`` False when it
    has something to say but not the data it is there for)."""

    html: str
    cards: list[Card] = field(default_factory=list)
    available: bool = True


class Unavailable(Exception):
    """Raised by a section's ``load`` when its data is absent: ``message`` (safe HTML) says
    what is missing and what to run; ``cards`` are headline numbers it can still give."""

    def __init__(self, message: str, cards: Sequence[Card] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.cards = list(cards)


@dataclass(frozen=True)
class TrainingRun:
    run_id: str
    evaluated_at: Any
    label: str | None
    version: str | None
    decision: str | None


@dataclass(frozen=True)
class ReportContext:
    """What every section reads: an open warehouse, the league, the champion's registered
    name, the report's clock (aware, UTC) and the latest training run (None before any)."""

    conn: Connection
    league: str
    model_name: str
    now: datetime
    run: TrainingRun | None

    def query(self, name: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """The rows of ``sql/report/<name>.sql``."""
        return self.conn.query_df(read_sql(f"report/{name}.sql"), list(params))

    def missing(self, *tables: str) -> list[str]:
        return [t for t in tables if not self.conn.table_exists(t)]

    def require(self, *tables: str, message: str) -> None:
        """Raise :class:`Unavailable` with ``message`` unless every table exists."""
        if self.missing(*tables):
            raise Unavailable(message)

    def require_run(self, what: str) -> TrainingRun:
        """The latest training run with a selected model, else :class:`Unavailable`."""
        if self.run is None or self.run.label is None:
            raise Unavailable(NO_TRAINING.format(league=esc(self.league), what=what))
        return self.run


@dataclass(frozen=True)
class ReportSection(Generic[Frames]):
    """One section of the report, as the registry (:data:`ml.report.sections.SECTIONS`) lists it.

    ``load`` runs the section's named queries (``sql/report/*.sql``) and shapes their rows
    into its frames, raising :class:`Unavailable` when there is nothing to show; ``render``
    turns the frames into the HTML fragment (drawing its figure) and headline cards."""

    key: str
    title: str
    load: Callable[[ReportContext], Frames]
    render: Callable[[Frames], Fragment]


def latest_run(conn: Connection, league: str) -> TrainingRun | None:
    """The league's latest training run (sql/report/select_latest_training_run.sql, which reads
    marts.mart_training_runs: None until dbt has built it, as on a warehouse never trained)."""
    if not conn.table_exists("marts.mart_training_runs"):
        return None
    frame = conn.query_df(read_sql("report/select_latest_training_run.sql"), [league])
    if frame.empty:
        return None
    row = frame.iloc[0]

    def text(value: Any) -> str | None:
        return None if missing(value) else str(value)

    return TrainingRun(
        run_id=str(row["run_id"]),
        evaluated_at=row["evaluated_at"],
        label=text(row["candidate_label"]),
        version=text(row["candidate_version"]),
        decision=text(row["decision"]),
    )
