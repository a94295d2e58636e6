"""Interchange commands: import, export, schema."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InvalidInput, NoMatch, StoreError
from .common import DbOption, info, open_kb

EXPORT_FORMATS = ("json", "jsonl", "csv", "md", "ics", "timelinejs", "ftm", "dot", "mermaid",
                  "sqlite")  # fmt: skip
IMPORT_FORMATS = ("csv", "jsonl", "json")


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("export")(export_command)
    app.command("schema")(schema_command)


def _choice(allowed: tuple[str, ...]) -> Callable[[str | None], str | None]:
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
        return lowered

    return check


# ---------------------------------------------------------------------------------------------
# Writing a file or stdout
# ---------------------------------------------------------------------------------------------


def write_output(data: bytes, output: Path | None, force: bool, *, binary: bool = False) -> None:
    """To stdout, or to `output` atomically, never replacing a file without --force."""
    if output is None:
        if binary and sys.stdout.isatty():
            raise InvalidInput(
                "this format is a binary file: it is not shown on a terminal",
                hint="give --output FILE, or redirect stdout to a file",
            )
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from ..store import write_atomic

    if (output.exists() or output.is_symlink()) and not force:
        raise InvalidInput(
            f"{output} already exists; refusing to overwrite it", hint="add --force to replace it"
        )
    if output.is_dir():
        raise InvalidInput(f"{output} is a directory", hint="give a file name with --output")
    try:
        write_atomic(output, data)
    except StoreError as exc:
        raise InvalidInput(exc.message.replace("; the store is unchanged", "")) from None


# ---------------------------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------------------------


def export_command(
    ctx: typer.Context,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="json, jsonl, csv, md, ics, timelinejs, ftm, dot, mermaid or sqlite.",
            callback=_choice(EXPORT_FORMATS),
            show_default=False,
        ),
    ],
    entity: Annotated[
        list[str] | None,
        typer.Option(
            "--entity",
            "-e",
            help="Events involving this entity (id or name); repeat to require several.",
            show_default=False,
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Only events of this kind (meeting, visit...); repeatable.",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Only events with this tag.", show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help='Events that end on or after this date: "2023", "May 2024", "2024-01-30".',
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Events that start on or before this date.", show_default=False),
    ] = None,
    planned: Annotated[
        bool, typer.Option("--planned", help="Only planned or postponed events.")
    ] = False,
    happened: Annotated[
        bool, typer.Option("--happened", help="Only events that happened.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file (atomically) instead of stdout.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --output file if it exists.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Export events and the records they cite, for other tools, with the filters of timeline.

    json/jsonl: the records as stored, each with its table as "type" (import reads them back;
    unfiltered, the whole store; filtered, the events kept and every record they refer to).
    csv: one row per event, spreadsheet-safe, reimportable. md: a dossier with sources as
    footnotes. ics: a calendar (fuzzy dates as all-day events over their span, planned ones
    TENTATIVE). timelinejs: TimelineJS JSON. ftm: FollowTheMoney JSON Lines. dot, mermaid: who met
    whom and which organizations partner. sqlite: a database file for SQL or Datasette.

    \b
    Examples:
      partnerkb export --format jsonl | jq -c 'select(.type == "event") | .title'
      partnerkb export --format csv --entity icesco -o icesco.csv
      partnerkb export --format ics --planned -o planned.ics
      partnerkb export --format md --entity icesco --entity azerbaijan -o dossier.md
      partnerkb export --format sqlite -o kb.sqlite && sqlite3 kb.sqlite 'select * from events'
      partnerkb export --format dot | dot -Tsvg > network.svg
    """
    from ..cli.read import _event_filter
    from ..interchange.exporters import EXPORTERS, export, select

    kb = open_kb(ctx, db)
    filtered = bool(entity or kind or tag or since or until or planned or happened)
    spec = (
        _event_filter(kb, entity, kind, tag, since, until, planned, happened) if filtered else None
    )
    selection = select(kb, spec)
    if filtered and not selection.events:
        raise NoMatch("no event matches these filters")
    data = export(selection, fmt)
    write_output(data, output, force, binary=EXPORTERS[fmt].binary)
    if output is not None:
        count = len(selection.events)
        info(f"exported {count} event{'s' if count != 1 else ''} as {fmt} to {output}")


# ---------------------------------------------------------------------------------------------
# schema
# ---------------------------------------------------------------------------------------------


def schema_command(
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="The schema of one exported record (a line of export --format jsonl) instead.",
        ),
    ] = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of the store file, or of one exported record.

    \b
    Examples:
      partnerkb schema > partnerkb.schema.json
      partnerkb schema --record > record.schema.json
      check-jsonschema --schemafile partnerkb.schema.json ~/.local/share/partnerkb/partnerkb.json
    """
    from ..interchange.schema import record_schema, schema_text

    if record:
        import json

        sys.stdout.write(json.dumps(record_schema(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(schema_text())


def import_command() -> None:
    """Import records (placeholder).

    \b
    Examples:
      partnerkb import events.csv
    """
    raise InvalidInput("not yet")
