"""Interchange commands: import, export, schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InvalidInput, NoMatch, StoreError
from .common import (
    AsOfOption,
    DateOrderOption,
    DbOption,
    EntityFilterOption,
    HappenedOption,
    KindFilterOption,
    PlannedOption,
    SinceOption,
    TagFilterOption,
    UntilOption,
    announce_created,
    announce_history,
    announce_upgrade,
    as_of_day,
    choice,
    command_line,
    date_order,
    env_date_order,
    event_filter,
    info,
    open_kb,
    say,
    store_location,
)

if TYPE_CHECKING:
    from ..interchange.importer import ImportReport
    from ..store import Transaction

EXPORT_FORMATS = ("json", "jsonl", "csv", "md", "ics", "timelinejs", "ftm", "dot", "mermaid",
                  "gexf", "graphml", "html", "xlsx", "sqlite")  # fmt: skip
IMPORT_FORMATS = ("csv", "tsv", "jsonl", "json")


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("export")(export_command)
    app.command("schema")(schema_command)


# ---------------------------------------------------------------------------------------------
# Writing a file or stdout
# ---------------------------------------------------------------------------------------------


def write_output(data: bytes, output: Path | None, force: bool, *, binary: bool = False) -> None:
    """To stdout, or to `output`: a file is replaced atomically and only with --force (through a
    link, the link's target); a FIFO or a device is written into, never replaced."""
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
    import os
    import stat

    from ..store import special_file_kind, write_atomic

    try:
        status: os.stat_result | None = os.stat(output)  # through links: what it names
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror or exc}") from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise InvalidInput(f"{output} is a directory", hint="give a file name with --output")
    if status is not None and stat.S_ISSOCK(status.st_mode):
        raise InvalidInput(f"{output} is a socket; export writes files, FIFOs and devices")
    if status is not None and special_file_kind(status.st_mode):
        # a FIFO or a device: write into it, as `> file` would; it is never replaced
        _write_into(output, data)
        return
    if status is not None and not force:
        linked = f" (a link to {os.path.realpath(output)})" if output.is_symlink() else ""
        raise InvalidInput(
            f"{output}{linked} already exists; refusing to overwrite it",
            hint="add --force to replace it",
        )
    try:
        write_atomic(output, data)  # a link stays a link: its target gets the new content
    except StoreError as exc:
        raise InvalidInput(exc.message.replace("; the store is unchanged", "")) from None


def _write_into(output: Path, data: bytes) -> None:
    """Write into a FIFO or a device in place (it stays what it is; a FIFO waits for a reader)."""
    try:
        with open(output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror or exc}") from None


