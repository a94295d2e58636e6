"""What every command shares: option types, opening the store, and reporting on stderr."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InvalidInput, PartnerkbError

if TYPE_CHECKING:  # the core is imported by the commands that use it, not at start-up
    from ..engines import Engine
    from ..queries import EventFilter, KnowledgeBase
    from ..store import StoreData, StoreLocation

FORMAT_HELP = (
    "Output format: table, json, jsonl, csv or tsv. Default: table on a terminal, tsv when piped."
)
DB_HELP = (
    "Store file to use, or a PostgreSQL URL postgresql://USER@HOST:PORT/DBNAME (also "
    "$PARTNERKB_DB). Default: your own store, else the shipped one."
)
FORMATS = ("table", "json", "jsonl", "csv", "tsv")


def choice(allowed: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """A --format style option's check: one of `allowed`, any case."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in allowed:
            import difflib

            close = difflib.get_close_matches(lowered, allowed, n=2, cutoff=0.5)
            guess = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}{guess}")
        return lowered

    return check


FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=FORMAT_HELP,
        callback=choice(FORMATS),
        show_default=False,
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", metavar="PATH", help=DB_HELP, show_default=False),
]


# The event filters shared by timeline, search and export.
EntityFilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--entity",
        "-e",
        metavar="ID-OR-NAME",
        help="Events involving this entity (id or name); repeat to require several.",
        show_default=False,
    ),
]
KindFilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        "-k",
        metavar="KIND",
        help="Only events of this kind (meeting, visit...); repeatable.",
        show_default=False,
    ),
]
TagFilterOption = Annotated[
    list[str] | None,
    typer.Option("--tag", metavar="TAG", help="Only events with this tag.", show_default=False),
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        metavar="DATE",
        help='Events that end on or after this date: "2023", "May 2024", "2024-01-30", '
        '"last year" (forms: docs/dates.md).',
        show_default=False,
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option(
        metavar="DATE", help="Events that start on or before this date.", show_default=False
    ),
]
SourceFilterOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        metavar="ID",
        help="Only what was recorded from this source (id or title): the records citing it.",
        show_default=False,
    ),
]
DATE_ORDER_HELP = (
    "How to read all-numeric dates such as 06/05/2024: dmy (6 May) or mdy (June 5); without "
    "it they are refused (also $PARTNERKB_DATE_ORDER). A four-digit year first is always "
    "year-month-day."
)
DateOrderOption = Annotated[
    str | None,
    typer.Option("--date-order", metavar="dmy|mdy", help=DATE_ORDER_HELP, show_default=False),
]
AS_OF_HELP = (
    'The day of the report being recorded (e.g. 2024-01-31): relative dates ("later this '
    'year", "on Tuesday") and the default status follow it. Default: the cited source\'s '
    "publication day, else today."
)
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE", help=AS_OF_HELP, show_default=False),
]
# What every listing takes: how many rows, in which direction, and whether a long table is paged.
LimitOption = Annotated[
    int | None,
    typer.Option(
        "--limit",
        "-n",
        metavar="N",
        min=1,
        help="At most N rows (the first N, or with --reverse the last N).",
        show_default=False,
    ),
]
ReverseOption = Annotated[
    bool, typer.Option("--reverse", help="Reverse the order (newest events first).")
]
NoPagerOption = Annotated[
    bool,
    typer.Option(
        "--no-pager",
        help="Never page a long table (on a terminal it goes through $PAGER, default less -FRX).",
    ),
]


def page_setting(no_pager: bool) -> None:
    """Apply --no-pager (the command's; the global one is applied by the app)."""
    if no_pager:
        from ..render import set_paging

        set_paging(False)


def limit_rows(rows: Sequence[Any], limit: int | None, reverse: bool) -> Sequence[Any]:
    """--reverse then --limit, saying on stderr how many were left out. A lazy sequence
    (`queries.timeline_events` on SQLite and PostgreSQL) stays lazy: it reads only the rows
    kept (`engines.sqlite.EventWindow`)."""
    if reverse:
        rows = rows[::-1]
    if limit is not None:
        kept = rows[:limit]  # first: a lazy sequence cuts and counts in one query
        if len(rows) > limit:
            info(f"showing {limit} of {len(rows)}; --limit shows more")
            rows = kept
    return rows


