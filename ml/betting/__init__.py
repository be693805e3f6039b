"""Betting on the model's predictions: strategies, bets, settlement and backtests.

Pure maths in :mod:`~ml.betting.strategies` (which bet, what stake),
:mod:`~ml.betting.settlement` (win, loss, void, profit, closing line value, bankroll) and
:mod:`~ml.betting.simulation` (striking bets, replaying past seasons); the warehouse I/O in
:mod:`~ml.betting.ledger` (``plpred bet``, ``settle``, ``backtest``). Strategies are configured
in ``ml/strategies.toml``.
"""
