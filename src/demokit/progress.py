"""The themed progress every demo's seed shares: a demo states its look as data
(`demokit.seed_theme.SeedTheme`) and `SeedProgress` draws it — the opening line, the bars,
the per-record lines or live table and the mission-complete banner — so every storyline keeps
its own look without its own copy of the rich plumbing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressBar,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from .seed_theme import SeedTheme, fill, show_banner


class _ColouredBar(BarColumn):
    """A bar in its task's own ``colour`` (a rival's bar), else in the theme's colours."""

    def render(self, task: Task) -> ProgressBar:
        bar = super().render(task)
        if task.fields.get("colour"):
            bar.complete_style = bar.finished_style = task.fields["colour"]
        return bar


class _Rate(ProgressColumn):
    """Records per second since the bar started, through the theme's ``rate`` template."""

    def __init__(self, template: str) -> None:
        super().__init__()
        self.template = template

    def render(self, task: Task) -> Text:
        seconds = task.finished_time or task.elapsed
        rate = self.template.format(rate=task.completed / seconds) if seconds and task.completed else ""
        return Text(rate, style="dim")


class SeedProgress:
    """A seed's themed progress, used as a context manager around the writing (its bars stop on
    the way out, also on a failure). With ``enabled=False`` (the spec's runs) it draws nothing.
    `advance` may be called from any thread."""

    def __init__(
        self, theme: SeedTheme, total: int, *, console: Console | None = None, enabled: bool = True
    ) -> None:
        self.theme, self.total, self.enabled = theme, total, enabled
        self.console = console if console is not None else Console()
        self.started = time.perf_counter()
        self._lock = threading.RLock()
        self._bars = {bar.name: bar for bar in theme.bars}
        self._done = dict.fromkeys(self._bars, 0)
        self._rows: list[list[str]] = []
        self._tasks: dict[str, TaskID] = {}
        self._progress: Progress | None = None
        self._live: Live | None = None

    def __enter__(self) -> SeedProgress:
        if self.enabled:
            self._start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _start(self) -> None:
        theme = self.theme
        if theme.opening:
            opening = fill(theme, theme.opening, {"total": self.total})
            self.console.print(f"[bold {theme.accent}]{escape(theme.persona)}[/] [dim]{opening}[/]")
        columns: list[ProgressColumn] = []
        if theme.spinner:
            columns.append(SpinnerColumn(theme.spinner, style=theme.spinner_style or theme.accent))
        columns += [
            TextColumn("{task.description}"),
            _ColouredBar(
                theme.bar_width, complete_style=theme.accent, finished_style=theme.finished or theme.accent
            ),
            MofNCompleteColumn(),
        ]
        columns += [_Rate(theme.rate)] if theme.rate else []
        columns += [TimeElapsedColumn()] if theme.elapsed else []
        self._progress = Progress(*columns, console=self.console)
        for bar in theme.bars:
            label = fill(theme, bar.label, {"n": 0, "total": bar.total or self.total}, bar)
            self._tasks[bar.name] = self._progress.add_task(
                label, total=bar.total or self.total, colour=bar.colour
            )
        if theme.columns:
            self._live = Live(console=self.console, refresh_per_second=12, get_renderable=self._render)
            self._live.start()
        else:
            self._progress.start()

    def _render(self) -> RenderableType:
        """The live table of the latest records over the bars (read without the lock: a refresh
        must not wait for a writer that is printing)."""
        table = Table(border_style=self.theme.accent, header_style=f"bold {self.theme.accent}")
        for column in self.theme.columns:
            table.add_column(column.header, style=column.style, justify=column.justify)
        for row in self._rows[-self.theme.rows :]:
            table.add_row(*row)
        return Group(table, self._progress) if self._progress is not None else table

    def advance(
        self, bar: str = "", steps: int = 1, /, *, completed: int | None = None, **fields: Any
    ) -> None:
        """Count ``steps`` records on ``bar`` (the first by default), or set it to ``completed``.
        ``fields`` fill its status and, on the first bar, the record's line and table row; a call
        without fields only moves the bar (to full at the end, say)."""
        if self._progress is None:
            return
        spec = self._bars[bar] if bar else self.theme.bars[0]
        with self._lock:
            n = self._done[spec.name] + steps if completed is None else completed
            self._done[spec.name] = n
            values = {"n": n, "total": spec.total or self.total, **fields}
            update: dict[str, Any] = {"completed": n}
            if spec.status and fields:
                update["description"] = fill(self.theme, spec.status, values, spec)
            self._progress.update(self._tasks[spec.name], **update)
            if spec is not self.theme.bars[0] or not fields:
                return
            theme = self.theme
            if theme.line and (n <= theme.lines or (theme.every and n % theme.every == 0)):
                self.console.print(fill(theme, theme.line, values, spec))
            if theme.columns:
                row = [fill(theme, c.cell, values) for c in theme.columns]
                self._rows = [*self._rows, row][-theme.rows :]

    def say(self, template: str, **fields: Any) -> None:
        """Print one line of the persona's above the bars."""
        if self._progress is not None:
            self.console.print(fill(self.theme, template, {"total": self.total, **fields}))

    def stop(self) -> None:
        """Stop the bars, leaving them on the screen as they are."""
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self.console.line()  # a blank line between the table and the banner
            elif self._progress is not None:
                self._progress.stop()
            self._live = self._progress = None

    def finish(self, rows: Sequence[Mapping[str, Any]] = (), **fields: Any) -> None:
        """Stop the bars and print the mission-complete banner (``{seconds}`` is the run's time)."""
        if not self.enabled:
            return
        self.stop()
        seconds = time.perf_counter() - self.started
        show_banner(self.console, self.theme, rows, **{"total": self.total, "seconds": seconds, **fields})
