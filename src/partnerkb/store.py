"""The store: a TinyDB-layout JSON file — where it is, reading it, and writing it safely.

Reads parse the file once (orjson for large files) and hand back `StoreData`, plain dicts as
stored. Writes go through `Store.transaction()`: take the lock file, re-read the file, apply the
changes, validate them, append one history entry, and replace the file atomically (temporary file
in the same folder, fsync, rename). A corrupt file, a missing file or one of a newer schema
version is refused with a `StoreError` and never overwritten.

The file is a genuine TinyDB database: `open_tinydb(path)` opens it with TinyDB's API through
`OrjsonStorage`, the storage the writers use too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import InvalidInput, StoreError
from .model import SCHEMA_VERSION, TABLES, VALIDATORS, references

APP_NAME = "partnerkb"
STORE_FILENAME = "partnerkb.json"
ENV_DB = "PARTNERKB_DB"
ENV_LOCK_TIMEOUT = "PARTNERKB_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 10.0
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
    """Which store a command uses and why: 'option', 'env', 'user' or 'shipped'."""

    path: Path
    origin: str

    @property
    def is_shipped(self) -> bool:
        return self.origin == "shipped"


def locate_store(
    db: str | os.PathLike[str] | None, environ: dict[str, str] | None = None
) -> StoreLocation:
    """--db, else $PARTNERKB_DB, else the user's store if it exists, else the shipped one."""
    env = os.environ if environ is None else environ
    if db:
        return StoreLocation(Path(db).expanduser(), "option")
    if env.get(ENV_DB):
        return StoreLocation(Path(env[ENV_DB]).expanduser(), "env")
    user = user_store_path()
    if user.exists():
        return StoreLocation(user, "user")
    return StoreLocation(shipped_store_path(), "shipped")


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


def read_store(path: Path) -> StoreData:
    """Parse and check a store file; every failure is a one-line StoreError."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(
            f"no store at {path}", hint=f"create one with: partnerkb init --db {path}"
        ) from None
    except IsADirectoryError:
        raise StoreError(f"{path} is a directory, not a store file") from None
    except PermissionError:
        raise StoreError(f"cannot read the store {path}: permission denied") from None
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror}") from None
    try:
        raw = _loads(content)
    except ValueError as exc:
        raise StoreError(
            f"{path} is not valid JSON ({exc}); refusing to use it",
            hint="restore it from a backup or from git; partnerkb never overwrites it",
        ) from None
    return check_layout(raw, path)


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


def dumps(tables: Json) -> bytes:
    """The deterministic text of a store: keys sorted, two-space indent, final newline."""
    import orjson

    return orjson.dumps(tables, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def write_atomic(path: Path, content: bytes) -> None:
    """Replace `path` with `content` at once: temp file in the same folder, fsync, rename."""
    folder = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp_name, _mode_of(path))
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise _write_error(path, exc) from None
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


_STALE_TEMP_SECONDS = 60.0


def _remove_stale_temp_files(path: Path) -> None:
    """Temporary files of writers that were killed mid-write (SIGKILL, power loss).

    Called with the lock held; a file older than a minute cannot belong to a live writer, since
    writers create it under the same lock and rename it at once.
    """
    import time

    limit = time.time() - _STALE_TEMP_SECONDS
    with contextlib.suppress(OSError):
        for candidate in path.parent.glob(f".{path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                if candidate.stat().st_mtime < limit:
                    candidate.unlink()


def _mode_of(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


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
        """TinyDB storage: orjson, deterministic output, atomic replace."""

        def __init__(self, path: str, **_: Any) -> None:
            self.path = Path(path)

        def read(self) -> Json | None:
            if not self.path.exists() or self.path.stat().st_size == 0:
                return None
            return read_store(self.path).tables

        def write(self, data: Json) -> None:
            write_atomic(self.path, dumps(data))

        def close(self) -> None:
            pass

    return OrjsonStorage


def open_tinydb(path: str | os.PathLike[str]) -> Any:
    """The store as a `tinydb.TinyDB` (for library users and scripts)."""
    from tinydb import TinyDB

    return TinyDB(os.fspath(path), storage=_orjson_storage_class())


# ---------------------------------------------------------------------------------------------
# Writing: one command, one transaction
# ---------------------------------------------------------------------------------------------


@dataclass
class Change:
    table: str
    id: str
    before: Json | None
    after: Json | None


class Transaction:
    """The changes of one command, applied to a fresh copy of the store, written at once."""

    def __init__(self, data: StoreData) -> None:
        self.data = data
        self.changes: list[Change] = []
        # extra fields of this command's history entry (e.g. which entry an undo reverts)
        self.history_fields: Json = {}
        # the highest document number of each table, found once: a batch of a thousand inserts
        # into 100k events must not rescan the table for each one
        self._last_doc: dict[str, int] = {}

    def _next_doc_id(self, table: str) -> str:
        last = self._last_doc.get(table)
        if last is None:
            last = max((int(k) for k in self.data.tables[table]), default=0)
        self._last_doc[table] = last + 1
        return str(last + 1)

    def get(self, record_id: str) -> tuple[str, Json] | None:
        return self.data.get(record_id)

    def exists(self, record_id: str) -> bool:
        """Whether an id is taken in any table (ids are unique across the store)."""
        return self.data.get(record_id) is not None

    def insert(self, table: str, record: Json) -> Json:
        VALIDATORS[table](record)
        if self.data.get(record["id"]) is not None:
            raise InvalidInput(f"id {record['id']!r} already exists")
        doc_id = self._next_doc_id(table)
        self.data.tables[table][doc_id] = record
        self.data._ids()[record["id"]] = (table, doc_id)
        self.changes.append(Change(table, record["id"], None, record))
        return record

    def replace(self, table: str, record: Json) -> Json:
        VALIDATORS[table](record)
        found = self.data._ids().get(record["id"])
        if found is None or found[0] != table:
            raise InvalidInput(f"no {table[:-1]} {record['id']!r} to update")
        before = self.data.tables[table][found[1]]
        self.data.tables[table][found[1]] = record
        self.changes.append(Change(table, record["id"], before, record))
        return record

    def delete(self, table: str, record_id: str) -> Json:
        found = self.data._ids().get(record_id)
        if found is None or found[0] != table:
            raise InvalidInput(f"no {table[:-1]} {record_id!r} to remove")
        before = self.data.tables[table].pop(found[1])
        del self.data._ids()[record_id]
        self.changes.append(Change(table, record_id, before, None))
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
        if removed:  # one pass over the store, however many records were removed
            for table in TABLES:
                for record in self.data.tables[table].values():
                    for field_name, ref in references(table, record):
                        if ref in removed:
                            raise InvalidInput(
                                f"{record['id']}: {field_name} still refers to {ref!r}, "
                                "which this command removes"
                            )

    def history_entry(self, command: str) -> tuple[str, Json]:
        """The document number and record of this command's history entry."""
        doc_id = self._next_doc_id("history")
        return doc_id, {
            "id": f"h-{int(doc_id):06d}",
            "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": command,
            **self.history_fields,
            "changes": [
                # an insert is undone by deleting the id: its record need not be kept twice
                {
                    "table": c.table,
                    "id": c.id,
                    "before": c.before,
                    "inserted": c.before is None,
                    "removed": c.after is None,
                }
                for c in self.changes
            ],
        }


