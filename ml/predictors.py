"""How MLflow serves any fitted candidate: :func:`pyfunc_model` wraps it as a plain pyfunc
model, so ``models:/plpred-E0@champion`` loads the same way whichever kind won.

A fitted candidate (:class:`ml.modeling.interface.Fitted`) knows which columns of
``mart_match_features`` it reads (``input_columns``) and returns a DataFrame with ``p_home,
p_draw, p_away`` (and goals forecasts where the model has them). The fitted classes live with
their candidates in :mod:`ml.modeling`; their old names here keep versions registered before
that move loadable (their pickles name ``ml.predictors``).
"""

from __future__ import annotations

from importlib import import_module

import pandas as pd

from ml.modeling.dixon_coles import GOALS_COLUMNS, OUTPUT_COLUMNS

__all__ = ["GOALS_COLUMNS", "OUTPUT_COLUMNS", "pyfunc_model"]

# Where the fitted classes that versions registered before ml.modeling were pickled as moved to.
_MOVED = {
    "ClassifierPredictor": "ml.modeling.classifiers",
    "GoalsPredictor": "ml.modeling.dixon_coles",
    "BlendPredictor": "ml.modeling.blend",
}


def __getattr__(name: str):
    if name in _MOVED:
        return getattr(import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pyfunc_model(predictor: object):
    """Wrap a predictor as an MLflow ``PythonModel`` (imported lazily: mlflow is slow to import)."""
    import mlflow.pyfunc

    class PlpredPyfunc(mlflow.pyfunc.PythonModel):
        def __init__(self, inner: object) -> None:
            self.predictor = inner

        def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
            return self.predictor.predict(model_input)

    return PlpredPyfunc(predictor)
