"""Betting strategies as pure functions: which selection to back, at what price, for how much.

Strategies are configured in ``ml/strategies.toml`` (see its header for the shared rules) and
loaded into :class:`Strategy` objects; :func:`decide` turns one match's model probabilities and
prices into at most one bet. Nothing here reads a database or a clock, so every rule is tested
on hand-made numbers (``tests/unit/test_betting_strategies.py``).

Money is :class:`~decimal.Decimal` in cents: stakes round *down* (a stake never exceeds its
cap or the cash available), profits round half up.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ml.config import ConfigError

STRATEGIES_PATH = Path(__file__).resolve().parent.parent / "strategies.toml"

SELECTIONS = ("home", "draw", "away")
CENT = Decimal("0.01")
# Decimal division (Kelly) is exact to 28 digits; a stake within 1e-10 of a cent is that cent.
_STAKE_PRECISION = Decimal("1e-10")
# Thresholds are inclusive: 0.6 - 1 / 2.0 is 0.09999999999999998 in floats, and it is 0.1.
_TOLERANCE = 1e-12

# Parameters each rule needs besides the shared ones (odds_source, bankroll, min_stake).
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    "seed": ("min_probability", "min_margin", "stake_fraction"),
    "value": ("min_edge", "stake_fraction"),
    "kelly": ("min_edge", "kelly_fraction", "max_stake_fraction"),
    "flat": ("min_edge", "stake"),
}
_SHARED = ("rule", "description", "odds_source", "bankroll", "min_stake")
_FRACTIONS = ("min_probability", "stake_fraction", "kelly_fraction", "max_stake_fraction")


def floor_cents(amount: Decimal) -> Decimal:
    """Round down to the cent: a stake computed as a share must never exceed that share."""
    return amount.quantize(CENT, rounding=ROUND_DOWN)


def round_cents(amount: Decimal) -> Decimal:
    """Round half up to the cent, as bookmakers pay out winnings."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """A Decimal of the value as written (``0.05`` is 0.05, not its binary approximation)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value) if isinstance(value, float) else str(value))


