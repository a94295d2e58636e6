"""The store: a TinyDB-layout JSON file — where it is, reading it, and writing it safely.

Reads parse the file once (orjson for large files) and hand back `StoreData`, plain dicts as
stored. Writes go through `Store.apply()`: read the file, apply the changes, validate them,
append one history entry (an undo removes its command's entry instead), write the new file to a
temporary file in the same folder and fsync it, then, holding the lock file, check that the store
is still the version read and rename the new file in place. A corrupt file, a missing file or one
of a newer schema version is refused with a `StoreError` and never overwritten.

The file is a genuine TinyDB database: `open_tinydb(path)` opens it with TinyDB's API through
`OrjsonStorage`, the storage the writers use too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import InvalidInput, StoreError
from .model import ABSENT_PARTS, SCHEMA_VERSION, TABLES, VALIDATORS, event_entities, references

if TYPE_CHECKING:
    from .search_candidates import SearchCandidates, SearchRequest

APP_NAME = "partnerkb"
STORE_FILENAME = "partnerkb.json"
ENV_DB = "PARTNERKB_DB"
ALL_TABLES = ("meta", *TABLES, "history")
# From this size on, what a read parses is kept out of the cyclic garbage collector (see _loads).
_LARGE_FILE = 4 * 1024 * 1024
# Larger files are parsed in pieces of about _PIECE_SIZE (see _loads_in_pieces): slower than at
# once (a 240 MB store takes 50% longer) but the working memory orjson needs stays bounded.
_IN_PIECES_FROM = 512 * 1024 * 1024
_PIECE_SIZE = 64 * 1024 * 1024

Json = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Where the store is
# ---------------------------------------------------------------------------------------------


def shipped_store_path() -> Path:
    """The knowledge base shipped with the package (read-only)."""
    here = Path(__file__).resolve().parent
    installed = here / "shipped" / STORE_FILENAME
    if installed.exists():
        return installed
    return here.parents[1] / "data" / STORE_FILENAME  # running from a source checkout


def user_store_path() -> Path:
    """The user's own store, in the platform's user data directory."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / STORE_FILENAME


@dataclass(frozen=True)
class StoreLocation:
    """Which store a command uses and why: 'option', 'env', 'user' or 'shipped'.

    `url`: a PostgreSQL store's URL (postgresql://user@host:port/dbname), else None; `path`
    is then no file (see `is_url`), and `name` says which store it is."""

    path: Path
    origin: str
    url: str | None = None

    @property
    def is_shipped(self) -> bool:
        return self.origin == "shipped"

    @property
    def name(self) -> str:
        """The store as the user gave it: its URL, or its path."""
        return self.url if self.url is not None else str(self.path)


URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(text: str | os.PathLike[str]) -> bool:
    """Whether a --db value is a PostgreSQL URL rather than a file path."""
    return isinstance(text, str) and text.strip().lower().startswith(URL_SCHEMES)


def _location(value: str | os.PathLike[str], origin: str) -> StoreLocation:
    if is_url(value):
        url = str(value).strip()
        return StoreLocation(Path(url), origin, url)
    return StoreLocation(Path(value).expanduser(), origin)


def locate_store(
    db: str | os.PathLike[str] | None, environ: dict[str, str] | None = None
) -> StoreLocation:
    """--db, else $PARTNERKB_DB, else the user's store if it exists, else the shipped one."""
    env = os.environ if environ is None else environ
    if db:
        return _location(db, "option")
    if env.get(ENV_DB):
        return _location(env[ENV_DB], "env")
    user = user_store_path()
    if user.exists():
        return StoreLocation(user, "user")
    return StoreLocation(shipped_store_path(), "shipped")


# ---------------------------------------------------------------------------------------------
# What an entity's profile counts, in the order every engine gives it
# ---------------------------------------------------------------------------------------------


def _name_or_id(record: Json, record_id: str) -> str:
    """What a record is called (`queries.KnowledgeBase.name_of`): its name or title, else its id."""
    return str(record.get("name") or record.get("title") or record_id)


def own_citations(record: Json) -> dict[str, int]:
    """Source id -> how many times an entity's record cites it: its own citations and its
    roles' (the citations of its events are counted by the engine)."""
    counts: dict[str, int] = {}
    for cite in record.get("sources") or ():
        counts[cite["source"]] = counts.get(cite["source"], 0) + 1
    for role in record.get("roles") or ():
        for cite in role.get("sources") or ():
            counts[cite["source"]] = counts.get(cite["source"], 0) + 1
    return counts


def citation_order(counted: Sequence[tuple[Json, int]]) -> list[tuple[Json, int]]:
    """(source, citations) pairs most cited first, then the latest published first (sources
    without a day last), then by id: the order of a profile's sources on every engine."""
    ordered = sorted(counted, key=lambda sc: str(sc[0]["id"]))
    ordered.sort(key=lambda sc: str(sc[0].get("published") or ""), reverse=True)  # stable
    ordered.sort(key=lambda sc: (-sc[1], sc[0].get("published") is None))
    return ordered


# ---------------------------------------------------------------------------------------------
# What a store holds
# ---------------------------------------------------------------------------------------------


