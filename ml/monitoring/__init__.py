"""Monitoring of the champion and the retraining policy (issue 12).

- :mod:`ml.monitoring.policy`: the thresholds and the policy, from ``ml/retraining.toml``;
- :mod:`ml.monitoring.checks`: the maths, pure (performance, calibration, CLV, data health);
- :mod:`ml.monitoring.drift`: data and prediction drift with Evidently (imported lazily);
- :mod:`ml.monitoring.decide`: the policy as a pure function, one decision per run;
- :mod:`ml.monitoring.run`: ``plpred monitor``, the catalogue's monitor step: read the
  warehouse at the clock, judge, decide, store.
"""
