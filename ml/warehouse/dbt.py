"""Run the dbt project (``dbt_project/``) in-process on the configured warehouse.

dbt runs through its Python API (``dbtRunner``) rather than a subprocess, so the CLI, the DAGs
and the tests share one code path and get structured results back: which nodes failed and why.
dbt's own console output is switched off and replaced by a short summary; its log goes to
``$PLPRED_HOME/dbt/logs/dbt.log`` (at ``info``: every node's status and time, and the errors,
written by :mod:`ml.warehouse.dbt_log`; ``PLPRED_DBT_LOG_LEVEL=debug`` has dbt write it with
every SQL statement, at about a second per build), and
its artifacts to ``$PLPRED_HOME/dbt/target``, so runs in different homes never share state:
``run_results.json`` after every command; ``manifest.json`` (with dbt's graph files) only from
the commands that are about the project rather than the data (``parse``, ``compile``, ``ls``,
``docs generate``: ``plpred docs``), because writing it took a third of a second of every
build, and its contents do not change with the data.

A process parses the project once per warehouse and reuses dbt's parsed manifest
(``dbtRunner(manifest=...)``) while the project's files and the warehouse settings are the
same: a replay's ticks, the DAG's tasks in one worker and the tests build many times.

DuckDB allows one writer at a time: nothing here opens the warehouse itself, and callers must
close their own connections to the DuckDB file before calling :func:`build`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ml.config import DBT_PROJECT_DIR, Settings, machine_cache
from ml.warehouse.connection import announce_writer
from ml.warehouse.dbt_log import EventLog, writes_itself

DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")
# Commands that run nodes against the data: they write run_results.json, not the manifest.
_DATA_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot"})
_FAILED = frozenset({"error", "fail", "runtime error"})
_MAX_MESSAGE_LINES = 6


class DbtError(RuntimeError):
    """A dbt invocation failed; the message names the failing nodes and what they said."""

    def __init__(self, message: str, failures: Sequence[NodeFailure] = ()) -> None:
        super().__init__(message)
        self.failures = list(failures)


@dataclass(frozen=True)
class NodeFailure:
    unique_id: str
    status: str
    message: str

    @property
    def name(self) -> str:
        """``model.plpred.fct_matches`` -> ``fct_matches``; tests keep their readable name."""
        return self.unique_id.split(".")[2] if self.unique_id.count(".") >= 2 else self.unique_id


@dataclass
class InvocationSummary:
    """What one dbt command did: node counts by status, failures, wall time."""

    command: str
    target: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[NodeFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Every node dbt ran, in the order it finished: (unique_id, status, seconds).
    nodes: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def describe(self) -> str:
        parts = [f"{n} {status}" for status, n in sorted(self.counts.items())]
        return (
            f"dbt {self.command} on {self.target}: "
            f"{', '.join(parts) or 'nothing to do'} in {self.seconds:.1f} s"
        )


@dataclass
class TransformSummary:
    """The invocations of one :func:`build` call and where dbt left its artifacts."""

    invocations: list[InvocationSummary]
    target_path: Path
    log_path: Path
    # True when a whole-project build left dbt's unit tests out (``unit_tests="when_changed"``).
    unit_tests_skipped: bool = False

    @property
    def docs_index(self) -> Path:
        return self.target_path / "index.html"


def dbt_paths(settings: Settings) -> tuple[Path, Path]:
    """dbt's target (artifacts, docs site) and log folders under PLPRED_HOME."""
    base = settings.home / "dbt"
    return base / "target", base / "logs"


# dbt's unit tests check the SQL of a model against fixed inputs: their result changes with the
# project's code, the adapter or dbt, never with the warehouse's data. A build may leave them
# out when none of those changed since they last passed on the same kind of warehouse.
UNIT_TESTS = ("always", "when_changed")
_PROJECT_SKIP = frozenset({"target", "logs", "dbt_packages", "__pycache__"})
_ENGINE_PACKAGES = ("dbt-core", "dbt-duckdb", "dbt-postgres", "duckdb")


