"""How a demo's seed looks, stated as data (`SeedTheme`), and its mission-complete banner;
`demokit.progress` draws the rest. Kept apart so that a theme is read in one screen.

Every text is a `str.format` template of rich markup (a literal brace is doubled). Its fields:
``{tag}`` (the persona's ``[tag]`` in its bar's colour), ``{accent}`` and the theme's palette
names, ``{n}`` (records done on the bar), ``{total}``, ``{seconds}`` (since the start) and
what the demo passes. A passed string is escaped — a feed's ``[/]`` stays text — unless it
is `Markup`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree


class Markup(str):
    """A field value that is rich markup already (a rainbow of tags): put in as it is."""


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, an ellipsis marking the cut (a title in a status line)."""
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Column:
    """A column of the live table or of the banner's grid; ``cell`` is a template of a record."""

    header: str = ""
    cell: str = ""
    style: str = ""
    justify: JustifyMethod = "left"


@dataclass(frozen=True)
class Bar:
    """One progress bar: ``label`` until its first record, then ``status`` (if any) of the latest.
    ``tag`` and ``colour`` are the theme's persona and accent unless given (a rival's bar)."""

    name: str
    label: str
    status: str = ""
    tag: str = ""
    colour: str = ""
    total: int | None = None  # the seed's total unless given (a per-batch bar)


@dataclass(frozen=True)
class Banner:
    """The mission-complete panel: a title, a subtitle, a text and the summary rows (one cell per
    column), the rows drawn as a tree's branches under the text when ``tree`` is set."""

    title: str
    subtitle: str = ""
    text: str = ""
    columns: tuple[Column, ...] = ()
    tree: bool = False
    colour: str = ""  # of the title; the accent unless given
    border: str = ""  # the accent unless given


@dataclass(frozen=True)
class SeedTheme:
    """How one demo's seed looks. The first bar is the records' own: its records show as the
    ``line`` printed (the first ``lines`` of them, then every ``every``-th) and as the rows of a
    live table of the latest ``rows`` when ``columns`` are given."""

    persona: str
    accent: str
    opening: str
    bars: tuple[Bar, ...]
    banner: Banner
    tag: str = ""  # the persona's short name in lines; the persona unless given
    palette: Mapping[str, str] = field(default_factory=dict)  # more colours, by template name
    finished: str = ""  # a full bar's colour; the accent unless given
    spinner: str | None = "dots12"
    spinner_style: str = ""
    bar_width: int | None = 30
    line: str = ""
    lines: int = 12
    every: int = 0
    columns: tuple[Column, ...] = ()
    rows: int = 12
    rate: str = ""  # a records-per-second column's template ("{rate:,.0f} posts/s"); none if empty
    elapsed: bool = False


def fill(theme: SeedTheme, template: str, fields: Mapping[str, Any], bar: Bar | None = None) -> str:
    """``template`` with the theme's fields and ``fields`` (strings escaped unless `Markup`)."""
    tag = (bar.tag if bar else "") or theme.tag or theme.persona
    colour = (bar.colour if bar else "") or theme.accent
    values = {
        k: escape(v) if isinstance(v, str) and not isinstance(v, Markup) else v for k, v in fields.items()
    }
    base = {"accent": theme.accent, **theme.palette, "tag": f"[bold {colour}]{escape(f'[{tag}]')}[/]"}
    return template.format(**base, **values)


def show_banner(
    console: Console, theme: SeedTheme, rows: Sequence[Mapping[str, Any]] = (), **fields: Any
) -> None:
    """Print the theme's mission-complete panel, its rows filled from ``rows``, its texts from ``fields``."""
    spec = theme.banner
    text = fill(theme, spec.text, fields) if spec.text else ""
    cells = [[fill(theme, c.cell, row) for c in spec.columns] for row in rows]
    body: RenderableType
    if spec.tree:
        body = Tree(text, guide_style=theme.accent)
        for row_cells in cells:
            body.add(" ".join(row_cells))
    else:
        headers = any(c.header for c in spec.columns)
        grid = Table(
            box=None,
            show_header=headers,
            header_style="bold",
            padding=(0, 2),
            pad_edge=False,
            collapse_padding=True,
        )
        for column in spec.columns:
            grid.add_column(column.header, style=column.style, justify=column.justify)
        for row_cells in cells:
            grid.add_row(*row_cells)
        body = Group(*([text] if text else []), *([grid] if cells else []))
    subtitle = f"[dim]{fill(theme, spec.subtitle, fields)}[/]" if spec.subtitle else None
    panel = Panel(
        body,
        title=f"[bold {spec.colour or theme.accent}]{fill(theme, spec.title, fields)}[/]",
        subtitle=subtitle,
        border_style=spec.border or theme.accent,
        expand=False,
    )
    if subtitle is not None:  # a Panel fits its body and title, not its subtitle: widen it to show it all
        width = Text.from_markup(subtitle).cell_len + 6
        if width > console.measure(panel).maximum:
            panel.expand, panel.width = True, min(width, console.width)
    console.print(panel)
