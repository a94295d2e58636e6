"""Importing records as stored (export --format jsonl) into a SQLite store, streaming: a file of
a million records is read a line at a time and written a batch at a time, never held whole.

What it does is what `importer.import_rows` does with such rows — each record validated, taken
whole, added or (when it differs) put in place of the stored record of its id, once per file;
a record of an id the store holds in another table refused; references to records in neither
the store nor the file refused; the same record twice counted as a repeat, the same id with
other content refused — in ONE SQLite transaction: rows are written as they come, inside the
transaction, and only the end commits. A refused import (any invalid row, unless
`skip_invalid`), an interrupted one (Ctrl-C, a killed process, a power loss) or a failed one
leaves the store as it was (SQLite's rollback journal); nothing is resumable, nothing needs to
be: importing the file again adds what it holds, once. The import is one history entry, as
always, so `partnerkb undo` reverts it whole.

A batch costs a few statements, not a few per record: its ids are looked up at once (among
the rows taken before, then in the store), and each table is written with one INSERT of all
the batch's rows. The full-text rows wait in a temporary table and are indexed at the end in
key order (FTS5 writes a sorted run several times faster), with the names of the entities they
involve, which may come later in the file (`sqlite_search.StagedRows`); then the stored records
involving an entity whose names the import changed, and the people whose role names an
organization written after them, are indexed again (as the ordinary import leaves them).
Into a store that holds no record yet, the indexes the import does not read are dropped first
and made once after the last row (`defer_indexes`), inside the same transaction.

What stays in memory is bounded by the batch (`BATCH` records) and the report (the ids added
and updated, which the command prints); what the rows say about each id (its line, the digest
of its content, its history change) goes to a temporary table of the same connection, from
which SQLite itself puts the history entry together.

Anything else — flat rows (a mapping's columns), a whole store, a line that is not a JSON
object — is not streamed: `NotStreamable` is raised before anything is written, and the
caller imports the file the ordinary way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..engines import relational, sqlite_search
from ..engines.sqlite import _STATEMENTS
from ..errors import InvalidInput, PartnerkbError
from ..model import TABLES, references
from ..progress import NO_PROGRESS, Progress, stage
from ..queries import TYPE_OF_TABLE
from .checked_rows import (
    Checked,
    CheckedLines,
    Made,
    NotStreamable,
    check_rows,
)
from .importer import ImportFailed, ImportReport, RowError

__all__ = ["CheckedLines", "NotStreamable", "stream_into_sqlite"]

Json = dict[str, Any]
TABLE_OF_TYPE = {singular: table for table, singular in TYPE_OF_TABLE.items()}
BATCH = 2000  # records planned and written at a time
CACHE_KIB = 128 * 1024  # SQLite's page cache during an import (the temporary tables': half)
_TEMP = "partnerkb_import"  # the temporary table of what the rows said about each id


@dataclass
class _Planned:
    """A record to write with the batch: its row, its history change, its temporary row."""

    label: str
    table: str
    doc: int
    record_id: str
    text: str  # its JSON text, keys sorted
    digest: bytes
    change: str  # its history change, as JSON text
    replaces: bool  # it takes the place of the stored record of its id (same document number)
    listed: list[Any] | None  # the report's list of updates it is in (taken out again if it
    # cannot be stored); None for an added record, listed from the temporary table at the end
    made: Made  # its rows, made when it was checked
    record: Json | None = None  # the record, parsed from `text` when something needs it

    def parsed(self) -> Json:
        """The record (its JSON text parsed the first time it is asked for)."""
        import orjson

        if self.record is None:
            self.record = orjson.loads(self.text)
        return self.record


class _Names:
    """`KnowledgeBase.name_of` during an import (a role is searched with its organization's
    name): the records of the batch being written first, then the store, through a cache that
    forgets every id the import writes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from ..engines.sqlite_search import NameLookup

        self.lookup = NameLookup(conn)
        self.batch: dict[str, str] = {}

    def __call__(self, record_id: Any) -> str:
        if record_id and str(record_id) in self.batch:
            return self.batch[str(record_id)]
        if len(self.lookup.known) > _NAMES_KEPT:
            self.lookup.known.clear()
        return self.lookup(record_id)

    def written(self, record_id: str, name: str) -> None:
        self.lookup.known.pop(record_id, None)
        self.batch[record_id] = name