def project_fingerprint() -> str:
    """sha256 over the dbt project's files (names and bytes) and the versions of dbt, its
    adapters and DuckDB: what the unit tests' results depend on."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for package in _ENGINE_PACKAGES:
        try:
            digest.update(f"{package}=={version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} missing\n".encode())
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        relative = path.relative_to(DBT_PROJECT_DIR)
        if not path.is_file() or _PROJECT_SKIP.intersection(relative.parts):
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _unit_tests_marker(settings: Settings, fingerprint: str) -> Path:
    """The file whose presence says that the unit tests passed with ``fingerprint`` on this
    kind of warehouse (for Postgres, this server). It lives in the machine's cache
    (:func:`ml.config.machine_cache`), not in a home: a unit test's result depends on the code
    and the engine, never on a home's data, so a new home does not run them again."""
    kind = settings.target
    if settings.target == "postgres":
        kind += f"-{settings.postgres.host}-{settings.postgres.port}"
    return machine_cache() / "dbt-unit-tests" / f"{kind}-{fingerprint}"


def unit_test_plan(
    settings: Settings, select: str | None, exclude: str | None, unit_tests: str
) -> tuple[str | None, str | None, bool]:
    """(the build's ``--exclude``, the fingerprint to keep if it passes, whether the unit tests
    are left out). Any build may leave them out once they passed with this code; only a
    whole-project build (no selection, nothing excluded) runs every unit test, so only such a
    build keeps its fingerprint (the DAG's layer builds vouch together: see
    :func:`remember_unit_tests_passed`)."""
    if unit_tests not in UNIT_TESTS:
        raise ValueError(f"unit_tests must be one of {', '.join(UNIT_TESTS)}, got {unit_tests!r}")
    fingerprint = project_fingerprint()
    if unit_tests == "when_changed" and _unit_tests_marker(settings, fingerprint).is_file():
        return " ".join(filter(None, [exclude, "resource_type:unit_test"])), None, True
    if select or exclude:
        return exclude, None, False
    return None, fingerprint, False


def remember_unit_tests_passed(settings: Settings, fingerprint: str | None = None) -> None:
    """Every unit test of the project passed with ``fingerprint`` (default: the project's now)
    on this kind of warehouse: builds on this machine may leave them out until it changes."""
    marker = _unit_tests_marker(settings, fingerprint or project_fingerprint())
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def build(
    settings: Settings,
    *,
    select: str | None = None,
    exclude: str | None = None,
    indirect_selection: str | None = None,
    docs: bool = False,
    unit_tests: str = "when_changed",
    console: Console | None = None,
) -> TransformSummary:
    """``dbt build`` (seeds, models, snapshots and every test) and optionally ``docs generate``.

    ``select`` is a dbt node selection (``marts``, ``+fct_matches``, several separated by
    spaces); ``indirect_selection`` is dbt's rule for the tests of a selection (``eager``,
    ``buildable``, ``cautious``). ``unit_tests="when_changed"`` (the default) leaves dbt's
    unit tests out once they passed on this kind of warehouse with the same
    :func:`project_fingerprint`, in any home of this machine; ``"always"`` runs them. Raises
    :class:`DbtError` naming the failing nodes when anything fails.
    """
    console = console or Console(stderr=True)
    target_path, log_path = dbt_paths(settings)
    exclude, fingerprint, unit_tests_skipped = unit_test_plan(settings, select, exclude, unit_tests)
    if unit_tests_skipped:
        console.print(
            "  dbt unit tests left out: they passed on "
            f"{settings.target} with this project's code, dbt and adapter"
        )
    args = ["build"]
    if select:
        args += ["--select", *select.split()]
    if exclude:
        args += ["--exclude", *exclude.split()]
    if indirect_selection:
        args += ["--indirect-selection", indirect_selection]
    invocations = [run_dbt(settings, args, console=console)]
    if fingerprint is not None:
        # run_dbt raised on any failure: every unit test of the project passed.
        remember_unit_tests_passed(settings, fingerprint)
    if docs:
        invocations.append(run_dbt(settings, ["docs", "generate"], console=console))
        console.print(f"  docs site: {target_path / 'index.html'}")
    return TransformSummary(invocations, target_path, log_path, unit_tests_skipped)