@dataclass(frozen=True)
class Strategy:
    """One named strategy: a rule, its parameters, the price source and the starting bankroll.

    ``params`` holds the rule's own parameters (``RULE_PARAMS[rule]``) as floats.
    """

    name: str
    rule: str
    odds_source: str
    bankroll: Decimal
    min_stake: Decimal
    params: Mapping[str, float] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if self.rule not in RULE_PARAMS:
            raise ConfigError(
                f"strategy {self.name!r}: rule must be one of {', '.join(RULE_PARAMS)}, "
                f"got {self.rule!r}"
            )
        wanted, given = set(RULE_PARAMS[self.rule]), set(self.params)
        if missing := sorted(wanted - given):
            raise ConfigError(f"strategy {self.name!r} ({self.rule}): missing {', '.join(missing)}")
        if extra := sorted(given - wanted):
            raise ConfigError(
                f"strategy {self.name!r} ({self.rule}): unknown setting(s) {', '.join(extra)}"
            )
        for key, value in self.params.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
                raise ConfigError(f"strategy {self.name!r}: {key} must be a number, got {value!r}")
            if key in _FRACTIONS and not 0 < value <= 1:
                raise ConfigError(f"strategy {self.name!r}: {key} must be in (0, 1], got {value}")
        if self.rule == "flat" and self.params["stake"] <= 0:
            raise ConfigError(f"strategy {self.name!r}: stake must be positive")
        if self.bankroll <= 0 or self.min_stake <= 0:
            raise ConfigError(f"strategy {self.name!r}: bankroll and min_stake must be positive")
        if not self.odds_source:
            raise ConfigError(f"strategy {self.name!r}: odds_source is required")

    def param(self, key: str) -> float:
        return float(self.params[key])

    def definition(self) -> dict[str, Any]:
        """Everything that decides the bets, as plain JSON-able values (hashed into the version)."""
        return {
            "name": self.name,
            "rule": self.rule,
            "odds_source": self.odds_source,
            "bankroll": str(self.bankroll),
            "min_stake": str(self.min_stake),
            **{key: float(value) for key, value in sorted(self.params.items())},
        }

    @property
    def version(self) -> str:
        """A short hash of :meth:`definition`: changes exactly when the bets could change."""
        payload = json.dumps(self.definition(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class BettingConfig:
    """The whole ``strategies.toml``: strategies by name and the rules around them."""

    strategies: Mapping[str, Strategy]
    void_after: timedelta = timedelta(days=3)
    backtest_lead: timedelta = timedelta(hours=24)
    results_delay: timedelta = timedelta(hours=2)

    def select(self, names: Sequence[str] | None) -> list[Strategy]:
        """The named strategies in the order given, or all of them in file order."""
        if not names:
            return list(self.strategies.values())
        unknown = [n for n in names if n not in self.strategies]
        if unknown:
            raise ConfigError(
                f"unknown strateg{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                f"ml/strategies.toml defines {', '.join(self.strategies)}"
            )
        return [self.strategies[n] for n in dict.fromkeys(names)]


def load_config(path: Path = STRATEGIES_PATH) -> BettingConfig:
    """Read and validate a strategies file; a ConfigError names the bad setting."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read strategies file {path}: {exc}") from exc
    return parse_config(data, source=str(path))


def parse_config(data: Mapping[str, Any], *, source: str = "strategies") -> BettingConfig:
    """Build a :class:`BettingConfig` from the parsed TOML (tests pass dicts directly)."""
    defaults = dict(data.get("defaults", {}))
    strategies: dict[str, Strategy] = {}
    for name, table in dict(data.get("strategies", {})).items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{source}: [strategies.{name}] must be a table")
        merged = {**defaults, **table}
        rule = merged.get("rule")
        params = {k: v for k, v in merged.items() if k not in _SHARED}
        strategies[name] = Strategy(
            name=name,
            rule=str(rule),
            odds_source=str(merged.get("odds_source", "")),
            bankroll=round_cents(to_decimal(merged.get("bankroll", 1000))),
            min_stake=round_cents(to_decimal(merged.get("min_stake", 1))),
            params=params,
            description=str(merged.get("description", "")),
        )
    if not strategies:
        raise ConfigError(f"{source}: no [strategies.<name>] tables")
    settlement = dict(data.get("settlement", {}))
    backtest = dict(data.get("backtest", {}))
    void_days = float(settlement.get("void_after_days", 3))
    lead_hours = float(backtest.get("lead_hours", 24))
    delay_hours = float(backtest.get("results_delay_hours", 2))
    if void_days <= 0 or lead_hours <= 0 or delay_hours < 0:
        raise ConfigError(
            f"{source}: void_after_days and lead_hours must be positive, results_delay_hours >= 0"
        )
    return BettingConfig(
        strategies=strategies,
        void_after=timedelta(days=void_days),
        backtest_lead=timedelta(hours=lead_hours),
        results_delay=timedelta(hours=delay_hours),
    )


@dataclass(frozen=True)
class Decision:
    """One bet a strategy wants: the selection, the price taken and the stake."""

    selection: str
    odds: float
    p_model: float
    p_implied: float
    edge: float
    stake: Decimal


def edge(p_model: float, odds: float) -> float:
    """Expected profit per unit staked: p * odds - 1."""
    return p_model * odds - 1.0


def kelly_fraction(p_model: float, odds: float) -> float:
    """Full Kelly share of the bankroll, (p * odds - 1) / (odds - 1); 0 when there is no edge."""
    return max(0.0, edge(p_model, odds) / (odds - 1.0))


def _prices_ok(prices: Mapping[str, float | None], selection: str) -> bool:
    price = prices.get(selection)
    return price is not None and not math.isnan(price) and price > 1.0


def choose_selection(
    strategy: Strategy,
    probabilities: Mapping[str, float],
    prices: Mapping[str, float | None],
) -> str | None:
    """The selection the strategy would back, before any question of money.

    seed: only the model's most likely outcome, if it is at least ``min_probability`` and beats
    the price's implied probability by ``min_margin``. Other rules: the selection with the best
    edge, if that edge reaches ``min_edge`` (and is positive for Kelly). Ties go to the first of
    home, draw, away so that the choice is deterministic.
    """
    if strategy.rule == "seed":
        top = max(SELECTIONS, key=lambda s: (probabilities[s], -SELECTIONS.index(s)))
        if not _prices_ok(prices, top):
            return None
        p = probabilities[top]
        implied = 1.0 / float(prices[top])  # type: ignore[arg-type]
        ok = (
            p >= strategy.param("min_probability") - _TOLERANCE
            and p - implied >= strategy.param("min_margin") - _TOLERANCE
        )
        return top if ok else None

    priced = [s for s in SELECTIONS if _prices_ok(prices, s)]
    if not priced:
        return None
    edges = {s: edge(probabilities[s], float(prices[s])) for s in priced}  # type: ignore[arg-type]
    best = max(priced, key=lambda s: (edges[s], -SELECTIONS.index(s)))
    if edges[best] < strategy.param("min_edge") - _TOLERANCE:
        return None
    if strategy.rule == "kelly" and edges[best] <= 0:
        return None
    return best


def raw_stake(strategy: Strategy, p_model: float, odds: float, bankroll: Decimal) -> Decimal:
    """The stake the rule asks for, before the cash limit and rounding, in decimal arithmetic.

    Computed on the numbers as written (probabilities by their shortest repr, prices as in the
    CSV), so that a stake of exactly 21 units is 21.00 and not 20.99 after binary float noise.
    """
    if strategy.rule in ("seed", "value"):
        return bankroll * to_decimal(strategy.param("stake_fraction"))
    if strategy.rule == "kelly":
        p, price = to_decimal(p_model), to_decimal(odds)
        full_kelly = max(Decimal(0), (p * price - 1) / (price - 1))
        share = min(
            to_decimal(strategy.param("kelly_fraction")) * full_kelly,
            to_decimal(strategy.param("max_stake_fraction")),
        )
        return bankroll * share
    return to_decimal(strategy.param("stake"))


def decide(
    strategy: Strategy,
    probabilities: Mapping[str, float],
    prices: Mapping[str, float | None],
    *,
    bankroll: Decimal,
    available: Decimal,
) -> Decision | None:
    """At most one bet on one match.

    ``bankroll`` is the book's bankroll counting settled bets only (stakes are a share of it);
    ``available`` is that bankroll minus the stakes of open bets (no bet on credit). Returns
    None when no selection qualifies or the rounded stake is below ``min_stake``.
    """
    if bankroll <= 0 or available <= 0:
        return None
    selection = choose_selection(strategy, probabilities, prices)
    if selection is None:
        return None
    odds = float(prices[selection])  # type: ignore[arg-type]
    p_model = float(probabilities[selection])
    wanted = raw_stake(strategy, p_model, odds, bankroll).quantize(_STAKE_PRECISION, ROUND_HALF_UP)
    stake = floor_cents(min(wanted, available))
    if stake < strategy.min_stake:
        return None
    return Decision(
        selection=selection,
        odds=odds,
        p_model=p_model,
        p_implied=1.0 / odds,
        edge=edge(p_model, odds),
        stake=stake,
    )
