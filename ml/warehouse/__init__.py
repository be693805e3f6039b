"""The warehouse: connections and DDL (``connection``), the dbt runner (``dbt``) and the named
SQL of ``sql/queries/`` (``queries``). Every other package reaches DuckDB or PostgreSQL here."""