PlannedOption = Annotated[
    bool, typer.Option("--planned", help="Only planned, requested or postponed events.")
]
HappenedOption = Annotated[bool, typer.Option("--happened", help="Only events that happened.")]


# The stores this command opened: if it fails on a record, the exit point looks for damage there.
STORES_USED: list[Path | str] = []  # files, or PostgreSQL URLs


def store_location(ctx: typer.Context, db: str | Path | None) -> StoreLocation:
    """The command's --db, else the global --db, else $PARTNERKB_DB, user store, shipped store."""
    chosen = db or (ctx.find_root().obj or {}).get("db")
    from ..store import locate_store

    location = locate_store(chosen)
    STORES_USED.append(location.path if location.url is None else location.url)
    return location


def open_store(ctx: typer.Context, db: str | Path | None) -> Engine:
    """The store the command uses, in its engine (JSON or SQLite)."""
    from ..engines import open_engine

    return open_engine(store_location(ctx, db))


def read_data(ctx: typer.Context, db: str | Path | None) -> StoreData:
    """The command's store as its engine reads it (a SQLite store loads only what is used)."""
    return open_store(ctx, db).read()


def open_kb(ctx: typer.Context, db: str | Path | None) -> KnowledgeBase:
    from ..queries import KnowledgeBase

    return KnowledgeBase(open_store(ctx, db).read())


# How this run talks to the person at the terminal: set once per run from the global options
# --quiet and --no-input (or $PARTNERKB_QUIET, $PARTNERKB_NO_INPUT).
_SESSION = {"quiet": False, "no_input": False}


def set_session(*, quiet: bool, no_input: bool) -> None:
    """--quiet: informational messages (and progress bars) are not written; errors are.
    --no-input: nothing is ever asked; what would be asked is an error (exit code 2)."""
    _SESSION["quiet"] = quiet
    _SESSION["no_input"] = no_input


