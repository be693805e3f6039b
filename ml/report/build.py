"""Build the page: open the warehouse once, give every registered section the same context,
turn a section's :class:`~ml.report.section.Unavailable` or error into a notice, and write
the file atomically."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console

from ml.clock import UK, as_utc
from ml.clock import now as clock_now
from ml.config import Settings
from ml.warehouse.connection import Connection, connect

from .format import count, esc, fmt_date, missing, notice
from .page import render_page
from .section import ReportContext, ReportSection, Section, TrainingRun, Unavailable, latest_run
from .sections import SECTIONS

LEAGUE_NAMES = {
    "E0": "Premier League",
    "E1": "Championship",
    "E2": "League One",
    "SP1": "La Liga",
    "D1": "Bundesliga",
    "I1": "Serie A",
    "F1": "Ligue 1",
    "SC0": "Scottish Premiership",
}
FOOTER = (
    "Written by <code>plpred report</code>. Every number comes from the warehouse through "
    "<code>sql/report/*.sql</code>; <code>plpred sql --list</code> lists the questions you "
    "can ask it directly. Past results, honestly measured, do not promise future profit."
)


def build_section(spec: ReportSection, ctx: ReportContext, console: Console) -> Section:
    """One section; a warehouse error becomes a message in that section, not a lost report."""
    try:
        fragment = spec.render(spec.load(ctx))
    except Unavailable as absent:
        return Section(spec.key, spec.title, notice(absent.message), False, absent.cards)
    except Exception as exc:  # the driver's own errors differ per target; all end up here
        console.print(f"[yellow]report: the {spec.title.lower()} section failed: {exc}[/yellow]")
        return Section(
            spec.key,
            spec.title,
            notice(
                f"This section could not be built: {esc(exc)}. Has <code>plpred transform</code> "
                "run since the last code update?"
            ),
            False,
        )
    return Section(spec.key, spec.title, fragment.html, fragment.available, fragment.cards)


def _guarded_run(conn: Connection, league: str, console: Console) -> TrainingRun | None:
    try:
        return latest_run(conn, league)
    except Exception as exc:  # as in build_section: a report with messages beats no report
        console.print(f"[yellow]report: cannot read the latest training run: {exc}[/yellow]")
        return None


def _data_status(ctx: ReportContext) -> str:
    if ctx.missing("marts.mart_match_features"):
        return "no marts built yet"
    row = ctx.query("select_data_status", [ctx.league]).iloc[0]
    if missing(row["latest_result_date"]):
        return "no results yet"
    waiting = 0 if missing(row["matches_without_result"]) else int(row["matches_without_result"])
    waiting_text = count(waiting, "match", "matches")
    return f"results up to {esc(fmt_date(row['latest_result_date']))} · {waiting_text} without a result"


def build_report(
    settings: Settings,
    *,
    now: datetime | None = None,
    console: Console | None = None,
    sections: Sequence[ReportSection] = SECTIONS,
) -> tuple[str, list[Section]]:
    """The report's HTML and its sections, read from the configured warehouse.

    ``now`` (aware in any zone, or naive UTC; default: the wall clock) decides which upcoming
    matches have kicked off and is shown as the generation time, in UK time. ``sections``
    defaults to the registry, :data:`ml.report.sections.SECTIONS`.
    """
    from ml.modeling.registry import model_name

    console = console or Console(stderr=True)
    now = as_utc(now or clock_now())
    league = settings.league
    with connect(settings) as conn:
        run = _guarded_run(conn, league, console)
        ctx = ReportContext(conn, league, model_name(league), now, run)
        status = _data_status(ctx)
        built = [build_section(spec, ctx, console) for spec in sections]
    name = LEAGUE_NAMES.get(league, league)
    generated = now.astimezone(UK)
    meta = (
        f"{esc(name)} ({esc(league)}) · generated "
        f"{esc(generated.strftime('%d %b %Y, %H:%M'))} UK time ({esc(generated.tzname())}) · "
        f"{esc(settings.target)} warehouse · {status}"
    )
    page = render_page(built, title=f"plpred · {name}", meta=meta, footer=FOOTER)
    return page, built


def write_report(
    settings: Settings,
    console: Console | None = None,
    *,
    path: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """Write the report (``PLPRED_HOME/reports/report.html`` by default) and return its path."""
    console = console or Console(stderr=True)
    page, sections = build_report(settings, now=now, console=console)
    target = path or settings.report_path
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(target.suffix + ".tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(target)
    empty = [s.title.lower() for s in sections if not s.available]
    note = f"; without data yet: {', '.join(empty)}" if empty else ""
    console.print(f"report written to {target} ({len(page) / 1024:,.0f} KB{note})")
    return target
