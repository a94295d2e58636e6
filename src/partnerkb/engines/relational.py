"""The relational layout of a store, shared by the SQL engines: tables, typed columns, derived
tables and views, and the rows one record gives.

Each record table (`sources`, `entities`, `events`, `partnerships`) and `meta` and `history` is
one SQL table with the record's document number (`doc`), its `id`, a few typed columns for SQL
users, and the whole record as JSON text (`record`): the record read back is exactly the one
written, whatever fields it has. Derived tables (`participants`, `event_organizations`,
`citations`, `roles`, `partnership_parties`) spell out what records hold in lists, so that SQL
users, and the engine's own queries, can join on them; they are rewritten with their record.

Nothing here is specific to SQLite: the `Dialect` says what differs between SQL databases (the
placeholder, the JSON column's type), so that another SQL engine can reuse the layout.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from ..model import event_entities, references
from ..textfold import fold

Json = dict[str, Any]


@dataclass(frozen=True)
class Dialect:
    """What one SQL database writes differently."""

    name: str
    placeholder: str  # "?" (sqlite3) or "%s" (psycopg)
    json_type: str  # the type of the `record` column: TEXT, or JSONB


SQLITE = Dialect("sqlite", "?", "TEXT")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _field(name: str) -> Callable[[Json], Any]:
    return lambda record: _text(record.get(name))


def _date_part(field: str, part: str) -> Callable[[Json], Any]:
    def read(record: Json) -> str | None:
        when = record.get(field)
        return _text(when.get(part)) if isinstance(when, dict) else None

    return read


def _meta_version(record: Json) -> int | None:
    value = record.get("schema_version")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def name_key(record: Json) -> str | None:
    """The name with case and spacing ignored: what tells namesakes (queries._name_key)."""
    name = record.get("name")
    return " ".join(name.casefold().split()) if isinstance(name, str) else None


# table -> its typed columns (name, SQL type, how to read it from the record), after doc and id
COLUMNS: dict[str, tuple[tuple[str, str, Callable[[Json], Any]], ...]] = {
    "meta": (
        ("schema_version", "INTEGER", _meta_version),
        ("name", "TEXT", _field("name")),
        ("created", "TEXT", _field("created")),
    ),
    "sources": (
        ("outlet", "TEXT", _field("outlet")),
        ("title", "TEXT", _field("title")),
        ("published", "TEXT", _field("published")),
        ("url", "TEXT", _field("url")),
        ("language", "TEXT", _field("language")),
    ),
    "entities": (
        ("kind", "TEXT", _field("kind")),
        ("name", "TEXT", _field("name")),
        ("name_key", "TEXT", name_key),
        ("description", "TEXT", _field("description")),
        ("located_in", "TEXT", _field("located_in")),
    ),
    "events": (
        ("kind", "TEXT", _field("kind")),
        ("title", "TEXT", _field("title")),
        ("status", "TEXT", _field("status")),
        ("date", "TEXT", _date_part("date", "edtf")),
        ("earliest", "TEXT", _date_part("date", "earliest")),
        ("latest", "TEXT", _date_part("date", "latest")),
        ("place", "TEXT", _field("place")),
        ("summary", "TEXT", _field("summary")),
    ),
    "partnerships": (("summary", "TEXT", _field("summary")),),
    "history": (
        ("at", "TEXT", _field("at")),
        ("command", "TEXT", _field("command")),
    ),
}
TABLE_ORDER = ("meta", "sources", "entities", "events", "partnerships", "history")
# tables whose ids are unique (history ids are unique too, but an old store may say otherwise)
RECORD_TABLES = ("sources", "entities", "events", "partnerships")


def _dicts(value: Any) -> list[Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _participants(record: Json) -> Iterator[tuple[Any, ...]]:
    for n, p in enumerate(_dicts(record.get("participants")), 1):
        if isinstance(p.get("entity"), str):
            yield record.get("id"), p["entity"], _text(p.get("part")), _text(p.get("as")), n


def _involved(record: Json) -> Iterator[tuple[Any, ...]]:
    """Every entity an event involves, as `model.event_entities` says (participants,
    organizations, place, series), once each."""
    involved: list[Any]
    try:
        involved = list(event_entities(record))
    except (AttributeError, KeyError, TypeError):  # a record damaged by hand: its lists
        involved = [p.get("entity") for p in _dicts(record.get("participants"))]
        involved += [*_strings(record.get("organizations")), record.get("place")]
    for entity in dict.fromkeys(e for e in involved if isinstance(e, str)):
        yield record.get("id"), entity


def _organizations(record: Json) -> Iterator[tuple[Any, ...]]:
    for n, entity in enumerate(_strings(record.get("organizations")), 1):
        yield record.get("id"), entity, n


def _parties(record: Json) -> Iterator[tuple[Any, ...]]:
    for n, entity in enumerate(_strings(record.get("parties")), 1):
        yield record.get("id"), entity, n


def _roles(record: Json) -> Iterator[tuple[Any, ...]]:
    for n, role in enumerate(_dicts(record.get("roles")), 1):
        yield (record.get("id"), _text(role.get("title")), _text(role.get("organization")),
               _date_part("from", "edtf")(role), _date_part("until", "edtf")(role), n)  # fmt: skip


def _names(record: Json) -> Iterator[tuple[Any, ...]]:
    """The folded id, name, title and aliases of a record: what a name given on the command
    line is looked up by (queries.KnowledgeBase._name_index)."""
    keys: dict[str, None] = {}
    for value in (record.get("id"), record.get("name"), record.get("title")):
        if isinstance(value, str) and value:
            keys[fold(value)] = None
    for alias in _strings(record.get("aliases")):
        keys[fold(alias)] = None
    for key in keys:
        yield record.get("id"), key


def _references(table: str) -> Callable[[Json], Iterator[tuple[Any, ...]]]:
    """Every id a record of `table` refers to (`model.references`: citations anywhere in it,
    participants, places, roles, links...), once each: what tells, without reading every
    record, which records a removal or a merge must change."""

    def rows(record: Json) -> Iterator[tuple[Any, ...]]:
        try:
            targets = [ref for _, ref in references(table, record)]
        except (AttributeError, KeyError, TypeError):  # a record damaged by hand
            targets = []
        for target in dict.fromkeys(t for t in targets if isinstance(t, str)):
            yield record.get("id"), target

    return rows


def _citations(record: Json) -> Iterator[tuple[Any, ...]]:
    for n, cite in enumerate(_dicts(record.get("sources")), 1):
        if isinstance(cite.get("source"), str):
            yield record.get("id"), cite["source"], _text(cite.get("locator")), n


@dataclass(frozen=True)
class Derived:
    """A table derived from one record table: its columns (the first is the owner's id)."""

    name: str
    sources: tuple[str, ...]  # the record tables it is derived from
    columns: tuple[tuple[str, str], ...]
    rows: Callable[[Json], Iterator[tuple[Any, ...]]]
    indexes: tuple[str, ...]  # columns indexed (besides the owner's)
    version: int = 2  # of the rules its rows are made by (a new version makes them again)
    # the rows of a record of each source table, when they depend on the table (else `rows`)
    rows_by_table: tuple[tuple[str, Callable[[Json], Iterator[tuple[Any, ...]]]], ...] = ()

    def rows_of(self, table: str, record: Json) -> Iterator[tuple[Any, ...]]:
        """The rows a record of `table` gives."""
        for name, rows in self.rows_by_table:
            if name == table:
                return rows(record)
        return self.rows(record)


DERIVED = (
    Derived("participants", ("events",),
            (("event_id", "TEXT NOT NULL"), ("entity_id", "TEXT NOT NULL"), ("part", "TEXT"),
             ("title", "TEXT"), ("position", "INTEGER NOT NULL")),
            _participants, ("entity_id",)),
    Derived("event_entities", ("events",),
            (("event_id", "TEXT NOT NULL"), ("entity_id", "TEXT NOT NULL")),
            _involved, ("entity_id",)),
    Derived("event_organizations", ("events",),
            (("event_id", "TEXT NOT NULL"), ("entity_id", "TEXT NOT NULL"),
             ("position", "INTEGER NOT NULL")),
            _organizations, ("entity_id",)),
    Derived("partnership_parties", ("partnerships",),
            (("partnership_id", "TEXT NOT NULL"), ("entity_id", "TEXT NOT NULL"),
             ("position", "INTEGER NOT NULL")),
            _parties, ("entity_id",)),
    Derived("roles", ("entities",),
            (("entity_id", "TEXT NOT NULL"), ("title", "TEXT"), ("organization", "TEXT"),
             ("from_date", "TEXT"), ("until_date", "TEXT"), ("position", "INTEGER NOT NULL")),
            _roles, ("organization",)),
    Derived("names", RECORD_TABLES,
            (("record_id", "TEXT NOT NULL"), ("key", "TEXT NOT NULL")),
            _names, ("key",)),
    Derived("citations", RECORD_TABLES,
            (("record_id", "TEXT NOT NULL"), ("source_id", "TEXT NOT NULL"),
             ("locator", "TEXT"), ("position", "INTEGER NOT NULL")),
            _citations, ("source_id",)),
    Derived("refs", RECORD_TABLES,
            (("record_id", "TEXT NOT NULL"), ("target_id", "TEXT NOT NULL")),
            _references("sources"), ("target_id",), 3,
            tuple((table, _references(table)) for table in RECORD_TABLES)),
)  # fmt: skip

VIEWS = {
    "event_participants": (
        "SELECT p.event_id, e.title AS event_title, e.kind AS event_kind, e.earliest, e.latest,"
        " p.entity_id, n.name AS entity_name, n.kind AS entity_kind, p.part, p.title"
        " FROM participants p JOIN events e ON e.id = p.event_id"
        " LEFT JOIN entities n ON n.id = p.entity_id"
    ),
    "event_sources": (
        "SELECT c.record_id AS event_id, c.source_id, s.outlet, s.title, s.published, s.url,"
        " c.locator FROM citations c JOIN events e ON e.id = c.record_id"
        " LEFT JOIN sources s ON s.id = c.source_id"
    ),
}


# The events of a date window in date order, read from the index alone (`SqliteData.
# matching_events`): without it each event the window's bounds keep is one more read of its row.
# A store made before it gets it from its next write (`engines.sqlite.upgrade`).
WINDOW_INDEX = "CREATE INDEX events_window ON events (latest, earliest, date, id)"


@dataclass(frozen=True)
class Covering:
    """An index holding every column a profile's query (`show`: `SqliteData.latest_events`,
    `met_counts`, `cited_sources`) reads of its table, so that counting and ordering an
    entity's thousands of events reads the indexes alone, never the rows that carry the
    records (at 1M events those rows are 13 GB of file, one read each). `replaces`: the
    one-column index it begins with, which it serves as well (made no more, dropped from a
    store that has it)."""

    name: str
    table: str
    columns: tuple[str, ...]
    replaces: str | None = None

    @property
    def statement(self) -> str:
        return f"CREATE INDEX {self.name} ON {self.table} ({', '.join(self.columns)})"


# A store made before them gets them from its next write or `migrate` (`engines.sqlite.upgrade`;
# PostgreSQL: `migrate`): an index changes no answer, only how fast.
COVERING = (
    # the events of an entity by id: what they are ordered by (latest_events), their status
    # (met_counts)
    Covering("events_id_dates", "events", ("id", "date", "earliest", "latest", "status")),
    # whom an entity met: their kind (places are left out) and name (the order)
    Covering("entities_id_kind_name", "entities", ("id", "kind", "name")),
    # the sources cited: their date (the order)
    Covering("sources_id_published", "sources", ("id", "published")),
    Covering("participants_entity_event", "participants", ("entity_id", "event_id", "part"),
             "participants_entity_id"),
    Covering("participants_event_entity", "participants", ("event_id", "entity_id", "part"),
             "participants_event_id"),
    Covering("event_entities_entity_event", "event_entities", ("entity_id", "event_id"),
             "event_entities_entity_id"),
    Covering("citations_record_source", "citations", ("record_id", "source_id"),
             "citations_record_id"),
)  # fmt: skip
_REPLACED = {c.replaces for c in COVERING if c.replaces}


def schema_statements(dialect: Dialect) -> list[str]:
    """CREATE statements of every table, index and view, in order."""
    statements = []
    for table in TABLE_ORDER:
        typed = "".join(f", {name} {kind}" for name, kind, _ in COLUMNS[table])
        unique = " UNIQUE" if table in RECORD_TABLES else ""
        ident = "" if table == "meta" else f", id TEXT NOT NULL{unique}"
        statements.append(
            f"CREATE TABLE {table} (doc INTEGER PRIMARY KEY{ident}{typed},"
            f" record {dialect.json_type} NOT NULL)"
        )
    statements.append("CREATE INDEX history_id ON history (id)")
    statements.append("CREATE INDEX events_earliest ON events (earliest)")
    statements.append("CREATE INDEX events_latest ON events (latest)")
    statements.append(WINDOW_INDEX)
    statements.append("CREATE INDEX events_kind ON events (kind)")
    statements.append("CREATE INDEX events_status ON events (status)")
    statements.append("CREATE INDEX events_place ON events (place)")
    statements.append("CREATE INDEX entities_name ON entities (name)")
    statements.append("CREATE INDEX entities_name_key ON entities (name_key)")
    # what the derived data was made with (the folding rules of `names`): a store whose derived
    # data is of other rules is answered without it
    statements.append(
        "CREATE TABLE IF NOT EXISTS derived (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    statements.append("CREATE INDEX entities_located_in ON entities (located_in)")
    for derived in DERIVED:
        columns = ", ".join(f"{name} {kind}" for name, kind in derived.columns)
        statements.append(f"CREATE TABLE {derived.name} ({columns})")
        owner = derived.columns[0][0]
        for column in (owner, *derived.indexes):
            if f"{derived.name}_{column}" not in _REPLACED:
                statements.append(
                    f"CREATE INDEX {derived.name}_{column} ON {derived.name} ({column})"
                )
    statements += [covering.statement for covering in COVERING]
    for name, select in VIEWS.items():
        statements.append(f"CREATE VIEW {name} AS {select}")
    return statements


def created_name(statement: str) -> str:
    """The name of the table, index or view a statement of `schema_statements` creates."""
    words = statement.split()
    return words[5] if words[1:5] == ["TABLE", "IF", "NOT", "EXISTS"] else words[2]


def missing_statements(dialect: Dialect, have: set[str]) -> list[str]:
    """The statements of `schema_statements` creating what a store lacks (`have`: the names of
    its tables, indexes and views): what brings a store of an older layout to this one."""
    return [s for s in schema_statements(dialect) if created_name(s) not in have]


@dataclass(frozen=True)
class Statements:
    """The parameterized statements that write one record, for one dialect."""

    insert: dict[str, str]  # table -> INSERT of its row
    delete: dict[str, str]  # table -> DELETE of a row by doc
    insert_derived: dict[str, str]  # derived table -> INSERT of a row
    delete_derived: dict[str, str]  # derived table -> DELETE of an owner's rows


def statements(dialect: Dialect) -> Statements:
    mark = dialect.placeholder
    insert, delete = {}, {}
    for table in TABLE_ORDER:
        names = ["doc", *([] if table == "meta" else ["id"]),
                 *(name for name, _, _ in COLUMNS[table]), "record"]  # fmt: skip
        insert[table] = (
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        )
        delete[table] = f"DELETE FROM {table} WHERE doc = {mark}"
    insert_derived, delete_derived = {}, {}
    for derived in DERIVED:
        names = [name for name, _ in derived.columns]
        insert_derived[derived.name] = (
            f"INSERT INTO {derived.name} ({', '.join(names)})"
            f" VALUES ({', '.join([mark] * len(names))})"
        )
        owner = names[0]
        delete_derived[derived.name] = f"DELETE FROM {derived.name} WHERE {owner} = {mark}"
    return Statements(insert, delete, insert_derived, delete_derived)


def row_of(table: str, doc: int, record: Json, text: str) -> tuple[Any, ...]:
    """The row of `table` holding `record` (its JSON text given) under document number `doc`."""
    ident = () if table == "meta" else (record.get("id"),)
    return (doc, *ident, *(read(record) for _, _, read in COLUMNS[table]), text)


def derived_rows(
    table: str, record: Json, only: Collection[str] | None = None
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(derived table, row) of every derived row a record of `table` gives (of the derived
    tables `only`, if given)."""
    for derived in DERIVED:
        if table in derived.sources and (only is None or derived.name in only):
            for row in derived.rows_of(table, record):
                yield derived.name, row


def derived_makers(table: str) -> list[tuple[str, Callable[[Json], Iterator[tuple[Any, ...]]]]]:
    """(derived table, what makes its rows from a record) of each derived table of `table`:
    what `derived_rows` does, for a caller that writes many records of one table."""
    return [(derived.name, dict(derived.rows_by_table).get(table, derived.rows))
            for derived in DERIVED if table in derived.sources]  # fmt: skip


def derived_rows_of(name: str, record: Json, table: str = "entities") -> Iterator[tuple[Any, ...]]:
    """The rows of the derived table `name` that a record of `table` gives."""
    derived = next(d for d in DERIVED if d.name == name)
    return derived.rows_of(table, record)


def derived_of(table: str) -> list[str]:
    """The derived tables of a record table."""
    return [d.name for d in DERIVED if table in d.sources]
