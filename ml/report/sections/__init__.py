"""The registry: the report's sections, in page order. One module per section; a line here
puts it on the page (see :mod:`ml.report` for how to add one)."""

from __future__ import annotations

from ..section import ReportSection
from . import (
    backtest,
    calibration,
    league_table,
    live_bets,
    live_record,
    model_health,
    model_vs_market,
    upcoming,
)

SECTIONS: tuple[ReportSection, ...] = (
    upcoming.SECTION,
    live_record.SECTION,
    live_bets.SECTION,
    model_health.SECTION,
    model_vs_market.SECTION,
    calibration.SECTION,
    backtest.SECTION,
    league_table.SECTION,
)
