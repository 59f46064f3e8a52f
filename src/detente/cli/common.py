"""What every command of the ``detente`` command line shares: the consoles,
one-line errors (exit status 2), the check for an extra, the progress bar and
the compact number format of the tables."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Column
from rich.text import Text

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = [
    "err_console",
    "fail",
    "fmt_num",
    "load",
    "need",
    "out_console",
    "progress",
    "worker_count",
]

out_console = Console()
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print a one-line error to stderr; the caller raises the returned Exit(2)."""
    # The message is text, not Rich markup: "detente[jax]" must print as written.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def need(feature: str, *extras: str) -> None:
    """Before any work: stop with one line naming the extra if a module is missing."""
    from detente.extras import MissingExtra, require

    try:
        require(feature, *extras)
    except MissingExtra as e:
        raise fail(str(e)) from None


def load(name_or_path: str, hindcast: bool = True) -> Scenario:
    """A built-in scenario or a YAML file, or one line naming the file's first error."""
    from detente.scenario.loading import ScenarioError, load_scenario

    try:
        return load_scenario(name_or_path, hindcast=hindcast)
    except ScenarioError as e:
        raise fail(str(e)) from None


def worker_count(workers: int) -> int:
    """``--workers``: the number given, or one per CPU for 0."""
    return workers or (os.cpu_count() or 1)


class _CountRate(ProgressColumn):
    """``1,234/6,000 410/s``: the count (of the total, when known) and the rate."""

    def render(self, task: Task) -> Text:
        done = f"{int(task.completed):,}"
        if task.total is not None:
            done += f"/{int(task.total):,}"
        speed = task.finished_speed or task.speed
        rate = "" if not speed else f" {speed:,.0f}/s" if speed >= 10 else f" {speed:.1f}/s"
        return Text(done + rate, style="progress.download")


def progress(verb: str) -> Progress:
    """A progress bar on standard error with the count, the rate and the time left;
    the description is cut, never the numbers, on a narrow terminal."""
    return Progress(
        TextColumn(
            f"[bold]{verb}[/] {{task.description}}",
            # The description gives way first: count, rate and time left stay whole.
            table_column=Column(
                no_wrap=True, overflow="ellipsis", max_width=max(12, err_console.width - 48)
            ),
        ),
        BarColumn(bar_width=None if err_console.width > 100 else 12),
        _CountRate(table_column=Column(no_wrap=True)),
        TimeRemainingColumn(table_column=Column(no_wrap=True)),
        console=err_console,
        transient=True,
    )


def fmt_num(x: float) -> str:
    """A count in at most five characters: ``950``, ``1.2k``, ``35k``, ``1.25M``."""
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e4:
        return f"{x / 1e3:.0f}k"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"
