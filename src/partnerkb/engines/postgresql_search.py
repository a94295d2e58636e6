"""PostgreSQL's full-text index for `search`: a table of every record's folded text as a
`tsvector`, GIN-indexed, and the answers `search_candidates.FullTextIndex` asks of it.

The text is the SQLite engine's (`sqlite_search.row_values`: the record folded by
`textfold.fold` in the tiers of the ranking, each word behind its tier's letter), so both
engines index the same words by the same rules. Tables (derived: rewritten with their record;
docs/store-format.md):

- `search_text`, one row per record of `sources`, `entities`, `events` and `partnerships`:
  `key` (the table's number, entities 0, events 1, sources 2, partnerships 3, times 2^32, plus
  the document number), `record_id`, `recency` (`search._recency`: the latest day the record's
  date allows, as text; rows sort by it, then by id, byte by byte: the ranking's order at equal
  score), `rtype`, `kind` and `status` (the filters of a search), `words` (a `tsvector` built
  here, not by a text-search parser: each word of a tier as one lexeme at its position, a
  position left out between two fields so that a phrase never runs from one into the next; the
  `links` tier holds the words of the names of each entity the record involves, as SQLite's
  index does: "events of someone named Samadov" is one lexeme, `'lsamadov'`, not an OR of the
  ids of the 1,500 people so named), `typo_words` (the words of its
  names, ids and title: what `search_words` counts) and `odd` (true for a record whose text a
  `tsvector` cannot hold exactly: more than 16,383 positions, a word 256 times, a word of
  2 kB, or a record damaged by hand; while a store holds one, search scores every record).
- `search_words`: every word of the names, ids and titles with the number of records holding
  it: the typo vocabulary.

Whole words are lexemes (`'tshusha'`), a word's start a prefix (`'tshush':*`), words in a row
a phrase (`'tnazim' <-> 'tsamadov':*`). The rows are made by `rebuild` (`partnerkb migrate`, or
a new store: `write_rows`) and kept with every write (`forget`, `write_rows`,
`refresh_role_holders`: a person's roles are searched with their organization's name; `relink`:
a new name, alias or id of an entity is written again into the rows of the records that
involve it).
`derived` holds `version()` under `search_text`.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..search_candidates import TYPO_TIERS, AnyOf, Expr, Linked, SearchRequest, Words
from . import sqlite_search
from .sqlite_search import (
    TABLE_CODE,
    TIER_LETTER,
    TYPE_OF,
    Unanswerable,
    _as_links,
    _or_none,
    first_kept,
)

if TYPE_CHECKING:
    import psycopg

    from .sqlite import SqliteData

Json = dict[str, Any]

OWN_VERSION = 2  # bumped when this module's rules change (with sqlite_search's and folding's)
# 2: the entities a record involves as the words of their names (links), not as their ids
DOC_LIMIT = 1 << 32
MAX_POSITION = 16383  # a tsvector's positions stop there
MAX_POSITIONS = 256  # positions kept of one lexeme
MAX_LEXEME = 2046  # bytes of one lexeme
MAX_VECTOR = 900_000  # bytes of a tsvector's text, well below its 1 MB
MAX_ALLOWED = sqlite_search.MAX_ALLOWED
_BATCH = 1000
RECENT, RECENT_PER_HIT = 1000, 40  # the newest rows `newest` looks among first
NAME = "search_text"
_CURSORS = itertools.count()

SCHEMA = (
    # the words kept out of line (TOAST) from a row of 128 bytes: counting a word's records
    # then reads the index and a narrow table, not every record's words
    "CREATE TABLE search_text (key BIGINT PRIMARY KEY, record_id TEXT COLLATE \"C\" NOT NULL,"
    " recency TEXT COLLATE \"C\" NOT NULL, rtype TEXT NOT NULL, kind TEXT, status TEXT,"
    " odd BOOLEAN, typo_words TEXT[] NOT NULL, words TSVECTOR NOT NULL)"
    " WITH (toast_tuple_target = 128)",
    "CREATE INDEX search_text_words ON search_text USING gin (words)",
    "CREATE INDEX search_text_newest ON search_text (recency DESC, record_id)",
    "CREATE INDEX search_text_record_id ON search_text (record_id)",
    "CREATE INDEX search_text_odd ON search_text (key) WHERE odd",
    "CREATE TABLE search_words (word TEXT COLLATE \"C\" PRIMARY KEY, records INTEGER NOT NULL)",
)
_INSERT = ("INSERT INTO search_text (key, record_id, recency, rtype, kind, status, odd,"
           " typo_words, words) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector)")  # fmt: skip


def version() -> int:
    """What the index's content depends on: the shared rules of the words (`sqlite_search`,
    with the folding rules') and this module's."""
    return sqlite_search.version() * 100 + OWN_VERSION


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def key_of(table: str, doc: int) -> int:
    return (TABLE_CODE[table] << 32) | (doc % DOC_LIMIT)


def _vector(columns: Iterable[str]) -> tuple[str, bool]:
    """The tsvector text of tier columns (`sqlite_search.row_values`' tokens: `_` between two
    fields) and links, and whether it is odd (cannot be held exactly)."""
    positions: dict[str, list[int]] = {}
    position = 0
    for column in columns:
        position += 1  # a gap between tiers, as between fields
        for token in column.split():
            position += 1
            if token == "_":
                continue
            positions.setdefault(token, []).append(position)
    odd = position > MAX_POSITION
    parts = []
    for lexeme, where in positions.items():
        if len(where) > MAX_POSITIONS or len(lexeme.encode()) > MAX_LEXEME:
            odd = True
        parts.append(f"'{lexeme}':{','.join(map(str, where[:MAX_POSITIONS]))}")
    text = " ".join(parts)
    if len(text) > MAX_VECTOR:
        return "", True
    return text, odd


def row_of(table: str, doc: int, record: Json, name_of: Callable[[Any], str],
           link_words: Callable[[str], str]) -> tuple[Any, ...]:  # fmt: skip
    """The `search_text` row of a record (the columns of `_INSERT`): `name_of` as
    `KnowledgeBase.name_of`, `link_words` the `links` words of an entity by id (`LinkWords`)."""
    from ..search import _recency

    key = key_of(table, doc)
    kind = record.get("kind") if isinstance(record, dict) else None
    status = record.get("status") if isinstance(record, dict) and table == "events" else None
    try:
        if not 0 <= doc < DOC_LIMIT:
            raise ValueError(doc)
        names, title, ids, other, links, _ = sqlite_search.row_values(table, record, name_of,
                                                                      link_words)  # fmt: skip
        recency = _recency(record)
        text, odd = _vector([names, title, ids, other, links])
        typo = sorted({token[1:] for column in (names, title, ids) for token in column.split()
                       if token != "_"})  # fmt: skip
    except (AttributeError, KeyError, TypeError, ValueError):
        # a record damaged by hand (a date that is not an object...): an odd, empty row, so
        # that search reads every record, as on a JSON store, and says what is wrong the same
        recency, text, odd, typo = "", "", True, []
    record_id = record.get("id") if isinstance(record, dict) else None
    return (key, str(record_id), recency, TYPE_OF[table],
            kind if isinstance(kind, str) else None,
            status if isinstance(status, str) else None,
            True if odd else None, typo, text)  # fmt: skip


def entity_words(record: Json | None) -> str:
    """The `links` words of an entity (`sqlite_search.link_tokens` of its `names` tier: its
    id, name and aliases, folded); '' for none, or for a record damaged by hand (its row holds
    no text: `row_of`)."""
    from ..search import _recency

    if not isinstance(record, dict):
        return ""
    try:
        _recency(record)
        names = sqlite_search.row_values("entities", record, str)[0]
    except (AttributeError, KeyError, TypeError, ValueError):
        return ""
    return sqlite_search.link_tokens(names)


class LinkWords:
    """`entity_words` of entities by id, their records read by `record_of(id)` (None: no such
    entity) and the words remembered (up to KEPT, then read again: memory stays bounded)."""

    KEPT = 200_000

    def __init__(self, record_of: Callable[[str], Json | None]) -> None:
        self.record_of = record_of
        self.known: dict[str, str] = {}

    def __call__(self, entity_id: str) -> str:
        words = self.known.get(entity_id)
        if words is None:
            if len(self.known) >= self.KEPT:
                self.known.clear()
            words = self.known[entity_id] = entity_words(self.record_of(entity_id))
        return words


def entity_record(cur: psycopg.Cursor[Any]) -> Callable[[str], Json | None]:
    """An entity's record by id, read from the store (as written so far in this transaction)."""
    from .postgresql import _loads

    def record_of(entity_id: str) -> Json | None:
        row = cur.connection.execute("SELECT record FROM entities WHERE id = %s",
                                     [entity_id]).fetchone()  # fmt: skip
        return _loads(row[0]) if row else None

    return record_of


