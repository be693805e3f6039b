"""Grafana as code: the dashboards and alert rules generated from Python into ``grafana/``.

One module per dashboard (``build()`` returns a grafana-foundation-sdk builder), the alert
rules in :mod:`ml.dashboards.alerts`, what they share in :mod:`ml.dashboards._grafana`. The
generated JSON is committed (``grafana/dashboards/*.json``,
``grafana/provisioning/alerting/plpred.json``) and provisioned read-only: edit the Python, run
``plpred dashboards``, commit both; ``plpred dashboards --check`` (and the test suite) fails
when the files differ from what the code generates.
"""

from __future__ import annotations

from pathlib import Path

from ml.config import PROJECT_ROOT
from ml.dashboards import alerts, betting, league, model_vs_market, pipeline_health, this_week
from ml.dashboards._grafana import render

GRAFANA_DIR = PROJECT_ROOT / "grafana"
DASHBOARDS = (model_vs_market, this_week, betting, pipeline_health, league)


def generated() -> dict[Path, str]:
    """Every generated file, by its path relative to ``grafana/``, and its text."""
    files = {Path("dashboards") / module.FILE: render(module.build()) for module in DASHBOARDS}
    files[Path("provisioning") / "alerting" / alerts.FILE] = alerts.render()
    return files


def stale_files(root: Path = GRAFANA_DIR) -> list[Path]:
    """Generated files whose committed copy under ``root`` is missing or differs."""
    return [
        path
        for path, text in generated().items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]


def write(root: Path = GRAFANA_DIR) -> list[Path]:
    """Write every generated file that differs; returns the paths written."""
    written = []
    for path in stale_files(root):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(generated()[path], encoding="utf-8")
        written.append(path)
    return written