def dbt_log_level() -> str:
    """The level of ``dbt.log``: ``PLPRED_DBT_LOG_LEVEL``, by default ``info``. ``debug`` logs
    every statement dbt sends, which costs about a tenth of a full build."""
    level = os.environ.get("PLPRED_DBT_LOG_LEVEL", "info").strip().lower()
    if level not in DBT_LOG_LEVELS:
        raise ValueError(
            f"PLPRED_DBT_LOG_LEVEL={level!r}: expected one of {', '.join(DBT_LOG_LEVELS)}"
        )
    return level


def dbt_threads(settings: Settings) -> int:
    """dbt's threads: ``PLPRED_DBT_THREADS``, by default one per core, from 1 to 4. Most of a
    node's time is dbt's own Python, so threads beyond the cores only contend for them (on 2
    cores a build with 2 threads is ~5% faster than with 4); a Postgres warehouse does its work
    in the server, so there the default is 4."""
    value = os.environ.get("PLPRED_DBT_THREADS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"PLPRED_DBT_THREADS={value!r}: expected a whole number, 1 or more")
        return int(value)
    if settings.target == "postgres":
        return 4
    return max(1, min(4, os.cpu_count() or 1))


def run_dbt(
    settings: Settings, args: Sequence[str], *, console: Console | None = None
) -> InvocationSummary:
    """Run one dbt command (``["test", "--select", "x"]``) against ``settings``' warehouse.

    The environment ``profiles.yml`` reads (:meth:`Settings.dbt_env`) is set for the duration
    of the call only. Raises :class:`DbtError` when dbt fails or any node errors or fails.
    """
    from dbt.cli.main import dbtRunner

    console = console or Console(stderr=True)
    target_path, log_path = dbt_paths(settings)
    command = " ".join(itertools.takewhile(lambda a: not a.startswith("-"), args))
    level = dbt_log_level()
    # Below debug plpred writes dbt.log itself (ml/warehouse/dbt_log.py); at debug dbt does.
    event_log = EventLog(log_path / "dbt.log", level) if writes_itself(level) else None
    callbacks = [event_log] if event_log else []
    full_args = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        settings.target,
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        "--log-level",
        "none",
        "--log-level-file",
        "none" if event_log else level,
        "--threads",
        str(dbt_threads(settings)),
    ]
    data_command = command in _DATA_COMMANDS
    if data_command:
        full_args.append("--no-write-json")
    started = time.perf_counter()
    with (
        _environment(settings.dbt_env()),
        # dbt-duckdb writes the file: readers that keep it open (plpred api) let go meanwhile.
        announce_writer(settings.duckdb_path) if settings.target == "duckdb" else nullcontext(),
        console.status(f"dbt {command} on {settings.target} …"),
    ):
        try:
            manifest = _parsed_manifest(settings, full_args, callbacks) if data_command else None
            result = dbtRunner(manifest=manifest, callbacks=callbacks).invoke(full_args)
        finally:
            if event_log:
                event_log.close()
    summary = InvocationSummary(
        command=command, target=settings.target, seconds=time.perf_counter() - started
    )
    _collect(summary, result)
    artifact = getattr(result, "result", None)
    if data_command and hasattr(artifact, "write"):
        target_path.mkdir(parents=True, exist_ok=True)
        artifact.write(str(target_path / "run_results.json"))

    if result.exception is not None and not summary.failures:
        message = _first_lines(str(result.exception))
        if settings.target == "duckdb" and "lock" in message.lower():
            message += (
                " DuckDB allows one writer at a time: is another plpred, dbt or Airflow task "
                "using the warehouse?"
            )
        raise DbtError(
            f"dbt {command} on {settings.target}: {message} (log: {log_path / 'dbt.log'})"
        )

    style = "green" if summary.ok and result.success else "red"
    console.print(f"[{style}]{summary.describe()}[/{style}]")
    for warning in summary.warnings:
        console.print(f"  [yellow]warn[/yellow] {warning}")
    for failure in summary.failures:
        console.print(f"  [red]{failure.status}[/red] {failure.name}: {failure.message}")

    if summary.failures or not result.success:
        names = ", ".join(f.name for f in summary.failures) or "see the log"
        raise DbtError(
            f"dbt {command} on {settings.target} failed: {names} (log: {log_path / 'dbt.log'})",
            summary.failures,
        )
    return summary


