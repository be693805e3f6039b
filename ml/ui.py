"""The local web surfaces a user opens besides Grafana: the dbt docs site (``plpred docs``) and
the MLflow UI on the project's own store (``plpred mlflow``). Both listen on 127.0.0.1 only.

dbt docs: ``dbt docs generate`` writes the site (index.html, manifest.json, catalog.json) to
``$PLPRED_HOME/dbt/target`` (ml/warehouse/dbt.py); it is generated again when missing or older
than any file of the dbt project, then served by a plain static file server (dbt's own
``docs serve`` would rebuild nothing and opens a browser).

MLflow: MLflow 3.17's UI opens on the GenAI view and ignores the experiment-kind tag, so the
link printed carries ``?workflowType=machine_learning`` and opens on the training runs.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from ml.config import DBT_PROJECT_DIR, Settings
from ml.warehouse.dbt import dbt_paths, run_dbt

DOCS_FILES = ("index.html", "manifest.json", "catalog.json")
_PROJECT_SUFFIXES = {".sql", ".yml", ".yaml", ".md", ".csv"}


def _newest_project_change(project_dir: Path = DBT_PROJECT_DIR) -> float:
    newest = 0.0
    for path in project_dir.rglob("*"):
        if path.suffix in _PROJECT_SUFFIXES and not {"target", "logs"} & set(path.parts):
            newest = max(newest, path.stat().st_mtime)
    return newest


def docs_are_stale(target_path: Path, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """Missing, or generated before the newest change to the dbt project."""
    files = [target_path / name for name in DOCS_FILES]
    if not all(f.is_file() for f in files):
        return True
    return min(f.stat().st_mtime for f in files) < _newest_project_change(project_dir)


def ensure_docs(settings: Settings, *, regenerate: bool = False, console: Console) -> Path:
    """The docs site's folder, generated first when stale (or asked to)."""
    target_path, _ = dbt_paths(settings)
    if regenerate or docs_are_stale(target_path):
        console.print("generating the dbt docs site (dbt docs generate) …")
        run_dbt(settings, ["docs", "generate"], console=console)
    return target_path


def serve_directory(directory: Path, port: int, console: Console) -> None:
    """Serve a folder on http://127.0.0.1:port until interrupted."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        console.print(f"dbt docs: http://127.0.0.1:{port}/  (Ctrl-C stops it)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console.print("stopped")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


def experiment_url(experiment_id: str, port: int) -> str:
    """The experiment's page, opening on training runs rather than the GenAI view."""
    return f"http://127.0.0.1:{port}/#/experiments/{experiment_id}?workflowType=machine_learning"


def mlflow_command(settings: Settings, port: int) -> list[str]:
    """``mlflow ui`` on the project's store, on 127.0.0.1."""
    executable = Path(sys.executable).with_name("mlflow")
    return [
        str(executable),
        "ui",
        "--backend-store-uri",
        settings.mlflow_tracking_uri,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def serve_mlflow(settings: Settings, port: int, console: Console) -> int:
    """Start the MLflow UI on the project's store and print the link to the league's runs."""
    from ml.modeling import registry

    experiment_id = registry.configure(settings)
    console.print(f"MLflow store: {settings.mlflow_tracking_uri}")
    console.print(
        "The server takes a while to start (10 to 30 s); then open the training runs at\n"
        f"  {experiment_url(experiment_id, port)}\n"
        "(without ?workflowType=machine_learning MLflow opens its GenAI view). Ctrl-C stops it."
    )
    try:
        return subprocess.call(mlflow_command(settings, port))
    except KeyboardInterrupt:
        return 0
