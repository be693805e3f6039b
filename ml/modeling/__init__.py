"""The model interface: every forecasting model is a :class:`~ml.modeling.interface.Candidate`.

- :mod:`ml.modeling.interface`: the protocol (name, variant, what it reads, its refit cadence
  inside a walk-forward, how it is saved to and loaded from MLflow) and the options every
  candidate reads its settings from.
- :mod:`ml.modeling.candidates`: the registry, one line per model. The walk-forward
  (:mod:`ml.modeling.evaluation`), the final fit and refit (:mod:`ml.modeling.train`) and scoring loop over it
  and name no model.
- One module per model, an adapter of the maths in :mod:`ml.models`:
  :mod:`~ml.modeling.base_rates`, :mod:`~ml.modeling.market`, :mod:`~ml.modeling.classifiers`,
  :mod:`~ml.modeling.dixon_coles`, :mod:`~ml.modeling.blend`.

Adding a model: one module with a factory ``candidates(options)`` returning its candidates,
and one line in :data:`ml.modeling.candidates.REGISTRY`.
"""
