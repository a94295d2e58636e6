"""The PostgreSQL engine: a store in a schema of a PostgreSQL database, shared by several people
on several machines (psycopg 3, installed with `pip install 'partnerkb[postgresql]'`).

The store is named by a URL, `postgresql://USER@HOST:PORT/DBNAME` (libpq's URL: every libpq
parameter may follow as `?key=value`), plus `?schema=NAME` for its schema (default `partnerkb`),
so that one database can hold several stores beside other data. A password is never part of the
URL (it would stay in the shell's history and in `ps`): libpq reads it from `~/.pgpass`,
`$PGPASSWORD` or a service file.

Layout: `engines.relational`, as the SQLite engine (one table per store table with the record as
JSON, typed columns, derived tables and views), in the store's schema, the folded names
trigram-indexed where the server has `pg_trgm`, and search's full-text index
(`engines.postgresql_search`: a `tsvector` of every record's folded text, GIN-indexed, kept with
every write); the table `store_layout` says it is a partnerkb
store and its layout version. A store of an older layout is refused (exit 3) until `migrate`
brings it up to date, in one transaction, when asked (`partnerkb migrate`): a team's store is
never changed under colleagues whose partnerkb may be older than the one that would change it.
Reads run in one `REPEATABLE READ READ
ONLY` transaction (one version of the store for the whole command) and load a table only when
a command touches it. Each write command is one transaction that first takes a
transaction-level advisory lock on the store, so writers from any machine run one after the
other: a command reads, checks for duplicates and numbers its records with every earlier write
committed, and nothing is half-written if it fails or its client dies. A command that only adds
one event (`Transaction.narrow`) takes that lock shared instead, so that such writes run side by
side: its duplicate check claims the entities the event involves (`_claim`: one lock each, in
one order), its records are numbered when it writes, with numbers no other writer holds
(`_number`), and the words it adds to the search vocabulary are counted in one order; if it
does more, it runs again holding the store.
`$PARTNERKB_LOCK_TIMEOUT` bounds the wait for each lock and every statement (exit 3 when it runs
out).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from ..errors import InvalidInput, StoreError
from ..model import SCHEMA_VERSION, TABLES
from ..progress import NO_PROGRESS, Progress, tracked
from ..store import ALL_TABLES, NeedsWholeStore, StoreData, StoreLocation, Transaction
from . import postgresql_search, relational
from .base import DatabaseStore, Migration, StoreSummary
from .postgresql_ahead import SideQuery, stop_for

if TYPE_CHECKING:
    import psycopg

    from ..search_candidates import SearchCandidates, SearchRequest

Json = dict[str, Any]

POSTGRESQL = relational.Dialect("postgresql", "%s", "JSON")
# store_layout.version: the layout this code writes. 1: engines.relational's tables (as SQLite's
# layout 2); 2 added a trigram index of the folded names (`names.key`); 3 the derived table refs;
# 4 search's full-text index (engines.postgresql_search: search_text, search_words).
LAYOUT_VERSION = 4
DEFAULT_SCHEMA = "partnerkb"
APPLICATION = "partnerkb"
_STATEMENTS = relational.statements(POSTGRESQL)
_OPEN: list[Any] = []  # read connections of this process, closed by close_since
_BATCH = 1000  # rows sent at once when a store is created


def opened() -> int:
    """How many read connections this process has opened and not closed (see `close_since`)."""
    return len(_OPEN)


def close_since(mark: int = 0) -> None:
    """Close the read connections opened since `opened()` returned `mark` (the CLI does at the
    end of a command), ending their read transactions and the queries still running for them
    on other connections (`postgresql_ahead`)."""
    while len(_OPEN) > mark:
        conn = _OPEN.pop()
        stop_for(conn)
        with contextlib.suppress(Exception):
            conn.close()


# ---------------------------------------------------------------------------------------------
# The URL
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a store is: libpq's connection string (without `schema`), its schema, and the URL
    as shown to the user."""

    conninfo: str
    schema: str
    url: str


def _schema_name(name: str, url: str) -> str:
    plain = all(c.isascii() and (c.isalnum() or c == "_") for c in name)
    if not name or len(name) > 63 or not plain or name[0].isdigit() or name != name.lower():
        raise InvalidInput(
            f"{url}: schema {name!r} is not a plain schema name",
            hint="lowercase letters, digits and _, not starting with a digit (default partnerkb)",
        )
    if name.startswith("pg_"):
        raise InvalidInput(f"{url}: schema {name!r} is reserved by PostgreSQL")
    return name


