"""The committed OpenAPI schema is the app's, and the API's small rules, without a warehouse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ml.api import ApiConfig, create_app, openapi_text
from ml.api.app import OPENAPI_PATH
from ml.api.predict import kickoff_utc
from ml.api.routers.retraining import next_check
from ml.config import Settings


def test_the_committed_openapi_schema_is_the_apps(tmp_path: Path) -> None:
    app = create_app(ApiConfig(settings=Settings(home=tmp_path, target="duckdb")))
    assert openapi_text(app) == OPENAPI_PATH.read_text(), (
        "the API changed without docs/api/openapi.json: run "
        "`uv run plpred api --openapi docs/api/openapi.json` and commit it"
    )


def test_every_endpoint_is_versioned_and_documents_its_errors(tmp_path: Path) -> None:
    schema = create_app(ApiConfig(settings=Settings(home=tmp_path))).openapi()
    assert all(path.startswith("/v1/") for path in schema["paths"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in operation["responses"], (method, path)


def test_a_kickoff_without_an_offset_is_uk_time() -> None:
    assert kickoff_utc(datetime(2026, 3, 14, 15, 0)) == datetime(2026, 3, 14, 15, 0, tzinfo=UTC)
    assert kickoff_utc(datetime(2026, 4, 11, 15, 0)) == datetime(2026, 4, 11, 14, 0, tzinfo=UTC)


def test_the_next_check_is_the_next_07_00_uk_across_the_clock_change() -> None:
    before_seven = datetime(2026, 3, 28, 5, 0, tzinfo=UTC)  # 05:00 GMT
    assert next_check(before_seven) == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)
    after_seven = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # BST starts overnight
    assert next_check(after_seven) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_a_writers_marker_closes_the_readers_file_and_a_dead_writers_is_ignored(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    import duckdb
    import pytest

    from ml.api.db import Warehouse, WarehouseBusy
    from ml.warehouse.connection import writer_waiting_marker

    settings = Settings(home=tmp_path, target="duckdb")
    duckdb.connect(str(settings.duckdb_path)).close()
    warehouse = Warehouse(settings)
    marker = writer_waiting_marker(settings.duckdb_path)
    with warehouse.read() as conn:
        assert conn.scalar("select 42") == 42
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        marker.write_text(str(writer.pid))
        with pytest.raises(WarehouseBusy), warehouse.read():
            pass
        # The file is closed: a writer in another process gets it.
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import duckdb; duckdb.connect({str(settings.duckdb_path)!r}).close()",
            ],
            check=False,
        )
        assert done.returncode == 0
    finally:
        writer.kill()
        writer.wait()
    with warehouse.read() as conn:  # its writer is dead: the marker is ignored
        assert conn.scalar("select 1") == 1
    warehouse.close()