@dataclass
class StoreData:
    """The tables of a store, as stored: table -> doc_id -> record."""

    tables: dict[str, dict[str, Json]]
    _index: dict[str, tuple[str, str]] | None = field(default=None, repr=False)

    @classmethod
    def empty(cls, name: str = "") -> StoreData:
        created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta = {"schema_version": SCHEMA_VERSION, "created": created, "name": name}
        return cls({"meta": {"1": meta}, **{t: {} for t in TABLES}, "history": {}})

    @property
    def meta(self) -> Json:
        return next(iter(self.tables["meta"].values()))

    def records(self, table: str) -> list[Json]:
        return list(self.tables[table].values())

    def _ids(self) -> dict[str, tuple[str, str]]:
        if self._index is None:
            self._index = {
                record["id"]: (table, doc_id)
                for table in TABLES
                for doc_id, record in self.tables[table].items()
            }
        return self._index

    def get(self, record_id: str) -> tuple[str, Json] | None:
        """(table, record) of an id, or None."""
        found = self._ids().get(record_id)
        if found is None:
            return None
        table, doc_id = found
        return table, self.tables[table][doc_id]

    def find(self, table: str, record_id: str) -> Json | None:
        found = self.get(record_id)
        return found[1] if found and found[0] == table else None

    # What a transaction asks of the tables: an engine whose tables are not all in memory (the
    # SQLite engine's `SqliteData`) answers these without loading a whole table.
    def locate(self, record_id: str) -> tuple[str, str] | None:
        """(table, document number) of an id of a record table, or None."""
        return self._ids().get(record_id)

    def has_doc(self, table: str, doc: str) -> bool:
        """Whether document number `doc` is taken in `table`."""
        return doc in self.tables[table]

    def last_doc(self, table: str) -> int:
        """The highest document number of `table` (0 when empty)."""
        return max((int(k) for k in self.tables[table]), default=0)

    def put(self, table: str, doc: str, record: Json) -> None:
        """Set the record under document number `doc` of a record table (new or replaced)."""
        self.tables[table][doc] = record
        self._ids()[record["id"]] = (table, doc)

    # Questions an engine may answer from its indexes instead of the tables in memory (the SQLite
    # engine's `SqliteData` does while a table is not loaded). None: not answered here, and the
    # caller works on the tables, which is always right. An answer may hold more records than
    # asked for (candidates), never fewer; the caller applies its own test to each.
    def event_candidates(
        self,
        *,
        kinds: Sequence[str] = (),
        statuses: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        scopes: Sequence[Collection[str]] = (),
    ) -> list[Json] | None:
        """Events that may be of one of `kinds` and `statuses`, overlap [since, until] (ISO
        days) and involve an entity of each of `scopes` (sets of entity ids)."""
        return None

    def matching_events(
        self,
        *,
        kinds: Sequence[str] = (),
        statuses: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        scopes: Sequence[Collection[str]] = (),
    ) -> Sequence[Json] | None:
        """Exactly the events `event_candidates` would give candidates for (each test applied
        as `queries.filter_events` applies it), in date order (`dates.sort_key`, then id), as a
        sequence whose records are read only when used: a slice of it reads none, so a
        `--limit` reads only the events it keeps."""
        return None

    # What an entity's profile counts and cuts (`queries.entity_profile`). Answered here from
    # the tables in memory; an engine with indexes answers the same questions from them, with
    # the same totals, the same order and the same cut (tests/test_profile_limits.py).
    def prepare_profile(self, record: Json, scope: Collection[str], limit: int | None) -> None:
        """A hint that `latest_events(scope, limit)`, `met_counts(record["id"], limit)` and
        `cited_sources(record, scope, limit)` come next: an engine may start them at once.
        Nothing here (the records are in memory)."""

    def latest_events(self, scope: Collection[str], limit: int | None) -> tuple[int, list[Json]]:
        """(how many events involve an entity of `scope` (`model.event_entities`), the last
        `limit` of them — every one when None — in date order: `dates.sort_key`, then id;
        undated events sort last, so they count as the latest)."""
        from .dates import sort_key

        wanted = set(scope)
        events = [e for e in self.tables["events"].values()
                  if not wanted.isdisjoint(event_entities(e))]  # fmt: skip
        events.sort(key=lambda e: (*sort_key(e.get("date")), e["id"]))
        return len(events), events if limit is None else events[-limit:]

    def met_counts(self, entity_id: str, limit: int | None) -> tuple[int, list[tuple[str, int]]]:
        """Whom an entity met, and in how many events: events that happened where both were
        there (a part of `model.ABSENT_PARTS` — organizer, subject... — meets no one), places
        left out. (How many it met, the first `limit` of them — every one when None — as
        (id, events), most events first, then by name (`name` or `title`, else the id), then
        by id.)"""
        met: dict[str, int] = {}
        for event in self.tables["events"].values():
            if event.get("status") != "happened":
                continue
            present = {p["entity"] for p in event.get("participants") or []
                       if (p.get("part") or "") not in ABSENT_PARTS}  # fmt: skip
            if entity_id not in present:
                continue
            for other in present - {entity_id}:
                met[other] = met.get(other, 0) + 1
        counted = []
        for other, events in met.items():
            found = self.get(other)
            record = found[1] if found else {}
            if record.get("kind", found[0] if found else "") != "place":
                counted.append((other, events, _name_or_id(record, other)))
        counted.sort(key=lambda c: (-c[1], c[2], c[0]))
        cut = counted if limit is None else counted[:limit]
        return len(counted), [(other, events) for other, events, _ in cut]

    def cited_sources(
        self, record: Json, scope: Collection[str], limit: int | None
    ) -> tuple[int, list[tuple[Json, int]]]:
        """The sources cited by `record` (an entity: its own citations and its roles') and by
        the events involving an entity of `scope`, with how many citations each has among
        them. (How many sources, the first `limit` — every one when None — as (source,
        citations) in `citation_order`.) A citation of a source not in the store is left
        out."""
        counts = own_citations(record)
        wanted = set(scope)
        for event in self.tables["events"].values():
            if not wanted.isdisjoint(event_entities(event)):
                for cite in event.get("sources") or ():
                    counts[cite["source"]] = counts.get(cite["source"], 0) + 1
        counted = [(source, n) for source_id, n in counts.items()
                   if (source := self.find("sources", source_id)) is not None]  # fmt: skip
        ordered = citation_order(counted)
        return len(ordered), ordered if limit is None else ordered[:limit]

    def prefetch(self, record_ids: Collection[str]) -> None:
        """A hint that `get` will be asked for these ids: an engine that reads records one at a
        time reads them now at once. Does nothing here (every record is in memory)."""

    def namesake_groups(self, name_keys: Collection[str]) -> dict[str, list[Json]] | None:
        """For each of `name_keys` (names with case and spacing ignored) that several entities
        share, those entities (in any order), each given as much as tells namesakes apart
        (`queries._what_sets_apart`): its id, description and first role (`roles`, at most one
        item, only its title). Keys no two entities share are left out."""
        return None

    def ids_named(self, key: str) -> list[str] | None:
        """Ids of the records whose folded id, name, title or alias is `key`, in table order
        (entities, events, sources, partnerships), then document order."""
        return None

    def entities_named_with(self, word: str) -> list[tuple[str, str]] | None:
        """(folded name, id) of the entities whose folded id, name or alias contains `word`."""
        return None

    def namesakes(self, name_key: str) -> list[str] | None:
        """Ids of the entities whose name is `name_key` (case and spacing ignored)."""
        return None

    def located_in(self, parents: Collection[str]) -> list[str] | None:
        """Ids of the entities located in one of `parents`."""
        return None

    def role_holders(self, organization: str) -> list[Json] | None:
        """Entities with a role at `organization`, in document order."""
        return None

    def kinds(self, table: str) -> set[str] | None:
        """The kinds the records of `table` have."""
        return None

    def records_where(self, table: str, **equal: str | None) -> list[Json] | None:
        """The records of `table` whose fields equal `equal` (field -> value, None for none),
        in document order: fields of a record table's typed columns only (url, outlet,
        published of a source...; engines.relational.COLUMNS)."""
        return None

    def entity_names(self) -> list[tuple[str, str, list[str]]] | None:
        """(id, name, aliases) of every entity, in document order: what a new name is compared
        with, without reading the rest of the records."""
        return None

    def referrers(self, record_ids: Collection[str]) -> list[tuple[str, Json]] | None:
        """(table, record) of the records that refer to one of `record_ids`
        (`model.references`), in table then document order (candidates: the record itself
        may be among them)."""
        return None

    def last_history(self, count: int) -> list[tuple[str, Json]] | None:
        """(document number, entry) of the last `count` history entries, newest first."""
        return None

    def history_entry(self, entry_id: str) -> tuple[str, Json] | None:
        """(document number, entry) of the history entry `entry_id` (h-000012), or None: the
        first in document order, should an old store hold the id twice."""
        for doc, entry in self.tables["history"].items():
            if isinstance(entry, dict) and entry.get("id") == entry_id:
                return doc, entry
        return None

    # Search through an engine's full-text index (partnerkb.search_candidates): None, and
    # `search` folds and scores every record, which is always right.
    def search_vocabulary(self, first: str, shortest: int, longest: int) -> list[str] | None:
        """The distinct folded words (`textfold.fold`) of every record's names, aliases, ids
        and titles that start with `first` and are `shortest` to `longest` characters long,
        sorted: what a typo may stand for."""
        return None

    def search_candidates(self, request: SearchRequest) -> SearchCandidates | None:
        """A bounded set of records holding the best `request.limit` hits of a search by the
        documented ranking, with every entity they involve, and the exact number of records
        in scope that match every term (shapes and guarantee: `search_candidates.
        SearchCandidates`; an engine answers with `search_candidates.bounded_candidates` over
        its index, see `FullTextIndex`). The answer's typo variants (`request.terms`) come
        from `search_vocabulary`, which must then be answered too."""
        return None

    def scratch(self) -> StoreData:
        """A view of the same records whose changes leave this one as it is (records are never
        changed in place: every change replaces a record): what an import plans on."""
        return StoreData({table: dict(records) for table, records in self.tables.items()})

    def drop(self, table: str, doc: str) -> Json:
        """Remove and return the record under document number `doc` of a record table."""
        record = self.tables[table].pop(doc)
        del self._ids()[record["id"]]
        return record

    def to_json(self) -> Json:
        return self.tables


