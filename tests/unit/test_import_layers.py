"""The layers hold (issue 10, item 6): the import-linter contracts of pyproject.toml, and the
DAG files' one door into the package, ``ml.orchestration``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from ml.config import PROJECT_ROOT

DAGS = PROJECT_ROOT / "dags"


def test_the_import_linter_contracts_are_kept() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _ml_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "ml"}
        elif isinstance(node, ast.ImportFrom) and node.module == "ml":
            found |= {f"ml.{a.name}" for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ml":
            found.add(node.module)
    return found


def test_dag_files_reach_the_package_only_through_ml_orchestration() -> None:
    files = sorted(DAGS.glob("*.py"))
    assert files
    offenders = {
        path.name: sorted(
            i for i in _ml_imports(path) if i.split(".")[:2] != ["ml", "orchestration"]
        )
        for path in files
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_old_pickled_class_names_still_resolve() -> None:
    """Versions registered before ml.modeling pickled their classes as ml.predictors.<Name>."""
    import ml.predictors
    from ml.modeling.blend import BlendPredictor
    from ml.modeling.classifiers import ClassifierPredictor
    from ml.modeling.dixon_coles import GoalsPredictor

    assert ml.predictors.BlendPredictor is BlendPredictor
    assert ml.predictors.ClassifierPredictor is ClassifierPredictor
    assert ml.predictors.GoalsPredictor is GoalsPredictor


def test_every_error_a_step_names_is_an_exception_class() -> None:
    """Steps name the errors of heavy modules as "module:Class" (so the catalogue imports
    none of them): each name must resolve, or a renamed class would silently stop matching."""
    import importlib

    from ml.orchestration.steps import catalogue

    named = [e for step in catalogue() for e in step.errors if isinstance(e, str)]
    assert named
    for spec in named:
        module, _, name = spec.partition(":")
        error = getattr(importlib.import_module(module), name)
        assert isinstance(error, type) and issubclass(error, Exception), spec
