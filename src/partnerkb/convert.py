"""Copying a store into the other engine: every record, under its document number, and the
history, so that JSON -> SQLite -> JSON gives back the same bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import StoreError
from .progress import NO_PROGRESS, Progress, stage
from .store import ALL_TABLES, StoreData, dumps, read_store, real_path


@dataclass
class Converted:
    source_engine: str
    dest_engine: str
    records: int  # records of the record tables
    history: int  # history entries


def convert(
    source: Path,
    dest: Path,
    *,
    force: bool = False,
    progress: Progress = NO_PROGRESS,
) -> Converted:
    """Write the store at `source` to `dest`, in the engine `dest`'s extension names (.sqlite,
    .sqlite3, .db: SQLite; else JSON). Refuses (StoreError) to replace an existing `dest`
    without `force`, to write over `source` itself, and a source table the engines do not
    know (it would be lost). `progress` hears of the reading and of the records written."""
    from .engines import engine_by_name, engine_of

    source_engine = engine_of(source)
    dest_engine = engine_by_name(dest)
    if os.path.lexists(dest):
        if _same_file(source, dest):
            raise StoreError(f"{dest} is the store being converted; give another file")
        if not force:
            raise StoreError(
                f"{dest} already exists; refusing to overwrite it", hint="replace it with --force"
            )
    stage(progress, f"reading {source}")
    data = read_store(source)
    unknown = [t for t in data.to_json() if t not in ALL_TABLES]
    if unknown:
        raise StoreError(
            f"{source} has a table partnerkb does not know ({unknown[0]!r}); converting would "
            "lose it; nothing written"
        )
    if dest_engine == "sqlite":
        from .engines.sqlite import write_store

        write_store(dest, data, overwrite=force, progress=progress)
    else:
        _write_json(dest, data, force, progress)
    counts = {t: len(data.tables[t]) for t in ALL_TABLES}
    return Converted(source_engine, dest_engine,
                     sum(counts[t] for t in ALL_TABLES if t not in ("meta", "history")),
                     counts["history"])  # fmt: skip


def _write_json(dest: Path, data: StoreData, force: bool, progress: Progress) -> None:
    from .store import Store, write_atomic

    stage(progress, f"writing {dest}")
    try:
        content = dumps(data.to_json())
    except TypeError as exc:
        raise StoreError(f"cannot write {dest} as JSON: {exc}; nothing written") from None
    if force and os.path.lexists(dest):
        write_atomic(dest, content)
        return
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot write {dest}: {exc.strerror or exc}") from None
    with Store(dest).locked("convert"):
        if os.path.lexists(dest):
            raise StoreError(f"{dest} already exists; refusing to overwrite it")
        write_atomic(dest, content)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return real_path(a) == real_path(b) or (a.exists() and a.samefile(b))
    except OSError:
        return False