def parse_url(url: str) -> Target:
    """The store a postgresql:// URL names. InvalidInput (exit 2) for a URL libpq cannot read
    or one carrying a password (refused: it belongs in ~/.pgpass, $PGPASSWORD or a service
    file, never on a command line)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidInput(f"{text}: not a PostgreSQL URL ({exc})") from None
    no_password = "put it in ~/.pgpass, $PGPASSWORD or a service file (PGSERVICE), never in --db"
    if parts.password is not None:
        raise InvalidInput(
            "a password in the store's URL is refused: a command line is seen by others and "
            "kept in the shell's history; nothing was done",
            hint=no_password,
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    if any(key == "password" for key, _ in query):
        raise InvalidInput("a password in the store's URL is refused; nothing was done",
                           hint=no_password)  # fmt: skip
    shown = _unsplit(parts, query)
    schema = _schema_name(schemas[-1] if schemas else DEFAULT_SCHEMA, shown)
    conninfo = _unsplit(parts, [(key, value) for key, value in query if key != "schema"])
    try:
        from psycopg.conninfo import conninfo_to_dict

        conninfo_to_dict(conninfo)
    except ImportError:
        raise _not_installed() from None
    except Exception as exc:  # psycopg.ProgrammingError: libpq cannot read it
        raise InvalidInput(f"{shown}: not a PostgreSQL URL libpq can read ({_line(exc)})") from None
    return Target(conninfo, schema, shown)


def _unsplit(parts: SplitResult, query: list[tuple[str, str]]) -> str:
    """The URL again with `query`: `//` kept before an empty host (`postgresql:///kb`, a local
    socket, or `postgresql:///?service=desk`), which `urlunsplit` drops for schemes it does not
    know."""
    text = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if query:
        text += f"?{urlencode(query)}"
    return text + (f"#{parts.fragment}" if parts.fragment else "")


def _not_installed() -> StoreError:
    return StoreError(
        "the PostgreSQL engine is not installed (it needs the psycopg driver)",
        hint="pip install 'partnerkb[postgresql]'",
    )


def _line(exc: BaseException) -> str:
    """The first line of what the server or libpq said, without its 'connection failed:'."""
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else text
    for prefix in ("connection failed: ", "FATAL:  ", "ERROR:  "):
        first = first.removeprefix(prefix)
    return first


# ---------------------------------------------------------------------------------------------
# Connecting, and what the server says
# ---------------------------------------------------------------------------------------------


def _failure(target: Target, exc: BaseException, doing: str = "read") -> StoreError:
    """One line for what psycopg or the server said (a store problem: exit code 3)."""
    import psycopg
    from psycopg import errors

    from ..locking import lock_timeout

    said = _line(exc)
    if isinstance(exc, errors.LockNotAvailable) and doing == "lock":  # the store's write lock
        return StoreError(
            f"the store {target.url} is being written by another command; waited "
            f"{lock_timeout():g} s, nothing written",
            hint="try again when it is done, or wait longer with PARTNERKB_LOCK_TIMEOUT=SECONDS",
        )
    if isinstance(exc, errors.LockNotAvailable):  # a table's lock: maintenance, a migration
        return StoreError(
            f"cannot {doing} the store {target.url}: another session holds a lock on its "
            f"tables; waited {lock_timeout():g} s, nothing written",
            hint="try again later, or wait longer with PARTNERKB_LOCK_TIMEOUT=SECONDS",
        )
    if isinstance(exc, errors.QueryCanceled):
        return StoreError(
            f"the store {target.url} did not answer within {lock_timeout():g} s (statement "
            f"timeout); nothing written",
            hint="try again, or wait longer with PARTNERKB_LOCK_TIMEOUT=SECONDS",
        )
    if isinstance(exc, errors.InsufficientPrivilege):
        return StoreError(f"cannot {doing} the store {target.url}: {said}; it is unchanged")
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(f"cannot {doing} the store {target.url}: {said}; nothing written")
    return StoreError(f"cannot {doing} the store {target.url}: {said}; nothing written")


def connect(target: Target, *, doing: str = "read") -> psycopg.Connection[Any]:
    """A connection in autocommit mode (transactions are begun by hand), its statements and
    lock waits bounded by $PARTNERKB_LOCK_TIMEOUT, the store's schema first on its search path,
    JSON columns read as text. StoreError (exit 3) when the server cannot be reached or
    refuses."""
    try:
        import psycopg
        from psycopg.types.string import TextLoader
    except ImportError:
        raise _not_installed() from None
    from ..locking import lock_timeout

    timeout = lock_timeout()
    millis = _millis()
    try:
        conn = psycopg.connect(target.conninfo, autocommit=True,
                               connect_timeout=max(2, int(timeout) + 1),
                               application_name="partnerkb")  # fmt: skip
    except psycopg.Error as exc:
        raise _failure(target, exc, doing) from None
    try:
        conn.adapters.register_loader("json", TextLoader)
        conn.execute(f"SET statement_timeout = {millis}")
        conn.execute(f"SET lock_timeout = {millis}")
        conn.execute(f'SET search_path TO "{target.schema}", public')
    except psycopg.Error as exc:
        conn.close()
        raise _failure(target, exc, doing) from None
    return conn


def _millis() -> int:
    """$PARTNERKB_LOCK_TIMEOUT in milliseconds, at least 1 (0 means "no limit" to PostgreSQL)."""
    from ..locking import lock_timeout

    return max(1, round(lock_timeout() * 1000))


def check_store(conn: psycopg.Connection[Any], target: Target, *, older: bool = False) -> int:
    """The store's layout version, after checking the schema is a partnerkb store this code
    can read (StoreError otherwise: missing, foreign, newer, or, unless `older`, of an older
    layout, which `migrate` brings up to date)."""
    import psycopg

    try:  # two round trips: is there a store, then what it is
        exists, table = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s), EXISTS (SELECT 1"
            " FROM pg_tables WHERE schemaname = %s AND tablename = 'store_layout')",
            [target.schema, target.schema],
        ).fetchone() or (False, False)
        if not exists:
            raise StoreError(
                f"no store at {target.url} (the database has no schema {target.schema!r})",
                hint=f"create one with: partnerkb init --db {target.url}",
            )
        if not table:
            raise StoreError(
                f"the schema {target.schema!r} of {target.url} is not a partnerkb store; "
                "refusing to use it",
                hint="give another schema with ?schema=NAME in the URL",
            )
        row = conn.execute(
            "SELECT application, version, (SELECT schema_version FROM meta ORDER BY doc LIMIT 1),"
            " (SELECT json_object_agg(name, version) FROM derived) FROM store_layout"
        ).fetchone()
    except psycopg.Error as exc:
        raise _failure(target, exc) from None
    if row is None or row[0] != APPLICATION or not isinstance(row[1], int):
        raise StoreError(f"{target.url} is not a sound partnerkb store (no layout version); "
                         "refusing to use it")  # fmt: skip
    layout = int(row[1])
    if layout > LAYOUT_VERSION:
        raise StoreError(
            f"{target.url} was written by a newer partnerkb (PostgreSQL layout {layout}, this "
            f"one knows {LAYOUT_VERSION}); refusing to read or change it",
            hint="upgrade partnerkb (pip install -U 'partnerkb[postgresql]')",
        )
    version = row[2]
    if not isinstance(version, int):
        raise StoreError(f"{target.url} has no schema version; refusing to use it")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{target.url} was written by a newer partnerkb (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); refusing to read or change it",
            hint="upgrade partnerkb (pip install -U 'partnerkb[postgresql]')",
        )
    found = _loads(row[3]) if row[3] else {}
    known = derived_versions()
    newer = sorted(name for name, v in found.items() if name in known and v > known[name])
    if newer:
        raise StoreError(
            f"{target.url} was written by a newer partnerkb (its {', '.join(newer)} made by "
            "newer rules); refusing to read or change it",
            hint="upgrade partnerkb (pip install -U 'partnerkb[postgresql]')",
        )
    if older:
        return layout
    if layout < LAYOUT_VERSION:
        why = f"has the PostgreSQL layout {layout} of an older partnerkb (this one uses "
        why += f"{LAYOUT_VERSION})"
    elif stale_derived(found):
        why = f"holds {', '.join(stale_derived(found))} made by an older partnerkb's rules"
    else:
        return layout
    raise StoreError(
        f"{target.url} {why}; it is left as it is until someone migrates it: run "
        "partnerkb migrate",
        hint=f"partnerkb migrate --db {target.url} (then everyone who uses the store needs "
        "this version of partnerkb or a newer one)",
    )


# ---------------------------------------------------------------------------------------------
# Reading: the SQLite engine's lazily loaded view, over a PostgreSQL connection
# ---------------------------------------------------------------------------------------------


class _PgDb:
    """A connection inside a transaction, answering the queries of the shared lazy view
    (written with SQLite's `?` placeholders) and turning the server's errors into
    StoreErrors. Document numbers sort as text byte by byte (COLLATE "C"), as SQLite and a
    JSON store's tables do. `shared`: the transaction is a read-only snapshot that other
    connections may share (`ahead`)."""

    def __init__(self, conn: psycopg.Connection[Any], target: Target, *,
                 shared: bool = False) -> None:  # fmt: skip
        self.conn = conn
        self.target = target
        self.path = target.url  # what the shared view names in its messages
        self.shared = shared
        self._ahead: dict[tuple[str, tuple[Any, ...]], SideQuery] = {}

    def ahead(self, queries: list[tuple[str, list[Any]]]) -> None:
        """Start all of `queries` but the first side by side (`postgresql_ahead`: each on a
        connection of its own, in this transaction's snapshot), while this connection answers
        the first when `rows` asks; `rows` then takes their answers. Only in a read-only view
        (`shared`). At 1M events, the three questions of a busy person's profile
        (`SqliteData.prepare_profile`) took 175 ms one after the other. StoreError when the
        server cannot export the snapshot (the connection is lost)."""
        if not self.shared or len(queries) < 2:
            return
        import psycopg

        try:
            row = self.conn.execute("SELECT pg_export_snapshot()").fetchone()
        except psycopg.Error as exc:
            raise _failure(self.target, exc) from None
        snapshot = str(row[0]) if row else ""
        for sql, params in queries[1:]:
            key = (sql, tuple(params))
            if key not in self._ahead:
                self._ahead[key] = SideQuery(self.target, snapshot, _postgresql_sql(sql), key[1],
                                             self.conn)  # fmt: skip

    def rows(self, sql: str, params: Iterable[Any] = (), *, small: bool = False) -> list[Any]:
        """The rows of a query (`small`: a look-up by id; one snapshot needs no check), or
        the answer another connection gave it (`ahead`)."""
        import psycopg

        params = tuple(params)
        started = self._ahead.pop((sql, params), None)
        if started is not None:
            answer = started.rows()
            if answer is not None:
                return answer
        query = _postgresql_sql(sql)
        try:
            return self.conn.execute(query, params).fetchall()
        except psycopg.Error as exc:
            if self.conn.closed:
                raise StoreError(
                    f"the store {self.target.url} was closed before it was read"
                ) from None
            raise _failure(self.target, exc) from None


_FETCHES_BEFORE_LOADING = 64  # look-ups by id, one query each, before the tables are loaded


def _postgresql_sql(sql: str) -> str:
    """The shared view's SQLite query as PostgreSQL reads it: `%s` placeholders, document
    numbers and what SQLite sorts `COLLATE BINARY` sorted byte by byte, `strpos` for SQLite's
    `instr`, `->` for a field of a JSON column (`json_extract(record, '$.aliases')`)."""
    import re

    sql = sql.replace("?", "%s")
    sql = re.sub(r"\+(kind|status) IN", r"\1 IN", sql)  # SQLite's "not by this index"
    sql = re.sub(r"CAST\((\w+\.)?doc AS TEXT\)", r'CAST(\1doc AS TEXT) COLLATE "C"', sql)
    sql = sql.replace("COLLATE BINARY", 'COLLATE "C"')  # byte by byte, as SQLite and Python
    sql = re.sub(r"json_extract\((\w+), '\$\.(\w+)'\)", r"(\1 -> '\2')::text", sql)
    return re.sub(r"\binstr\(", "strpos(", sql)


def _view(conn: psycopg.Connection[Any], target: Target, *, shared: bool = False) -> StoreData:
    from .sqlite import SqliteData

    class PgData(SqliteData):
        """The SQLite engine's lazy view, for a server, where each query is a round trip:
        after a few dozen look-ups by id that no prefetch (`StoreData.prefetch`) answered,
        the record tables are loaded at once and looked up in memory."""

        misses = 0

        def _through(self, index: str) -> str:
            return ""  # PostgreSQL's planner chooses (index-only scans where it sees fit)

        def _fetch(self, record_id: str) -> tuple[str, str, Json] | None:
            if record_id not in self.seen and not self.located and self._index is None:
                self.misses += 1  # a round trip, unless every table is loaded
                if self.misses == _FETCHES_BEFORE_LOADING:
                    for table in TABLES:
                        self.tables[table]  # noqa: B018 - loads it
            return super()._fetch(record_id)

        def entities_named_with(self, word: str) -> list[tuple[str, str]] | None:
            if not self._pushable("entities", derived=("names",)):
                return None
            if self.lazy.pending.get("entities"):  # changed here: laid over the file's answer
                return super().entities_named_with(word)
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"  # fmt: skip
            rows = self.db.rows(  # LIKE, which the trigram index answers (strpos is a scan)
                "SELECT n.key, n.record_id FROM names n JOIN entities e ON e.id = n.record_id"
                " WHERE n.key LIKE ? ORDER BY CAST(e.doc AS TEXT)", [pattern]
            )
            return [(key, record_id) for key, record_id in rows]

        # -- search through the full-text index (engines.postgresql_search) ---------------------
        def _pg_search_index(self) -> bool:
            """Whether search may use the store's index: nothing loaded whole or changed here
            (the index does not know), no odd record in it."""
            if not self._pushable(*TABLES, derived=("names",)):
                return False
            if any(self.lazy.pending.get(table) for table in TABLES):
                return False
            if self._search_ok is None:
                self._search_ok = postgresql_search.usable(self)
            return self._search_ok

        def search_vocabulary(self, first: str, shortest: int, longest: int) -> list[str] | None:
            if not first or not self._pg_search_index():
                return None
            key = (first, shortest, longest)
            if key not in self._words:
                index = postgresql_search.PostgresSearchIndex(self, None)
                self._words[key] = index.vocabulary(first, shortest, longest)
            return self._words[key]

        def search_candidates(self, request: SearchRequest) -> SearchCandidates | None:
            from ..search_candidates import bounded_candidates

            if request.sources or not self._pg_search_index():
                return None
            allowed = None
            if request.allowed is not None:
                allowed = postgresql_search.allowed_keys(self, request.allowed)
                if allowed is None:
                    return None
            index = postgresql_search.PostgresSearchIndex(self, allowed)
            with postgresql_search.through_the_index(self.db):
                return bounded_candidates(index, request)

    return PgData(_PgDb(conn, target, shared=shared))  # type: ignore[arg-type]


def read_postgresql(target: Target) -> StoreData:
    """A read-only, lazily loaded view of the store (one snapshot: REPEATABLE READ READ ONLY),
    open until `close_since` (the CLI's exit point)."""
    import psycopg

    conn = connect(target)
    try:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        check_store(conn, target)
    except psycopg.Error as exc:
        conn.close()
        raise _failure(target, exc) from None
    except BaseException:
        conn.close()
        raise
    _OPEN.append(conn)
    return _view(conn, target, shared=True)


def read_postgresql_whole(target: Target) -> StoreData:
    """Every table of the store, read in one snapshot (as a JSON file is read whole)."""
    conn = connect(target)
    try:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        check_store(conn, target)
        view = _view(conn, target)
        tables = {table: view.tables[table] for table in ALL_TABLES}
    finally:
        conn.close()
    return StoreData(tables)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _loads(text: str | bytes) -> Any:
    import orjson

    return orjson.loads(text)


def _json_text(record: Json) -> str:
    import orjson

    try:
        return orjson.dumps(record).decode("utf-8")
    except TypeError as exc:  # a lone surrogate that no validator saw: refuse, not crash
        raise InvalidInput(f"cannot store this input: {exc}; nothing written") from None


def _record_rows(table: str, doc: int, record: Json) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(INSERT statement, row) of a record's row and its derived rows."""
    yield _STATEMENTS.insert[table], _record_row(table, doc, record)
    yield from _derived_rows(table, record)


def _record_row(table: str, doc: int, record: Json) -> tuple[Any, ...]:
    """The row of a record in its table (InvalidInput for text PostgreSQL cannot hold)."""
    text = _json_text(record)
    if "\\u0000" in text:  # PostgreSQL's text and JSON cannot hold a NUL character
        raise InvalidInput("cannot store text with a NUL character (\\0) in PostgreSQL; "
                           "nothing written")  # fmt: skip
    return relational.row_of(table, doc, record, text)


Rows = Iterator[tuple[str, tuple[Any, ...]]]  # (INSERT statement, row)


def _derived_rows(table: str, record: Json, only: Collection[str] | None = None) -> Rows:
    """(INSERT statement, row) of a record's derived rows (those of the tables `only`, if
    given)."""
    for derived, row in relational.derived_rows(table, record):
        if only is None or derived in only:
            yield _STATEMENTS.insert_derived[derived], row


# ---------------------------------------------------------------------------------------------
# The trigram index of the folded names (layout 2)
# ---------------------------------------------------------------------------------------------


def trigram_index(cur: psycopg.Cursor[Any], schema: str) -> bool:
    """Index the folded names (`names.key`) by trigrams (a name given in part, `LIKE
    '%word%'`, then reads the index, not the whole table), with the extension pg_trgm: where
    the database has it already, else created in the schema `public` where this role may,
    else in the store's schema (a trusted extension: whoever may create the schema may create
    it; other stores of the database then use it from there). False, and no index, where the
    server lacks pg_trgm or refuses it (the table is then read whole: the same answers,
    slower)."""
    import psycopg

    found = cur.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    if found is None:
        available = cur.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone()  # fmt: skip
        if available is None:
            return False
        for home in ("public", schema):
            cur.execute("SAVEPOINT trigrams")
            try:
                cur.execute(f'CREATE EXTENSION pg_trgm WITH SCHEMA "{home}"')
            except psycopg.Error:  # not allowed here
                cur.execute("ROLLBACK TO SAVEPOINT trigrams")
                continue
            cur.execute("RELEASE SAVEPOINT trigrams")
            found = (home,)
            break
        else:
            return False
    cur.execute(f'CREATE INDEX names_key_trigrams ON names USING gin'
                f' (key "{found[0]}".gin_trgm_ops)')  # fmt: skip
    return True


def _insert_many(cur: psycopg.Cursor[Any], rows: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
    """Send INSERTs grouped by statement, a batch at a time (a big batch with COPY)."""
    batch: dict[str, list[tuple[Any, ...]]] = {}
    count = 0
    for statement, row in rows:
        batch.setdefault(statement, []).append(row)
        count += 1
        if count >= _BATCH:
            for sql, params in batch.items():
                _send(cur, sql, params)
            batch, count = {}, 0
    for sql, params in batch.items():
        _send(cur, sql, params)


_FEW = 50  # rows sent with INSERTs; more with COPY (one round trip, no statement a row)


def _send(cur: psycopg.Cursor[Any], insert: str, rows: list[tuple[Any, ...]]) -> None:
    if len(rows) < _FEW:
        cur.executemany(insert, rows)
    else:
        _copy(cur, insert, rows)


def write_changes(cur: psycopg.Cursor[Any], tx: Transaction) -> None:
    """Write what `tx` changed: every document touched is deleted with its derived rows, then
    written as it ends up (as the SQLite engine does)."""
    final: dict[tuple[str, str], Json | None] = {}
    owners: dict[tuple[str, str], set[str]] = {}
    new: set[tuple[str, str]] = set()  # documents this transaction adds: no rows to delete
    linked: dict[str, str] = {}  # the `links` words of the entities changed, as they were
    for change in tx.changes:
        if change.table == "entities" and change.id not in linked:
            linked[change.id] = postgresql_search.entity_words(change.before)
        key = (change.table, change.doc)
        if key not in final and change.before is None:
            new.add(key)
        final[key] = change.after
        owners.setdefault(key, set()).add(change.id)
    docs: dict[str, list[int]] = {}
    owned: dict[str, set[str]] = {}
    for (table, doc), ids in owners.items():
        if (table, doc) not in new:
            docs.setdefault(table, []).append(int(doc))
            owned.setdefault(table, set()).update(ids)
    for table, numbers in docs.items():  # one statement a table, not one a row
        cur.execute(_STATEMENTS.delete[table].replace("= %s", "= ANY(%s)"), (numbers,))
        for derived in relational.derived_of(table):
            cur.execute(_STATEMENTS.delete_derived[derived].replace("= %s", "= ANY(%s)"),
                        (sorted(owned[table]),))  # fmt: skip
    postgresql_search.forget(cur, [postgresql_search.key_of(table, int(doc))
                                   for table, doc in owners if table in TABLES])  # fmt: skip
    _insert_many(cur, (
        row
        for (table, doc), record in final.items() if record is not None
        for row in _record_rows(table, int(doc), record)
    ))  # fmt: skip
    # the search rows once every record is written: a role's organization is named as it is now
    postgresql_search.index_records(cur, (
        (table, int(doc), record)
        for (table, doc), record in final.items() if record is not None and table in TABLES
    ))  # fmt: skip
    postgresql_search.refresh_role_holders(
        cur, {i for (table, _), ids in owners.items() if table in TABLES for i in ids}
    )
    # the records that involve an entity whose name, aliases or id changed, not written here
    postgresql_search.relink(cur, linked, {
        postgresql_search.key_of(table, int(doc))
        for (table, doc), record in final.items() if record is not None and table in TABLES})


def derived_versions() -> dict[str, int]:
    """What each derived table's content depends on, as the SQLite engine says (`names`: the
    folding version), and search's index (`search_text`: its rules and the folding's)."""
    from .sqlite import _derived_versions

    return {**_derived_versions(), postgresql_search.NAME: postgresql_search.version()}


def _mark_derived(cur: psycopg.Cursor[Any]) -> None:
    cur.executemany("INSERT INTO derived (name, version) VALUES (%s, %s) ON CONFLICT (name)"
                    " DO UPDATE SET version = EXCLUDED.version",
                    list(derived_versions().items()))  # fmt: skip


def stale_derived(found: dict[str, int]) -> list[str]:
    """The derived tables whose rules (`found`: the table `derived`, name -> version) are not
    this version's, in the order they are made."""
    return [name for name, version in derived_versions().items() if found.get(name) != version]


def rebuild_derived(cur: psycopg.Cursor[Any], names: Collection[str],
                    progress: Progress = NO_PROGRESS) -> None:  # fmt: skip
    """Write the rows of the derived tables `names` again from the records (inside the
    caller's transaction), and mark them made by this version's rules."""
    from .sqlite import _loads

    if postgresql_search.NAME in names:
        postgresql_search.rebuild(cur, progress)
    names = [name for name in names if name != postgresql_search.NAME]
    for name in names:
        cur.execute(f"DELETE FROM {name}")
    sources = {d.name: d.sources for d in relational.DERIVED}
    for table in relational.RECORD_TABLES:
        if not any(table in sources[name] for name in names):
            continue
        count = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        records = (_loads(text) for (text,) in cur.connection.execute(
            f"SELECT record FROM {table}"))  # fmt: skip
        _insert_many(cur, (
            row
            for record in tracked(records, progress, f"deriving {table}", count)
            for row in _derived_rows(table, record, names)
        ))  # fmt: skip
    _mark_derived(cur)


def _lock_key(schema: str, what: str = "") -> int:
    """An advisory lock of a store: a stable 63-bit number from its schema's name (the store's
    write lock) and `what` (`turn:` the turn to write of narrow writers, `record:ID` a record
    claimed by one)."""
    import hashlib

    name = f"partnerkb:{schema}" + (f":{what}" if what else "")
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


class PostgresStore(DatabaseStore):
    """A store in a schema of a PostgreSQL database (see the module's doc)."""

    engine = "postgresql"

    def __init__(self, location: StoreLocation) -> None:
        if location.url is None:
            raise StoreError(f"{location.path} is not a PostgreSQL URL")
        self.location = location
        self.target = parse_url(location.url)
        self.created = False
        self.history_id: str | None = None
        self.last_transaction: Transaction | None = None
        self.lock_seconds: float | None = None
        self.write_seconds: float | None = None  # how long the last narrow write wrote
        self._writes_from: float | None = None

    narrow_writes = True

    @property
    def path(self) -> Path:
        """No file: the URL as a Path (see `name` for the URL itself)."""
        return self.location.path

    @property
    def name(self) -> str:
        return self.target.url

    def read(self) -> StoreData:
        return read_postgresql(self.target)

    def writer(self) -> Json:
        """Who writes as this caller: `user` ($USER), and `role`, the database role the
        server knows this connection as (what history entries name)."""
        import psycopg

        from ..locking import caller

        conn = connect(self.target)
        try:
            role = _role(conn)
        except psycopg.Error as exc:
            raise _failure(self.target, exc) from None
        finally:
            conn.close()
        return {**caller(), "role": role}

    @contextlib.contextmanager
    def _writing(self, command: str, *, narrow: bool = False
                 ) -> Iterator[psycopg.Connection[Any]]:  # fmt: skip
        """A connection inside a transaction holding the store's advisory write lock (shared
        by narrow writers, each then holding what it claims and the document numbers it takes:
        see `_claim`, `_number`), committed if the block ends normally, rolled back
        otherwise."""
        import psycopg

        conn = connect(self.target, doing="write")
        started = None
        self._writes_from = None
        try:
            try:
                conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                check_store(conn, self.target)
                how = "pg_advisory_xact_lock_shared" if narrow else "pg_advisory_xact_lock"
                self._locked(conn, how, [_lock_key(self.target.schema)])
            except psycopg.Error as exc:
                raise _failure(self.target, exc, "lock") from None
            started = time.monotonic()
            yield conn
            try:
                conn.execute("COMMIT")
            except psycopg.Error as exc:
                raise _failure(self.target, exc, "write") from None
        finally:
            ended = time.monotonic()
            if started is not None:
                self.lock_seconds = ended - started
            self.write_seconds = None if self._writes_from is None else ended - self._writes_from
            with contextlib.suppress(Exception):
                conn.close()  # an open transaction is rolled back with its connection

    @staticmethod
    def _locked(conn: psycopg.Connection[Any], how: str, keys: list[int]) -> None:
        """Take advisory locks one after the other, the wait bounded by lock_timeout alone
        (not the statement timeout, restored after)."""
        conn.execute("SET LOCAL statement_timeout = 0")
        for key in keys:
            conn.execute(f"SELECT {how}(%s)", [key])
        conn.execute(f"SET LOCAL statement_timeout = {_millis()}")

    def _claim(self, conn: psycopg.Connection[Any], record_ids: list[str]) -> None:
        """Hold the records `record_ids` until the transaction ends (Transaction.claim): one
        advisory lock each, taken in the order of their numbers, which every writer follows,
        so two claims never wait for each other in a circle."""
        import psycopg

        keys = sorted({_lock_key(self.target.schema, f"record:{i}") for i in record_ids})
        try:
            self._locked(conn, "pg_advisory_xact_lock", keys)
        except psycopg.Error as exc:
            raise _failure(self.target, exc, "lock") from None

    def _number(self, conn: psycopg.Connection[Any], tx: Transaction) -> None:
        """Number a narrow writer's new records and history entry (`Transaction.
        number_again`) with free document numbers, beside other writers doing the same: the
        numbers after the highest stored, each held by an advisory lock until the transaction
        ends (another writer, not seeing this one's rows yet, passes over a held number), and
        kept only if no row has it once held (a writer that had it committed before letting
        go)."""
        import psycopg

        docs: dict[str, list[int]] = {}
        try:
            for table, count in sorted(tx.added_counts().items()):
                space = _lock_key(self.target.schema, f"doc:{table}") & 0x7FFF_FFFF
                found: list[int] = []
                after = int(conn.execute(f"SELECT coalesce(max(doc), 0) FROM {table}"
                                         ).fetchone()[0])  # type: ignore[index]  # fmt: skip
                while len(found) < count:
                    held = [d for (d,) in conn.execute(
                        "SELECT d FROM generate_series(%s::int, %s::int) AS d WHERE"
                        " pg_try_advisory_xact_lock(%s::int, d) LIMIT %s",
                        [after + 1, after + 1000, space, count - len(found)])]  # fmt: skip
                    taken = {d for (d,) in conn.execute(
                        f"SELECT doc FROM {table} WHERE doc = ANY(%s)", [held])}  # fmt: skip
                    found += [d for d in held if d not in taken]
                    after = max(held, default=after + 1000)
                docs[table] = found
        except psycopg.Error as exc:
            raise _failure(self.target, exc, "write") from None
        tx.number_again(docs)

    def _write_view(self, conn: psycopg.Connection[Any]) -> StoreData:
        return _view(conn, self.target)

    def _write(self, conn: psycopg.Connection[Any], tx: Transaction, command: str) -> None:
        import psycopg

        if tx.narrow:
            self._number(conn, tx)
            self._writes_from = time.monotonic()
        try:
            with conn.cursor() as cur:
                write_changes(cur, tx)
                taken_back = getattr(tx, "taken_back", None)  # an undo that removes its entry
                if taken_back is not None:
                    cur.execute(_STATEMENTS.delete["history"], (int(taken_back),))
                    entry_id = None
                else:
                    doc, entry = tx.history_entry(command)
                    entry["by"] = {**entry["by"], "role": _role(conn)}
                    _insert_many(cur, _record_rows("history", int(doc), entry))
                    entry_id = entry["id"]
        except psycopg.errors.UniqueViolation as exc:
            if tx.narrow:  # its new id was taken meanwhile: again, holding the store
                raise NeedsWholeStore(str(exc)) from None
            raise _failure(self.target, exc, "write") from None
        except psycopg.Error as exc:
            raise _failure(self.target, exc, "write") from None
        self.history_id = entry_id

    def create(self, data: StoreData, *, progress: Progress = NO_PROGRESS) -> None:
        write_store(self.target, data, progress=progress)

    def migrate(self, *, dry_run: bool = False, progress: Progress = NO_PROGRESS) -> Migration:
        """See `migrate`."""
        return migrate(self.target, dry_run=dry_run, progress=progress)

    def summary(self) -> StoreSummary:
        import psycopg

        conn = connect(self.target)
        try:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            layout = check_store(conn, self.target, older=True)
            counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
                      for t in ALL_TABLES}  # fmt: skip
            version = conn.execute("SELECT schema_version FROM meta ORDER BY doc LIMIT 1"
                                   ).fetchone()[0]  # type: ignore[index]  # fmt: skip
            last = conn.execute("SELECT at, command FROM history ORDER BY doc DESC LIMIT 1"
                                ).fetchone()  # fmt: skip
            size = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
                [self.target.schema],
            ).fetchone()[0]  # type: ignore[index]
            server = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            info = conn.info
            details = {"server": f"PostgreSQL {server} at {info.host}:{info.port}",
                       "database": info.dbname, "schema": self.target.schema,
                       "role": info.user}  # fmt: skip
            if layout < LAYOUT_VERSION:
                details["migration"] = (f"needed: layout {layout} of an older partnerkb "
                                        f"(partnerkb migrate --db {self.target.url})")  # fmt: skip
        except psycopg.Error as exc:
            raise _failure(self.target, exc) from None
        finally:
            conn.close()
        return StoreSummary(
            counts, version, layout,
            {"at": str(last[0] or ""), "command": str(last[1] or "")} if last else None,
            details, size_bytes=int(size),
        )  # fmt: skip


# What each layout added to the one before, and how an older store gets it (`migrate`)
_LAYOUT_CHANGES = {
    2: "a trigram index of the folded names (names.key), for names given in part",
    3: "the derived table refs (who refers to a record: remove, merge, undo)",
    4: "search's full-text index (search_text, search_words: search through an index)",
}


def _to_layout_2(cur: psycopg.Cursor[Any], target: Target) -> bool:
    return trigram_index(cur, target.schema)


def _missing_tables(cur: psycopg.Cursor[Any], target: Target) -> bool:
    """Create the tables and indexes of engines.relational the store lacks (their rows are made
    with the stale derived tables)."""
    have = {name for (name,) in cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s", [target.schema]).fetchall()}  # fmt: skip
    for statement in relational.missing_statements(POSTGRESQL, have):
        cur.execute(statement)
    return True


def _to_layout_4(cur: psycopg.Cursor[Any], target: Target) -> bool:
    """Create the search index's tables (their rows are made as a stale derived table's)."""
    postgresql_search.create(cur)
    return True


_MIGRATIONS = {2: _to_layout_2, 3: _missing_tables, 4: _to_layout_4}


def _has_trigram_index(cur: psycopg.Cursor[Any], schema: str) -> bool:
    return cur.execute("SELECT 1 FROM pg_indexes WHERE schemaname = %s AND indexname ="
                       " 'names_key_trigrams'", [schema]).fetchone() is not None  # fmt: skip


def _speed_indexes(cur: psycopg.Cursor[Any], target: Target) -> list[str]:
    """Create the indexes that change no answer, only how fast (`relational.WINDOW_INDEX`,
    `relational.COVERING`), where the store lacks them, and drop the one-column indexes a
    covering one replaces: a store of any layout may lack them, and none is needed to read
    it (so their absence refuses nothing). The names of those created."""
    have = {name for (name,) in cur.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = %s", [target.schema]).fetchall()}
    created = []
    for name, statement in [("events_window", relational.WINDOW_INDEX),
                            *((c.name, c.statement) for c in relational.COVERING)]:
        if name not in have:
            cur.execute(statement)
            created.append(name)
    for covering in relational.COVERING:
        if covering.replaces in have:
            cur.execute(f'DROP INDEX "{covering.replaces}"')
    return created


def migrate(target: Target, *, dry_run: bool = False,
            progress: Progress = NO_PROGRESS) -> Migration:  # fmt: skip
    """Bring the store to this version's layout in one transaction, holding the store's write
    lock (waiting for writers, old versions' too): each newer layout's tables, then every
    derived row made again. A failure, a dry run or a lost connection leave the store as it
    was (PostgreSQL rolls back its tables too). StoreError for a store this code cannot read
    (missing, foreign, newer)."""
    import psycopg

    conn = connect(target, doing="migrate")
    try:
        try:
            conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            layout = check_store(conn, target, older=True)
            conn.execute("SET LOCAL statement_timeout = 0")  # a big store's rows take long
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(target.schema)])
        except psycopg.Error as exc:
            raise _failure(target, exc, "lock") from None
        done: list[str] = []
        try:
            with conn.cursor() as cur:
                for version in range(layout + 1, LAYOUT_VERSION + 1):
                    if _MIGRATIONS[version](cur, target):
                        done.append(f"layout {version}: added {_LAYOUT_CHANGES[version]}")
                    else:
                        done.append(f"layout {version}, without {_LAYOUT_CHANGES[version]}: "
                                    "the server has no pg_trgm, or refuses it here")  # fmt: skip
                stale = stale_derived(dict(cur.execute("SELECT name, version FROM derived")))
                if stale:
                    rebuild_derived(cur, stale, progress)
                    done.append(f"made the rows of {', '.join(stale)} from the records (of "
                                "this version's rules)")  # fmt: skip
                if layout >= 2 and not _has_trigram_index(cur, target.schema):
                    # lost with the extension (its schema dropped), or the server lacked it
                    if trigram_index(cur, target.schema):
                        done.append("made the trigram index of the folded names again")
                created = _speed_indexes(cur, target)
                if created:
                    done.append(f"created the indexes {', '.join(created)} (they change no "
                                "answer, only how fast)")  # fmt: skip
                if layout < LAYOUT_VERSION:
                    cur.execute("UPDATE store_layout SET version = %s", [LAYOUT_VERSION])
            conn.execute("ROLLBACK" if dry_run else "COMMIT")
        except psycopg.Error as exc:
            raise _failure(target, exc, "migrate") from None
    finally:
        with contextlib.suppress(Exception):
            conn.close()  # an open transaction is rolled back with its connection
    return Migration(target.url, "postgresql", layout, LAYOUT_VERSION, done, dry_run)


def _role(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute("SELECT current_user").fetchone()
    return str(row[0]) if row else ""


# ---------------------------------------------------------------------------------------------
# A new store
# ---------------------------------------------------------------------------------------------


class NewRecords(Protocol):
    """The records of a store being created (`write_store`), read table by table: a store in
    memory (`InMemory`), or one read in batches as it is written (the SQLite engine's
    `streamed`), so that memory stays bounded whatever the store's size."""

    def count(self, table: str) -> int:
        """How many records `table` holds (for progress)."""

    def batches(self, table: str) -> Iterator[list[tuple[str, Json]]]:
        """The (document number as text, record) of every record of `table` (a table of
        `relational.TABLE_ORDER`), a few thousand at a time."""

    def name_of(self, record_id: Any) -> str:
        """`KnowledgeBase.name_of` over the whole store (search rows name what they cite)."""

    def entity(self, entity_id: str) -> Json | None:
        """The record of the entity with this id, or None (search rows hold the names of the
        entities their record involves)."""


class InMemory:
    """`NewRecords` of a store in memory (StoreData)."""

    BATCH = 2000

    def __init__(self, data: StoreData) -> None:
        self.tables = data.tables
        self._names = postgresql_search.names_in(self.tables)
        self._entities = {record.get("id"): record for record in self.tables["entities"].values()
                          if isinstance(record, dict)}  # fmt: skip

    def count(self, table: str) -> int:
        return len(self.tables[table])

    def batches(self, table: str) -> Iterator[list[tuple[str, Json]]]:
        items = list(self.tables[table].items())
        for start in range(0, len(items), self.BATCH):
            yield items[start : start + self.BATCH]

    def name_of(self, record_id: Any) -> str:
        return self._names(record_id)

    def entity(self, entity_id: str) -> Json | None:
        return self._entities.get(entity_id)


def write_store(
    target: Target, data: StoreData | NewRecords, *, progress: Progress = NO_PROGRESS
) -> dict[str, int]:
    """Create the store's schema holding `data` (a StoreData, or `NewRecords` read as they are
    written), in one transaction, not bounded by the statement timeout (a million events take
    minutes): refuses a schema that exists already (whatever it holds); on failure nothing is
    left behind. How many records each table got (table -> count). StoreError.

    A bulk load: the tables are created without their secondary indexes; each batch of a
    table's records is sent with COPY, then its derived rows and its search rows (a batch at a
    time: memory holds one batch, whatever the store's size); the search vocabulary is counted
    by the server from the search rows; then the indexes are built, each in one pass over its
    table, and the tables analysed."""
    import psycopg

    source = InMemory(data) if isinstance(data, StoreData) else data
    conn = connect(target, doing="create")
    try:
        conn.execute("BEGIN")
        # a big store's rows and indexes take minutes (1M events): no statement timeout; its
        # indexes, and the vocabulary's count, are made with more memory than the server's
        # default (64 MB, 4 MB), in fewer passes
        conn.execute("SET LOCAL statement_timeout = 0")
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        conn.execute("SET LOCAL work_mem = '256MB'")
        taken = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                             [target.schema]).fetchone()  # fmt: skip
        if taken is not None:
            raise StoreError(
                f"a store already exists at {target.url} (the schema {target.schema!r}); "
                "refusing to overwrite it",
                hint="give another schema with ?schema=NAME in the URL, or another database",
            )
        conn.execute(f'CREATE SCHEMA "{target.schema}"')
        statements = [*relational.schema_statements(POSTGRESQL), *postgresql_search.SCHEMA]
        indexes = [s for s in statements if s.startswith("CREATE INDEX")]
        for statement in statements:
            if statement not in indexes:
                conn.execute(statement)
        conn.execute("CREATE TABLE store_layout (application TEXT NOT NULL,"
                     " version INTEGER NOT NULL)")  # fmt: skip
        conn.execute("INSERT INTO store_layout VALUES (%s, %s)", [APPLICATION, LAYOUT_VERSION])
        counts: dict[str, int] = {}
        with conn.cursor() as cur:
            _mark_derived(cur)
            words = postgresql_search.LinkWords(source.entity)
            for table in relational.TABLE_ORDER:
                counts[table] = _copy_table(cur, table, source, words, progress)
            postgresql_search.count_words(cur)
            for statement in tracked(indexes, progress, "building the indexes", len(indexes)):
                cur.execute(statement)
            trigram_index(cur, target.schema)  # after the rows: one pass instead of one a row
            tables = [table for (table,) in cur.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
                [target.schema]).fetchall()]  # fmt: skip
            for table in tables:
                cur.execute(f'ANALYZE "{table}"')  # the planner knows the sizes and words
        # the commit flushed before it returns, whatever the server's default: a VACUUM marks
        # no page all-visible while the rows' commit is not on disk
        conn.execute("SET LOCAL synchronous_commit = on")
        conn.execute("COMMIT")
        _vacuum(conn, tables)
        return counts
    except psycopg.errors.UniqueViolation as exc:
        raise StoreError(
            f"a record cannot be stored ({_line(exc)}): it is damaged, or its id is taken; "
            "nothing written",
            hint="partnerkb check --db SOURCE names what is wrong",
        ) from None
    except psycopg.Error as exc:
        raise _failure(target, exc, "create") from None
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _vacuum(conn: psycopg.Connection[Any], tables: list[str]) -> None:
    """VACUUM the new store's tables (names in the connection's schema), outside any
    transaction: their pages are marked all-visible, so the reads an index answers alone
    (`timeline --limit`: `engines.sqlite.EventWindow`) read no row from the first command on,
    not only once autovacuum has come by. Only an optimisation: a failure is ignored (the
    store is committed and sound; autovacuum does it later)."""
    import psycopg

    with contextlib.suppress(psycopg.Error):
        conn.execute("SET statement_timeout = 0")
        for table in tables:
            conn.execute(f'VACUUM "{table}"')


def _copy_table(cur: psycopg.Cursor[Any], table: str, source: NewRecords,
                link_words: postgresql_search.LinkWords, progress: Progress) -> int:  # fmt: skip
    """Send a table's records, batch by batch: each batch's rows, then its derived rows, then
    its search rows, each with COPY. How many records were sent."""
    total = source.count(table)
    task = f"writing {table}"
    progress(task, 0, total)
    derived = relational.derived_of(table)
    done = 0
    for batch in source.batches(table):
        numbered = [(_doc_number(table, doc), record) for doc, record in batch]
        _copy(cur, _STATEMENTS.insert[table], (
            _record_row(table, doc, record) for doc, record in numbered))  # fmt: skip
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in derived}
        for _, record in numbered:
            for name, row in relational.derived_rows(table, record):
                rows[name].append(row)
        for name in derived:
            if rows[name]:
                _copy(cur, _STATEMENTS.insert_derived[name], rows[name])
        if table in TABLES:
            postgresql_search.copy_rows(cur, [
                postgresql_search.row_of(table, doc, record, source.name_of, link_words)
                for doc, record in numbered])  # fmt: skip
        done += len(numbered)
        progress(task, done, total)
    return done


def _copy(cur: psycopg.Cursor[Any], insert: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """Send rows with COPY ... FROM STDIN: `insert` is the table's INSERT (its columns)."""
    copy_sql = "COPY " + insert.removeprefix("INSERT INTO ").split(" VALUES ")[0] + " FROM STDIN"
    with cur.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(row)


def _doc_number(table: str, doc: str) -> int:
    if not doc.isascii() or not doc.isdigit() or str(int(doc)) != doc:
        raise StoreError(
            f"{table} document number {doc!r} is not a plain number; the PostgreSQL engine "
            "keeps document numbers as integers, so it would not come back the same; nothing "
            "written"
        )
    return int(doc)