# The last parsed manifest of this process and what it was parsed from (see the module's doc).
_MANIFEST: dict[str, object] = {}
# Options that change what dbt parses: a manifest parsed without them cannot serve.
_PARSE_OPTIONS = frozenset({"--vars", "--project-dir", "--profiles-dir", "--target", "--profile"})
# Options the parse takes from the command it serves, to write and log in the same places.
_PARSE_PLACES = frozenset({"--target-path", "--log-path", "--log-level", "--log-level-file"})


def _parsed_manifest(
    settings: Settings, full_args: Sequence[str], callbacks: Sequence[object] = ()
) -> object | None:
    """dbt's manifest of the project for ``settings``' warehouse, parsed once per process and
    kept while the project's files (:func:`project_fingerprint`), the warehouse settings and
    the parse options are the same; ``None`` (dbt parses itself) when parsing failed."""
    from dbt.cli.main import dbtRunner

    pairs = list(zip(full_args, full_args[1:], strict=False))
    options = [pair for pair in pairs if pair[0] in _PARSE_OPTIONS]
    key = "\n".join(
        [
            project_fingerprint(),
            *sorted(f"{k}={v}" for k, v in settings.dbt_env().items()),
            *(f"{option}={value}" for option, value in options),
        ]
    )
    if _MANIFEST.get("key") == key:
        return _MANIFEST["manifest"]
    places = [pair for pair in pairs if pair[0] in _PARSE_PLACES]
    parsed = dbtRunner(callbacks=list(callbacks)).invoke(
        ["parse", "--no-write-json", *itertools.chain.from_iterable(options + places)]
    )
    if not parsed.success or parsed.result is None:
        _MANIFEST.clear()
        return None
    _MANIFEST.update(key=key, manifest=parsed.result)
    return parsed.result


def _collect(summary: InvocationSummary, result: object) -> None:
    """Count node statuses and keep the failures of a ``RunExecutionResult``, if there is one."""
    artifact = getattr(result, "result", None)
    catalog_nodes = getattr(artifact, "nodes", None)
    if isinstance(catalog_nodes, dict):  # docs generate: a catalog, not node results
        sources = getattr(artifact, "sources", None) or {}
        summary.counts["catalogued"] = len(catalog_nodes) + len(sources)
    node_results = getattr(artifact, "results", None) or []
    for node_result in node_results:
        status = str(getattr(node_result.status, "value", node_result.status)).lower()
        summary.counts[status] = summary.counts.get(status, 0) + 1
        unique_id = getattr(getattr(node_result, "node", None), "unique_id", "?")
        seconds = float(getattr(node_result, "execution_time", 0.0) or 0.0)
        summary.nodes.append((unique_id, status, round(seconds, 2)))
        message = _first_lines(node_result.message or "")
        if status in _FAILED:
            summary.failures.append(NodeFailure(unique_id, status, message))
        elif status == "warn":
            summary.warnings.append(f"{NodeFailure(unique_id, status, message).name}: {message}")


def _first_lines(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    shown = " / ".join(lines[:_MAX_MESSAGE_LINES])
    return shown + (" ..." if len(lines) > _MAX_MESSAGE_LINES else "")


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block and restore the previous values after it."""
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