_NAMES_KEPT = 100_000  # names of the store's records kept at most (looked up again after)


class StreamedImport:
    """One streamed import on a write connection (inside the caller's write transaction).

    Each batch of rows costs a few queries: one look-up of its ids among the rows taken before
    (the temporary table), one among the store's records, then one INSERT of many rows for each
    table written (the records, their derived rows, their full-text rows); a record that
    replaces a stored one deletes that one's rows first."""

    def __init__(self, conn: sqlite3.Connection, data: Any, skip: set[str]) -> None:
        from ..engines.sqlite import _json_text

        self.conn = conn
        self.data = data  # the engine's view on the same connection: look-ups by id
        self.skip = skip  # the rows left out (found invalid by an earlier pass)
        self.json_text = _json_text
        self.errors: list[RowError] = []
        self.rows = 0
        self.report = ImportReport(rows=0)
        # what the report lists, by table: the ordinary import lists them table by table
        self.updated: dict[str, list[tuple[str, str, list[str]]]] = {t: [] for t in TABLES}
        self.unchanged: dict[str, list[tuple[str, str]]] = {table: [] for table in TABLES}
        self.next_doc: dict[str, int] = {}
        self.changed = 0  # history changes written (their texts are in the temporary table)
        self.names = _Names(conn)
        self.stored: dict[str, tuple[str, int, str]] = {}  # the batch's ids in the store
        self.planned: list[_Planned] = []
        self.seen: list[tuple[Any, ...]] = []  # the batch's temporary rows
        # the temporary table: what the rows said about each id (`doc` for a record written),
        # its history change and its table's place in TABLES (the entry lists them in order)
        conn.execute(f"CREATE TEMP TABLE {_TEMP} (id TEXT PRIMARY KEY, tbl TEXT NOT NULL,"
                     " label TEXT NOT NULL, digest BLOB NOT NULL, doc INTEGER,"
                     " change TEXT, tbl_order INTEGER, added INTEGER)")  # fmt: skip
        # the full-text rows, kept until the last row and then indexed in key order, with the
        # words of the entities they involve (which may come later in the file)
        self.staged = sqlite_search.StagedRows(conn)
        # the `links` words of the stored entities the import replaces, as they were: the
        # records involving those whose names change are indexed again at the end
        self.links_before: dict[str, str] = {}

    def close(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{_TEMP}")
        self.staged.close()

    # -- rows ---------------------------------------------------------------------------------
    def take(self, rows: Iterable[Checked], progress: Progress = NO_PROGRESS) -> None:
        """Plan and write every checked row, a batch at a time."""
        batch: list[Checked] = []
        for row in rows:
            self.rows += 1
            if self.rows % BATCH == 0:
                progress("importing records", self.rows, None)
            if row.label in self.skip:
                continue
            if row.table is None:
                self.errors.append(RowError(row.label, row.error, row.hint))
                continue
            batch.append(row)
            if len(batch) >= BATCH:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)
        progress("importing records", self.rows, self.rows)

    def _forget(self) -> None:
        """Drop what the view remembers of the rows it read: the batch wrote past it."""
        self.data.seen.clear()
        self.data.lazy.cache.clear()

    def _batch(self, batch: list[Checked]) -> None:
        ids = list(dict.fromkeys(_made(row).record_id for row in batch))
        earlier: dict[str, tuple[str, str, bytes]] = {}
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            earlier.update((i, (table, label, digest)) for i, table, label, digest in
                           self.conn.execute(f"SELECT id, tbl, label, digest FROM temp.{_TEMP}"
                                             f" WHERE id IN ({marks})", chunk))  # fmt: skip
        self.stored = self._stored([i for i in ids if i not in earlier])
        for row in batch:
            label, table, text, digest = row.label, str(row.table), row.text, row.digest
            made = _made(row)
            record_id = made.record_id
            seen = earlier.get(record_id)
            if seen is not None:
                if seen[0] == table and seen[2] == digest:
                    self.report.duplicates += 1
                    continue
                self.errors.append(RowError(
                    label, f"id {record_id!r} is also given by {seen[1]} with other content",
                    "give each row its own key (--key COLUMN), or remove the repeated row"))
                continue
            earlier[record_id] = (table, label, digest)
            try:
                self._put(label, table, text, digest, made)
            except PartnerkbError as exc:
                self.errors.append(RowError(label, exc.message, exc.hint))
        self._write()
        self._forget()

    def _stored(self, ids: list[str]) -> dict[str, tuple[str, int, str]]:
        """id -> (table, doc, JSON text) of the records of these ids in the store."""
        found: dict[str, tuple[str, int, str]] = {}
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            query = " UNION ALL ".join(f"SELECT '{table}', doc, id, record FROM {table}"
                                       f" WHERE id IN ({marks})" for table in TABLES)  # fmt: skip
            for table, doc, record_id, text in self.conn.execute(query, chunk * len(TABLES)):
                found.setdefault(record_id, (table, int(doc), text))
        return found

    def _put(self, label: str, table: str, text: str, digest: bytes, made: Made) -> None:
        """Plan one record: added, put in place of the stored one of its id, or unchanged."""
        import orjson

        record_id = made.record_id
        stored = self.stored.get(record_id)
        if stored is not None and stored[0] != table:
            from .importer import _a

            raise InvalidInput(
                f"id {record_id!r} is already {_a(TYPE_OF_TABLE[stored[0]])} in the "
                f"store, not {_a(TYPE_OF_TABLE[table])}"
            )
        listed: list[Any] | None = None  # an added record is listed from the temporary table
        if stored is None:
            doc = self._next_doc(table)
            change = {"table": table, "id": record_id, "doc": str(doc), "before": None,
                      "inserted": True, "removed": False}  # fmt: skip
        else:
            before, record = orjson.loads(stored[2]), orjson.loads(text)
            if before == record:
                self.unchanged[table].append((table, record_id))
                self.seen.append((record_id, table, label, digest, None, None, None, None))
                return
            doc = stored[1]
            change = {"table": table, "id": record_id, "doc": str(doc), "before": before,
                      "inserted": False, "removed": False}  # fmt: skip
            fields = sorted(k for k in {*before, *record} if before.get(k) != record.get(k))
            listed = self.updated[table]
            listed.append((table, record_id, fields))
        self.planned.append(_Planned(label, table, doc, record_id, text, digest,
                                     self.json_text(change), stored is not None, listed,
                                     made))  # fmt: skip

    def _next_doc(self, table: str) -> int:
        if table not in self.next_doc:
            row = self.conn.execute(f"SELECT coalesce(max(doc), 0) FROM {table}").fetchone()
            self.next_doc[table] = int(row[0])
        self.next_doc[table] += 1
        return self.next_doc[table]

    # -- writing a batch ----------------------------------------------------------------------
    def _write(self) -> None:
        """Write the planned records of the batch, each statement once for all its rows; if
        SQLite refuses one of them, the batch is written again record by record, and only the
        records it refuses are left out (as rows in error)."""
        planned, self.planned = self.planned, []
        try:
            self.conn.execute("SAVEPOINT partnerkb_batch")
            try:
                self._write_rows(planned)
            except sqlite3.IntegrityError:
                self.conn.execute("ROLLBACK TO partnerkb_batch")
                self._write_each(planned)
            self.conn.execute("RELEASE partnerkb_batch")
            self.conn.executemany(_TEMP_ROW, self.seen)
        finally:
            self.seen = []
            self.names.batch.clear()

    def _rows(self, item: _Planned, into: dict[str, list[tuple[Any, ...]]]) -> None:
        """Add every row a planned record writes to `into` (statement -> rows): those made
        when it was checked (`Made`), with its document number and search key."""
        table, made = item.table, item.made
        self.names.written(item.record_id, made.name)
        into.setdefault(_STATEMENTS.insert[table], []).append(
            (item.doc, *made.columns, item.text))  # fmt: skip
        for statement, rows in made.derived:
            into.setdefault(statement, []).extend(rows)
        if table in sqlite_search.TABLE_CODE:
            indexed: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None
            if made.search is not None and made.key is not None and (
                    0 <= item.doc < sqlite_search.DOC_LIMIT):  # fmt: skip
                key = made.key[0] | item.doc  # what key_of gives with the document number
                indexed = ((key, *made.search),
                           (key, item.record_id, 1 if made.key[1] else None))  # fmt: skip
            text_row, key_row = indexed or sqlite_search.index_rows(
                table, item.doc, item.parsed(), self.names, self.staged.staged_links)  # fmt: skip
            into.setdefault(self.staged.INSERT, []).append(text_row)
            into.setdefault(sqlite_search.INSERT_KEY, []).append(key_row)

    def _temp_row(self, item: _Planned) -> tuple[Any, ...]:
        return (item.record_id, item.table, item.label, item.digest, item.doc, item.change,
                TABLES.index(item.table), None if item.replaces else 1)  # fmt: skip

    def _write_rows(self, planned: list[_Planned]) -> None:
        statements: dict[str, list[tuple[Any, ...]]] = {}
        for item in planned:
            if item.replaces:
                self._delete(item.table, item.doc, item.record_id)
            self._rows(item, statements)
        for statement, rows in statements.items():
            self.conn.executemany(statement, rows)
        self.seen.extend(self._temp_row(item) for item in planned)
        self.changed += len(planned)

    def _write_each(self, planned: list[_Planned]) -> None:
        for item in planned:
            self.conn.execute("SAVEPOINT partnerkb_record")
            try:
                if item.replaces:
                    self._delete(item.table, item.doc, item.record_id)
                statements: dict[str, list[tuple[Any, ...]]] = {}
                self._rows(item, statements)
                for statement, rows in statements.items():
                    self.conn.executemany(statement, rows)
            except sqlite3.IntegrityError as exc:
                self.conn.execute("ROLLBACK TO partnerkb_record")
                self.conn.execute("RELEASE partnerkb_record")
                self.names.batch.pop(item.record_id, None)
                self.errors.append(RowError(item.label, f"it cannot be stored ({exc})"))
                if item.listed is not None:
                    item.listed.remove(next(e for e in reversed(item.listed)
                                            if e[1] == item.record_id))  # fmt: skip
                continue
            self.conn.execute("RELEASE partnerkb_record")
            self.seen.append(self._temp_row(item))
            self.changed += 1

    def _delete(self, table: str, doc: int, record_id: str) -> None:
        from ..engines import sqlite_search
        from ..engines.sqlite import _STATEMENTS

        if table == "entities" and record_id not in self.links_before:
            self.links_before.update(sqlite_search.entity_links(self.conn, [record_id]))
        self.conn.execute(_STATEMENTS.delete[table], (doc,))
        for derived in relational.derived_of(table):
            self.conn.execute(_STATEMENTS.delete_derived[derived], (record_id,))
        sqlite_search.forget(self.conn, table, [record_id])

    # -- after the last row -------------------------------------------------------------------
    def reference_errors(self) -> list[RowError]:
        """The rows whose record, as written, refers to a record in neither the store nor the
        file, in file order."""
        self._forget()
        broken = self.conn.execute(
            f"SELECT i.id, i.tbl, i.label, r.target_id FROM temp.{_TEMP} i"
            " JOIN refs r ON r.record_id = i.id WHERE i.doc IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM sources WHERE id = r.target_id)"
            " AND NOT EXISTS (SELECT 1 FROM entities WHERE id = r.target_id)"
            " AND NOT EXISTS (SELECT 1 FROM events WHERE id = r.target_id)"
            " AND NOT EXISTS (SELECT 1 FROM partnerships WHERE id = r.target_id)"
        ).fetchall()
        errors: dict[str, RowError] = {}
        for record_id, table, label, _ in broken:
            if label in errors:
                continue
            found = self.data.get(record_id)
            if found is None:
                continue
            # the first reference of the record, in the order the ordinary import checks them
            for field, ref in references(table, found[1]):
                if self.data.get(ref) is None:
                    message = f"{field} refers to {ref!r}, in neither the store nor the file"
                    errors[label] = RowError(label, message)
                    break
        return sorted(errors.values(), key=_label_order)

    def index_search(self) -> None:
        """Add the full-text rows of the records written to the index, in key order, then
        index again the stored records that involve an entity whose names the import
        changed."""
        self.staged.finish()
        sqlite_search.relink(self.conn, self.links_before)

    def refresh_role_holders(self) -> None:
        """Index again the people whose role names an organization the import wrote after
        them (their full-text row holds the name it had then), and those of the store whose
        organization the import changed: as the ordinary import leaves them."""
        from ..engines.sqlite_search import _reindex_entities

        holders = {entity for (entity,) in self.conn.execute(
            f"SELECT DISTINCT r.entity_id FROM roles r JOIN temp.{_TEMP} o"
            " ON o.id = r.organization AND o.doc IS NOT NULL"
            f" LEFT JOIN temp.{_TEMP} h ON h.id = r.entity_id AND h.doc IS NOT NULL"
            " WHERE h.rowid IS NULL OR h.rowid < o.rowid")}  # fmt: skip
        _reindex_entities(self.conn, holders)

    def finish(self) -> ImportReport:
        """The report of this pass, its lists table by table (before `close`). The records
        added are listed from the temporary table, read once the history entry is written:
        a million ids are not held while SQLite puts that entry together."""
        report = self.report
        report.rows = self.rows
        report.added = [(str(table), str(record_id)) for table, record_id in self.conn.execute(
            f"SELECT tbl, id FROM temp.{_TEMP} WHERE added = 1 ORDER BY tbl_order, rowid")]
        report.updated = [item for table in TABLES for item in self.updated[table]]
        report.unchanged = [item for table in TABLES for item in self.unchanged[table]]
        return report

    def history_entry(self, command: str) -> str | None:
        """Write the import's history entry (None when it changed nothing). Its text is put
        together by SQLite from the changes' texts in the temporary table, table by table in
        file order: a million changes are never one Python object, and the text is made once,
        by one `group_concat` of its pieces (each change with the comma before it, the first
        with the entry's head instead, the last with its tail), never copied whole by a
        concatenation."""
        from ..locking import caller

        if not self.changed:
            return None
        row = self.conn.execute("SELECT coalesce(max(doc), 0) + 1 FROM history").fetchone()
        doc = int(row[0])
        entry = {"id": f"h-{doc:06d}",
                 "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "command": command, "by": caller(), "changes": []}  # fmt: skip
        text = self.json_text(entry)
        empty = '"changes":[]'
        assert text.count(empty) == 1
        head, tail = text.split(empty)
        columns = ["doc", "id", *(name for name, _, _ in relational.COLUMNS["history"]),
                   "record"]  # fmt: skip
        values = relational.row_of("history", doc, entry, "")[:-1]
        # the changes in the entry's order, through an index rather than a sort of them all
        self.conn.execute(f"CREATE INDEX IF NOT EXISTS temp.{_TEMP}_order ON {_TEMP} (tbl_order)")
        ends = [self.conn.execute(f"SELECT rowid FROM temp.{_TEMP} WHERE change IS NOT NULL"
                                  f" ORDER BY tbl_order {way}, rowid {way} LIMIT 1").fetchone()[0]
                for way in ("ASC", "DESC")]  # fmt: skip
        self.conn.execute(
            f"INSERT INTO history ({', '.join(columns)})"
            f" SELECT {', '.join('?' * len(values))}, group_concat(piece, '')"
            " FROM (SELECT CASE WHEN rowid = ? THEN ? || change ELSE ',' || change END"
            " || CASE WHEN rowid = ? THEN ? ELSE '' END AS piece"
            f" FROM temp.{_TEMP} WHERE change IS NOT NULL ORDER BY tbl_order, rowid)",
            (*values, ends[0], head + '"changes":[', ends[1], "]" + tail),
        )
        return str(entry["id"])


def _made(row: Checked) -> Made:
    """The rows of a valid checked row (`check_row` gives every valid row its rows)."""
    assert row.made is not None
    return row.made


_TEMP_ROW = (f"INSERT INTO temp.{_TEMP} (id, tbl, label, digest, doc, change, tbl_order,"
             " added) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")  # fmt: skip


def _chunks(ids: list[str], size: int = 2000) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def stream_into_sqlite(
    store: Any,
    items: Callable[[], Iterable[tuple[str, Json]] | CheckedLines],
    *,
    command: str,
    skip_invalid: bool,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Import records as stored into the SQLite store `store` (an `engines.sqlite.SqliteStore`)
    in one transaction, streaming (see the module); `items()` reads the rows afresh each time
    it is called: (label, row as stored) pairs, checked here, or a `CheckedLines` of a file,
    checked in other processes while this one writes. As the ordinary import: with
    `skip_invalid`, rows found invalid are left out; when a record refers to one that is
    nowhere, that row is left out and the rows are taken again (inside the transaction, from a
    savepoint), as many times as that happens. Raises
    ImportFailed listing the invalid rows (nothing written) unless `skip_invalid` (or when no
    row is valid); NotStreamable (nothing written) for input only the ordinary import reads;
    StoreError for a store that cannot be locked or written."""
    from ..engines.sqlite import (
        SqliteData,
        _Db,
        _failure,
        derived_current,
        rebuild_derived,
        upgrade,
    )

    with store._writing(command) as conn:
        try:
            # more of the file's pages kept in memory while the import writes (for this
            # connection only: nothing about how the result is written or committed changes)
            conn.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
            conn.execute(f"PRAGMA temp.cache_size = {-CACHE_KIB // 2}")
            upgrade(conn)
            if not derived_current(conn):
                rebuild_derived(conn)
            skip: set[str] = set()
            invalid: list[RowError] = []
            deferred = defer_indexes(conn)
            while True:
                conn.execute("SAVEPOINT partnerkb_import")
                work = StreamedImport(conn, SqliteData(_Db(conn, store.path, snapshot=False)),
                                      skip)  # fmt: skip
                rows = items()
                work.take(rows if isinstance(rows, CheckedLines) else check_rows(rows), progress)
                if work.errors:
                    invalid.extend(sorted(work.errors, key=_label_order))  # in file order
                    skip.update(e.label for e in work.errors)
                    if not skip_invalid:
                        raise ImportFailed(sorted(invalid, key=_label_order), work.rows)
                if deferred:
                    stage(progress, "indexing")
                    for statement in deferred:
                        conn.execute(statement)
                stage(progress, "checking references")
                broken = work.reference_errors()
                if not broken:
                    break
                invalid.extend(broken)
                skip.update(e.label for e in broken)
                if not skip_invalid:
                    raise ImportFailed(sorted(invalid, key=_label_order), work.rows)
                work.close()
                conn.execute("ROLLBACK TO partnerkb_import")
                conn.execute("RELEASE partnerkb_import")
            if invalid and len(skip) >= work.rows:
                raise ImportFailed(sorted(invalid, key=_label_order), work.rows, skipping=True)
            stage(progress, "writing the store")
            # the history entry first: SQLite makes its text (200 MB at 1M records) while the
            # least else is held
            store.history_id = work.history_entry(command)
            work.index_search()
            work.refresh_role_holders()
            report = work.finish()
            report.invalid = invalid
            work.close()
            conn.execute("RELEASE partnerkb_import")
        except sqlite3.Error as exc:
            raise _failure(store.path, exc, "write") from None
    return report


def defer_indexes(conn: sqlite3.Connection) -> list[str]:
    """Into a store that holds no record yet, drop the indexes of the record and derived
    tables that the import itself does not read, and give the statements that make them again
    (run once the rows are written: an index made from every row at once is sorted once, many
    times faster than one kept through a million inserts in the order of the file). The ids'
    own indexes (UNIQUE) stay: the import looks records up by id. Inside the caller's
    transaction, so a refused or failed import leaves them as they were. [] for a store that
    holds records (the import may replace some, which finds their rows through the indexes)."""

    if any(conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in TABLES):
        return []
    tables = [*relational.RECORD_TABLES, *(derived.name for derived in relational.DERIVED)]
    marks = ", ".join("?" * len(tables))
    found = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS"
                         f" NOT NULL AND tbl_name IN ({marks}) ORDER BY rowid",
                         tables).fetchall()  # fmt: skip
    for name, _ in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _label_order(error: RowError) -> tuple[int, str]:
    from .importer import _label_order as order

    return order(error)
