"""docs/architecture.md names every table and view of the warehouse ("Tables: who writes, who
reads"): each table of sql/ddl, each dbt model and each seed has a row, no row names one that
is gone, and every repository path a row gives exists. Plain file reading, no warehouse."""

from __future__ import annotations

import re

from ml.config import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "architecture.md"
SECTION = "## Tables: who writes, who reads"
_CREATE = re.compile(r"create\s+table\s+if\s+not\s+exists\s+(\w+)\.(\w+)", re.IGNORECASE)
_PATH = re.compile(r"^(?:ml|sql|dbt_project|dags|grafana|docs|tests)/\S+$")


def _rows() -> list[list[str]]:
    """The cells of each body row of the markdown table(s) in the section."""
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text, f"{DOC.name} has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[1:]  # the header row


def _named() -> dict[str, list[str]]:
    """Each row's table (its first cell, one backticked schema.table), with its cells."""
    named = {}
    for cells in _rows():
        match = re.fullmatch(r"`(\w+\.\w+)`", cells[0])
        assert match, f"the first cell must be one `schema.table`: {cells[0]!r}"
        assert match[1] not in named, f"{match[1]} has two rows"
        named[match[1]] = cells
    return named


def _in_the_warehouse() -> set[str]:
    tables = {
        f"{schema}.{table}".lower()
        for path in (PROJECT_ROOT / "sql" / "ddl").glob("*.sql")
        for schema, table in _CREATE.findall(path.read_text(encoding="utf-8"))
    }
    models = PROJECT_ROOT / "dbt_project" / "models"
    for path in models.rglob("*.sql"):
        # The layer folder is the schema (macros/generate_schema_name.sql).
        tables.add(f"{path.relative_to(models).parts[0]}.{path.stem}")
    for path in (PROJECT_ROOT / "dbt_project" / "seeds").glob("*.csv"):
        tables.add(f"seeds.{path.stem}")
    return tables


def test_every_table_view_and_seed_has_a_row() -> None:
    missing = _in_the_warehouse() - set(_named())
    assert not missing, f"docs/architecture.md does not name {sorted(missing)}"


def test_no_row_names_a_table_that_is_gone() -> None:
    gone = set(_named()) - _in_the_warehouse()
    assert not gone, f"docs/architecture.md names tables that no longer exist: {sorted(gone)}"


def test_every_path_in_the_table_exists() -> None:
    absent = []
    for name, cells in _named().items():
        for token in re.findall(r"`([^`]+)`", " ".join(cells[1:])):
            if not _PATH.match(token):
                continue
            found = (
                any(PROJECT_ROOT.glob(token)) if "*" in token else (PROJECT_ROOT / token).exists()
            )
            if not found:
                absent.append(f"{name}: {token}")
    assert not absent, f"paths in docs/architecture.md that do not exist: {absent}"
