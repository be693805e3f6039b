"""The read-only PostgreSQL role Grafana connects as: ``plpred_grafana``.

It may connect to the warehouse database, use the ``marts`` schema and select from its tables
and views (the dashboard and monitoring marts live there), and nothing else: no ``raw``,
``staging``, ``intermediate``, ``ml``, ``betting`` or ``ops``, no writes, no DDL. The
pipeline views of the marts (mart_loads, mart_pipeline_*, mart_data_freshness, mart_alerts)
read ``raw`` and ``ops`` with their owner's rights, which is how the dashboards see loads and
runs without the role seeing the tables.

dbt rebuilds a table by creating a new one and dropping the old, so a one-off ``GRANT SELECT``
would be lost at the next build: default privileges grant it on every table and view that the
role which runs dbt (the one running this, ``PGUSER``) creates in ``marts`` from now on. Run it
again after changing the password or when marts were built by another role.
"""

from __future__ import annotations

from dataclasses import dataclass

from ml.config import Settings
from ml.warehouse.connection import connect

ROLE = "plpred_grafana"
SCHEMAS = ("marts",)


class GrafanaRoleError(RuntimeError):
    """The role cannot be created here (DuckDB, no password)."""


@dataclass(frozen=True)
class GrafanaRole:
    role: str
    database: str
    created: bool
    statements: list[str]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_statements(database: str, role: str = ROLE) -> list[str]:
    """The grants, in order; idempotent (run again, they change nothing)."""
    statements = [
        f"revoke all on database {_ident(database)} from {_ident(role)}",
        f"grant connect on database {_ident(database)} to {_ident(role)}",
    ]
    for schema in SCHEMAS:
        statements += [
            f"create schema if not exists {_ident(schema)}",
            f"grant usage on schema {_ident(schema)} to {_ident(role)}",
            f"grant select on all tables in schema {_ident(schema)} to {_ident(role)}",
            f"alter default privileges in schema {_ident(schema)} "
            f"grant select on tables to {_ident(role)}",
        ]
    return statements


def create_grafana_role(settings: Settings, password: str, role: str = ROLE) -> GrafanaRole:
    """Create (or update the password of) the read-only role and grant it the marts."""
    if settings.target != "postgres":
        raise GrafanaRoleError(
            "Grafana reads the PostgreSQL warehouse; DuckDB has no roles "
            "(run with --target postgres)"
        )
    if not password:
        raise GrafanaRoleError(
            "no password: set PLPRED_GRAFANA_PASSWORD (the same value Grafana's datasource "
            "provisioning reads)"
        )
    database = settings.postgres.dbname
    with connect(settings) as conn:
        exists = conn.scalar("select count(*) from pg_roles where rolname = ?", [role]) > 0
        verb = "alter" if exists else "create"
        # psycopg2 interpolates parameters client-side, so the password is quoted properly
        # even in DDL; it never appears in the statements returned or printed.
        conn.execute(
            f"{verb} role {_ident(role)} with login nosuperuser nocreatedb nocreaterole "
            f"noinherit password ?",
            [password],
        )
        statements = grant_statements(database, role)
        with conn.transaction():
            for statement in statements:
                conn.execute(statement)
    return GrafanaRole(role, database, not exists, statements)
