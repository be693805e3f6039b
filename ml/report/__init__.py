"""``plpred report``: one static HTML page a person would rather look at than read tables.

The page shows whether the model beats the market (per season, as a table and a chart),
how well calibrated it is, what the upcoming matches look like to the model and to the
market and which bets were placed on them, how each betting strategy's bankroll moved (live
and in the backtest), and the league table. It is a single file with its images embedded, so
it can be mailed, archived or opened from ``PLPRED_HOME/reports`` without a server.

Every number comes from the warehouse through the named queries in ``sql/report/``; the
maths on top of them (calibration error, verdicts) are the pure functions of
:mod:`ml.models.metrics` and of the section modules. A section whose tables are missing or empty
says what to run instead of failing: the report is the last step of ``plpred run`` and must
not hide the others' results.

Layout
------
- ``sections/<name>.py``: one module per section, each with the same four parts:
  a ``load(ctx)`` that runs its named queries (``ctx.query("select_...")`` reads
  ``sql/report/select_....sql``) and shapes their rows into its frames, raising
  :class:`Unavailable` with what to run when there is nothing to show; a figure function
  (matplotlib, made with :func:`ml.plots.new_figure` so nothing is left open); a
  ``render(frames)`` returning the HTML fragment and headline cards (:class:`Fragment`);
  and ``SECTION = ReportSection(key, title, load, render)``.
- ``sections/__init__.py``: the registry, ``SECTIONS``, in page order.
- ``section.py``: the context every section reads through (:class:`ReportContext`: the open
  warehouse, league, champion's name, clock and latest training run) and the types above.
- ``format.py``: number formats, escaping, tables (:func:`html_table`, :class:`Column`),
  probability bars, embedded images; ``figures.py``: colours and the bankroll curves that
  two sections share.
- ``page.py`` with ``templates/page.html.j2`` and ``templates/report.css``: the page around
  the sections; ``build.py``: :func:`build_report` and :func:`write_report`.

Adding a section (for example "Model health", from the monitoring marts)
-----------------------------------------------------------------------
1. Write its queries as new files ``sql/report/select_<what>.sql`` (a header comment saying
   what question each answers; ``?`` placeholders; SQL that runs on DuckDB and Postgres),
   e.g. ``select_model_health.sql`` on ``marts.mart_monitoring_latest`` for one league.
2. Add ``ml/report/sections/model_health.py``, shaped like the other section modules::

       @dataclass(frozen=True)
       class ModelHealth:
           checks: pd.DataFrame  # select_model_health: metric, value, threshold, status

       def load(ctx: ReportContext) -> ModelHealth:
           ctx.require(
               "marts.mart_monitoring_latest",
               message="No monitoring yet: run <code>plpred monitor</code>.",
           )
           checks = ctx.query("select_model_health", [ctx.league])
           if checks.empty:
               raise Unavailable(f"No monitoring run for {esc(ctx.league)} yet.")
           return ModelHealth(checks)

       def health_figure(data: ModelHealth) -> Figure:  # optional
           figure = new_figure(figsize=(12, 4))  # never pyplot: nothing to close
           ...
           return figure

       def render(data: ModelHealth) -> Fragment:
           columns = [col("metric", "check"), col("value", "value", fmt_number), ...]
           body = image(figure_data_uri(health_figure(data)), "...") + html_table(
               data.checks, columns
           )
           return Fragment(body, cards=[Card("Model health", "ok")])

       SECTION = ReportSection("health", "Model health", load, render)

3. Add one line, ``model_health.SECTION,``, to ``SECTIONS`` in ``sections/__init__.py`` at
   the place it should take on the page (and the module to that file's import). The
   navigation link, the headline cards, the guard that turns an error into a message and
   ``write_report``'s "without data yet" note come with it.
4. Run the report tests with ``PLPRED_UPDATE_SNAPSHOTS=1``
   (``tests/integration/test_report_and_queries.py -k snapshot``) and review the snapshot's
   diff: the new section's headings, tables and text, and nothing else.
"""

from __future__ import annotations

from .build import LEAGUE_NAMES, build_report, build_section, write_report
from .figures import bankroll_figure, bankroll_start
from .format import (
    ALL_SEASONS,
    Column,
    col,
    esc,
    figure_data_uri,
    fmt_date,
    fmt_kickoff,
    fmt_money,
    fmt_number,
    fmt_pct,
    fmt_signed,
    fmt_stamp_date,
    html_table,
    probability_bar,
    split_label,
)
from .page import render_page
from .section import (
    Card,
    Fragment,
    ReportContext,
    ReportSection,
    Section,
    TrainingRun,
    Unavailable,
)
from .sections import SECTIONS
from .sections.backtest import betting_verdict, chosen_backtest
from .sections.live_bets import live_betting_verdict
from .sections.live_record import live_record_figure, live_verdict
from .sections.model_vs_market import market_verdict, model_market_figure, season_comparison
from .sections.upcoming import best_edge

__all__ = [
    "ALL_SEASONS",
    "LEAGUE_NAMES",
    "SECTIONS",
    "Card",
    "Column",
    "Fragment",
    "ReportContext",
    "ReportSection",
    "Section",
    "TrainingRun",
    "Unavailable",
    "bankroll_figure",
    "bankroll_start",
    "best_edge",
    "betting_verdict",
    "build_report",
    "build_section",
    "chosen_backtest",
    "col",
    "esc",
    "figure_data_uri",
    "fmt_date",
    "fmt_kickoff",
    "fmt_money",
    "fmt_number",
    "fmt_pct",
    "fmt_signed",
    "fmt_stamp_date",
    "html_table",
    "live_betting_verdict",
    "live_record_figure",
    "live_verdict",
    "market_verdict",
    "model_market_figure",
    "probability_bar",
    "render_page",
    "season_comparison",
    "split_label",
    "write_report",
]
