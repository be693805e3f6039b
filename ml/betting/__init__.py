"""Betting on the model's predictions: strategies, bets, settlement and backtests.

Pure maths in :mod:`~ml.betting.strategies` (which bet, what stake),
:mod:`~ml.betting.settlement` (win, loss, void, profit, closing line value, bankroll) and
:mod:`~ml.betting.simulation` (striking bets, replaying past seasons). The steps around them,
one module per job: :mod:`~ml.betting.place` (``plpred bet``), :mod:`~ml.betting.settle`
(``plpred settle``), :mod:`~ml.betting.backtest` (``plpred backtest``, and the API's dry run),
:mod:`~ml.betting.render` (what they print), and the warehouse I/O they share,
:mod:`~ml.betting.warehouse` (queries in ``sql/betting/``). Strategies are configured in
``ml/strategies.toml``.
"""
