"""SQLite's full-text index for `search`: an FTS5 table of every record's folded text, and the
answers `search_candidates.FullTextIndex` asks of it.

Tables (derived: rewritten with their record; docs/store-format.md):

- `search_text`, an FTS5 table, one row per record of `sources`, `entities`, `events` and
  `partnerships`, with the record's text folded (`textfold.fold`) in the tiers of the ranking
  (`search_candidates.TIERS`): `names` (an entity's id, name, aliases), `title`, `ids` (the id,
  name and aliases of other records), `other` (every other field search reads), `links` (the
  words of the `names` of each entity the record involves: an event's participants,
  organizations and place, a partnership's parties), and `facets`
  (tokens for the filters: `t` + its type, `k` + the hex of its kind, `s` + the hex of an
  event's status). Fields are kept apart by a `_` token, so that a phrase never runs from one
  into the next.
- `search_keys`: the record id of each row. A row's rowid (its *key*) is the record's day
  (the ordinal of `search._recency`, the latest day its date allows; 0 for none) times 2^34,
  plus its table's number (entities 0, events 1, sources 2, partnerships 3) times 2^32, plus
  its document number: the index lists a word's records newest first by itself
  (`ORDER BY rowid DESC`), which is the ranking's order at equal score but for the id, so
  `newest` reads only the records of the last day it reaches in full. A record whose day is
  not an ISO day, or whose document number is 2^32 or more, is *odd* (`search_keys.odd`):
  while a store holds one, search scores every record.
- `search_vocabulary`: every word of the `names`, `title` and `ids` columns (without its tier's
  letter) with the number of rows holding it: the typo vocabulary, read by a range of its
  primary key (an fts5vocab table lists the same words, but reads each one's list of rows: 0.2-0.6 s
  for the words of one letter at 1M events).
- `search_words`: an fts5vocab table over `search_text` (for SQL users; search reads
  `search_vocabulary`).

Words, not ids, make the `links` column: "events of someone named Samadov" is then one word's
list of rows (`links : "lsamadov"`), where a list of ids was an OR of the hundreds of people so
named (0.5 s to count with "Baku" at 1M events). The price is on writes: an entity's new name,
alias or id is written again into the row of every record that involves it (`relink`).

The index is made by `rebuild` (a new store, or one whose rules changed: `derived` holds
`index_version()` under `search_text`), then kept with every write (`index_record`, `forget`,
`relink`, `refresh_role_holders`: a person's roles are searched with their organization's name).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from ..search_candidates import AllOf, AnyOf, Expr, Linked, SearchRequest, Words

if TYPE_CHECKING:
    from .sqlite import SqliteData

Json = dict[str, Any]

SEARCH_VERSION = 2  # bumped when the index's rules change; with the folding rules' version
SQLITE_RULES = 1  # this engine's own rules (1: links as words, search_vocabulary)
TABLE_CODE = {"entities": 0, "events": 1, "sources": 2, "partnerships": 3}
TABLE_OF_CODE = {code: table for table, code in TABLE_CODE.items()}
# each tier's words are tokens of their own (the tier's letter, then the word): a word's records
# in one tier are then one short list of the index, not the word's list in every tier filtered
TIER_LETTER = {"names": "n", "title": "t", "ids": "i", "other": "o", "links": "l"}
TYPE_OF = {"entities": "entity", "events": "event", "sources": "source",
           "partnerships": "partnership"}  # fmt: skip
DAY_SHIFT = 34
DOC_LIMIT = 1 << 32
MAX_ALLOWED = 200_000  # event filters keeping more events than this: search scores every record
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PARAMETERS = 900

SCHEMA = (
    "CREATE VIRTUAL TABLE search_text USING fts5(names, title, ids, other, links, facets,"
    " tokenize = \"ascii tokenchars '_'\")",
    "CREATE TABLE search_keys (key INTEGER PRIMARY KEY, record_id TEXT NOT NULL, odd INTEGER)",
    "CREATE INDEX search_keys_record_id ON search_keys (record_id)",
    "CREATE INDEX search_keys_odd ON search_keys (odd) WHERE odd IS NOT NULL",
    "CREATE VIRTUAL TABLE search_words USING fts5vocab(search_text, row)",
    "CREATE TABLE search_vocabulary (word TEXT PRIMARY KEY, records INTEGER NOT NULL)"
    " WITHOUT ROWID",
)


def version() -> int:
    """What the text of the index depends on (both engines): its rules and the folding rules."""
    from ..textfold import FOLD_VERSION

    return SEARCH_VERSION * 1000 + FOLD_VERSION


def index_version() -> int:
    """What this engine's index depends on: `version()` and its own rules (`SQLITE_RULES`)."""
    return version() * 100 + SQLITE_RULES


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def _hex(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").hex()


def key_of(table: str, doc: int, record: Json) -> tuple[int, bool]:
    """(key, odd) of a record (see the module's doc)."""
    from ..search import _recency

    recency = _recency(record)
    code = TABLE_CODE[table] << 32
    if not 0 <= doc < DOC_LIMIT:
        return code | (doc % DOC_LIMIT), True
    if not recency:
        return code | doc, False
    if len(recency) == 10 and _ISO_DAY.fullmatch(recency):
        try:
            return (date.fromisoformat(recency).toordinal() << DAY_SHIFT) | code | doc, False
        except ValueError:
            pass
    return code | doc, True


def facets(table: str, record: Json) -> str:
    tokens = [f"f{TYPE_OF[table]}"]
    kind = record.get("kind")
    if isinstance(kind, str):
        tokens.append(f"k{_hex(kind)}")
    status = record.get("status")
    if table == "events" and isinstance(status, str):
        tokens.append(f"s{_hex(status)}")
    return " ".join(tokens)


def row_values(
    table: str, record: Json, name_of: Any, link_words: Any = None
) -> tuple[str, ...]:
    """The six columns of a record's `search_text` row; `name_of(id)` gives a record's name
    as `KnowledgeBase.name_of` does (roles are searched with their organization's name).
    `link_words(id)`: the `links` words of an entity (`link_tokens`, '' for none); without
    it, `links` holds each involved entity as one token, `x` + the hex of its id (the
    PostgreSQL engine's index)."""
    from ..search import _names_text, other_values
    from ..search_candidates import involved_entities
    from ..textfold import fold_many

    names = _names_text(record)
    title = record.get("title") or ""
    other = other_values(record, name_of)
    names_text, title_text, other_text = fold_many(
        [names, title if isinstance(title, str) else str(title), other]
    ).split("\x1e")
    involved = dict.fromkeys(involved_entities(table, record))
    if link_words is None:
        links = " ".join(f"x{_hex(entity)}" for entity in involved)
    else:
        links = " _ ".join(words for words in map(link_words, involved) if words)
    if table == "entities":
        names_text, ids_text = _tokens("names", names_text), ""
    else:
        names_text, ids_text = "", _tokens("ids", names_text)
    return (names_text, _tokens("title", title_text), ids_text, _tokens("other", other_text),
            links, facets(table, record))  # fmt: skip


def link_tokens(names_column: str) -> str:
    """An entity's words in the `links` column of the records involving it: its `names`
    column's tokens with the letter of `links` ("nshusha _ nshushi" -> "lshusha _ lshushi")."""
    letter = TIER_LETTER["links"]
    return " ".join(token if token == "_" else letter + token[1:]
                    for token in names_column.split())  # fmt: skip


class LinkWords:
    """`link_tokens` of entities by id, read from their rows of `search_text` (the index is
    kept in step with the records: an entity's row is written before or with the records that
    involve it, and `relink` writes those again when it changes) and remembered; `known` may
    be given first (an import's entities not yet indexed)."""

    KEPT = 200_000  # entities remembered at most (read again after)

    def __init__(self, conn: sqlite3.Connection, staged: str | None = None) -> None:
        self.conn = conn
        self.known: dict[str, str] = {}
        # rows not yet in the index (`StagedRows`) are read first
        self.query = (
            "SELECT t.names FROM search_keys k JOIN search_text t ON t.rowid = k.key"
            " WHERE k.record_id = ? AND k.key >> 32 & 3 = 0" if staged is None else
            f"SELECT coalesce(s.names, t.names) FROM search_keys k LEFT JOIN temp.{staged} s"
            " ON s.key = k.key LEFT JOIN search_text t ON t.rowid = k.key"
            " WHERE k.record_id = ? AND k.key >> 32 & 3 = 0"
        )  # fmt: skip

    def __call__(self, entity_id: str) -> str:
        words = self.known.get(entity_id)
        if words is None:
            if len(self.known) > self.KEPT:
                self.known.clear()
            row = self.conn.execute(self.query, (entity_id,)).fetchone()
            words = self.known[entity_id] = link_tokens(row[0] or "") if row else ""
        return words


class StagedRows:
    """Full-text rows kept in a temporary table (`TABLE`, the columns of INSERT_TEXT) while
    many records are written (a rebuild, an import), then indexed at once in key order (FTS5
    writes a sorted run several times faster than rows in any other order). Their `links`
    wait as the hex of the entities' ids (`staged_links`) and become words at the end, when
    every entity written is known; `search_vocabulary` is counted then too. The `search_keys`
    rows are the caller's to write (at once)."""

    TABLE = "partnerkb_search"
    INSERT = f"INSERT INTO temp.{TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.names: NameLookup | None = None  # `stage`'s, made when first needed
        self.pending: list[tuple[Any, ...]] = []  # rows of `stage` not yet in the table
        conn.execute(f"DROP TABLE IF EXISTS temp.{self.TABLE}")
        conn.execute(f"CREATE TEMP TABLE {self.TABLE} (key INTEGER PRIMARY KEY, names, title,"
                     " ids, other, links, facets)")  # fmt: skip

    @staticmethod
    def staged_links(entity_id: str) -> str:
        """What `row_values` stages for an involved entity (its `link_words`)."""
        return _hex(entity_id)

    def add(self, text_rows: list[tuple[Any, ...]]) -> None:
        self.conn.executemany(self.INSERT, text_rows)

    def stage(self, table: str, doc: int, record: Json) -> None:
        """Keep a record's full-text row (its `search_keys` row is written at once)."""
        if table not in TABLE_CODE:
            return
        if self.names is None:
            self.names = NameLookup(self.conn)
        text_row, key_row = index_rows(table, doc, record, self.names, self.staged_links)
        self.pending.append(text_row)
        self.conn.execute(INSERT_KEY, key_row)
        if len(self.pending) >= 2000:
            self.add(self.pending)
            self.pending = []

    # FTS5's terms kept in memory before it writes them as a segment, during this bulk insert
    # (its default, 1 MiB, makes many small segments that it merges again and again): 64 MiB
    # took a fifth off the CPU of indexing 65k records. Not kept in the store afterwards.
    HASH_BYTES = 64 * 1024 * 1024

    def finish(self) -> None:
        """Index the staged rows, in key order, with their `links` words; then forget them."""
        self.add(self.pending)
        self.pending = []
        try:
            self.conn.execute("INSERT INTO search_text (search_text, rank)"
                              " VALUES ('hashsize', ?)", (self.HASH_BYTES,))  # fmt: skip
        except sqlite3.OperationalError:
            pass  # a SQLite whose FTS5 has no such setting: its default, only slower
        words = LinkWords(self.conn, self.TABLE)
        vocabulary: Counter[str] = Counter()
        cursor = self.conn.execute(f"SELECT * FROM temp.{self.TABLE} ORDER BY key")
        while batch := cursor.fetchmany(2000):
            rows = []
            for key, names, title, ids, other, links, facets_text in batch:
                if links:
                    links = " _ ".join(found for found in (
                        words(bytes.fromhex(h).decode("utf-8", "surrogatepass"))
                        for h in links.split(" _ ")) if found)  # fmt: skip
                vocabulary.update(typo_words((names, title, ids)))
                rows.append((key, names, title, ids, other, links, facets_text))
            self.conn.executemany(INSERT_TEXT, rows)
        self.conn.execute("DELETE FROM search_text_config WHERE k = 'hashsize'")
        count_words(self.conn, vocabulary)
        self.close()

    def close(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{self.TABLE}")


def _tokens(tier: str, folded: str) -> str:
    """Folded text as the tier's tokens: each word behind the tier's letter, `_` between two
    fields."""
    from ..textfold import FIELD_SEP

    letter = TIER_LETTER[tier]
    return " ".join("_" if word == FIELD_SEP else letter + word
                    for word in folded.replace(FIELD_SEP, f" {FIELD_SEP} ").split())  # fmt: skip


class RecordNames:
    """`KnowledgeBase.name_of` over a store's tables, asked one id at a time and remembered:
    the name of the first table's record with that id, else its title, else the id itself.
    An engine says how one record is read (`record`)."""

    KEPT = 200_000  # names remembered at most (forgotten, then read again: memory stays bounded)

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def record(self, table: str, record_id: str) -> Json | None:
        """The record of `table` with this id, or None."""
        raise NotImplementedError

    def __call__(self, record_id: Any) -> str:
        from ..model import TABLES

        if not record_id:
            return ""
        record_id = str(record_id)
        if record_id not in self.known:
            if len(self.known) >= self.KEPT:
                self.known.clear()
            name = record_id
            for table in TABLES:
                record = self.record(table, record_id)
                if record is not None:
                    name = str(record.get("name") or record.get("title") or record_id)
                    break
            self.known[record_id] = name
        return self.known[record_id]


class NameLookup(RecordNames):
    """`RecordNames` over a SQLite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__()
        self.conn = conn

    def record(self, table: str, record_id: str) -> Json | None:
        import orjson

        row = self.conn.execute(f"SELECT record FROM {table} WHERE id = ?",
                                (record_id,)).fetchone()  # fmt: skip
        return orjson.loads(row[0]) if row else None


INSERT_TEXT = ("INSERT INTO search_text (rowid, names, title, ids, other, links, facets)"
               " VALUES (?, ?, ?, ?, ?, ?, ?)")  # fmt: skip
INSERT_KEY = "INSERT INTO search_keys (key, record_id, odd) VALUES (?, ?, ?)"


def index_rows(
    table: str, doc: int, record: Json, name_of: Any, link_words: Any = None
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A record's `search_text` row and `search_keys` row (for INSERT_TEXT and INSERT_KEY), of
    a table that has them (TABLE_CODE); `link_words` as `row_values` takes it."""
    try:
        key, odd = key_of(table, doc, record)
        values = row_values(table, record, name_of, link_words)
    except (AttributeError, KeyError, TypeError, ValueError):
        # a record damaged by hand (a date that is not an object...): an odd row, so that
        # search reads every record, as on a JSON store, and says what is wrong the same way
        key, odd = (TABLE_CODE[table] << 32) | (doc % DOC_LIMIT), True
        values = ("", "", "", "", "", "")
    return (key, *values), (key, str(record.get("id")), 1 if odd else None)


def index_record(
    conn: sqlite3.Connection,
    table: str,
    doc: int,
    record: Json,
    name_of: Any = None,
    link_words: Any = None,
) -> None:
    """Add a record's row (the caller has removed its old one: `forget`); the entities it
    involves are read from the index (`LinkWords`) unless `link_words` is given."""
    if table not in TABLE_CODE:
        return
    text_row, key_row = index_rows(table, doc, record, name_of or NameLookup(conn),
                                   link_words or LinkWords(conn))  # fmt: skip
    conn.execute(INSERT_TEXT, text_row)
    conn.execute(INSERT_KEY, key_row)
    count_words(conn, Counter(typo_words(text_row[1:4])))


def typo_words(columns: Iterable[str]) -> set[str]:
    """The words of a row's `names`, `title` and `ids` columns, without their tier's letter:
    what `search_vocabulary` counts."""
    return {token[1:] for column in columns for token in column.split() if token != "_"}


def count_words(conn: sqlite3.Connection, counts: Counter[str], sign: int = 1) -> None:
    """Add (`sign` 1) or take away (-1) rows holding these words to `search_vocabulary`; a
    word no row holds any more leaves it."""
    if not counts:
        return
    rows = [(word, sign * n) for word, n in sorted(counts.items())]
    conn.executemany("INSERT INTO search_vocabulary (word, records) VALUES (?, ?) ON CONFLICT"
                     " (word) DO UPDATE SET records = records + excluded.records", rows)
    if sign < 0:
        conn.executemany("DELETE FROM search_vocabulary WHERE word = ? AND records <= 0",
                         [(word,) for word, _ in rows])  # fmt: skip


def forget(conn: sqlite3.Connection, table: str, record_ids: Iterable[str]) -> None:
    """Remove the rows of these records of `table`."""
    if table not in TABLE_CODE:
        return
    code = TABLE_CODE[table]
    gone: Counter[str] = Counter()
    for record_id in record_ids:
        keys = [k for (k,) in conn.execute("SELECT key FROM search_keys WHERE record_id = ?",
                                           (record_id,))  # fmt: skip
                if (k >> 32) & 3 == code]
        for key in keys:
            for columns in conn.execute("SELECT names, title, ids FROM search_text WHERE"
                                        " rowid = ?", (key,)):  # fmt: skip
                gone.update(typo_words(column or "" for column in columns))
            conn.execute("DELETE FROM search_text WHERE rowid = ?", (key,))
            conn.execute("DELETE FROM search_keys WHERE key = ?", (key,))
    count_words(conn, gone, -1)


def entity_links(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, str]:
    """The `links` words (`link_tokens`) of these entities as the index holds them now."""
    words = LinkWords(conn)
    return {entity_id: words(entity_id) for entity_id in ids}


def relink(conn: sqlite3.Connection, before: dict[str, str]) -> None:
    """Write again the `links` of every record that involves an entity whose `links` words
    changed (`before`: the words of entities before a write, by id; an entity added or
    removed counts as changed). Only that column changes: the rest of the row, the key and
    the vocabulary stay (an odd row, which holds no text, too)."""
    import orjson

    from ..search_candidates import involved_entities

    now = entity_links(conn, before)
    changed = sorted(entity for entity, words in before.items() if now[entity] != words)
    link_words = LinkWords(conn)
    for table, derived, column in (("events", "event_entities", "event_id"),
                                   ("partnerships", "partnership_parties", "partnership_id")):
        code = TABLE_CODE[table]
        for start in range(0, len(changed), _PARAMETERS):
            chunk = changed[start : start + _PARAMETERS]
            rows = conn.execute(
                f"SELECT k.key, r.record FROM {table} r JOIN search_keys k ON k.record_id = r.id"
                f" AND k.key >> 32 & 3 = {code} AND k.odd IS NULL WHERE r.id IN (SELECT {column}"
                f" FROM {derived} WHERE entity_id IN ({', '.join('?' * len(chunk))}))", chunk
            ).fetchall()  # fmt: skip
            conn.executemany("UPDATE search_text SET links = ? WHERE rowid = ?", [
                (" _ ".join(words for words in map(link_words, dict.fromkeys(
                    involved_entities(table, orjson.loads(text)))) if words), key)
                for key, text in rows])  # fmt: skip


def refresh_role_holders(conn: sqlite3.Connection, changed: Collection[str]) -> None:
    """Index again the entities whose roles name one of `changed` (records just written or
    removed: the organization's name they are searched with may have changed), and the
    changed entities that hold roles (written before their organization, maybe)."""
    if not changed:
        return
    holders: set[str] = set()
    ids = sorted(changed)
    for start in range(0, len(ids), _PARAMETERS):
        chunk = ids[start : start + _PARAMETERS]
        marks = ", ".join("?" * len(chunk))
        holders.update(e for (e,) in conn.execute(
            f"SELECT entity_id FROM roles WHERE organization IN ({marks})"
            f" OR entity_id IN ({marks})", chunk + chunk))  # fmt: skip
    _reindex_entities(conn, holders)


def refresh_all_role_holders(conn: sqlite3.Connection) -> None:
    """Index again every entity that holds a role (after a whole store is written in document
    order, an organization may come after its people)."""
    _reindex_entities(conn, {e for (e,) in conn.execute("SELECT entity_id FROM roles")})


def _reindex_entities(conn: sqlite3.Connection, ids: Iterable[str]) -> None:
    import orjson

    name_of = NameLookup(conn)
    for entity_id in sorted(ids):
        forget(conn, "entities", [entity_id])
        for doc, text in conn.execute("SELECT doc, record FROM entities WHERE id = ?",
                                      (entity_id,)).fetchall():  # fmt: skip
            index_record(conn, "entities", doc, orjson.loads(text), name_of)


def _name(statement: str) -> str:
    words = statement.split()
    return words[3] if words[1] == "VIRTUAL" else words[2]


NAMES = tuple(_name(statement) for statement in SCHEMA)  # tables and indexes, in order


def create(conn: sqlite3.Connection) -> list[str]:
    """Create the index's tables where missing (inside the caller's transaction); their names."""
    have = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    created = []
    for statement in SCHEMA:
        if _name(statement) not in have:
            conn.execute(statement)
            created.append(_name(statement))
    return created


def current(conn: sqlite3.Connection) -> bool:
    """Whether the index was made by these rules (if not, reads do without it)."""
    try:
        row = conn.execute("SELECT version FROM derived WHERE name = 'search_text'").fetchone()
    except sqlite3.Error:
        return False
    return bool(row) and row[0] == index_version()


def rebuild(conn: sqlite3.Connection) -> None:
    """Make the index again from every record (inside the caller's transaction): its tables
    dropped and made anew (a table's rows deleted one by one would each be read first), the
    rows staged and indexed in key order (`StagedRows`)."""
    import orjson

    for statement in reversed(SCHEMA):
        if not statement.startswith("CREATE INDEX"):
            conn.execute(f"DROP TABLE IF EXISTS {_name(statement)}")
    create(conn)
    staged = StagedRows(conn)
    name_of = NameLookup(conn)
    for table in TABLE_CODE:
        cursor = conn.execute(f"SELECT doc, record FROM {table}")
        while batch := cursor.fetchmany(2000):
            text_rows, key_rows = [], []
            for doc, text in batch:
                text_row, key_row = index_rows(table, doc, orjson.loads(text), name_of,
                                               staged.staged_links)  # fmt: skip
                text_rows.append(text_row)
                key_rows.append(key_row)
            staged.add(text_rows)
            conn.executemany(INSERT_KEY, key_rows)
    staged.finish()
    mark(conn)


def mark(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT OR REPLACE INTO derived (name, version) VALUES ('search_text', ?)",
                 (index_version(),))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Reading: the answers of search_candidates.FullTextIndex
# ---------------------------------------------------------------------------------------------


class Unanswerable(Exception):
    """An expression this index cannot answer (its methods then answer None)."""


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_text(expr: Expr) -> str:
    """An expression in FTS5's query syntax."""
    if isinstance(expr, Words):
        star = "" if expr.whole else " *"
        phrases = [f"{tier} : {_quoted(_tokens(tier, expr.text))}{star}"
                   for tier in expr.tier.split()]  # fmt: skip
        return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"
    if isinstance(expr, Linked):
        if expr.names is not None:  # the entities' names as words of `links`
            return match_text(_as_links(expr.names))
        # `links` hold names, not ids: which records involve these entities and no namesake
        # of theirs is not for this index to say (`bounded_candidates` always gives names)
        raise Unanswerable("records linked to entities given by id")
    joiner = " OR " if isinstance(expr, AnyOf) else " AND "
    return "(" + joiner.join(match_text(part) for part in expr.parts) + ")"


def _as_links(expr: Expr) -> Expr:
    """A match of entities' `names` as the same match of the `links` of the records that
    involve them."""
    if isinstance(expr, Words):
        if expr.tier != "names":
            raise Unanswerable(f"entities found by {expr.tier!r}, not by their names")
        return Words("links", expr.text, expr.whole)
    if isinstance(expr, AnyOf):
        return AnyOf(tuple(map(_as_links, expr.parts)))
    if isinstance(expr, AllOf):
        return AllOf(tuple(map(_as_links, expr.parts)))
    raise Unanswerable("records linked to records linked to entities")


def scope_text(request: SearchRequest) -> str:
    """The facets a request's filters ask for, in FTS5's query syntax ('' for none)."""
    parts = []
    if request.kinds:
        tokens = [f"k{_hex(kind)}" for kind in request.kinds]
        tokens += [f"f{kind}" for kind in request.kinds if kind in TYPE_OF.values()]
        parts.append("facets : (" + " OR ".join(map(_quoted, tokens)) + ")")
    if request.events_only:
        parts.append('facets : "fevent"')
    if request.statuses:
        tokens = [f"s{_hex(status)}" for status in request.statuses]
        parts.append("facets : (" + " OR ".join(map(_quoted, tokens)) + ")")
    return " AND ".join(parts)


_Answer = TypeVar("_Answer")


def _or_none(method: Callable[..., _Answer]) -> Callable[..., _Answer | None]:
    """A question of the index answered None when its expression is not answerable."""

    @functools.wraps(method)
    def asked(*args: Any) -> _Answer | None:
        try:
            return method(*args)
        except Unanswerable:
            return None

    return asked


class SqliteSearchIndex:
    """`search_candidates.FullTextIndex` over a store's `search_text` (refs are keys)."""

    def __init__(self, data: SqliteData, allowed: frozenset[int] | None) -> None:
        self.data = data
        self.rows = data.db.rows
        self.allowed = allowed  # keys the event filters keep; None: no such filter

    def _match(self, expr: Expr, scope: SearchRequest | None) -> str:
        text = match_text(expr)
        extra = scope_text(scope) if scope is not None else ""
        return f"{text} AND {extra}" if extra else text

    def _batches(self, sql: str, params: list[Any]) -> Iterator[list[Any]]:
        """The rows of a query, a thousand at a time, read as they are asked for."""
        db = self.data.db
        try:
            cursor = db.conn.execute(sql, params)
            while True:
                batch = cursor.fetchmany(1000)
                if not batch:
                    break
                yield batch
        except sqlite3.Error as exc:
            from .sqlite import _failure

            raise _failure(db.path, exc) from None

    @_or_none
    def count(self, match: Expr, scope: SearchRequest, most: int) -> int | None:
        query = self._match(match, scope)
        if self.allowed is None:
            return int(self.rows("SELECT count(*) FROM (SELECT 1 FROM search_text WHERE"
                                 " search_text MATCH ? LIMIT ?)", [query, most + 1])[0][0])
        return len(first_kept(self._batches("SELECT rowid FROM search_text WHERE search_text"
                                            " MATCH ?", [query]), self.allowed, most + 1))

    @_or_none
    def newest(self, match: Expr, scope: SearchRequest, limit: int) -> list[Hashable] | None:
        query = self._match(match, scope)
        if self.allowed is None:
            keys = [k for (k,) in self.rows(
                "SELECT rowid FROM search_text WHERE search_text MATCH ? ORDER BY rowid DESC"
                " LIMIT ?", [query, limit])]  # fmt: skip
        else:  # read newest first only until `limit` of them are kept by the filters
            keys = first_kept(self._batches("SELECT rowid FROM search_text WHERE search_text"
                                            " MATCH ? ORDER BY rowid DESC", [query]),
                              self.allowed, limit)  # fmt: skip
        if len(keys) < limit or not keys:
            return list(keys)
        # the last day reached: only its first records by id belong (the ranking's order)
        day = keys[-1] >> DAY_SHIFT
        above = [k for k in keys if k >> DAY_SHIFT > day]
        same_day = self.rows(
            "SELECT f.rowid, k.record_id FROM search_text f JOIN search_keys k ON k.key = f.rowid"
            " WHERE search_text MATCH ? AND f.rowid BETWEEN ? AND ?",
            [query, day << DAY_SHIFT, ((day + 1) << DAY_SHIFT) - 1],
        )
        if self.allowed is not None:
            same_day = [(k, i) for k, i in same_day if k in self.allowed]
        same_day.sort(key=lambda row: row[1])
        return above + [k for k, _ in same_day[: limit - len(above)]]

    def matches_any(self, match: Expr, scope: SearchRequest) -> bool | None:
        first = self.newest(match, scope, 1)  # the index's newest match: one row read
        return None if first is None else bool(first)

    @_or_none
    def entities(self, match: Expr, most: int) -> list[str] | None:
        rows = self.rows(
            "SELECT k.record_id FROM search_text f JOIN search_keys k ON k.key = f.rowid"
            " WHERE search_text MATCH ? LIMIT ?",
            [f"{match_text(match)} AND facets : \"fentity\"", most + 1],
        )
        if len(rows) > most:
            return None
        return [record_id for (record_id,) in rows]

    def named(self, keys: Collection[str], most: int) -> list[Hashable] | None:
        if not keys:
            return []
        marks = ", ".join("?" * len(keys))
        rows = self.rows(
            "SELECT key FROM search_keys WHERE record_id IN"
            f" (SELECT record_id FROM names WHERE key IN ({marks})) LIMIT ?", [*keys, most + 1]
        )
        if len(rows) > most:
            return None
        return [key for (key,) in rows]

    def fetch(self, refs: Iterable[Hashable]) -> list[tuple[str, str, Json]]:
        out: list[tuple[str, str, Json]] = []
        for table, docs in docs_by_table(refs).items():
            for start in range(0, len(docs), _PARAMETERS):
                chunk = docs[start : start + _PARAMETERS]
                rows = self.rows(f"SELECT doc, record FROM {table} WHERE doc IN"
                                 f" ({', '.join('?' * len(chunk))})", chunk)  # fmt: skip
                out += self._triples(table, rows)
        return out

    def fetch_entities(self, ids: Iterable[str]) -> list[tuple[str, str, Json]]:
        wanted = list(ids)
        out: list[tuple[str, str, Json]] = []
        for start in range(0, len(wanted), _PARAMETERS):
            chunk = wanted[start : start + _PARAMETERS]
            rows = self.rows(f"SELECT doc, record FROM entities WHERE id IN"
                             f" ({', '.join('?' * len(chunk))})", chunk)  # fmt: skip
            out += self._triples("entities", rows)
        return out

    def _triples(self, table: str, rows: list[Any]) -> list[tuple[str, str, Json]]:
        records = self.data._records(table, rows)
        return [(table, str(doc), record) for (doc, _), record in zip(rows, records, strict=True)]

    def vocabulary(self, first: str, shortest: int, longest: int) -> list[str]:
        end = first[:-1] + chr(ord(first[-1]) + 1)
        return [word for (word,) in self.rows(
            "SELECT word FROM search_vocabulary WHERE word >= ? AND word < ?"
            " AND length(word) BETWEEN ? AND ? ORDER BY word", [first, end, shortest, longest])
            if word.isalnum()]  # fmt: skip


def first_kept(batches: Iterable[list[Any]], allowed: frozenset[int], most: int) -> list[int]:
    """The first `most` keys (rows of one key, batch after batch, in the batches' order) that
    `allowed` holds; the batches after the one that reached `most` are not read."""
    kept: list[int] = []
    for batch in batches:
        kept += [key for (key,) in batch if key in allowed]
        if len(kept) >= most:
            return kept[:most]
    return kept


def docs_by_table(refs: Iterable[Hashable]) -> dict[str, list[int]]:
    """The records of these keys (the index's refs), as table -> doc numbers, in their order."""
    by_table: dict[str, list[int]] = {}
    for ref in refs:
        assert isinstance(ref, int)
        by_table.setdefault(TABLE_OF_CODE[(ref >> 32) & 3], []).append(ref % DOC_LIMIT)
    return by_table


def allowed_keys(data: SqliteData, ids: Collection[str]) -> frozenset[int] | None:
    """The keys of the events with these ids; None when there are too many to ask about."""
    if len(ids) > MAX_ALLOWED:
        return None
    wanted = sorted(ids)
    keys: set[int] = set()
    events = TABLE_CODE["events"]
    for start in range(0, len(wanted), _PARAMETERS):
        chunk = wanted[start : start + _PARAMETERS]
        keys.update(k for (k,) in data.db.rows(
            f"SELECT key FROM search_keys WHERE record_id IN ({', '.join('?' * len(chunk))})",
            chunk) if (k >> 32) & 3 == events)  # fmt: skip
    return frozenset(keys)


def usable(data: SqliteData) -> bool:
    """Whether the store's index is current and holds no odd record."""
    rows = data.db.rows("SELECT version FROM derived WHERE name = 'search_text'")
    if not rows or rows[0][0] != index_version():
        return False
    return not data.db.rows("SELECT 1 FROM search_keys WHERE odd IS NOT NULL LIMIT 1")

