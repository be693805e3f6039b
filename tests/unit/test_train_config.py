"""The training configuration from the words a user types: the default candidate set and the
opt-in one (``plpred train --candidates all``)."""

from __future__ import annotations

import pytest

from ml.modeling.config import ALL_CLASSIFIERS, TrainConfig


def test_gradient_boosting_is_opt_in() -> None:
    assert TrainConfig().classifiers == ("logistic",)
    assert TrainConfig.from_options().classifiers == ("logistic",)
    assert TrainConfig.from_options(candidates="all").classifiers == ALL_CLASSIFIERS
    assert TrainConfig.from_options(classifiers="hgb").classifiers == ("hgb",)
    assert TrainConfig.from_options(classifiers="", candidates="default").classifiers == ()
    with pytest.raises(ValueError, match="candidates must be one of"):
        TrainConfig.from_options(candidates="some")


def test_a_configuration_survives_its_tag() -> None:
    config = TrainConfig.from_options(candidates="all", quick=True)
    assert TrainConfig.from_json(config.to_json()) == config
