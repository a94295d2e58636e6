"""What every command shares: option types, opening the store, and reporting on stderr."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InvalidInput
from ..queries import KnowledgeBase
from ..store import Store, StoreLocation, locate_store

FORMAT_HELP = (
    "Output format: table, json, jsonl, csv or tsv. Default: table on a terminal, tsv when piped."
)
DB_HELP = "Store file to use (also $PARTNERKB_DB). Default: your own store, else the shipped one."
FORMATS = ("table", "json", "jsonl", "csv", "tsv")


def _check_format(value: str | None) -> str | None:
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return lowered


FormatOption = Annotated[
    str | None,
    typer.Option("--format", "-f", help=FORMAT_HELP, callback=_check_format, show_default=False),
]
DbOption = Annotated[
    Path | None, typer.Option("--db", help=DB_HELP, show_default=False, dir_okay=False)
]


def store_location(ctx: typer.Context, db: Path | None) -> StoreLocation:
    """The command's --db, else the global --db, else $PARTNERKB_DB, user store, shipped store."""
    chosen = db or (ctx.find_root().obj or {}).get("db")
    return locate_store(chosen)


def open_store(ctx: typer.Context, db: Path | None) -> Store:
    return Store(store_location(ctx, db))


def open_kb(ctx: typer.Context, db: Path | None) -> KnowledgeBase:
    return KnowledgeBase(open_store(ctx, db).read())


def info(message: str) -> None:
    """A message for the person at the terminal: always stderr, never mixed with data."""
    sys.stderr.write(message + "\n")


def parse_since_until(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """--since keeps what ends on or after the start of its date; --until, the end of its date."""
    from ..dates import parse_bound

    start = end = None
    try:
        if since:
            start = parse_bound(since)[0]
        if until:
            end = parse_bound(until)[1]
    except InvalidInput as exc:
        option = "--since" if since and start is None else "--until"
        raise InvalidInput(f"{option}: {exc.message}", hint=exc.hint) from None
    if start and end and start > end:
        raise InvalidInput(f"--since {since!r} is after --until {until!r}")
    return start, end


def root_obj(ctx: typer.Context) -> dict[str, Any]:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    return root.obj  # type: ignore[no-any-return]