def _refuse_store_as_output(output: Path, store: Path) -> None:
    """--force replaces files, never a knowledge base: the store read, its lock, the shipped one."""
    from ..store import real_path, shipped_store_path

    target = real_path(store)
    for protected in (store, Path(f"{store}.lock"), Path(f"{target}.lock"), shipped_store_path()):
        try:
            same = output.resolve() == protected.resolve() or (
                output.exists() and protected.exists() and output.samefile(protected)
            )
        except OSError:
            same = False
        if same:
            raise InvalidInput(
                f"{output} is the store (or its lock); export never writes over it",
                hint="give another file name with --output",
            )


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
            metavar="FORMAT",
            help="json, jsonl, csv, xlsx, md, ics, timelinejs, ftm, dot, mermaid, gexf, graphml, "
            "html or sqlite.",
            callback=choice(EXPORT_FORMATS),
            show_default=False,
        ),
    ],
    entity: EntityFilterOption = None,
    kind: KindFilterOption = None,
    tag: TagFilterOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    planned: PlannedOption = False,
    happened: HappenedOption = False,
    order: DateOrderOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to this file (atomically) instead of stdout; - is stdout.",
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
    csv: one row per event, spreadsheet-safe, reimportable. xlsx: a workbook (sheets events,
    entities, sources; date cells only for day-precise dates). md: a dossier with sources as
    footnotes. ics: a calendar (fuzzy dates as all-day events over their span, free time unless a
    day, planned ones TENTATIVE). timelinejs: TimelineJS JSON. ftm: FollowTheMoney JSON Lines.
    dot, mermaid, gexf, graphml: who met whom (weighted by events that happened, planned ones
    dashed) and which organizations partner; lay dot out with Graphviz's sfdp (the file says
    layout=sfdp, so dot -Tsvg uses it too); mermaid is refused over Mermaid's 50,000 characters;
    gexf for Gephi, graphml for Cytoscape. html: one self-contained web page (timeline, network,
    filters, event cards with sources) that opens offline. sqlite: a database file for SQL or
    Datasette, with full-text search.

    While it works, a progress bar shows on stderr when stderr is a terminal (not with the
    global --quiet; never in a pipe or a file).

    \b
    Examples:
      partnerkb export --format jsonl | jq -c 'select(.type == "event") | .title'
      partnerkb export --format csv --entity icesco -o icesco.csv
      partnerkb export --format ics --planned -o planned.ics
      partnerkb export --format md --entity icesco --entity azerbaijan \\
        -o dossier.md
      partnerkb export --format sqlite -o kb.sqlite \\
        && sqlite3 kb.sqlite 'select * from events'
      partnerkb export --format dot | sfdp -Tsvg > network.svg
      partnerkb export --format gexf -o network.gexf
      partnerkb export --format html --entity icesco -o icesco.html
    """
    from ..interchange.exporters import EXPORTERS, export, select

    if output is not None and str(output) == "-":  # like import -: stdout
        output = None
    if output is not None:
        _refuse_store_as_output(output, store_location(ctx, db).path)
    from ..progress import stage
    from .progress_bar import progress_bar

    binary = EXPORTERS[fmt].binary
    with progress_bar() as progress:
        stage(progress, "reading the store")
        kb = open_kb(ctx, db)
        filtered = bool(entity or kind or tag or since or until or planned or happened)
        spec = (
            event_filter(kb, entity, kind, tag, since, until, planned, happened, date_order(order))
            if filtered
            else None
        )
        selection = select(kb, spec)
        # nothing matched: the file is still a valid one of its kind (an empty calendar, a
        # header row...), so that a script redirecting stdout gets something its tools read;
        # exit 1
        data = export(selection, fmt, progress)
        if output is not None:
            stage(progress, "writing the file")
            write_output(data, output, force, binary=binary)
    if output is None:  # the bar is off the terminal before the data is written to it
        write_output(data, output, force, binary=binary)
    if filtered and not selection.events:
        raise NoMatch(f"no event matches these filters; wrote an empty {fmt} export")
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
      check-jsonschema --schemafile partnerkb.schema.json \\
        ~/.local/share/partnerkb/partnerkb.json
    """
    from ..interchange.schema import record_schema, schema_text

    if record:
        import json

        sys.stdout.write(json.dumps(record_schema(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(schema_text())


def import_command(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(metavar="FILE|-", help="The file to import, or - for stdin.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="csv, tsv, jsonl or json. Default: from the file's extension, or from its "
            "content.",
            callback=choice(IMPORT_FORMATS),
            show_default=False,
        ),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            "-m",
            metavar="FILE|NAME",
            help="A JSON mapping file, or a shipped mapping: us-official-travels.",
            show_default=False,
        ),
    ] = None,
    map_pairs: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="COLUMN=FIELD,...",
            help='Columns to fields: "Date=date,Traveler=participants" (repeatable).',
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            metavar="COLUMN",
            help="The column whose value is each record's id.",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="ID",
            help="The source (id or title) that rows without a source column cite; self for "
            "your own record (own record of <user>, entered today).",
            show_default=False,
        ),
    ] = None,
    create_missing: Annotated[
        bool,
        typer.Option(
            "--create-missing",
            help="Record the participants, places and organizations not in the store yet.",
        ),
    ] = False,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            metavar="NAME=KIND",
            help='The kind of an entity --create-missing records: "Azerbaijan=country".',
            show_default=False,
        ),
    ] = None,
    new_kind: Annotated[
        bool, typer.Option("--new-kind", help="Accept kinds the store does not know yet.")
    ] = False,
    delimiter: Annotated[
        str | None,
        typer.Option(
            "--delimiter",
            "-d",
            metavar="CHAR",
            help="What separates a CSV's cells: , ; | or tab. Default: detected from the header "
            "(and said on stderr when not a comma).",
            show_default=False,
        ),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the valid rows and list the others on "
                     "stderr (exit code 2 when no row is valid)."),
    ] = False,
    as_of: AsOfOption = None,
    order: Annotated[
        str | None,
        typer.Option(
            "--date-order",
            metavar="dmy|mdy",
            help="How the file writes all-numeric dates such as 06/05/2024: dmy or mdy (else "
            "the mapping's date_order, else $PARTNERKB_DATE_ORDER; else they are refused).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be added and updated; write nothing.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Import events, entities and sources from CSV, JSON Lines or JSON, in one write.

    Records as exported (export --format json|jsonl) come back as they were. Flat rows (a CSV
    with a header, or JSON objects of texts) become events through a column mapping: columns
    named like fields (the header of export --format csv) map themselves; --map renames; a mapping
    file does more (see docs/interchange.md). Importing the same file twice adds nothing; a changed
    row updates its record and says so. Every row is checked before anything is written.

    Prints the ids of the records added or updated; the report goes to stderr, and while it
    works a progress bar when stderr is a terminal (not with the global --quiet).

    \b
    Examples:
      partnerkb export --format jsonl > kb.jsonl
      partnerkb init --db copy.json && partnerkb --db copy.json import kb.jsonl
      partnerkb import meetings.csv --map "Date=date,Who=participants" \\
        --source self
      partnerkb import us-official-travels.csv --mapping us-official-travels \\
        --dry-run
      partnerkb timeline --format jsonl | partnerkb import - --dry-run
    """
    from datetime import date

    from ..dates import check_date_order
    from ..interchange.importer import (
        ImportFailed,
        ImportOptions,
        import_rows,
        read_source,
        sniff_format,
    )
    from ..interchange.mapping import load_mapping, parse_map_option
    from ..writes import parse_assignment, prepare_store

    flag_order = check_date_order(order, "--date-order")
    env_order = env_date_order()
    if not (mapping or map_pairs or key or dry_run) and _stream_import(ctx, db, file, fmt,
                                                                       skip_invalid):  # fmt: skip
        return
    content = _read_input(file)
    from ..engines import HEADER

    if file != "-" and content.startswith(HEADER):
        # a whole store in the SQLite engine: imported as its JSON text would be
        from ..store import dumps, read_store

        content = dumps(read_store(Path(file)).to_json())
        chosen = "json"
    else:
        chosen = fmt or _format_of(file) or sniff_format(content)
    options = ImportOptions(
        today=date.today(),
        as_of=as_of_day(as_of, flag_order or env_order),
        date_order=flag_order,
        env_date_order=env_order,
        mapping=load_mapping(mapping) if mapping else None,
        map_pairs=parse_map_option(map_pairs) if map_pairs else None,
        key=key,
        source=source,
        create_missing=create_missing,
        entity_kinds=dict(parse_assignment("--kind", k) for k in kind or []),
        new_kind=new_kind,
        skip_invalid=skip_invalid,
    )
    flat = bool(mapping or map_pairs or key)
    from ..interchange.importer import delimiter_of
    from ..progress import stage
    from .progress_bar import progress_bar

    with progress_bar() as progress:  # a file of 100,000 lines takes seconds to parse
        stage(progress, f"reading the {chosen.upper()} rows")
        rows = read_source(content, chosen, flat=flat,
                           delimiter=delimiter_of(delimiter) if delimiter else None)  # fmt: skip
    for note in rows.notes:
        info(note)
    if not rows.rows and not rows.errors:
        raise InvalidInput(f"{_name(file)} holds no rows to import")
    store = prepare_store(store_location(ctx, db), dry_run=dry_run)
    if not ctx.meta.get("upgrade announced"):  # a streamed try said it already
        announce_upgrade(store, dry_run=dry_run)
    try:
        with progress_bar() as progress:

            def work(tx: Transaction) -> ImportReport:
                report = import_rows(tx, rows, options, progress)
                stage(progress, "checking references" if dry_run else "writing the store")
                return report

            stage(progress, "reading the store")
            report = store.apply(command_line(ctx), work, dry_run=dry_run)
        announce_created(store)
        ctx.call_on_close(lambda: announce_history(store))  # after the import's own report
    except ImportFailed as exc:
        hints: set[str] = set()
        for error in exc.errors[:MAX_LISTED]:
            say(f"error: {error}")
            if error.hint and error.hint not in hints:  # once: a hundred rows may share one
                hints.add(error.hint)
                say(f"hint: {error.hint}")
        if len(exc.errors) > MAX_LISTED:
            say(f"… and {len(exc.errors) - MAX_LISTED} more")
        raise
    _report_import(report, dry_run)


MAX_LISTED = 50


def _stream_import(
    ctx: typer.Context, db: str | None, file: str, fmt: str | None, skip_invalid: bool
) -> bool:
    """Import a JSON Lines file of records as stored into a SQLite store a line at a time, in
    one transaction (interchange.streaming); False, having written nothing, when the file or the
    store is not for that (the ordinary import then reads the file whole)."""
    from ..interchange.importer import ImportFailed
    from ..interchange.streaming import CheckedLines, NotStreamable, stream_into_sqlite
    from ..progress import stage
    from ..writes import prepare_store
    from .progress_bar import progress_bar

    if file == "-":
        return False
    path = Path(file)
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError:
        return False  # the ordinary import says what is wrong with it
    chosen = fmt or _format_of(file)
    if chosen is None and head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        chosen = "jsonl"
    if chosen != "jsonl":
        return False
    store = prepare_store(store_location(ctx, db))
    if store.engine != "sqlite":
        return False
    announce_upgrade(store)
    ctx.meta["upgrade announced"] = True
    try:
        with progress_bar() as progress:
            stage(progress, "importing records")
            report = stream_into_sqlite(store, lambda: CheckedLines(path),
                                        command=command_line(ctx), skip_invalid=skip_invalid,
                                        progress=progress)  # fmt: skip
    except NotStreamable:
        return False
    except ImportFailed as exc:
        hints: set[str] = set()
        for error in exc.errors[:MAX_LISTED]:
            say(f"error: {error}")
            if error.hint and error.hint not in hints:
                hints.add(error.hint)
                say(f"hint: {error.hint}")
        if len(exc.errors) > MAX_LISTED:
            say(f"… and {len(exc.errors) - MAX_LISTED} more")
        raise
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror or exc}") from None
    ctx.call_on_close(lambda: announce_history(store))
    _report_import(report, False)
    return True


def _name(file: str) -> str:
    return "stdin" if file == "-" else file


def _read_input(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"no file {file!r}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{file} is a directory, not a file to import") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror or exc}") from None


def _format_of(file: str) -> str | None:
    suffix = Path(file).suffix.lower() if file != "-" else ""
    return {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "json"}.get(suffix)  # fmt: skip


def _report_import(report: ImportReport, dry_run: bool) -> None:
    from ..writes import SINGULAR

    create, update = ("would create", "would update") if dry_run else ("created", "updated")
    from datetime import date

    from ..writes import today_note

    note = today_note(report.resolved_against_today, date.today())
    if note:
        info(note)
    if report.ignored_columns:
        plural = "s" if len(report.ignored_columns) > 1 else ""
        info(f"ignored column{plural}: {', '.join(report.ignored_columns)} (no field reads them)")
    for error in report.invalid[:MAX_LISTED]:
        info(f"skipped {error}")
    if len(report.invalid) > MAX_LISTED:
        info(f"… and {len(report.invalid) - MAX_LISTED} more invalid rows skipped")
    for label in report.created[:MAX_LISTED]:
        info(f"{create} {label}")
    for table, record_id, fields in report.updated[:MAX_LISTED]:
        info(f"{update} {SINGULAR[table]} {record_id}: {', '.join(fields)}")
    if len(report.updated) > MAX_LISTED:
        info(f"… and {len(report.updated) - MAX_LISTED} more updated")
    for _table, record_id in report.added:
        sys.stdout.write(record_id + "\n")
    for _table, record_id, _fields in report.updated:
        sys.stdout.write(record_id + "\n")
    info(_summary(report, dry_run))


def _counts(pairs: list[tuple[str, str]]) -> str:
    from collections import Counter

    counts = Counter(table for table, _ in pairs)
    order = ("events", "entities", "sources", "partnerships")
    parts = [f"{counts[t]} {t if counts[t] != 1 else t[:-1].replace('entitie', 'entity')}"
             for t in order if counts[t]]  # fmt: skip
    return ", ".join(parts) if parts else "nothing"


def _summary(report: ImportReport, dry_run: bool) -> str:
    added = _counts(report.added)
    updated = _counts([(t, i) for t, i, _ in report.updated])
    skipped = len(report.unchanged) + report.duplicates + len(report.invalid)
    verb = (
        ("would add", "would update", "would skip") if dry_run else ("added", "updated", "skipped")
    )
    text = f"{verb[0]} {added}; {verb[1]} {updated}; {verb[2]} {skipped}"
    details = []
    if report.unchanged:
        details.append(f"{len(report.unchanged)} unchanged")
    if report.duplicates:
        details.append(f"{report.duplicates} repeated rows")
    if report.invalid:
        details.append(f"{len(report.invalid)} invalid")
    if details:
        text += f" ({', '.join(details)})"
    text += f" — {report.rows} row{'s' if report.rows != 1 else ''} read"
    if dry_run:
        text += "; dry run: nothing was written"
    return text
