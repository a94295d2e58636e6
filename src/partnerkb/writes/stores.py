"""Where writes go: the store a write command changes, and a new store (`init`).

The shipped knowledge base is never written: the first write without --db or $PARTNERKB_DB
creates the user's store from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StoreError
from ..store import StoreData, StoreLocation, read_store, shipped_store_path, user_store_path

if TYPE_CHECKING:
    from ..engines import Engine


def prepare_store(location: StoreLocation, *, dry_run: bool = False) -> Engine:
    """The store a write goes to, in its engine (JSON or SQLite).

    With no --db and no $PARTNERKB_DB, writes go to the user's store in the platform's data
    directory; the first one that succeeds creates it from the shipped knowledge base (see
    `Store.created`). The shipped file is never written.
    """
    from ..engines import open_engine

    if not location.is_shipped:
        if not dry_run and _same_file(location.path, shipped_store_path()):
            raise StoreError(
                f"{location.path} is the knowledge base shipped with partnerkb; it is never "
                "modified",
                hint="write to your own copy: partnerkb init --with-shipped --db PATH",
            )
        return open_engine(location)
    if dry_run:
        return open_engine(location)
    return open_engine(StoreLocation(user_store_path(), "user"), seed=location.path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def init_store(
    where: Path | StoreLocation, *, with_shipped: bool, name: str = "", engine: str | None = None
) -> Engine:
    """A new store at `where` (a file path, or a PostgreSQL URL's location), empty or a copy of
    the shipped knowledge base; never overwrites. `engine`: 'json' or 'sqlite' for a file;
    None: by the path's extension (.sqlite, .sqlite3, .db)."""
    from ..engines import engine_by_name, new_engine

    location = where if isinstance(where, StoreLocation) else StoreLocation(where, "option")
    path = location.path
    if location.url is not None:
        if engine not in (None, "postgresql"):
            from ..errors import InvalidInput

            raise InvalidInput(f"--engine {engine} cannot be used with a PostgreSQL URL",
                               hint="leave --engine out: the URL says the engine")  # fmt: skip
    elif path.exists() or path.is_symlink():
        raise StoreError(
            f"a store already exists at {path}; refusing to overwrite it",
            hint="choose another path with --db, or remove the file yourself",
        )
    data = StoreData.empty(name)
    if with_shipped:
        shipped = read_store(shipped_store_path())
        # the copy is a new store: made now, under the name given (else the shipped one's)
        shipped.meta["created"] = data.meta["created"]
        if name.strip():
            shipped.meta["name"] = name.strip()
        data = shipped
    store = new_engine(location, engine or engine_by_name(path))
    store.create(data)
    return store
