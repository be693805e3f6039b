"""The report's small pure pieces: number formats, escaping, tables, bars and embedded images.

Every section builds its HTML fragment from these, so a number looks the same everywhere on
the page and every value from the warehouse is escaped on its way in."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ml.clock import uk_local
from ml.warehouse.connection import is_missing as missing

ALL_SEASONS = "all"
# Fewer settled bets than this and a profit says more about luck than about the strategy.
FEW_BETS = 300


def fmt_number(value: Any, digits: int = 4) -> str:
    return "–" if missing(value) else f"{float(value):,.{digits}f}"


def fmt_signed(value: Any, digits: int = 4) -> str:
    return "–" if missing(value) else f"{float(value):+,.{digits}f}"


def fmt_pct(value: Any, digits: int = 1, signed: bool = False) -> str:
    if missing(value):
        return "–"
    return f"{float(value):+.{digits}%}" if signed else f"{float(value):.{digits}%}"


def fmt_money(value: Any) -> str:
    return "–" if missing(value) else f"{float(value):,.2f}"


def fmt_date(value: Any, with_time: bool = False) -> str:
    if missing(value):
        return "–"
    stamp = pd.Timestamp(value)
    if with_time and stamp != stamp.normalize():
        return stamp.strftime("%a %d %b %Y, %H:%M")
    return stamp.strftime("%d %b %Y")


def fmt_stamp_date(value: Any) -> str:
    """The UK date of a stored timestamp (UTC, naive), e.g. when a model was promoted."""
    if missing(value):
        return "–"
    return fmt_date(uk_local(pd.Timestamp(value).to_pydatetime()))


def fmt_kickoff(value: Any) -> str:
    """'Tue 03 Mar, 19:30' from a UK wall-clock kickoff (``kickoff_at_uk``): the year is the
    season's, the time is UK time (no time: date only)."""
    if missing(value):
        return "–"
    stamp = pd.Timestamp(value)
    if stamp == stamp.normalize():
        return stamp.strftime("%a %d %b")
    return stamp.strftime("%a %d %b, %H:%M")


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"


def seasons(n: int) -> str:
    return count(n, "season")


def esc(value: Any) -> str:
    return html.escape("" if missing(value) else str(value))


def figure_data_uri(figure: Any, dpi: int = 100) -> str:
    """A matplotlib figure as an embedded PNG (``data:`` URI); the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image(uri: str, alt: str) -> str:
    return f'<figure><img src="{uri}" alt="{esc(alt)}"></figure>'


def paragraph(text: str, css: str | None = None) -> str:
    """A paragraph of already-safe HTML."""
    return f'<p class="{css}">{text}</p>' if css else f"<p>{text}</p>"


def notice(text: str) -> str:
    """What a section says when its data is absent: what is missing and what to run."""
    return f'<div class="notice">{text}</div>'


def code(text: str) -> str:
    return f"<code>{esc(text)}</code>"


def tone(text: str, value: Any, lower_is_good: bool = False) -> str:
    """``text`` in green when ``value`` is good news, red when bad, plain when zero."""
    if missing(value) or float(value) == 0:
        return text
    good = float(value) < 0 if lower_is_good else float(value) > 0
    return f'<span class="{"good" if good else "bad"}">{text}</span>'


@dataclass(frozen=True)
class Column:
    """A table column: ``render`` turns a row into cell HTML (escaped by default)."""

    header: str
    render: Callable[[pd.Series], str]
    numeric: bool = False
    title: str | None = None


def col(key: str, header: str, fmt: Callable[[Any], str] | None = None, **kwargs: Any) -> Column:
    """A column showing ``row[key]``, formatted by ``fmt`` (numeric) or escaped (text)."""
    if fmt is None:
        return Column(header, lambda row: esc(row[key]), **kwargs)
    return Column(header, lambda row: fmt(row[key]), numeric=True, **kwargs)


def toned(key: str, header: str, fmt: Callable[[Any], str], **kwargs: Any) -> Column:
    """A numeric column coloured by the sign of ``row[key]`` (see :func:`tone`)."""
    lower_is_good = kwargs.pop("lower_is_good", False)
    return Column(
        header,
        lambda row: tone(fmt(row[key]), row[key], lower_is_good=lower_is_good),
        numeric=True,
        **kwargs,
    )


def signed_pct(value: Any) -> str:
    return fmt_pct(value, signed=True)


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    row_class: Callable[[pd.Series], str | None] | None = None,
    css: str = "",
) -> str:
    head = "".join(
        f'<th class="{"num" if c.numeric else ""}"'
        + (f' title="{esc(c.title)}"' if c.title else "")
        + f">{esc(c.header)}</th>"
        for c in columns
    )
    body = []
    for _, row in frame.iterrows():
        cls = row_class(row) if row_class else None
        cells = "".join(
            f'<td class="{"num" if c.numeric else ""}">{c.render(row)}</td>' for c in columns
        )
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return (
        f'<div class="table-wrap"><table class="{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def total_row(row: pd.Series) -> str | None:
    """The row class of a table whose last row sums up the others (``label`` 'all')."""
    return "total" if row.get("label") == "all" else None


def probability_bar(home: Any, draw: Any, away: Any) -> str:
    """Home, draw and away as one stacked bar with the percentages in it."""
    if any(missing(v) for v in (home, draw, away)):
        return '<span class="muted">no price</span>'
    parts = []
    for css, value, name in (("h", home, "home"), ("d", draw, "draw"), ("a", away, "away")):
        share = max(float(value), 0.0)
        label = f"{share:.0%}" if share >= 0.12 else ""
        parts.append(
            f'<span class="{css}" style="width:{share * 100:.1f}%" '
            f'title="{name} {share:.1%}">{label}</span>'
        )
    return f'<div class="bar">{"".join(parts)}</div>'


def split_label(label: str | None) -> tuple[str, str] | None:
    """'hgb/with_market' into (model, variant)."""
    if not label or "/" not in label:
        return None
    model, _, variant = label.partition("/")
    return model, variant
