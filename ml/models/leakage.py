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
    train = np.asarray(train_kickoffs, dtype="datetime64[ns]")
    predict = np.asarray(predict_kickoffs, dtype="datetime64[ns]")
    if train.size == 0 or predict.size == 0:
        return
    last_train, first_predicted = pd.Timestamp(train.max()), pd.Timestamp(predict.min())
    if last_train >= first_predicted:
        raise LeakageError(
            f"training data reaches {last_train.date()} but predictions start "
            f"{first_predicted.date()}{': ' + context if context else ''}"
        )