class NameLookup(sqlite_search.RecordNames):
    """`sqlite_search.RecordNames` over a PostgreSQL cursor."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        super().__init__()
        self.cur = cur

    def record(self, table: str, record_id: str) -> Json | None:
        from .postgresql import _loads

        sql = f"SELECT record FROM {table} WHERE id = %s"
        row = self.cur.connection.execute(sql, [record_id]).fetchone()
        return _loads(row[0]) if row else None


def names_in(tables: dict[str, dict[str, Json]]) -> Callable[[Any], str]:
    """`KnowledgeBase.name_of` over records in memory (a store being created)."""
    from ..model import TABLES

    known: dict[str, str] = {}
    for table in reversed(TABLES):  # the first table holding an id wins, as in NameLookup
        for record in tables.get(table, {}).values():
            if isinstance(record, dict) and record.get("id"):
                record_id = str(record["id"])
                known[record_id] = str(record.get("name") or record.get("title") or record_id)

    def name_of(record_id: Any) -> str:
        if not record_id:
            return ""
        return known.get(str(record_id), str(record_id))

    return name_of


def write_rows(cur: psycopg.Cursor[Any], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert `search_text` rows (their old rows removed: `forget`) and count their words."""
    from .postgresql import _send

    words: Counter[str] = Counter()
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        words.update(row[7])
        if len(batch) >= _BATCH:
            _send(cur, _INSERT, batch)
            batch = []
    if batch:
        _send(cur, _INSERT, batch)
    if words:
        # in one order (writers of new events count words side by side: each locks its words'
        # rows until it commits, and two never wait for each other in a circle)
        names = sorted(words)
        cur.execute(
            "INSERT INTO search_words (word, records) SELECT w, n FROM unnest(%s::text[],"
            " %s::int[]) WITH ORDINALITY AS u (w, n, o) ORDER BY o ON CONFLICT (word) DO UPDATE"
            " SET records = search_words.records + EXCLUDED.records",
            [names, [words[w] for w in names]],
        )


