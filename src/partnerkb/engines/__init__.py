"""Storage engines: which one a store path uses, and opening it.

A PostgreSQL URL (postgresql://...) is the PostgreSQL engine (`engines.postgresql`). An
existing file is read by its content (SQLite's 16-byte header; a JSON object), a new one (or
one that is neither) by its extension (`.sqlite`, `.sqlite3`, `.db`: SQLite; anything else:
JSON); `init --engine` says it outright. A file of neither kind is refused by the engine its
name asks for.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InvalidInput
from ..store import StoreLocation
from .base import Engine, StoreSummary

__all__ = ["ENGINES", "Engine", "StoreSummary", "engine_of", "open_engine", "new_engine"]

ENGINES = ("json", "sqlite")
HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")


def engine_by_name(path: Path) -> str:
    """The engine a new file at `path` gets from its extension."""
    return "sqlite" if path.suffix.lower() in SQLITE_SUFFIXES else "json"


def engine_of(path: Path) -> str:
    """'sqlite' or 'json': by content for an existing file, else by extension."""
    head = _head(path, len(HEADER))
    if head is None:  # missing, unreadable or not a regular file: the engine opening it says so
        return engine_by_name(path)
    if head == HEADER:
        return "sqlite"
    if head.lstrip()[:1] == b"{":
        return "json"
    return engine_by_name(path)


def check_engine(name: str | None, option: str = "--engine") -> str | None:
    """An engine name as given (any case), or InvalidInput naming the choices."""
    if name is None:
        return None
    lowered = name.strip().lower()
    if lowered not in ENGINES:
        raise InvalidInput(f"{option}: {name!r} is not an engine", hint="json or sqlite")
    return lowered


def _location(location: StoreLocation | Path | str) -> StoreLocation:
    """A store given as a location, a path, or a --db value (a path or a PostgreSQL URL)."""
    if isinstance(location, StoreLocation):
        return location
    if isinstance(location, str):
        from ..store import locate_store

        return locate_store(location)
    return StoreLocation(location, "option")


def new_engine(location: StoreLocation | Path | str, engine: str) -> Engine:
    """The engine object for a store at `location` in `engine` ('json' or 'sqlite'); a
    PostgreSQL URL's location is the PostgreSQL engine whatever `engine` says."""
    location = _location(location)
    if location.url is not None:
        from .postgresql import PostgresStore

        return PostgresStore(location)
    if engine == "sqlite":
        from .sqlite import SqliteStore

        return SqliteStore(location)
    from ..store import Store

    return Store(location)


def open_engine(location: StoreLocation | Path | str, *, seed: Path | None = None) -> Engine:
    """The engine of the store at `location` (a location, a path, or a --db value: a path or a
    PostgreSQL URL; see the module's doc). `seed`: the JSON store a missing user store is
    created from on its first write (see `store.Store`)."""
    location = _location(location)
    if location.url is not None:
        return new_engine(location, "postgresql")
    if seed is not None and not os.path.lexists(location.path):
        from ..store import Store

        return Store(location, seed=seed)
    return new_engine(location, engine_of(location.path))


def change_counter(path: Path) -> tuple[int, ...]:
    """(the file change counter of SQLite's header,) for a SQLite file, which SQLite increases
    with every committed write (in rollback-journal mode); () for any other file."""
    head = _head(path, 28)
    if head is None or len(head) < 28 or not head.startswith(HEADER):
        return ()
    return (int.from_bytes(head[24:28], "big"),)


def _head(path: Path, size: int) -> bytes | None:
    """The first `size` bytes of a regular file; None for anything else (a FIFO is never
    opened for reading, which would wait for a writer)."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        return os.read(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)
