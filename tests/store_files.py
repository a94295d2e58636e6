"""Writing a store file as it is, in the engine of its path, for tests that damage or shape a
store by hand (bypassing validation and history)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from partnerkb.engines import engine_of
from partnerkb.store import StoreData, dumps


def save_tables(path: Path, tables: dict[str, Any]) -> None:
    """Replace the store at `path` with `tables`, as they are, in the store's own engine (a
    PostgreSQL store: its URL, as a str)."""
    if isinstance(path, str):
        from partnerkb.engines.postgresql import parse_url
        from partnerkb.engines.postgresql import write_store as write_postgresql
        from postgres_server import drop_schema

        drop_schema(path)
        write_postgresql(parse_url(path), StoreData(tables))
        return
    if engine_of(path) == "sqlite":
        from partnerkb.engines.sqlite import write_store

        write_store(path, StoreData(tables), overwrite=True)
    else:
        path.write_bytes(dumps(tables))


def store_bytes(path: Path) -> bytes:
    """The store's content as bytes to compare: the JSON file itself, or a SQLite store's
    records as partnerkb would write them in JSON (its file's own bytes also hold SQLite's
    bookkeeping, such as a change counter); a PostgreSQL store's (its URL, a str) likewise."""
    if isinstance(path, str) or engine_of(path) == "sqlite":
        from partnerkb.store import read_store

        return dumps(read_store(path).to_json())
    return path.read_bytes()
