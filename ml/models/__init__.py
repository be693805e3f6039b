"""Forecasting models: pure code on DataFrames and arrays, no warehouse access.

- :mod:`ml.models.dixon_coles`: the time-weighted Dixon-Coles goals model and its weekly
  walk-forward.
- :mod:`ml.models.classifiers`: logistic regression and gradient boosting on pre-match
  features, tuned by time-ordered cross-validation.
- :mod:`ml.models.blend`: a stacked blend of the market with the goals model's out-of-sample
  forecasts, regularised towards the market alone.
- :mod:`ml.models.market`: the bookmakers' margin-free probabilities and base rates, the
  two baselines every model is judged against.
"""
