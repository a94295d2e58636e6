"""The rows of a streamed import, checked: each JSON line parsed, its record validated and given
its JSON text (keys sorted, as the store keeps it), that text's digest and the rows it makes in
a SQLite store (`Made`). Pure work on one row at a time, so that a big file's rows are checked
in other processes while the importing process writes the rows already checked
(`CheckedLines`): on two cores, checking and writing overlap instead of taking turns.

A checked row is a `Checked`; a line that is not one JSON object of a record as stored makes
the reader raise `NotStreamable` (the caller then imports the file the ordinary way), in
whichever process its chunk was checked.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import InvalidInput, PartnerkbError
from ..model import VALIDATORS
from ..queries import TYPE_OF_TABLE

Json = dict[str, Any]
TABLE_OF_TYPE = {singular: table for table, singular in TYPE_OF_TABLE.items()}

CHUNK = 2000  # lines a worker checks at a time
AHEAD = 3  # chunks sent to each worker before the first is taken back
WORKER_BYTES = 8 * 1024 * 1024  # files at least this big are checked in other processes


class NotStreamable(Exception):
    """The input holds something only the ordinary import reads (said before any write)."""


class Made(NamedTuple):
    """The rows a record gives in a SQLite store that do not depend on where it goes: what is
    left to the importing process is its document number, its search key (from that number)
    and, for a person whose role names an organization, the search row (that names it)."""

    record_id: str
    name: str  # its name, or title, or id: what the import's `name_of` gives for it
    columns: tuple[Any, ...]  # its row in the record table, between `doc` and its JSON text
    derived: tuple[tuple[str, list[tuple[Any, ...]]], ...]  # (INSERT, rows) of derived tables
    search: tuple[str, ...] | None  # `sqlite_search.row_values`, links staged; None: not made
    key: tuple[int, bool] | None  # `sqlite_search.key_of` with document number 0; None: not made


class Checked(NamedTuple):
    """One row, checked. `table` is None when the row is invalid: `error` (and `hint`) say
    why; else `text` is the record's JSON text (keys sorted), `digest` its digest and `made`
    its rows."""

    label: str  # "line N"
    table: str | None
    text: str
    digest: bytes
    error: str = ""
    hint: str | None = None
    made: Made | None = None


class _NeedsNames(Exception):
    """A search row that names another record (a role's organization): made by the importer."""


def _no_names(record_id: Any) -> str:
    raise _NeedsNames


_MAKERS: dict[str, list[tuple[str, Callable[[Json], Iterable[tuple[Any, ...]]]]]] = {}


def makers(table: str) -> list[tuple[str, Callable[[Json], Iterable[tuple[Any, ...]]]]]:
    """Each derived table's INSERT and what makes its rows from a record of `table`."""
    if table not in _MAKERS:
        from ..engines import relational
        from ..engines.sqlite import _STATEMENTS

        _MAKERS[table] = [(_STATEMENTS.insert_derived[name], make)
                          for name, make in relational.derived_makers(table)]  # fmt: skip
    return _MAKERS[table]


def made_rows(table: str, record: Json) -> Made:
    """The rows of a valid record of `table` that `Made` holds."""
    from ..engines import relational, sqlite_search

    columns = relational.row_of(table, 0, record, "")[1:-1]
    derived = tuple((statement, rows) for statement, make in makers(table)
                    if (rows := list(make(record))))  # fmt: skip
    search = key = None
    if table in sqlite_search.TABLE_CODE:
        try:
            search = sqlite_search.row_values(table, record, _no_names,
                                              sqlite_search.StagedRows.staged_links)  # fmt: skip
            key = sqlite_search.key_of(table, 0, record)
        except (_NeedsNames, AttributeError, KeyError, TypeError, ValueError):
            search = key = None  # named, or damaged: `sqlite_search.index_rows` says how
    record_id = str(record["id"])
    name = str(record.get("name") or record.get("title") or record_id)
    return Made(record_id, name, columns, derived, search, key)


def digest_of(text: str) -> bytes:
    """What tells two rows of one id apart: a 16-byte BLAKE2b digest of the record's JSON
    text (keys sorted)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def check_row(label: str, item: Json) -> Checked:
    """Validate one row (a record as stored with its table as `type`; `display` is dropped) and
    give its JSON text, digest and rows, or the reason it is invalid."""
    from ..engines.sqlite import _json_text

    try:
        table = TABLE_OF_TYPE[item["type"]]
        record = {k: v for k, v in item.items() if k not in ("type", "display")}
        VALIDATORS[table](record)
    except PartnerkbError as exc:
        return Checked(label, None, "", b"", exc.message)
    try:
        text = _json_text(record)
    except InvalidInput as exc:
        return Checked(label, None, "", b"", exc.message, exc.hint)
    return Checked(label, table, text, digest_of(text), made=made_rows(table, record))


def check_rows(items: Iterable[tuple[str, Json]]) -> Iterator[Checked]:
    """`check_row` of each (label, row), in this process, as they come."""
    for label, item in items:
        yield check_row(label, item)


def _record_of(number: int, line: bytes) -> Json | None:
    """The record a line holds; None for an empty line. NotStreamable for anything else."""
    import orjson

    from .importer import _is_record, _is_store

    text = line.strip()
    if number == 1:
        text = text.removeprefix(b"\xef\xbb\xbf")
    if not text:
        return None
    try:
        item = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise NotStreamable(f"line {number}") from None
    if not isinstance(item, dict) or not _is_record(item) or _is_store(item):
        raise NotStreamable(f"line {number}")
    return item


def _check_chunk(lines: list[tuple[int, bytes]]) -> list[Checked] | int:
    """The worker's part: the checked rows of these (number, line), or the number of the first
    line that is not a record as stored."""
    checked = []
    for number, line in lines:
        try:
            item = _record_of(number, line)
        except NotStreamable:
            return number
        if item is not None:
            checked.append(check_row(f"line {number}", item))
    return checked


def _chunks(path: Path) -> Iterator[list[tuple[int, bytes]]]:
    with open(path, "rb") as handle:
        chunk: list[tuple[int, bytes]] = []
        for number, line in enumerate(handle, 1):
            chunk.append((number, line))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _workers() -> int:
    """Processes that check rows: the cores but one (the importing process writes), 1 to 3."""
    return max(1, min(3, (os.cpu_count() or 1) - 1))


class CheckedLines:
    """The checked rows of the JSON Lines file at `path`, in file order, each time it is
    iterated. A file of `WORKER_BYTES` or more is checked in other processes (`_workers`), a
    few chunks of `CHUNK` lines ahead of the rows taken, so that memory stays bounded; a
    smaller one, or one whose workers cannot be started or fail, in this process. OSError
    when the file cannot be read; NotStreamable at the first line that is not a record."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[Checked]:
        if self.path.stat().st_size < WORKER_BYTES:
            return self._here(_chunks(self.path))
        return self._in_workers()

    def _in_workers(self) -> Iterator[Checked]:
        import multiprocessing

        chunks = _chunks(self.path)
        # forked where the platform forks safely (Linux): a worker runs only `_check_chunk`,
        # never the caller's script again, as a spawned one would import it
        method = "fork" if sys.platform == "linux" else "spawn"
        try:
            pool = ProcessPoolExecutor(_workers(), mp_context=multiprocessing.get_context(method))
        except (OSError, ValueError):
            yield from self._here(chunks)
            return
        pending: deque[tuple[list[tuple[int, bytes]], Future[list[Checked] | int] | None]]
        pending = deque()
        try:
            while True:
                while len(pending) < AHEAD * _workers():
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    try:
                        pending.append((chunk, pool.submit(_check_chunk, chunk)))
                    except Exception:  # the workers are gone (killed, out of memory)
                        pending.append((chunk, None))
                if not pending:
                    return
                chunk, future = pending.popleft()
                try:
                    done = future.result() if future is not None else _check_chunk(chunk)
                except Exception:  # a worker that died or could not start: checked here
                    done = _check_chunk(chunk)
                if isinstance(done, int):
                    raise NotStreamable(f"line {done}")
                yield from done
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _here(chunks: Iterator[list[tuple[int, bytes]]]) -> Iterator[Checked]:
        for chunk in chunks:
            done = _check_chunk(chunk)
            if isinstance(done, int):
                raise NotStreamable(f"line {done}")
            yield from done