class Store:
    """A store file: read it, or change it in one locked, atomic transaction."""

    def __init__(self, location: StoreLocation | Path, *, seed: Path | None = None) -> None:
        """`seed`: while the file does not exist, transactions start from this store instead
        and their write creates the file (the user's store, seeded from the shipped one), so a
        refused first write creates nothing."""
        if isinstance(location, Path):
            location = StoreLocation(location, "option")
        self.location = location
        self.seed = seed
        self.created = False  # whether the last transaction created the file from the seed

    @property
    def path(self) -> Path:
        return self.location.path

    def read(self) -> StoreData:
        return read_store(self.path)

    def lock(self) -> Any:
        from filelock import FileLock

        text = os.environ.get(ENV_LOCK_TIMEOUT, "").strip()
        try:
            timeout = float(text) if text else DEFAULT_LOCK_TIMEOUT
        except ValueError:
            raise InvalidInput(
                f"{ENV_LOCK_TIMEOUT} must be a number of seconds, not {text!r}"
            ) from None
        return FileLock(f"{self.path}.lock", timeout=timeout)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        from filelock import Timeout

        lock = self.lock()
        try:
            lock.acquire()
        except Timeout:
            raise StoreError(
                f"the store {self.path} is locked by another partnerkb process "
                f"(waited {lock.timeout:g} s)",
                hint=f"if no partnerkb is running, remove {self.path}.lock; "
                f"or wait longer with {ENV_LOCK_TIMEOUT}",
            ) from None
        except OSError as exc:
            raise StoreError(
                f"cannot lock the store {self.path}: {exc.strerror or exc}; it is unchanged"
            ) from None
        try:
            yield
        finally:
            lock.release()

    @contextlib.contextmanager
    def transaction(self, command: str, *, dry_run: bool = False) -> Iterator[Transaction]:
        """Lock, read fresh, let the caller change, check references, log and write once."""
        if self.location.is_shipped and not dry_run:
            raise StoreError("the shipped knowledge base is read-only")
        if not dry_run:
            self._check_writable()
        if self.seed is not None and not dry_run:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _write_error(self.path, exc) from None
        if self.seed is None and not self.path.exists():
            self.read()  # "no store at ...": clearer than failing to lock beside it
        # a dry run writes nothing, so it takes no lock (and leaves no lock file, e.g. beside
        # the shipped data): it reads one consistent version, as writes replace the file whole
        with contextlib.nullcontext() if dry_run else self.locked():
            seeded = self.seed is not None and not self.path.exists()
            tx = Transaction(read_store(self.seed) if seeded and self.seed else self.read())
            yield tx
            if not tx.changes:
                return
            tx.check_references()
            if dry_run:
                return
            doc_id, entry = tx.history_entry(command)
            tx.data.tables["history"][doc_id] = entry
            _remove_stale_temp_files(self.path)
            write_atomic(self.path, dumps(tx.data.to_json()))
            self.created = seeded

    def _check_writable(self) -> None:
        """A store whose file mode forbids writing is left alone, even by root (who could)."""
        try:
            mode = self.path.stat().st_mode
        except OSError:
            return  # missing or unreadable: reading it says so
        if not mode & 0o222:
            raise StoreError(
                f"the store {self.path} is read-only (its file mode forbids writing); "
                "it is unchanged",
                hint=f"make it writable with: chmod u+w {self.path}",
            )

    def create(self, data: StoreData) -> None:
        """Write a new store file; refuses to replace an existing one."""
        if self.path.exists():
            raise StoreError(f"a store already exists at {self.path}; refusing to overwrite it")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _write_error(self.path, exc) from None
        with self.locked():
            if self.path.exists():
                raise StoreError(f"a store already exists at {self.path}; refusing to overwrite it")
            write_atomic(self.path, dumps(data.to_json()))
