"""Write commands: init, add-meeting, add-event, add-entity, add-role, add-source, edit, remove,
merge, history and undo.

Each command parses its options (asking for missing ones only on a terminal), hands them to
`partnerkb.writes` inside one store transaction, prints the id of what it wrote on stdout and a
confirmation on stderr. The core does the work and raises project errors; this module never
catches them (cli/app.py turns them into one line and an exit code).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ..errors import InvalidInput, PartnerkbError
from .common import (
    AsOfOption,
    DateOrderOption,
    DbOption,
    FormatOption,
    announce_created,
    announce_history,
    announce_upgrade,
    as_of_day,
    command_line,
    date_order,
    info,
    interactive,
    no_terminal_reason,
    read_data,
    say,
    store_location,
)

if TYPE_CHECKING:
    from ..store import Transaction
    from ..writes import (
        AnswerCheck,
        EventDraft,
        Outcome,
        Participant,
        SourceRef,
        WriteOptions,
        Writer,
    )

Json = dict[str, Any]


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)
    app.command("add-meeting")(add_meeting_command)
    app.command("add-event")(add_event_command)
    app.command("add-entity")(add_entity_command)
    app.command("add-role")(add_role_command)
    app.command("add-source")(add_source_command)
    app.command("edit")(edit_command)
    app.command("remove")(remove_command)
    app.command("merge")(merge_command)
    app.command("history")(history_command)
    app.command("undo")(undo_command)


def _today() -> date:
    return date.today()


def _new_names(names: list[str] | None) -> frozenset[str]:
    from ..textfold import fold

    return frozenset(fold(name) for name in names or [])


def _write_options(as_of: str | None, order: str | None, **others: Any) -> WriteOptions:
    """The options of a write that reads dates: --as-of and --date-order checked first (before
    any prompt or store), with the others given."""
    from ..writes import WriteOptions

    chosen = date_order(order)
    return WriteOptions(today=_today(), as_of=as_of_day(as_of, chosen), date_order=chosen,
                        **others)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Options shared by the writes
# ---------------------------------------------------------------------------------------------

Multi = list[str] | None
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Show what would be written (JSON on stdout) and write nothing.",
    ),
]
SourceOption = Annotated[
    Multi,
    typer.Option(
        "--source",
        "-s",
        metavar="ID",
        help="A stored source (id or title) the facts come from, or self: your own record "
        "(own record of <user>, entered today; made on first use); repeatable.",
        show_default=False,
    ),
]
SourceUrlOption = Annotated[
    str | None,
    typer.Option("--source-url", metavar="URL", help="URL of a new source.", show_default=False),
]
SourceOutletOption = Annotated[
    str | None,
    typer.Option(
        "--source-outlet",
        metavar="NAME",
        help="Publisher of a new source (e.g. News.az).",
        show_default=False,
    ),
]
SourceTitleOption = Annotated[
    str | None,
    typer.Option(
        "--source-title", metavar="TEXT", help="Title of a new source.", show_default=False
    ),
]
SourceDateOption = Annotated[
    str | None,
    typer.Option(
        "--source-date",
        metavar="DATE",
        help="Publication day of a new source (2024-01-31, 31 January 2024); relative dates "
        "in the write are read against it.",
        show_default=False,
    ),
]
SourceLanguageOption = Annotated[
    str | None,
    typer.Option(
        "--source-language",
        metavar="LANG",
        help="Language of a new source (en).",
        show_default=False,
    ),
]
LocatorOption = Annotated[
    str | None,
    typer.Option(
        "--locator",
        metavar="TEXT",
        help="Where in the source the facts are, in your words (para. 3).",
        show_default=False,
    ),
]
CreateMissingOption = Annotated[
    bool,
    typer.Option(
        "--create-missing",
        help="Record participants, places and organizations that are not in the store yet "
        "(a name that looks like a stored one is refused unless --new NAME).",
    ),
]
NewNameOption = Annotated[
    Multi,
    typer.Option(
        "--new",
        metavar="NAME",
        help="With --create-missing: record NAME as new even though it looks like a stored "
        "name (a typo, a part of it); repeatable.",
        show_default=False,
    ),
]
AllowDuplicateOption = Annotated[
    bool,
    typer.Option("--allow-duplicate", help="Record it even if it looks like a stored record."),
]
NewKindOption = Annotated[
    bool, typer.Option("--new-kind", help="Accept a kind the store has never used.")
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _source_refs(
    source: list[str] | None,
    url: str | None,
    outlet: str | None,
    title: str | None,
    published: str | None,
    language: str | None,
    locator: str | None,
) -> list[SourceRef]:
    from ..writes import NewSource, SourceRef

    refs = [SourceRef(existing=s, locator=locator) for s in source or []]
    if any(v is not None for v in (url, outlet, title, published, language)):
        new = NewSource(outlet=outlet, title=title, published=published, url=url,
                        language=language)  # fmt: skip
        refs.append(SourceRef(new=new, locator=locator))
    return refs


T = TypeVar("T")


def _ask(
    question: str,
    check: Callable[[str], T],
    *,
    default: str | None = None,
    topic: str | None = None,
    names: list[str] | None = None,
) -> T:
    """Ask until the answer passes `check` (the write's own check): a bad answer is refused at
    once, in one line, and asked again; the answers already given are kept. With a `default`
    ("" for an optional answer) an empty answer is taken as it. Line editing, a history per
    `topic` and Tab completion of `names`: `prompts`."""
    from .prompts import ask

    return ask(question, check, default=default, topic=topic, names=names or ())


def _line(question: str, *, default: str | None = None, topic: str | None = None) -> str:
    """One free-text answer (required unless a `default`, "" for an optional one)."""
    return _ask(question, lambda text: text, default=default, topic=topic)


def _answer_check(ctx: typer.Context, db: str | Path | None, options: WriteOptions) -> AnswerCheck:
    """Checks prompt answers against the store the write goes to (if it can be read yet)."""
    from ..writes import AnswerCheck

    try:
        data = read_data(ctx, db)
    except PartnerkbError:  # the write itself reports the store problem
        data = None
    return AnswerCheck(data, options)


def _prompt_source(refs: list[SourceRef], locator: str | None, check: AnswerCheck) -> None:
    from ..writes import NewSource, SourceRef

    existing = _ask("Source: a stored source's id or title, 'self' for your own record, or "
                    "empty to describe a new source", check.source, default="",
                    topic="source")  # fmt: skip
    if existing:
        refs.append(SourceRef(existing=existing, locator=locator))
        return
    new = NewSource(
        outlet=_line("Source outlet (publisher)", topic="source-outlet"),
        title=_line("Source title"),
        published=_ask("Source date (YYYY-MM-DD, empty if unknown)", check.day, default=""),
        url=_line("Source url (empty if none)", default="") or None,
    )  # fmt: skip
    refs.append(SourceRef(new=new, locator=locator))


def _kinds(values: list[str] | None, option: str) -> tuple[dict[str, str], str | None]:
    """--kind person (default for new participants) or --kind "Name=kind" (for one name)."""
    from ..textfold import fold

    by_name: dict[str, str] = {}
    default = None
    for value in values or []:
        name, sep, kind = value.rpartition("=")
        if sep:
            if not name.strip() or not kind.strip():
                raise InvalidInput(f"{option} takes KIND or NAME=KIND, not {value!r}")
            by_name[fold(name)] = kind.strip().lower()
        else:
            default = value.strip().lower() or None
    return by_name, default


def _run(
    ctx: typer.Context,
    db: str | Path | None,
    dry_run: bool,
    options: WriteOptions,
    work: Callable[[Writer], list[Outcome]],
    narrow: bool = False,
) -> list[Outcome]:
    """One write: the store (made on the first write), one transaction, the dry-run preview.
    `narrow`: `work` adds one event (Engine.apply)."""
    from ..writes import Writer, prepare_store, today_note

    store = prepare_store(store_location(ctx, db), dry_run=dry_run)
    announce_upgrade(store, dry_run=dry_run)
    writers: list[Writer] = []

    def run(tx: Transaction) -> list[Outcome]:
        writers.append(Writer(tx, options))  # the last one is the run that was written
        return work(writers[-1])

    outcomes = store.apply(command_line(ctx), run, dry_run=dry_run, narrow=narrow)
    announce_created(store)
    note = today_note(writers[-1].resolved_against_today, options.today) if writers else None
    if note:
        info(note)
    ctx.call_on_close(lambda: announce_history(store))  # after the command's own report
    if dry_run and store.last_transaction is not None:
        _preview(store.last_transaction)
    return outcomes


def _preview(tx: Transaction) -> None:
    """The records a dry run would write, as they would end up."""
    final: dict[str, Json] = {}
    for change in tx.changes:
        entry = final.setdefault(
            change.id,
            {"action": "add" if change.before is None else "change", "table": change.table,
             "id": change.id},
        )  # fmt: skip
        if change.after is None:
            entry["action"] = "remove" if entry["action"] != "add" else "none"
            entry["record"] = change.before
        else:
            entry["record"] = change.after
    from ..writes import counted

    rows = [e for e in final.values() if e["action"] != "none"]
    sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    info(f"dry run: {counted(len(rows), 'record')} would be written; nothing was written")


# what a dry run says each action would be (`Outcome.action` is worded as done)
WOULD = {"added": "would add", "attached": "would add a report to", "changed": "would change",
         "removed": "would remove", "undone": "would undo"}  # fmt: skip


def _report(outcomes: list[Outcome], dry_run: bool, noun: str = "record") -> None:
    from ..writes import SINGULAR, counted

    created = "would create" if dry_run else "created"
    for outcome in outcomes:
        for _table, record_id, label in outcome.created:
            info(f"{created} {label} ({record_id})")
        for note in outcome.notes:
            info(note.text(dry_run))
    if dry_run:  # what the write would do, never worded as done
        for outcome in outcomes:
            thing = f"{SINGULAR.get(outcome.table, outcome.table)} {outcome.id}"
            if outcome.action == "unchanged":
                info(f"would leave {thing} unchanged")
            elif outcome.action != "merged":  # its note says what would merge into what
                info(f"{WOULD.get(outcome.action, 'would write')} {thing}")
        return
    for outcome in outcomes:
        sys.stdout.write(outcome.id + "\n")
    if len(outcomes) == 1:
        outcome = outcomes[0]
        if outcome.action != "undone":  # undo says what it reverted itself
            info(f"{outcome.action} {SINGULAR.get(outcome.table, outcome.table)} {outcome.id}")
    else:
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
        info(", ".join(f"{action} {counted(n, noun)}" for action, n in counts.items()))


# ---------------------------------------------------------------------------------------------
# init
# ---------------------------------------------------------------------------------------------


def init_command(
    ctx: typer.Context,
    with_shipped: Annotated[
        bool,
        typer.Option(
            "--with-shipped", help="Start from a copy of the shipped knowledge base (else empty)."
        ),
    ] = False,
    name: Annotated[
        str,
        typer.Option(
            "--name", metavar="NAME", help="A name for the store, kept in its meta table."
        ),
    ] = "",
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            metavar="json|sqlite",
            help="The store's engine: json (one JSON file, git-friendly) or sqlite (for large "
            "stores). Default: sqlite for a .sqlite, .sqlite3 or .db path, else json.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a store at --db (or $PARTNERKB_DB, or your own store's place), empty or with a copy
    of the shipped knowledge base. Never overwrites an existing store; prints its path. A
    PostgreSQL URL (postgresql://USER@HOST:PORT/DBNAME) creates the store's schema there.

    \b
    Examples (each where no store is yet):
      partnerkb init --db ~/notes/kb.json
      partnerkb init --with-shipped
      partnerkb init --db ~/notes/events.sqlite
      PARTNERKB_DB=kb.json partnerkb init --name "Embassy notes"
    """
    from ..engines import check_engine
    from ..store import user_store_path
    from ..writes import init_store

    chosen = check_engine(engine)
    location = store_location(ctx, db)
    where = user_store_path() if location.origin == "shipped" else location
    store = init_store(where, with_shipped=with_shipped, name=name, engine=chosen)
    sys.stdout.write(f"{store.location.name}\n")
    what = "a copy of the shipped knowledge base" if with_shipped else "an empty store"
    info(f"created {what} at {store.location.name} ({store.engine})")


# ---------------------------------------------------------------------------------------------
# add-meeting, add-event
# ---------------------------------------------------------------------------------------------


def add_meeting_command(
    ctx: typer.Context,
    when: Annotated[
        str | None,
        typer.Option(
            "--date",
            "-d",
            metavar="DATE",
            help='When: "30 January 2024", "2024-01-30", "May 2024", "1-3 May 2024", '
            '"early 2023", "yesterday" (all forms: docs/dates.md). 06/05/2024 needs '
            "--date-order; a year has four digits.",
            show_default=False,
        ),
    ] = None,
    place: Annotated[
        str | None,
        typer.Option(
            "--place",
            "-p",
            metavar="PLACE",
            help="Where (a place's name or id).",
            show_default=False,
        ),
    ] = None,
    participant: Annotated[
        Multi,
        typer.Option(
            "--participant",
            "-w",
            metavar="NAME[:PART]",
            help='Who, by name or id, with an optional part: "Nazim Samadov:guest"; '
            'repeatable. A third field is their title: "Name:guest:Ambassador".',
            show_default=False,
        ),
    ] = None,
    organization: Annotated[
        Multi,
        typer.Option(
            "--organization",
            metavar="NAME",
            help="An organization involved; repeatable.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    topic: Annotated[
        Multi,
        typer.Option(
            "--topic", metavar="TEXT", help="A topic discussed; repeatable.", show_default=False
        ),
    ] = None,
    tag: Annotated[
        Multi, typer.Option("--tag", metavar="TAG", help="A tag; repeatable.", show_default=False)
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            metavar="TEXT",
            help="Title (made from the names and place when left out).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    summary: Annotated[
        str | None,
        typer.Option(
            "--summary",
            metavar="TEXT",
            help="A short summary in your own words.",
            show_default=False,
        ),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="happened, ongoing, planned, requested, postponed or cancelled (default: "
            "happened if the date is before the day of the report, --as-of or the source's "
            "day, else planned; happened or ongoing for a date after that day is refused).",
            show_default=False,
        ),
    ] = None,
    source: SourceOption = None,
    source_url: SourceUrlOption = None,
    source_outlet: SourceOutletOption = None,
    source_title: SourceTitleOption = None,
    source_date: SourceDateOption = None,
    source_language: SourceLanguageOption = None,
    locator: LocatorOption = None,
    attach_to: Annotated[
        str | None,
        typer.Option(
            "--attach-to",
            metavar="ID",
            help="Add this report (source, new participants, topics) to a stored event instead.",
            show_default=False,
        ),
    ] = None,
    fulfils: Annotated[
        str | None,
        typer.Option(
            "--fulfils",
            metavar="PLAN",
            help="The planned event (id or title) this one fulfils: the two are linked both "
            "ways, and `partnerkb plans` reports the plan as fulfilled.",
            show_default=False,
        ),
    ] = None,
    allow_duplicate: AllowDuplicateOption = False,
    create_missing: CreateMissingOption = False,
    new: NewNameOption = None,
    entity_kind: Annotated[
        Multi,
        typer.Option(
            "--entity-kind",
            metavar="KIND|NAME=KIND",
            help="Kind of the participants --create-missing records (person); "
            '"Name=kind" for one of them. Places and organizations need none.',
            show_default=False,
        ),
    ] = None,
    kind: Annotated[
        Multi,
        typer.Option(
            "--kind",
            metavar="KIND|NAME=KIND",
            help="The same as --entity-kind, kept for older scripts: never the kind of the "
            "event (add-meeting records meetings; other kinds: add-event --kind).",
            show_default=False,
        ),
    ] = None,
    new_kind: NewKindOption = False,
    from_json: Annotated[
        str | None,
        typer.Option(
            "--from-json",
            metavar="FILE|-",
            help="Read meetings from a JSON file (- for stdin): one object, an array, or JSON "
            "Lines. All are checked before any is written, in one transaction.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Record a meeting. Prints its id alone on stdout, a confirmation on stderr.

    Names resolve to stored entities by id, name or alias, whatever the case and accents. A
    meeting that matches a stored one (same participants and place, overlapping date) is
    refused with the stored id: --attach-to ID adds your source to it instead.

    On a terminal, missing fields are asked for; in a script they are an error (exit code 2).

    \b
    Examples (--source self: what you know first-hand, cited as your own record):
      partnerkb add-meeting --date yesterday --place Rabat \\
        --participant "Nazim Samadov:guest" --participant "Salim AlMalik:host" \\
        --topic COP29 --source self
      id=$(partnerkb add-meeting --date today --participant icesco \\
        --participant morocco --source self)
      partnerkb add-meeting --date "later this year" --as-of 2024-01-31 \\
        --participant nazim-samadov --participant icesco --source self
      partnerkb add-meeting --from-json meetings.jsonl
      echo '{"date": "May 2024", "participants": ["icesco", "qatar"],' \\
        '"source": "self"}' | partnerkb add-meeting --from-json -

    \b
    JSON fields: date, place, participants (["Name:part"] or
    [{"name", "part", "as"}]), organizations, topics, tags, title, summary,
    status, source or sources (an id, or {"outlet", "title", "published", "url"}
    for a new one), locator, attach_to, fulfils.
    """
    _add_event(ctx, locals(), default_kind="meeting",
               entity_kind_values=[*_entity_kinds_of_kind(kind), *(entity_kind or [])],
               only_meetings=True)  # fmt: skip


def _entity_kinds_of_kind(values: list[str] | None) -> list[str]:
    """add-meeting's --kind, which has always meant the kind of new participants: a value
    that is a kind of event, and no kind of entity, is refused rather than misread."""
    from ..model import ENTITY_KINDS, EVENT_KINDS

    for value in values or []:
        bare = value.strip().lower()
        if "=" not in value and bare in EVENT_KINDS and bare not in ENTITY_KINDS:
            record = (
                "add-meeting records meetings: leave --kind out"
                if bare == "meeting"
                else f"record a {bare} with: partnerkb add-event --kind {bare} (same options)"
            )
            raise InvalidInput(
                f"--kind {value!r}: on add-meeting, --kind is the kind of the participants "
                f"--create-missing records (person, organization...), not of the event",
                hint=f"{record}; for new participants, --entity-kind person",
            )
    return list(values or [])


def add_event_command(
    ctx: typer.Context,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            metavar="KIND",
            help="visit, award, designation, conference, opening, agreement, announcement, "
            "exhibition, launch, request, meeting...",
            show_default=False,
        ),
    ] = None,
    when: Annotated[
        str | None,
        typer.Option(
            "--date",
            "-d",
            metavar="DATE",
            help='When: "2024-01-30", "May 2024", "early 2023", "1-3 May 2024", "later this '
            'year" (all forms: docs/dates.md).',
            show_default=False,
        ),
    ] = None,  # fmt: skip
    place: Annotated[
        str | None,
        typer.Option("--place", "-p", metavar="PLACE", help="Where.", show_default=False),
    ] = None,
    participant: Annotated[
        Multi,
        typer.Option(
            "--participant",
            "-w",
            metavar="NAME[:PART]",
            help='Who, with an optional part ("Name:awarder").',
            show_default=False,
        ),
    ] = None,  # fmt: skip
    organization: Annotated[
        Multi,
        typer.Option(
            "--organization",
            metavar="NAME",
            help="An organization involved.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    topic: Annotated[
        Multi, typer.Option("--topic", metavar="TEXT", help="A topic.", show_default=False)
    ] = None,
    tag: Annotated[
        Multi, typer.Option("--tag", metavar="TAG", help="A tag.", show_default=False)
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="Title.", show_default=False)
    ] = None,
    summary: Annotated[
        str | None, typer.Option("--summary", metavar="TEXT", help="Summary.", show_default=False)
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="happened, ongoing, planned, requested, postponed, cancelled (default: from "
            "the date and the day of the report, as in add-meeting).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    source: SourceOption = None,
    source_url: SourceUrlOption = None,
    source_outlet: SourceOutletOption = None,
    source_title: SourceTitleOption = None,
    source_date: SourceDateOption = None,
    source_language: SourceLanguageOption = None,
    locator: LocatorOption = None,
    attach_to: Annotated[
        str | None,
        typer.Option(
            "--attach-to",
            metavar="ID",
            help="Add this report to a stored event instead.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    fulfils: Annotated[
        str | None,
        typer.Option(
            "--fulfils",
            metavar="PLAN",
            help="The planned event (id or title) this one fulfils: the two are linked both "
            "ways, and `partnerkb plans` reports the plan as fulfilled.",
            show_default=False,
        ),
    ] = None,
    allow_duplicate: AllowDuplicateOption = False,
    create_missing: CreateMissingOption = False,
    new: NewNameOption = None,
    entity_kind: Annotated[
        Multi,
        typer.Option(
            "--entity-kind",
            metavar="KIND|NAME=KIND",
            help='Kind of participants --create-missing records; "Name=kind" for one.',
            show_default=False,
        ),
    ] = None,
    new_kind: NewKindOption = False,
    from_json: Annotated[
        str | None,
        typer.Option(
            "--from-json",
            metavar="FILE|-",
            help="Read events from JSON (each with its kind); - for stdin.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Record an event of any kind: a visit, an award, a designation, a conference... Same
    options and JSON fields as add-meeting, plus --kind.

    \b
    Examples (a name two people share takes an id: anar-karimov-minister):
      partnerkb add-event --kind award --date "last week" --place Baku \\
        --participant anar-karimov-minister:awarder \\
        --participant AlMalik:recipient \\
        --title "An award for ICESCO's Director-General" --source self
      partnerkb add-event --kind visit --date "March 2025" \\
        --participant AlMalik --place Shusha \\
        --source-outlet Azertac --source-title "The article's headline" \\
        --source-date 2025-03-20 --source-url https://example.org/news/visit
      partnerkb add-event --kind conference --date "1-3 May 2025" --place Baku \\
        --organization icesco --status happened \\
        --fulfils world-forum-intercultural-dialogue-baku --source self
    """
    values = dict(locals())
    values["kind"] = None
    _add_event(ctx, values, default_kind=kind, entity_kind_values=entity_kind)


def _add_event(
    ctx: typer.Context,
    given: Json,
    default_kind: str | None,
    entity_kind_values: list[str] | None,
    only_meetings: bool = False,
) -> None:
    from ..writes import (
        MISSING_HINTS,
        EventDraft,
        event_draft_from_json,
        missing_fields,
        parse_participant,
    )

    by_name, default_entity_kind = _kinds(entity_kind_values, "--entity-kind")
    if entity_kind_values and not given["create_missing"]:
        option = "--kind" if given.get("kind") else "--entity-kind"  # add-meeting's old name
        raise InvalidInput(
            f"{option} only says what --create-missing records; without it, it does nothing",
            hint=f"add --create-missing to record the names that are not in the store, or leave "
            f"{option} out",
        )
    options = _write_options(
        given["as_of"],
        given["order"],
        create_missing=given["create_missing"],
        refuse_near_names=True,
        new_names=_new_names(given["new"]),
        entity_kinds=by_name,
        default_entity_kind=default_entity_kind,
        allow_duplicate=given["allow_duplicate"],
        new_kind=given["new_kind"],
    )
    flags = ("when", "place", "participant", "organization", "topic", "tag", "title", "summary",
             "status", "source", "source_url", "source_outlet", "source_title", "source_date",
             "source_language", "locator", "attach_to", "fulfils")  # fmt: skip
    if given["from_json"] is not None:
        clash = [f for f in flags if given.get(f) not in (None, [], ())]
        if clash:
            option = "--" + ("date" if clash[0] == "when" else clash[0].replace("_", "-"))
            raise InvalidInput(
                f"{option} cannot be combined with --from-json",
                hint="put it in each JSON object instead",
            )
        drafts = [
            event_draft_from_json(item, where, default_kind)
            for where, item in _read_json(given["from_json"])
        ]
    else:
        if default_kind is None:
            if not interactive():
                raise InvalidInput("--kind is required", hint="e.g. --kind visit")
            check = _answer_check(ctx, given["db"], options)
            default_kind = _ask_kind("Kind of event (visit, award, conference...)", "events",
                                     check, options)  # fmt: skip
        refs = _source_refs(given["source"], given["source_url"], given["source_outlet"],
                            given["source_title"], given["source_date"],
                            given["source_language"], given["locator"])  # fmt: skip
        draft = EventDraft(
            kind=default_kind or "",
            date=given["when"],
            place=given["place"],
            participants=[parse_participant(p) for p in given["participant"] or []],
            organizations=given["organization"] or [],
            topics=given["topic"] or [],
            tags=given["tag"] or [],
            title=given["title"],
            summary=given["summary"],
            status=given["status"],
            sources=refs,
            attach_to=given["attach_to"],
            fulfils=given["fulfils"],
        )
        if interactive():
            check = _answer_check(ctx, given["db"], options)
            _ask_missing(draft, given["locator"], check, options)
            if options.create_missing:
                _ask_kinds(ctx, given["db"], draft, options, check)
        drafts = [draft]
    if not drafts:
        raise InvalidInput("--from-json: the input holds no event")
    for draft in drafts:
        prefix = f"{draft.where}: " if draft.where else ""
        if only_meetings and draft.kind != "meeting":
            raise InvalidInput(
                f"{prefix}kind: add-meeting records meetings, not {draft.kind!r}",
                hint="record other kinds with partnerkb add-event",
            )
        missing = missing_fields(draft)
        if missing:  # fail before the store is even read
            raise InvalidInput(f"{prefix}{missing[0]} is required", hint=MISSING_HINTS[missing[0]])

    from ..progress import stage, tracked
    from .progress_bar import progress_bar

    with progress_bar() as progress:

        def record(writer: Writer) -> list[Outcome]:
            outcomes = [writer.add_event(d)
                        for d in tracked(drafts, progress, "recording events")]  # fmt: skip
            stage(progress, "checking references" if given["dry_run"] else "writing the store")
            return outcomes

        stage(progress, "reading the store")
        # one new event: a database made for many writers may record it beside other writes
        one_new = len(drafts) == 1 and not (drafts[0].attach_to or drafts[0].fulfils)
        outcomes = _run(ctx, given["db"], given["dry_run"], options, record, narrow=one_new)
    noun = "meeting" if default_kind == "meeting" else "event"
    _report(outcomes, given["dry_run"], noun)


def _ask_missing(
    draft: EventDraft, locator: str | None, check: AnswerCheck, options: WriteOptions
) -> None:
    """Ask for what the draft lacks, each answer checked as it is given."""
    from ..writes import missing_fields

    missing = missing_fields(draft)
    if not missing:
        return
    say(
        "Some details are missing; answer below (Ctrl-C stops; nothing is written before the end)."
    )
    if "date" in missing:
        draft.date = _ask('Date (e.g. "30 Jan 2024", "May 2024", "yesterday")', check.date,
                          topic="date")  # fmt: skip
    if "participant" in missing:
        draft.participants = _ask_participants(check, options)
    if draft.place is None and not draft.attach_to:
        while draft.place is None:
            text = _line("Place (empty if unknown; Tab completes a stored name)", default="",
                         topic="place")  # fmt: skip
            if not text:
                break
            draft.place = _settle(text, "place", "place", check, options)
    if "source" in missing:
        _prompt_source(draft.sources, locator, check)


def _ask_kind(
    question: str,
    table: str,
    check: AnswerCheck,
    options: WriteOptions,
    *,
    default: str | None = None,
) -> str:
    """A kind, checked; one the store has never used is introduced when the person says so
    (the prompt's --new-kind), else asked again."""
    from .prompts import confirm

    noun = "event" if table == "events" else "entity"

    def take(text: str) -> str:
        word = check.new_kind(text, table)
        if word is None:
            return check.kind(text, table)
        if confirm(f"{word!r} is a kind the store has never used. Introduce it as a new "
                   f"{noun} kind?", default=False):  # fmt: skip
            options.new_kinds = options.new_kinds | {word}
            return word
        try:
            return check.kind(text, table)
        except InvalidInput as exc:  # its hint names --new-kind: not for a prompt
            hint = (exc.hint or "").split("; add --new-kind")[0]
            raise InvalidInput(exc.message, hint=hint) from None

    return _ask(question, take, default=default, topic=f"{noun}-kind")


def _ask_participants(check: AnswerCheck, options: WriteOptions) -> list[Participant]:
    """Participants typed on one line, separated by ',' or ';' ('Name:part' each), every name
    settled (a namesake chosen, a new name recorded if wanted), the list confirmed; asked
    again until it is."""
    from ..render import safe_text
    from .prompts import confirm

    names = check.names()
    while True:
        text = _ask("Participants (names or ids separated by ',' or ';', each with an optional "
                    "':part'; Tab completes a stored name)", check.split_participants,
                    topic="participants", names=names)  # fmt: skip
        settled: list[tuple[Participant, str]] = []
        for participant in text:
            found = _settle(participant.name, "participants", "person", check, options)
            if found is None:
                break
            settled.append((participant, found))
        else:
            say(f"{len(settled)} participant{'s' if len(settled) != 1 else ''}:")
            for participant, found in settled:
                what = check.label(found) if check.is_stored(found) else f"{found} (new)"
                extra = "".join(f", {x}" for x in (participant.part, participant.as_title) if x)
                say(f"  - {safe_text(what)}{safe_text(extra)}")
            if confirm("Is that right?", default=True):
                for participant, found in settled:
                    participant.name = found
                return [participant for participant, _ in settled]
        say("Type the participants again.")


def _settle(
    name: str, slot: str, kind: str, check: AnswerCheck, options: WriteOptions
) -> str | None:
    """The stored entity a name typed at a prompt designates (its id), a namesake chosen, or
    the name itself when the person agrees to record it as new (asked its kind, `kind` by
    default); None when they would rather type it again."""
    from ..textfold import fold
    from .prompts import choose, confirm

    found = check.look_up(name, slot)
    if found.id is not None:
        return found.id
    if found.candidates:
        say(f"{name!r} names {len(found.candidates)} entities:")
        picked = choose("Which one?", [check.label(c) for c in found.candidates])
        return found.candidates[picked]
    others = [check.label(i) for i in found.suggestions]
    if others:
        say(f"{name!r} is not in the store; it looks like:")
        picked = choose("Which one?", [*others, f"a new entity named {name!r}",
                                       "none of these: type it again"])  # fmt: skip
        if picked < len(others):
            return found.suggestions[picked]
        if picked > len(others):
            return None
    elif not options.create_missing and not confirm(
        f"{name!r} is not in the store. Record it as a new entity?", default=True
    ):
        return None
    key = fold(name)
    if key not in options.entity_kinds:
        options.entity_kinds[key] = _ask_kind(f"What is {name!r}? (person, organization, "
                                              "country, place...)", "entities", check, options,
                                              default=kind)  # fmt: skip
    options.create_names = options.create_names | {key}
    options.new_names = options.new_names | {key}
    return name


def _ask_kinds(
    ctx: typer.Context,
    db: str | Path | None,
    draft: EventDraft,
    options: WriteOptions,
    check: AnswerCheck,
) -> None:
    from ..textfold import fold
    from ..writes import unresolved_participants

    try:
        data = read_data(ctx, db)
    except PartnerkbError:  # the write itself reports the store problem
        return
    for name in unresolved_participants(data, draft, options):
        kind = _ask_kind(f"{name!r} is not in the store; what is it?", "entities", check,
                         options, default="person")  # fmt: skip
        options.entity_kinds[fold(name)] = kind


def _read_json(source: str) -> list[tuple[str, Any]]:
    from ..jsonbatch import read_json_batch

    if source == "-":
        content = sys.stdin.buffer.read()
    else:
        try:
            content = Path(source).expanduser().read_bytes()
        except OSError as exc:
            raise InvalidInput(
                f"--from-json: cannot read {source}: {exc.strerror or exc}"
            ) from None
    return read_json_batch(content)


# ---------------------------------------------------------------------------------------------
# add-entity, add-role, add-source
# ---------------------------------------------------------------------------------------------


def add_entity_command(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="The entity's name.", show_default=False)
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            metavar="KIND",
            help="person, organization, country, place...",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    alias: Annotated[
        Multi,
        typer.Option(
            "--alias",
            "-a",
            metavar="NAME",
            help="Another spelling or name; repeatable.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    description: Annotated[
        str | None,
        typer.Option(
            "--description", metavar="TEXT", help="A short description.", show_default=False
        ),
    ] = None,
    tag: Annotated[
        Multi, typer.Option("--tag", metavar="TAG", help="A tag; repeatable.", show_default=False)
    ] = None,
    record_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            metavar="ID",
            help="The id to give it (default: from the name).",
            show_default=False,
        ),
    ] = None,
    located_in: Annotated[
        str | None,
        typer.Option(
            "--located-in",
            metavar="PLACE",
            help="For places: the place or country it is in.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    external_id: Annotated[
        Multi,
        typer.Option(
            "--external-id",
            metavar="KEY=VALUE",
            help="KEY=VALUE, e.g. wikidata=Q3551; repeatable.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    role_title: Annotated[
        str | None,
        typer.Option(
            "--role-title",
            metavar="TEXT",
            help="For people: a post held (Ambassador to Morocco).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    role_organization: Annotated[
        str | None,
        typer.Option(
            "--role-organization",
            metavar="NAME",
            help="The organization of that post.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    role_from: Annotated[
        str | None,
        typer.Option(
            "--role-from",
            metavar="DATE",
            help="Since when (any form of docs/dates.md).",
            show_default=False,
        ),
    ] = None,
    role_until: Annotated[
        str | None,
        typer.Option(
            "--role-until",
            metavar="DATE",
            help="Until when (any form of docs/dates.md).",
            show_default=False,
        ),
    ] = None,
    source: SourceOption = None,
    source_url: SourceUrlOption = None,
    source_outlet: SourceOutletOption = None,
    source_title: SourceTitleOption = None,
    source_date: SourceDateOption = None,
    source_language: SourceLanguageOption = None,
    locator: LocatorOption = None,
    allow_duplicate: AllowDuplicateOption = False,
    create_missing: CreateMissingOption = False,
    new: NewNameOption = None,
    new_kind: NewKindOption = False,
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Record an entity: a person, an organization, a country, a place. Prints its id.

    An entity whose name or alias is already stored with the same kind is refused; two people
    who share a name are kept apart with --allow-duplicate (and --id).

    \b
    Examples:
      partnerkb add-entity "Jane Doe" --kind person --alias "J. Doe" \\
        --role-title "Cultural attaché" --role-organization morocco --source self
      partnerkb add-entity Ganja --kind place --located-in Azerbaijan \\
        --source self
    """
    from ..writes import EntityDraft, RoleDraft, parse_assignment

    options = _write_options(as_of, order, create_missing=create_missing,
                             refuse_near_names=True, new_names=_new_names(new),
                             allow_duplicate=allow_duplicate,
                             new_kind=new_kind)  # fmt: skip
    if name is None or kind is None:
        if not interactive():
            missing = "NAME" if name is None else "--kind"
            raise InvalidInput(f"{missing} is required", hint="see: partnerkb add-entity --help")
    refs = _source_refs(source, source_url, source_outlet, source_title, source_date,
                        source_language, locator)  # fmt: skip
    if interactive() and (name is None or kind is None or not refs):
        check = _answer_check(ctx, db, options)
        name = name or _line("Name")
        kind = kind or _ask_kind("Kind (person, organization, country, place)", "entities",
                                 check, options)  # fmt: skip
        if not refs:
            _prompt_source(refs, locator, check)
    role = None
    if role_title or role_organization or role_from or role_until:
        if not role_title:
            raise InvalidInput("--role-title is required to record a role")
        role = RoleDraft(role_title, role_organization, role_from, role_until)
    externals = dict(parse_assignment("--external-id", v) for v in external_id or [])
    draft = EntityDraft(name=name, kind=kind, aliases=alias or [], description=description,
                        tags=tag or [], record_id=record_id, located_in=located_in,
                        external_ids=externals, role=role, sources=refs)  # fmt: skip
    outcomes = _run(ctx, db, dry_run, options, lambda w: [w.add_entity(draft)])
    _report(outcomes, dry_run)


def add_role_command(
    ctx: typer.Context,
    person: Annotated[
        str, typer.Argument(metavar="PERSON", help="The person (id, name or alias).")
    ],
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            "-t",
            metavar="TEXT",
            help="The post (Minister of Culture).",
            show_default=False,
        ),
    ] = None,
    organization: Annotated[
        str | None,
        typer.Option(
            "--organization", metavar="NAME", help="Where the post is held.", show_default=False
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="DATE", help="Since when (docs/dates.md).", show_default=False
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--until", metavar="DATE", help="Until when (docs/dates.md).", show_default=False
        ),
    ] = None,
    source: SourceOption = None,
    source_url: SourceUrlOption = None,
    source_outlet: SourceOutletOption = None,
    source_title: SourceTitleOption = None,
    source_date: SourceDateOption = None,
    source_language: SourceLanguageOption = None,
    locator: LocatorOption = None,
    create_missing: CreateMissingOption = False,
    new: NewNameOption = None,
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Record a post a person holds or held. The same post cited again gains the new source.

    Without --from/--until the role is shown as "last cited <date of the source>", never as
    current.

    \b
    Examples:
      partnerkb add-role anar-karimov-minister --title "Minister of Culture" \\
        --organization azerbaijan --source icesco-2022-11-21-shusha-medal
      partnerkb add-role "Nazim Samadov" --title "Honorary member" \\
        --organization icesco --from 2025 --source self
    """
    from ..writes import RoleDraft

    options = _write_options(as_of, order, create_missing=create_missing,
                             refuse_near_names=True, new_names=_new_names(new))  # fmt: skip
    if not title:
        if not interactive():
            raise InvalidInput("--title is required", hint='e.g. --title "Minister of Culture"')
        title = _line("Title of the post", topic="role-title")
    refs = _source_refs(source, source_url, source_outlet, source_title, source_date,
                        source_language, locator)  # fmt: skip
    if not refs and interactive():
        _prompt_source(refs, locator, _answer_check(ctx, db, options))
    role = RoleDraft(title, organization, start, end)
    outcomes = _run(ctx, db, dry_run, options, lambda w: [w.add_role(person, role, refs)])
    _report(outcomes, dry_run)


def add_source_command(
    ctx: typer.Context,
    outlet: Annotated[
        str | None,
        typer.Option("--outlet", metavar="NAME", help="Publisher (News.az).", show_default=False),
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="Title.", show_default=False)
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="DATE", help="Publication day (2024-01-31).", show_default=False
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", metavar="URL", help="URL.", show_default=False)
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", metavar="LANG", help="Language (en).", show_default=False),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option("--note", metavar="TEXT", help="A note about the source.", show_default=False),
    ] = None,
    record_id: Annotated[
        str | None,
        typer.Option("--id", metavar="ID", help="The id to give it.", show_default=False),
    ] = None,
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Record a source (an article, a report). Prints its id, to cite with --source.

    A source with the same url, or the same outlet, title and day, is refused with its id.

    \b
    Examples:
      partnerkb add-source --outlet Azertac --date 2024-05-12 --language en \\
        --title "The article's headline" --url https://example.org/news/shusha
    """
    from ..writes import NewSource

    options = _write_options(as_of, order)
    if (not outlet or not title) and interactive():
        outlet = outlet or _line("Outlet (publisher)", topic="source-outlet")
        title = title or _line("Title")
    new = NewSource(outlet=outlet, title=title, published=published, url=url,
                    language=language, note=note)  # fmt: skip
    outcomes = _run(ctx, db, dry_run, options, lambda w: [w.add_source(new, record_id)])
    _report(outcomes, dry_run)


# ---------------------------------------------------------------------------------------------
# edit, remove, merge
# ---------------------------------------------------------------------------------------------


def edit_command(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="ID", help="The record to change.")],
    set_: Annotated[
        Multi,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="FIELD=VALUE; repeatable. An empty VALUE clears the field.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    add: Annotated[
        Multi,
        typer.Option(
            "--add",
            metavar="FIELD=ITEM",
            help="FIELD=ITEM: add an item to a list (aliases, topics...).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    remove: Annotated[
        Multi,
        typer.Option(
            "--remove",
            metavar="FIELD=ITEM",
            help="FIELD=ITEM: remove an item from a list.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    source: Annotated[
        Multi,
        typer.Option(
            "--source",
            "-s",
            metavar="ID",
            help="The stored source (id or title) that reports a change of status, or self "
            "(your own record); required with --set status=..., repeatable.",
            show_default=False,
        ),
    ] = None,
    locator: LocatorOption = None,
    new_kind: NewKindOption = False,
    as_of: AsOfOption = None,
    order: DateOrderOption = None,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Change fields of a record; every value is checked as when it was added. Ids never change.

    Dates take fuzzy input; places, participants and organizations take names or ids; a list
    takes --add/--remove one item, or --set a JSON list. Roles are roles.N.FIELD (from 1).
    A new status is a new fact: it cites the source that reports it (--source).

    \b
    Examples:
      partnerkb edit 2024-01-30-samadov-almalik-rabat \\
        --set summary="Our own words."
      partnerkb edit world-forum-intercultural-dialogue-baku \\
        --set status=postponed --source self
      partnerkb edit nazim-samadov --add aliases="N. Samadov" --add tags=diplomat
      partnerkb edit 2024-01-30-samadov-almalik-rabat --add tags=cop29
      partnerkb edit nazim-samadov \\
        --set roles.1.title="Ambassador to the Kingdom of Morocco" --dry-run
    """
    options = _write_options(as_of, order, new_kind=new_kind)
    refs = _source_refs(source, None, None, None, None, None, locator)
    outcomes = _run(ctx, db, dry_run, options,
                    lambda w: [w.edit(record, set_ or [], add or [], remove or [],
                                      refs)])  # fmt: skip
    _report(outcomes, dry_run)


def _confirm(question: str, yes: bool, command: str, declined: str) -> None:
    """Ask on a terminal (--yes skips it); "no" ends the command with `declined` on stderr
    and exit code 4, nothing changed."""
    if yes:
        return
    if not interactive():
        raise InvalidInput(
            f"{command} asks for confirmation, and {no_terminal_reason()}",
            hint="add --yes to confirm",
        )
    from .prompts import confirm

    if not confirm(question):
        from ..errors import Declined

        raise Declined(declined)


def remove_command(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="ID", help="The record to remove.")],
    cascade: Annotated[
        bool,
        typer.Option("--cascade", help="Also drop the references other records make to it."),
    ] = False,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Remove a record. Refused while other records refer to it, unless --cascade. Asks first on
    a terminal; --yes in scripts. `partnerkb undo` brings it back.

    \b
    Examples:
      partnerkb remove doha --cascade --dry-run
      partnerkb remove 2024-05-11-azerbaijan --yes
    """
    from ..writes import SINGULAR, WriteOptions, Writer, counted, prepare_store

    options = WriteOptions(today=_today())
    if not dry_run:
        # everything that would refuse the removal (no such record, references) is said
        # before the question, by a trial run of the removal itself that writes nothing
        trial = prepare_store(store_location(ctx, db), dry_run=True)
        with trial.transaction(command_line(ctx), dry_run=True) as tx:
            removed = Writer(tx, options).remove(record, cascade=cascade)
            referring = {change.id for change in tx.changes} - {removed.id}
        extra = (f" and drop the references of {counted(len(referring), 'record')} to it"
                 if referring else "")  # fmt: skip
        info(f"will remove {SINGULAR[removed.table]} {removed.id}{extra}")
        _confirm("Remove it?", yes, "remove", f"not removed: {removed.id} is unchanged")
    outcomes = _run(ctx, db, dry_run, options, lambda w: [w.remove(record, cascade=cascade)])
    _report(outcomes, dry_run)


def merge_command(
    ctx: typer.Context,
    record: Annotated[str, typer.Argument(metavar="ID", help="The entity that goes away.")],
    into: Annotated[str, typer.Argument(metavar="INTO-ID", help="The entity that stays.")],
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Merge two entities that turn out to be the same: every reference to ID now points at
    INTO-ID; ID's name and aliases become aliases of INTO-ID; roles and sources are joined.
    Prints INTO-ID. `partnerkb undo` splits them again.

    \b
    Examples (a person recorded twice by mistake, then merged):
      partnerkb add-entity "S. M. AlMalik" --kind person --source self
      partnerkb merge s-m-almalik salim-almalik
    """
    from ..writes import WriteOptions

    options = WriteOptions(today=_today())
    outcomes = _run(ctx, db, dry_run, options, lambda w: [w.merge(record, into)])
    _report(outcomes, dry_run)


# ---------------------------------------------------------------------------------------------
# history, undo
# ---------------------------------------------------------------------------------------------


def history_command(
    ctx: typer.Context,
    record: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]",
            help="Only the commands that changed this record (or one history entry, h-000001).",
            show_default=False,
        ),
    ] = None,  # fmt: skip
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            metavar="N",
            min=1,
            help="At most this many entries.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = None,
    db: DbOption = None,
) -> None:
    """The log of writes, newest first: when, which command, what it changed. Exit code 1 when
    there is none. An undone command leaves no trace here: `undo` removes its entry and adds
    none, and the next write may be given its id again.

    \b
    Examples:
      partnerkb history
      partnerkb history nazim-samadov
      partnerkb history --format json | jq '.[0].changes'
    """
    from ..render import Column, choose_format, emit
    from ..writes import history_rows

    data = _open_data(ctx, db)
    rows = history_rows(data, record)
    if limit:
        rows = rows[:limit]
    columns = [
        Column("id", lambda r: r["id"], style="dim"),
        Column("at", lambda r: r["at"], style="cyan"),
        Column("command", lambda r: r["command"], max_width=50),
        Column("changes", lambda r: r["display"]["changes"], max_width=60),
        Column("status", lambda r: r["display"]["status"]),
    ]
    emit(rows, columns, choose_format(fmt), title="History")


def _shared_store_writer(ctx: typer.Context, db: str | Path | None) -> dict[str, Any] | None:
    """Who the caller is on a store shared by a team (PostgreSQL: user and database role), whose
    own last command a bare `undo` reverts; None for a store file."""
    from ..engines import open_engine

    location = store_location(ctx, db)
    if location.url is None:
        return None
    return open_engine(location).writer()  # type: ignore[attr-defined, no-any-return]


def _open_data(ctx: typer.Context, db: str | Path | None) -> Any:

    return read_data(ctx, db)


def undo_command(
    ctx: typer.Context,
    entry_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[HISTORY-ID]",
            help="The command to revert (h-000012, as each write says on stderr and history "
            "lists). Default: the last command not yet undone, whoever wrote it (on a "
            "PostgreSQL store shared by a team: your own last command).",
            show_default=False,
        ),
    ] = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    db: DbOption = None,
) -> None:
    """Revert one whole command (a batch or a merge included), after showing what it reverts
    and who wrote it. Removed records come back exactly as they were.

    Each write says its history id on stderr; `undo HISTORY-ID` reverts that command, refused
    while a later command changed the same records. A bare `undo` reverts the store's last
    command: with several people or scripts writing, that may not be yours, so on a terminal
    it asks even with --yes when it is not. On a PostgreSQL store, shared by a team, a bare
    `undo` reverts your own last command (same user and database role), never another's.
    Asks first on a terminal; --yes in scripts. Prints the id of the history entry undone.

    An undo leaves no trace: the command's history entry is removed and none is added, so
    after undoing the last command the store file is byte-identical to what it was before it,
    and the next write may be given the same history id. What was undone (id, time, user,
    command line) is said on stderr only.

    \b
    Examples:
      partnerkb undo
      partnerkb undo --yes
      partnerkb undo h-000014 --yes
    """
    from ..writes import (
        WriteOptions,
        describe_changes,
        history_entry,
        is_callers,
        last_undoable,
        newest_first,
        same_entry,
        written_by,
    )

    data = _open_data(ctx, db)
    writer = _shared_store_writer(ctx, db) if entry_id is None else None
    entry = history_entry(data, entry_id) if entry_id else last_undoable(data, writer)
    info(f"undo {entry['id']}, written {entry['at']} by {written_by(entry)}: {entry['command']}")
    for line in describe_changes(entry, undo=True):
        info(f"  {'would' if dry_run else 'will'} {line}")
    if not dry_run:
        declined = f"not undone: {entry['id']} stays"
        if entry_id is None and not is_callers(entry) and interactive():
            # --yes was for your own commands: someone else's is asked about on a terminal
            _confirm("This is not your command. Undo it anyway?", False, "undo", declined)
        else:
            _confirm("Undo it?", yes, "undo", declined)
    options = WriteOptions(today=_today())
    newest = next(newest_first(data), None)  # read before the write changes the store
    latest = newest is not None and same_entry(newest, entry)
    shown = entry["id"]
    chosen = shown if writer is not None else (entry_id and shown)  # yours, not the last
    outcomes = _run(ctx, db, dry_run, options,
                    lambda w: [w.undo(chosen, expected=entry)])  # fmt: skip
    _report(outcomes, dry_run)
    if not dry_run:
        # the history keeps no trace of an undo: these lines are the only record of what it did
        info(f"undone: {entry['id']}, written {entry['at']} by {written_by(entry)}: "
             f"{entry['command']}")
        info(f"its history entry is removed and the undo adds none: the store is as before that "
             f"command{f' (the next write may be numbered {shown} again)' if latest else ''}")