def check_layout(raw: Any, path: Path) -> StoreData:
    """Refuse what is not a partnerkb store of a schema version we know."""
    if not isinstance(raw, dict) or not isinstance(raw.get("meta"), dict) or not raw["meta"]:
        raise StoreError(f"{path} is not a partnerkb store (no 'meta' table); refusing to use it")
    meta = next(iter(raw["meta"].values()))
    version = meta.get("schema_version") if isinstance(meta, dict) else None
    if not isinstance(version, int):
        raise StoreError(f"{path} has no schema version; refusing to use it")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer partnerkb (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); refusing to read or change it",
            hint="upgrade partnerkb (pip install -U partnerkb)",
        )
    for table in ALL_TABLES:
        value = raw.setdefault(table, {})
        if not isinstance(value, dict):
            raise StoreError(f"{path}: table {table!r} is not an object; refusing to use it")
    return StoreData(raw)


def read_store(path: Path | str) -> StoreData:
    """Read and check a store file of either engine (SQLite by its header), or the PostgreSQL
    store a postgresql:// URL (a str) names, every table of it, in one snapshot; every failure
    is a one-line StoreError. Commands read through their engine's `read()`, which loads only
    the tables used."""
    from .engines import engine_of

    if is_url(path):
        from .engines.postgresql import parse_url, read_postgresql_whole

        return read_postgresql_whole(parse_url(str(path)))
    path = Path(path)

    if engine_of(path) == "sqlite":
        from .engines.sqlite import read_sqlite_whole

        return read_sqlite_whole(path)
    return _read_store_at(path)[0]


def _read_store_at(
    path: Path, texts: RecordTexts | None = None
) -> tuple[StoreData, os.stat_result]:
    """The store and the status of the very file read (to tell later whether it was replaced).
    `texts`: the version this process read last, whose records are reused where unchanged."""
    content, status = _read_bytes(path)
    try:
        raw = texts.loads(content) if texts is not None else None
        if raw is None:
            raw = _loads(content)
        if texts is not None:
            texts.remember(content, raw)
    except ValueError as exc:
        raise StoreError(
            f"{path} is not valid JSON ({exc}); refusing to use it",
            hint="restore it from a backup or from git; partnerkb never overwrites it",
        ) from None
    except RecursionError:
        raise StoreError(f"{path} is nested too deeply to be a store; refusing to use it") from None
    return check_layout(raw, path), status


def _read_bytes(path: Path) -> tuple[bytes, os.stat_result]:
    """A store file's bytes, refusing at once what is not a regular file (a FIFO would hang)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        dangling = f" (a link to {os.readlink(path)}, which does not exist)" if (
            path.is_symlink()) else ""  # fmt: skip
        raise StoreError(
            f"no store at {path}{dangling}", hint=f"create one with: partnerkb init --db {path}"
        ) from None
    except PermissionError:
        raise StoreError(f"cannot read the store {path}: permission denied") from None
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror or exc}") from None
    try:
        status = os.fstat(fd)
        not_a_file = special_file_kind(status.st_mode)
        if not_a_file:
            raise StoreError(f"{path} is {not_a_file}, not a store file; refusing to use it")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            content = handle.read()
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return content, status


def special_file_kind(mode: int) -> str | None:
    """'a directory', 'a FIFO'... for what is not a regular file; None for a regular file."""
    import stat

    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"))  # fmt: skip
    for test, name in kinds:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def find_damage(path: Path | str) -> StoreError | None:
    """The first record of the store at `path` (a file, or a PostgreSQL URL) that is not as
    partnerkb writes it — edited by hand, say — as a StoreError naming it (exit 3); None if
    every record is sound (or the store cannot be read, which reading it says). Reads check
    only the layout, for speed: commands call this when a record made them fail, to name the
    record instead of failing obscurely."""
    try:
        data = read_store(path)
    except StoreError:
        return None
    for table in TABLES:
        for doc_id, record in data.tables[table].items():
            try:
                if not isinstance(record, dict):
                    raise InvalidInput(f"it is {type(record).__name__}, not an object")
                VALIDATORS[table](record)
            except (InvalidInput, TypeError, ValueError, KeyError, AttributeError) as exc:
                reason = exc.message if isinstance(exc, InvalidInput) else f"{exc!r}"
                name = record.get("id") if isinstance(record, dict) else None
                reason = reason.removeprefix(f"{name}: ") if isinstance(name, str) else reason
                return StoreError(
                    f"{path}: {table} record #{doc_id}"
                    + (f" ({name!r})" if isinstance(name, str) else "")
                    + f" is damaged: {reason}; refusing to go on",
                    hint="correct that record by hand or restore the store from a backup; "
                    "partnerkb never overwrites it",
                )
    return None


def _loads(content: bytes) -> Any:
    """Parse a store file's bytes with orjson (nearly twice as fast as the standard json).

    A store of 100k events parses into over a million containers. While they are built, the
    cyclic garbage collector would scan them again and again — 60% of the load time — though
    parsed JSON holds no cycle. So the collector is paused during the parse and, for a large file,
    what exists then is moved out of its sight for good (`gc.freeze`): the records are still freed
    by reference counting when dropped, and later collections stay as cheap as before the read.
    """
    import gc

    import orjson

    collecting = gc.isenabled()
    gc.disable()
    try:
        if len(content) >= _IN_PIECES_FROM:
            parsed = _loads_in_pieces(content)
            if parsed is not None:
                return parsed
        return orjson.loads(content)
    finally:
        if collecting:
            if len(content) >= _LARGE_FILE:
                gc.freeze()
            gc.enable()


def _loads_in_pieces(content: bytes, piece_size: int = _PIECE_SIZE) -> Json | None:
    """A store in partnerkb's layout, parsed a table at a time and a big table in batches of
    records; None when the file is laid out otherwise (the caller then parses it whole).

    orjson sets aside twelve bytes of working memory per byte of input, at once: 29 GB for the
    2.4 GB store of a million events, more than most machines have. In the layout `dumps` writes
    (two-space indent), a line starting with two spaces and a quote starts a table and one starting
    with four spaces and a quote starts a record: a raw line break can only sit between tokens,
    since JSON strings escape theirs. Any piece that does not parse means another layout.
    """
    import orjson

    view = memoryview(content)
    end = len(content.rstrip())
    if not content.startswith(b'{\n  "') or content[end - 2 : end] != b"\n}":
        return None
    starts = []  # where each table's key begins
    at = content.find(b'\n  "')
    while at != -1:
        starts.append(at + 3)
        at = content.find(b'\n  "', at + 4)
    tables: Json = {}
    try:
        for n, key_start in enumerate(starts):
            colon = content.find(b'": ', key_start + 1)
            name = orjson.loads(view[key_start : colon + 1])
            # the value runs to the ",\n" before the next table, or to the final "\n}"
            value_end = starts[n + 1] - 4 if n + 1 < len(starts) else end - 2
            tables[name] = _table_in_batches(view, content, colon + 3, value_end, piece_size)
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return None
    return tables


def _table_in_batches(
    view: memoryview, content: bytes, start: int, end: int, piece_size: int
) -> Any:
    """One table's value, content[start:end], parsed whole if small, else a piece at a time."""
    import orjson

    if end - start <= piece_size or content[end - 4 : end] != b"\n  }":
        return orjson.loads(view[start:end])
    table: Json = {}
    inner_end = end - 4  # before the table's closing "\n  }"
    at = content.find(b'\n    "', start, inner_end)
    while at != -1:
        cut = content.find(b'\n    "', min(at + piece_size, inner_end), inner_end)
        stop = inner_end if cut == -1 else cut - 1  # drop the comma between two records
        table.update(orjson.loads(b"".join((b"{", view[at:stop], b"}"))))
        at = cut
    return table