def copy_rows(cur: psycopg.Cursor[Any], rows: Iterable[tuple[Any, ...]]) -> None:
    """Send `search_text` rows with COPY into a store being created (the indexes built after;
    the vocabulary counted at the end: `count_words`)."""
    columns = _INSERT.removeprefix("INSERT INTO ").split(" VALUES ")[0]
    with cur.copy(f"COPY {columns} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def count_words(cur: psycopg.Cursor[Any]) -> None:
    """Fill an empty `search_words` from every `search_text` row (a store being created): each
    word of names, ids and titles with the number of rows holding it, counted by the server."""
    cur.execute("INSERT INTO search_words (word, records) SELECT word, count(*) FROM"
                " search_text, unnest(typo_words) AS word GROUP BY word")


def forget(cur: psycopg.Cursor[Any], keys: Collection[int]) -> None:
    """Remove the rows of these keys, and their words from the vocabulary's counts."""
    if not keys:
        return
    words: Counter[str] = Counter()
    for (typo,) in cur.execute("DELETE FROM search_text WHERE key = ANY(%s) RETURNING typo_words",
                               [list(keys)]).fetchall():  # fmt: skip
        words.update(typo)
    if words:
        names, counts = list(words), list(words.values())
        cur.execute("UPDATE search_words s SET records = s.records - u.n FROM unnest(%s::text[],"
                    " %s::int[]) AS u(word, n) WHERE s.word = u.word", [names, counts])  # fmt: skip
        cur.execute("DELETE FROM search_words WHERE word = ANY(%s) AND records <= 0", [names])


def index_records(
    cur: psycopg.Cursor[Any], records: Iterable[tuple[str, int, Json]],
    name_of: Callable[[Any], str] | None = None,
    link_words: Callable[[str], str] | None = None,
) -> None:  # fmt: skip
    """Write the rows of (table, doc, record) (their old rows removed); names and the words of
    the entities they involve are read from the store unless given."""
    lookup = name_of or NameLookup(cur)
    words = link_words or LinkWords(entity_record(cur))
    write_rows(cur, (row_of(table, doc, record, lookup, words) for table, doc, record in records
                     if table in TABLE_CODE))  # fmt: skip


def relink(cur: psycopg.Cursor[Any], before: dict[str, str], done: Collection[int]) -> None:
    """Index again every record that involves an entity whose `links` words changed (`before`:
    the words of entities before a write, by id, '' for one that did not exist; compared with
    the words of their records now), but those of `done` (keys indexed by this write already)."""
    from .postgresql import _loads

    now = LinkWords(entity_record(cur))
    changed = sorted(entity for entity, words in before.items() if now(entity) != words)
    if not changed:
        return
    rows: list[tuple[str, int, Json]] = []
    for table, derived, column in (("events", "event_entities", "event_id"),
                                   ("partnerships", "partnership_parties", "partnership_id")):
        # the document numbers first: an import's new entities are involved mostly by its own
        # new records, indexed already, whose records are then not read back
        docs = [doc for (doc,) in cur.execute(
            f"SELECT doc FROM {table} WHERE id IN (SELECT {column} FROM {derived} WHERE"
            f" entity_id = ANY(%s))", [changed]).fetchall() if key_of(table, doc) not in done]
        if docs:
            found = cur.execute(f"SELECT doc, record FROM {table} WHERE doc = ANY(%s)",
                                [docs]).fetchall()  # fmt: skip
            rows += [(table, doc, _loads(text)) for doc, text in found]
    forget(cur, [key_of(table, doc) for table, doc, _ in rows])
    index_records(cur, rows, link_words=now)


def refresh_role_holders(cur: psycopg.Cursor[Any], changed: Collection[str]) -> None:
    """Index again the entities whose roles name one of `changed` (records just written or
    removed: the organization's name they are searched with may have changed), and the
    changed entities that hold roles."""
    if not changed:
        return
    ids = sorted(changed)
    holders = [e for (e,) in cur.execute(
        "SELECT DISTINCT entity_id FROM roles WHERE organization = ANY(%s) OR entity_id ="
        " ANY(%s)", [ids, ids]).fetchall()]  # fmt: skip
    if not holders:
        return
    from .postgresql import _loads

    rows = cur.execute("SELECT doc, record FROM entities WHERE id = ANY(%s)",
                       [sorted(holders)]).fetchall()  # fmt: skip
    forget(cur, [key_of("entities", doc) for doc, _ in rows])
    index_records(cur, (("entities", doc, _loads(text)) for doc, text in rows))


def create(cur: psycopg.Cursor[Any]) -> None:
    """Create the index's tables where missing (inside the caller's transaction)."""
    for statement in SCHEMA:
        cur.execute(statement.replace(" TABLE ", " TABLE IF NOT EXISTS ", 1)
                    .replace(" INDEX ", " INDEX IF NOT EXISTS ", 1))  # fmt: skip


def rebuild(cur: psycopg.Cursor[Any], progress: Any = None) -> None:
    """Make every row again from the records (inside the caller's transaction); then ANALYZE,
    so that the planner knows the words."""
    from ..progress import NO_PROGRESS, tracked
    from .postgresql import _loads

    cur.execute("DELETE FROM search_text")
    cur.execute("DELETE FROM search_words")
    lookup = NameLookup(cur)
    words = LinkWords(entity_record(cur))
    for table in TABLE_CODE:
        count = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        records = ((table, doc, _loads(text)) for doc, text in cur.connection.execute(
            f"SELECT doc, record FROM {table}"))  # fmt: skip
        index_records(cur, tracked(records, progress or NO_PROGRESS, f"indexing {table}", count),
                      lookup, words)  # fmt: skip
    cur.execute("ANALYZE search_text")
    cur.execute("ANALYZE search_words")


# ---------------------------------------------------------------------------------------------
# Reading: the answers of search_candidates.FullTextIndex
# ---------------------------------------------------------------------------------------------


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def query_text(expr: Expr) -> str:
    """An expression as tsquery text."""
    if isinstance(expr, Words):
        words = expr.text.split()
        phrases = []
        for tier in expr.tier.split():
            lexemes = [_lexeme(TIER_LETTER[tier] + word) for word in words] or ["'_'"]
            if not expr.whole:
                lexemes[-1] += ":*"
            phrases.append(" <-> ".join(lexemes))
        parts = [f"({p})" if "<->" in p else p for p in phrases]
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
    if isinstance(expr, Linked):
        if expr.names is not None:  # the entities' names as words of `links`
            return query_text(_as_links(expr.names))
        # `links` hold names, not ids (`bounded_candidates` always gives the names)
        raise Unanswerable("records linked to entities given by id")
    joiner = " | " if isinstance(expr, AnyOf) else " & "
    return "(" + joiner.join(query_text(part) for part in expr.parts) + ")"


def scope_sql(request: SearchRequest) -> tuple[str, list[Any]]:
    """The filters of a request as SQL conditions on `search_text` ('' for none)."""
    parts, params = [], []
    if request.kinds:
        parts.append("(kind = ANY(%s) OR rtype = ANY(%s))")
        params += [list(request.kinds), list(request.kinds)]
    if request.events_only:
        parts.append("rtype = 'event'")
    if request.statuses:
        parts.append("status = ANY(%s)")
        params.append(list(request.statuses))
    return "".join(f" AND {part}" for part in parts), params


class PostgresSearchIndex:
    """`search_candidates.FullTextIndex` over a store's `search_text` (refs are keys)."""

    def __init__(self, data: SqliteData, allowed: frozenset[int] | None) -> None:
        self.data = data
        self.allowed = allowed  # keys the event filters keep; None: no such filter

    def _rows(self, sql: str, params: list[Any]) -> list[Any]:
        import psycopg

        from .postgresql import _failure

        db: Any = self.data.db
        try:
            return db.conn.execute(sql, params).fetchall()  # type: ignore[no-any-return]
        except psycopg.Error as exc:
            raise _failure(db.target, exc) from None

    def _batches(self, sql: str, params: list[Any]) -> Iterator[list[Any]]:
        """The rows of a query, a thousand at a time, read from the server as asked for (a
        server-side cursor, inside the read's transaction)."""
        import psycopg

        from .postgresql import _failure

        db: Any = self.data.db
        try:
            with db.conn.cursor(name=f"partnerkb_search_{next(_CURSORS)}") as cursor:
                cursor.execute(sql, params)
                while True:
                    batch = cursor.fetchmany(1000)
                    if not batch:
                        break
                    yield batch
        except psycopg.Error as exc:
            raise _failure(db.target, exc) from None

    def _where(self, match: Expr, scope: SearchRequest) -> tuple[str, list[Any]]:
        extra, params = scope_sql(scope)
        return f"words @@ %s::tsquery{extra}", [query_text(match), *params]

    @_or_none
    def count(self, match: Expr, scope: SearchRequest, most: int) -> int | None:
        """Up to `most` + 1 (see `FullTextIndex.count`). The server reads the row of every
        match it counts (a bitmap scan: PostgreSQL 15.13 and later never skip the row; at 1M
        events, counting the 196,925 matches of "Shusha" took 450-530 ms), so: a word of
        names, titles or ids in more than `most` records is known from the vocabulary's counts
        (`_common_word`); else the GIN index's bitmap lists every match and their rows are read
        only until `most` + 1 are counted."""
        where, params = self._where(match, scope)
        if self.allowed is None:
            if not scope_sql(scope)[0] and self._common_word(match, most):
                return most + 1
            return int(self._rows(f"SELECT count(*) FROM (SELECT 1 FROM search_text WHERE {where}"
                                  " LIMIT %s) AS counted", [*params, most + 1])[0][0])  # fmt: skip
        return len(first_kept(self._batches(f"SELECT key FROM search_text WHERE {where}", params),
                              self.allowed, most + 1))  # fmt: skip

    def _common_word(self, match: Expr, most: int) -> bool:
        """Whether a word that `match` alone brings is in more than `most` records, by the typo
        vocabulary's count of the records whose names, titles or ids hold it (`search_words`):
        those records all match, so more than `most` do. `match` a union (one term's), each
        word looked for in those three tiers at least; no filter."""
        parts = match.parts if isinstance(match, AnyOf) else (match,)
        ranges: list[str] = []
        params: list[Any] = []
        for part in parts:
            if (not isinstance(part, Words) or " " in part.text or not part.text
                    or not set(TYPO_TIERS) <= set(part.tier.split())):  # fmt: skip
                continue
            if part.whole:
                ranges.append("word = %s")
                params.append(part.text)
            elif (after := ord(part.text[-1]) + 1) <= 0x10FFFF and not 0xD800 <= after < 0xE000:
                ranges.append("(word >= %s AND word < %s)")  # up to the next letter, excluded
                params += [part.text, part.text[:-1] + chr(after)]
        if not ranges:
            return False
        return bool(self._rows(f"SELECT 1 FROM search_words WHERE ({' OR '.join(ranges)}) AND"
                               " records > %s LIMIT 1", [*params, most]))  # fmt: skip

    @_or_none
    def newest(self, match: Expr, scope: SearchRequest, limit: int) -> list[Hashable] | None:
        """The newest first: among the newest rows of the store (a common word has `limit` of
        them there: the ordered index, a few thousand rows), else from every match (a rarer
        word's few: the GIN index, then sorted)."""
        where, params = self._where(match, scope)
        order = f"SELECT key FROM search_text WHERE {where} ORDER BY recency DESC, record_id"
        if self.allowed is None:
            recent = self._rows(
                f"SELECT key FROM (SELECT * FROM search_text ORDER BY recency DESC, record_id"
                f" LIMIT %s) AS recent WHERE {where} ORDER BY recency DESC, record_id LIMIT %s",
                [max(RECENT, RECENT_PER_HIT * limit), *params, limit])  # fmt: skip
            if len(recent) >= limit:
                return [key for (key,) in recent]
            every = self._rows(
                f"WITH found AS MATERIALIZED (SELECT key, recency, record_id FROM search_text"
                f" WHERE {where}) SELECT key FROM found ORDER BY recency DESC, record_id LIMIT %s",
                [*params, limit])  # fmt: skip
            return [key for (key,) in every]
        # read newest first only until `limit` of them are kept
        return list(first_kept(self._batches(order, params), self.allowed, limit))

    @_or_none
    def matches_any(self, match: Expr, scope: SearchRequest) -> bool | None:
        """Whether a record in scope matches: the first one the index lists, in no order
        (`newest(..., 1)` would sort every match of a class that none of the store's newest
        rows holds: at 1M events, a second for the events of 1,500 people named alike)."""
        where, params = self._where(match, scope)
        if self.allowed is None:
            return bool(self._rows(f"SELECT 1 FROM search_text WHERE {where} LIMIT 1", params))
        return bool(first_kept(self._batches(f"SELECT key FROM search_text WHERE {where}",
                                             params), self.allowed, 1))  # fmt: skip

    @_or_none
    def entities(self, match: Expr, most: int) -> list[str] | None:
        rows = self._rows("SELECT record_id FROM search_text WHERE words @@ %s::tsquery AND"
                          " rtype = 'entity' LIMIT %s", [query_text(match), most + 1])  # fmt: skip
        if len(rows) > most:
            return None
        return [record_id for (record_id,) in rows]

    def named(self, keys: Collection[str], most: int) -> list[Hashable] | None:
        if not keys:
            return []
        rows = self._rows("SELECT key FROM search_text WHERE record_id IN (SELECT record_id"
                          " FROM names WHERE key = ANY(%s)) LIMIT %s", [list(keys), most + 1])
        if len(rows) > most:
            return None
        return [key for (key,) in rows]

    def fetch(self, refs: Iterable[Hashable]) -> list[tuple[str, str, Json]]:
        out: list[tuple[str, str, Json]] = []
        for table, docs in sqlite_search.docs_by_table(refs).items():
            rows = self._rows(f"SELECT doc, record FROM {table} WHERE doc = ANY(%s)", [docs])
            out += self._triples(table, rows)
        return out

    def fetch_entities(self, ids: Iterable[str]) -> list[tuple[str, str, Json]]:
        wanted = list(ids)
        if not wanted:
            return []
        rows = self._rows("SELECT doc, record FROM entities WHERE id = ANY(%s)", [wanted])
        return self._triples("entities", rows)

    def _triples(self, table: str, rows: list[Any]) -> list[tuple[str, str, Json]]:
        """The records of (doc, text) rows, each also remembered by its id (`StoreData.get`
        then finds it without asking the server again), and the organizations of an entity's
        roles fetched (search names a role with its organization's name)."""
        rows = [(doc, text) for doc, text in rows]
        records = self.data._records(table, rows)
        out = [(table, str(doc), record) for (doc, _), record in zip(rows, records, strict=True)]
        seen = self.data.seen
        for _, doc, record in out:
            record_id = record.get("id")
            if isinstance(record_id, str) and record_id not in seen:
                seen[record_id] = (table, doc, record)
        if table == "entities":
            self.data.prefetch([organization for _, _, record in out
                                for role in record.get("roles") or ()
                                if isinstance(role, dict)
                                and isinstance(organization := role.get("organization"), str)])
        return out

    def vocabulary(self, first: str, shortest: int, longest: int) -> list[str]:
        end = first[:-1] + chr(ord(first[-1]) + 1)
        rows = self._rows("SELECT word FROM search_words WHERE word >= %s AND word < %s AND"
                          " length(word) BETWEEN %s AND %s ORDER BY word",
                          [first, end, shortest, longest])  # fmt: skip
        return [word for (word,) in rows if word.isalnum()]


def allowed_keys(data: SqliteData, ids: Collection[str]) -> frozenset[int] | None:
    """The keys of the events with these ids; None when there are too many to ask about."""
    if len(ids) > MAX_ALLOWED:
        return None
    index = PostgresSearchIndex(data, None)
    rows = index._rows("SELECT key FROM search_text WHERE record_id = ANY(%s) AND rtype ="
                       " 'event'", [sorted(ids)])  # fmt: skip
    return frozenset(key for (key,) in rows)


def usable(data: SqliteData) -> bool:
    """Whether the store's index is current and holds no odd record."""
    index = PostgresSearchIndex(data, None)
    found = index._rows("SELECT version FROM derived WHERE name = %s", [NAME])
    if not found or found[0][0] != version():
        return False
    return not index._rows("SELECT 1 FROM search_text WHERE odd LIMIT 1", [])


# What a search's transaction sets (`through_the_index`). `work_mem`: the matches of a word in a
# fifth of a million events' records are a bitmap of ~150,000 pages (~12 MB); under the default
# 4 MB it turns lossy, and every record of a lossy page has its words tested against the query
# again (seconds, for a query that names hundreds of entities); a server's larger value is kept.
# `jit`: compiling a count's plan costs more (20-40 ms) than it saves.
SEARCH_SETTINGS = {"enable_seqscan": "off", "work_mem": "64MB", "jit": "off"}


@contextlib.contextmanager
def through_the_index(db: Any) -> Iterator[None]:
    """Within the block, the planner reads `search_text` through its indexes, never whole: it
    takes a common word's thousands of rows for a large part of the table and would test every
    record's words (seconds), where the GIN index lists them (a tenth of that); and a bitmap
    of every match stays exact (`SEARCH_SETTINGS`). The settings are put back after."""
    import psycopg

    from .postgresql import _failure

    names = list(SEARCH_SETTINGS)
    try:
        row = db.conn.execute(
            "SELECT " + ", ".join(["current_setting(%s, true)"] * len(names))
            + ", pg_size_bytes(current_setting('work_mem')) >= pg_size_bytes(%s)",
            [*names, SEARCH_SETTINGS["work_mem"]],
        ).fetchone()
        was = dict(zip(names, row[:-1], strict=True))
        for name, value in SEARCH_SETTINGS.items():
            if was[name] is None or name == "work_mem" and row[-1]:
                continue  # a server without it (jit: built without LLVM), or more memory
            db.conn.execute("SELECT set_config(%s, %s, true)", [name, value])
    except psycopg.Error as exc:
        raise _failure(db.target, exc) from None
    try:
        yield
    finally:
        with contextlib.suppress(psycopg.Error):  # a failed transaction: ended by the caller
            for name, value in was.items():
                if value is not None:
                    db.conn.execute("SELECT set_config(%s, %s, true)", [name, value])