def env_flag(name: str) -> bool:
    """An on/off environment setting: set to anything but "", "0", "false", "no" or "off"."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def quiet() -> bool:
    return _SESSION["quiet"]


def info(message: str) -> None:
    """A message for the person at the terminal: what was done, notes, counts. Always stderr,
    never mixed with data; the text it quotes (names, titles, commands from the history) cannot
    drive the terminal. --quiet silences it; errors go through `say`."""
    if not _SESSION["quiet"]:
        say(message)


def say(message: str) -> None:
    """A line on stderr that --quiet does not silence: an error, or what a question being asked
    is about. It never runs into a progress bar being drawn."""
    from ..render import safe_text
    from .progress_bar import pause_bars

    pause_bars()
    sys.stderr.write(safe_text(message) + "\n")


def date_order(flag: str | None) -> str | None:
    """--date-order, else $PARTNERKB_DATE_ORDER, else None (all-numeric dates refused)."""
    from ..dates import check_date_order

    if flag is not None:
        return check_date_order(flag, "--date-order")
    return env_date_order()


def env_date_order() -> str | None:
    """$PARTNERKB_DATE_ORDER, checked (None when unset or empty)."""
    from ..dates import check_date_order

    return check_date_order(os.environ.get("PARTNERKB_DATE_ORDER"), "$PARTNERKB_DATE_ORDER")


def as_of_day(text: str | None, order: str | None, option: str = "--as-of") -> date | None:
    """One day given to `option` (--as-of, --published) in any form of the date grammar
    ("yesterday" against today); a month or a range is refused naming the option."""
    if text is None:
        return None
    from ..dates import parse_day

    try:
        return parse_day(text, order=order, what=option)
    except InvalidInput as exc:
        message = exc.message if exc.message.startswith(option) else f"{option}: {exc.message}"
        raise InvalidInput(message, hint=exc.hint) from None


def parse_since_until(
    since: str | None,
    until: str | None,
    order: str | None = None,
    reference: date | None = None,
) -> tuple[str | None, str | None]:
    """--since keeps what ends on or after the start of its date; --until, the end of its date.
    Relative dates ("last year") are read against `reference` (default today); all-numeric
    ones with `order`, else $PARTNERKB_DATE_ORDER."""
    from ..dates import parse_bound

    if order is None:
        order = env_date_order()
    start = end = None
    try:
        if since:
            start = parse_bound(since, reference, order=order)[0]
        if until:
            end = parse_bound(until, reference, order=order)[1]
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


def event_filter(
    kb: KnowledgeBase,
    entity: list[str] | None,
    kind: list[str] | None,
    tag: list[str] | None,
    since: str | None,
    until: str | None,
    planned: bool,
    happened: bool,
    order: str | None = None,
    reference: date | None = None,
) -> EventFilter:
    """The EventFilter of the timeline options (--entity, --kind, --tag, --since...); `order`
    is the date order (see `date_order`), `reference` the day relative dates are read on."""
    if planned and happened:
        raise InvalidInput("--planned and --happened exclude each other")
    start, end = parse_since_until(since, until, order, reference)
    from ..queries import check_kinds

    kinds = check_kinds(kb, kind or [], ("events",), "--kind", "event kind", "event kinds")
    entity_ids = tuple(kb.resolve(e, ("entities",), partial=True)[1]["id"] for e in entity or [])
    from ..model import PENDING_STATUSES

    statuses = PENDING_STATUSES if planned else ("happened",) if happened else ()
    from ..queries import EventFilter

    return EventFilter(
        entities=entity_ids,
        kinds=kinds,
        tags=tuple(tag or []),
        since=start,
        until=end,
        statuses=statuses,
    )


def source_ids(kb: KnowledgeBase, source: str | None) -> tuple[str, ...]:
    """The ids of what --source names: a source (id or title), or with 'self' every own
    record of yours (one a day: `partnerkb.ownrecord`); () when not given."""
    if source is None:
        return ()
    from ..errors import NoMatch, NotFound
    from ..ownrecord import is_self, own_records, refuse_shadows

    if is_self(source):
        refuse_shadows(kb)
        mine = own_records(kb.data)
        if not mine:
            raise NoMatch("--source self: this store holds no own record of yours yet")
        return tuple(mine)
    try:
        return (str(kb.resolve(source, ("sources",))[1]["id"]),)
    except NotFound as exc:
        raise NotFound(f"--source: no source {source!r}", hint=exc.hint) from None


def command_line(ctx: typer.Context) -> str:
    """The command as the history shows it, rebuilt from what was given."""
    words = [ctx.info_name or "?"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value in (None, False, (), []) or param.name in ("db", "fmt"):
            continue
        if param.param_type_name == "argument":
            words.extend(value if isinstance(value, (list, tuple)) else [str(value)])
            continue
        flag = param.opts[0]
        if value is True:
            words.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                words.extend([flag, str(item)])
        else:
            words.extend([flag, str(value)])
    return shlex.join(words)


def announce_created(store: Engine) -> None:
    """Say where the user's store was made, when a write has just made it."""
    if store.created:
        info(
            f"created your own store at {store.path} (a copy of the shipped knowledge base); "
            "partnerkb uses it from now on"
        )


def announce_upgrade(store: Engine, *, dry_run: bool = False) -> None:
    """Before a write to a SQLite store that an older partnerkb made: say that the write brings
    it up to date first (the steps `migrate` would take), which on a big store takes minutes,
    so that a long wait is not taken for a hang. Nothing for other engines, a dry run, a file
    not made yet or a store already up to date."""
    # os.path.exists, not Path.exists: a file this user may not even look at (a folder without
    # access) is no upgrade to announce; the write itself refuses it (exit 3, permission denied)
    if dry_run or store.engine != "sqlite" or not os.path.exists(store.path):
        return
    try:
        steps = store.migrate(dry_run=True).steps
    except PartnerkbError:
        return  # the write itself says what is wrong with the store
    if steps:
        info(
            f"note: {store.path} was made by an older partnerkb; this write first brings it up "
            "to date, which takes minutes on a store of a million events (what `partnerkb "
            f"migrate` does on its own: {'; '.join(steps)})"
        )


def announce_history(store: Engine) -> None:
    """The history id of what a write just wrote: `partnerkb undo ID` reverts exactly that."""
    if store.history_id:  # an undo adds no entry
        info(f"history: {store.history_id} (partnerkb undo {store.history_id} reverts it)")


def interactive() -> bool:
    """Prompts only when a person is at the terminal (stdin and stdout both TTYs) and
    --no-input was not given."""
    if _SESSION["no_input"]:
        return False
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def no_terminal_reason() -> str:
    """Why nothing can be asked now, for the error that names what is missing instead."""
    return "--no-input was given" if _SESSION["no_input"] else "there is no terminal to ask"
