"""football-data.co.uk ingestion: fetch season files and fixtures, parse them, land them in ``raw``.

Modules, one concern each: :mod:`~ml.ingest.seasons` (codes, labels, windows),
:mod:`~ml.ingest.sources` (web, local folder, ``--file``; retries and cache; plans at a clock),
:mod:`~ml.ingest.snapshots` (archives of files as they stood at capture times),
:mod:`~ml.ingest.odds_columns` (the odds column grammar), :mod:`~ml.ingest.parse` (bytes to typed
rows, pure), :mod:`~ml.ingest.load` (warehouse writes, ``known_at``, the clock check),
:mod:`~ml.ingest.summary` (the report) and :mod:`~ml.ingest.run` (one run, start to end).
"""

from ml.ingest.load import ClockBehindError, FileOutcome
from ml.ingest.run import run_ingest
from ml.ingest.snapshots import SnapshotArchive, SnapshotError
from ml.ingest.summary import IngestSummary

__all__ = [
    "ClockBehindError",
    "FileOutcome",
    "IngestSummary",
    "SnapshotArchive",
    "SnapshotError",
    "run_ingest",
]
