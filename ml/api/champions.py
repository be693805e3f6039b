"""The champion the API predicts with: looked up behind the registry's ``champion`` alias
(:mod:`ml.modeling.registry`), at most every few seconds per league, and loaded once per version.

Batch scoring (``plpred score``) and the API thus serve the same registered model; a
promotion or refit shows in the API within ``ttl`` seconds."""

from __future__ import annotations

import threading
import time
from typing import Any

from ml.config import Settings
from ml.modeling import registry


class Champions:
    def __init__(self, settings: Settings, ttl: float = 5.0) -> None:
        self.settings = settings
        self.ttl = ttl
        self._lock = threading.Lock()
        self._aliases: dict[tuple[str, str], tuple[float, registry.RegisteredVersion | None]] = {}
        self._models: dict[tuple[str, str], Any] = {}

    def version(
        self, league: str, alias: str = registry.CHAMPION
    ) -> registry.RegisteredVersion | None:
        key = (league, alias)
        # A cache timer (monotonic), not a clock the answers depend on.
        now = time.monotonic()
        with self._lock:
            cached = self._aliases.get(key)
            if cached is not None and cached[0] > now:
                return cached[1]
            found = registry.get_alias(self.settings.with_overrides(league=league), alias)
            self._aliases[key] = (now + self.ttl, found)
            return found

    def model(self, league: str, version: registry.RegisteredVersion) -> Any:
        key = (league, version.version)
        with self._lock:
            if key not in self._models:
                self._models[key] = registry.load_version(
                    self.settings.with_overrides(league=league), version.version
                )
            return self._models[key]
