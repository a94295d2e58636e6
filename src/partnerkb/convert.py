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
    source: Path | str,
    dest: Path | str,
    *,
    force: bool = False,
    progress: Progress = NO_PROGRESS,
) -> Converted:
    """Write the store at `source` to `dest`, in the engine `dest` names (a postgresql:// URL:
    PostgreSQL; .sqlite, .sqlite3, .db: SQLite; else JSON). A file path is a Path, a URL a str.
    Refuses (StoreError) to replace an existing `dest` without `force` (a PostgreSQL store is
    never replaced: its schema must not exist), to write over `source` itself, and a source
    table the engines do not know (it would be lost). `progress` hears of the reading and of
    the records written. A SQLite store is copied into PostgreSQL as it is read, in batches
    (memory bounded whatever its size); other sources are read whole first."""
    from .engines import engine_by_name, engine_of
    from .store import is_url

    if is_url(source) or is_url(dest):
        return _convert_url(str(source) if is_url(source) else Path(source),
                            str(dest) if is_url(dest) else Path(dest), force, progress)  # fmt: skip
    source, dest = Path(source), Path(dest)
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
    data = _read_known(source)
    if dest_engine == "sqlite":
        from .engines.sqlite import write_store

        write_store(dest, data, overwrite=force, progress=progress)
    else:
        _write_json(dest, data, force, progress)
    return _converted(source_engine, dest_engine, data)


def _converted(source_engine: str, dest_engine: str, data: StoreData) -> Converted:
    counts = {t: len(data.tables[t]) for t in ALL_TABLES}
    return Converted(source_engine, dest_engine,
                     sum(counts[t] for t in ALL_TABLES if t not in ("meta", "history")),
                     counts["history"])  # fmt: skip


def _read_known(source: Path | str) -> StoreData:
    """The whole store at `source` (a file, or a PostgreSQL URL), refusing a table partnerkb
    does not know."""
    if isinstance(source, str):
        from .engines.postgresql import parse_url, read_postgresql_whole

        data = read_postgresql_whole(parse_url(source))
    else:
        data = read_store(source)
    unknown = [t for t in data.to_json() if t not in ALL_TABLES]
    if unknown:
        raise StoreError(
            f"{source} has a table partnerkb does not know ({unknown[0]!r}); converting would "
            "lose it; nothing written"
        )
    return data


def _convert_url(
    source: Path | str, dest: Path | str, force: bool, progress: Progress
) -> Converted:
    """A conversion from or to a PostgreSQL store (a str: its URL)."""
    from .engines import engine_by_name, engine_of
    from .engines.postgresql import parse_url, write_store

    if isinstance(dest, str):
        target = parse_url(dest)
        if isinstance(source, str) and parse_url(source).conninfo == target.conninfo and (
                parse_url(source).schema == target.schema):  # fmt: skip
            raise StoreError(f"{dest} is the store being converted; give another one")
        if force:
            raise StoreError(
                "--force never replaces a PostgreSQL store (partnerkb drops no schema); "
                "nothing written",
                hint=f"give a new schema with ?schema=NAME, or drop {target.schema!r} yourself",
            )
        source_engine = "postgresql" if isinstance(source, str) else engine_of(source)
        if source_engine == "sqlite":  # read as it is written, never whole: memory stays bounded
            from .engines.sqlite import streamed

            with streamed(Path(source)) as records:
                counts = write_store(target, records, progress=progress)
            return Converted(source_engine, "postgresql",
                             sum(n for t, n in counts.items() if t not in ("meta", "history")),
                             counts.get("history", 0))  # fmt: skip
        stage(progress, f"reading {source}")
        data = _read_known(source)
        write_store(target, data, progress=progress)
        return _converted(source_engine, "postgresql", data)
    dest_engine = engine_by_name(dest)
    if os.path.lexists(dest) and not force:
        raise StoreError(
            f"{dest} already exists; refusing to overwrite it", hint="replace it with --force"
        )
    stage(progress, f"reading {source}")
    data = _read_known(source)
    if dest_engine == "sqlite":
        from .engines.sqlite import write_store as write_sqlite

        write_sqlite(dest, data, overwrite=force, progress=progress)
    else:
        _write_json(dest, data, force, progress)
    return _converted("postgresql", dest_engine, data)


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
