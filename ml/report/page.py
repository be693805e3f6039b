"""The page around the sections: header, navigation, headline cards, footer, from the Jinja2
template ``templates/page.html.j2`` (styles in ``templates/report.css``). Section bodies,
``meta`` and ``footer`` are already-safe HTML; every other value is escaped by the template."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .section import Section

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_page(sections: Sequence[Section], *, title: str, meta: str, footer: str) -> str:
    """The whole HTML document: header with navigation, headline cards, sections, footer."""
    shown = [
        {"key": s.key, "title": s.title, "body": Markup(s.body)}  # each section escapes its own
        for s in sections
    ]
    return (
        _environment()
        .get_template("page.html.j2")
        .render(
            title=title,
            meta=Markup(meta),  # noqa: S704: built from escaped values
            footer=Markup(footer),  # noqa: S704
            sections=shown,
            cards=[card for s in sections for card in s.cards],
        )
    )