_RECORD_START = b'\n    "'  # in dumps's layout: a record's key, at the second level


class RecordTexts:
    """The records of the last version of a store file this process read, by their exact text,
    so that reading a newer version parses only the records that changed.

    A write that another write overtook starts again on the new version: parsing all of a 14 MB
    store again takes 200-700 ms on a busy machine, most of each try, and a try that long is
    likely to be overtaken again. Reusing the records whose text is unchanged takes a tenth of
    that. Only files in the layout `dumps` writes are read this way (a record starts on a line
    indented by four spaces and a quote); any other layout, or a piece that does not parse, is
    parsed whole. The records handed out are shared with the previous version's tables, which
    writes never change in place (a transaction replaces a record with a new one); those an
    overtaken try replaced or removed are parsed again all the same (`forget`).
    """

    def __init__(self) -> None:
        self._content: bytes | None = None
        self._tables: dict[str, list[tuple[str, Any]]] = {}
        # the records' texts of the last content split, and that content
        self._split: tuple[bytes, list[tuple[str, list[bytes]]] | None] | None = None
        self._touched: set[int] = set()  # records a try changed: never handed out again

    def forget(self, changes: list[Change]) -> None:
        """The records a try that was overtaken replaced or removed are parsed again, not
        reused: a write that changed one in place by mistake cannot leak into the next try."""
        self._touched.update(id(change.before) for change in changes if change.before)

    def remember(self, content: bytes, raw: Any) -> None:
        """The version just read (before anything changes its tables)."""
        if isinstance(raw, dict) and all(isinstance(t, dict) for t in raw.values()):
            self._content = content
            self._tables = {name: list(table.items()) for name, table in raw.items()}
        else:
            self._content = None

    def _pieces(self, content: bytes) -> list[tuple[str, list[bytes]]] | None:
        if self._split is None or self._split[0] is not content:
            self._split = (content, _split_records(content))
        return self._split[1]

    def loads(self, content: bytes) -> Json | None:
        """`content` parsed, reusing the remembered records; None when that cannot be done."""
        import orjson

        if self._content is None:
            return None
        old = self._pieces(self._content)
        if old is None or [n for n, _ in old] != list(self._tables):
            return None
        known: dict[bytes, tuple[str, Any]] = {}
        for name, pieces in old:
            items = self._tables[name]
            if len(items) != len(pieces):
                return None
            for piece, item in zip(pieces, items, strict=True):
                if not piece.startswith(item[0].encode() + b'": '):  # not that record's text
                    return None
                known[piece] = item
        new = self._pieces(content)
        if new is None:
            return None
        tables: Json = {}
        for name, pieces in new:
            table = tables[name] = {}
            for piece in pieces:
                found = known.get(piece)
                if found is not None and id(found[1]) in self._touched:
                    found = None
                if found is None:
                    text = piece[:-1] if piece.endswith(b",") else piece
                    try:
                        parsed = orjson.loads(b"".join((b'{"', text, b"}")))
                    except orjson.JSONDecodeError:
                        return None  # parsed whole, which says what is wrong
                    if not isinstance(parsed, dict) or len(parsed) != 1:
                        return None
                    found = next(iter(parsed.items()))
                table[found[0]] = found[1]
            if len(table) != len(pieces):
                return None
        return tables


_TABLE_KEY = re.compile(rb'\n  ("(?:[^"\\\n]|\\.)*"): \{(\}?)')  # a table's key, two spaces in


def _split_records(content: bytes) -> list[tuple[str, list[bytes]]] | None:
    """The tables of a file in `dumps`'s layout, in order, each with the text of its records
    from just after the key's opening quote (`17": {...}`, with the comma that follows it, if
    any); None for any other layout. The text between records must be exactly what `dumps`
    writes there: the end of a table, empty tables, the start of the next one."""
    if not content.startswith(b'{\n  "') or not content.endswith(b"\n}\n"):
        return None
    parts = content.split(_RECORD_START)  # in C: a new record at each line four spaces in
    if len(parts) < 2:
        return None
    tables: list[tuple[str, list[bytes]]] = []
    opened = _table_keys(parts[0], b"{", last=False)
    if not opened:
        return None
    tables.extend((name, []) for name in opened)
    final = len(parts) - 1
    for n in range(1, len(parts)):
        part = parts[n]
        if n < final and part.endswith(b","):  # a record, and the next one in the same table
            tables[-1][1].append(part)
            continue
        cut = part.find(b"\n  }")  # the end of the table (a record's own lines are deeper)
        if cut == -1:
            return None
        tables[-1][1].append(part[:cut])
        following = _table_keys(part[cut + 4 :], b"", last=n == final)
        if following is None:
            return None
        tables.extend((name, []) for name in following)
    return tables


