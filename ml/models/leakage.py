"""The one check every walk-forward runs before it fits: the past must precede the future."""

from __future__ import annotations

import numpy as np
import pandas as pd


class LeakageError(AssertionError):
    """A model was about to train on a match that kicks off at or after one it predicts."""


def assert_no_leakage(
    train_kickoffs: pd.Series | np.ndarray,
    predict_kickoffs: pd.Series | np.ndarray,
    context: str = "",
) -> None:
    """Raise :class:`LeakageError` unless every training match precedes every predicted one.

    A belt-and-braces check run before every fit of a walk-forward: the selection code is
    meant to guarantee it, and this catches the day it stops doing so (a changed filter, a
    mislabelled season, a time zone shift).
    """
    train = pd.to_datetime(pd.Series(np.asarray(train_kickoffs)))
    predict = pd.to_datetime(pd.Series(np.asarray(predict_kickoffs)))
    if train.empty or predict.empty:
        return
    if train.max() >= predict.min():
        raise LeakageError(
            f"training data reaches {train.max().date()} but predictions start "
            f"{predict.min().date()}{': ' + context if context else ''}"
        )
