"""The SQLite engine: a store in one SQLite file (stdlib `sqlite3`), for stores too big to parse
whole on every command.

Layout: `engines.relational` (one SQL table per store table with the whole record as JSON, plus
typed columns, derived tables and views for SQL users; docs/store-format.md). The file says what
it is: SQLite's header, `PRAGMA application_id` = 0x504B4231 ("PKB1"), and the layout version in
`PRAGMA user_version`; the records' schema version is in the `meta` record, as in JSON.

Reads open the file read-only (`mode=ro`) and load a table only when a command touches it;
`get(id)` is an indexed look-up. Writes: one command is one SQLite transaction (`BEGIN
IMMEDIATE`, SQLite's own locking, waiting up to $PARTNERKB_LOCK_TIMEOUT), applying the
transaction's changes row by row and adding the history entry, then COMMIT. The journal is
SQLite's rollback journal (`journal_mode=DELETE`), not WAL: a reader then never needs to write
beside the store (WAL readers create `-shm` and `-wal` files), so a store in a read-only folder,
or on read-only media, reads as it is.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload
from urllib.parse import quote

from ..errors import InvalidInput, StoreError
from ..model import ABSENT_PARTS, SCHEMA_VERSION, TABLES, references
from ..progress import NO_PROGRESS, Progress, tracked
from ..search_candidates import SearchCandidates, SearchRequest
from ..store import (
    ALL_TABLES,
    StoreData,
    StoreLocation,
    Transaction,
    citation_order,
    own_citations,
    real_path,
    refuse_unwritable_file,
    special_file_kind,
)
from . import HEADER, relational, sqlite_search
from .base import DatabaseStore, Migration, StoreSummary

Json = dict[str, Any]

APPLICATION_ID = 0x504B4231  # "PKB1"
# PRAGMA user_version: the layout of engines.relational this code writes. 2 added the derived
# table event_entities, 3 the derived table refs, 4 search's full-text index (engines.sqlite_search:
# a partnerkb that does not keep it must not write such a store); a store of an older layout is
# brought to this one by its next write (until then search folds every record).
LAYOUT_VERSION = 4
_STATEMENTS = relational.statements(relational.SQLITE)
_OPEN: list[sqlite3.Connection] = []  # read connections of this process, closed by close_all


def opened() -> int:
    """How many read connections this process has opened and not closed (see `close_since`)."""
    return len(_OPEN)


def close_since(mark: int = 0) -> None:
    """Close the read connections opened since `opened()` returned `mark` (the CLI does at the
    end of a command; a closed view cannot load more tables)."""
    while len(_OPEN) > mark:
        with contextlib.suppress(sqlite3.Error):
            _OPEN.pop().close()


# ---------------------------------------------------------------------------------------------
# Opening a file
# ---------------------------------------------------------------------------------------------


def _failure(path: Path, exc: sqlite3.Error, doing: str = "read") -> StoreError:
    """One line for what SQLite said."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        from ..locking import lock_timeout

        return StoreError(
            f"the store {path} is locked by another process (SQLite's lock: a write in "
            f"progress); waited {lock_timeout():g} s, nothing written",
            hint="try again when it is done, or wait longer with PARTNERKB_LOCK_TIMEOUT=SECONDS",
        )
    if ("readonly" in text or "read-only" in text) and os.path.exists(f"{path}-journal"):
        return StoreError(
            f"the store {path} has an unfinished write (its journal {path}-journal), which "
            "only someone who may write the store can roll back; refusing to read it half-done",
            hint="run any partnerkb command on it as a user who may write it",
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(f"cannot write the store {path}: {text}; it is unchanged")
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        truncated = _truncation(path)
        if truncated:
            return StoreError(
                f"{path} is truncated ({truncated}); refusing to use it",
                hint="restore it from a backup; partnerkb never overwrites it",
            )
        return StoreError(
            f"{path} is not a sound SQLite store ({text}); refusing to use it",
            hint="restore it from a backup; partnerkb never overwrites it",
        )
    return StoreError(f"cannot {doing} the store {path}: {text}")


def _truncation(path: Path) -> str | None:
    """'N bytes of M' when the file is shorter than its header says, else None. Read only to
    explain an error SQLite reported: outside SQLite's locks, a write in progress may have
    written the header of a file not grown yet."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
        size = os.stat(path).st_size
    except OSError:
        return None
    if len(head) < 100:
        return None
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    # the page count is valid when written by SQLite 3.7 or later (change counters agree)
    if pages and head[24:28] == head[92:96] and size < page_size * pages:
        return f"{size} bytes of {page_size * pages}"
    return None


def _check_file(path: Path) -> None:
    """Refuse what is missing or not a regular file, as the JSON engine does."""
    try:
        status = os.stat(path)
    except PermissionError:
        raise StoreError(f"cannot read the store {path}: permission denied") from None
    except FileNotFoundError:
        dangling = f" (a link to {os.readlink(path)}, which does not exist)" if (
            path.is_symlink()) else ""  # fmt: skip
        raise StoreError(
            f"no store at {path}{dangling}", hint=f"create one with: partnerkb init --db {path}"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror or exc}") from None
    not_a_file = special_file_kind(status.st_mode)
    if not_a_file:
        raise StoreError(f"{path} is {not_a_file}, not a store file; refusing to use it")
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
    except PermissionError:
        raise StoreError(f"cannot read the store {path}: permission denied") from None
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror or exc}") from None
    if not head.startswith(HEADER) or len(head) < 100:
        raise StoreError(
            f"{path} is not a SQLite database (its file name asks for the SQLite engine); "
            "refusing to use it",
            hint="restore it from a backup, or give a store file that is one",
        )


def connect(path: Path, *, write: bool) -> sqlite3.Connection:
    """A checked connection to the store at `path`: read-only unless `write`. StoreError for a
    missing, special, corrupt or truncated file, one that is not a partnerkb store, or one of a
    newer layout or schema; nothing is written to the file or beside it."""
    from ..locking import lock_timeout

    _check_file(path)
    timeout = lock_timeout()
    # A journal beside the file may be the hot journal of a writer that was killed: SQLite rolls
    # it back on the next read, which a read-only connection cannot do, so a reader that may
    # write the store opens it read-write (and writes nothing else).
    journal = os.path.exists(f"{real_path(path)}-journal")
    can_write = os.access(path, os.W_OK) and os.access(real_path(path).parent, os.W_OK)
    mode = "rw" if write or (journal and can_write) else "ro"
    uri = f"file:{quote(os.fspath(path))}?mode={mode}"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None,
                               check_same_thread=False)  # fmt: skip
    except sqlite3.Error as exc:
        raise _failure(path, exc) from None
    try:
        _check_store(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_store(conn: sqlite3.Connection, path: Path) -> None:
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        layout = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        raise _failure(path, exc) from None
    if application_id != APPLICATION_ID:
        raise StoreError(
            f"{path} is a SQLite database but not a partnerkb store; refusing to use it"
        )
    if layout > LAYOUT_VERSION:
        raise StoreError(
            f"{path} was written by a newer partnerkb (SQLite layout {layout}, this one knows "
            f"{LAYOUT_VERSION}); refusing to read or change it",
            hint="upgrade partnerkb (pip install -U partnerkb)",
        )
    try:
        row = conn.execute("SELECT schema_version FROM meta ORDER BY doc LIMIT 1").fetchone()
    except sqlite3.Error as exc:
        raise _failure(path, exc) from None
    version = row[0] if row else None
    if not isinstance(version, int):
        raise StoreError(f"{path} has no schema version; refusing to use it")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer partnerkb (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); refusing to read or change it",
            hint="upgrade partnerkb (pip install -U partnerkb)",
        )


def read_sqlite(path: Path) -> SqliteData:
    """A read-only, lazily loaded view of the SQLite store at `path` (see `SqliteData`): what a
    command reads. Its connection stays open until `close_since` (the CLI's exit point)."""
    conn = connect(path, write=False)
    _OPEN.append(conn)
    return SqliteData(_Db(conn, path, snapshot=True))


def read_sqlite_whole(path: Path) -> StoreData:
    """Every table of the SQLite store at `path`, read in one read transaction (one version of
    the store, as a JSON file is read whole): what `store.read_store` gives library users."""
    conn = connect(path, write=False)
    try:
        db = _Db(conn, path, snapshot=False)
        db.rows("BEGIN")
        tables = LazyTables(db).all()
        db.rows("COMMIT")
    finally:
        conn.close()
    return StoreData(tables)


class StreamedRecords:
    """The records of a SQLite store, read table by table in batches as they are asked for
    (what another engine's `write_store` takes as `NewRecords`): memory holds one batch and the
    names remembered (`sqlite_search.NameLookup`, bounded), whatever the store's size. Made by
    `streamed`, inside one read transaction: one version of the store."""

    BATCH = 2000

    def __init__(self, db: _Db) -> None:
        self.db = db
        self.names = sqlite_search.NameLookup(db.conn)

    def count(self, table: str) -> int:
        return int(self.db.rows(f"SELECT count(*) FROM {table}")[0][0])

    def batches(self, table: str) -> Iterator[list[tuple[str, Json]]]:
        """The (document number as text, record) of every record of `table`, BATCH at a time,
        by document number."""
        try:
            cursor = self.db.conn.execute(f"SELECT doc, record FROM {table} ORDER BY doc")
            while rows := cursor.fetchmany(self.BATCH):
                yield [(str(doc), _loads(text)) for doc, text in rows]
        except sqlite3.Error as exc:
            raise _failure(self.db.path, exc) from None

    def name_of(self, record_id: Any) -> str:
        try:
            return self.names(record_id)
        except sqlite3.Error as exc:
            raise _failure(self.db.path, exc) from None

    def entity(self, entity_id: str) -> Json | None:
        try:
            return self.names.record("entities", entity_id)
        except sqlite3.Error as exc:
            raise _failure(self.db.path, exc) from None


@contextlib.contextmanager
def streamed(path: Path) -> Iterator[StreamedRecords]:
    """The records of the SQLite store at `path`, read in batches within one read transaction
    (`StreamedRecords`); the file is only read. StoreError."""
    conn = connect(path, write=False)
    try:
        db = _Db(conn, path, snapshot=False)
        db.rows("BEGIN")
        yield StreamedRecords(db)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Reading: a StoreData whose tables load on first use
# ---------------------------------------------------------------------------------------------


_Query = tuple[str, list[Any]]  # a query with SQLite's `?` placeholders, and its parameters


class _Db:
    """A connection and the path it is of, turning SQLite's errors into StoreErrors.

    A read view (`snapshot`) runs each query on its own; if another process committed between
    two of them, the view would mix two versions, so it refuses to go on instead (PRAGMA
    data_version tells).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, *, snapshot: bool) -> None:
        self.conn = conn
        self.path = path
        self.version = self._data_version() if snapshot else None
        self.small = 0  # look-ups by id since the view was made

    def _data_version(self) -> int:
        try:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as exc:
            raise _failure(self.path, exc) from None

    def ahead(self, queries: Sequence[_Query]) -> None:
        """Nothing: a SQLite connection answers one query at a time, as `rows` asks
        (PostgreSQL's view starts such queries side by side: `postgresql._PgDb.ahead`)."""

    def rows(self, sql: str, params: Iterable[Any] = (), *, small: bool = False) -> list[Any]:
        """The rows of a query. After every large read (and every 64th `small` one: a look-up
        by id), the view checks that no other process has committed meanwhile."""
        try:
            rows = self.conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.ProgrammingError:  # closed: the command is over
            raise StoreError(f"the store {self.path} was closed before it was read") from None
        except sqlite3.Error as exc:
            raise _failure(self.path, exc) from None
        if small:
            self.small += 1
            if self.small % 64:
                return rows
        if self.version is not None and self._data_version() != self.version:
            raise StoreError(
                f"the store {self.path} changed while this command read it; run it again"
            )
        return rows


def _loads(text: str | bytes) -> Any:
    import orjson

    return orjson.loads(text)


class LazyTables(dict[str, dict[str, Json]]):
    """table -> doc -> record, each table loaded from the database when first looked at, with
    the changes of a transaction not yet written laid over it."""

    def __init__(self, db: _Db) -> None:
        super().__init__()
        self.db = db
        self.cache: dict[tuple[str, str], Json] = {}  # records fetched one by one
        # changes to tables not loaded yet: doc -> record (None: removed), in the order made
        self.pending: dict[str, dict[str, Json | None]] = {}
        self.readded: set[tuple[str, str]] = set()  # removed, then put back: now at the end

    def __missing__(self, table: str) -> dict[str, Json]:
        if table not in ALL_TABLES:
            raise KeyError(table)
        loaded = self._load(table)
        self[table] = loaded
        return loaded

    def _load(self, table: str) -> dict[str, Json]:
        # in the order a JSON store's tables read: document numbers sorted as text
        rows = self.db.rows(f"SELECT doc, record FROM {table} ORDER BY CAST(doc AS TEXT)")
        pending = self.pending.pop(table, {})
        out: dict[str, Json] = {}
        for doc, text in rows:
            key = str(doc)
            if key in pending:
                if (table, key) in self.readded:
                    continue
                changed = pending[key]
                if changed is not None:
                    out[key] = changed
                continue
            record = self.cache.get((table, key))
            out[key] = record if record is not None else _loads(text)
        for key, changed in pending.items():
            if changed is not None and key not in out:
                out[key] = changed
        return out

    def loaded(self, table: str) -> dict[str, Json] | None:
        return dict.get(self, table)

    def all(self) -> dict[str, dict[str, Json]]:
        return {table: self[table] for table in ALL_TABLES}

    # every table, as a dict would give them (loading those not loaded yet)
    def keys(self) -> Any:
        return self.all().keys()

    def values(self) -> Any:
        return self.all().values()

    def items(self) -> Any:
        return self.all().items()

    def __iter__(self) -> Iterator[str]:
        return iter(ALL_TABLES)

    def __len__(self) -> int:
        return len(ALL_TABLES)

    def __contains__(self, table: object) -> bool:
        return table in ALL_TABLES

    def get(self, table: str, default: Any = None) -> Any:
        return self[table] if table in ALL_TABLES else default


_MAX_PARAMETERS = 30_000  # SQLite takes 32,766 parameters in one statement
_NAME_ORDER = ("entities", "events", "sources", "partnerships")  # KnowledgeBase._name_index's
_FIND = " UNION ALL ".join(
    f"SELECT '{table}', doc, record FROM {table} WHERE id = ?" for table in TABLES
)


_BATCH = 500  # ids or document numbers in one IN (...) list
# events latest first, as `dates.sort_key` then the id order them (reversed): an undated event
# last of all, an open start ("on or before X") by its latest day, an open end after its start
_EVENT_ORDER_DESC = (
    "CASE WHEN date IS NULL THEN '9999-99-99' WHEN earliest IS NULL"
    " THEN COALESCE(latest, '9999-99-99') ELSE earliest END COLLATE BINARY DESC,"
    " CASE WHEN date IS NULL THEN '9999-99-99' WHEN earliest IS NULL THEN ''"
    " ELSE COALESCE(latest, '9999-99-99') END COLLATE BINARY DESC, id COLLATE BINARY DESC"
)


_EVENT_ORDER = _EVENT_ORDER_DESC.replace(" DESC", "")


class EventWindow(Sequence[Json]):
    """The events a `WHERE` clause of the events table keeps, in date order (`dates.sort_key`,
    then id), asked of the database only as far as they are used (`SqliteData.
    matching_events`). Its first `n` (`[:n]`, or `[::-1][:n]` latest first: what `--limit`
    takes, `cli.common.limit_rows`) are one `ORDER BY ... LIMIT n` that counts the window too
    (`COUNT(*) OVER ()`): the database sorts and cuts it, nothing of the rest is sent. Its
    truth is an EXISTS, its length a COUNT (unless a cut already counted it); anything else
    reads the window's document numbers once, in order (an EventsInOrder)."""

    def __init__(self, data: SqliteData, where: str, params: list[Any], *,
                 latest_first: bool = False, count: int | None = None,
                 halves: list[tuple[str, list[Any]]] | None = None) -> None:  # fmt: skip
        """`halves`: two WHERE clauses (and parameters) keeping, together, what `where` keeps,
        none kept by both, each answered from an index alone (`SqliteData._event_where`)."""
        self.data = data
        self.where = where
        self.params = params
        self.halves = halves
        self.latest_first = latest_first
        self._count = count
        self._docs: EventsInOrder | None = None

    def __bool__(self) -> bool:
        if self._count is None and self._docs is None:
            source, params = self._source()
            rows = self.data.db.rows(f"SELECT 1 FROM {source} LIMIT 1", params)
            if not rows:
                self._count = 0
            return bool(rows)
        return len(self) > 0

    def __len__(self) -> int:
        if self._count is None:
            if self._docs is not None:
                self._count = len(self._docs)
            else:
                rows = self.data.db.rows(f"SELECT COUNT(*) FROM events{self.where}", self.params)
                self._count = int(rows[0][0])
        return self._count

    def _in_order(self) -> EventsInOrder:
        if self._docs is None:
            docs = self.data._window_docs(self.where, self.params)
            if self.latest_first:
                docs.reverse()
            self._docs = EventsInOrder(self.data, docs)
        return self._docs

    def _source(self) -> tuple[str, list[Any]]:
        """(FROM and WHERE of the window's events (id, date, earliest, latest), parameters)."""
        if not self.halves:
            return f"events{self.where}", self.params
        # an OR of two ranges is no range of an index: each half is one
        source = " UNION ALL ".join(f"SELECT id, date, earliest, latest FROM events{where}"
                                    for where, _ in self.halves)  # fmt: skip
        return f"({source}) AS w", [p for _, half in self.halves for p in half]

    def _first(self, limit: int) -> EventsInOrder:
        # the ids, not the document numbers: an index holds the ids and the dates ordered by,
        # so the window's events are counted and ordered without reading their rows
        order = _EVENT_ORDER_DESC if self.latest_first else _EVENT_ORDER
        source, params = self._source()
        rows = self.data.db.rows(f"SELECT id, COUNT(*) OVER () FROM {source}"
                                 f" ORDER BY {order} LIMIT ?", [*params, limit])  # fmt: skip
        self._count = int(rows[0][1]) if rows else 0
        first = EventsInOrder(self.data, self.data._event_docs([str(i) for i, _ in rows]))
        if len(first) == self._count:  # the whole window
            self._docs = first
        return first

    @overload
    def __getitem__(self, index: int) -> Json: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Json]: ...

    def __getitem__(self, index: int | slice) -> Json | Sequence[Json]:
        if isinstance(index, slice) and self._docs is None and index.start is None:
            if index.step in (None, 1) and index.stop is not None and index.stop > 0:
                return self._first(index.stop)
            if index.step == -1 and index.stop is None:
                return EventWindow(self.data, self.where, self.params, halves=self.halves,
                                   latest_first=not self.latest_first, count=self._count)
        return self._in_order()[index]

    def __iter__(self) -> Iterator[Json]:
        return iter(self._in_order())


class EventsInOrder(Sequence[Json]):
    """Events of a store view in a given order, by document number, read only when used: a
    slice is another EventsInOrder, so cutting a long answer to `--limit` reads no event left
    out (`SqliteData.matching_events`)."""

    def __init__(self, data: SqliteData, docs: list[int]) -> None:
        self.data = data
        self.docs = docs

    def __len__(self) -> int:
        return len(self.docs)

    @overload
    def __getitem__(self, index: int) -> Json: ...

    @overload
    def __getitem__(self, index: slice) -> EventsInOrder: ...

    def __getitem__(self, index: int | slice) -> Json | EventsInOrder:
        if isinstance(index, slice):
            return EventsInOrder(self.data, self.docs[index])
        return self.data.records_at("events", [self.docs[index]])[0]

    def __iter__(self) -> Iterator[Json]:
        for start in range(0, len(self.docs), _BATCH):
            yield from self.data.records_at("events", self.docs[start:start + _BATCH])


class SqliteData(StoreData):
    """The tables of a SQLite store as StoreData: a table is read from the file when a command
    first uses it, and `get`/`locate` find one record through the id indexes without loading
    any. Changes made by a transaction are kept here until written."""

    def __init__(self, db: _Db) -> None:
        self.db = db
        self.lazy = LazyTables(db)
        super().__init__(self.lazy)
        self.located: dict[str, tuple[str, str] | None] = {}  # id -> where it is now (changed)
        self._derived_ok: set[str] | None = None  # derived tables up to date
        self._search_ok: bool | None = None
        self._words: dict[tuple[str, int, int], list[str]] = {}
        self._indexes: set[str] | None = None  # of the file, when asked (`_through`)
        # the ids looked up in the file: where and what (None: in no table), as long as they
        # are not changed here (changes go to `located`, which is asked first)
        self.seen: dict[str, tuple[str, str, Json] | None] = {}

    def scratch(self) -> StoreData:
        """A fresh view of the same file (on the same connection, so inside the same write
        transaction) while nothing is loaded or changed here: nothing is read whole."""
        if self.located or any(self.lazy.loaded(t) is not None for t in ALL_TABLES):
            return super().scratch()
        return type(self)(self.db)

    def _all_loaded(self) -> bool:
        return all(self.lazy.loaded(table) is not None for table in TABLES)

    def _fetch(self, record_id: str) -> tuple[str, str, Json] | None:
        if not self.located and record_id in self.seen:  # the fast path of a read
            return self.seen[record_id]
        if record_id in self.located:
            where = self.located[record_id]
            if where is None:
                return None
            table, doc = where
            record = self._record_at(table, doc)
            return None if record is None else (table, doc, record)
        if self._index is not None or self._all_loaded():
            found = self._ids().get(record_id)
            if found is None:
                return None
            return found[0], found[1], self.tables[found[0]][found[1]]
        if record_id in self.seen:  # asked before (a name shown on many rows)
            return self.seen[record_id]
        rows = self.db.rows(_FIND, [record_id] * len(TABLES), small=True)
        if not rows:
            self.seen[record_id] = None
            return None
        table, doc, text = rows[0]
        key = str(doc)
        record = self._record_at(table, key, text)
        hit = None if record is None else (str(table), key, record)
        if not self.lazy.pending.get(table):
            self.seen[record_id] = hit
        return hit

    def _record_at(self, table: str, doc: str, text: str | None = None) -> Json | None:
        loaded = self.lazy.loaded(table)
        if loaded is not None:
            return loaded.get(doc)
        pending = self.lazy.pending.get(table, {})
        if doc in pending:
            return pending[doc]
        record = self.lazy.cache.get((table, doc))
        if record is None:
            if text is None:
                rows = self.db.rows(f"SELECT record FROM {table} WHERE doc = ?", [int(doc)])
                if not rows:
                    return None
                text = rows[0][0]
            record = _loads(text)
            self.lazy.cache[(table, doc)] = record
        return record

    def get(self, record_id: str) -> tuple[str, Json] | None:
        found = self._fetch(record_id)
        return None if found is None else (found[0], found[2])

    def locate(self, record_id: str) -> tuple[str, str] | None:
        found = self._fetch(record_id)
        return None if found is None else (found[0], found[1])

    def has_doc(self, table: str, doc: str) -> bool:
        return self._record_at(table, doc) is not None

    def last_doc(self, table: str) -> int:
        loaded = self.lazy.loaded(table)
        if loaded is not None:
            return max((int(k) for k in loaded), default=0)
        pending = self.lazy.pending.get(table, {})
        last = max((int(k) for k, r in pending.items() if r is not None), default=0)
        gone = {int(k) for k, r in pending.items() if r is None}
        for (doc,) in self.db.rows(f"SELECT doc FROM {table} ORDER BY doc DESC LIMIT ?",
                                   [len(gone) + 1]):  # fmt: skip
            if doc not in gone:
                return max(last, int(doc))
        return last

    def put(self, table: str, doc: str, record: Json) -> None:
        loaded = self.lazy.loaded(table)
        if loaded is not None:
            loaded[doc] = record
        else:
            pending = self.lazy.pending.setdefault(table, {})
            if doc in pending and pending[doc] is None:  # removed, put back: at the end
                del pending[doc]
                self.lazy.readded.add((table, doc))
            pending[doc] = record
        self.located[record["id"]] = (table, doc)
        if self._index is not None:
            self._index[record["id"]] = (table, doc)

    def drop(self, table: str, doc: str) -> Json:
        record = self._record_at(table, doc)
        if record is None:
            raise KeyError(doc)
        loaded = self.lazy.loaded(table)
        if loaded is not None:
            del loaded[doc]
        else:
            self.lazy.pending.setdefault(table, {})[doc] = None
        self.located[record["id"]] = None
        if self._index is not None:
            self._index.pop(record["id"], None)
        return record

    def to_json(self) -> Json:
        return self.lazy.all()

    # -- answers from the indexes (see StoreData) -------------------------------------------
    # A table a transaction has changed is still answered from the file: the rows of the records
    # it changed are set aside and the changed records, as they are now, tested in memory
    # (`_changed`), so that a batch of writes, or a write after its own insert, never loads a
    # whole table.
    def _pushable(self, *tables: str, derived: Sequence[str] = ()) -> bool:
        """Whether `tables` are still only in the file (not loaded whole; records changed here
        are laid over the file's answers), and whether the `derived` tables are there, made by
        this version's rules (a store of an older layout has them once written to)."""
        for table in tables:
            if self.lazy.loaded(table) is not None:
                return False
        if derived:
            if self._derived_ok is None:
                found = dict(self.db.rows("SELECT name, version FROM derived"))
                self._derived_ok = {name for name, version in _derived_versions().items()
                                    if found.get(name) == version}  # fmt: skip
            return all(name in self._derived_ok for name in derived)
        return True

    def _changed(self, table: str) -> tuple[set[str], list[Json]]:
        """The document numbers of `table` this transaction changed (their rows in the file are
        out of date) and the records they hold now (removed ones left out)."""
        pending = self.lazy.pending.get(table) or {}
        return set(pending), [r for r in pending.values() if r is not None]

    def _stale(self, record_id: str) -> bool:
        """Whether the file's rows about `record_id` are out of date (changed here)."""
        return record_id in self.located

    def _records(self, table: str, rows: list[Any]) -> list[Json]:
        """The records of (doc, record text) rows, those changed here left out."""
        changed = self.lazy.pending.get(table) or {}
        out = []
        for doc, text in rows:
            key = str(doc)
            if key in changed:
                continue
            record = self.lazy.cache.get((table, key))
            if record is None:
                record = self.lazy.cache[(table, key)] = _loads(text)
            out.append(record)
        return out

    def event_candidates(
        self,
        *,
        kinds: Sequence[str] = (),
        statuses: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        scopes: Sequence[Collection[str]] = (),
    ) -> list[Json] | None:
        if not (kinds or statuses or since or until or scopes):
            return None
        if not self._pushable("events", derived=("event_entities",) if scopes else ()):
            return None
        where, params = self._event_where(kinds, statuses, since, until, scopes)
        if len(params) > _MAX_PARAMETERS:
            return None
        rows = self.db.rows(f"SELECT doc, record FROM events{where}", params)
        found = self._records("events", rows)
        _, changed = self._changed("events")
        found.extend(e for e in changed if _event_may_match(e, kinds, statuses, since, until,
                                                            scopes))  # fmt: skip
        return found

    def _event_where(
        self,
        kinds: Sequence[str],
        statuses: Sequence[str],
        since: str | None,
        until: str | None,
        scopes: Sequence[Collection[str]],
        open_end: bool | None = None,
    ) -> tuple[str, list[Any]]:
        """The WHERE clause (and its parameters) of the events these filters keep: the same
        tests as `queries.filter_events` on the typed columns and `event_entities`. With
        `since` and `open_end` True, only those of them with no latest day; False, only those
        with one (each half a range of an index led by `latest`, `relational.WINDOW_INDEX`)."""
        where: list[str] = []
        params: list[Any] = []
        if kinds:
            # with entities to involve, their few events are found first (event_entities): the
            # index of kinds (a kind holds a third of a million events) must not drive the query
            where.append(f"{'+' if scopes else ''}kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        if statuses:
            where.append(f"{'+' if scopes else ''}status IN ({', '.join('?' * len(statuses))})")
            params.extend(statuses)
        if since and open_end:
            where.append("latest IS NULL")
        elif since:
            where.append("latest >= ?" if open_end is False else "(latest >= ? OR latest IS NULL)")
            params.append(since)
        if until:
            where.append("(earliest <= ? OR earliest IS NULL)")
            params.append(until)
        for scope in scopes:
            where.append("id IN (SELECT event_id FROM event_entities WHERE entity_id IN "
                         f"({', '.join('?' * len(scope))}))")  # fmt: skip
            params.extend(sorted(scope))
        return (f" WHERE {' AND '.join(where)}" if where else ""), params

    def matching_events(
        self,
        *,
        kinds: Sequence[str] = (),
        statuses: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        scopes: Sequence[Collection[str]] = (),
    ) -> Sequence[Json] | None:
        if (not self._pushable("events", derived=("event_entities",) if scopes else ())
                or self.lazy.pending.get("events")):  # fmt: skip
            return None  # changed here: the records, not only the file's rows, are asked
        where, params = self._event_where(kinds, statuses, since, until, scopes)
        if 2 * len(params) > _MAX_PARAMETERS:
            return None
        halves = None
        if since:
            halves = [self._event_where(kinds, statuses, since, until, scopes, open_end)
                      for open_end in (False, True)]  # fmt: skip
        return EventWindow(self, where, params, halves=halves)

    def _window_docs(self, where: str, params: list[Any]) -> list[int]:
        """The document numbers of every event `where` keeps, in date order (`matching_events`):
        read whole and sorted here, a test per event, cheaper than the database's sort."""
        rows = self.db.rows(f"SELECT doc, id, date, earliest, latest FROM events{where}", params)
        last = "9999-99-99"

        def order(row: Any) -> tuple[str, str, str]:
            _, record_id, edtf, earliest, latest = row
            if edtf is None:  # no date (dates.sort_key)
                return last, last, record_id
            if earliest is None:
                return latest or last, "", record_id
            return earliest, latest or last, record_id

        rows.sort(key=order)
        return [int(doc) for doc, *_ in rows]

    # -- an entity's profile: counted and cut by SQL (GROUP BY, ORDER BY ... LIMIT) ----------
    def _profile_pushable(self, *tables: str, derived: Sequence[str]) -> bool:
        return self._pushable(*tables, derived=derived) and not any(
            self.lazy.pending.get(t) for t in tables
        )

    def _through(self, index: str) -> str:
        """` INDEXED BY index` if the file has that covering index (`relational.COVERING`),
        else nothing. Asked of the tables with a unique id: looking a row up by id, SQLite's
        planner prefers that unique index, then reads the row carrying the record, to an index
        holding every column the query reads."""
        if self._indexes is None:
            self._indexes = {name for (name,) in self.db.rows(
                "SELECT name FROM sqlite_master WHERE type = 'index'")}  # fmt: skip
        return f" INDEXED BY {index}" if index in self._indexes else ""

    def prepare_profile(self, record: Json, scope: Collection[str], limit: int | None) -> None:
        """The three questions of a profile (`latest_events`, `met_counts`, `cited_sources`),
        given to the database at once where it can answer them side by side (`_Db.ahead`)."""
        queries = [self._latest_query(scope, limit), self._met_query(record["id"], limit),
                   self._cited_query(scope, limit)]  # fmt: skip
        self.db.ahead([query for query in queries if query is not None])

    def _latest_query(self, scope: Collection[str], limit: int | None) -> _Query | None:
        if not self._profile_pushable("events", derived=("event_entities",)) or (
            len(scope) > _MAX_PARAMETERS
        ):
            return None
        # the ids, not the document numbers: ordered and counted from the index of the ids and
        # dates alone (PostgreSQL's index-only scan; the rowid is in every SQLite index)
        return (
            f"SELECT id, COUNT(*) OVER () FROM events{self._through('events_id_dates')}"
            " WHERE id IN (SELECT event_id FROM"
            f" event_entities WHERE entity_id IN ({', '.join('?' * len(scope))}))"
            f" ORDER BY {_EVENT_ORDER_DESC}{'' if limit is None else ' LIMIT ?'}",
            [*sorted(scope), *([] if limit is None else [limit])],
        )

    def latest_events(self, scope: Collection[str], limit: int | None) -> tuple[int, list[Json]]:
        query = self._latest_query(scope, limit)
        if query is None:
            return super().latest_events(scope, limit)
        rows = self.db.rows(*query)
        if not rows:
            return 0, []
        docs = self._event_docs([str(record_id) for record_id, _ in rows])
        return int(rows[0][1]), self.records_at("events", docs[::-1])

    def _event_docs(self, ids: Sequence[str]) -> list[int]:
        """The document numbers of the events with these ids (stored ones), in their order."""
        docs: dict[str, int] = {}
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            docs.update((str(i), int(doc)) for doc, i in self.db.rows(
                f"SELECT doc, id FROM events WHERE id IN ({', '.join('?' * len(batch))})",
                batch))  # fmt: skip
        return [docs[i] for i in ids]

    def _met_query(self, entity_id: str, limit: int | None) -> _Query | None:
        if not self._profile_pushable("events", "entities", derived=("participants",)):
            return None
        absent = ", ".join("?" * len(ABSENT_PARTS))
        # counted first, then each one met looked up once (for its kind and name), not once
        # per shared event
        return (
            "SELECT g.entity_id, g.met, COUNT(*) OVER () FROM"
            " (SELECT o.entity_id, COUNT(DISTINCT o.event_id) AS met"
            f" FROM participants me JOIN events ev{self._through('events_id_dates')}"
            " ON ev.id = me.event_id JOIN participants o ON o.event_id = me.event_id"
            f" WHERE me.entity_id = ? AND COALESCE(me.part, '') NOT IN ({absent})"
            " AND ev.status = 'happened' AND o.entity_id <> ?"
            f" AND COALESCE(o.part, '') NOT IN ({absent}) GROUP BY o.entity_id) g"
            f" LEFT JOIN entities x{self._through('entities_id_kind_name')}"
            " ON x.id = g.entity_id"
            " WHERE COALESCE(x.kind, '') <> 'place'"
            " ORDER BY g.met DESC, COALESCE(NULLIF(x.name, ''), g.entity_id) COLLATE BINARY,"
            " g.entity_id COLLATE BINARY" + ("" if limit is None else " LIMIT ?"),
            [entity_id, *sorted(ABSENT_PARTS), entity_id, *sorted(ABSENT_PARTS),
             *([] if limit is None else [limit])],
        )  # fmt: skip

    def met_counts(self, entity_id: str, limit: int | None) -> tuple[int, list[tuple[str, int]]]:
        query = self._met_query(entity_id, limit)
        if query is None:
            return super().met_counts(entity_id, limit)
        rows = self.db.rows(*query)
        if not rows:
            return 0, []
        return int(rows[0][2]), [(str(other), int(n)) for other, n, _ in rows]

    @staticmethod
    def _citing_events(scope: Collection[str]) -> str:
        """The sources cited by the events that involve an entity of `scope` (one row per
        citation), as a subquery with a parameter per entity of `scope`, sorted."""
        return ("SELECT c.source_id FROM citations c WHERE c.record_id IN (SELECT event_id"
                f" FROM event_entities WHERE entity_id IN ({', '.join('?' * len(scope))}))")

    def _cited_query(self, scope: Collection[str], limit: int | None) -> _Query | None:
        if not self._profile_pushable("events", "sources", derived=("event_entities",
                                                                    "citations")) or (
            len(scope) > _MAX_PARAMETERS
        ):  # fmt: skip
            return None
        # the events' most cited (then how often they cite the record's own sources: a source
        # the record cites can only rise, so the first `limit` of the merge are the right ones)
        return (
            f"SELECT e.source_id, COUNT(*) AS n, COUNT(*) OVER () FROM"
            f" ({self._citing_events(scope)}) e"
            f" JOIN sources s{self._through('sources_id_published')} ON s.id = e.source_id"
            " GROUP BY e.source_id, s.published"
            " ORDER BY n DESC, s.published IS NULL, s.published COLLATE BINARY DESC,"
            " e.source_id COLLATE BINARY" + ("" if limit is None else " LIMIT ?"),
            [*sorted(scope), *([] if limit is None else [limit])],
        )  # fmt: skip

    def cited_sources(
        self, record: Json, scope: Collection[str], limit: int | None
    ) -> tuple[int, list[tuple[Json, int]]]:
        query = self._cited_query(scope, limit)
        if query is None:
            return super().cited_sources(record, scope, limit)
        own = own_citations(record)
        events = self._citing_events(scope)
        rows = self.db.rows(*query)
        total = int(rows[0][2]) if rows else 0
        counts = {str(source_id): int(n) for source_id, n, _ in rows}
        mine = sorted(own)
        known: dict[str, int] = {}
        for start in range(0, len(mine), _BATCH):
            batch = mine[start:start + _BATCH]
            known.update(self.db.rows(
                f"SELECT e.source_id, COUNT(*) FROM ({events}) e WHERE e.source_id IN"
                f" ({', '.join('?' * len(batch))}) GROUP BY e.source_id",
                [*sorted(scope), *batch],
            ))  # fmt: skip
        self.prefetch([*counts, *mine])
        for source_id, n in own.items():
            if self.find("sources", source_id) is None:
                continue
            if source_id not in known:
                total += 1  # cited by the record alone
            counts[source_id] = known.get(source_id, 0) + n
        counted = [(source, n) for source_id, n in counts.items()
                   if (source := self.find("sources", source_id)) is not None]  # fmt: skip
        ordered = citation_order(counted)
        return total, ordered if limit is None else ordered[:limit]

    def records_at(self, table: str, docs: Sequence[int]) -> list[Json]:
        """The records under these document numbers of a table not changed here, in the order
        given (read in batches; each parsed once per command)."""
        found: dict[int, Json] = {}
        wanted = [d for d in docs if (table, str(d)) not in self.lazy.cache]
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start:start + _BATCH]
            rows = self.db.rows(f"SELECT doc, record FROM {table} WHERE doc IN "
                                f"({', '.join('?' * len(batch))})", batch)  # fmt: skip
            for doc, record in zip((d for d, _ in rows), self._records(table, rows),
                                   strict=True):  # fmt: skip
                found[int(doc)] = record
        return [found.get(d) or self.lazy.cache[(table, str(d))] for d in docs]

    def prefetch(self, record_ids: Collection[str]) -> None:
        if self.located or self.lazy.pending or self._index is not None or self._all_loaded():
            return  # changed here, or all in memory: looked up one by one as asked
        wanted = [i for i in dict.fromkeys(record_ids) if isinstance(i, str) and i not in self.seen]
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start:start + _BATCH]
            left = set(batch)
            for table in TABLES:  # in _FIND's order: the first table holding an id answers
                if not left:
                    break
                asked = [i for i in batch if i in left]
                rows = self.db.rows(f"SELECT doc, id, record FROM {table} WHERE id IN "
                                    f"({', '.join('?' * len(asked))})", asked)  # fmt: skip
                for doc, record_id, text in rows:
                    key = str(doc)
                    record = self.lazy.cache.get((table, key))
                    if record is None:
                        record = self.lazy.cache[(table, key)] = _loads(text)
                    self.seen[record_id] = (table, key, record)
                    left.discard(record_id)
            for record_id in left:
                self.seen[record_id] = None  # in no table

    def namesake_groups(self, name_keys: Collection[str]) -> dict[str, list[Json]] | None:
        if not self._pushable("entities", derived=("roles",)) or self.lazy.pending.get("entities"):
            return None
        keys = sorted(set(name_keys))
        groups: dict[str, list[Json]] = {}
        for start in range(0, len(keys), _BATCH):
            batch = keys[start:start + _BATCH]
            # by the name index, then each one's first role by the roles' index of entities (no
            # sort: a group is a set); a join would have PostgreSQL read every role (a hash join)
            rows = self.db.rows(
                "SELECT e.name_key, e.id, e.description, (SELECT r.title FROM roles r"
                " WHERE r.entity_id = e.id AND r.position = 1 LIMIT 1) FROM entities e"
                f" WHERE e.name_key IN ({', '.join('?' * len(batch))})", batch,
            )  # fmt: skip
            for key, record_id, description, title in rows:
                groups.setdefault(key, []).append(
                    {"id": record_id, "description": description,
                     "roles": [{"title": title}] if title is not None else []}
                )  # fmt: skip
        return {key: members for key, members in groups.items() if len(members) > 1}

    def ids_named(self, key: str) -> list[str] | None:
        if not self._pushable(*TABLES, derived=("names",)):
            return None
        ids = [i for (i,) in self.db.rows("SELECT record_id FROM names WHERE key = ?", [key])
               if not self._stale(i)]  # fmt: skip
        for table in TABLES:
            for record in self._changed(table)[1]:
                if any(k == key for _, k in relational.derived_rows_of("names", record)):
                    ids.append(record["id"])
        order = {table: n for n, table in enumerate(_NAME_ORDER)}

        def place(record_id: str) -> tuple[int, str]:
            where = self.locate(record_id)
            return (order.get(where[0], 9), where[1]) if where else (9, "")

        return sorted(dict.fromkeys(ids), key=place)

    def entities_named_with(self, word: str) -> list[tuple[str, str]] | None:
        if not self._pushable("entities", derived=("names",)):
            return None
        rows = self.db.rows(
            "SELECT n.key, n.record_id, e.doc FROM names n JOIN entities e ON e.id = n.record_id"
            " WHERE instr(n.key, ?) > 0", [word]
        )
        found = [(str(doc), key, i) for key, i, doc in rows if not self._stale(i)]
        changed = self.lazy.pending.get("entities") or {}
        for doc, record in changed.items():
            if record is not None:
                found.extend((doc, k, record["id"])
                             for _, k in relational.derived_rows_of("names", record)
                             if word in k)  # fmt: skip
        return [(key, i) for _, key, i in sorted(found, key=lambda f: f[0])]

    def namesakes(self, name_key: str) -> list[str] | None:
        if not self._pushable("entities"):
            return None
        rows = self.db.rows("SELECT doc, id FROM entities WHERE name_key = ?", [name_key])
        found = [(str(doc), i) for doc, i in rows if not self._stale(i)]
        changed = self.lazy.pending.get("entities") or {}
        found.extend((doc, r["id"]) for doc, r in changed.items()
                     if r is not None and relational.name_key(r) == name_key)  # fmt: skip
        return [i for _, i in sorted(found)]

    def located_in(self, parents: Collection[str]) -> list[str] | None:
        if not self._pushable("entities") or len(parents) > _MAX_PARAMETERS:
            return None
        rows = self.db.rows(
            f"SELECT doc, id FROM entities WHERE located_in IN ({', '.join('?' * len(parents))})",
            sorted(parents),
        )
        found = [(str(doc), i) for doc, i in rows if not self._stale(i)]
        changed = self.lazy.pending.get("entities") or {}
        found.extend((doc, r["id"]) for doc, r in changed.items()
                     if r is not None and r.get("located_in") in parents)  # fmt: skip
        return [i for _, i in sorted(found)]

    def role_holders(self, organization: str) -> list[Json] | None:
        if not self._pushable("entities", derived=("roles",)) or self.lazy.pending.get("entities"):
            return None
        rows = self.db.rows(
            "SELECT doc, record FROM entities WHERE id IN"
            " (SELECT entity_id FROM roles WHERE organization = ?) ORDER BY CAST(doc AS TEXT)",
            [organization],
        )
        return self._records("entities", rows)

    def kinds(self, table: str) -> set[str] | None:
        if table not in ("entities", "events") or not self._pushable(table):
            return None
        found = {k for (k,) in self.db.rows(f"SELECT DISTINCT kind FROM {table}") if k}
        found.update(r["kind"] for r in self._changed(table)[1]
                     if isinstance(r.get("kind"), str) and r["kind"])  # fmt: skip
        return found

    def records_where(self, table: str, **equal: str | None) -> list[Json] | None:
        columns = {name for name, _, _ in relational.COLUMNS.get(table, ())}
        if table not in TABLES or not equal or not set(equal) <= columns:
            return None
        if not self._pushable(table):
            return None
        where = " AND ".join(f"{name} IS NULL" if value is None else f"{name} = ?"
                             for name, value in equal.items())  # fmt: skip
        rows = self.db.rows(f"SELECT doc, record FROM {table} WHERE {where}",
                            [value for value in equal.values() if value is not None])  # fmt: skip
        found = [(str(doc), r) for (doc, _), r in zip(rows, self._all_records(table, rows),
                                                        strict=True) if r is not None]  # fmt: skip
        changed = self.lazy.pending.get(table) or {}
        reads = {name: read for name, _, read in relational.COLUMNS[table]}
        found.extend((doc, r) for doc, r in changed.items() if r is not None
                     and all(reads[n](r) == v for n, v in equal.items()))  # fmt: skip
        return [r for _, r in sorted(found, key=lambda f: f[0])]

    def _all_records(self, table: str, rows: list[Any]) -> list[Json | None]:
        """`_records`, one item a row: None for a row whose record was changed here."""
        changed = self.lazy.pending.get(table) or {}
        out: list[Json | None] = []
        for doc, text in rows:
            key = str(doc)
            if key in changed:
                out.append(None)
                continue
            record = self.lazy.cache.get((table, key))
            if record is None:
                record = self.lazy.cache[(table, key)] = _loads(text)
            out.append(record)
        return out

    def entity_names(self) -> list[tuple[str, str, list[str]]] | None:
        if not self._pushable("entities"):
            return None
        rows = self.db.rows("SELECT doc, id, name, json_extract(record, '$.aliases')"
                            " FROM entities ORDER BY CAST(doc AS TEXT)")  # fmt: skip
        changed = self.lazy.pending.get("entities") or {}
        out: list[tuple[str, str, list[str]]] = []
        for doc, record_id, name, aliases in rows:
            key = str(doc)
            if key in changed:
                record = changed[key]
                if record is not None and ("entities", key) not in self.lazy.readded:
                    out.append(_names_of(record))
                continue
            listed = _loads(aliases) if aliases else []
            out.append((record_id, name or "", [a for a in listed if isinstance(a, str)]
                        if isinstance(listed, list) else []))  # fmt: skip
        stored = {str(doc) for doc, *_ in rows}
        for key, record in changed.items():
            if record is not None and (key not in stored or ("entities", key) in
                                       self.lazy.readded):  # fmt: skip
                out.append(_names_of(record))
        return out

    def referrers(self, record_ids: Collection[str]) -> list[tuple[str, Json]] | None:
        if not record_ids or len(record_ids) > _MAX_PARAMETERS:
            return None
        if not self._pushable(*TABLES, derived=("refs",)):
            return None
        marks = ", ".join("?" * len(record_ids))
        holders = {i for (i,) in self.db.rows(
            f"SELECT DISTINCT record_id FROM refs WHERE target_id IN ({marks})",
            sorted(record_ids))}  # fmt: skip
        found: list[tuple[int, str, str, Json]] = []
        order = {table: n for n, table in enumerate(TABLES)}
        for record_id in holders:
            if self._stale(record_id):
                continue
            hit = self._fetch(record_id)
            if hit is not None:
                found.append((order[hit[0]], hit[1], hit[0], hit[2]))
        for table in TABLES:
            for doc, record in (self.lazy.pending.get(table) or {}).items():
                if record is not None and any(ref in record_ids
                                              for _, ref in references(table, record)):
                    found.append((order[table], doc, table, record))
        found.sort(key=lambda f: (f[0], f[1]))
        return [(table, record) for _, _, table, record in found]

    def history_entry(self, entry_id: str) -> tuple[str, Json] | None:
        if not self._pushable("history"):
            return super().history_entry(entry_id)
        rows = self.db.rows("SELECT doc, record FROM history WHERE id = ?", [entry_id])
        found = [(str(doc), r) for (doc, _), r in zip(rows, self._all_records("history", rows),
                                                        strict=True) if r is not None]  # fmt: skip
        changed = self.lazy.pending.get("history") or {}
        found.extend((doc, r) for doc, r in changed.items()
                     if r is not None and r.get("id") == entry_id)  # fmt: skip
        found.sort(key=lambda f: f[0])
        return found[0] if found else None

    def last_history(self, count: int) -> list[tuple[str, Json]] | None:
        if not self._pushable("history"):
            return None
        changed = self.lazy.pending.get("history") or {}
        rows = self.db.rows("SELECT doc, record FROM history ORDER BY doc DESC LIMIT ?",
                            [count + len(changed)])  # fmt: skip
        found = [(str(doc), r) for (doc, _), r in zip(rows, self._all_records("history", rows),
                                                        strict=True) if r is not None]  # fmt: skip
        found.extend((doc, r) for doc, r in changed.items() if r is not None)
        found.sort(key=lambda f: int(f[0]), reverse=True)
        return found[:count]

    # -- search through the full-text index (engines.sqlite_search) ---------------------------
    def _search_index(self) -> bool:
        """Whether search may use the file's full-text index: a SQLite file (not another SQL
        engine sharing this view), nothing changed here, derived data and index current."""
        if not isinstance(self.db, _Db) or not self._pushable(*TABLES, derived=("names",)):
            return False
        if any(self.lazy.pending.get(table) for table in TABLES):
            return False  # changed here, not yet written: the index does not know
        if self._search_ok is None:
            self._search_ok = sqlite_search.usable(self)
        return self._search_ok

    def search_vocabulary(self, first: str, shortest: int, longest: int) -> list[str] | None:
        if not first or not self._search_index():
            return None
        key = (first, shortest, longest)
        if key not in self._words:
            index = sqlite_search.SqliteSearchIndex(self, None)
            self._words[key] = index.vocabulary(first, shortest, longest)
        return self._words[key]

    def search_candidates(self, request: SearchRequest) -> SearchCandidates | None:
        from ..search_candidates import bounded_candidates

        if request.sources or not self._search_index():
            return None
        allowed = None
        if request.allowed is not None:
            allowed = sqlite_search.allowed_keys(self, request.allowed)
            if allowed is None:
                return None
        return bounded_candidates(sqlite_search.SqliteSearchIndex(self, allowed), request)


def _names_of(record: Json) -> tuple[str, str, list[str]]:
    aliases = record.get("aliases")
    listed = [a for a in aliases if isinstance(a, str)] if isinstance(aliases, list) else []
    return str(record["id"]), str(record.get("name") or ""), listed


def _event_may_match(
    event: Json,
    kinds: Sequence[str],
    statuses: Sequence[str],
    since: str | None,
    until: str | None,
    scopes: Sequence[Collection[str]],
) -> bool:
    """What `event_candidates` asks of the file, asked of an event changed in memory."""
    from ..model import event_entities

    if kinds and event.get("kind") not in kinds:
        return False
    if statuses and event.get("status") not in statuses:
        return False
    date = event.get("date")
    when: Json = date if isinstance(date, dict) else {}
    latest, earliest = when.get("latest"), when.get("earliest")
    if since and latest is not None and latest < since:
        return False
    if until and earliest is not None and earliest > until:
        return False
    if scopes:
        try:
            involved = set(event_entities(event))
        except (AttributeError, KeyError, TypeError):
            return True
        return all(not involved.isdisjoint(scope) for scope in scopes)
    return True


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _json_text(record: Json) -> str:
    """A record's JSON text, keys sorted as a JSON store writes them: a record reads back, and
    shows, with its fields in the same order on either engine."""
    import orjson

    try:
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError as exc:  # a lone surrogate that no validator saw: refuse, not crash
        raise InvalidInput(f"cannot store this input: {exc}; nothing written") from None


def insert_record(
    conn: sqlite3.Connection,
    table: str,
    doc: int,
    record: Json,
    staged: sqlite_search.StagedRows | None = None,
) -> None:
    """Insert one record (its row and its derived rows); its full-text row is indexed at
    once, or kept in `staged` (a whole store written: `staged.finish()` indexes them all)."""
    conn.execute(_STATEMENTS.insert[table],
                 relational.row_of(table, doc, record, _json_text(record)))  # fmt: skip
    for derived, row in relational.derived_rows(table, record):
        conn.execute(_STATEMENTS.insert_derived[derived], row)
    if staged is None:
        sqlite_search.index_record(conn, table, doc, record)
    else:
        staged.stage(table, doc, record)


def write_changes(conn: sqlite3.Connection, tx: Transaction) -> None:
    """Write what `tx` changed, row by row: every document touched is deleted with its derived
    rows, then written as it ends up."""
    final: dict[tuple[str, str], Json | None] = {}
    owners: dict[tuple[str, str], set[str]] = {}
    for change in tx.changes:
        final[(change.table, change.doc)] = change.after
        owners.setdefault((change.table, change.doc), set()).add(change.id)
    entities = sorted({i for (table, _), ids in owners.items() if table == "entities"
                       for i in ids})  # fmt: skip
    links_before = sqlite_search.entity_links(conn, entities)
    for (table, doc), ids in owners.items():
        conn.execute(_STATEMENTS.delete[table], (int(doc),))
        for derived in relational.derived_of(table):
            for record_id in ids:
                conn.execute(_STATEMENTS.delete_derived[derived], (record_id,))
        sqlite_search.forget(conn, table, ids)
    # entities first: the records involving them are indexed with their names (`links`)
    for (table, doc), record in sorted(final.items(), key=lambda item: item[0][0] != "entities"):
        if record is not None:
            insert_record(conn, table, int(doc), record)
    sqlite_search.refresh_role_holders(
        conn, {i for (table, _), ids in owners.items() if table in TABLES for i in ids}
    )
    sqlite_search.relink(conn, links_before)


class SqliteStore(DatabaseStore):
    """A store in a SQLite file (see the module's doc)."""

    engine = "sqlite"

    def __init__(self, location: StoreLocation | Path) -> None:
        if isinstance(location, Path):
            location = StoreLocation(location, "option")
        self.location = location
        self.created = False
        self.history_id: str | None = None
        self.last_transaction: Transaction | None = None
        self.lock_seconds: float | None = None

    @property
    def path(self) -> Path:
        return self.location.path

    @property
    def target(self) -> Path:
        return real_path(self.path)

    def read(self) -> StoreData:
        return read_sqlite(self.path)

    # -- writing ------------------------------------------------------------------------------
    def _check_writable(self) -> None:
        """Refuse at once a store this caller cannot change in place: SQLite writes the file
        and a journal beside it, so both the file and its folder must be writable."""
        if self.location.is_shipped:
            raise StoreError("the shipped knowledge base is read-only")
        _check_file(self.path)
        refuse_unwritable_file(self.path, os.stat(self.path))
        folder = self.target.parent
        if not os.stat(folder).st_mode & 0o222:
            raise StoreError(
                f"cannot write the store {self.path}: its folder {folder} is read-only (its "
                "mode forbids writing), and SQLite writes its journal there during a write; "
                "it is unchanged",
                hint=f"make the folder writable with: chmod u+w {folder}",
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(
                f"cannot write the store {self.path}: its folder {folder} is not writable, and "
                "SQLite writes its journal there during a write; it is unchanged"
            )

    @contextlib.contextmanager
    def _writing(self, command: str, *, narrow: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection inside BEGIN IMMEDIATE (the write lock), committed if the block ends
        normally, rolled back otherwise."""
        self._check_writable()
        conn = connect(self.path, write=True)
        started = None
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _failure(self.path, exc, "lock") from None
            started = time.monotonic()
            yield conn
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise _failure(self.path, exc, "write") from None
        finally:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if started is not None:
                self.lock_seconds = time.monotonic() - started
            conn.close()

    def _write_view(self, conn: sqlite3.Connection) -> StoreData:
        return SqliteData(_Db(conn, self.path, snapshot=False))

    def _write(self, conn: sqlite3.Connection, tx: Transaction, command: str) -> None:
        try:
            upgrade(conn)
            if not derived_current(conn):
                rebuild_derived(conn)
            if not sqlite_search.current(conn):
                sqlite_search.rebuild(conn)
            write_changes(conn, tx)
            taken_back = getattr(tx, "taken_back", None)  # an undo that removes its entry
            if taken_back is not None:
                conn.execute(_STATEMENTS.delete["history"], (int(taken_back),))
                entry_id = None
            else:
                doc, entry = tx.history_entry(command)
                insert_record(conn, "history", int(doc), entry)
                entry_id = entry["id"]
        except sqlite3.Error as exc:
            raise _failure(self.path, exc, "write") from None
        self.history_id = entry_id

    def create(self, data: StoreData) -> None:
        write_store(self.path, data)

    def migrate(self, *, dry_run: bool = False, progress: Progress = NO_PROGRESS) -> Migration:
        """Bring a store of an older layout up to this version's in one transaction (what its
        next write would otherwise do: a SQLite file is one user's, read as it is meanwhile):
        the tables and indexes it lacks, then every derived row made again if they are of
        older rules. A dry run opens the file read-only and says what would be done."""
        if dry_run:
            conn = connect(self.path, write=False)
            try:
                layout = int(conn.execute("PRAGMA user_version").fetchone()[0])
                have = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
                current = derived_current(conn) and sqlite_search.current(conn) if (
                    "derived" in have) else False  # fmt: skip
            except sqlite3.Error as exc:
                raise _failure(self.path, exc) from None
            finally:
                conn.close()
            missing = [n for n, _ in _speed_indexes() if n not in have] if (
                layout >= LAYOUT_VERSION) else [n for n in _schema_names() if n not in have]
            return Migration(str(self.path), "sqlite", layout, LAYOUT_VERSION,
                             _migration_steps(layout, missing, current), dry_run=True)  # fmt: skip
        with self._writing("migrate") as conn:
            try:
                layout = int(conn.execute("PRAGMA user_version").fetchone()[0])
                created = upgrade(conn)
                current = derived_current(conn)
                if not current:
                    rebuild_derived(conn)
                if not sqlite_search.current(conn):
                    sqlite_search.rebuild(conn)
                    current = False
            except sqlite3.Error as exc:
                raise _failure(self.path, exc, "migrate") from None
        return Migration(str(self.path), "sqlite", layout, LAYOUT_VERSION,
                         _migration_steps(layout, created, current))  # fmt: skip

    # -- info ---------------------------------------------------------------------------------
    def summary(self) -> StoreSummary:
        conn = connect(self.path, write=False)
        db = _Db(conn, self.path, snapshot=True)
        try:
            counts = {t: int(db.rows(f"SELECT count(*) FROM {t}")[0][0]) for t in ALL_TABLES}
            version = db.rows("SELECT schema_version FROM meta ORDER BY doc LIMIT 1")[0][0]
            layout = int(db.rows("PRAGMA user_version")[0][0])
            last = db.rows("SELECT at, command FROM history ORDER BY doc DESC LIMIT 1")
            journal = db.rows("PRAGMA journal_mode")[0][0]
        finally:
            conn.close()
        return StoreSummary(
            counts, version, layout,
            {"at": str(last[0][0] or ""), "command": str(last[0][1] or "")} if last else None,
            {"journal_mode": journal},
        )  # fmt: skip


def _derived_versions() -> dict[str, int]:
    """What each derived table's content depends on: `names` holds folded names; the others
    are made by the rules of the layout that brought them (`relational.Derived.version`)."""
    from ..textfold import FOLD_VERSION

    versions = {d.name: d.version for d in relational.DERIVED}
    versions["names"] = FOLD_VERSION
    return versions


def upgrade(conn: sqlite3.Connection) -> list[str]:
    """Bring a store of an older layout to this one, inside the caller's write transaction: the
    tables and indexes it lacks are created (their rows are then made by `rebuild_derived`).
    The names of the tables, indexes and views created."""
    layout = conn.execute("PRAGMA user_version").fetchone()[0]
    have = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    created = []
    if layout < LAYOUT_VERSION:
        for statement in relational.missing_statements(relational.SQLITE, have):
            conn.execute(statement)
            created.append(relational.created_name(statement))
        created += sqlite_search.create(conn)
        conn.execute(f"PRAGMA user_version={LAYOUT_VERSION}")
    # an index changes no answer, only how fast: added to a store of any layout (at 1M events
    # a write adding the covering ones takes a few minutes, once), and the one-column indexes
    # a covering one begins with dropped
    for name, statement in _speed_indexes():
        if name not in have and name not in created:
            conn.execute(statement)
            created.append(name)
    for covering in relational.COVERING:
        if covering.replaces in have:
            conn.execute(f"DROP INDEX IF EXISTS {covering.replaces}")
    return created


def _speed_indexes() -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes added to a store of any layout."""
    return [("events_window", relational.WINDOW_INDEX),
            *((c.name, c.statement) for c in relational.COVERING)]  # fmt: skip


def _schema_names() -> list[str]:
    """The tables, indexes and views of this layout, in the order they are created."""
    names = []
    for statement in relational.schema_statements(relational.SQLITE):
        words = statement.split()
        names.append(words[5] if words[1:5] == ["TABLE", "IF", "NOT", "EXISTS"] else words[2])
    return names + list(sqlite_search.NAMES)


def _migration_steps(layout: int, created: list[str], current: bool) -> list[str]:
    steps = []
    if layout < LAYOUT_VERSION:
        made = f": created {', '.join(created)}" if created else ""
        steps.append(f"layout {layout} -> {LAYOUT_VERSION}{made}")
    elif created:
        steps.append(f"created the indexes {', '.join(created)} (they change no answer, "
                     "only how fast)")  # fmt: skip
    if not current:
        steps.append("made every derived row again from the records (the derived tables were "
                     "of older rules)")  # fmt: skip
    return steps


def _mark_derived(conn: sqlite3.Connection) -> None:
    conn.executemany("INSERT OR REPLACE INTO derived (name, version) VALUES (?, ?)",
                     list(_derived_versions().items()))  # fmt: skip


def stale_derived(found: dict[str, int]) -> list[str]:
    """The derived tables not made by this version's rules, given the `derived` table's rows
    (name -> version)."""
    return [name for name, version in _derived_versions().items() if found.get(name) != version]


def derived_current(conn: sqlite3.Connection) -> bool:
    """Whether the derived tables were made with this version's rules (folding...): if not,
    queries do without those that are not and the next write makes them again."""
    return not stale_derived(dict(conn.execute("SELECT name, version FROM derived").fetchall()))


def rebuild_derived(conn: sqlite3.Connection) -> None:
    """Write again, from the records, the rows of the derived tables not made by this version's
    rules (inside the caller's transaction), reading the records one at a time."""
    stale = set(stale_derived(dict(conn.execute("SELECT name, version FROM derived").fetchall())))
    for name in stale:
        conn.execute(f"DELETE FROM {name}")
    for table in relational.RECORD_TABLES:
        if not any(d.name in stale and table in d.sources for d in relational.DERIVED):
            continue
        reading = conn.cursor()
        reading.execute(f"SELECT record FROM {table}")
        while texts := reading.fetchmany(2000):
            rows: dict[str, list[tuple[Any, ...]]] = {}
            for (text,) in texts:
                for name, row in relational.derived_rows(table, _loads(text), stale):
                    rows.setdefault(name, []).append(row)
            for name, batch in rows.items():
                conn.executemany(_STATEMENTS.insert_derived[name], batch)
        reading.close()
    _mark_derived(conn)


# ---------------------------------------------------------------------------------------------
# A new file
# ---------------------------------------------------------------------------------------------


def write_store(
    path: Path,
    data: StoreData,
    *,
    overwrite: bool = False,
    progress: Progress = NO_PROGRESS,
) -> None:
    """Write `data` as a new SQLite store at `path` (through its links): built in a temporary
    file beside it, then put in place at once. Refuses to replace an existing file unless
    `overwrite`. `progress` hears of each table's records written. StoreError on failure, with
    nothing left behind."""
    tables = data.tables
    with new_file(path, overwrite=overwrite) as conn:
        staged = sqlite_search.StagedRows(conn)
        for table in relational.TABLE_ORDER:
            records = tables[table]
            for doc, record in tracked(records.items(), progress, f"writing {table}",
                                       len(records)):  # fmt: skip
                try:
                    insert_record(conn, table, _doc_number(table, doc), record, staged)
                except sqlite3.IntegrityError as exc:
                    raise StoreError(
                        f"{table} record #{doc} cannot be stored ({exc}): it is damaged, or its "
                        "id is taken; nothing written",
                        hint="partnerkb check --db SOURCE names what is wrong",
                    ) from None
        staged.finish()


def _doc_number(table: str, doc: str) -> int:
    if not doc.isascii() or not doc.isdigit() or str(int(doc)) != doc:
        raise StoreError(
            f"{table} document number {doc!r} is not a plain number; the SQLite engine keeps "
            "document numbers as integers, so it would not come back the same; nothing written"
        )
    return int(doc)


@contextlib.contextmanager
def new_file(path: Path, *, overwrite: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to a new, empty store being built beside `path`; when the block ends it is
    committed, synced and put in place (refusing an existing file unless `overwrite`)."""
    import tempfile

    from ..store import _keep_mode_and_owner, _lock_in_use, _write_error, remove_stale_temp_files

    target = real_path(path)
    if not overwrite and os.path.lexists(path):
        raise StoreError(f"a store already exists at {path}; refusing to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _write_error(target, exc) from None
    conn = None
    try:
        _lock_in_use(fd)
        _keep_mode_and_owner(fd, None)
        conn = sqlite3.connect(temp, isolation_level=None)
        # a file nobody else sees yet: no journal needed (a failure discards it)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version={LAYOUT_VERSION}")
        conn.execute("BEGIN")
        for statement in relational.schema_statements(relational.SQLITE):
            conn.execute(statement)
        sqlite_search.create(conn)
        _mark_derived(conn)
        sqlite_search.mark(conn)
        yield conn
        sqlite_search.refresh_all_role_holders(conn)
        conn.execute("COMMIT")
        conn.close()
        conn = None
        os.fsync(fd)
        remove_stale_temp_files(target)
        if overwrite:
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise StoreError(
                    f"a store already exists at {path}; refusing to overwrite it"
                ) from None
            os.unlink(temp)
        _sync_folder(target.parent)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write {path}: {exc}; nothing written") from None
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise StoreError(
                f"a store already exists at {path}; refusing to overwrite it"
            ) from None
        raise _write_error(target, exc) from None
    finally:
        if conn is not None:
            conn.close()
        with contextlib.suppress(OSError):
            os.unlink(temp)
        with contextlib.suppress(OSError):
            os.close(fd)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