def _table_keys(text: bytes, start: bytes, *, last: bool) -> list[str] | None:
    """The tables opened by `text`, the text between two records of different tables (after
    `start`): empty tables, then the one whose records follow (unless `last`: the file's end).
    None unless `text` is exactly what `dumps` writes there."""
    import orjson

    found = [(m.group(1), m.group(2)) for m in _TABLE_KEY.finditer(text)]
    items = [b"\n  " + key + b": {" + empty for key, empty in found]
    if last:
        if any(not empty for _, empty in found):
            return None
        rebuilt = start + b"".join(b"," + item for item in items) + b"\n}\n"
    else:
        if not found or found[-1][1]:
            return None
        rebuilt = start + b",".join(items) if start else b"".join(b"," + i for i in items)
    if rebuilt != text:
        return None
    try:
        return [orjson.loads(key) for key, _ in found]
    except orjson.JSONDecodeError:
        return None


def dumps(tables: Json) -> bytes:
    """The deterministic text of a store: keys sorted, two-space indent, final newline."""
    import orjson

    return orjson.dumps(tables, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


# ---------------------------------------------------------------------------------------------
# Writing a file atomically
# ---------------------------------------------------------------------------------------------


def real_path(path: Path) -> Path:
    """Where a write to `path` lands: the file at the end of its symbolic links (a store or an
    export reached through a link is written in place of its target; the link stays)."""
    return Path(os.path.realpath(path))


@dataclass
class PreparedFile:
    """New content, written and synced to a temporary file beside its target, not yet in place.

    While it exists the temporary file is locked (flock) by its writer, so that cleaning the
    leftovers of killed writers never removes one in use.
    """

    target: Path
    temp: str
    fd: int

    _replaced: int = -1  # the file put_in_place replaced, kept open until make_durable

    def commit(self) -> None:
        """Put the content in place at once (rename) and make the rename durable."""
        self.put_in_place()
        self.make_durable()

    def put_in_place(self) -> None:
        """Rename the new content over the target: the only step a writer takes holding the
        store's lock. The file replaced is kept open until `make_durable`, so that the rename
        does not also free its blocks (10-40 ms for a 14 MB store on a busy disk).
        StoreError if it cannot be renamed (the target is then unchanged)."""
        with contextlib.suppress(OSError):
            self._replaced = os.open(self.target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            os.replace(self.temp, self.target)
        except OSError as exc:
            self.discard()
            raise _write_error(self.target, exc) from None
        os.close(self.fd)
        self.fd = -1

    def make_durable(self) -> None:
        """Sync the folder, so that the rename survives a power loss, and let the replaced file
        go. Safe after the store's lock is released: a later writer may read this version and
        put its own in place first, but each version is a whole file that holds every earlier
        one, so whichever rename a power loss keeps, the store is a version some writer wrote
        whole; and the command says it wrote only once this returns."""
        with contextlib.suppress(OSError):
            dir_fd = os.open(self.target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        if self._replaced >= 0:
            with contextlib.suppress(OSError):
                os.close(self._replaced)
            self._replaced = -1

    def discard(self) -> None:
        """Remove the temporary file (nothing was put in place)."""
        if self._replaced >= 0:
            with contextlib.suppress(OSError):
                os.close(self._replaced)
            self._replaced = -1
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.temp)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1


def prepare_file(target: Path, content: bytes, like: os.stat_result | None) -> PreparedFile:
    """Write `content` to a locked temporary file beside `target`, with the mode and owner of
    `like` (the file it will replace; None for a new file). StoreError if it cannot be written."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _write_error(target, exc) from None
    prepared = PreparedFile(target, temp, fd)
    try:
        _lock_in_use(fd)
        _keep_mode_and_owner(fd, like)
        view = memoryview(content)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError as exc:
        prepared.discard()
        raise _write_error(target, exc) from None
    return prepared


def write_atomic(path: Path, content: bytes) -> None:
    """Replace the file at `path` (through its links) with `content` at once: temporary file in
    the same folder, fsync, rename; its mode and owner are kept. StoreError on failure, with
    the old file intact."""
    target = real_path(path)
    try:
        like: os.stat_result | None = os.stat(target)
    except OSError:
        like = None
    remove_stale_temp_files(target)
    prepare_file(target, content, like).commit()


def _keep_mode_and_owner(fd: int, like: os.stat_result | None) -> None:
    if like is None:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        return
    if hasattr(os, "fchown") and hasattr(os, "geteuid"):
        if os.geteuid() == 0 and (like.st_uid, like.st_gid) != (0, 0):
            os.fchown(fd, like.st_uid, like.st_gid)
        elif like.st_gid != os.getegid():
            with contextlib.suppress(OSError):  # allowed when we belong to that group
                os.fchown(fd, -1, like.st_gid)
    os.fchmod(fd, like.st_mode & 0o777)


def _lock_in_use(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: leftovers are found by age only
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


# A writer locks its temporary file right after creating it; one younger than this might be in
# that instant, so it is left for the next write.
_TEMP_GRACE_SECONDS = 2.0
_STALE_TEMP_SECONDS_UNLOCKABLE = 3600.0  # where flock does not exist


def remove_stale_temp_files(target: Path) -> None:
    """Remove the temporary files that writers of `target` left when killed (SIGKILL, power
    loss): those no live process holds locked. Never raises."""
    import glob

    with contextlib.suppress(OSError):
        for candidate in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
            _remove_if_abandoned(candidate)


def _remove_if_abandoned(candidate: Path) -> None:
    import stat
    import time

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(candidate, flags)
    except OSError:
        return
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or time.time() - status.st_mtime < _TEMP_GRACE_SECONDS:
            return
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            if time.time() - status.st_mtime < _STALE_TEMP_SECONDS_UNLOCKABLE:
                return
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return  # a live writer holds it
        now = os.stat(candidate, follow_symlinks=False)
        if (now.st_dev, now.st_ino) == (status.st_dev, status.st_ino):
            os.unlink(candidate)
    except OSError:
        return
    finally:
        os.close(fd)


def _write_error(path: Path, exc: OSError) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(f"cannot write {path}: the disk is full; the store is unchanged")
    if exc.errno == errno.EROFS:
        return StoreError(
            f"cannot write {path}: the file system is read-only; the store is unchanged"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(f"cannot write {path}: permission denied; the store is unchanged")
    return StoreError(f"cannot write {path}: {exc.strerror or exc}; the store is unchanged")


# ---------------------------------------------------------------------------------------------
# TinyDB storage
# ---------------------------------------------------------------------------------------------


def _orjson_storage_class() -> type:
    from tinydb.storages import Storage

    class OrjsonStorage(Storage):
        """TinyDB storage: orjson, deterministic output, atomic replace.

        Read-only unless `writable`: TinyDB reads, changes and writes back the whole file in
        separate calls, so a write is safe only while the store's lock is held throughout (see
        `locked_tinydb`).
        """

        def __init__(self, path: str, writable: bool = False, **_: Any) -> None:
            self.path = Path(path)
            self.writable = writable

        def read(self) -> Json | None:
            if self.writable and not self.path.exists():
                return None
            return read_store(self.path).tables

        def write(self, data: Json) -> None:
            if not self.writable:
                raise StoreError(
                    f"{self.path} is opened read-only: writing without the store's lock could "
                    "lose another process's write",
                    hint="write with: with partnerkb.store.locked_tinydb(path) as db: ...",
                )
            write_atomic(self.path, dumps(data))

        def close(self) -> None:
            pass

    return OrjsonStorage


def open_tinydb(path: str | os.PathLike[str]) -> Any:
    """The store as a read-only `tinydb.TinyDB` (for library users and scripts); its writes
    raise StoreError. Write through `locked_tinydb`, or `Store.apply` (which also logs history)."""
    from tinydb import TinyDB

    return TinyDB(os.fspath(path), storage=_orjson_storage_class())


@contextlib.contextmanager
def locked_tinydb(path: str | os.PathLike[str], command: str = "tinydb") -> Iterator[Any]:
    """The store as a writable `tinydb.TinyDB`, holding the store's lock (the one the CLI takes)
    until the block ends. Its writes are atomic but bypass validation and history.

    Raises StoreError if the lock is not free within $PARTNERKB_LOCK_TIMEOUT seconds.
    """
    from tinydb import TinyDB

    store = Store(Path(path))
    with store.locked(command):
        store.read()  # refuse a corrupt, newer or special file before TinyDB touches it
        db = TinyDB(os.fspath(store.target), storage=_orjson_storage_class(), writable=True)
        try:
            yield db
        finally:
            db.close()


# ---------------------------------------------------------------------------------------------
# Writing: one command, one transaction
# ---------------------------------------------------------------------------------------------


@dataclass
class Change:
    table: str
    id: str
    before: Json | None
    after: Json | None
    doc: str  # the record's document number: an undo puts it back under the same one


class NeedsWholeStore(Exception):
    """A narrow transaction (`Transaction.narrow`) went beyond what a narrow writer may do (it
    changed or removed a record, added one other than an event, claimed twice, or its new id
    was taken meanwhile): the engine rolls it back and runs the command again holding the
    whole store. Never reaches the user."""


class Transaction:
    """The changes of one command, applied to a fresh copy of the store, written at once.

    A narrow transaction (`claim` given: a database engine writing a new event beside other
    such writes, not holding the whole store) may only add events, and must `claim` the
    records a decision depends on before it reads what is stored about them (the duplicate
    check claims the entities the new event involves); anything else raises NeedsWholeStore.
    """

    def __init__(self, data: StoreData,
                 claim: Callable[[list[str]], None] | None = None) -> None:  # fmt: skip
        self.data = data
        self.changes: list[Change] = []
        self._claim = claim
        self._claimed = False
        self._history_doc: str | None = None  # numbered by the engine (number_again)
        # An undo takes a command back: the document number of that command's history entry,
        # which the write removes instead of adding an entry of its own, so that the file is
        # byte-identical to what it was before that command (see `take_back`).
        self.taken_back: str | None = None
        # the highest document number of each table, found once: a batch of a thousand inserts
        # into 100k events must not rescan the table for each one
        self._last_doc: dict[str, int] = {}

    @property
    def narrow(self) -> bool:
        """Whether this transaction runs beside others, holding only what it claims."""
        return self._claim is not None

    def claim(self, record_ids: Collection[str]) -> None:
        """Hold `record_ids` against other narrow writers until this transaction ends, before
        deciding on what is stored about them (e.g. whether an event involving them is a
        duplicate): two narrow writers deciding about a same record then run one after the
        other, the second seeing what the first wrote. Nothing to do when the transaction holds
        the whole store. A narrow transaction claims once (its keys all at once, in one order,
        so that no two writers wait for each other); a second claim raises NeedsWholeStore."""
        if self._claim is None:
            return
        if self._claimed:
            raise NeedsWholeStore("a narrow transaction claims once")
        self._claimed = True
        self._claim(sorted(set(record_ids)))

    def _narrow_only_adds_events(self, table: str, what: str) -> None:
        if self._claim is not None and (table != "events" or what != "insert"):
            raise NeedsWholeStore(f"a narrow transaction cannot {what} {table}")

    def added_counts(self) -> dict[str, int]:
        """How many records this transaction adds to each table (history: its entry)."""
        counts = {"history": 1}
        for change in self.changes:
            if change.before is None and change.after is not None:
                counts[change.table] = counts.get(change.table, 0) + 1
        return counts

    def number_again(self, docs: dict[str, list[int]]) -> None:
        """Number the records this transaction adds, and its history entry, with `docs` (table
        -> as many free document numbers as `added_counts` says, in order): a narrow writer's
        new records are numbered when it writes, after what other writers wrote meanwhile."""
        given = {table: iter(numbers) for table, numbers in docs.items()}
        for change in self.changes:
            if change.before is None and change.after is not None:
                change.doc = str(next(given[change.table]))
        self._history_doc = str(next(given["history"]))

    def _next_doc_id(self, table: str) -> str:
        last = self._last_doc.get(table)
        if last is None:
            last = self.data.last_doc(table)
        self._last_doc[table] = last + 1
        return str(last + 1)

    def get(self, record_id: str) -> tuple[str, Json] | None:
        return self.data.get(record_id)

    def exists(self, record_id: str) -> bool:
        """Whether an id is taken in any table (ids are unique across the store)."""
        return self.data.get(record_id) is not None

    def insert(self, table: str, record: Json, *, doc: str | None = None) -> Json:
        """Add a record, under document number `doc` if given and free, else the next one."""
        VALIDATORS[table](record)
        self._narrow_only_adds_events(table, "insert")
        if self.data.get(record["id"]) is not None:
            raise InvalidInput(f"id {record['id']!r} already exists")
        if doc is None or self.data.has_doc(table, doc):
            doc = self._next_doc_id(table)
        elif table in self._last_doc:
            self._last_doc[table] = max(self._last_doc[table], int(doc))
        self.data.put(table, doc, record)
        self.changes.append(Change(table, record["id"], None, record, doc))
        return record

    def replace(self, table: str, record: Json) -> Json:
        VALIDATORS[table](record)
        self._narrow_only_adds_events(table, "replace")
        found = self.data.get(record["id"])
        doc = self.data.locate(record["id"])
        if found is None or doc is None or found[0] != table:
            raise InvalidInput(f"no {table[:-1]} {record['id']!r} to update")
        before = found[1]
        self.data.put(table, doc[1], record)
        self.changes.append(Change(table, record["id"], before, record, doc[1]))
        return record

    def delete(self, table: str, record_id: str) -> Json:
        self._narrow_only_adds_events(table, "delete")
        found = self.data.locate(record_id)
        if found is None or found[0] != table:
            raise InvalidInput(f"no {table[:-1]} {record_id!r} to remove")
        before = self.data.drop(table, found[1])
        self.changes.append(Change(table, record_id, before, None, found[1]))
        return before

    def check_references(self) -> None:
        """Every record this transaction wrote refers only to records that exist, and no record
        refers to one it removed. A record changed twice is checked as it ends up."""
        checked: set[str] = set()
        removed: set[str] = set()
        for change in reversed(self.changes):
            if change.id in checked:
                continue
            checked.add(change.id)
            found = self.data.get(change.id)
            if found is None:
                removed.add(change.id)
                continue
            table, record = found
            for field_name, ref in references(table, record):
                if self.data.get(ref) is None:
                    raise InvalidInput(
                        f"{change.id}: {field_name} refers to {ref!r}, which does not exist"
                    )
        if removed:  # one pass over the store (or its index), however many were removed
            pushed = self.data.referrers(removed)
            pool = pushed if pushed is not None else (
                (table, record) for table in TABLES for record in self.data.tables[table].values())
            for table, record in pool:
                for field_name, ref in references(table, record):
                    if ref in removed:
                        raise InvalidInput(
                            f"{record['id']}: {field_name} still refers to {ref!r}, "
                            "which this command removes"
                        )

    def take_back(self, entry_id: str) -> Json:
        """Make this transaction the undo of the command whose history entry is `entry_id`
        (h-000012): when written, that entry is removed and no entry is added, so an undo leaves
        no trace (the history may then give the entry's number to the next command). The caller
        reverts the entry's changes. Returns the entry; InvalidInput if there is none."""
        if self._claim is not None:
            raise NeedsWholeStore("an undo holds the whole store")
        found = self.data.history_entry(entry_id)
        if found is None:
            raise InvalidInput(f"no history entry {entry_id!r}")
        self.taken_back = found[0]
        return found[1]

    def history_entry(self, command: str) -> tuple[str, Json]:
        """The document number and record of this command's history entry: when, by whom
        (user, process id, login session), the command line, and each change."""
        from .locking import caller

        doc_id = self._history_doc or self._next_doc_id("history")
        return doc_id, {
            "id": f"h-{int(doc_id):06d}",
            "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": command,
            "by": caller(),
            "changes": [
                # an insert is undone by deleting the id: its record need not be kept twice
                {
                    "table": c.table,
                    "id": c.id,
                    "doc": c.doc,
                    "before": c.before,
                    "inserted": c.before is None,
                    "removed": c.after is None,
                }
                for c in self.changes
            ],
        }


T = TypeVar("T")

# A write prepares its file outside the lock, then checks under it that the store is still the
# version it read; if another write came in between, it starts again on the new version. After
# this many tries it holds the lock throughout, so a busy store still lets every writer through
# (8 writers at once on a loaded 2-core machine: with 8 tries, 20-25% of writes got there; with
# 12, 2-10%; with 16, 1 in 40, but a write then took up to 14 tries).
_OPTIMISTIC_TRIES = 12


class Store:
    """A store file in JSON (the JSON engine): read it, or change it in one locked, atomic
    transaction. See `partnerkb.engines` for the interface it shares with the SQLite engine."""

    engine = "json"

    def __init__(self, location: StoreLocation | Path, *, seed: Path | None = None) -> None:
        """`seed`: while the file does not exist, transactions start from this store instead
        and their write creates the file (the user's store, seeded from the shipped one), so a
        refused first write creates nothing."""
        if isinstance(location, Path):
            location = StoreLocation(location, "option")
        self.location = location
        self.seed = seed
        self.created = False  # whether the last transaction created the file from the seed
        # the history entry the last write added (None after an undo, which adds none)
        self.history_id: str | None = None
        self.last_transaction: Transaction | None = None
        self.lock_seconds: float | None = None  # how long the last write held the lock
        self._entry_id: str | None = None

    @property
    def path(self) -> Path:
        return self.location.path

    @property
    def target(self) -> Path:
        """The file written: the store path with its symbolic links followed."""
        return real_path(self.path)

    def read(self) -> StoreData:
        return _read_store_at(self.path)[0]

    def summary(self) -> Any:
        """Counts per table, schema version and last write (an `engines.StoreSummary`)."""
        from .engines.base import StoreSummary, history_tail

        data = self.read()
        history = data.tables["history"]
        ordered = (history[k] for k in sorted(history, key=lambda k: int(k) if k.isdigit() else 0))
        return StoreSummary(
            {table: len(data.tables[table]) for table in ALL_TABLES},
            data.meta.get("schema_version"),
            None,
            history_tail(ordered),
        )

    def migrate(self, *, dry_run: bool = False, progress: Any = None) -> Any:
        """A JSON file has no layout of its own, and schema 1 is the only one there is: the
        file is read (a newer, damaged or missing store is refused, StoreError) and nothing
        is changed (an `engines.Migration` with no steps)."""
        from .engines.base import Migration

        self.read()
        return Migration(self.location.name, "json", None, None, [], dry_run)

    def lock(self, command: str = "", *, turn: bool = False) -> Any:
        """The store's lock (on `<target>.lock`), with $PARTNERKB_LOCK_TIMEOUT; not taken yet."""
        from .locking import lock_timeout, store_lock

        return store_lock(Path(f"{self.target}.lock"), lock_timeout(), command, turn)

    @contextlib.contextmanager
    def locked(self, command: str = "", *, turn: bool = False) -> Iterator[None]:
        """Hold the store's lock for the block; StoreError naming the holder on time-out.
        `turn`: the block is a whole write, and the lock file says so (other writers wait for
        it to end before preparing theirs)."""
        import time

        lock = self.lock(command, turn=turn)
        lock.acquire()
        try:
            yield
        finally:
            if lock.acquired_at is not None:
                self.lock_seconds = time.monotonic() - lock.acquired_at
            lock.release()

    def apply(self, command: str, work: Callable[[Transaction], T], *, dry_run: bool = False,
              narrow: bool = False) -> T:  # fmt: skip
        """Run `work` on a fresh transaction and write its changes as one history entry
        (`narrow`, the hint that `work` adds one event, changes nothing for a file).

        The store is read, `work` runs and the new file is written and synced to a temporary
        file without the lock; under the lock the store is checked to be the version read and
        the file renamed in place, nothing more. If another write came in between, `work` runs
        again on the new version (so it must only change the transaction), after a pause that
        is shorter the more often this writer was overtaken; after `_OPTIMISTIC_TRIES` tries it
        holds the lock for the whole write (its turn: other writers wait for it to end before
        preparing theirs, which could only be overtaken). A dry run writes nothing and leaves
        the transaction in `last_transaction`. Raises what `work` raises, InvalidInput for
        broken references, StoreError for a store that cannot be read, locked or written.
        """
        import time

        from .locking import lock_timeout, wait_while_turn

        self._before_write(dry_run)
        if dry_run:
            tx, _, _ = self._start()
            result = work(tx)
            if tx.changes:
                tx.check_references()
            self.last_transaction = tx
            return result
        remove_stale_temp_files(self.target)  # leftovers of killed writers; not under the lock
        lock_path, patience = Path(f"{self.target}.lock"), lock_timeout()
        texts = RecordTexts()
        for overtaken in range(_OPTIMISTIC_TRIES):
            wait_while_turn(lock_path, patience)
            started = time.monotonic()
            tx, seen, seeded = self._start(texts)
            # a step that another write has overtaken is not taken: it would only be redone
            if self._identity() == seen:
                result = work(tx)
                self.last_transaction = tx
                if not tx.changes:
                    return result
                if self._identity() == seen:
                    prepared = self._prepare(tx, command)
                    try:
                        with self.locked(command):
                            current = self._identity() == seen and self.target == prepared.target
                            if current:
                                self._put_in_place(prepared, seeded)
                        if current:
                            prepared.make_durable()
                            return result
                    finally:
                        prepared.discard()
            texts.forget(tx.changes)
            _pause(overtaken + 1, time.monotonic() - started)
        # A busy store: this writer's turn, holding the lock to the end of the write. It reads
        # the store first, without the lock; under it, a version written meanwhile is read
        # again, its unchanged records reused.
        tx, seen, seeded = self._start(texts)
        with self.locked(command, turn=True):
            if self._identity() != seen:
                tx, seen, seeded = self._start(texts)
            result = work(tx)
            self.last_transaction = tx
            if not tx.changes:
                return result
            prepared = self._prepare(tx, command)
            try:
                self._put_in_place(prepared, seeded)
            except BaseException:
                prepared.discard()
                raise
        try:
            prepared.make_durable()
        finally:
            prepared.discard()
        return result

    @contextlib.contextmanager
    def transaction(self, command: str, *, dry_run: bool = False) -> Iterator[Transaction]:
        """Lock, read fresh, let the caller change, check references, log and write once.

        The lock is held for the whole block (the block cannot be run again): commands use
        `apply`, which holds it only to put the new file in place.
        """
        self._before_write(dry_run)
        # a dry run writes nothing, so it takes no lock (and leaves no lock file, e.g. beside
        # the shipped data): it reads one consistent version, as writes replace the file whole
        prepared: PreparedFile | None = None
        with contextlib.nullcontext() if dry_run else self.locked(command):
            tx, _, seeded = self._start()
            self.last_transaction = tx
            yield tx
            if not tx.changes:
                return
            tx.check_references()
            if dry_run:
                return
            prepared = self._prepare(tx, command, checked=True)
            try:
                self._put_in_place(prepared, seeded)
            except BaseException:
                prepared.discard()
                raise
        if prepared is not None:
            try:
                prepared.make_durable()
            finally:
                prepared.discard()

    def _before_write(self, dry_run: bool) -> None:
        if self.location.is_shipped and not dry_run:
            raise StoreError("the shipped knowledge base is read-only")
        if not dry_run:
            self._check_writable()
        if self.seed is not None and not dry_run:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _write_error(self.path, exc) from None
        if self.seed is None and not os.path.lexists(self.path):
            read_store(self.path)  # "no store at ...": clearer than failing to lock beside it

    def _start(
        self, texts: RecordTexts | None = None
    ) -> tuple[Transaction, tuple[int, ...] | None, bool]:
        """A transaction on the current version, that version's identity, whether seeded.
        `texts`: what the previous try read, reused where the records are unchanged."""
        if self.seed is not None and not os.path.lexists(self.path):
            return Transaction(read_store(self.seed)), None, True
        data, status = _read_store_at(self.path, texts)
        return Transaction(data), _identity_of(status), False

    def _identity(self) -> tuple[int, ...] | None:
        try:
            return _identity_of(os.stat(self.path))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read the store {self.path}: {exc.strerror or exc}") from None

    def _prepare(self, tx: Transaction, command: str, *, checked: bool = False) -> PreparedFile:
        if not checked:
            tx.check_references()
        if tx.taken_back is not None:  # an undo: the command's entry goes, none is added
            del tx.data.tables["history"][tx.taken_back]
            self._entry_id = None
        else:
            doc_id, entry = tx.history_entry(command)
            tx.data.tables["history"][doc_id] = entry
            self._entry_id = entry["id"]
        try:
            content = dumps(tx.data.to_json())
        except TypeError as exc:  # a lone surrogate that no validator saw: refuse, not crash
            raise InvalidInput(f"cannot store this input: {exc}; nothing written") from None
        target = self.target
        try:
            like: os.stat_result | None = os.stat(target)
        except OSError:
            like = None
        return prepare_file(target, content, like)

    def _put_in_place(self, prepared: PreparedFile, seeded: bool) -> None:
        """Rename the prepared file over the store (the caller holds the lock)."""
        if seeded and os.path.lexists(self.path):
            raise StoreError(f"a store appeared at {self.path} meanwhile; nothing written")
        prepared.put_in_place()
        self.created = seeded
        self.history_id = self._entry_id

    def _check_writable(self) -> None:
        """Refuse at once a store this caller may not replace: a special file, a file whose
        mode forbids writing (even to root, who could), a file the caller has no write
        permission on (though the folder may allow replacing it), or one owned by another user
        (replacing it would make it the caller's)."""
        try:
            status = os.stat(self.path)
        except OSError:
            return  # missing or unreadable: reading it says so
        not_a_file = special_file_kind(status.st_mode)
        if not_a_file:
            raise StoreError(f"{self.path} is {not_a_file}, not a store file; refusing to use it")
        refuse_unwritable_file(self.path, status)
        if hasattr(os, "geteuid") and os.geteuid() not in (0, status.st_uid):
            owner = _user_name(status.st_uid)
            raise StoreError(
                f"the store {self.path} belongs to {owner}: writing replaces the file whole, "
                "which would make it yours; it is unchanged",
                hint=f"write as {owner}, or give it to yourself first (cp, then use the copy)",
            )

    def create(self, data: StoreData) -> None:
        """Write a new store file; refuses to replace an existing one."""
        if os.path.lexists(self.path):
            raise StoreError(f"a store already exists at {self.path}; refusing to overwrite it")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _write_error(self.path, exc) from None
        with self.locked("init"):
            if os.path.lexists(self.path):
                raise StoreError(f"a store already exists at {self.path}; refusing to overwrite it")
            write_atomic(self.path, dumps(data.to_json()))


def _pause(overtaken: int, took: float) -> None:
    """Wait before trying again a write that was overtaken (`took` seconds for that try): a
    random part of the try's time, smaller the more often this writer was overtaken, so that
    writers overtaken once do not all start again at the same moment and those waiting longest
    start first."""
    import random
    import time

    time.sleep(random.uniform(0, min(took, 1.0)) / overtaken)


def refuse_unwritable_file(path: Path, status: os.stat_result) -> None:
    """StoreError if the store file's mode forbids writing (even to root, who could) or the
    caller has no write permission on it: the same refusal on every file engine."""
    if not status.st_mode & 0o222:
        raise StoreError(
            f"the store {path} is read-only (its file mode forbids writing); it is unchanged",
            hint=f"make it writable with: chmod u+w {path}",
        )
    if not os.access(path, os.W_OK):
        raise StoreError(
            f"cannot write the store {path}: permission denied (the file is not writable by "
            "you); it is unchanged"
        )


def _identity_of(status: os.stat_result) -> tuple[int, ...]:
    """What tells one version of the store file from the next: each write is a new file."""
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def _user_name(uid: int) -> str:
    try:
        import pwd

        return f"user {pwd.getpwuid(uid).pw_name}"
    except (ImportError, KeyError):
        return f"user {uid}"
