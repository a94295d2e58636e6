"""The progress of a long command (import, export, a batch of writes), drawn as a Rich bar on
stderr while it runs and cleared when it ends.

Drawn only when stderr is a terminal and --quiet is not given: a pipe, a file or a log never
receives it, and stdout is never touched. The core reports through `partnerkb.progress`; this
module is the only one that draws it. Rich is imported when a bar is first drawn, not before.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..progress import NO_PROGRESS, Progress

# the bars being drawn now: a message on stderr (common.say) first takes them off the screen
DRAWN: list[_Bar] = []

# a stage's bar is redrawn at most this often (seconds); the last report of a stage always is
_MIN_INTERVAL = 0.05


def shows_progress() -> bool:
    """A bar is drawn when stderr is a terminal and --quiet was not given."""
    from .common import quiet

    if quiet():
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A `Progress` for the core to report to for the time of the block: a bar on a terminal,
    `NO_PROGRESS` otherwise. The bar is cleared when the block ends, whatever ends it, so that
    what follows (the output, the report, an error) is written on a clean line."""
    if not shows_progress():
        yield NO_PROGRESS
        return
    bar = _Bar()
    try:
        yield bar
    finally:
        bar.pause()


def pause_bars() -> None:
    """Take every bar off the screen (it comes back at its next report)."""
    for bar in list(DRAWN):
        bar.pause()


class _Bar:
    """One Rich progress display: a line per stage, replaced when the next stage starts."""

    def __init__(self) -> None:
        self._display: Any = None
        self._task: Any = None
        self._stage: str | None = None
        self._drawn_at = 0.0

    def __call__(self, task: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        same_stage = task == self._stage and self._display is not None
        if same_stage and done != total and now - self._drawn_at < _MIN_INTERVAL:
            return
        self._drawn_at = now
        if self._display is None:
            self._start()
        if not same_stage:
            if self._task is not None:
                self._display.remove_task(self._task)
            self._task = self._display.add_task(task, total=total)
            self._stage = task
        self._display.update(self._task, completed=done, total=total)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.text import Text

        class Count(MofNCompleteColumn):
            """"120/7535", or nothing for a stage of unknown size (not "0/?")."""

            def render(self, task: Any) -> Text:
                return Text("") if task.total is None else super().render(task)

        console = Console(file=sys.stderr, highlight=False, emoji=False, markup=False)
        self._display = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            Count(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            # stdout is the data: never redirected, never drawn over
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._display.start()
        DRAWN.append(self)

    def pause(self) -> None:
        """Clear the bar from the screen; the next report draws it again."""
        if self._display is None:
            return
        display, self._display = self._display, None
        self._task = self._stage = None
        if self in DRAWN:
            DRAWN.remove(self)
        display.stop()
