"""Where registered models pickled before :mod:`ml.modeling` existed find their classes.

Versions registered before that move pickled their fitted classes as ``ml.predictors.<Name>``;
this module resolves those names to the classes' homes so the versions stay loadable. New
code wraps models with :func:`ml.modeling.interface.pyfunc_model`.
"""

from __future__ import annotations

from importlib import import_module

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
