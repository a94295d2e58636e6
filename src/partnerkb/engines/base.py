"""What every storage engine offers the commands: a read view, one transaction per command,
creation, its lock, and a summary for `partnerkb info`.

Two engines implement it: the JSON file in TinyDB's layout (`partnerkb.store.Store`, the default
and the shipped format) and SQLite (`partnerkb.engines.sqlite.SqliteStore`). `open_engine` (in
this package) picks one for a store path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ..progress import NO_PROGRESS, Progress
from ..store import NeedsWholeStore, StoreData, StoreLocation, Transaction

T = TypeVar("T")


@dataclass
class StoreSummary:
    """What `partnerkb info` tells of a store besides where it is.

    `counts`: table -> number of records (meta and history included); `schema_version`: the
    record schema (model.SCHEMA_VERSION when written by this version); `layout_version`: the
    engine's own file layout (SQLite's `PRAGMA user_version`; None for JSON); `last_write`: the
    `at` and `command` of the latest history entry, or None when the history is empty.
    """

    counts: dict[str, int]
    schema_version: int | None
    layout_version: int | None = None
    last_write: dict[str, str] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    size_bytes: int | None = None  # the store's size where it is no file (a database's tables)


@dataclass
class Migration:
    """What `partnerkb migrate` did to a store (or, with `dry_run`, would do).

    `store`: its name (path or URL); `engine`: json, sqlite or postgresql; `layout_before`,
    `layout_after`: the engine's layout version before and after (None for JSON, which has
    none); `steps`: what was done, in words, in order (empty: the store was up to date).
    """

    store: str
    engine: str
    layout_before: int | None
    layout_after: int | None
    steps: list[str]
    dry_run: bool = False


class Engine(Protocol):
    """A store in one engine's file. Every failure to read, lock or write is a StoreError
    (exit code 3) with one line; a refused write leaves the file byte-identical."""

    engine: str  # "json", "sqlite" or "postgresql"
    location: StoreLocation
    created: bool  # whether the last write created the file (the user's store, seeded)
    history_id: str | None  # the history entry the last write added
    last_transaction: Transaction | None
    lock_seconds: float | None  # how long the last write held the lock

    @property
    def path(self) -> Path: ...

    def read(self) -> StoreData:
        """A view of the store's records as `StoreData` (tables loaded when first used)."""
        ...

    def apply(self, command: str, work: Callable[[Transaction], T], *, dry_run: bool = False,
              narrow: bool = False) -> T:  # fmt: skip
        """Run `work` on a transaction and write its changes, with one history entry, at once;
        a dry run writes nothing. `work` may run more than once: it must only change `tx`.
        `narrow`: `work` adds one event (the caller's hint): an engine made for many writers
        may run it beside other writes, holding only what it claims (`Transaction.narrow`)."""
        ...

    def transaction(
        self, command: str, *, dry_run: bool = False
    ) -> contextlib.AbstractContextManager[Transaction]:
        """The same as `apply`, holding the store's lock for the whole block."""
        ...

    def create(self, data: StoreData) -> None:
        """Write a new store holding `data`; refuses to replace an existing file."""
        ...

    def locked(self, command: str = "") -> contextlib.AbstractContextManager[None]:
        """Hold the store's write lock for the block ($PARTNERKB_LOCK_TIMEOUT, then StoreError)."""
        ...

    def summary(self) -> StoreSummary: ...

    def migrate(self, *, dry_run: bool = False, progress: Progress = NO_PROGRESS) -> Migration:
        """Bring a store of an older layout up to this version's, in one transaction holding
        the write lock (StoreError, store unchanged, if it fails; a dry run changes nothing)."""
        ...


class DatabaseStore:
    """The write path of the database engines (SQLite, PostgreSQL): each command is one
    database transaction holding the engine's write lock throughout, so `work` runs once.

    A subclass gives `read()` (a read-only view), `_writing(command)` (a context manager
    yielding a connection inside a transaction that holds the write lock, committed when the
    block ends normally, rolled back otherwise; StoreError when the lock or commit fails),
    `_write_view(conn)` (the store as that connection sees it) and `_write(conn, tx, command)`
    (the transaction's changes and its history entry, written on that connection).
    """

    history_id: str | None
    last_transaction: Transaction | None
    narrow_writes = False  # whether `_writing(command, narrow=True)` may run beside others

    def read(self) -> StoreData:
        raise NotImplementedError

    def _writing(self, command: str, *, narrow: bool = False
                 ) -> contextlib.AbstractContextManager[Any]:  # fmt: skip
        raise NotImplementedError

    def _claim(self, conn: Any, record_ids: list[str]) -> None:
        raise NotImplementedError

    def _write_view(self, conn: Any) -> StoreData:
        raise NotImplementedError

    def _write(self, conn: Any, tx: Transaction, command: str) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def locked(self, command: str = "") -> Iterator[None]:
        """Hold the store's write lock for the block."""
        with self._writing(command):
            yield

    def apply(self, command: str, work: Callable[[Transaction], T], *, dry_run: bool = False,
              narrow: bool = False) -> T:  # fmt: skip
        """Run `work` on a transaction and write its changes and one history entry in one
        database transaction. A dry run reads, runs `work`, checks references, writes nothing.
        `narrow` (work adds one event), on an engine with `narrow_writes`: first as a narrow
        transaction beside other writes (`Transaction.narrow`); if `work` does more
        (NeedsWholeStore), that one is rolled back and `work` runs again holding the store."""
        if narrow and self.narrow_writes and not dry_run:
            try:
                with self.transaction(command, narrow=True) as tx:
                    return work(tx)
            except NeedsWholeStore:
                pass  # rolled back: again, holding the whole store
        with self.transaction(command, dry_run=dry_run) as tx:
            return work(tx)

    @contextlib.contextmanager
    def transaction(self, command: str, *, dry_run: bool = False,
                    narrow: bool = False) -> Iterator[Transaction]:  # fmt: skip
        """Let the caller change a transaction; check its references and write it at once
        (`narrow`: see `apply`; then NeedsWholeStore may come out of the block)."""
        self.history_id = None
        if dry_run:
            tx = Transaction(self.read())
            self.last_transaction = tx
            yield tx
            if tx.changes:
                tx.check_references()
            return
        with self._writing(command, narrow=narrow) as conn:
            claim = (lambda ids: self._claim(conn, ids)) if narrow else None
            tx = Transaction(self._write_view(conn), claim)
            self.last_transaction = tx
            yield tx
            if not tx.changes:
                return
            tx.check_references()
            self._write(conn, tx, command)


def history_tail(entries: Iterator[dict[str, Any]]) -> dict[str, str] | None:
    """`at` and `command` of the last entry given, if any."""
    last = None
    for entry in entries:
        last = entry
    if not isinstance(last, dict):
        return None
    return {"at": str(last.get("at") or ""), "command": str(last.get("command") or "")}
