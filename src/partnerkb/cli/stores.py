"""Commands about the store itself: `info` (which store, why, what it holds), `convert` (a
copy in another engine) and `migrate` (a store of an older partnerkb brought up to date)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import DbOption, FormatOption, info, store_location


def register(app: typer.Typer) -> None:
    app.command("info")(info_command)
    app.command("convert")(convert_command)
    app.command("migrate")(migrate_command)


_ORIGINS = {
    "option": "given with --db",
    "env": "given by $PARTNERKB_DB",
    "user": "your own store (no --db, no $PARTNERKB_DB)",
    "shipped": "the knowledge base shipped with partnerkb (you have no store of your own yet)",
}


def info_command(ctx: typer.Context, fmt: FormatOption = None, db: DbOption = None) -> None:
    """The store in use and why, its engine, size, records per table, schema version and last
    write.

    \b
    Examples:
      partnerkb info
      partnerkb info --format json
    """
    import os

    from ..engines import open_engine
    from ..errors import StoreError
    from ..render import Column, choose_format, emit, write_json, write_json_lines

    location = store_location(ctx, db)
    engine = open_engine(location)
    summary = engine.summary()
    if summary.size_bytes is not None:  # a database: the size of its tables
        size = summary.size_bytes
    else:
        try:
            size = os.stat(location.path).st_size
        except OSError as exc:
            raise StoreError(
                f"cannot read the store {location.path}: {exc.strerror or exc}"
            ) from None
    report: dict[str, Any] = {
        "path": location.name,
        "origin": location.origin,
        "why": _ORIGINS.get(location.origin, location.origin),
        "engine": engine.engine,
        "size_bytes": size,
        "schema_version": summary.schema_version,
        "layout_version": summary.layout_version,
        "records": summary.counts,
        "last_write": summary.last_write,
        **summary.details,
    }
    chosen = choose_format(fmt)
    if chosen == "json":
        write_json(report, sys.stdout)
        return
    if chosen == "jsonl":
        write_json_lines([report], sys.stdout)
        return
    rows = [
        {"field": "store", "value": report["path"]},
        {"field": "why", "value": f"{report['why']} ({location.origin})"},
        {"field": "engine", "value": report["engine"]},
        {"field": "size", "value": f"{_size(size)} ({size} bytes)"},
        {"field": "schema version", "value": summary.schema_version},
    ]
    if summary.layout_version is not None:
        layout = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine.engine, engine.engine)
        rows.append({"field": f"{layout} layout version", "value": summary.layout_version})
    for key, value in summary.details.items():
        rows.append({"field": key.replace("_", " "), "value": value})
    for table, count in summary.counts.items():
        rows.append({"field": f"{table}", "value": f"{count:,}"})
    last = summary.last_write
    rows.append({"field": "last write",
                 "value": f"{last['at']}: {last['command']}" if last else "none (no history)"})
    columns = [Column("field", lambda r: r["field"], style="bold"),
               Column("value", lambda r: r["value"], max_width=80)]  # fmt: skip
    emit(rows, columns, chosen, title="Store")


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"  # pragma: no cover


def convert_command(
    source: Annotated[
        str, typer.Argument(metavar="SRC", help="The store to copy (a file or a PostgreSQL URL).")
    ],
    dest: Annotated[
        str,
        typer.Argument(
            metavar="DEST",
            help="The new store: SQLite for a .sqlite, .sqlite3 or .db name, PostgreSQL for a "
            "postgresql:// URL, else JSON.",
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace DEST if it exists.")
    ] = False,
) -> None:
    """Copy a store into another engine (by DEST's extension, or its postgresql:// URL): every
    record and the history. A JSON store converted to SQLite or PostgreSQL and back is the
    same file, byte for byte.

    \b
    Examples:
      partnerkb init --with-shipped --db notes.json
      partnerkb convert notes.json notes.sqlite
      partnerkb convert notes.sqlite notes-again.json
      partnerkb convert notes.sqlite notes.json --force
    """
    from ..convert import convert
    from ..store import is_url
    from .progress_bar import progress_bar

    def where(text: str) -> str | Path:
        return text if is_url(text) else Path(text).expanduser()

    with progress_bar() as progress:
        result = convert(where(source), where(dest), force=force, progress=progress)
    info(f"converted {result.records:,} records and {result.history:,} history entries from "
         f"{source} ({result.source_engine}) to {dest} ({result.dest_engine})")  # fmt: skip



def migrate_command(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say what would be done, and change nothing."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Bring a store made by an older partnerkb up to this version's layout, in one
    transaction: all of it or, if anything fails, nothing. A PostgreSQL store of an older
    layout is refused (exit 3) until someone runs this, so that a team's store never changes
    under colleagues without a word (each of them then needs this version or a newer one); a
    SQLite file is read as it is meanwhile and brought up to date by its next write, or by
    this; a JSON file has no layout (nothing to do). A store of a newer partnerkb is refused.
    --db postgresql://USER@HOST:PORT/DBNAME names a PostgreSQL store.

    \b
    Examples:
      partnerkb migrate --dry-run
      partnerkb migrate --db notes.sqlite
    """
    from ..engines import open_engine
    from ..errors import StoreError
    from .progress_bar import progress_bar

    location = store_location(ctx, db)
    if location.origin == "shipped":
        raise StoreError("no store to migrate: the knowledge base shipped with partnerkb is "
                         "always this version's", hint="give a store with --db")  # fmt: skip
    engine = open_engine(location)
    with progress_bar() as progress:
        done = engine.migrate(dry_run=dry_run, progress=progress)
    layout = "" if done.layout_after is None else f", layout {done.layout_after}"
    if not done.steps:
        info(f"{done.store} ({done.engine}{layout}) is up to date: nothing to migrate")
        return
    verb = "would migrate" if done.dry_run else "migrated"
    layouts = (f"from layout {done.layout_before} to {done.layout_after}"
               if done.layout_before != done.layout_after else f"layout {done.layout_after}")
    info(f"{verb} {done.store} ({done.engine}, {layouts}): {'; '.join(done.steps)}"
         + ("; nothing was changed (dry run)" if done.dry_run else ""))  # fmt: skip
