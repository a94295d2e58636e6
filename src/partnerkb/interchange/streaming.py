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

What stays in memory is bounded by the batch (`BATCH` records) and the report (the ids added
and updated, which the command prints); what the rows say about each id (its line, the digest
of its content, the record it replaced) goes to a temporary table of the same connection.

Anything else — flat rows (a mapping's columns), a whole store, a line that is not a JSON
object — is not streamed: `NotStreamable` is raised before anything is written, and the
caller imports the file the ordinary way.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, PartnerkbError
from ..model import TABLES, VALIDATORS, references
from ..progress import NO_PROGRESS, Progress, stage
from ..queries import TYPE_OF_TABLE
from .importer import ImportFailed, ImportReport, RowError

Json = dict[str, Any]
TABLE_OF_TYPE = {singular: table for table, singular in TYPE_OF_TABLE.items()}
BATCH = 2000  # records planned and written at a time
_TEMP = "partnerkb_import"  # the temporary table of what the rows said about each id


class NotStreamable(Exception):
    """The input holds something only the ordinary import reads (said before any write)."""


def json_lines(path: Path) -> Iterator[tuple[str, Json]]:
    """("line N", object) of each non-empty line of the JSON Lines file at `path`, read a line
    at a time; NotStreamable for a line that is not one JSON object of a record as stored (the
    ordinary import then says what). OSError when it cannot be read."""
    import orjson

    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            text = line.strip()
            if number == 1:
                text = text.removeprefix(b"\xef\xbb\xbf")
            if not text:
                continue
            try:
                item = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise NotStreamable(f"line {number}") from None
            if not isinstance(item, dict) or not _is_record(item):
                raise NotStreamable(f"line {number}")
            yield f"line {number}", item


def _is_record(item: Json) -> bool:
    from .importer import _is_record as is_record
    from .importer import _is_store

    return is_record(item) and not _is_store(item)


def _digest(record: Json) -> bytes:
    import orjson

    return hashlib.blake2b(orjson.dumps(record, option=orjson.OPT_SORT_KEYS),
                           digest_size=16).digest()  # fmt: skip


class StreamedImport:
    """One streamed import on a write connection (inside the caller's write transaction)."""

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
        self.added: dict[str, list[tuple[str, str]]] = {table: [] for table in TABLES}
        self.updated: dict[str, list[tuple[str, str, list[str]]]] = {t: [] for t in TABLES}
        self.unchanged: dict[str, list[tuple[str, str]]] = {table: [] for table in TABLES}
        self.next_doc: dict[str, int] = {}
        self.changes: dict[str, list[str]] = {table: [] for table in TABLES}  # history, as text
        conn.execute(f"CREATE TEMP TABLE {_TEMP} (id TEXT PRIMARY KEY, tbl TEXT NOT NULL,"
                     " label TEXT NOT NULL, digest BLOB NOT NULL, doc INTEGER,"
                     " replaced TEXT, bad INTEGER NOT NULL DEFAULT 0)")  # fmt: skip

    def close(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{_TEMP}")

    # -- rows ---------------------------------------------------------------------------------
    def take(self, items: Iterable[tuple[str, Json]], progress: Progress = NO_PROGRESS) -> None:
        """Plan and write every row, a batch at a time."""
        batch: list[tuple[str, str, Json]] = []
        for label, item in items:
            self.rows += 1
            if self.rows % BATCH == 0:
                progress("importing records", self.rows, None)
            if label in self.skip:
                continue
            try:
                table = TABLE_OF_TYPE[item["type"]]
                record = {k: v for k, v in item.items() if k not in ("type", "display")}
                VALIDATORS[table](record)
            except PartnerkbError as exc:
                self.errors.append(RowError(label, exc.message))
                continue
            batch.append((label, table, record))
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

    def _batch(self, batch: list[tuple[str, str, Json]]) -> None:
        ids = [record["id"] for _, _, record in batch]
        marks = ", ".join("?" * len(ids))
        earlier = {i: (table, label, digest) for i, table, label, digest in self.conn.execute(
            f"SELECT id, tbl, label, digest FROM temp.{_TEMP} WHERE id IN ({marks})", ids)}
        for label, table, record in batch:
            record_id = record["id"]
            digest = _digest(record)
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
                self._put(label, table, record, digest)
            except PartnerkbError as exc:
                self.errors.append(RowError(label, exc.message, exc.hint))
        self._forget()

    def _put(self, label: str, table: str, record: Json, digest: bytes) -> None:
        found = self.data.locate(record["id"])
        stored = self.data.get(record["id"])
        if stored is not None and stored[0] != table:
            from .importer import _a

            raise InvalidInput(
                f"id {record['id']!r} is already {_a(TYPE_OF_TABLE[stored[0]])} in the "
                f"store, not {_a(TYPE_OF_TABLE[table])}"
            )
        replaced = None
        if stored is None:
            doc = self._next_doc(table)
            change = {"table": table, "id": record["id"], "doc": str(doc), "before": None,
                      "inserted": True, "removed": False}  # fmt: skip
            self.added[table].append((table, record["id"]))
        elif stored[1] != record:
            assert found is not None
            doc = int(found[1])
            self._delete(table, doc, record["id"])
            replaced = self.json_text(stored[1])
            change = {"table": table, "id": record["id"], "doc": found[1],
                      "before": stored[1], "inserted": False, "removed": False}  # fmt: skip
            fields = sorted(k for k in {*stored[1], *record} if stored[1].get(k) != record.get(k))
            self.updated[table].append((table, record["id"], fields))
        else:
            self.unchanged[table].append((table, record["id"]))
            self.conn.execute(f"INSERT INTO temp.{_TEMP} (id, tbl, label, digest) VALUES"
                              " (?, ?, ?, ?)", (record["id"], table, label, digest))  # fmt: skip
            return
        self._insert(table, doc, record)
        self.changes[table].append(self.json_text(change))
        self.conn.execute(
            f"INSERT INTO temp.{_TEMP} (id, tbl, label, digest, doc, replaced) VALUES"
            " (?, ?, ?, ?, ?, ?)", (record["id"], table, label, digest, doc, replaced))

    def _next_doc(self, table: str) -> int:
        if table not in self.next_doc:
            row = self.conn.execute(f"SELECT coalesce(max(doc), 0) FROM {table}").fetchone()
            self.next_doc[table] = int(row[0])
        self.next_doc[table] += 1
        return self.next_doc[table]

    def _insert(self, table: str, doc: int, record: Json) -> None:
        from ..engines.sqlite import insert_record

        try:
            insert_record(self.conn, table, doc, record)
        except sqlite3.IntegrityError as exc:
            raise InvalidInput(f"it cannot be stored ({exc})") from None

    def _delete(self, table: str, doc: int, record_id: str) -> None:
        from ..engines import relational
        from ..engines.sqlite import _STATEMENTS

        self.conn.execute(_STATEMENTS.delete[table], (doc,))
        for derived in relational.derived_of(table):
            self.conn.execute(_STATEMENTS.delete_derived[derived], (record_id,))
        from ..engines import sqlite_search

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

    def finish(self) -> ImportReport:
        """The report of this pass, its lists table by table."""
        report = self.report
        report.rows = self.rows
        report.added = [item for table in TABLES for item in self.added[table]]
        report.updated = [item for table in TABLES for item in self.updated[table]]
        report.unchanged = [item for table in TABLES for item in self.unchanged[table]]
        return report

    def history_entry(self, command: str) -> str | None:
        """Write the import's history entry (None when it changed nothing): its text is built
        from the changes' texts, never as one object of a million changes."""
        from ..locking import caller

        texts = [text for table in TABLES for text in self.changes[table]]
        if not texts:
            return None
        row = self.conn.execute("SELECT coalesce(max(doc), 0) + 1 FROM history").fetchone()
        doc = int(row[0])
        entry = {"id": f"h-{doc:06d}",
                 "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "command": command, "by": caller(), "changes": []}  # fmt: skip
        head = self.json_text(entry)
        empty = '"changes":[]'
        assert head.count(empty) == 1
        text = head.replace(empty, '"changes":[' + ",".join(texts) + "]")
        from ..engines import relational
        from ..engines.sqlite import _STATEMENTS

        self.conn.execute(_STATEMENTS.insert["history"],
                          relational.row_of("history", doc, entry, text))  # fmt: skip
        return str(entry["id"])


def stream_into_sqlite(
    store: Any,
    items: Callable[[], Iterable[tuple[str, Json]]],
    *,
    command: str,
    skip_invalid: bool,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Import records as stored into the SQLite store `store` (an `engines.sqlite.SqliteStore`)
    in one transaction, streaming (see the module); `items()` reads the rows afresh each time
    it is called. As the ordinary import: with `skip_invalid`, rows found invalid are left out;
    when a record refers to one that is nowhere, that row is left out and the rows are taken
    again (inside the transaction, from a savepoint), as many times as that happens. Raises
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
            upgrade(conn)
            if not derived_current(conn):
                rebuild_derived(conn)
            skip: set[str] = set()
            invalid: list[RowError] = []
            while True:
                conn.execute("SAVEPOINT partnerkb_import")
                work = StreamedImport(conn, SqliteData(_Db(conn, store.path, snapshot=False)),
                                      skip)  # fmt: skip
                work.take(items(), progress)
                if work.errors:
                    invalid.extend(sorted(work.errors, key=_label_order))  # in file order
                    skip.update(e.label for e in work.errors)
                    if not skip_invalid:
                        raise ImportFailed(sorted(invalid, key=_label_order), work.rows)
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
            report = work.finish()
            report.invalid = invalid
            if invalid and len(skip) >= work.rows:
                raise ImportFailed(sorted(invalid, key=_label_order), work.rows, skipping=True)
            stage(progress, "writing the store")
            store.history_id = work.history_entry(command)
            work.close()
            conn.execute("RELEASE partnerkb_import")
        except sqlite3.Error as exc:
            raise _failure(store.path, exc, "write") from None
    return report


def _label_order(error: RowError) -> tuple[int, str]:
    from .importer import _label_order as order

    return order(error)
