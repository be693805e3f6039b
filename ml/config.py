"""The one place that knows where things live and which warehouse is used.

Everything the project writes at run time (the DuckDB warehouse, the download cache,
the MLflow store, reports) lives under ``PLPRED_HOME``. Settings come from the
environment; the CLI, the DAGs and the tests build a :class:`Settings` through
:func:`get_settings`, optionally overriding a few fields, so they all agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SQL_DIR = PROJECT_ROOT / "sql"
DDL_DIR = SQL_DIR / "ddl"
QUERIES_DIR = SQL_DIR / "queries"

DEFAULT_SOURCE = "https://www.football-data.co.uk"
TARGETS = ("duckdb", "postgres")


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names the setting."""


@dataclass(frozen=True)
class PostgresSettings:
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = "plpred"

    @classmethod
    def from_env(cls) -> PostgresSettings:
        port = os.environ.get("PGPORT", "5432")
        try:
            port_number = int(port)
        except ValueError as exc:
            raise ConfigError(f"PGPORT must be a port number, got {port!r}") from exc
        return cls(
            host=os.environ.get("PGHOST", "127.0.0.1"),
            port=port_number,
            user=os.environ.get("PGUSER", "postgres"),
            password=os.environ.get("PGPASSWORD", ""),
            dbname=os.environ.get("PGDATABASE", "plpred"),
        )

    def dsn(self, dbname: str | None = None) -> str:
        """A libpq conninfo string, every value quoted as libpq requires (a database name may
        hold spaces, quotes or semicolons). Every connection the project opens is built here."""
        from psycopg2.extensions import make_dsn

        values: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": dbname or self.dbname,
        }
        if self.password:
            values["password"] = self.password
        return make_dsn(**values)


@dataclass(frozen=True)
class Settings:
    home: Path
    target: str = "duckdb"
    source: str = DEFAULT_SOURCE
    league: str = "E0"
    postgres: PostgresSettings = field(default_factory=PostgresSettings)
    duckdb_path_override: Path | None = None
    mlflow_tracking_uri_override: str | None = None

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ConfigError(
                f"PLPRED_TARGET / --target must be one of {', '.join(TARGETS)}, got {self.target!r}"
            )

    # --- paths under PLPRED_HOME -------------------------------------------------
    @property
    def duckdb_path(self) -> Path:
        return self.duckdb_path_override or self.home / "warehouse.duckdb"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    # What a warehouse owns outside it is kept apart per target, so that two warehouses in one
    # home never share a champion or a report: a champion counts for a warehouse only if that
    # warehouse holds its training run (issue 11, F13). DuckDB, the default, keeps the
    # original paths; Postgres gets ``mlflow-postgres/`` and ``reports-postgres/``.
    def _per_target(self, name: str) -> Path:
        return self.home / (name if self.target == "duckdb" else f"{name}-{self.target}")

    @property
    def reports_dir(self) -> Path:
        return self._per_target("reports")

    @property
    def report_path(self) -> Path:
        """Where ``plpred report`` writes the HTML report unless told otherwise."""
        return self.reports_dir / "report.html"

    @property
    def mlflow_dir(self) -> Path:
        return self._per_target("mlflow")

    @property
    def mlflow_tracking_uri(self) -> str:
        return self.mlflow_tracking_uri_override or f"sqlite:///{self.mlflow_dir / 'mlflow.db'}"

    @property
    def mlflow_artifact_location(self) -> str:
        return (self.mlflow_dir / "artifacts").as_uri()

    @property
    def source_is_local(self) -> bool:
        return not self.source.startswith(("http://", "https://"))

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None ``changes`` applied (CLI options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def dbt_env(self) -> dict[str, str]:
        """Environment variables that ``dbt_project/profiles.yml`` reads."""
        pg = self.postgres
        return {
            "PLPRED_HOME": str(self.home),
            "PLPRED_TARGET": self.target,
            "PLPRED_DUCKDB_PATH": str(self.duckdb_path),
            "PGHOST": pg.host,
            "PGPORT": str(pg.port),
            "PGUSER": pg.user,
            "PGPASSWORD": pg.password,
            "PGDATABASE": pg.dbname,
        }


def default_home() -> Path:
    return PROJECT_ROOT / ".plpred"


def machine_cache() -> Path:
    """What one machine's homes may share because it depends on the code, never on a home's
    data: ``PLPRED_CACHE``, else ``$XDG_CACHE_HOME/plpred``, else ``~/.cache/plpred``."""
    if os.environ.get("PLPRED_CACHE"):
        return Path(os.environ["PLPRED_CACHE"]).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser().resolve() / "plpred"


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit (non-None) overrides on top."""
    home = Path(os.environ.get("PLPRED_HOME") or default_home()).expanduser().resolve()
    duckdb_path = os.environ.get("PLPRED_DUCKDB_PATH")
    settings = Settings(
        home=home,
        target=os.environ.get("PLPRED_TARGET", "duckdb"),
        source=os.environ.get("PLPRED_SOURCE", DEFAULT_SOURCE),
        league=os.environ.get("PLPRED_LEAGUE", "E0"),
        postgres=PostgresSettings.from_env(),
        duckdb_path_override=Path(duckdb_path).expanduser().resolve() if duckdb_path else None,
        mlflow_tracking_uri_override=os.environ.get("MLFLOW_TRACKING_URI") or None,
    )
    return settings.with_overrides(**overrides)
