"""How a long operation (an import, an export, a batch of writes) says how far it has got.

The core never prints: it calls a `Progress` that the caller passes in, and the command line
draws it (a bar on stderr when stderr is a terminal, nothing otherwise). `NO_PROGRESS` is the
default everywhere: it does nothing and costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import Protocol, TypeVar

T = TypeVar("T")


class Progress(Protocol):
    """Receives `(task, done, total)`: `task` says in words what is being done ("checking
    rows"), `done` how many of its items are finished (0 when it starts), `total` how many
    there are, or None when that is not known. A new `task` text starts a new stage; reports of
    one stage come in increasing order of `done`."""

    def __call__(self, task: str, done: int, total: int | None) -> None: ...


def _nothing(task: str, done: int, total: int | None) -> None:
    return None


NO_PROGRESS: Progress = _nothing

# at most about this many reports per stage: a report costs a call, the items may cost less
_REPORTS_PER_STAGE = 400


def tracked(
    items: Iterable[T], progress: Progress, task: str, total: int | None = None
) -> Iterator[T]:
    """Yield `items`, reporting to `progress` as stage `task`: once at the start (done 0), every
    few items, and once at the end with the count of items yielded. `total` defaults to
    `len(items)` when the items have a length. With `NO_PROGRESS` the items pass straight
    through."""
    if progress is NO_PROGRESS:
        yield from items
        return
    if total is None and isinstance(items, Sized):
        total = len(items)
    step = max(1, (total or 0) // _REPORTS_PER_STAGE) if total else 64
    progress(task, 0, total)
    done = 0
    for item in items:
        yield item
        done += 1
        if done % step == 0:
            progress(task, done, total)
    if done % step:
        progress(task, done, total)


def stage(progress: Progress, task: str) -> None:
    """Report a stage whose size is not known (a file being written, a page fetched)."""
    progress(task, 0, None)
