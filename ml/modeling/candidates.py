"""The registry of candidate models: one line per model, in the order they are evaluated and
reported. Each entry is a factory ``candidates(options)`` returning that model's configured
candidates (none when the options leave it out)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ml.modeling import base_rates, blend, classifiers, dixon_coles, market
from ml.modeling.interface import Candidate, CandidateOptions, label

Factory = Callable[[CandidateOptions], Iterable[Candidate]]

REGISTRY: tuple[Factory, ...] = (
    base_rates.candidates,
    market.candidates,
    classifiers.candidates,
    dixon_coles.candidates,
    blend.candidates,
)


def candidates(options: CandidateOptions) -> list[Candidate]:
    """Every registered model's candidates for ``options``; refuses a candidate that learns
    from another one the options leave out."""
    built = [candidate for factory in REGISTRY for candidate in factory(options)]
    names = {candidate.name for candidate in built}
    for candidate in built:
        missing = [name for name in candidate.requires if name not in names]
        if missing:
            raise ValueError(f"{label(candidate)} needs {', '.join(missing)}, which is not enabled")
    return built


def find(built: Sequence[Candidate], name: str, variant: str) -> Candidate:
    """The candidate called ``name``/``variant`` among ``built``."""
    for candidate in built:
        if (candidate.name, candidate.variant) == (name, variant):
            return candidate
    known = ", ".join(label(candidate) for candidate in built)
    raise KeyError(f"no candidate {name}/{variant} in this configuration (known: {known})")
